package match

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// explain says why the condition x did not evaluate to want, naming the
// searches responsible. Conditions are explained after they were
// evaluated without error, so explain ignores errors.
func (e *evaluator) explain(x ast.Expr, want bool) string {
	switch x := x.(type) {
	case *ast.Ident:
		if want {
			return x.Name + ": " + e.searches[x.Name].why
		}
		return x.Name + " matched"
	case *ast.Of:
		names, _ := e.of(x)
		xs := make([]ast.Expr, len(names))
		for i, n := range names {
			xs[i] = &ast.Ident{NamePos: x.OfPos, Name: n}
		}
		return e.explainJunction(xs, x.All, want)
	case *ast.Not:
		return e.explain(x.X, !want)
	case *ast.Paren:
		return e.explain(x.X, want)
	case *ast.And:
		return e.explainJunction(x.X, true, want)
	case *ast.Or:
		return e.explainJunction(x.X, false, want)
	}
	return "the condition could not be evaluated"
}

// explainJunction explains an AND (all) or an OR that did not evaluate to
// want: the operands that decided it.
func (e *evaluator) explainJunction(xs []ast.Expr, all, want bool) string {
	var parts []string
	for _, y := range xs {
		ok, _ := e.cond(y)
		if ok == want {
			continue
		}
		parts = append(parts, e.explain(y, want))
		if all == want {
			// One failed operand of an AND (one matching operand of
			// a negated OR) decides it.
			break
		}
	}
	sep := "; "
	if !want {
		sep = " and "
	}
	return strings.Join(parts, sep)
}
