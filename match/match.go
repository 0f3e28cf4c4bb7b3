package match

import (
	"fmt"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A Result is the verdict of a rule on an event.
type Result struct {
	Matched bool
	// Reason says, when the rule did not match, why: which search failed
	// on which field and value, or which filter excluded the event. It is
	// empty when the rule matched.
	Reason string
}

// Options tune the evaluation.
type Options struct {
	// Placeholders gives the values of the placeholders of the expand
	// modifier, by name without the percent signs. Each value is a Sigma
	// string (wildcards allowed); several values are alternatives.
	Placeholders map[string][]string
}

// Rule evaluates the rule r against the event ev with no placeholder
// values. An error reports what the evaluator cannot decide.
func Rule(r *ast.Rule, ev Event) (Result, error) { return Options{}.Rule(r, ev) }

// Rule evaluates the rule r against the event ev. The rule matches when
// one of its conditions holds and none of the exclusions of the filters
// applied to it does. Every search of the rule is evaluated, so that a
// feature the evaluator does not support gives an error whatever the
// event holds.
func (o Options) Rule(r *ast.Rule, ev Event) (Result, error) {
	d := r.Detection
	if d == nil || len(d.Conditions) == 0 {
		return Result{}, ast.Errorf(r.Pos(), "the rule has no detection condition to evaluate")
	}
	e := &evaluator{ev: ev, opts: o, searches: map[string]outcome{}}
	if err := e.evalSearches(d.Searches); err != nil {
		return Result{}, err
	}
	var reasons []string
	matched := false
	for i, c := range d.Conditions {
		ok, err := e.cond(c.Expr)
		if err != nil {
			return Result{}, err
		}
		if ok {
			matched = true
			break
		}
		why := e.explain(c.Expr, true)
		if len(d.Conditions) > 1 {
			why = fmt.Sprintf("condition %d: %s", i+1, why)
		}
		reasons = append(reasons, why)
	}
	if !matched {
		return Result{Reason: strings.Join(reasons, "; ")}, nil
	}
	for _, x := range d.Exclusions {
		ok, err := e.cond(x.Expr)
		if err != nil {
			return Result{}, err
		}
		if ok {
			return Result{Reason: fmt.Sprintf("excluded by filter %q: %s", x.Title, e.explain(x.Expr, false))}, nil
		}
	}
	return Result{Matched: true}, nil
}

// An evaluator holds the state of one evaluation of a rule on an event.
type evaluator struct {
	ev       Event
	opts     Options
	searches map[string]outcome
	names    []string // the searches in rule order
}

// An outcome is the verdict of a search and, when false, why.
type outcome struct {
	ok  bool
	why string
}

func (e *evaluator) evalSearches(list []*ast.Search) error {
	var errs ast.ErrorList
	for _, s := range list {
		ok, why, err := e.matcher(s.Body)
		if err != nil {
			errs.Append(err)
			continue
		}
		e.searches[s.Name] = outcome{ok, why}
		e.names = append(e.names, s.Name)
	}
	if len(errs) > 0 {
		errs.Sort()
		return errs
	}
	return nil
}

// matcher evaluates a search body: maps are AND, lists OR.
func (e *evaluator) matcher(m ast.Matcher) (bool, string, error) {
	switch m := m.(type) {
	case *ast.AllOf:
		return e.items(m.Items, true)
	case *ast.AnyOf:
		return e.items(m.Items, false)
	case *ast.FieldMatch:
		return e.fieldMatch(m)
	}
	return false, "", ast.Errorf(m.Pos(), "the evaluator does not know this kind of search item (%T)", m)
}

// items evaluates the items of a map (all) or of a list (any). All items
// are evaluated, so that errors do not depend on the event.
func (e *evaluator) items(items []ast.Matcher, all bool) (bool, string, error) {
	result := all
	var whys []string
	var errs ast.ErrorList
	for _, it := range items {
		ok, why, err := e.matcher(it)
		if err != nil {
			errs.Append(err)
			continue
		}
		if ok != all {
			result = !all
		}
		if !ok {
			whys = append(whys, why)
		}
	}
	if len(errs) > 0 {
		return false, "", errs
	}
	if result {
		return true, "", nil
	}
	if all {
		return false, whys[0], nil
	}
	return false, joinAlternatives(whys), nil
}

// joinAlternatives explains why no alternative of a list matched.
func joinAlternatives(whys []string) string {
	const max = 3
	if len(whys) == 1 {
		return whys[0]
	}
	shown := whys
	if len(shown) > max {
		shown = shown[:max]
	}
	s := "none of " + fmt.Sprint(len(whys)) + " alternatives matched: " + strings.Join(shown, "; ")
	if len(whys) > max {
		s += fmt.Sprintf("; and %d more", len(whys)-max)
	}
	return s
}

// fieldMatch evaluates one "field|modifiers: values" item.
func (e *evaluator) fieldMatch(fm *ast.FieldMatch) (bool, string, error) {
	if fm.Field == "" {
		return e.keywords(fm)
	}
	v, present := e.ev.Field(fm.Field)
	vals := fm.Values
	if len(vals) == 0 {
		vals = []ast.Value{&ast.Null{ValuePos: fm.KeyPos}}
	}
	ok, failed, err := e.values(vals, fm.All, func(val ast.Value) (bool, error) { return e.value(val, v, present) })
	if err != nil {
		return false, "", err
	}
	if fm.Negate {
		if ok {
			return false, fmt.Sprintf("field %s: neq excludes %s, %s", fm.Field, describeValues(vals), describeEvent(v, present)), nil
		}
		return true, "", nil
	}
	if ok {
		return true, "", nil
	}
	return false, fmt.Sprintf("field %s: %s, %s", fm.Field, failed, describeEvent(v, present)), nil
}

// values evaluates the values of a field match: one must match, or all of
// them under the all modifier. When they do not, failed says which.
func (e *evaluator) values(vals []ast.Value, all bool, match func(ast.Value) (bool, error)) (ok bool, failed string, err error) {
	var errs ast.ErrorList
	var first ast.Value // the first value that did not match, under all
	any := false
	for _, val := range vals {
		m, err := match(val)
		if err != nil {
			errs.Append(err)
			continue
		}
		any = any || m
		if !m && first == nil {
			first = val
		}
	}
	if len(errs) > 0 {
		return false, "", errs
	}
	switch {
	case all && first == nil, !all && any:
		return true, "", nil
	case all && len(vals) > 1:
		return false, "value " + describe(first) + " did not match (all are required)", nil
	}
	return false, "no value matched " + describeValues(vals), nil
}

// describeValues lists values for messages, the first few only.
func describeValues(vals []ast.Value) string {
	const max = 4
	parts := make([]string, 0, max+1)
	for i, v := range vals {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(vals)-max))
			break
		}
		parts = append(parts, describe(v))
	}
	return strings.Join(parts, ", ")
}

// keywords evaluates values without a field: each is looked for anywhere
// in the event's values.
func (e *evaluator) keywords(fm *ast.FieldMatch) (bool, string, error) {
	evs := e.ev.Values()
	ok, failed, err := e.values(fm.Values, fm.All, func(val ast.Value) (bool, error) {
		for _, x := range evs {
			if m, err := e.keyword(val, x); m || err != nil {
				return m, err
			}
		}
		return false, e.keywordCheck(val)
	})
	if err != nil || ok {
		return ok, "", err
	}
	return false, fmt.Sprintf("keywords: %s in any of the event's %d values", failed, len(evs)), nil
}

// keyword reports whether the event value x contains the keyword val.
func (e *evaluator) keyword(val ast.Value, x any) (bool, error) {
	switch val := val.(type) {
	case *ast.String:
		return e.str(val, x, true)
	case *ast.Number, *ast.Bool:
		t, _ := ast.ValueText(val)
		return e.str(ast.NewString(val.Pos(), t), x, true)
	case *ast.Regex:
		return e.scalar(val, x)
	case *ast.Expansion:
		for _, y := range val.Values {
			if m, err := e.keyword(y, x); m || err != nil {
				return m, err
			}
		}
		return false, nil
	}
	return false, ast.Errorf(val.Pos(), "a keyword (a value without a field) cannot be %s: give the field it applies to", describe(val))
}

// keywordCheck reports the error a keyword would give on any event value.
func (e *evaluator) keywordCheck(val ast.Value) error {
	_, err := e.keyword(val, "")
	return err
}

// cond evaluates a condition from the outcomes of the searches.
func (e *evaluator) cond(x ast.Expr) (bool, error) {
	switch x := x.(type) {
	case *ast.Ident:
		o, ok := e.searches[x.Name]
		if !ok {
			return false, ast.Errorf(x.Pos(), "the condition names %q, which is not a search of the rule", x.Name)
		}
		return o.ok, nil
	case *ast.Of:
		names, err := e.of(x)
		if err != nil {
			return false, err
		}
		for _, n := range names {
			if e.searches[n].ok != x.All {
				return !x.All, nil
			}
		}
		return x.All, nil
	case *ast.Not:
		ok, err := e.cond(x.X)
		return !ok, err
	case *ast.Paren:
		return e.cond(x.X)
	case *ast.And:
		return e.junction(x.X, true)
	case *ast.Or:
		return e.junction(x.X, false)
	}
	return false, ast.Errorf(x.Pos(), "the condition could not be parsed")
}

// junction evaluates an AND (all) or an OR of conditions.
func (e *evaluator) junction(xs []ast.Expr, all bool) (bool, error) {
	for _, y := range xs {
		ok, err := e.cond(y)
		if err != nil {
			return false, err
		}
		if ok != all {
			return !all, nil
		}
	}
	return all, nil
}

// of returns, in rule order, the searches an "of" expression names.
func (e *evaluator) of(x *ast.Of) ([]string, error) {
	var names []string
	for _, s := range e.names {
		if x.Them && !strings.HasPrefix(s, "_") || !x.Them && ast.MatchPattern(x.Pattern, s) {
			names = append(names, s)
		}
	}
	if len(names) == 0 {
		return nil, ast.Errorf(x.Pos(), "%q names no search of the rule", ast.ExprString(x))
	}
	return names, nil
}
