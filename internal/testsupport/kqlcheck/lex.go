package kqlcheck

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Literal is a string literal of a query, decoded.
type Literal struct {
	Offset int    // byte offset of the opening quote
	Value  string // the decoded value
	Name   bool   // a bracketed name (['...']) rather than a value
}

// Literals splits the string literals out of a KQL query the way sigma2kql
// writes them, and decodes them. It is the pure-Go check of the string
// layer, used where Microsoft's parser (Checker) is too slow, such as under
// fuzzing: it accepts only what the KQL printer may write, and reports
// anything else as an error.
//
// Following the Kusto documentation for the string data type, a literal is
// enclosed in double or single quotes, and a backslash escapes the enclosing
// quote, tab (\t), newline (\n) and itself. The printer also writes \r and
// \uXXXX (both decoded by Kusto.Language) for the other control and line
// separator characters. A raw line break, a raw control character, any
// other escape or a missing closing quote is an error.
func Literals(query string) ([]Literal, error) {
	var out []Literal
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '"' || c == '\'':
			v, n, err := literal(query, i)
			if err != nil {
				return out, err
			}
			out = append(out, Literal{Offset: i, Value: v})
			i += n
		case c == '[' && i+1 < len(query) && (query[i+1] == '\'' || query[i+1] == '"'):
			v, n, err := literal(query, i+1)
			if err != nil {
				return out, err
			}
			if i+1+n >= len(query) || query[i+1+n] != ']' {
				return out, fmt.Errorf("offset %d: bracketed name not closed by ']'", i)
			}
			out = append(out, Literal{Offset: i + 1, Value: v, Name: true})
			i += n + 2
		case c == '@' || c == '`':
			// Verbatim, multi-line and obfuscated literals are never
			// written; '@' and '`' have no other use in a query.
			return out, fmt.Errorf("offset %d: unexpected %q outside a string literal", i, c)
		case c < 0x20 && c != '\n' && c != '\t' && c != '\r':
			return out, fmt.Errorf("offset %d: control character %U outside a string literal", i, rune(c))
		default:
			i++
		}
	}
	return out, nil
}

// literal decodes the quoted literal that starts at s[i]; it returns the
// value and the literal's length in bytes.
func literal(s string, i int) (string, int, error) {
	q := s[i]
	var b strings.Builder
	for j := i + 1; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return "", 0, fmt.Errorf("offset %d: invalid UTF-8 in a string literal", j)
		case r == rune(q):
			return b.String(), j + 1 - i, nil
		case r == '\\':
			if j+1 >= len(s) {
				return "", 0, fmt.Errorf("offset %d: string literal ends with a backslash", j)
			}
			switch e := s[j+1]; e {
			case '\\', '"', '\'':
				b.WriteByte(e)
				j += 2
			case 't':
				b.WriteByte('\t')
				j += 2
			case 'n':
				b.WriteByte('\n')
				j += 2
			case 'r':
				b.WriteByte('\r')
				j += 2
			case 'u':
				if j+6 > len(s) {
					return "", 0, fmt.Errorf("offset %d: short \\u escape", j)
				}
				n, err := strconv.ParseUint(s[j+2:j+6], 16, 16)
				if err != nil {
					return "", 0, fmt.Errorf("offset %d: invalid \\u escape %q", j, s[j:j+6])
				}
				if n >= 0xd800 && n < 0xe000 {
					return "", 0, fmt.Errorf("offset %d: \\u escape of a surrogate %q", j, s[j:j+6])
				}
				b.WriteRune(rune(n))
				j += 6
			default:
				return "", 0, fmt.Errorf("offset %d: escape \\%c is not one the KQL printer writes", j, e)
			}
		case r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029:
			return "", 0, fmt.Errorf("offset %d: raw %U in a string literal", j, r)
		default:
			b.WriteRune(r)
			j += size
		}
	}
	return "", 0, fmt.Errorf("offset %d: string literal not closed", i)
}

// DecodeLiteral decodes the quoted string literal that starts at query[i]
// (a double or single quote) as Literals does, and returns its value and
// its length in bytes, quotes included. The KQL evaluator of the tests
// (internal/testsupport/kqleval) reads literals with it, so that both
// readers agree on the escapes.
func DecodeLiteral(query string, i int) (value string, n int, err error) {
	if i >= len(query) || (query[i] != '"' && query[i] != '\'') {
		return "", 0, fmt.Errorf("offset %d: not the start of a string literal", i)
	}
	return literal(query, i)
}
