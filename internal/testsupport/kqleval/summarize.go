package kqleval

import "fmt"

// summarize Name = agg(args), ... [by Name = expr, ...]: one output row per
// distinct by-value (in order of first appearance); without by, one row,
// even for an empty input ("summarize count()" of nothing is 0).

type summarizeOp struct {
	Aggs []aggItem
	By   []assign
}

type aggItem struct {
	Name string
	Fn   string
	Args []Expr
	Off  int
}

// An aggregate is an aggregation function: its arity and a new
// accumulator. Adding one is adding an entry to aggregates.
type aggregate struct {
	min, max int
	typ      string // the type of its result
	new      func() accumulator
}

type accumulator interface {
	add(args []Value) error
	result() Value
}

// aggregates are the aggregation functions of summarize (Kusto
// documentation, "Aggregation functions").
var aggregates = map[string]aggregate{
	// count(): the number of rows.
	"count": {0, 0, "long", func() accumulator { return &countAcc{} }},
	// make_bag(bag): "a dynamic property bag of all the values of the
	// expression in the group"; a key seen twice keeps one of its values
	// (here the first); arguments that are not bags are ignored.
	"make_bag": {1, 1, "dynamic", func() accumulator { return &bagAcc{bag: map[string]any{}} }},
	// make_list(x): the values of the group in an array (nulls left out).
	"make_list": {1, 1, "dynamic", func() accumulator { return &listAcc{} }},
	// make_set(x): the distinct values of the group.
	"make_set": {1, 1, "dynamic", func() accumulator { return &listAcc{distinct: map[string]bool{}} }},
	// take_any(x): any one value of the group (here the first).
	"take_any": {1, 1, "dynamic", func() accumulator { return &anyAcc{} }},
}

type countAcc struct{ n int64 }

func (a *countAcc) add([]Value) error { a.n++; return nil }
func (a *countAcc) result() Value     { return a.n }

type bagAcc struct{ bag map[string]any }

func (a *bagAcc) add(args []Value) error {
	if b, ok := args[0].(map[string]any); ok {
		for k, v := range b {
			if _, seen := a.bag[k]; !seen {
				a.bag[k] = v
			}
		}
	}
	return nil
}
func (a *bagAcc) result() Value { return a.bag }

type listAcc struct {
	list     []any
	distinct map[string]bool // make_set: the values seen
}

func (a *listAcc) add(args []Value) error {
	if args[0] == nil {
		return nil
	}
	if a.distinct != nil {
		k := typeName(args[0]) + ":" + toString(args[0])
		if a.distinct[k] {
			return nil
		}
		a.distinct[k] = true
	}
	a.list = append(a.list, args[0])
	return nil
}
func (a *listAcc) result() Value { return append([]any{}, a.list...) }

type anyAcc struct {
	v    Value
	seen bool
}

func (a *anyAcc) add(args []Value) error {
	if !a.seen {
		a.v, a.seen = args[0], true
	}
	return nil
}
func (a *anyAcc) result() Value { return a.v }

func parseSummarize(p *parser) TabOp {
	o := &summarizeOp{}
	for p.err == nil {
		o.Aggs = append(o.Aggs, p.aggItem())
		if !p.is(",") {
			break
		}
		p.next()
	}
	if p.isWord("by") {
		p.next()
		o.By = p.assigns("summarize by")
	}
	return o
}

// aggItem reads Name = agg(args). The evaluator does not invent the
// names Kusto gives unnamed aggregates: the name is required.
func (p *parser) aggItem() aggItem {
	t := p.tok()
	if t.kind != tIdent || p.toks[p.i+1].kind != tPunct || p.toks[p.i+1].text != "=" {
		p.fail("summarize item without a name: write Name = aggregate(...)")
		return aggItem{}
	}
	p.next()
	p.next()
	f := p.tok()
	a, ok := aggregates[f.text]
	if f.kind != tIdent || !ok {
		p.fail("aggregation function %s: not supported by the evaluator (it knows %s)", describe(f), known(aggregates))
		return aggItem{}
	}
	p.next()
	item := aggItem{Name: t.text, Fn: f.text, Off: f.off}
	item.Args = p.list()
	if len(item.Args) < a.min || len(item.Args) > a.max {
		p.fail("%s() takes %d to %d arguments, found %d", f.text, a.min, a.max, len(item.Args))
	}
	return item
}

func (o *summarizeOp) exprs() []Expr {
	out := assignExprs(o.By)
	for _, a := range o.Aggs {
		out = append(out, a.Args...)
	}
	return out
}

type group struct {
	keys []Value
	accs []accumulator
}

func (o *summarizeOp) apply(ev *evaluator, t *table) (*table, error) {
	var order []string
	groups := map[string]*group{}
	for _, r := range t.rows {
		keys, id, err := o.groupKey(ev, r)
		if err != nil {
			return nil, err
		}
		g := groups[id]
		if g == nil {
			g = o.newGroup(keys)
			groups[id] = g
			order = append(order, id)
		}
		if err := o.accumulate(ev, g, r); err != nil {
			return nil, err
		}
	}
	if len(o.By) == 0 && len(order) == 0 {
		groups[""], order = o.newGroup(nil), []string{""}
	}
	out := &table{types: map[string]string{}}
	for _, b := range o.By {
		out.types[b.Name] = "dynamic"
	}
	for _, a := range o.Aggs {
		out.types[a.Name] = aggregates[a.Fn].typ
	}
	for _, id := range order {
		g, row := groups[id], Row{}
		for i, b := range o.By {
			row[b.Name] = g.keys[i]
		}
		for i, a := range o.Aggs {
			row[a.Name] = g.accs[i].result()
		}
		out.rows = append(out.rows, row)
	}
	return out, nil
}

func (o *summarizeOp) groupKey(ev *evaluator, r Row) ([]Value, string, error) {
	var keys []Value
	id := ""
	for _, b := range o.By {
		v, err := ev.eval(b.X, r)
		if err != nil {
			return nil, "", err
		}
		keys = append(keys, v)
		id += fmt.Sprintf("%s:%q;", typeName(v), toString(v))
	}
	return keys, id, nil
}

func (o *summarizeOp) newGroup(keys []Value) *group {
	g := &group{keys: keys}
	for _, a := range o.Aggs {
		g.accs = append(g.accs, aggregates[a.Fn].new())
	}
	return g
}

func (o *summarizeOp) accumulate(ev *evaluator, g *group, r Row) error {
	for i, a := range o.Aggs {
		args := make([]Value, len(a.Args))
		for j, x := range a.Args {
			v, err := ev.eval(x, r)
			if err != nil {
				return err
			}
			args[j] = v
		}
		if err := g.accs[i].add(args); err != nil {
			return posErr(ev.q.Text, a.Off, "%s(): %v", a.Fn, err)
		}
	}
	return nil
}
