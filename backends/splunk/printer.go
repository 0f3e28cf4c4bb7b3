package splunk

import (
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A level is a precedence level of the search command. NOT binds
// tightest, then OR, then the AND that a space between two terms stands
// for: "a b OR c" is "a AND (b OR c)".
type level uint8

const (
	levelNot level = iota + 1
	levelOr
	levelAnd
	levelTop // the whole search: nothing around it
)

// printer writes the search of one condition. Tests that the search
// command cannot express (regular expressions, field comparisons, cased
// strings) become commands after the search: see deferred.go.
type printer struct {
	b    strings.Builder
	errs ast.ErrorList

	post  []string         // "| regex" and "| where" commands of tests the whole search needs
	pre   []string         // "| rex" and "| eval" commands of tests inside OR and NOT
	names map[string]int   // how often each base name of those commands was used
	res   *pipeline.Result // the rule's pipeline result (placeholder expressions)
}

func (p *printer) errorf(pos ast.Pos, format string, args ...any) {
	p.errs.Addf(pos, format, args...)
}

// node prints n in a context of precedence outer, in parentheses only when
// n binds looser than its context. Like the reference, an OR written as
// "field IN (...)" keeps the parentheses of an OR.
func (p *printer) node(n backends.Node, outer level) {
	switch n := n.(type) {
	case *backends.And:
		args := nonEmpty(n.Args)
		if len(args) == 1 {
			p.node(args[0], outer)
			return
		}
		p.open(levelAnd, outer)
		p.join(args, " ", levelAnd)
		p.close(levelAnd, outer)
	case *backends.Or:
		args := nonEmpty(n.Args)
		if len(args) == 1 {
			p.node(args[0], outer)
			return
		}
		p.open(levelOr, outer)
		if ms, ok := inList(args); ok {
			p.in(ms)
		} else {
			p.join(args, " OR ", levelOr)
		}
		p.close(levelOr, outer)
	case *backends.Not:
		if backends.IsEmpty(n.Arg) {
			p.errorf(n.Pos, "cannot negate a search that the pipelines left empty (every item of it was dropped)")
			return
		}
		p.open(levelNot, outer)
		p.b.WriteString("NOT ")
		p.node(n.Arg, levelNot)
		p.close(levelNot, outer)
	case *backends.Match:
		p.match(n)
	}
}

func (p *printer) open(own, outer level) {
	if own > outer {
		p.b.WriteByte('(')
	}
}

func (p *printer) close(own, outer level) {
	if own > outer {
		p.b.WriteByte(')')
	}
}

func (p *printer) join(args []backends.Node, sep string, ctx level) {
	for i, a := range args {
		if i > 0 {
			p.b.WriteString(sep)
		}
		p.node(a, ctx)
	}
}

// nonEmpty returns the arguments that print something.
func nonEmpty(args []backends.Node) []backends.Node {
	for i, a := range args {
		if backends.IsEmpty(a) {
			out := append([]backends.Node(nil), args[:i]...)
			for _, b := range args[i+1:] {
				if !backends.IsEmpty(b) {
					out = append(out, b)
				}
			}
			return out
		}
	}
	return args
}

// inList reports whether args are two or more tests of one field against
// strings or numbers, which print as "field IN (...)". The alternatives of
// an expanded value (windash, base64offset) are always printed one by one,
// as the reference does.
func inList(args []backends.Node) ([]*backends.Match, bool) {
	ms, ok := backends.FieldList(args)
	if !ok {
		return nil, false
	}
	var last *ast.FieldMatch // the matches of one item come in a row: check it once
	for _, m := range ms {
		if m.Item != last && expanded(m.Item) {
			return nil, false
		}
		last = m.Item
	}
	return ms, true
}

// expanded reports whether a value of the item stands for several
// alternatives.
func expanded(fm *ast.FieldMatch) bool {
	if fm == nil {
		return false
	}
	for _, v := range fm.Values {
		if _, ok := v.(*ast.Expansion); ok {
			return true
		}
	}
	return false
}

// in writes "field IN (v1, v2, ...)".
func (p *printer) in(ms []*backends.Match) {
	p.b.WriteString(quoteField(ms[0].Field))
	p.b.WriteString(" IN (")
	for i, m := range ms {
		if i > 0 {
			p.b.WriteString(", ")
		}
		switch v := m.Value.(type) {
		case *ast.String:
			writeValue(&p.b, v)
		case *ast.Number:
			p.b.WriteString(v.Text)
		}
	}
	p.b.WriteByte(')')
}

// match writes the test of one value.
func (p *printer) match(m *backends.Match) {
	if deferrable(m) {
		p.condition(m)
		return
	}
	if m.Field == "" {
		p.keyword(m)
		return
	}
	f := quoteField(m.Field)
	switch v := m.Value.(type) {
	case *ast.String:
		if e, ok := p.res.Expression(v, f); ok {
			p.b.WriteString(e)
		} else if p.placeholders(v) {
			p.b.WriteString(f)
			p.b.WriteByte('=')
			writeValue(&p.b, v)
		}
	case *ast.Number:
		p.b.WriteString(f + "=" + v.Text)
	case *ast.Bool:
		p.b.WriteString(f + "=" + strconv.FormatBool(v.Value))
	case *ast.Null:
		p.b.WriteString("NOT " + f + "=*")
	case *ast.Exists:
		if !v.Exists {
			p.b.WriteString("NOT ")
		}
		p.b.WriteString(f + "=*")
	case *ast.CIDR:
		// The search command matches an IPv4 or IPv6 address against a
		// network written in CIDR notation.
		p.b.WriteString(f + "=" + quoteText(v.Network))
	case *ast.Compare:
		p.b.WriteString(f + v.Op.String() + v.Number.Text)
	case *ast.TimePart:
		p.errorf(v.ValuePos, "the %s modifier cannot be expressed in an SPL search: the Splunk backend does not support timestamp parts", v.Part)
	default:
		p.errorf(m.Item.KeyPos, "value of field %s cannot be expressed in SPL", m.Field)
	}
}

// placeholders reports an unresolved %placeholder% of v; it returns false
// when there is one.
func (p *printer) placeholders(v *ast.String) bool {
	err := backends.PlaceholderError(v)
	p.errs.Append(err)
	return err == nil
}

// keyword writes a field-less search term: the value anywhere in the raw
// event.
func (p *printer) keyword(m *backends.Match) {
	switch v := m.Value.(type) {
	case *ast.String:
		if p.placeholders(v) {
			writeValue(&p.b, v)
		}
	case *ast.Number:
		p.b.WriteString(v.Text)
	case *ast.Bool:
		p.b.WriteString(strconv.FormatBool(v.Value))
	default:
		p.errorf(m.Item.KeyPos, "this keyword value cannot be searched in SPL")
	}
}
