package kql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// ConvertCorrelation returns the KQL query of a correlation rule: the
// referenced rules' queries (as let statements when there are several),
// combined with union, then summarized by time window (bin over the time
// column of the pipeline: Timestamp for Defender, TimeGenerated for Log
// Analytics) and the group-by fields, and filtered by the condition.
//
// Windows are fixed (tumbling), as in the reference's Splunk output: events
// that straddle two windows are not correlated.
func (b *Backend) ConvertCorrelation(c *backends.Correlation, format string) ([]string, error) {
	return b.ConvertCorrelationKeeping(c, format, nil)
}

// ConvertCorrelationKeeping is ConvertCorrelation with, in each row of the
// result, the time and the given columns of one event of the group and
// window (the latest; for temporal_ordered, the first event of the last
// rule): what a product needs to attach its alert to the events, such as
// Defender's Timestamp and ReportId. The window column is then named
// sigma_window, leaving the time column to the event's time. Every input
// must have the columns.
func (b *Backend) ConvertCorrelationKeeping(c *backends.Correlation, format string, keep []string) ([]string, error) {
	w := &corrWriter{b: b, names: map[string]bool{}, keep: keep}
	body, err := w.correlation(c)
	if err != nil {
		return nil, err
	}
	return []string{strings.Join(append(w.lets, body), "\n")}, nil
}

// A part is the events of one input: an expression (a query or a let
// name) and the extend that aligns its columns.
type part struct{ expr, ext string }

type corrWriter struct {
	b     *Backend
	lets  []string
	names map[string]bool
	keep  []string // event columns every row keeps (ConvertCorrelationKeeping)
}

// kept returns the aggregate that keeps the event columns, after a comma,
// for a summarize whose rows the event with the extreme (fn: arg_max or
// arg_min) of column by stands for; "" when nothing is kept.
func (w *corrWriter) kept(fn, by string, extra ...string) string {
	if len(w.keep) == 0 {
		return ""
	}
	return ", " + fn + "(" + by + ", " + w.keptColumns(extra...) + ")"
}

// keptColumns lists the kept columns after extra ones, quoted.
func (w *corrWriter) keptColumns(extra ...string) string {
	cols := append(append([]string(nil), extra...), w.keep...)
	for i, c := range cols {
		cols[i] = quoteName(c)
	}
	return strings.Join(cols, ", ")
}

// window is the group key of the time window: bin(time, span), named
// sigma_window when event columns are kept (the time column is then the
// kept event's time), and the name of its column.
func (w *corrWriter) window(tc, span string) (by, col string) {
	if len(w.keep) == 0 {
		return "bin(" + tc + ", " + span + ")", tc
	}
	return "sigma_window = bin(" + tc + ", " + span + ")", "sigma_window"
}

// input returns an expression for the events of one referenced rule or
// correlation: its query inline when it is the only one, else the name of a
// let statement holding it.
func (w *corrWriter) input(in *backends.CorrelationInput, single bool, columns []string) (string, error) {
	var q string
	if in.Rule != nil {
		qs, err := w.b.Convert(in.Rule, "default")
		if err != nil {
			return "", err
		}
		if len(qs) == 0 && in.Rule.Table != "" {
			// The pipelines dropped every test of the rule (typically
			// its event IDs, which chose the table): every event of the
			// table counts.
			r := backends.NewRule(in.Rule)
			cols := newComputed(in.Rule)
			excl, err := w.b.exclusions(r, cols)
			if err != nil {
				return "", err
			}
			qs = []string{strings.TrimSuffix(finalize(r, "", "true", excl, cols), "\n| where true")}
		}
		if len(qs) != 1 {
			return "", ast.Errorf(in.Rule.Rule.DocPos, "rule %q converts to %d queries; a rule in a correlation must convert to one", in.Ref, len(qs))
		}
		q = qs[0]
		for _, c := range columns {
			if !strings.Contains(q, c) {
				// The correlation's fields need a computed column that
				// the rule's condition does not.
				q += "\n" + c
			}
		}
	} else {
		var err error
		if q, err = w.correlation(in.Correlation); err != nil {
			return "", err
		}
	}
	if single && in.Rule != nil {
		return q, nil
	}
	name := w.letName(in.Name)
	w.lets = append(w.lets, "let "+name+" = "+q+";")
	return name, nil
}

// letName turns a rule name into a fresh KQL identifier.
func (w *corrWriter) letName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "rule_" + name
	}
	if reserved[name] {
		name += "_rule"
	}
	base := name
	for i := 2; w.names[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	w.names[name] = true
	return name
}

// correlation returns the query of one correlation (without the lets of
// the inputs, which are collected in w.lets).
func (w *corrWriter) correlation(c *backends.Correlation) (string, error) {
	doc := c.Doc
	tc := quoteName(c.TimeColumn())
	ts, err := c.Timespan()
	if err != nil {
		return "", err
	}
	span := timespan(ts)
	ordered := doc.Type == "temporal_ordered"
	temporal := doc.Type == "temporal" || ordered
	single := len(c.Inputs) == 1
	// Columns every input must share: the group-by fields (through the
	// aliases) and the aggregated field.
	var shared []string
	shared = append(shared, doc.GroupBy...)
	for _, k := range w.keep {
		if !slices.Contains(doc.GroupBy, k) {
			shared = append(shared, k)
		}
	}
	aggField := ""
	if doc.Condition != nil && doc.Condition.Field != "" {
		aggField = doc.Condition.Field
		shared = append(shared, aggField)
	}
	parts, err := w.parts(c, shared, single, temporal)
	if err != nil {
		return "", err
	}
	if ordered {
		return w.ordered(c, parts, tc, span)
	}
	src := parts[0].expr + parts[0].ext
	if !single {
		var us []string
		for _, p := range parts {
			us = append(us, "("+p.expr+p.ext+")")
		}
		src = "union " + strings.Join(us, ", ")
	}
	by, wcol := w.window(tc, span)
	for _, g := range doc.GroupBy {
		by += ", " + quoteName(g)
	}
	keep := w.kept("arg_max", tc)
	var q strings.Builder
	q.WriteString(src)
	if agg, ok := summaries[doc.Type]; ok {
		q.WriteString("\n| summarize " + doc.Type + " = " + agg(quoteName(aggField)) + keep + " by " + by)
		return q.String() + w.where(doc.Type, doc.Condition), nil
	}
	switch doc.Type {
	case "value_percentile":
		return w.percentile(doc, src, by, wcol, keep, aggField), nil
	case "temporal":
		if doc.Extended != nil {
			return w.extended(c, q.String(), keep+" by "+by)
		}
		q.WriteString("\n| summarize rule_count = dcount(sigma_rule)" + keep + " by " + by)
		cond := doc.Condition
		if cond == nil {
			cond = &ast.CorrCond{Ops: []ast.CorrOp{{Op: "gte", Value: &ast.Number{Text: strconv.Itoa(len(c.Inputs))}}}}
		}
		return q.String() + w.where("rule_count", cond), nil
	}
	return "", ast.Errorf(doc.DocPos, "correlation type %q cannot be converted to KQL", doc.Type)
}

// parts returns the events of each input of a correlation, with the
// extend that gives them the shared columns under the correlation's names
// (and, for temporal types, the rule's name in sigma_rule).
func (w *corrWriter) parts(c *backends.Correlation, shared []string, single, temporal bool) ([]part, error) {
	doc := c.Doc
	var parts []part
	aggField := ""
	if doc.Condition != nil {
		aggField = doc.Condition.Field
	}
	for _, in := range c.Inputs {
		var ext []string
		var lines []string // computed columns the shared fields need
		if temporal {
			ext = append(ext, "sigma_rule = "+quote(in.Name))
		}
		for _, f := range shared {
			src := w.sourceField(doc, in, f)
			value, cols, ok := sourceValue(in.Rule, src, f == aggField && doc.Type != "value_count")
			if !ok {
				return nil, ast.Errorf(doc.DocPos, "correlation field %q is %q in the events of rule %q, which is not a column of table %s", f, src, in.Name, in.Rule.Table)
			}
			if cols != "" && !slices.Contains(lines, cols) {
				lines = append(lines, cols)
			}
			if src != f {
				ext = append(ext, quoteName(f)+" = "+value)
			}
		}
		expr, err := w.input(in, single && !temporal, lines)
		if err != nil {
			return nil, err
		}
		p := part{expr: expr}
		if len(ext) > 0 {
			p.ext = "\n| extend " + strings.Join(ext, ", ")
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// percentile writes a value_percentile correlation: the share, in
// percent, that each value of the field has among the events of its group
// and window. by is the group key, wcol its window column, keep the
// aggregate of the kept event columns.
func (w *corrWriter) percentile(doc *ast.Correlation, src, by, wcol, keep, aggField string) string {
	name := w.letName("correlation_events")
	w.lets = append(w.lets, "let "+name+" = "+src+";")
	keys := wcol
	for _, g := range doc.GroupBy {
		keys += ", " + quoteName(g)
	}
	q := fmt.Sprintf("%s\n| summarize value_events = count()%s by %s, %s\n| join kind=inner (%s\n| summarize group_events = count() by %s) on %s\n| extend value_percentile = 100.0 * value_events / group_events",
		name, keep, by, quoteName(aggField), name, by, keys)
	return q + w.where("value_percentile", doc.Condition)
}

// sourceField returns the column that holds the Sigma field (or alias) f in
// the events of one input.
// summaries gives, for each correlation type that is one aggregate per
// group and window, that aggregate of the (quoted) field; the column it
// fills is named after the type.
var summaries = map[string]func(field string) string{
	"event_count":  func(string) string { return "count()" },
	"value_count":  func(f string) string { return "dcount(" + f + ")" },
	"value_sum":    func(f string) string { return "sum(" + f + ")" },
	"value_avg":    func(f string) string { return "avg(" + f + ")" },
	"value_median": func(f string) string { return "percentile(" + f + ", 50)" },
}

func (w *corrWriter) sourceField(doc *ast.Correlation, in *backends.CorrelationInput, f string) string {
	for _, a := range doc.Aliases {
		if a.Name != f {
			continue
		}
		for _, af := range a.Fields {
			if af.Rule == in.Ref || af.Rule == in.Name {
				return in.MapField(af.Field)
			}
		}
	}
	return in.MapField(f)
}

// ordered writes a temporal_ordered correlation: within each window and
// group, the earliest event of the first rule, then the earliest event of
// the second rule after it, and so on; a group matches when the chain
// reaches the last rule.
func (w *corrWriter) ordered(c *backends.Correlation, parts []part, tc, span string) (string, error) {
	doc := c.Doc
	keys := []string{"sigma_window"}
	for _, g := range doc.GroupBy {
		keys = append(keys, quoteName(g))
	}
	k := strings.Join(keys, ", ")
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = w.letName(fmt.Sprintf("step%d", i+1))
		w.lets = append(w.lets, fmt.Sprintf("let %s = %s%s\n| extend sigma_window = bin(%s, %s), sigma_time = %s;", names[i], p.expr, p.ext, tc, span, tc))
	}
	// The last rule's first event stands for the group.
	keep := func(i int) (project, agg string) {
		if i != len(names)-1 || len(w.keep) == 0 {
			return "", ""
		}
		return ", " + w.keptColumns(c.TimeColumn()), w.kept("arg_min", "sigma_time", c.TimeColumn())
	}
	var q strings.Builder
	_, agg := keep(0)
	fmt.Fprintf(&q, "%s\n| summarize t1 = min(sigma_time)%s by %s", names[0], agg, k)
	for i := 1; i < len(names); i++ {
		project, agg := keep(i)
		fmt.Fprintf(&q, "\n| join kind=inner (%s\n| project %s, sigma_time%s) on %s\n| where sigma_time > t%d\n| summarize t%d = min(sigma_time)%s by %s",
			names[i], k, project, k, i, i+1, agg, k)
	}
	return q.String(), nil
}

// extended writes a temporal correlation whose condition is an expression
// over the rule names (Correlation.Condition): one count per rule, and the
// expression over "the rule matched in the window". An or in an and is
// parenthesised, and so is every argument of an or. by is the rest of the
// summarize: the kept columns and the by clause.
func (w *corrWriter) extended(c *backends.Correlation, src, by string) (string, error) {
	x, err := c.Condition()
	if err != nil {
		return "", err
	}
	var counts []string
	col := map[*backends.CorrelationInput]string{}
	for _, in := range c.Inputs {
		name := w.letName("matched_" + in.Name)
		col[in] = name
		counts = append(counts, name+" = countif(sigma_rule == "+quote(in.Name)+")")
	}
	var expr func(n backends.Node) string
	expr = func(n backends.Node) string {
		switch n := n.(type) {
		case *backends.Matched:
			return col[n.Input] + " > 0"
		case *backends.Not:
			return "not(" + expr(n.Arg) + ")"
		case *backends.And:
			var ps []string
			for _, a := range n.Args {
				if _, or := a.(*backends.Or); or {
					ps = append(ps, "("+expr(a)+")")
				} else {
					ps = append(ps, expr(a))
				}
			}
			return strings.Join(ps, " and ")
		case *backends.Or:
			var ps []string
			for _, a := range n.Args {
				ps = append(ps, "("+expr(a)+")")
			}
			return strings.Join(ps, " or ")
		}
		return "false"
	}
	return src + "\n| summarize " + strings.Join(counts, ", ") + by + "\n| where " + expr(x), nil
}

// where writes the threshold of a correlation on column col.
func (w *corrWriter) where(col string, c *ast.CorrCond) string {
	if c == nil || len(c.Ops) == 0 {
		return ""
	}
	ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}
	var terms []string
	for _, op := range c.Ops {
		terms = append(terms, col+" "+ops[op.Op]+" "+op.Value.Text)
	}
	return "\n| where " + strings.Join(terms, " and ")
}

// timespan returns a Sigma timespan as a KQL timespan literal, which has
// no unit longer than a day: a week is 7d, a month 30d and a year 365d.
func timespan(t backends.Timespan) string {
	switch t.Unit {
	case 'w':
		return strconv.Itoa(7*t.Count) + "d"
	case 'M':
		return strconv.Itoa(30*t.Count) + "d"
	case 'y':
		return strconv.Itoa(365*t.Count) + "d"
	}
	return t.String()
}

// sourceValue returns the KQL of field src in the events of a rule: the
// column, or the value of a field expression (a member of EventData, say)
// as text, or as a number when the correlation aggregates it as one, with
// the lines of the computed columns it needs. It reports false when src is
// neither a column nor a path into one.
func sourceValue(res *pipeline.Result, src string, number bool) (value, columns string, ok bool) {
	if res == nil || res.Schema == nil {
		return quoteName(src), "", true
	}
	if _, ok := res.Schema.Columns[src]; ok {
		return quoteName(src), "", true
	}
	p := &printer{res: res, cols: newComputed(res)}
	if p.computed(src) != "" { // a column the query computes
		value = quoteName(src)
		if number {
			value = "todouble(" + value + ")"
		}
		return value, p.cols.lines(), true
	}
	if p.expr(src) == nil {
		return "", "", false
	}
	value = p.asText(src)
	if number {
		value = "todouble(" + p.ref(src) + ")"
	}
	return value, p.cols.lines(), true
}
