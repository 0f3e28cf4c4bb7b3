// Package kql prints processed Sigma rules as Kusto Query Language (KQL)
// queries for Microsoft Defender XDR advanced hunting, Microsoft Sentinel
// and Azure Monitor.
//
// The output follows the reference converter (pySigma's kusto backend)
// wherever that one produces valid KQL, so that existing detections keep
// their exact text; where it produces invalid KQL this backend produces a
// valid query instead (see golden/DEVIATIONS.md).
package kql

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// Backend converts rules to KQL.
type Backend struct {
	opts backends.Options
}

// New returns a KQL backend with the given options.
func New(opts backends.Options) *Backend { return &Backend{opts: opts} }

// Name returns "kusto", the target name of the reference.
func (b *Backend) Name() string { return "kusto" }

// Formats lists the output formats: plain queries. The deployable rules
// that wrap them are package deploy's.
func (b *Backend) Formats() []backends.Format {
	return []backends.Format{{Name: "default", Description: "plain KQL queries", Ext: "kql"}}
}

// Convert returns one query per condition of the processed rule.
func (b *Backend) Convert(res *pipeline.Result, format string) ([]string, error) {
	if res.Rule.Detection == nil {
		return nil, nil
	}
	rule := backends.NewRule(res)
	if err := rule.CheckTemplate("prefilter", "columns"); err != nil {
		return nil, err
	}
	var errs ast.ErrorList
	var out []string
	exclCols := newComputed(res)
	excl, err := b.exclusions(rule, exclCols)
	if err != nil {
		return nil, err
	}
	for i := range rule.Conditions {
		c := &rule.Conditions[i]
		p := newPrinter(res, b.opts, newComputed(res))
		p.cols.merge(exclCols)
		pre, cond, ok := p.condition(c, rule.Template.Has("prefilter"))
		p.free()
		if !ok {
			continue
		}
		if len(p.errs) > 0 {
			errs = append(errs, p.errs...)
			continue
		}
		out = append(out, finalize(rule, pre, cond, excl, p.cols))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// exclusions prints the conditions of the Sigma filters applied to the
// rule, each as the argument of not(...).
func (b *Backend) exclusions(r *backends.Rule, cols *computedColumns) ([]string, error) {
	var out []string
	var errs ast.ErrorList
	for _, e := range r.Exclusions {
		p := newPrinter(r.Result, b.opts, cols)
		p.negation(e.Tree)
		errs = append(errs, p.errs...)
		out = append(out, p.b.String())
		p.free()
	}
	return out, errs.Err()
}

// finalize assembles the query from the pipelines' template: the table, the
// tests the pipelines added (when the template has {prefilter}), the
// computed columns (columns.go), the condition, and one more where clause
// per filter exclusion.
func finalize(r *backends.Rule, pre, cond string, exclusions []string, cols *computedColumns) string {
	t := r.Template
	if t == "" {
		if r.Result.Table == "" {
			for _, e := range exclusions {
				cond += " and " + e
			}
			return cond
		}
		t = "{table}\n| where {condition}"
	}
	table := ""
	if r.Result.Table != "" {
		table = quoteName(r.Result.Table)
	}
	q := backends.Template(withColumns(string(t), pre, cols)).Fill(table, cond)
	for _, e := range exclusions {
		q += "\n| where " + e
	}
	return q
}

// printer writes one condition.
type printer struct {
	res  *pipeline.Result
	opts backends.Options
	b    *bytes.Buffer // from buffers
	errs ast.ErrorList
	cols *computedColumns // the columns the query may compute (columns.go)
}

// buffers holds the buffers that printers write into: a buffer that grew
// to the size of a query serves the next printer as it is, and the text of
// a query is copied out once, at its size (b.String).
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newPrinter(res *pipeline.Result, opts backends.Options, cols *computedColumns) *printer {
	return &printer{res: res, opts: opts, cols: cols, b: buffers.Get().(*bytes.Buffer)}
}

// free gives the printer's buffer back, once its text is copied out.
func (p *printer) free() {
	p.b.Reset()
	buffers.Put(p.b)
	p.b = nil
}

func (p *printer) errorf(pos ast.Pos, format string, args ...any) {
	p.errs.Addf(pos, format, args...)
}

// context says where a node is printed, for parenthesisation.
type context uint8

const (
	top   context = iota // the whole condition
	inAnd                // an argument of and
	inOr                 // an argument of or
	inNot                // the argument of not(...)
)

// node prints n. Like the reference, every and, or and not inside another
// one is parenthesised, whatever the precedence; the alternatives of one
// expanded value (windash, base64offset) only inside an and.
func (p *printer) node(n backends.Node, ctx context) {
	switch n := n.(type) {
	case *backends.And:
		group := ctx != top
		p.open(group)
		if ms, ok := backends.FieldList(n.Args); ok {
			p.sameField(ms, false)
		} else {
			p.join(n.Args, " and ", inAnd)
		}
		p.close(group)
	case *backends.Or:
		group := ctx != top
		if n.Origin == backends.FromExpansion {
			group = ctx == inAnd
		}
		p.open(group)
		if ms, ok := backends.FieldList(n.Args); ok {
			p.sameField(ms, true)
		} else {
			p.join(n.Args, " or ", inOr)
		}
		p.close(group)
	case *backends.Not:
		if backends.IsEmpty(n.Arg) {
			p.errorf(n.Pos, "cannot negate a search that the pipelines left empty (every item of it was dropped)")
			return
		}
		p.open(ctx != top)
		p.negation(n.Arg)
		p.close(ctx != top)
	case *backends.Match:
		p.match(n)
	case *backends.Empty:
	}
}

// negation writes not(arg). In Kusto, a test that cannot be decided is
// null (ipv4_is_in_range of a text that is no address, a comparison with
// a null number), the not() of null is null, and where drops the row; in
// Sigma such a test is false, and its negation true. So an argument that
// may be null is written coalesce(arg, false): a null inside an and/or of
// tests then counts as false, as in Sigma.
func (p *printer) negation(arg backends.Node) {
	p.b.WriteString("not(")
	if mayBeNull(arg) {
		p.b.WriteString("coalesce(")
		p.node(arg, top)
		p.b.WriteString(", false)")
	} else {
		p.node(arg, inNot)
	}
	p.b.WriteString(")")
}

// mayBeNull reports whether a printed test may be null: a cidr test or a
// numeric comparison in an and/or. A negation is never null (see
// negation).
func mayBeNull(n backends.Node) bool {
	switch n := n.(type) {
	case *backends.And:
		return slices.ContainsFunc(n.Args, mayBeNull)
	case *backends.Or:
		return slices.ContainsFunc(n.Args, mayBeNull)
	case *backends.Match:
		switch n.Value.(type) {
		case *ast.CIDR, *ast.Compare:
			return true
		}
	}
	return false
}

func (p *printer) open(group bool) {
	if group {
		p.b.WriteByte('(')
	}
}

func (p *printer) close(group bool) {
	if group {
		p.b.WriteByte(')')
	}
}

// Long chains. Kusto.Language refuses to analyse a query whose syntax
// tree is deeper than its default limit (KS245), and a chain "a or b or
// ..." nests one level per operator: a chain of about 750 tests fails,
// the longest of the SigmaHQ rules apart from four emoji lists (422)
// passes. A chain of more than maxChain arguments is printed as balanced
// parenthesised groups of at most chainGroup arguments, which means the
// same (and and or are associative) with a depth of about chainGroup plus
// two per halving.
const (
	maxChain   = 450
	chainGroup = 256
)

func (p *printer) join(args []backends.Node, op string, ctx context) {
	if countNonEmpty(args) > maxChain {
		n := nonEmpty(args)
		p.chain(len(n), op, func(i int) { p.node(n[i], ctx) })
		return
	}
	p.joinFlat(args, op, ctx)
}

// chain prints n items joined by op: flat, or, beyond maxChain, in
// balanced halves, each parenthesised, down to chainGroup items.
func (p *printer) chain(n int, op string, item func(int)) {
	p.chainRange(0, n, n > maxChain, op, item)
}

func (p *printer) chainRange(lo, hi int, split bool, op string, item func(int)) {
	if !split || hi-lo <= chainGroup {
		for i := lo; i < hi; i++ {
			if i > lo {
				p.b.WriteString(op)
			}
			item(i)
		}
		return
	}
	mid := lo + (hi-lo)/2
	p.b.WriteString("(")
	p.chainRange(lo, mid, split, op, item)
	p.b.WriteString(")" + op + "(")
	p.chainRange(mid, hi, split, op, item)
	p.b.WriteString(")")
}

func countNonEmpty(args []backends.Node) int {
	n := 0
	for _, a := range args {
		if !backends.IsEmpty(a) {
			n++
		}
	}
	return n
}

func nonEmpty(args []backends.Node) []backends.Node {
	out := args[:0:0]
	for _, a := range args {
		if !backends.IsEmpty(a) {
			out = append(out, a)
		}
	}
	return out
}

func (p *printer) joinFlat(args []backends.Node, op string, ctx context) {
	first := true
	for _, a := range args {
		if backends.IsEmpty(a) {
			continue
		}
		if !first {
			p.b.WriteString(op)
		}
		first = false
		p.node(a, ctx)
	}
}

func (p *printer) list(vals []ast.Value) {
	for i, v := range vals {
		if i > 0 {
			p.b.WriteString(", ")
		}
		switch v := v.(type) {
		case *ast.String:
			writeQuoted(p.b, v.Plain(), '"')
		case *ast.Number:
			writeQuoted(p.b, v.Text, '"')
		}
	}
}

// sameField writes an OR (or AND) of one field's values: for an OR, the
// plain values first, as one "in~" list; then the others each with the
// operator their wildcards allow (str). In an AND, plain values are
// equalities one by one: the reference's "has_all" list would look for
// them as terms anywhere in the value, where the field must equal each.
func (p *printer) sameField(ms []*backends.Match, or bool) {
	c := p.column(ms[0].Field)
	op := " and "
	var plain []ast.Value
	rest := ms
	if or {
		op = " or "
		plain, rest = splitPlain(ms)
	}
	if len(plain) > 0 {
		if len(rest) == 0 {
			p.in(c, plain)
			return
		}
		p.write(c.text(), " in~ (")
		p.list(plain)
		p.write(")", op)
	}
	p.chain(len(rest), op, func(i int) { p.value(rest[i], c) })
}

// splitPlain separates the plain values of ms (see isPlain) from the
// other matches, each in order.
func splitPlain(ms []*backends.Match) (plain []ast.Value, rest []*backends.Match) {
	n := 0
	for _, m := range ms {
		if isPlain(m.Value) {
			n++
		}
	}
	if n == 0 {
		return nil, ms
	}
	plain, rest = make([]ast.Value, 0, n), make([]*backends.Match, 0, len(ms)-n)
	for _, m := range ms {
		if isPlain(m.Value) {
			plain = append(plain, m.Value)
		} else {
			rest = append(rest, m)
		}
	}
	return plain, rest
}

func isPlain(v ast.Value) bool {
	switch v := v.(type) {
	case *ast.String:
		return v.IsPlain()
	case *ast.Number:
		return true
	}
	return false
}

// simpleWildcard returns the operator for a string whose only wildcards are
// a leading and/or trailing "*": startswith, endswith or contains.
func simpleWildcard(s *ast.String) (op, text string, ok bool) {
	parts := s.Parts
	n := len(parts)
	if n == 0 {
		return "", "", false
	}
	lead := parts[0].Kind == ast.WildcardMulti
	trail := parts[n-1].Kind == ast.WildcardMulti
	switch {
	case n == 1 && lead:
		return "startswith", "", true
	case n == 2 && trail && parts[0].Kind == ast.Literal:
		return "startswith", parts[0].Text, true
	case n == 2 && lead && parts[1].Kind == ast.Literal:
		return "endswith", parts[1].Text, true
	case n == 3 && lead && trail && parts[1].Kind == ast.Literal:
		return "contains", parts[1].Text, true
	}
	return "", "", false
}

// match writes the test of one value.
func (p *printer) match(m *backends.Match) {
	if m.Field == "" {
		p.keyword(m)
		return
	}
	p.value(m, p.column(m.Field))
}

// value writes the test of the value of m on its field, written c.
func (p *printer) value(m *backends.Match, c column) {
	switch v := m.Value.(type) {
	case *ast.String:
		p.stringValue(c, v)
	case *ast.Number:
		if c.kind == text || c.kind == other || c.kind == dynamicKind {
			p.test(c.text(), "=~", v.Text)
			return
		}
		p.write(c.ref, " == ", number(v.Text))
	case *ast.Bool:
		if c.kind == boolean {
			p.write(c.ref, " == ", strconv.FormatBool(v.Value))
		} else {
			p.test(c.text(), "=~", strconv.FormatBool(v.Value))
		}
	case *ast.Null, *ast.Exists:
		p.presence(c, v)
	case *ast.CIDR:
		fn := "ipv4_is_in_range("
		if v.IPv6 {
			fn = "ipv6_is_in_range("
		}
		p.write(fn, c.text(), ", ")
		writeQuoted(p.b, v.Network, '"')
		p.b.WriteByte(')')
	default:
		p.matchOther(m, c)
	}
}

// stringValue writes the test of a string value on column c: a number or
// a boolean on a column of that kind, when the string is one, else a text
// test (on a column of another type, of its text form).
func (p *printer) stringValue(c column, v *ast.String) {
	switch c.kind {
	case numeric:
		if n, ok := numberText(v); ok {
			p.write(c.ref, " == ", n)
			return
		}
	case boolean:
		if b, ok := boolText(v); ok {
			p.write(c.ref, " == ", b)
			return
		}
	}
	p.str(c.text(), v)
}

// presence writes the test of a null value or of the exists modifier.
func (p *printer) presence(c column, v ast.Value) {
	switch v := v.(type) {
	case *ast.Null:
		switch {
		case c.expr != nil:
			// A value inside a column: absent, null or empty.
			p.write("isempty(", c.text(), ")")
		case c.kind == text:
			// Kusto strings are never null: an absent or empty string
			// value is "", which isempty tests.
			p.write("isempty(", c.ref, ")")
		default:
			p.write("isnull(", c.ref, ")")
		}
	case *ast.Exists:
		f := c.ref
		if c.expr != nil {
			f = c.text()
		}
		if v.Exists {
			p.write("isnotempty(", f, ")")
		} else {
			p.write("isempty(", f, ")")
		}
	}
}

// matchOther writes the tests of the values that match leaves to it:
// comparisons, regular expressions, field references and time parts.
func (p *printer) matchOther(m *backends.Match, c column) {
	switch v := m.Value.(type) {
	case *ast.Compare:
		f := c.ref
		switch c.kind {
		case text, dynamicKind:
			// Numbers kept in a string column (ASIM process IDs) or
			// in a dynamic value: compare them as numbers.
			conv := "tolong("
			if strings.ContainsAny(v.Number.Text, ".eE") {
				conv = "todouble("
			}
			f = conv + f + ")"
		case other:
			p.errorf(m.Item.KeyPos, "cannot compare column %s of type %s with the number %s", m.Field, p.colType(m.Field), v.Number.Text)
			return
		}
		p.write(f, " ", v.Op.String(), " ", number(v.Number.Text))
	case *ast.Regex:
		p.test(c.text(), "matches regex", backends.RegexText(v))
	case *ast.FieldRef:
		p.fieldRef(c, v)
	case *ast.TimePart:
		if t := p.colType(m.Field); t != "" && t != "datetime" {
			p.errorf(m.Item.KeyPos, "modifier '%s' needs a timestamp column, but %s is of type %s", v.Part, m.Field, t)
			return
		}
		fn := map[string]string{"minute": "datetime_part(\"minute\", %s)", "hour": "hourofday(%s)", "day": "dayofmonth(%s)",
			"week": "week_of_year(%s)", "month": "getmonth(%s)", "year": "getyear(%s)"}[v.Part]
		p.write(fmt.Sprintf(fn, c.ref), " == ", number(v.Number.Text))
	default:
		p.errorf(m.Item.KeyPos, "value of field %s cannot be expressed in KQL", m.Field)
	}
}

// fieldRefOps are the operators of the fieldref modifier by the modifier
// that goes with it: case-insensitive, and cased.
var fieldRefOps = map[ast.MatchKind][2]string{
	ast.MatchEqual:      {"=~", "=="},
	ast.MatchContains:   {"contains", "contains_cs"},
	ast.MatchStartsWith: {"startswith", "startswith_cs"},
	ast.MatchEndsWith:   {"endswith", "endswith_cs"},
}

// fieldRef writes the comparison of column c with another field.
func (p *printer) fieldRef(c column, v *ast.FieldRef) {
	f, g := c.text(), p.asText(v.Field)
	op := fieldRefOps[v.Match]
	o := op[0]
	if v.Cased {
		o = op[1]
	}
	p.write(f, " ", o, " ", g)
}

// write writes the texts in order.
func (p *printer) write(texts ...string) {
	for _, t := range texts {
		p.b.WriteString(t)
	}
}

// test writes "f op s", with s as a KQL string literal.
func (p *printer) test(f, op, s string) {
	p.write(f, " ", op, " ")
	writeQuoted(p.b, s, '"')
}

// str writes the test of a string value.
func (p *printer) str(f string, v *ast.String) {
	if e, ok := p.res.Expression(v, f); ok {
		p.b.WriteString(e)
		return
	}
	if err := backends.PlaceholderError(v); err != nil {
		p.errs.Append(err)
		return
	}
	if v.IsPlain() {
		op := "=~"
		if v.Cased {
			op = "=="
		}
		p.test(f, op, v.Plain())
		return
	}
	if op, text, ok := simpleWildcard(v); ok {
		if v.Cased {
			op += "_cs"
		}
		p.test(f, op, text)
		return
	}
	p.test(f, "matches regex", wildcardRegex(v, true))
}

// wildcardRegex writes a string with wildcards inside as a regular
// expression (RE2, Kusto's syntax) that means what Sigma means: "*" is
// ".*" and "?" is ".", where "." also matches line breaks (flag s); letters
// match regardless of case (flag i) unless the value is cased; the
// literal text is escaped. With whole, the value must be the whole text:
// the expression is anchored with "^" and "$" (which, without flag m,
// match only at the ends of the text), except at an end where the value
// has a "*", which is then left out: an unanchored expression matches
// anywhere. Without whole (keywords), it may match anywhere.
//
// Splunk's casedRegex drops the outer "*"s and anchors the rest too, but
// the dialects differ in all else: PCRE's "$" also matches before a final
// line break (Splunk ends with "\z"), its values are all cased (no
// "(?i)"), it sets "(?s)" only for wildcards, and it writes control
// characters as \xhh where a KQL string literal escapes them. Even the
// dropping differs for a value of "*"s alone ("**"): here one stays, as
// ".*"; there none does. Either way it matches any text, but sharing one
// form would change one backend's output, so each keeps its own.
func wildcardRegex(v *ast.String, whole bool) string {
	parts := v.Parts
	start, end := whole, whole
	if len(parts) > 1 && parts[0].Kind == ast.WildcardMulti {
		parts, start = parts[1:], false
	}
	if len(parts) > 1 && parts[len(parts)-1].Kind == ast.WildcardMulti {
		parts, end = parts[:len(parts)-1], false
	}
	var b strings.Builder
	if v.Cased {
		b.WriteString("(?s)")
	} else {
		b.WriteString("(?is)")
	}
	if start {
		b.WriteByte('^')
	}
	b.WriteString(backends.WildcardRegex(parts, false))
	if end {
		b.WriteByte('$')
	}
	return b.String()
}

// keyword writes a field-less search: the value anywhere in the event.
// A keyword is found where it occurs inside a value, so a "*" at either
// end adds nothing: "abc*" is `* contains "abc"`. Wildcards inside make an
// unanchored regular expression, case-insensitive as Sigma's strings are
// unless the value is cased, where "." matches line breaks.
func (p *printer) keyword(m *backends.Match) {
	switch v := m.Value.(type) {
	case *ast.String:
		op := "contains"
		if v.Cased {
			op = "contains_cs"
		}
		if v.IsPlain() {
			p.test("*", op, v.Plain())
			return
		}
		if _, text, ok := simpleWildcard(v); ok {
			p.test("*", op, text)
			return
		}
		p.test("*", "matches regex", wildcardRegex(v, false))
	case *ast.Number:
		p.test("*", "contains", v.Text)
	case *ast.Regex:
		p.test("*", "matches regex", backends.RegexText(v))
	default:
		p.errorf(m.Item.KeyPos, "this keyword value cannot be searched in KQL")
	}
}
