package parser

import "github.com/alecthomas/participle/v2/lexer"

// A hand-written parser for the condition grammar of condition.go.
//
// The participle parser builds its grammar tree by reflection and
// allocates for every token and every branch it tries; it took more time
// than all the rest of the condition handling. parseConditionFast
// parses the same grammar in one pass and builds the same tree (the same
// nodes with the same positions), or gives up, and then the participle
// parser parses the text again: for every text parseConditionFast
// accepts, participle accepts it too and builds an equal tree (checked on
// every condition of the corpus and by FuzzConditionFast), and every
// error message still comes from participle.

// condToken is a token of the condition lexer: a word, a parenthesis or
// the end of the text.
type condToken struct {
	pos  lexer.Position
	text string // "" at the end
	word bool
}

type fastCondParser struct {
	text string
	pos  lexer.Position // of the next byte to read
	tok  condToken      // the current token
	ok   bool           // false once the text is outside the grammar
}

// parseConditionFast parses text like condParser.ParseString("", text).
// ok is false when it cannot: a syntax error, or a token the lexer does
// not know.
func parseConditionFast(text string) (g *gOr, ok bool) {
	p := &fastCondParser{text: text, pos: lexer.Position{Line: 1, Column: 1}, ok: true}
	p.next()
	g = p.or()
	if !p.ok || p.tok.text != "" {
		return nil, false
	}
	return g, true
}

// next reads the next token, skipping white space, with positions computed
// as lexer.Position.Advance does (the lexer accepts ASCII text only).
func (p *fastCondParser) next() {
	for p.pos.Offset < len(p.text) {
		c := p.text[p.pos.Offset]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		p.pos.Offset++
		if c == '\n' {
			p.pos.Line++
			p.pos.Column = 1
		} else {
			p.pos.Column++
		}
	}
	start := p.pos
	if start.Offset == len(p.text) {
		p.tok = condToken{pos: start}
		return
	}
	end := start.Offset
	for end < len(p.text) && isCondWordByte(p.text[end]) {
		end++
	}
	switch {
	case end > start.Offset:
		p.tok = condToken{pos: start, text: p.text[start.Offset:end], word: true}
	case p.text[end] == '(' || p.text[end] == ')':
		p.tok = condToken{pos: start, text: p.text[end : end+1]}
		end++
	default:
		p.ok = false // a character no token starts with
		p.tok = condToken{pos: start}
		return
	}
	p.pos.Column += end - start.Offset
	p.pos.Offset = end
}

// isCondWordByte reports whether c belongs to a Word token ([A-Za-z0-9_*.-]).
func isCondWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '*' || c == '.' || c == '-'
}

// is reports whether the current token is the keyword kw.
func (p *fastCondParser) is(kw string) bool { return p.tok.word && p.tok.text == kw }

// ident reports whether the current token is a word other than a keyword.
func (p *fastCondParser) ident() bool { return p.tok.word && !keywords[p.tok.text] }

func (p *fastCondParser) or() *gOr {
	g := &gOr{Pos: p.tok.pos}
	g.And = append(g.And, p.and())
	for p.ok && p.is("or") {
		p.next()
		g.And = append(g.And, p.and())
	}
	return g
}

func (p *fastCondParser) and() *gAnd {
	g := &gAnd{Pos: p.tok.pos}
	g.Not = append(g.Not, p.not())
	for p.ok && p.is("and") {
		p.next()
		g.Not = append(g.Not, p.not())
	}
	return g
}

func (p *fastCondParser) not() *gNot {
	g := &gNot{Pos: p.tok.pos}
	if !p.ok {
		return g
	}
	if p.is("not") {
		p.next()
		g.Not = p.not()
		return g
	}
	g.Primary = p.primary()
	return g
}

func (p *fastCondParser) primary() *gPrimary {
	g := &gPrimary{Pos: p.tok.pos}
	switch {
	case !p.ok:
	case !p.tok.word && p.tok.text == "(":
		p.next()
		g.Paren = p.or()
		if !p.ok || p.tok.word || p.tok.text != ")" {
			p.ok = false
			return g
		}
		p.next()
	case p.ident():
		word := p.tok
		p.next()
		if !p.ok || !p.is("of") {
			g.Ident = &word.text
			return g
		}
		p.next()
		if !p.ok || !(p.is("them") || p.ident()) {
			p.ok = false
			return g
		}
		g.Of = &gOf{Pos: word.pos, Quant: word.text, Target: p.tok.text}
		p.next()
	default:
		p.ok = false
	}
	return g
}
