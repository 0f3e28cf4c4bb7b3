// Package spl reads the string layer of Splunk searches (SPL) as the splunk
// backend writes them: it splits a search into its commands, finds every
// quoted string, says what the string is to the command that reads it (a
// field value, an element of an IN list, a keyword, a regular expression, a
// string of eval or where...) and decodes it, with what the search command
// then does with an asterisk: a wildcard.
//
// It is the reader of the SPL round-trip test (backends/splunk), and it is
// written from Splunk's documentation, not from the printer:
//
//   - Search Reference, search command, "Quotes and escaping characters":
//     quotation marks must be balanced, an opening quotation mark is
//     followed by an unescaped closing one; values holding spaces, commas,
//     pipes, quotation marks or brackets are quoted. The backslash escapes
//     quotation marks, pipes and itself, and these sequences are expanded
//     inside quotation marks: \" sends a quotation mark to the command, \|
//     a pipe (also outside quotes, where a pipe would otherwise end the
//     command), \\ a backslash. Unrecognized sequences are not altered: \s
//     reaches the command as \s (and \\s as \s).
//   - Search Reference, search command, syntax: a comparison is a field, one
//     of = != < <= > >=, and a value, or "<field> IN (<value-list>)"; a
//     quoted string or term without a field is matched against _raw; the
//     Boolean operators are NOT, OR and AND, with parentheses.
//   - Search Manual, "Wildcards" and "Backslashes": in the search command the
//     asterisk matches any number of characters, and the backslash cannot
//     escape it.
//   - Search Reference, regex and rex: the regular expression is a quoted
//     string (a PCRE pattern), after "<field>=" or "<field>!=" for regex and
//     after "field=<field>" for rex. Search Manual, "SPL and regular
//     expressions": the search string's escapes apply before the pattern
//     reaches PCRE (c:\\\\temp in the search is c:\\temp to PCRE, which
//     matches c:\temp).
//   - Search Manual, "Types of expressions": an eval or where string literal
//     is in double quotation marks, and in it \\ is a backslash and \t a tab
//     ("C:\\windows\temp" is C:\windows, a tab, emp). Search Reference, eval:
//     field names with other characters than letters, digits and "_" are in
//     single quotation marks.
//   - Search Manual, "Add comments to searches": text between ``` and ``` is
//     a comment, which the search processor replaces with a space.
//
// Where the documentation says nothing, the reader assumes the plainest
// reading and the package says so: \" is a quotation mark in eval strings as
// it is in the search command, other sequences there are kept; a field name
// in single quotes escapes ' and \ with a backslash; ``` and ` inside a quoted
// string are text, not a comment or a macro.
package spl

import (
	"fmt"
	"strings"
)

// A Context is what a quoted string is to the command that reads it.
type Context uint8

const (
	Term       Context = iota + 1 // the value of a comparison of the search command: field="value"
	InList                        // an element of "field IN (...)"
	Keyword                       // a quoted string without a field: matched against _raw
	FieldName                     // a field name in double quotes, left of a comparison
	Regex                         // the pattern of | regex
	Rex                           // the pattern of | rex
	EvalString                    // a string literal of eval or where
	EvalField                     // a field name in single quotes in eval or where
	Option                        // another quoted argument: a command option (fillnull_value="null"), a | table name
)

var contextNames = [...]string{Term: "term", InList: "in-list", Keyword: "keyword", FieldName: "field-name", Regex: "regex", Rex: "rex", EvalString: "eval-string", EvalField: "eval-field", Option: "option"}

func (c Context) String() string {
	if int(c) < len(contextNames) && contextNames[c] != "" {
		return contextNames[c]
	}
	return fmt.Sprintf("Context(%d)", c)
}

// A Literal is a quoted string of a search, decoded.
type Literal struct {
	Context Context
	Command string // the command that reads it: "search" (the implied first command and | search), "tstats" (its where clause is a search), "regex", "rex", "eval", "where", ...
	Field   string // Term, InList: the field compared; Regex, Rex: the field matched (_raw by default); Option: the option's name, if any
	Op      string // Term: the comparison operator; Regex: = or !=
	Raw     string // as written, quotation marks included
	Value   string // what the command receives: the text between the quotation marks, its escape sequences expanded
	Offset  int    // byte offset of the opening quotation mark in the search
}

// A Piece is a part of a search-command value as the command matches it:
// a literal text or the wildcard "*".
type Piece struct {
	Wildcard bool
	Text     string
}

// Pattern returns how the search command matches the value of a Term,
// InList or Keyword literal: every asterisk is a wildcard for any number of
// characters (a backslash before it does not make it literal: the
// backslash stays, as a character of the text before), and the rest is
// literal text. A value without asterisks is one text (or no piece when
// empty).
func (l Literal) Pattern() []Piece {
	var out []Piece
	for i, part := range strings.Split(l.Value, "*") {
		if i > 0 {
			out = append(out, Piece{Wildcard: true})
		}
		if part != "" {
			out = append(out, Piece{Text: part})
		}
	}
	return out
}

// PatternString writes pieces for messages: texts quoted, wildcards as *.
func PatternString(pieces []Piece) string {
	var b strings.Builder
	for _, p := range pieces {
		if p.Wildcard {
			b.WriteString(" * ")
		} else {
			fmt.Fprintf(&b, "%q", p.Text)
		}
	}
	return b.String()
}

// Parse splits a search into its commands and returns its quoted strings,
// in order. It accepts the forms the splunk backend writes (search
// expressions, regex, rex, eval, where, tstats ... where ... by, and other
// commands whose quoted arguments are options) and reports anything it
// cannot read as an error: an unbalanced quotation mark or parenthesis, a
// comparison without a value, a regex or rex command without exactly one
// pattern, text after a pattern.
func Parse(search string) ([]Literal, error) {
	cmds, err := split(search)
	if err != nil {
		return nil, err
	}
	var out []Literal
	for i, c := range cmds {
		toks, err := tokenize(search, c.start, c.end, false)
		if err != nil {
			return nil, err
		}
		name := "search" // the implied first command (empty before a leading "|")
		if i > 0 {
			if len(toks) == 0 || toks[0].kind != tWord && toks[0].kind != tMacro {
				return nil, fmt.Errorf("offset %d: a command without a name", c.start)
			}
			name = strings.ToLower(toks[0].text)
			if name == "eval" || name == "where" {
				// Single quotes name fields only in expressions.
				if toks, err = tokenize(search, c.start, c.end, true); err != nil {
					return nil, err
				}
			}
			toks = toks[1:]
		}
		lits, err := command(name, toks)
		if err != nil {
			return nil, err
		}
		out = append(out, lits...)
	}
	return out, nil
}

// A span is one command of a search: search[start:end], after its "|".
type span struct{ start, end int }

// split cuts a search at the pipes that are outside quotation marks,
// comments and macros, and not escaped.
func split(s string) ([]span, error) {
	var out []span
	start := 0
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '"':
			n, err := quotedLen(s, i)
			if err != nil {
				return nil, err
			}
			i += n
		case strings.HasPrefix(s[i:], "```"):
			end := strings.Index(s[i+3:], "```")
			if end < 0 {
				return nil, fmt.Errorf("offset %d: comment not closed by ```", i)
			}
			i += 3 + end + 3
		case c == '`':
			end := strings.IndexByte(s[i+1:], '`')
			if end < 0 {
				return nil, fmt.Errorf("offset %d: macro not closed by `", i)
			}
			i += end + 2
		case c == '\\' && i+1 < len(s) && s[i+1] == '|':
			i += 2
		case c == '|':
			out = append(out, span{start, i})
			start = i + 1
			i++
		default:
			i++
		}
	}
	return append(out, span{start, len(s)}), nil
}

// quotedLen returns the length of the double-quoted string at s[i],
// quotation marks included: a backslash escapes the character after it
// (for the search command only \", \\ and \| are sequences, but whatever
// follows a backslash never ends the string).
func quotedLen(s string, i int) (int, error) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 >= len(s) {
				return 0, fmt.Errorf("offset %d: quoted string not closed: it ends with an escaping backslash", i)
			}
			j++
		case '"':
			return j + 1 - i, nil
		}
	}
	return 0, fmt.Errorf("offset %d: quoted string not closed", i)
}

// decodeSearch expands the escape sequences of the search command in the
// text between the quotation marks: \" \\ \|; other sequences are kept.
func decodeSearch(body string) string {
	if !strings.Contains(body, `\`) {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '\\' && i+1 < len(body) {
			switch body[i+1] {
			case '"', '\\', '|':
				b.WriteByte(body[i+1])
				i++
				continue
			}
		}
		b.WriteByte(body[i])
	}
	return b.String()
}

// decodeEval expands the escape sequences of an eval string literal:
// \\ a backslash and \t a tab (documented), \" a quotation mark (as in the
// search command); other sequences are kept.
func decodeEval(body string) string {
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '\\' && i+1 < len(body) {
			switch body[i+1] {
			case '"', '\\':
				b.WriteByte(body[i+1])
				i++
				continue
			case 't':
				b.WriteByte('\t')
				i++
				continue
			}
		}
		b.WriteByte(body[i])
	}
	return b.String()
}

// decodeName reads a field name in single quotes: \' and \\ escaped.
func decodeName(body string) string {
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '\\' && i+1 < len(body) && (body[i+1] == '\'' || body[i+1] == '\\') {
			i++
		}
		b.WriteByte(body[i])
	}
	return b.String()
}

type tokKind uint8

const (
	tWord   tokKind = iota + 1 // bare text
	tString                    // "..."
	tName                      // '...' (eval and where)
	tPunct                     // ( ) , = != < <= > >= == !
	tMacro                     // `...`
)

type token struct {
	kind tokKind
	text string // as written
	off  int
}

func (t token) is(p string) bool { return t.kind == tPunct && t.text == p }

// body returns the text between the quotes of a tString or tName.
func (t token) body() string { return t.text[1 : len(t.text)-1] }

func (t token) comparison() bool {
	if t.kind != tPunct {
		return false
	}
	switch t.text {
	case "=", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// tokenize reads search[start:end]; names says whether single quotes
// enclose field names (eval and where).
func tokenize(s string, start, end int, names bool) ([]token, error) {
	var out []token
	for i := start; i < end; {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(s[i:end], "```"):
			j := strings.Index(s[i+3:end], "```")
			if j < 0 {
				return nil, fmt.Errorf("offset %d: comment not closed by ```", i)
			}
			i += 3 + j + 3
		case c == '"':
			n, err := quotedLen(s[:end], i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{tString, s[i : i+n], i})
			i += n
		case c == '\'' && names:
			j := i + 1
			for ; j < end && s[j] != '\''; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= end {
				return nil, fmt.Errorf("offset %d: field name in single quotes not closed", i)
			}
			out = append(out, token{tName, s[i : j+1], i})
			i = j + 1
		case c == '`':
			j := strings.IndexByte(s[i+1:end], '`')
			if j < 0 {
				return nil, fmt.Errorf("offset %d: macro not closed by `", i)
			}
			out = append(out, token{tMacro, s[i : i+j+2], i})
			i += j + 2
		case strings.ContainsRune("(),", rune(c)):
			out = append(out, token{tPunct, string(c), i})
			i++
		case strings.ContainsRune("=!<>", rune(c)):
			n := 1
			if i+1 < end && s[i+1] == '=' {
				n = 2
			}
			out = append(out, token{tPunct, s[i : i+n], i})
			i += n
		default:
			j := i
			for j < end {
				d := s[j]
				if d == ' ' || d == '\t' || d == '\n' || d == '\r' || d == '"' || d == '`' || strings.ContainsRune("(),=!<>|", rune(d)) || d == '\'' && names {
					if d == '|' && j > i && s[j-1] == '\\' {
						j++ // \| is a pipe sent to the command
						continue
					}
					break
				}
				j++
			}
			if j == i { // a lone "|" cannot happen after split
				return nil, fmt.Errorf("offset %d: unexpected %q", i, c)
			}
			out = append(out, token{tWord, s[i:j], i})
			i = j
		}
	}
	return out, nil
}

// command reads the arguments of one command.
func command(name string, toks []token) ([]Literal, error) {
	switch name {
	case "search":
		return searchExpr(name, toks)
	case "regex":
		return regexCmd(toks)
	case "rex":
		return rexCmd(toks)
	case "eval", "where":
		var out []Literal
		for _, t := range toks {
			switch t.kind {
			case tString:
				out = append(out, Literal{Context: EvalString, Command: name, Raw: t.text, Value: decodeEval(t.body()), Offset: t.off})
			case tName:
				out = append(out, Literal{Context: EvalField, Command: name, Raw: t.text, Value: decodeName(t.body()), Offset: t.off})
			}
		}
		return out, nil
	case "tstats":
		return tstats(toks)
	}
	return options(name, toks), nil
}

// options returns the quoted arguments of a command as options.
func options(name string, toks []token) []Literal {
	var out []Literal
	for i, t := range toks {
		if t.kind != tString {
			continue
		}
		l := Literal{Context: Option, Command: name, Raw: t.text, Value: decodeSearch(t.body()), Offset: t.off}
		if i >= 2 && toks[i-1].is("=") && toks[i-2].kind == tWord {
			l.Field = toks[i-2].text
		}
		out = append(out, l)
	}
	return out
}

// searchExpr reads the expression of a search command.
func searchExpr(cmd string, toks []token) ([]Literal, error) {
	var out []Literal
	depth := 0
	field := func(t token) string {
		if t.kind == tString {
			out = append(out, Literal{Context: FieldName, Command: cmd, Raw: t.text, Value: decodeSearch(t.body()), Offset: t.off})
			return decodeSearch(t.body())
		}
		return t.text
	}
	operand := func(t token) bool { return t.kind == tWord || t.kind == tString }
	for i := 0; i < len(toks); {
		t := toks[i]
		switch {
		case t.is("("):
			depth++
			i++
		case t.is(")"):
			if depth--; depth < 0 {
				return nil, fmt.Errorf("offset %d: ) without (", t.off)
			}
			i++
		case t.kind == tWord && (t.text == "NOT" || t.text == "OR" || t.text == "AND"):
			i++
		case operand(t) && i+1 < len(toks) && toks[i+1].comparison():
			if i+2 >= len(toks) || !operand(toks[i+2]) {
				return nil, fmt.Errorf("offset %d: comparison %s without a value", toks[i+1].off, toks[i+1].text)
			}
			f, v := field(t), toks[i+2]
			if v.kind == tString {
				out = append(out, Literal{Context: Term, Command: cmd, Field: f, Op: toks[i+1].text, Raw: v.text, Value: decodeSearch(v.body()), Offset: v.off})
			}
			i += 3
		case operand(t) && i+2 < len(toks) && toks[i+1].kind == tWord && toks[i+1].text == "IN" && toks[i+2].is("("):
			f := field(t)
			i += 3
			for {
				if i >= len(toks) || !operand(toks[i]) {
					return nil, fmt.Errorf("offset %d: IN list of %s: a value expected", t.off, f)
				}
				if v := toks[i]; v.kind == tString {
					out = append(out, Literal{Context: InList, Command: cmd, Field: f, Raw: v.text, Value: decodeSearch(v.body()), Offset: v.off})
				}
				if i+1 >= len(toks) {
					return nil, fmt.Errorf("offset %d: IN list of %s not closed", t.off, f)
				}
				i += 2
				if toks[i-1].is(")") {
					break
				}
				if !toks[i-1].is(",") {
					return nil, fmt.Errorf("offset %d: IN list of %s: unexpected %q", toks[i-1].off, f, toks[i-1].text)
				}
			}
		case t.kind == tString:
			out = append(out, Literal{Context: Keyword, Command: cmd, Raw: t.text, Value: decodeSearch(t.body()), Offset: t.off})
			i++
		case t.kind == tWord, t.kind == tMacro:
			i++
		default:
			return nil, fmt.Errorf("offset %d: unexpected %q in a search expression", t.off, t.text)
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("%d parentheses not closed", depth)
	}
	return out, nil
}

// regexCmd reads "[<field>=|!=]"<pattern>"".
func regexCmd(toks []token) ([]Literal, error) {
	l := Literal{Context: Regex, Command: "regex", Field: "_raw", Op: "="}
	switch {
	case len(toks) == 1 && toks[0].kind == tString:
	case len(toks) == 3 && toks[0].kind == tWord && (toks[1].is("=") || toks[1].is("!=")) && toks[2].kind == tString:
		l.Field, l.Op = toks[0].text, toks[1].text
		toks = toks[2:]
	default:
		return nil, fmt.Errorf("regex: want [<field>=|!=]\"<pattern>\", got %s", texts(toks))
	}
	l.Raw, l.Value, l.Offset = toks[0].text, decodeSearch(toks[0].body()), toks[0].off
	return []Literal{l}, nil
}

// rexCmd reads "[field=<field>] [<option>=<value>]... "<pattern>"".
func rexCmd(toks []token) ([]Literal, error) {
	l := Literal{Context: Rex, Command: "rex", Field: "_raw"}
	for len(toks) >= 3 && toks[0].kind == tWord && toks[1].is("=") && toks[2].kind == tWord {
		if toks[0].text == "field" {
			l.Field = toks[2].text
		}
		toks = toks[3:]
	}
	if len(toks) != 1 || toks[0].kind != tString {
		return nil, fmt.Errorf("rex: want one quoted pattern after the options, got %s", texts(toks))
	}
	l.Raw, l.Value, l.Offset = toks[0].text, decodeSearch(toks[0].body()), toks[0].off
	return []Literal{l}, nil
}

// tstats reads "tstats <options> ... where <search> by <fields>": the
// where clause is a search expression.
func tstats(toks []token) ([]Literal, error) {
	where, by := -1, len(toks)
	depth := 0
	for i, t := range toks {
		switch {
		case t.is("("):
			depth++
		case t.is(")"):
			depth--
		case depth == 0 && t.kind == tWord && strings.EqualFold(t.text, "where") && where < 0:
			where = i
		case depth == 0 && t.kind == tWord && strings.EqualFold(t.text, "by") && where >= 0 && by == len(toks):
			by = i
		}
	}
	if where < 0 {
		return options("tstats", toks), nil
	}
	out := options("tstats", toks[:where])
	lits, err := searchExpr("tstats", toks[where+1:by])
	if err != nil {
		return nil, err
	}
	out = append(out, lits...)
	return append(out, options("tstats", toks[by:])...), nil
}

func texts(toks []token) string {
	var s []string
	for _, t := range toks {
		s = append(s, t.text)
	}
	return fmt.Sprintf("%q", s)
}
