package kql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// Computed columns and the prefilter.
//
// A pipeline may declare columns that the query computes from the table's
// own columns before it tests the rule's condition, such as the named
// values of an XML column read with parse_xml into a property bag. It
// stores them with a set_state step under the key query_columns, a list
// of entries, each giving the columns it defines (name: Kusto type) and
// the KQL lines that compute them:
//
//	- type: set_state
//	  key: query_columns
//	  value:
//	    - columns: {EventDataBag: dynamic}
//	      kql: "| extend EventDataBag = parse_json(EventData)"
//
// The query template says where they go: a template line holding
// {columns} becomes the lines of the entries whose columns the rule uses
// (in the order declared), and disappears when it uses none. A template
// line holding {prefilter} gets the tests that the pipelines added in
// front of the condition (add_condition), which then leave {condition};
// the line disappears when there are none. So
//
//	{table}
//	| where {prefilter}
//	{columns}
//	| where {condition}
//
// first narrows the table on its own columns (channel, event ID), then
// computes what the rule needs on the rows left, then tests the rule.

// stateColumns is the set_state key of the computed columns.
const stateColumns = "query_columns"

// A computedColumns holds the columns a pipeline declared for one rule and
// records which ones the rule's query uses.
type computedColumns struct {
	entries []columnEntry
	byName  map[string]*computedColumn
	used    []bool // per entry
}

type columnEntry struct {
	kql string
}

// A computedColumn is one column computed by the query.
type computedColumn struct {
	typ   string // Kusto type, lower case
	kind  columnKind
	entry int
}

// computedFrom reads the computed columns of a result's state. A value of
// the wrong shape is an error in the pipeline, reported at the rule.
func computedFrom(res *pipeline.Result) (*computedColumns, error) {
	raw, ok := res.State[stateColumns]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("set_state %s: expected a list of {columns, kql} entries", stateColumns)
	}
	c := &computedColumns{byName: map[string]*computedColumn{}, used: make([]bool, len(list))}
	for i, e := range list {
		m, ok := e.(map[string]any)
		kqlText, okText := m["kql"].(string)
		cols, okCols := m["columns"].(map[string]any)
		if !ok || !okText || !okCols || len(cols) == 0 {
			return nil, fmt.Errorf("set_state %s: entry %d needs columns (name: type) and kql (text)", stateColumns, i+1)
		}
		c.entries = append(c.entries, columnEntry{kql: strings.TrimRight(kqlText, "\n")})
		for name, t := range cols {
			typ := strings.ToLower(fmt.Sprint(t))
			c.byName[name] = &computedColumn{typ: typ, kind: kindOf(typ), entry: i}
		}
	}
	return c, nil
}

// computed returns the computed column called name, or nil, and records
// that the query uses it.
func (p *printer) computed(name string) *computedColumn {
	if p.cols == nil {
		return nil
	}
	col := p.cols.byName[name]
	if col != nil {
		p.cols.used[col.entry] = true
	}
	return col
}

// lines returns the KQL of the entries used, in declaration order.
func (c *computedColumns) lines() string {
	if c == nil {
		return ""
	}
	var out []string
	for i, e := range c.entries {
		if c.used[i] {
			out = append(out, e.kql)
		}
	}
	return strings.Join(out, "\n")
}

// splitAdded separates the tests that add_condition put in front of a
// condition ("_pipeline_x and (rest)", nested once per step) from the
// rest, in the order the steps added them.
func splitAdded(x ast.Expr) (added []*ast.Ident, rest ast.Expr) {
	for {
		a, ok := x.(*ast.And)
		if !ok || len(a.X) != 2 {
			break
		}
		id, ok := a.X[0].(*ast.Ident)
		par, okPar := a.X[1].(*ast.Paren)
		if !ok || !okPar || !strings.HasPrefix(id.Name, "_pipeline_") {
			break
		}
		added = append(added, id)
		x = par.X
	}
	slices.Reverse(added)
	return added, x
}

// prefiltered prints the tests added by the pipelines and the rest of
// condition x separately, for a template with {prefilter}.
func (p *printer) prefiltered(d *ast.Detection, x ast.Expr) (pre string, ok bool) {
	added, rest := splitAdded(x)
	for i, id := range added {
		if i > 0 {
			p.b.WriteString(" and ")
		}
		p.node(backends.Resolve(d, id), inAnd)
	}
	pre = p.b.String()
	p.b.Reset()
	tree := backends.Resolve(d, rest)
	if backends.IsEmpty(tree) {
		return pre, pre != ""
	}
	p.node(tree, top)
	return pre, true
}

// hasLine reports whether the template has a placeholder.
func hasPlaceholder(q, name string) bool { return strings.Contains(q, "{"+name+"}") }

// fillLines replaces a placeholder that stands on a line of its own
// (possibly after "| where "): by value, or, when value is empty, by
// nothing, the line removed.
func fillLines(q, name, value string) string {
	ph := "{" + name + "}"
	lines := strings.Split(q, "\n")
	out := lines[:0]
	for _, l := range lines {
		if strings.Contains(l, ph) {
			if value == "" {
				continue
			}
			l = strings.ReplaceAll(l, ph, value)
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// fresh returns the same columns with none used yet.
func (c *computedColumns) fresh() *computedColumns {
	if c == nil {
		return nil
	}
	n := *c
	n.used = make([]bool, len(c.used))
	return &n
}

// merge records the columns that o used as used.
func (c *computedColumns) merge(o *computedColumns) {
	if c == nil || o == nil {
		return
	}
	for i, u := range o.used {
		c.used[i] = c.used[i] || u
	}
}

// condition prints condition x: with a template that has {prefilter}, the
// tests the pipelines added apart from the rest. It reports false for a
// condition that converts to nothing.
func (p *printer) condition(d *ast.Detection, x ast.Expr) (pre, cond string, ok bool) {
	if hasPlaceholder(p.res.Query, "prefilter") {
		pre, ok = p.prefiltered(d, x)
		return pre, p.b.String(), ok
	}
	tree := backends.Resolve(d, x)
	if backends.IsEmpty(tree) {
		return "", "", false
	}
	p.node(tree, top)
	return "", p.b.String(), true
}

// noTable is the error of a rule for which no pipeline of the run chose a
// table although the query template needs one: the pipelines given cover
// other log sources.
func noTable(r *ast.Rule) error {
	pos := r.Logsource.LogPos
	if !pos.IsValid() {
		pos = r.DocPos
	}
	var ls []string
	for _, kv := range [][2]string{{"product", r.Logsource.Product}, {"category", r.Logsource.Category}, {"service", r.Logsource.Service}} {
		if kv[1] != "" {
			ls = append(ls, kv[0]+": "+kv[1])
		}
	}
	return ast.Errorf(pos, "no pipeline of the run has a table for log source {%s}; see 'sigma2kql list pipelines' for one that covers it, or set one with -O query_table=TABLE", strings.Join(ls, ", "))
}
