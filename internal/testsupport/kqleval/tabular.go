package kqleval

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// A Row is one record: column name to value (see Value).
type Row = map[string]any

// A Schema gives the columns of each table and their KQL types (string,
// long, int, real, bool, datetime, dynamic...), as the files of
// ../shared/kqlcheck/schema.
type Schema map[string]map[string]string

// LoadSchema reads a schema file: {"Table": {"Column": "type"}}.
func LoadSchema(file string) (Schema, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return s, nil
}

// Run evaluates the query on the rows of data (table name to rows) and
// returns the rows it outputs. A row holds values of its table's schema
// types; a missing string column is "" (Kusto's strings are never null),
// any other missing column null. An unknown table or column, a value of
// the wrong type, or a construct the evaluator does not support is an
// error.
func (q *Query) Run(schema Schema, data map[string][]Row) ([]Row, error) {
	ev := &evaluator{q: q, schema: schema, data: data, visible: len(q.lets)}
	t, err := ev.tabular(q.body)
	if err != nil {
		return nil, err
	}
	return t.rows, nil
}

// Eval parses and runs a query.
func Eval(query string, schema Schema, data map[string][]Row) ([]Row, error) {
	q, err := Parse(query)
	if err != nil {
		return nil, err
	}
	return q.Run(schema, data)
}

// A table is an intermediate result: its columns with their types, and
// its rows.
type table struct {
	types map[string]string
	rows  []Row
}

func (t *table) columnList() string {
	var names []string
	for c := range t.types {
		names = append(names, c)
	}
	sort.Strings(names)
	if len(names) > 12 {
		names = append(names[:12], "...")
	}
	return strings.Join(names, ", ")
}

func (ev *evaluator) tabular(e Expr) (*table, error) {
	switch e := e.(type) {
	case *Ident:
		if i, ok := ev.letNamed(e.Name); ok {
			var t *table
			_, err := ev.inLet(i, func() (Value, error) {
				var err error
				t, err = ev.tabular(ev.q.lets[i].X)
				return nil, err
			})
			return t, err
		}
		return ev.source(e)
	case *Union:
		return ev.union(e)
	case *Pipe:
		t, err := ev.tabular(e.Src)
		if err != nil {
			return nil, err
		}
		return ev.runOps(e.Ops, t)
	}
	return nil, ev.errAt(e, "a scalar expression where a table is expected")
}

// runOps applies tabular operators in turn, checking each one's names
// against its input's columns first.
func (ev *evaluator) runOps(ops []TabOp, t *table) (*table, error) {
	for _, op := range ops {
		if err := ev.checkAll(op.exprs(), t); err != nil {
			return nil, err
		}
		var err error
		if t, err = op.apply(ev, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// source reads a table of the schema from the data, typing its rows.
func (ev *evaluator) source(e *Ident) (*table, error) {
	cols, ok := ev.schema[e.Name]
	if !ok {
		return nil, ev.errAt(e, "unknown table %q (not in the schema, not a let)", e.Name)
	}
	t := &table{types: cols}
	for n, r := range ev.data[e.Name] {
		row := Row{}
		for c, typ := range cols {
			v, err := conform(r[c], typ)
			if err != nil {
				return nil, fmt.Errorf("table %s, row %d, column %s: %v", e.Name, n+1, c, err)
			}
			row[c] = v
		}
		for c := range r {
			if _, ok := cols[c]; !ok {
				return nil, fmt.Errorf("table %s, row %d: column %s is not in the schema", e.Name, n+1, c)
			}
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// conform checks a value against a column type; a missing string is "".
func conform(v Value, typ string) (Value, error) {
	if v == nil {
		if typ == "string" {
			return "", nil
		}
		return nil, nil
	}
	ok := false
	switch typ {
	case "string":
		_, ok = v.(string)
	case "long", "int":
		switch n := v.(type) {
		case int:
			v, ok = int64(n), true
		case int32:
			v, ok = int64(n), true
		case int64:
			ok = true
		}
	case "real", "double":
		_, ok = v.(float64)
	case "bool", "boolean":
		_, ok = v.(bool)
	case "datetime":
		_, ok = v.(time.Time)
	case "dynamic":
		ok = true
	}
	if !ok {
		return nil, fmt.Errorf("value %v (%T) is not of type %s", v, v, typ)
	}
	return v, nil
}

// union concatenates its sources; a column missing from a source is
// empty (string) or null there.
func (ev *evaluator) union(e *Union) (*table, error) {
	out := &table{types: map[string]string{}}
	var parts []*table
	for _, s := range e.Srcs {
		t, err := ev.tabular(s)
		if err != nil {
			return nil, err
		}
		for c, typ := range t.types {
			if old, ok := out.types[c]; ok && old != typ {
				typ = "dynamic"
			}
			out.types[c] = typ
		}
		parts = append(parts, t)
	}
	for _, t := range parts {
		for _, r := range t.rows {
			row := Row{}
			for c, typ := range out.types {
				v, ok := r[c]
				if !ok && typ == "string" {
					v = ""
				}
				row[c] = v
			}
			out.rows = append(out.rows, row)
		}
	}
	return out, nil
}

// tabOps are the tabular operators: one parse function each.
var tabOps = map[string]func(p *parser) TabOp{
	"where":     func(p *parser) TabOp { return &whereOp{Pred: p.spanned(p.expr)} },
	"filter":    func(p *parser) TabOp { return &whereOp{Pred: p.spanned(p.expr)} },
	"extend":    func(p *parser) TabOp { return &extendOp{Items: p.assigns("extend")} },
	"project":   func(p *parser) TabOp { return &projectOp{Items: p.assigns("project")} },
	"summarize": parseSummarize, // summarize.go
	// mv-apply: mvapply.go
}

// assigns reads the items of extend or project: Name = expr, or a column.
func (p *parser) assigns(op string) []assign {
	var out []assign
	for p.err == nil {
		out = append(out, p.assignsOne(op))
		if !p.is(",") {
			return out
		}
		p.next()
	}
	return out
}

// assignsOne reads one item: Name = expr, or a column alone. The
// evaluator does not invent the names Kusto gives other expressions.
func (p *parser) assignsOne(op string) assign {
	t := p.tok()
	if t.kind == tIdent && p.toks[p.i+1].kind == tPunct && p.toks[p.i+1].text == "=" {
		p.next()
		p.next()
		return assign{Name: t.text, X: p.expr()}
	}
	x := p.expr()
	id, ok := x.(*Ident)
	if !ok {
		p.fail("%s item without a name: write Name = expression", op)
		return assign{X: x}
	}
	return assign{Name: id.Name, X: x}
}

type (
	whereOp   struct{ Pred Expr }
	extendOp  struct{ Items []assign }
	projectOp struct{ Items []assign }
)

func (o *whereOp) exprs() []Expr   { return []Expr{o.Pred} }
func (o *extendOp) exprs() []Expr  { return assignExprs(o.Items) }
func (o *projectOp) exprs() []Expr { return assignExprs(o.Items) }

func assignExprs(items []assign) []Expr {
	var out []Expr
	for _, a := range items {
		out = append(out, a.X)
	}
	return out
}

func (o *whereOp) apply(ev *evaluator, t *table) (*table, error) {
	out := &table{types: t.types}
	for _, r := range t.rows {
		v, err := ev.boolean(o.Pred, r)
		if err != nil {
			return nil, err
		}
		if v == true {
			out.rows = append(out.rows, r)
		}
	}
	if ev.onWhere != nil {
		ev.onWhere(o, t, out)
	}
	return out, nil
}

func (o *extendOp) apply(ev *evaluator, t *table) (*table, error) {
	return assignRows(ev, t, o.Items, true)
}

func (o *projectOp) apply(ev *evaluator, t *table) (*table, error) {
	return assignRows(ev, t, o.Items, false)
}

// assignRows computes the items on each row; keep says whether the
// input's columns stay (extend) or go (project). A computed column's type
// is that of its first non-null value, else dynamic.
func assignRows(ev *evaluator, t *table, items []assign, keep bool) (*table, error) {
	out := &table{types: map[string]string{}}
	if keep {
		for c, typ := range t.types {
			out.types[c] = typ
		}
	}
	for _, a := range items {
		out.types[a.Name] = "dynamic"
		if id, ok := a.X.(*Ident); ok && t.types[id.Name] != "" {
			out.types[a.Name] = t.types[id.Name]
		}
	}
	for _, r := range t.rows {
		row := Row{}
		if keep {
			for c, v := range r {
				row[c] = v
			}
		}
		for _, a := range items {
			v, err := ev.eval(a.X, r)
			if err != nil {
				return nil, err
			}
			row[a.Name] = v
		}
		out.rows = append(out.rows, row)
	}
	return out, nil
}
