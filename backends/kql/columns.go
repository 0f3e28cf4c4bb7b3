package kql

import (
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// Computed columns and the prefilter.
//
// A pipeline may declare columns that the query computes from the table's
// own columns before it tests the rule's condition (computed_column steps,
// pipeline.Result.Columns), such as the named values of an XML column read
// with parse_xml into a property bag. The query template says where they
// go: a template line holding {columns} becomes the lines of the
// declarations whose columns the rule uses (in the order declared), and
// disappears when it uses none; without {columns} they go before the line
// of {condition}. A template
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

// A computedColumns records which of the columns that the pipelines
// declared (pipeline.Result.Columns) a query uses.
type computedColumns struct {
	cols []*pipeline.Column
	used []bool
}

func newComputed(res *pipeline.Result) *computedColumns {
	if len(res.Columns) == 0 {
		return nil
	}
	return &computedColumns{cols: res.Columns, used: make([]bool, len(res.Columns))}
}

// computed returns the type of the computed column called name, or "",
// and records that the query uses it.
func (p *printer) computed(name string) string {
	if p.cols == nil {
		return ""
	}
	for i, c := range p.cols.cols {
		if t, ok := c.Types[name]; ok {
			p.cols.used[i] = true
			return strings.ToLower(t)
		}
	}
	return ""
}

// lines returns the KQL of the columns used, in declaration order.
func (c *computedColumns) lines() string {
	if c == nil {
		return ""
	}
	out := ""
	for i, col := range c.cols {
		if !c.used[i] {
			continue
		}
		if out != "" {
			out += "\n"
		}
		out += strings.TrimRight(col.Text, "\n")
	}
	return out
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
	if !strings.Contains(q, ph) {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(value))
	for rest := q; ; {
		line, after, more := strings.Cut(rest, "\n")
		switch {
		case !strings.Contains(line, ph):
			b.WriteString(line)
		case value == "":
			// The line is left out, with its line break.
			if !more && b.Len() > 0 {
				s := b.String()
				b.Reset()
				b.WriteString(strings.TrimSuffix(s, "\n"))
			}
			if !more {
				return b.String()
			}
			rest = after
			continue
		default:
			b.WriteString(strings.ReplaceAll(line, ph, value))
		}
		if !more {
			return b.String()
		}
		b.WriteByte('\n')
		rest = after
	}
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

// withColumns fills the {prefilter} and {columns} lines of template q (see
// the top of this file).
func withColumns(q, pre string, cols *computedColumns) string {
	lines := cols.lines()
	if lines != "" && !hasPlaceholder(q, "columns") {
		q = strings.Replace(q, "| where {condition}", "{columns}\n| where {condition}", 1)
	}
	if hasPlaceholder(q, "prefilter") || hasPlaceholder(q, "columns") {
		q = fillLines(fillLines(q, "prefilter", pre), "columns", lines)
	}
	return q
}
