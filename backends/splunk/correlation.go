package splunk

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
)

// A correlation search has three parts, a blank line between two, as in
// the reference:
//
//	<the events of the referenced rules>
//
//	| bin _time span=5m
//	| stats count as event_count by _time TargetUserName
//
//	| search event_count >= 10
//
// The events are the search of the one referenced rule, or, for several
// rules, a multisearch of them in which each event gets the name of its rule
// in event_type. A correlation that references correlations (a chain) uses
// union instead, since multisearch only takes streaming searches and a
// correlation ends in stats. Windows are fixed (bin _time), so events that
// straddle two windows are not correlated, as in the reference.

// ConvertCorrelation returns the SPL search of a correlation rule: a plain
// search, or a savedsearches.conf stanza holding it. Tstats searches over a
// data model (data_model) cannot hold a correlation.
func (b *Backend) ConvertCorrelation(c *backends.Correlation, format string) ([]string, error) {
	if format == FormatDataModel {
		return nil, ast.Errorf(c.Doc.DocPos, "the data_model format cannot hold correlation rules (a tstats search reads one data model, a correlation combines the events of several searches): convert them with -f default or -f savedsearches")
	}
	q, err := b.correlation(c)
	if err != nil {
		return nil, err
	}
	if format == FormatSavedSearches {
		st, err := b.stanza(&c.Doc.Meta, c.Doc.DocPos, strings.Split(q, "\n"))
		if err != nil {
			return nil, err
		}
		return []string{st}, nil
	}
	return []string{q}, nil
}

// correlation returns the search of one correlation: its events, their
// aggregation and the condition on it.
func (b *Backend) correlation(c *backends.Correlation) (string, error) {
	doc := c.Doc
	ts, err := c.Timespan()
	if err != nil {
		return "", err
	}
	fields := append([]string(nil), doc.GroupBy...)
	aggField := ""
	if doc.Condition != nil && doc.Condition.Field != "" {
		aggField = doc.Condition.Field
		fields = append(fields, aggField)
	}
	names, renames, err := b.align(c, fields)
	if err != nil {
		return "", err
	}
	events, err := b.events(c, renames)
	if err != nil {
		return "", err
	}
	by := "_time"
	for _, g := range doc.GroupBy {
		by += " " + quoteField(names[g])
	}
	agg, cond, err := aggregation(c, "| bin _time span="+binSpan(ts), by, quoteField(names[aggField]))
	if err != nil {
		return "", err
	}
	q := events + "\n\n" + agg
	if cond != "" {
		q += "\n\n" + cond
	}
	return q, nil
}

// events returns the events of correlation c: the search of its one input,
// or a multisearch (a union, when an input is a correlation) of the
// searches of its inputs, each giving its events the rule's name in
// event_type and its fields their names in the combined events (renames,
// by input).
func (b *Backend) events(c *backends.Correlation, renames [][]rename) (string, error) {
	temporal := c.Doc.Type == "temporal" || c.Doc.Type == "temporal_ordered"
	var subs []string
	stream := true
	for i, in := range c.Inputs {
		q, err := b.input(in)
		if err != nil {
			return "", err
		}
		var tail strings.Builder
		if temporal || len(c.Inputs) > 1 {
			tail.WriteString(` | eval event_type=` + quoteText(in.Name))
		}
		tail.WriteString(renameCommands(renames[i]))
		if len(c.Inputs) == 1 {
			subs = append(subs, q+tail.String())
			continue
		}
		if in.Rule == nil {
			stream = false
			q = withoutBlankLines(q)
		}
		if !strings.HasPrefix(q, "|") {
			q = "search " + q
		}
		subs = append(subs, "[ "+q+tail.String()+" ]")
	}
	if len(subs) == 1 {
		return subs[0], nil
	}
	// multisearch runs streaming searches side by side; union also takes
	// the results of correlations (appended like a subsearch).
	cmd := "| multisearch"
	if !stream {
		cmd = "| union"
	}
	return cmd + "\n" + strings.Join(subs, "\n"), nil
}

// aggregation returns the commands that count the events of correlation c
// by window (bin) and group (by, the fields after _time), and the
// condition on the count as a search command ("" without one). field is
// the aggregated field of the value_* types, as written in the search.
func aggregation(c *backends.Correlation, bin, by, field string) (agg, cond string, err error) {
	doc := c.Doc
	switch doc.Type {
	case "event_count":
		agg = bin + "\n| stats count as event_count by " + by
		return agg, condition("event_count", doc.Condition), nil
	case "value_count", "value_sum", "value_avg", "value_median":
		fn := map[string]string{"value_count": "dc", "value_sum": "sum", "value_avg": "avg", "value_median": "median"}[doc.Type]
		agg = bin + "\n| stats " + fn + "(" + field + ") as " + doc.Type + " by " + by
		return agg, condition(doc.Type, doc.Condition), nil
	case "value_percentile":
		// The share, in percent, that each value of the field has among the
		// events of its group and window.
		agg = bin +
			"\n| eventstats count as group_events by " + by +
			"\n| stats count as value_events max(group_events) as group_events by " + by + " " + field +
			"\n| eval value_percentile=100*value_events/group_events"
		return agg, condition("value_percentile", doc.Condition), nil
	case "temporal":
		return temporalAgg(c, bin, by)
	case "temporal_ordered":
		return orderedAgg(c, bin, by)
	}
	return "", "", ast.Errorf(doc.DocPos, "correlation type %q cannot be converted to SPL", doc.Type)
}

// temporalAgg writes the aggregation of a temporal correlation: the names
// of the rules that matched in each window and group, tested by its
// extended condition (an expression over the rule names) if it has one,
// otherwise their number, which must reach the threshold (all the rules
// without one).
func temporalAgg(c *backends.Correlation, bin, by string) (agg, cond string, err error) {
	x, err := c.Condition()
	if err != nil {
		return "", "", err
	}
	if x != nil {
		return bin + "\n| stats values(event_type) as event_types by " + by, "| search " + extended(x), nil
	}
	cc := c.Doc.Condition
	if cc == nil {
		cc = &ast.CorrCond{Ops: []ast.CorrOp{{Op: "gte", Value: &ast.Number{Text: strconv.Itoa(len(c.Inputs))}}}}
	}
	return bin + "\n| stats dc(event_type) as event_type_count by " + by, condition("event_type_count", cc), nil
}

// input returns the search of one referenced rule (with the exclusions of
// its filters, in the pipelines' query template, without its fields' table
// command) or correlation.
func (b *Backend) input(in *backends.CorrelationInput) (string, error) {
	if in.Correlation != nil {
		return b.correlation(in.Correlation)
	}
	r := backends.NewRule(in.Rule)
	ss, err := searches(r)
	if err != nil {
		return "", err
	}
	if len(ss) != 1 {
		if len(ss) == 0 {
			return "", ast.Errorf(r.Pos(), "rule %q has no search left after the pipelines (every item of its condition was dropped), so it cannot be part of a correlation", in.Ref)
		}
		return "", ast.Errorf(in.Rule.Rule.DocPos, "rule %q converts to %d searches; a rule in a correlation must convert to one", in.Ref, len(ss))
	}
	return fill(r, ss[0])
}

// align chooses the name that each field (group-by field, alias or
// aggregated field) of correlation c has in the combined events, and the
// renames that give each input's events that name. A field that every
// input calls the same (the field mapping of their pipelines, as in
// TargetUserName or Processes.user) keeps that name; an alias, or a field
// that inputs call differently, takes the name written in the correlation.
// A field that a rule's pipelines do not accept (splunk_cim's fields of a
// data model) is an error.
func (b *Backend) align(c *backends.Correlation, fields []string) (names map[string]string, renames [][]rename, err error) {
	names = map[string]string{}
	renames = make([][]rename, len(c.Inputs))
	var errs ast.ErrorList
	for _, f := range fields {
		if _, done := names[f]; done {
			continue
		}
		srcs := make([]string, len(c.Inputs))
		same := true
		for i, in := range c.Inputs {
			src, err := b.sourceField(c.Doc, in, f)
			errs.Append(err)
			srcs[i] = src
			same = same && src == srcs[0]
		}
		if same && !isAlias(c.Doc, f) && len(srcs) > 0 {
			names[f] = srcs[0]
			continue
		}
		names[f] = f
		for i, src := range srcs {
			if src != f {
				renames[i] = append(renames[i], rename{src, f})
			}
		}
	}
	return names, renames, errs.Err()
}

// A rename gives a field of an input's events (src) its name in the
// combined events (dst).
type rename struct{ src, dst string }

// renameCommands returns the commands that give one input's fields their
// names in the combined events. A field that becomes several (one event
// field for two names of the correlation) is copied with eval for all
// but the last, which rename then moves.
func renameCommands(renames []rename) string {
	var evals, moves strings.Builder
	for i, r := range renames {
		later := false
		for _, o := range renames[i+1:] {
			later = later || o.src == r.src
		}
		if later {
			evals.WriteString(" | eval " + quoteField(r.dst) + "=" + evalField(r.src))
		} else {
			moves.WriteString(" | rename " + quoteField(r.src) + " as " + quoteField(r.dst))
		}
	}
	return evals.String() + moves.String()
}

func isAlias(doc *ast.Correlation, f string) bool {
	for _, a := range doc.Aliases {
		if a.Name == f {
			return true
		}
	}
	return false
}

// sourceField returns the name of field (or alias) f in the events of one
// input: a rule's field mapped by its pipelines, or the name that a
// referenced correlation's results give it.
func (b *Backend) sourceField(doc *ast.Correlation, in *backends.CorrelationInput, f string) (string, error) {
	pos := doc.DocPos
	for _, a := range doc.Aliases {
		if a.Name != f {
			continue
		}
		for _, af := range a.Fields {
			if af.Rule == in.Ref || af.Rule == in.Name {
				f, pos = af.Field, a.AliasPos
				break
			}
		}
		break
	}
	if in.Correlation != nil {
		names, _, err := b.align(in.Correlation, in.Correlation.Doc.GroupBy)
		if n, ok := names[f]; ok {
			return n, err
		}
		return f, err
	}
	if in.Rule == nil {
		return f, nil
	}
	name, err := in.Rule.CheckField(f, pos)
	if list, ok := err.(ast.ErrorList); ok {
		for i, e := range list {
			list[i] = &ast.Error{Pos: e.Pos, Msg: fmt.Sprintf("correlation field %q in the events of rule %q: %s", f, in.Name, e.Msg)}
		}
	}
	return name, err
}

// orderedAgg writes the aggregation of a temporal_ordered correlation: within
// each window and group, the earliest event of the first rule, then the
// earliest event of the second rule after it, and so on; a group matches
// when the chain reaches the last rule. The time of each step is computed
// over the group's events with eventstats; t1, t2, ... are the times of the
// steps.
func orderedAgg(c *backends.Correlation, bin, by string) (agg, cond string, err error) {
	doc := c.Doc
	n := len(c.Inputs)
	if doc.Extended != nil {
		return "", "", ast.Errorf(doc.DocPos, "a temporal_ordered correlation matches when its rules match in the order listed; a condition written as an expression over the rules is only allowed for temporal correlations")
	}
	if cc := doc.Condition; cc != nil && (len(cc.Ops) != 1 || cc.Ops[0].Op != "gte" || cc.Ops[0].Value.Text != strconv.Itoa(n)) {
		return "", "", ast.Errorf(cc.CondPos, "a temporal_ordered correlation matches when all its %d rules match in order; other conditions are not supported", n)
	}
	var w strings.Builder
	w.WriteString("| eval sigma_time=_time\n" + bin)
	final := "| stats"
	for i, in := range c.Inputs {
		step := fmt.Sprintf("sigma_step%d", i+1)
		test := "event_type=" + quoteText(in.Name)
		if i > 0 {
			prev := fmt.Sprintf("sigma_t%d", i)
			test += " AND isnotnull(" + prev + ") AND sigma_time>" + prev
		}
		fmt.Fprintf(&w, "\n| eval %s=if(%s, sigma_time, null())", step, test)
		if i < n-1 {
			fmt.Fprintf(&w, "\n| eventstats min(%s) as sigma_t%d by %s", step, i+1, by)
			final += fmt.Sprintf(" min(sigma_t%d) as t%d", i+1, i+1)
		} else {
			final += fmt.Sprintf(" min(%s) as t%d", step, i+1)
		}
	}
	w.WriteString("\n" + final + " by " + by)
	return w.String(), fmt.Sprintf("| search t%d=*", n), nil
}

// extended writes the extended condition of a temporal correlation, an
// expression over the rule names (Correlation.Condition), as a search over
// the names of the rules that matched in the window and group
// (event_types). Like the reference, "and" is written as three spaces.
func extended(n backends.Node) string {
	var b strings.Builder
	var walk func(n backends.Node, outer level)
	join := func(prefix string, args []backends.Node, sep string, own, outer level) {
		if own > outer {
			b.WriteByte('(')
		}
		b.WriteString(prefix)
		for i, a := range args {
			if i > 0 {
				b.WriteString(sep)
			}
			walk(a, own)
		}
		if own > outer {
			b.WriteByte(')')
		}
	}
	walk = func(n backends.Node, outer level) {
		switch n := n.(type) {
		case *backends.Matched:
			b.WriteString("event_types=" + quoteText(n.Input.Name))
		case *backends.Not:
			join("NOT ", []backends.Node{n.Arg}, "", levelNot, outer)
		case *backends.And:
			join("", n.Args, "   ", levelAnd, outer)
		case *backends.Or:
			join("", n.Args, " OR ", levelOr, outer)
		}
	}
	walk(n, levelTop)
	return b.String()
}

// condition writes the threshold of a correlation on field col as a search
// command, or "" without one. The two comparisons of a range are both
// required (the search command's implied AND).
func condition(col string, c *ast.CorrCond) string {
	if c == nil || len(c.Ops) == 0 {
		return ""
	}
	var terms []string
	for _, op := range c.Ops {
		switch op.Op {
		case "eq":
			// The search command compares with "=" ("==" is eval's).
			terms = append(terms, col+"="+op.Value.Text)
		default:
			ops := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "neq": "!="}
			terms = append(terms, col+" "+ops[op.Op]+" "+op.Value.Text)
		}
	}
	return "| search " + strings.Join(terms, " ")
}

// binSpan returns a Sigma timespan as the span of the bin command, where
// a month is "mon".
func binSpan(t backends.Timespan) string {
	if t.Unit == 'M' {
		return strconv.Itoa(t.Count) + "mon"
	}
	return t.String()
}

// withoutBlankLines drops the empty lines of a search that becomes a
// subsearch.
func withoutBlankLines(q string) string {
	var out []string
	for _, l := range strings.Split(q, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
