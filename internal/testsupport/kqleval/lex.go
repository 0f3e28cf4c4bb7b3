package kqleval

import (
	"fmt"
	"strings"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
)

type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // a name or a keyword, also the word operators (!contains, in~, mv-apply)
	tString         // a string literal, decoded
	tNumber         // an integer or real literal, as written
	tPunct          // an operator or punctuation: == ( ) , | ...
)

type token struct {
	kind tokKind
	text string // the decoded value for tString
	off  int    // byte offset in the query
	end  int    // byte offset after the token
}

// hyphenated lists the operator names written with a dash; the lexer reads
// them as one word.
var hyphenated = map[string]bool{
	"mv-apply": true, "mv-expand": true, "project-away": true, "project-keep": true,
	"project-rename": true, "project-reorder": true, "make-series": true,
}

// punct lists the operators, longest first.
var punct = []string{"==", "!=", "=~", "!~", "<=", ">=", "<>", "=>", "..", "(", ")", "[", "]", "{", "}", ",", "|", ".", ";", ":", "=", "<", ">", "+", "-", "*", "/", "%"}

// lex splits a query into tokens. String literals are decoded by
// kqlcheck.DecodeLiteral (the escapes of the Kusto documentation for the
// string data type) or, for verbatim literals (@"..." and @'...'), here:
// the backslash stands for itself and a doubled quote for one quote.
func lex(q string) ([]token, error) {
	var out []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && strings.HasPrefix(q[i:], "//"):
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			v, n, err := kqlcheck.DecodeLiteral(q, i)
			if err != nil {
				return nil, posErr(q, i, "string literal: %v", err)
			}
			out = append(out, token{tString, v, i, i + n})
			i += n
		case (c == '@' || c == 'h' || c == 'H') && i+1 < len(q) && (q[i+1] == '"' || q[i+1] == '\''):
			// h"..." is an obfuscated literal: the value is the same.
			var v string
			var n int
			var err error
			if c == '@' {
				v, n, err = verbatim(q, i+1)
			} else {
				v, n, err = kqlcheck.DecodeLiteral(q, i+1)
			}
			if err != nil {
				return nil, posErr(q, i, "string literal: %v", err)
			}
			out = append(out, token{tString, v, i, i + n + 1})
			i += n + 1
		case isDigit(c):
			n := number(q[i:])
			out = append(out, token{tNumber, q[i : i+n], i, i + n})
			i += n
		case isWordStart(c) || (c == '!' && i+1 < len(q) && isWordStart(q[i+1])):
			n := word(q, i)
			out = append(out, token{tIdent, q[i : i+n], i, i + n})
			i += n
		default:
			p := ""
			for _, s := range punct {
				if strings.HasPrefix(q[i:], s) {
					p = s
					break
				}
			}
			if p == "" {
				return nil, posErr(q, i, "unexpected character %q", c)
			}
			out = append(out, token{tPunct, p, i, i + len(p)})
			i += len(p)
		}
	}
	return append(out, token{tEOF, "", len(q), len(q)}), nil
}

// word returns the length of the word at q[i]: a name, a '!'-negated word
// operator, with a trailing '~' (in~, !in~) or a dash inside a known
// operator name (mv-apply).
func word(q string, i int) int {
	j := i + 1
	for j < len(q) && isWordChar(q[j]) {
		j++
	}
	if j < len(q) && q[j] == '~' && (q[i:j] == "in" || q[i:j] == "!in") {
		j++
	}
	if j < len(q) && q[j] == '-' {
		k := j + 1
		for k < len(q) && isWordChar(q[k]) {
			k++
		}
		if hyphenated[q[i:k]] {
			j = k
		}
	}
	return j - i
}

// number returns the length of the number at the start of s: digits, an
// optional fraction and exponent.
func number(s string) int {
	j := 0
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	// A unit right after the digits (1d, 0x1F, 10ms) is a timespan or a
	// hexadecimal literal: read it whole so that the parser can name it.
	for j < len(s) && isWordChar(s[j]) {
		j++
	}
	return j
}

// verbatim decodes the verbatim literal whose quote is at q[i]; it returns
// the value and the length from the quote on.
func verbatim(q string, i int) (string, int, error) {
	quote := q[i]
	var b strings.Builder
	for j := i + 1; j < len(q); j++ {
		switch {
		case q[j] == quote && j+1 < len(q) && q[j+1] == quote:
			b.WriteByte(quote)
			j++
		case q[j] == quote:
			return b.String(), j + 1 - i, nil
		case q[j] == '\n' || q[j] == '\r':
			return "", 0, fmt.Errorf("offset %d: raw line break in a verbatim literal", j)
		default:
			b.WriteByte(q[j])
		}
	}
	return "", 0, fmt.Errorf("offset %d: verbatim literal not closed", i)
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isWordStart(c byte) bool { return c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isWordChar(c byte) bool  { return isWordStart(c) || isDigit(c) }

// An Error is a problem of a query, at a line and column of its text.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

func posErr(q string, off int, format string, args ...any) *Error {
	line, col := 1, 1
	for i := 0; i < off && i < len(q); i++ {
		if q[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}
