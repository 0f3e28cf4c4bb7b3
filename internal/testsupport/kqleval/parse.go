package kqleval

import (
	"math"
	"strconv"
	"strings"
)

// A Query is a parsed query: its let statements and its tabular body.
type Query struct {
	Text  string
	lets  []let
	body  Expr
	spans map[Expr][2]int // text of the operands of and/or, for Explain
}

// Parse reads a query: let statements separated by ';', then one tabular
// expression. Anything outside the supported subset is an error naming the
// construct.
func Parse(text string) (*Query, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	q := &Query{Text: text, spans: map[Expr][2]int{}}
	p := &parser{q: text, toks: toks, spans: q.spans}
	for p.isWord("let") {
		p.next()
		name := p.ident()
		p.expect("=")
		q.lets = append(q.lets, let{Name: name, X: p.letValue()})
		p.expect(";")
	}
	q.body = p.tabular()
	if p.is(";") {
		p.next()
	}
	switch t := p.tok(); {
	case p.err != nil || t.kind == tEOF:
	case t.kind == tIdent:
		p.fail("unexpected %q: an operator or keyword not supported by the evaluator, or a syntax error", t.text)
	default:
		p.fail("unexpected %q after the end of the query; expected '|' and a tabular operator", t.text)
	}
	if p.err != nil {
		return nil, p.err
	}
	return q, nil
}

type parser struct {
	q     string
	toks  []token
	i     int
	err   *Error
	spans map[Expr][2]int
}

// spanned parses an operand of and/or and records its text.
func (p *parser) spanned(parse func() Expr) Expr {
	start := p.tok().off
	x := parse()
	if p.i > 0 {
		p.spans[x] = [2]int{start, p.toks[p.i-1].end}
	}
	return x
}

func (p *parser) tok() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// fail records the first error; parsing goes on to the end, producing
// nodes that are thrown away.
func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = posErr(p.q, p.tok().off, format, args...)
	}
	// Stop reading: jump to the end.
	p.i = len(p.toks) - 1
}

func (p *parser) is(punct string) bool {
	t := p.tok()
	return t.kind == tPunct && t.text == punct
}

func (p *parser) isWord(w string) bool {
	t := p.tok()
	return t.kind == tIdent && t.text == w
}

func (p *parser) expect(punct string) {
	if !p.is(punct) {
		p.fail("found %s, expected %q", describe(p.tok()), punct)
		return
	}
	p.next()
}

func (p *parser) ident() string {
	t := p.tok()
	if t.kind != tIdent {
		p.fail("found %s, expected a name", describe(t))
		return ""
	}
	p.next()
	return t.text
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end of the query"
	case tString:
		return "string " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

// letValue reads the value of a let: a tabular expression (union, or a
// name or parenthesised expression followed by '|') or a scalar one.
func (p *parser) letValue() Expr {
	if p.isWord("union") {
		return p.tabular()
	}
	if p.tok().kind == tIdent && p.toks[p.i+1].kind == tPunct && p.toks[p.i+1].text == "(" && p.toks[p.i+2].kind == tPunct && p.toks[p.i+2].text == ")" {
		p.fail("let %s is a function or view: not supported by the evaluator", p.tok().text)
		return nil
	}
	x := p.expr()
	if p.is("|") {
		return p.pipe(x)
	}
	return x
}

// tabular reads a tabular expression: a source and its operators.
func (p *parser) tabular() Expr {
	return p.pipe(p.source())
}

func (p *parser) source() Expr {
	t := p.tok()
	switch {
	case t.kind == tIdent && t.text == "union":
		p.next()
		u := &Union{Off: t.off}
		for {
			if strings.Contains(p.tok().text, "=") || p.isWord("kind") || p.isWord("withsource") || p.isWord("isfuzzy") {
				p.fail("union parameter %q: not supported by the evaluator", p.tok().text)
			}
			u.Srcs = append(u.Srcs, p.source())
			if !p.is(",") {
				return u
			}
			p.next()
		}
	case t.kind == tPunct && t.text == "(":
		p.next()
		x := p.tabular()
		p.expect(")")
		return x
	case t.kind == tIdent:
		p.next()
		return &Ident{Name: t.text, Off: t.off}
	}
	p.fail("found %s, expected a table name, union or '('", describe(t))
	return &Ident{Off: t.off}
}

func (p *parser) pipe(src Expr) Expr {
	if !p.is("|") {
		return src
	}
	pp := &Pipe{Src: src, Off: src.offset()}
	for p.err == nil && p.is("|") {
		p.next()
		pp.Ops = append(pp.Ops, p.operator())
	}
	return pp
}

// operator reads one tabular operator (after its '|').
func (p *parser) operator() TabOp {
	t := p.tok()
	parse, ok := tabOps[t.text]
	if t.kind != tIdent || !ok {
		p.fail("tabular operator %s: not supported by the evaluator (it knows %s)", describe(t), known(tabOps))
		return &whereOp{Pred: &Lit{Val: false}}
	}
	p.next()
	return parse(p)
}

// expr reads a scalar expression. Precedence, loosest first: or, and,
// the relational and string operators, + -, * / %, unary - +, then member
// access and calls.
func (p *parser) expr() Expr { return p.or() }

func (p *parser) or() Expr {
	x := p.spanned(p.and)
	for p.isWord("or") {
		t := p.next()
		x = &Binary{Op: "or", L: x, R: p.spanned(p.and), Off: t.off}
	}
	return x
}

func (p *parser) and() Expr {
	x := p.spanned(p.relation)
	for p.isWord("and") {
		t := p.next()
		x = &Binary{Op: "and", L: x, R: p.spanned(p.relation), Off: t.off}
	}
	return x
}

func (p *parser) relation() Expr {
	x := p.additive()
	t := p.tok()
	switch {
	case t.kind == tPunct && (comparisons[t.text] != nil || isStringOp(t.text)):
		p.next()
		return &Binary{Op: t.text, L: x, R: p.additive(), Off: t.off}
	case t.kind == tPunct && t.text == "<>":
		p.fail("operator <>: write != (the evaluator reads KQL's != only)")
	case t.kind == tIdent && t.text == "matches":
		p.next()
		if !p.isWord("regex") {
			p.fail("found %s after matches, expected regex", describe(p.tok()))
		}
		p.next()
		return &Binary{Op: "matches regex", L: x, R: p.additive(), Off: t.off}
	case t.kind == tIdent && listOps[t.text] != nil:
		p.next()
		return &ListOp{Op: t.text, L: x, List: p.list(), Off: t.off}
	case t.kind == tIdent && isStringOp(t.text):
		p.next()
		return &Binary{Op: t.text, L: x, R: p.additive(), Off: t.off}
	case t.kind == tIdent && (t.text == "between" || strings.HasPrefix(t.text, "!") || strings.HasSuffix(t.text, "_cs")):
		// Other words may follow an expression (mv-apply's to and on);
		// these are operators.
		p.fail("operator %s: not supported by the evaluator", t.text)
	}
	return x
}

// list reads the parenthesised list of in, has_any...
func (p *parser) list() []Expr {
	p.expect("(")
	var out []Expr
	for p.err == nil && !p.is(")") {
		out = append(out, p.expr())
		if !p.is(",") {
			break
		}
		p.next()
	}
	p.expect(")")
	return out
}

func (p *parser) additive() Expr {
	x := p.multiplicative()
	for p.is("+") || p.is("-") {
		t := p.next()
		x = &Binary{Op: t.text, L: x, R: p.multiplicative(), Off: t.off}
	}
	return x
}

func (p *parser) multiplicative() Expr {
	x := p.unary()
	for p.is("*") || p.is("/") || p.is("%") {
		t := p.next()
		x = &Binary{Op: t.text, L: x, R: p.unary(), Off: t.off}
	}
	return x
}

func (p *parser) unary() Expr {
	if p.is("-") || p.is("+") {
		t := p.next()
		return &Binary{Op: t.text, L: &Lit{Val: int64(0), Off: t.off}, R: p.unary(), Off: t.off}
	}
	return p.postfix(p.primary())
}

func (p *parser) postfix(x Expr) Expr {
	for p.err == nil {
		switch {
		case p.is("."):
			t := p.next()
			x = &Member{X: x, Key: p.memberName(), Off: t.off}
		case p.is("["):
			t := p.next()
			if p.tok().kind == tString {
				x = &Member{X: x, Key: p.next().text, Off: t.off}
			} else {
				x = &Member{X: x, Index: p.expr(), Off: t.off}
			}
			p.expect("]")
		default:
			return x
		}
	}
	return x
}

func (p *parser) memberName() string {
	t := p.tok()
	if t.kind == tIdent {
		p.next()
		return t.text
	}
	if t.kind == tPunct && t.text == "[" && p.toks[p.i+1].kind == tString {
		p.next()
		k := p.next().text
		p.expect("]")
		return k
	}
	p.fail("found %s after '.', expected a member name", describe(t))
	return ""
}

func (p *parser) primary() Expr {
	t := p.tok()
	switch t.kind {
	case tString:
		p.next()
		return &Lit{Val: t.text, Off: t.off}
	case tNumber:
		p.next()
		return &Lit{Val: p.number(t), Off: t.off}
	case tPunct:
		switch t.text {
		case "*":
			p.next()
			return &AnyColumn{Off: t.off}
		case "(":
			p.next()
			x := p.expr()
			p.expect(")")
			return x
		case "[":
			// ['column name']
			p.next()
			if p.tok().kind != tString {
				p.fail("found %s after '[', expected a quoted column name", describe(p.tok()))
			}
			name := p.next().text
			p.expect("]")
			return &Ident{Name: name, Off: t.off}
		}
	case tIdent:
		return p.name(t)
	}
	p.fail("found %s, expected a value, a column or a function call", describe(t))
	return &Lit{Off: t.off}
}

// name reads what starts with a word: a literal form (true, dynamic(...),
// real(...)), a function call, or a column or let name.
func (p *parser) name(t token) Expr {
	p.next()
	switch t.text {
	case "true", "false":
		return &Lit{Val: t.text == "true", Off: t.off}
	case "dynamic":
		p.expect("(")
		v := p.dynamic()
		p.expect(")")
		return &Lit{Val: v, Off: t.off}
	case "real", "double", "long", "int", "bool", "datetime", "timespan", "guid":
		if p.is("(") {
			return &Lit{Val: p.typedLiteral(t.text), Off: t.off}
		}
	}
	if !p.is("(") {
		return &Ident{Name: t.text, Off: t.off}
	}
	if _, ok := functions[t.text]; !ok {
		p.fail("function %s(): not supported by the evaluator (it knows %s)", t.text, known(functions))
	}
	p.next()
	c := &Call{Name: t.text, Off: t.off}
	for p.err == nil && !p.is(")") {
		c.Args = append(c.Args, p.expr())
		if !p.is(",") {
			break
		}
		p.next()
	}
	p.expect(")")
	return c
}

func (p *parser) number(t token) Value {
	if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(t.text, 64); err == nil && !strings.ContainsAny(t.text, "xX") {
		return f
	}
	if strings.HasPrefix(t.text, "0x") || strings.HasPrefix(t.text, "0X") {
		if n, err := strconv.ParseInt(t.text[2:], 16, 64); err == nil {
			return n
		}
	}
	p.fail("number %s: not supported by the evaluator (timespan and other literals with a unit are not)", t.text)
	return nil
}

// typedLiteral reads the literal forms real(nan), real(+inf), long(null),
// long(5)... The forms of datetime, timespan and guid are not supported.
func (p *parser) typedLiteral(typ string) Value {
	p.expect("(")
	sign := ""
	if p.is("+") || p.is("-") {
		sign = p.next().text
	}
	t := p.next()
	var v Value
	switch {
	case t.kind == tIdent && t.text == "null":
		v = nil
	case (typ == "real" || typ == "double") && t.kind == tIdent && (t.text == "inf" || t.text == "nan"):
		v = math.Inf(1)
		if t.text == "nan" {
			v = math.NaN()
		} else if sign == "-" {
			v = math.Inf(-1)
		}
	case typ == "bool" && t.kind == tIdent && (t.text == "true" || t.text == "false"):
		v = t.text == "true"
	case t.kind == tNumber && typ != "datetime" && typ != "timespan" && typ != "guid" && typ != "bool":
		v = p.number(t)
		if sign == "-" {
			v = negate(v)
		}
		if typ == "real" || typ == "double" {
			v = toReal(v)
		}
	default:
		p.fail("literal %s(%s): not supported by the evaluator", typ, t.text)
	}
	p.expect(")")
	return v
}

func negate(v Value) Value {
	switch n := v.(type) {
	case int64:
		return -n
	case float64:
		return -n
	}
	return v
}

// dynamic reads the literal inside dynamic(...): null, a boolean, a
// number, a string, an array [...] or a property bag {"k": v}.
func (p *parser) dynamic() Value {
	t := p.tok()
	switch {
	case p.is("["):
		p.next()
		arr := []any{}
		for p.err == nil && !p.is("]") {
			arr = append(arr, p.dynamic())
			if !p.is(",") {
				break
			}
			p.next()
		}
		p.expect("]")
		return arr
	case p.is("{"):
		p.next()
		bag := map[string]any{}
		for p.err == nil && !p.is("}") {
			if p.tok().kind != tString {
				p.fail("found %s in a property bag, expected a quoted key", describe(p.tok()))
				return bag
			}
			k := p.next().text
			p.expect(":")
			bag[k] = p.dynamic()
			if !p.is(",") {
				break
			}
			p.next()
		}
		p.expect("}")
		return bag
	case t.kind == tString:
		p.next()
		return t.text
	case t.kind == tNumber:
		p.next()
		return p.number(t)
	case p.is("-"):
		p.next()
		return negate(p.dynamic())
	case t.kind == tIdent && (t.text == "true" || t.text == "false" || t.text == "null"):
		p.next()
		if t.text == "null" {
			return nil
		}
		return t.text == "true"
	}
	p.fail("found %s in dynamic(...), expected a literal, [...] or {...}", describe(t))
	return nil
}
