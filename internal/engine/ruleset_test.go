package engine

import (
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
