package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// A ruleSet holds every document of a run, indexed for the references of
// correlations and filters.
type ruleSet struct {
	byRef   map[string]ast.Document // by id and by name
	filters []*ast.Filter
	hidden  map[ast.Document]bool // documents only converted as part of a correlation
	names   []string              // every id and name, sorted, for suggestions

	// The filters that may apply to a rule, as indexes into filters in
	// increasing order: by the rule ids and names they list, and those
	// for any rule. A rule looks at these only, not at every filter.
	filtersByRef map[string][]int
	filtersAny   []int
}

func newRuleSet(files []parsed, filters []*ast.Filter) *ruleSet {
	s := &ruleSet{byRef: map[string]ast.Document{}, hidden: map[ast.Document]bool{}, filters: filters}
	var corrs []*ast.Correlation
	for _, f := range files {
		for _, d := range f.docs {
			var meta *ast.Meta
			switch d := d.(type) {
			case *ast.Rule:
				meta = &d.Meta
			case *ast.Correlation:
				meta = &d.Meta
				corrs = append(corrs, d)
			case *ast.Filter:
				s.filters = append(s.filters, d)
				continue
			}
			for _, ref := range []string{meta.ID, meta.Name} {
				if _, dup := s.byRef[ref]; ref != "" && !dup {
					s.byRef[ref] = d
					s.names = append(s.names, ref)
				}
			}
		}
	}
	sort.Strings(s.names)
	s.filtersByRef = map[string][]int{}
	for i, f := range s.filters {
		if f.Any {
			s.filtersAny = append(s.filtersAny, i)
		}
		for _, ref := range f.Rules {
			l := s.filtersByRef[ref.Name]
			if ref.Name != "" && (len(l) == 0 || l[len(l)-1] != i) {
				s.filtersByRef[ref.Name] = append(l, i)
			}
		}
	}
	// Correlations in a cycle stay visible, so that the cycle is reported.
	inCycle := s.cycles(corrs)
	for _, c := range corrs {
		if c.Generate {
			continue
		}
		for _, ref := range c.Rules {
			if d, ok := s.byRef[ref.Name]; ok {
				if dc, isCorr := d.(*ast.Correlation); isCorr && inCycle[dc] {
					continue
				}
				s.hidden[d] = true
			}
		}
	}
	return s
}

// cycles returns the correlations that reference themselves, directly or
// through other correlations: the members of the strongly connected
// components of the graph of references between correlations that have
// several members or a reference to themselves. Tarjan's algorithm finds
// them in time linear in the references (a search from every correlation
// would take quadratic time on a long chain).
func (s *ruleSet) cycles(corrs []*ast.Correlation) map[*ast.Correlation]bool {
	type state struct {
		index, low int
		onStack    bool
	}
	states := map[*ast.Correlation]*state{}
	var stack []*ast.Correlation
	out := map[*ast.Correlation]bool{}
	var visit func(c *ast.Correlation) *state
	visit = func(c *ast.Correlation) *state {
		st := &state{index: len(states), low: len(states), onStack: true}
		states[c] = st
		stack = append(stack, c)
		self := false
		for _, ref := range c.Rules {
			d, ok := s.byRef[ref.Name].(*ast.Correlation)
			if !ok {
				continue
			}
			self = self || d == c
			if ds, seen := states[d]; !seen {
				st.low = min(st.low, visit(d).low)
			} else if ds.onStack {
				st.low = min(st.low, ds.index)
			}
		}
		if st.low == st.index {
			i := len(stack) - 1
			for stack[i] != c {
				i--
			}
			comp := stack[i:]
			for _, x := range comp {
				states[x].onStack = false
				if len(comp) > 1 || self {
					out[x] = true
				}
			}
			stack = stack[:i]
		}
		return st
	}
	for _, c := range corrs {
		if _, seen := states[c]; !seen {
			visit(c)
		}
	}
	return out
}

// filtered returns r with the exclusions of the filters that apply to it:
// filters that name the rule (by id or name, or "any") and whose log source
// covers the rule's. The filter's searches join the rule's under new names
// so that the pipelines process them too.
func (s *ruleSet) filtered(r *ast.Rule) *ast.Rule {
	var out *ast.Rule
	for _, i := range s.candidateFilters(r) {
		f := s.filters[i]
		if !f.Applies(r) || f.Detection == nil {
			continue
		}
		if out == nil {
			out = r.Copy()
		}
		prefix := fmt.Sprintf("_filter%d_", i+1)
		rename := map[string]string{}
		for _, srch := range f.Detection.Searches {
			rename[srch.Name] = prefix + srch.Name
			out.Detection.Searches = append(out.Detection.Searches, &ast.Search{NamePos: srch.NamePos, Name: prefix + srch.Name, Body: ast.CopyMatcher(srch.Body)})
		}
		for _, c := range f.Detection.Conditions {
			x := renameIdents(c.Expr, rename, prefix)
			// The filter's condition says what to suppress. A condition
			// written as "not ..." (as pySigma's filters are) already
			// says so.
			if n, ok := x.(*ast.Not); ok {
				x = n.X
			}
			out.Detection.Exclusions = append(out.Detection.Exclusions, &ast.Exclusion{FilterPos: f.DocPos, Title: f.Title, Expr: x})
		}
	}
	if out == nil {
		return r
	}
	return out
}

// candidateFilters returns, in increasing order, the indexes of the
// filters that name r (by id or name) or any rule: the only ones that may
// apply to it.
func (s *ruleSet) candidateFilters(r *ast.Rule) []int {
	var byID, byName []int
	if r.ID != "" {
		byID = s.filtersByRef[r.ID]
	}
	if r.Name != "" && r.Name != r.ID {
		byName = s.filtersByRef[r.Name]
	}
	if len(byID)+len(byName) == 0 {
		return s.filtersAny
	}
	out := make([]int, 0, len(s.filtersAny)+len(byID)+len(byName))
	out = append(append(append(out, s.filtersAny...), byID...), byName...)
	sort.Ints(out)
	return slices.Compact(out)
}

// renameIdents returns x with identifiers renamed and patterns prefixed.
func renameIdents(x ast.Expr, rename map[string]string, prefix string) ast.Expr {
	switch x := x.(type) {
	case *ast.Ident:
		return &ast.Ident{NamePos: x.NamePos, Name: rename[x.Name]}
	case *ast.Of:
		c := *x
		if !x.Them {
			c.Pattern = prefix + x.Pattern
		} else {
			c.Them, c.Pattern = false, prefix+"*"
		}
		return &c
	case *ast.Not:
		return &ast.Not{NotPos: x.NotPos, X: renameIdents(x.X, rename, prefix)}
	case *ast.And:
		c := &ast.And{OpPos: x.OpPos}
		for _, y := range x.X {
			c.X = append(c.X, renameIdents(y, rename, prefix))
		}
		return c
	case *ast.Or:
		c := &ast.Or{OpPos: x.OpPos}
		for _, y := range x.X {
			c.X = append(c.X, renameIdents(y, rename, prefix))
		}
		return c
	case *ast.Paren:
		return &ast.Paren{LparenPos: x.LparenPos, X: renameIdents(x.X, rename, prefix)}
	}
	return x
}

// correlation resolves the references of c, recursively; stack holds the
// correlations being resolved, to report cycles.
func (cfg *Config) correlation(s *ruleSet, c *ast.Correlation, stack []*ast.Correlation) (*backends.Correlation, error) {
	for _, o := range stack {
		if o == c {
			var names []string
			for _, x := range append(stack, c) {
				names = append(names, docName(&x.Meta))
			}
			return nil, ast.Errorf(c.DocPos, "correlation rules reference each other in a cycle: %s", strings.Join(names, " -> "))
		}
	}
	stack = append(stack, c)
	out := &backends.Correlation{Doc: c}
	var errs ast.ErrorList
	for _, ref := range c.Rules {
		d, ok := s.byRef[ref.Name]
		if !ok {
			msg := fmt.Sprintf("correlation references rule %q, which is not among the rules converted (give its file or directory too)", ref.Name)
			if sg := suggest.Nearest(ref.Name, s.names); sg != "" {
				msg += fmt.Sprintf("; did you mean %q?", sg)
			}
			errs.Add(ref.RefPos, msg)
			continue
		}
		in := &backends.CorrelationInput{Ref: ref.Name}
		switch d := d.(type) {
		case *ast.Rule:
			in.Name = docName(&d.Meta)
			res, err := cfg.prepare(s, d)
			if err != nil {
				errs.Append(err)
				continue
			}
			if d.Detection != nil && len(d.Detection.Conditions) != 1 {
				errs.Addf(ref.RefPos, "rule %q has %d conditions; a rule in a correlation must have one", ref.Name, len(d.Detection.Conditions))
				continue
			}
			in.Rule = res
			in.MapField = res.MapField
		case *ast.Correlation:
			in.Name = docName(&d.Meta)
			nested, err := cfg.correlation(s, d, stack)
			if err != nil {
				errs.Append(err)
				continue
			}
			in.Correlation = nested
			in.MapField = func(f string) string { return f }
		}
		out.Inputs = append(out.Inputs, in)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

func docName(m *ast.Meta) string {
	if m.Name != "" {
		return m.Name
	}
	if m.ID != "" {
		return m.ID
	}
	return m.Title
}
