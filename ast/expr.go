package ast

import "strings"

// An Expr is a node of a detection condition.
type Expr interface {
	Node
	exprNode()
}

// An Ident names a search identifier: "selection".
type Ident struct {
	NamePos Pos
	Name    string
}

// An Of is a quantified reference to several search identifiers:
// "1 of selection*", "all of them".
type Of struct {
	OfPos   Pos
	All     bool   // "all of" rather than "1 of" / "any of"
	Pattern string // identifier pattern with "*" wildcards; "" for them
	Them    bool   // "of them": every identifier not starting with "_"
}

// A Not negates its operand: "not x".
type Not struct {
	NotPos Pos
	X      Expr
}

// An And is a conjunction of two or more conditions: "a and b".
type And struct {
	OpPos Pos // position of the first operand
	X     []Expr
}

// An Or is a disjunction of two or more conditions: "a or b".
type Or struct {
	OpPos Pos
	X     []Expr
}

// A Paren is a parenthesised condition: "(x)". The parser keeps it so that
// printers can reproduce the grouping the author wrote.
type Paren struct {
	LparenPos Pos
	X         Expr
}

// A BadExpr stands for a condition that could not be parsed.
type BadExpr struct {
	From Pos
}

func (x *Ident) Pos() Pos   { return x.NamePos }
func (x *Of) Pos() Pos      { return x.OfPos }
func (x *Not) Pos() Pos     { return x.NotPos }
func (x *And) Pos() Pos     { return x.OpPos }
func (x *Or) Pos() Pos      { return x.OpPos }
func (x *Paren) Pos() Pos   { return x.LparenPos }
func (x *BadExpr) Pos() Pos { return x.From }

func (*Ident) node()   {}
func (*Of) node()      {}
func (*Not) node()     {}
func (*And) node()     {}
func (*Or) node()      {}
func (*Paren) node()   {}
func (*BadExpr) node() {}

func (*Ident) exprNode()   {}
func (*Of) exprNode()      {}
func (*Not) exprNode()     {}
func (*And) exprNode()     {}
func (*Or) exprNode()      {}
func (*Paren) exprNode()   {}
func (*BadExpr) exprNode() {}

// ExprString prints x back in Sigma condition syntax.
func ExprString(x Expr) string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}

func writeExpr(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case *Ident:
		b.WriteString(x.Name)
	case *Of:
		if x.All {
			b.WriteString("all of ")
		} else {
			b.WriteString("1 of ")
		}
		if x.Them {
			b.WriteString("them")
		} else {
			b.WriteString(x.Pattern)
		}
	case *Not:
		b.WriteString("not ")
		writeExpr(b, x.X)
	case *And:
		for i, y := range x.X {
			if i > 0 {
				b.WriteString(" and ")
			}
			writeExpr(b, y)
		}
	case *Or:
		for i, y := range x.X {
			if i > 0 {
				b.WriteString(" or ")
			}
			writeExpr(b, y)
		}
	case *Paren:
		b.WriteByte('(')
		writeExpr(b, x.X)
		b.WriteByte(')')
	case *BadExpr:
		b.WriteString("<bad>")
	}
}

// MatchPattern reports whether name matches an identifier pattern in which
// "*" stands for any run of characters.
func MatchPattern(pattern, name string) bool {
	first, rest, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == name
	}
	if !strings.HasPrefix(name, first) {
		return false
	}
	name = name[len(first):]
	for {
		part, more, ok := strings.Cut(rest, "*")
		if !ok {
			return strings.HasSuffix(name, rest) // the last part
		}
		i := strings.Index(name, part)
		if i < 0 {
			return false
		}
		name, rest = name[i+len(part):], more
	}
}

// Inspect traverses x in depth-first order, calling f for each node; when
// f returns false, the node's children are skipped.
func Inspect(x Expr, f func(Expr) bool) {
	if x == nil || !f(x) {
		return
	}
	switch x := x.(type) {
	case *Not:
		Inspect(x.X, f)
	case *And:
		for _, y := range x.X {
			Inspect(y, f)
		}
	case *Or:
		for _, y := range x.X {
			Inspect(y, f)
		}
	case *Paren:
		Inspect(x.X, f)
	}
}
