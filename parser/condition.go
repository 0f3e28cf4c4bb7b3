package parser

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// The condition grammar, lowest precedence first:
//
//	or  <  and  <  not  <  "1 of" / "all of"  <  ( ... )
//
// Keywords are lower case. The grammar types are private: conditions are
// lowered to ast.Expr by lower.

type gOr struct {
	Pos lexer.Position
	And []*gAnd `parser:"@@ ( \"or\" @@ )*"`
}

type gAnd struct {
	Pos lexer.Position
	Not []*gNot `parser:"@@ ( \"and\" @@ )*"`
}

type gNot struct {
	Pos     lexer.Position
	Not     *gNot     `parser:"  \"not\" @@"`
	Primary *gPrimary `parser:"| @@"`
}

type gPrimary struct {
	Pos   lexer.Position
	Paren *gOr    `parser:"  \"(\" @@ \")\""`
	Of    *gOf    `parser:"| @@"`
	Ident *string `parser:"| @Word"`
}

type gOf struct {
	Pos    lexer.Position
	Quant  string `parser:"@Word"`
	Target string `parser:"\"of\" @( \"them\" | Word )"`
}

var condLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "Word", Pattern: `[A-Za-z0-9_*.\-]+`},
	{Name: "Punct", Pattern: `[()]`},
})

var keywords = map[string]bool{"and": true, "or": true, "not": true, "of": true, "them": true}

var condParser = participle.MustBuild[gOr](
	participle.Lexer(condLexer),
	participle.Elide("Whitespace"),
	participle.Map(func(t lexer.Token) (lexer.Token, error) {
		if keywords[t.Value] {
			t.Type = keywordType
		}
		return t, nil
	}, "Word"),
	participle.UseLookahead(3),
)

// keywordType is the token type of the reserved words; it differs from
// every type of condLexer, so "@Word" never matches a keyword.
const keywordType lexer.TokenType = -100

// condition parses one condition string. base is the position of the
// condition's first character in the file; ok reports whether positions
// inside the text can be computed from it (single-line scalars).
func (p *parser) condition(text string, base ast.Pos, exact bool, det *ast.Detection) ast.Expr {
	at := func(pos lexer.Position) ast.Pos {
		if !exact || pos.Line > 1 {
			return base
		}
		return base.Add(pos.Column - 1)
	}
	if i := strings.IndexByte(text, '|'); i >= 0 {
		pos := base
		if exact {
			pos = base.Add(i)
		}
		p.errs.Addf(pos, "the pipe syntax in conditions (aggregations such as '| count() by' and '| near') is obsolete; write a Sigma correlation rule instead")
		return &ast.BadExpr{From: pos}
	}
	if len(text) > MaxConditionLength {
		p.errs.Addf(base, "condition is %d characters long; the limit is %d", len(text), MaxConditionLength)
		return &ast.BadExpr{From: base}
	}
	if p.conditionText += len(text); p.conditionText > maxConditionText {
		if !p.conditionsReported {
			p.conditionsReported = true
			p.errs.Addf(base, "the conditions of this file are longer than %d characters in all; the rest are not read", maxConditionText)
		}
		return &ast.BadExpr{From: base}
	}
	if strings.TrimSpace(text) == "" {
		p.errs.Addf(base, "empty condition: expected an expression such as 'selection' or '1 of selection_*'")
		return &ast.BadExpr{From: base}
	}
	if d := nesting(text); d > MaxDepth {
		p.errs.Addf(base, "condition is nested %d levels deep (parentheses and 'not'); the limit is %d", d, MaxDepth)
		return &ast.BadExpr{From: base}
	}
	g, ok := parseConditionFast(text)
	if ok {
		return p.lowerOr(g, at, det)
	}
	g, err := condParser.ParseString("", text)
	if err != nil {
		var perr participle.Error
		pos := base
		msg := err.Error()
		if errors.As(err, &perr) {
			pos = at(perr.Position())
			msg = perr.Message()
		}
		p.errs.Addf(pos, "invalid condition %q: %s", text, conditionHint(msg))
		return &ast.BadExpr{From: pos}
	}
	return p.lowerOr(g, at, det)
}

// nesting returns an upper bound of how deeply the parser will recurse:
// the deepest parenthesis nesting plus the number of "not" words.
func nesting(text string) int {
	depth, max, nots := 0, 0, 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '(':
			depth++
			if depth > max {
				max = depth
			}
		case ')':
			depth--
		case 'n':
			if strings.HasPrefix(text[i:], "not") && (i == 0 || !isWordByte(text[i-1])) && (i+3 == len(text) || !isWordByte(text[i+3])) {
				nots++
			}
		}
	}
	return max + nots
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// conditionHint rewrites participle's messages in the words of the
// condition language.
func conditionHint(msg string) string {
	if rest, ok := strings.CutPrefix(strings.TrimPrefix(msg, "lexer: "), "invalid input text "); ok {
		// The lexer stops at a character no token starts with.
		if text, err := strconv.Unquote(rest); err == nil && text != "" {
			r, _ := utf8.DecodeRuneInString(text)
			return fmt.Sprintf("unexpected character %q: expected search identifiers, 'and', 'or', 'not', '1 of', 'all of' and parentheses", r)
		}
	}
	r := strings.NewReplacer(`<word>`, "an identifier", `"("`, "'('", `")"`, "')'", "<EOF>", "end of condition",
		"GOr", "an expression", "GAnd", "an expression", "GNot", "an expression", "GPrimary", "an expression", "GOf", "an expression")
	msg = r.Replace(msg)
	for _, kw := range []string{"AND", "OR", "NOT"} {
		if strings.Contains(msg, `"`+kw+`"`) {
			return msg + fmt.Sprintf(" (keywords are lower case: use '%s')", strings.ToLower(kw))
		}
	}
	return msg
}

func (p *parser) lowerOr(g *gOr, at func(lexer.Position) ast.Pos, det *ast.Detection) ast.Expr {
	if len(g.And) == 1 {
		return p.lowerAnd(g.And[0], at, det)
	}
	x := &ast.Or{OpPos: at(g.Pos)}
	for _, a := range g.And {
		x.X = append(x.X, p.lowerAnd(a, at, det))
	}
	return x
}

func (p *parser) lowerAnd(g *gAnd, at func(lexer.Position) ast.Pos, det *ast.Detection) ast.Expr {
	if len(g.Not) == 1 {
		return p.lowerNot(g.Not[0], at, det)
	}
	x := &ast.And{OpPos: at(g.Pos)}
	for _, n := range g.Not {
		x.X = append(x.X, p.lowerNot(n, at, det))
	}
	return x
}

func (p *parser) lowerNot(g *gNot, at func(lexer.Position) ast.Pos, det *ast.Detection) ast.Expr {
	if g.Not != nil {
		return &ast.Not{NotPos: at(g.Pos), X: p.lowerNot(g.Not, at, det)}
	}
	pr := g.Primary
	pos := at(pr.Pos)
	switch {
	case pr.Paren != nil:
		return &ast.Paren{LparenPos: pos, X: p.lowerOr(pr.Paren, at, det)}
	case pr.Of != nil:
		return p.lowerOf(pr.Of, at(pr.Of.Pos), det)
	default:
		name := *pr.Ident
		if det.Search(name) == nil {
			p.undefined(pos, name, det)
			return &ast.BadExpr{From: pos}
		}
		return &ast.Ident{NamePos: pos, Name: name}
	}
}

func (p *parser) lowerOf(g *gOf, pos ast.Pos, det *ast.Detection) ast.Expr {
	x := &ast.Of{OfPos: pos}
	switch g.Quant {
	case "1", "any":
	case "all":
		x.All = true
	default:
		p.errs.Addf(pos, "invalid quantifier %q: expected '1 of', 'any of' or 'all of'", g.Quant)
		return &ast.BadExpr{From: pos}
	}
	if g.Target == "them" {
		x.Them = true
		for _, s := range det.Searches {
			if !strings.HasPrefix(s.Name, "_") {
				return x
			}
		}
		p.errs.Addf(pos, "'%s of them' refers to no search identifier: every identifier starts with '_'", g.Quant)
		return &ast.BadExpr{From: pos}
	}
	x.Pattern = g.Target
	for _, s := range det.Searches {
		if ast.MatchPattern(x.Pattern, s.Name) {
			return x
		}
	}
	msg := fmt.Sprintf("pattern %q in '%s of %s' matches no search identifier", x.Pattern, g.Quant, x.Pattern)
	if s := suggest.Nearest(strings.TrimSuffix(x.Pattern, "*"), searchNames(det)); s != "" && !strings.Contains(x.Pattern[:len(x.Pattern)-1], "*") {
		msg += fmt.Sprintf(", did you mean '%s*'?", s)
	} else {
		msg += "; defined: " + strings.Join(searchNames(det), ", ")
	}
	p.errs.Add(pos, msg)
	return &ast.BadExpr{From: pos}
}

func (p *parser) undefined(pos ast.Pos, name string, det *ast.Detection) {
	switch name {
	case "AND", "OR", "NOT":
		p.errs.Addf(pos, "unknown identifier %q: condition keywords are lower case, write '%s'", name, strings.ToLower(name))
		return
	}
	names := searchNames(det)
	msg := fmt.Sprintf("undefined search identifier %q in condition", name)
	if s := suggest.Nearest(name, names); s != "" {
		msg += fmt.Sprintf(", did you mean '%s'?", s)
	} else if len(names) > 0 {
		msg += "; defined: " + strings.Join(names, ", ")
	}
	p.errs.Add(pos, msg)
}

func searchNames(det *ast.Detection) []string {
	names := make([]string, len(det.Searches))
	for i, s := range det.Searches {
		names[i] = s.Name
	}
	return names
}
