package kql

import (
	"strings"
)

// Field expressions: a pipeline may map a Sigma field to a value inside a
// column rather than to a column: a member of a dynamic column
// (EventData.Image, DeviceDetail.isCompliant), a member of a column parsed
// on the fly (parse_json(AdditionalFields).PipeName), or a column that the
// query computes before its condition (see columns.go). The printer reads
// such a field name as a small expression:
//
//	expr     = head accessor*
//	head     = column | function "(" expr ")"
//	accessor = "." name | "[" quoted-string "]"
//
// A name is read this way only when it is no column of the table and its
// head is a column of type dynamic, a computed column, or a function call;
// any other name is a column name, printed as such (['a.b']). A member name
// is whatever follows the dot up to the next dot or bracket, so rule field
// names (which come from untrusted files) are printed in brackets and
// quotes when they are no plain identifier: EventData['Image Path'].

// A fieldExpr is a field name read as an expression.
type fieldExpr struct {
	fn      string     // the function of the head, or ""
	inner   *fieldExpr // the argument of fn
	column  string     // the head column, when fn is ""
	members []string   // the accessors, in order
	kind    columnKind // what the expression yields
	text    string     // the expression as KQL
}

// conversions maps the functions a field expression may apply to the kind
// of value they yield.
var conversions = map[string]columnKind{
	"tostring": text, "strcat": text, "tolower": text, "toupper": text, "trim": text,
	"tolong": numeric, "toint": numeric, "todouble": numeric, "toreal": numeric,
	"tobool":     boolean,
	"parse_json": dynamicKind, "todynamic": dynamicKind, "parse_xml": dynamicKind,
}

// expr returns the field expression that field stands for, or nil when it
// is a column name. Results are cached per printer.
func (p *printer) expr(field string) *fieldExpr {
	if !strings.ContainsAny(field, ".([") {
		return nil
	}
	if p.exprs == nil {
		p.exprs = map[string]*fieldExpr{}
	} else if e, ok := p.exprs[field]; ok {
		return e
	}
	var e *fieldExpr
	if _, isColumn := p.column(field); !isColumn {
		e = p.parseExpr(field)
	}
	p.exprs[field] = e
	return e
}

// parseExpr reads s as a field expression, or returns nil.
func (p *printer) parseExpr(s string) *fieldExpr {
	e := &fieldExpr{}
	rest := ""
	if i := strings.IndexByte(s, '('); i > 0 && isIdent(s[:i]) {
		end := closing(s, i)
		if end < 0 {
			return nil
		}
		kind, ok := conversions[s[:i]]
		if !ok {
			return nil
		}
		arg := s[i+1 : end]
		e.fn, e.kind = s[:i], kind
		if inner := p.parseExpr(arg); inner != nil {
			e.inner = inner
		} else if isIdent(arg) {
			e.inner = &fieldExpr{column: arg, text: quoteName(arg)}
		} else {
			return nil
		}
		e.text = e.fn + "(" + e.inner.text + ")"
		rest = s[end+1:]
	} else {
		i := strings.IndexAny(s, ".[")
		if i <= 0 {
			return nil
		}
		head := s[:i]
		if !p.isDynamic(head) {
			return nil
		}
		e.column, e.kind, e.text = head, dynamicKind, quoteName(head)
		rest = s[i:]
	}
	members, ok := accessors(rest)
	if !ok || e.fn == "" && len(members) == 0 {
		return nil
	}
	e.members = members
	if len(members) > 0 {
		e.kind = dynamicKind
	}
	var b strings.Builder
	b.WriteString(e.text)
	for _, m := range members {
		if isIdent(m) && !reserved[m] {
			b.WriteString("." + m)
		} else {
			b.WriteString("[" + quoteWith(m, '\'') + "]")
		}
	}
	e.text = b.String()
	return e
}

// closing returns the index of the parenthesis that closes the one at
// open, or -1.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// accessors splits ".a.b['c d']" into its member names.
func accessors(s string) ([]string, bool) {
	var out []string
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			if end == 0 {
				return nil, false
			}
			out = append(out, s[:end])
			s = s[end:]
		case '[':
			if len(s) < 4 || s[1] != '\'' && s[1] != '"' {
				return nil, false
			}
			q := s[1]
			end := strings.IndexByte(s[2:], q)
			if end < 0 || 2+end+1 >= len(s) || s[2+end+1] != ']' {
				return nil, false
			}
			out = append(out, s[2:2+end])
			s = s[2+end+2:]
		default:
			return nil, false
		}
	}
	return out, true
}

// isDynamic reports whether name is a column of type dynamic of the
// table, or a dynamic column that the query computes.
func (p *printer) isDynamic(name string) bool {
	if t, ok := p.column(name); ok {
		return strings.EqualFold(t, "dynamic")
	}
	if c := p.computed(name); c != nil {
		return c.kind == dynamicKind
	}
	return false
}

// column returns the schema type of a column of the table.
func (p *printer) column(name string) (string, bool) {
	if p.res.Schema == nil {
		return "", false
	}
	t, ok := p.res.Schema.Columns[name]
	return t, ok
}

// ref returns the KQL text of a field: its expression, or the column name.
func (p *printer) ref(field string) string {
	if e := p.expr(field); e != nil {
		return e.text
	}
	return quoteName(field)
}
