package kqleval

import (
	"fmt"
	"strings"
)

// Explain tells why the query outputs no row for data: which table was
// empty, or, for the first where that drops every row it gets, the
// conjuncts (operands of its top-level and) that are not true on each of
// those rows, quoted from the query text. It returns "" when the query
// outputs rows, and the error when it fails.
func (q *Query) Explain(schema Schema, data map[string][]Row) string {
	var report string
	ev := &evaluator{q: q, schema: schema, data: data, visible: len(q.lets)}
	ev.onWhere = func(o *whereOp, in, out *table) {
		if report == "" && len(in.rows) > 0 && len(out.rows) == 0 {
			report = ev.explainWhere(o, in)
		}
	}
	t, err := ev.tabular(q.body)
	switch {
	case err != nil:
		return err.Error()
	case len(t.rows) > 0:
		return ""
	case report != "":
		return report
	}
	return "no input row: the tables the query reads are empty"
}

// maxExplained bounds the rows an explanation describes.
const maxExplained = 3

func (ev *evaluator) explainWhere(o *whereOp, in *table) string {
	var b strings.Builder
	for i, r := range in.rows {
		if i == maxExplained {
			fmt.Fprintf(&b, "; and %d more rows", len(in.rows)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "row %d:", i+1)
		for _, c := range conjuncts(o.Pred) {
			v, err := ev.eval(c, r)
			if v == true && err == nil {
				continue
			}
			fmt.Fprintf(&b, " [%s] is %v", ev.q.textOf(c), describeValue(v, err))
		}
	}
	return b.String()
}

func describeValue(v Value, err error) string {
	if err != nil {
		return "an error: " + err.Error()
	}
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}

func conjuncts(e Expr) []Expr {
	if b, ok := e.(*Binary); ok && b.Op == "and" {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []Expr{e}
}

// maxQuoted bounds the length of a quoted part of the query.
const maxQuoted = 160

func (q *Query) textOf(e Expr) string {
	s, ok := q.spans[e]
	if !ok {
		return fmt.Sprintf("expression at offset %d", e.offset())
	}
	t := strings.Join(strings.Fields(q.Text[s[0]:s[1]]), " ")
	if len(t) > maxQuoted {
		t = t[:maxQuoted] + "..."
	}
	return t
}
