package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
)

// TestCandidateFilters checks that the filter index gives, in order, every
// filter that names a rule or any rule, as a scan of all the filters does.
func TestCandidateFilters(t *testing.T) {
	ref := func(names ...string) []ast.RuleRef {
		var out []ast.RuleRef
		for _, n := range names {
			out = append(out, ast.RuleRef{Name: n})
		}
		return out
	}
	filters := []*ast.Filter{
		{Rules: ref("a")},
		{Any: true},
		{Rules: ref("b", "a", "a")},
		{Rules: ref("")},
		{Rules: ref("name-b")},
		{Any: true, Rules: ref("a")},
		{Rules: ref("c")},
	}
	set := newRuleSet(nil, filters)
	rules := []*ast.Rule{
		{Meta: ast.Meta{ID: "a"}},
		{Meta: ast.Meta{ID: "b", Name: "name-b"}},
		{Meta: ast.Meta{ID: "x", Name: "a"}},
		{Meta: ast.Meta{Name: "c"}},
		{Meta: ast.Meta{ID: "a", Name: "a"}},
		{},
	}
	for _, r := range rules {
		var want []int
		for i, f := range filters {
			named := f.Any
			for _, ref := range f.Rules {
				named = named || ref.Name != "" && (ref.Name == r.ID || ref.Name == r.Name)
			}
			if named {
				want = append(want, i)
			}
		}
		if got := set.candidateFilters(r); !slices.Equal(got, want) {
			t.Errorf("rule id %q name %q: filters %v, want %v", r.ID, r.Name, got, want)
		}
	}
}

// TestCycles compares cycles with a search from every correlation, on
// random graphs of references.
func TestCycles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 500; trial++ {
		n := 1 + rng.IntN(12)
		var corrs []*ast.Correlation
		set := &ruleSet{byRef: map[string]ast.Document{}}
		for i := 0; i < n; i++ {
			c := &ast.Correlation{Meta: ast.Meta{ID: fmt.Sprint("c", i)}}
			corrs = append(corrs, c)
			set.byRef[c.ID] = c
		}
		set.byRef["rule"] = &ast.Rule{}
		for _, c := range corrs {
			for k := rng.IntN(3); k > 0; k-- {
				target := "rule"
				if rng.IntN(4) > 0 {
					target = fmt.Sprint("c", rng.IntN(n))
				}
				c.Rules = append(c.Rules, ast.RuleRef{Name: target})
			}
		}
		got := set.cycles(corrs)
		for _, c := range corrs {
			if want := reaches(set, c, c, map[*ast.Correlation]bool{}); got[c] != want {
				t.Fatalf("trial %d: %s in a cycle: %v, want %v", trial, c.ID, got[c], want)
			}
		}
	}
}

// reaches reports whether correlation from references target, directly or
// through other correlations.
func reaches(s *ruleSet, from, target *ast.Correlation, seen map[*ast.Correlation]bool) bool {
	for _, ref := range from.Rules {
		c, ok := s.byRef[ref.Name].(*ast.Correlation)
		if !ok || seen[c] {
			continue
		}
		if c == target {
			return true
		}
		seen[c] = true
		if reaches(s, c, target, seen) {
			return true
		}
	}
	return false
}
