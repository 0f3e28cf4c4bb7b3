package kql

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A columnKind is what the schema says about a column's type. Without a
// schema (custom tables) nothing is known, and values are printed as the
// reference prints them.
type columnKind uint8

const (
	unknown columnKind = iota
	text
	numeric
	boolean
	other
	dynamicKind // a dynamic value: a member of a dynamic column (fieldexpr.go)
)

// A column is how the printer writes a field: ref is its KQL text (the
// column name, or an expression when expr is set), kind what it holds.
type column struct {
	ref  string
	kind columnKind
	expr *fieldExpr // a value inside a column (fieldexpr.go), or nil
}

// column returns how field is written, and records the computed column it
// reads (columns.go).
func (p *printer) column(field string) column {
	if e := p.expr(field); e != nil {
		return column{ref: e.text, kind: e.kind, expr: e}
	}
	return column{ref: quoteName(field), kind: p.columnKind(field)}
}

// text returns a column as a string expression: the column itself when it
// holds strings (or its type is unknown), and tostring(column) for the
// other types, so that the string operators (=~, contains, in~, matches
// regex...) apply to it.
func (c column) text() string {
	if c.expr != nil {
		return c.expr.asText
	}
	switch c.kind {
	case numeric, boolean, other, dynamicKind:
		return "tostring(" + c.ref + ")"
	}
	return c.ref
}

// asText returns field as a string expression (see column.text).
func (p *printer) asText(field string) string { return p.column(field).text() }

// colType returns the type the schema gives a column, lower case, or "".
func (p *printer) colType(field string) string {
	if e := p.expr(field); e != nil {
		return kindNames[e.kind]
	}
	if t := p.computed(field); t != "" {
		return t
	}
	if p.res.Schema == nil {
		return ""
	}
	return strings.ToLower(p.res.Schema.Columns[field])
}

// kindNames names the kinds of field expressions in messages.
var kindNames = map[columnKind]string{text: "string", numeric: "long", boolean: "bool", dynamicKind: "dynamic"}

func (p *printer) kind(field string) columnKind { return p.column(field).kind }

// columnKind returns the kind of the column called field, a computed one
// (which it records as used) or one of the schema.
func (p *printer) columnKind(field string) columnKind {
	if t := p.computed(field); t != "" {
		return kindOf(t)
	}
	if p.res.Schema == nil {
		return unknown
	}
	t, ok := p.res.Schema.Columns[field]
	if !ok {
		return unknown
	}
	return kindOf(t)
}

// kindOf returns the kind of a column of Kusto type t.
func kindOf(t string) columnKind {
	switch strings.ToLower(t) {
	case "string":
		return text
	case "int", "long", "real", "decimal", "double", "integer", "bigint":
		return numeric
	case "bool", "boolean":
		return boolean
	case "dynamic":
		return dynamicKind
	}
	return other
}

// numberText returns the KQL number a plain string stands for: decimal
// digits, or a 0x hexadecimal integer written in decimal.
func numberText(s *ast.String) (string, bool) {
	if !s.IsPlain() {
		return "", false
	}
	t := strings.TrimSpace(s.Plain())
	if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X") {
		n, err := strconv.ParseInt(t[2:], 16, 64)
		if err != nil {
			return "", false
		}
		return strconv.FormatInt(n, 10), true
	}
	if decimalNumber.MatchString(t) {
		if _, err := strconv.ParseFloat(t, 64); err == nil {
			return t, true
		}
	}
	return "", false
}

// decimalNumber is a number as KQL writes it and Sigma's text means it:
// digits, perhaps a sign and a fraction (Go's parsers also take "5_000"
// and "5.", which are no KQL numbers).
var decimalNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// boolText returns "true" or "false" for a plain string that says so.
func boolText(s *ast.String) (string, bool) {
	if !s.IsPlain() {
		return "", false
	}
	switch strings.ToLower(s.Plain()) {
	case "true":
		return "true", true
	case "false":
		return "false", true
	}
	return "", false
}

// in writes "field in~ (...)" for column c. On a numeric column, numbers
// (and strings that are numbers) are listed as numbers with "in": "in~"
// takes strings only.
func (p *printer) in(c column, vals []ast.Value) {
	if c.kind == numeric {
		nums := make([]string, 0, len(vals))
		for _, v := range vals {
			switch v := v.(type) {
			case *ast.Number:
				nums = append(nums, number(v.Text))
			case *ast.String:
				if n, ok := numberText(v); ok {
					nums = append(nums, n)
				}
			}
		}
		if len(nums) == len(vals) {
			p.write(c.ref, " in (", strings.Join(nums, ", "), ")")
			return
		}
	}
	p.write(c.text(), " in~ (")
	p.list(vals)
	p.b.WriteString(")")
}

// number writes the text of a Sigma number as a KQL number: YAML's .inf,
// -.inf and .nan (read as "inf", "-inf", "nan") are real(+inf), real(-inf)
// and real(nan) in KQL, where a bare inf is an unknown name.
func number(text string) string {
	switch text {
	case "inf":
		return "real(+inf)"
	case "-inf":
		return "real(-inf)"
	case "nan":
		return "real(nan)"
	}
	return text
}
