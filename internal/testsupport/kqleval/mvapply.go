package kqleval

import (
	"fmt"
	"maps"
	"slices"
)

// mv-apply Name = expr [to typeof(T)], ... on (subquery): for each input
// row, the arrays of the items become rows (the i-th element of each item
// under its name, null where an array is shorter), the subquery runs on
// them, and each of its output rows, with the input row's columns, is an
// output row. A property bag counts as an array of one-entry bags, a null
// as an empty array (Kusto documentation, "mv-apply operator").

// The entry of mv-apply in tabOps is set here: its parser reads the
// subquery's operators from tabOps, which Go cannot initialise in one
// expression.
func init() { tabOps["mv-apply"] = parseMvApply }

type mvApplyOp struct {
	Items []mvItem
	Sub   []TabOp
}

type mvItem struct {
	assign
	Type string // to typeof(Type); "" for none
}

func parseMvApply(p *parser) TabOp {
	o := &mvApplyOp{}
	for p.err == nil {
		o.Items = append(o.Items, p.mvItem())
		if !p.is(",") {
			break
		}
		p.next()
	}
	if !p.isWord("on") {
		p.fail("found %s in mv-apply, expected on (subquery)", describe(p.tok()))
		return o
	}
	p.next()
	p.expect("(")
	for p.err == nil {
		o.Sub = append(o.Sub, p.operator())
		if !p.is("|") {
			break
		}
		p.next()
	}
	p.expect(")")
	return o
}

func (p *parser) mvItem() mvItem {
	items := p.assignsOne("mv-apply")
	it := mvItem{assign: items}
	if p.isWord("to") {
		p.next()
		if !p.isWord("typeof") {
			p.fail("found %s after to, expected typeof(type)", describe(p.tok()))
			return it
		}
		p.next()
		p.expect("(")
		it.Type = p.ident()
		p.expect(")")
	}
	return it
}

func (o *mvApplyOp) exprs() []Expr {
	var out []Expr
	for _, it := range o.Items {
		out = append(out, it.X)
	}
	return out
}

func (o *mvApplyOp) apply(ev *evaluator, t *table) (*table, error) {
	sub := &table{types: map[string]string{}}
	for c, typ := range t.types {
		sub.types[c] = typ
	}
	for _, it := range o.Items {
		sub.types[it.Name] = "dynamic"
		if it.Type != "" {
			sub.types[it.Name] = it.Type
		}
	}
	// The subquery on no rows checks its names and gives the output's
	// columns.
	proto, err := ev.runOps(o.Sub, &table{types: sub.types})
	if err != nil {
		return nil, err
	}
	out := &table{types: map[string]string{}}
	for c, typ := range t.types {
		out.types[c] = typ
	}
	for c, typ := range proto.types {
		out.types[c] = typ
	}
	for _, r := range t.rows {
		rows, err := o.applyRow(ev, r, sub.types)
		if err != nil {
			return nil, err
		}
		out.rows = append(out.rows, rows...)
	}
	return out, nil
}

func (o *mvApplyOp) applyRow(ev *evaluator, r Row, types map[string]string) ([]Row, error) {
	var arrays [][]any
	n := 0
	for _, it := range o.Items {
		v, err := ev.eval(it.X, r)
		if err != nil {
			return nil, err
		}
		arr, err := expandable(v)
		if err != nil {
			return nil, ev.errAt(it.X, "mv-apply: %v", err)
		}
		arrays, n = append(arrays, arr), max(n, len(arr))
	}
	in := &table{types: types}
	for i := 0; i < n; i++ {
		row := Row{}
		for c, v := range r {
			row[c] = v
		}
		for j, it := range o.Items {
			var v Value
			if i < len(arrays[j]) {
				v = arrays[j][i]
			}
			row[it.Name] = convertTo(v, it.Type)
		}
		in.rows = append(in.rows, row)
	}
	res, err := ev.runOps(o.Sub, in)
	if err != nil {
		return nil, err
	}
	var out []Row
	for _, s := range res.rows {
		row := Row{}
		for c, v := range r {
			row[c] = v
		}
		for c, v := range s {
			row[c] = v
		}
		out = append(out, row)
	}
	return out, nil
}

func expandable(v Value) ([]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	case map[string]any:
		var out []any
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = append(out, map[string]any{k: x[k]})
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot expand a %s (an array or a property bag is expected)", typeName(v))
}

// convertTo applies to typeof(T).
func convertTo(v Value, typ string) Value {
	switch typ {
	case "string":
		return toString(v)
	case "long", "int":
		return toLong(v, -1<<63, 1<<63-1)
	case "real", "double":
		return toRealConv(v)
	}
	return v
}
