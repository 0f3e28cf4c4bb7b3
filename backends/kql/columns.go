package kql

import (
	"strings"

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

// prefiltered prints the tests added by the pipelines and the rest of
// condition c separately, for a template with {prefilter}.
func (p *printer) prefiltered(c *backends.Condition) (pre string, ok bool) {
	for i, a := range c.Added {
		if i > 0 {
			p.b.WriteString(" and ")
		}
		p.node(a, inAnd)
	}
	pre = p.b.String()
	p.b.Reset()
	if backends.IsEmpty(c.Rest) {
		return pre, pre != ""
	}
	p.node(c.Rest, top)
	return pre, true
}

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

// condition prints condition c: with a template that has {prefilter}
// (prefilter set), the tests the pipelines added apart from the rest. It
// reports false for a condition that converts to nothing.
func (p *printer) condition(c *backends.Condition, prefilter bool) (pre, cond string, ok bool) {
	if prefilter {
		pre, ok = p.prefiltered(c)
		return pre, p.b.String(), ok
	}
	p.node(c.Tree(), top)
	return "", p.b.String(), true
}

// withColumns fills the {prefilter} and {columns} lines of template q (see
// the top of this file).
func withColumns(q, pre string, cols *computedColumns) string {
	lines := cols.lines()
	if lines != "" && !backends.Template(q).Has("columns") {
		q = strings.Replace(q, "| where {condition}", "{columns}\n| where {condition}", 1)
	}
	if backends.Template(q).Has("prefilter") || backends.Template(q).Has("columns") {
		q = fillLines(fillLines(q, "prefilter", pre), "columns", lines)
	}
	return q
}
