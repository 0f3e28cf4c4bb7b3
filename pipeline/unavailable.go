package pipeline

import (
	"fmt"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Data the target lacks.
//
// A step may mark a value of the rule as unavailable: the target records
// nothing that can test it (Defender XDR has no import hash, so an
// IMPHASH=... value of Hashes). Such a value is never dropped silently.
// After the steps, Apply decides for each one by its place in the rule:
//
//   - an alternative of an OR (a value of a list, an item of a list of
//     maps, a search under "1 of" or "or") is left out, with a warning that
//     the query is narrower than the rule, as long as another alternative
//     remains;
//   - a negated part (a "not filter" search, a neq item) is left out, with a
//     warning that the query may fire on events the rule excludes;
//   - anything else, a requirement ANDed with the rest, rejects the rule
//     with an error that names the field and the reason.
//
// Leaving a part out only ever loses the part that needs the missing data,
// so the rest of the rule is tested as written. The warnings are in
// Result.Warnings; the engine reports them as file:line:col: warning: ....

// An availability is what the target can test of a part of a rule.
type availability int

const (
	present   availability = iota // testable, perhaps without some alternatives
	absent                        // needs data the target lacks
	negAbsent                     // the negation of an absent part
)

func (a availability) negate() availability {
	switch a {
	case absent:
		return negAbsent
	case negAbsent:
		return absent
	}
	return present
}

// markUnavailable records that the target cannot test value v, and why.
func (r *Result) markUnavailable(v ast.Value, reason string) {
	if r.unavailable == nil {
		r.unavailable = map[ast.Value]string{}
	}
	r.unavailable[v] = reason
}

// allUnavailable reports whether every value of fm is marked unavailable.
func (r *Result) allUnavailable(fm *ast.FieldMatch) bool {
	if len(r.unavailable) == 0 || len(fm.Values) == 0 {
		return false
	}
	for _, v := range fm.Values {
		if _, ok := r.unavailable[v]; !ok {
			return false
		}
	}
	return true
}

// A pruner removes the unavailable parts of a rule (see above).
type pruner struct {
	res  *Result
	d    *ast.Detection
	errs ast.ErrorList
	// searches holds the availability of each search body.
	searches map[*ast.Search]availability
}

// pruneUnavailable applies the policy above to the rule of x.
func (x *run) pruneUnavailable() {
	d := x.rule.Detection
	if len(x.res.unavailable) == 0 || d == nil {
		return
	}
	pr := &pruner{res: x.res, d: d, searches: map[*ast.Search]availability{}}
	for i, c := range d.Conditions {
		if e := pr.condition(c.Expr); e != c.Expr {
			d.Conditions[i] = &ast.Condition{TextPos: c.TextPos, Text: c.Text, Expr: e}
		}
	}
	x.errs = append(x.errs, pr.errs...)
}

func (pr *pruner) condition(e ast.Expr) ast.Expr {
	switch pr.expr(e, false) {
	case absent, negAbsent:
		v, fm := pr.firstIn(e)
		pr.errs.Addf(v.Pos(), "%s: %s; the rule requires this value (it is neither one alternative of an OR nor part of a filter), so no query can test the rule", fm.Field, pr.res.unavailable[v])
		return e
	}
	return pr.pruneExpr(e, false)
}

// expr returns the availability of condition e under polarity neg.
func (pr *pruner) expr(e ast.Expr, neg bool) availability {
	switch e := e.(type) {
	case *ast.Paren:
		return pr.expr(e.X, neg)
	case *ast.Not:
		return pr.expr(e.X, !neg).negate()
	case *ast.Ident:
		if s := pr.d.Search(e.Name); s != nil {
			return pr.search(s, neg)
		}
	case *ast.And:
		return pr.combine(false, neg, len(e.X), func(i int) availability { return pr.expr(e.X[i], neg) })
	case *ast.Or:
		return pr.combine(true, neg, len(e.X), func(i int) availability { return pr.expr(e.X[i], neg) })
	case *ast.Of:
		ss := pr.ofSearches(e)
		return pr.combine(!e.All, neg, len(ss), func(i int) availability { return pr.search(ss[i], neg) })
	}
	return present
}

func (pr *pruner) search(s *ast.Search, neg bool) availability {
	a, ok := pr.searches[s]
	if !ok {
		a = pr.matcher(s.Body, neg)
		pr.searches[s] = a
	}
	return a
}

func (pr *pruner) ofSearches(e *ast.Of) []*ast.Search {
	var out []*ast.Search
	for _, s := range pr.d.Searches {
		if e.Them && len(s.Name) > 0 && s.Name[0] == '_' {
			continue
		}
		if e.Them || ast.MatchPattern(e.Pattern, s.Name) {
			out = append(out, s)
		}
	}
	return out
}

// combine returns the availability of an OR (or) or AND of n parts under
// polarity neg: an OR is absent when all its parts are; an AND when one
// part is absent, or, inside a negation, when one is a negated absent part
// (which outside a negation is left out).
func (pr *pruner) combine(or, neg bool, n int, part func(int) availability) availability {
	missing, negMissing := 0, 0
	for i := 0; i < n; i++ {
		switch part(i) {
		case absent:
			missing++
		case negAbsent:
			negMissing++
		}
	}
	switch {
	case n == 0:
		return present
	case or && missing+negMissing == n:
		return absent
	case or:
		return present
	case missing > 0 || negMissing > 0 && neg:
		return absent
	case negMissing == n:
		return negAbsent
	}
	return present
}

// matcher returns the availability of a search body under polarity neg.
func (pr *pruner) matcher(m ast.Matcher, neg bool) availability {
	switch m := m.(type) {
	case *ast.AllOf:
		return pr.combine(false, neg, len(m.Items), func(i int) availability { return pr.matcher(m.Items[i], neg) })
	case *ast.AnyOf:
		return pr.combine(true, neg, len(m.Items), func(i int) availability { return pr.matcher(m.Items[i], neg) })
	case *ast.FieldMatch:
		return pr.item(m, neg)
	}
	return present
}

func (pr *pruner) item(fm *ast.FieldMatch, neg bool) availability {
	n := 0
	for _, v := range fm.Values {
		if _, ok := pr.res.unavailable[v]; ok {
			n++
		}
	}
	a := present
	if n > 0 && (n == len(fm.Values) || fm.All) {
		a = absent
	}
	if fm.Negate {
		return a.negate()
	}
	return a
}

// leftOut warns that part m was left out; broader says that the query
// fires on more events without it, else on fewer.
func (pr *pruner) leftOut(m ast.Matcher, broader bool) {
	v, fm := pr.firstUnavailable(m)
	if v == nil {
		return
	}
	effect := "left out of an OR of the rule: the query is narrower than the rule"
	if broader {
		effect = "left out of a negated part of the rule: the query may fire on events the rule excludes"
	}
	pr.res.Warnings.Addf(v.Pos(), "%s: %s; %s", fm.Field, pr.res.unavailable[v], effect)
}

// firstUnavailable returns the first unavailable value in m, and its item.
func (pr *pruner) firstUnavailable(m ast.Matcher) (v ast.Value, fm *ast.FieldMatch) {
	ast.FieldMatches(m, func(f *ast.FieldMatch) {
		for _, x := range f.Values {
			if _, ok := pr.res.unavailable[x]; ok && v == nil {
				v, fm = x, f
			}
		}
	})
	return v, fm
}

// firstIn returns the first unavailable value of the searches that make
// condition e absent.
func (pr *pruner) firstIn(e ast.Expr) (ast.Value, *ast.FieldMatch) {
	for _, s := range pr.d.Searches {
		if pr.searches[s] == present {
			continue
		}
		if v, fm := pr.firstUnavailable(s.Body); v != nil {
			return v, fm
		}
	}
	panic(fmt.Sprintf("pipeline: no unavailable value under %T", e))
}

// pruneExpr returns condition e (under polarity neg) without the parts
// that the policy leaves out, and prunes the searches it keeps. Changed
// nodes are new: the condition is shared with the caller's rule.
func (pr *pruner) pruneExpr(e ast.Expr, neg bool) ast.Expr {
	switch e := e.(type) {
	case *ast.Paren:
		if x := pr.pruneExpr(e.X, neg); x != e.X {
			return &ast.Paren{LparenPos: e.LparenPos, X: x}
		}
	case *ast.Not:
		if x := pr.pruneExpr(e.X, !neg); x != e.X {
			return &ast.Not{NotPos: e.NotPos, X: x}
		}
	case *ast.Ident:
		if s := pr.d.Search(e.Name); s != nil && pr.search(s, neg) == present {
			pr.pruneMatcher(s.Body, neg)
		}
	case *ast.And:
		if xs, changed := pr.pruneParts(e.X, false, neg); changed {
			return joined(xs, func(xs []ast.Expr) ast.Expr { return &ast.And{OpPos: e.OpPos, X: xs} })
		}
	case *ast.Or:
		if xs, changed := pr.pruneParts(e.X, true, neg); changed {
			return joined(xs, func(xs []ast.Expr) ast.Expr { return &ast.Or{OpPos: e.OpPos, X: xs} })
		}
	case *ast.Of:
		for _, s := range pr.ofSearches(e) {
			if pr.dropped(!e.All, neg, pr.search(s, neg)) {
				pr.remove(s, broadens(!e.All, neg))
			} else if pr.searches[s] == present {
				pr.pruneMatcher(s.Body, neg)
			}
		}
	}
	return e
}

// pruneParts prunes the parts of an OR (or) or AND, leaving out those
// the policy drops.
func (pr *pruner) pruneParts(parts []ast.Expr, or, neg bool) ([]ast.Expr, bool) {
	var out []ast.Expr
	changed := false
	for _, x := range parts {
		if pr.dropped(or, neg, pr.expr(x, neg)) {
			pr.removeExpr(x, broadens(or, neg))
			changed = true
			continue
		}
		y := pr.pruneExpr(x, neg)
		changed = changed || y != x
		out = append(out, y)
	}
	return out, changed
}

// joined returns the one part left, or the parts joined by mk.
func joined(xs []ast.Expr, mk func([]ast.Expr) ast.Expr) ast.Expr {
	if len(xs) == 1 {
		return xs[0]
	}
	return mk(xs)
}

// dropped reports whether a part of availability a of an OR (or) or AND
// under polarity neg is left out; the caller's availability says that
// something else remains.
func (pr *pruner) dropped(or, neg bool, a availability) bool {
	if or {
		return a != present
	}
	return a == negAbsent && !neg
}

// broadens reports whether leaving out a part of an OR (or) or AND under
// polarity neg makes the query fire on more events: an alternative of an
// OR narrows it, unless inside a negation; a negated part of an AND
// broadens it.
func broadens(or, neg bool) bool {
	return !or || neg
}

// removeExpr leaves out the searches of condition e; broader says how
// leaving it out changes the query.
func (pr *pruner) removeExpr(e ast.Expr, broader bool) {
	switch e := e.(type) {
	case *ast.Paren:
		pr.removeExpr(e.X, broader)
	case *ast.Not:
		pr.removeExpr(e.X, broader)
	case *ast.Ident:
		if s := pr.d.Search(e.Name); s != nil {
			pr.remove(s, broader)
		}
	case *ast.And:
		for _, x := range e.X {
			pr.removeExpr(x, broader)
		}
	case *ast.Or:
		for _, x := range e.X {
			pr.removeExpr(x, broader)
		}
	case *ast.Of:
		for _, s := range pr.ofSearches(e) {
			pr.remove(s, broader)
		}
	}
}

// remove leaves out search s: a search without items converts to nothing.
func (pr *pruner) remove(s *ast.Search, broader bool) {
	if len(pr.searchItems(s)) == 0 {
		return
	}
	pr.leftOut(s.Body, broader)
	s.Body = &ast.AllOf{MapPos: s.NamePos}
}

func (pr *pruner) searchItems(s *ast.Search) []ast.Matcher {
	if m, ok := s.Body.(*ast.AllOf); ok {
		return m.Items
	}
	return []ast.Matcher{s.Body}
}

// pruneMatcher removes the parts of a kept search body that the policy
// leaves out.
func (pr *pruner) pruneMatcher(m ast.Matcher, neg bool) {
	switch m := m.(type) {
	case *ast.AllOf:
		m.Items = pr.pruneItems(m.Items, false, neg)
	case *ast.AnyOf:
		m.Items = pr.pruneItems(m.Items, true, neg)
	case *ast.FieldMatch:
		vneg := neg != m.Negate
		var keep []ast.Value
		for _, v := range m.Values {
			if _, ok := pr.res.unavailable[v]; !ok {
				keep = append(keep, v)
			}
		}
		if len(keep) < len(m.Values) {
			pr.leftOut(m, vneg)
			m.Values = keep
		}
	}
}

func (pr *pruner) pruneItems(items []ast.Matcher, or, neg bool) []ast.Matcher {
	var keep []ast.Matcher
	for _, it := range items {
		a := pr.matcher(it, neg)
		if pr.dropped(or, neg, a) {
			pr.leftOut(it, broadens(or, neg))
			continue
		}
		pr.pruneMatcher(it, neg)
		keep = append(keep, it)
	}
	return keep
}
