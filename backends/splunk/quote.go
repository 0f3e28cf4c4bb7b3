package splunk

import (
	"strings"
	"unicode"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/internal/escape"
)

// quoteText returns s as an SPL string literal: in double quotes, with
// backslash and double quote escaped by a backslash.
func quoteText(s string) string {
	if !strings.ContainsAny(s, `\"`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteByte('"')
	escape.Backslash(&b, s, `\"`)
	b.WriteByte('"')
	return b.String()
}

// quoteValue returns a Sigma string as an SPL search value in double
// quotes. Both wildcards become "*": the search command has no wildcard for
// exactly one character, so "?" matches more than Sigma says. It has no
// escape for a literal asterisk either; like the reference, a literal "*"
// is written as "\*". Backslash and double quote are escaped.
func quoteValue(s *ast.String) string {
	var b strings.Builder
	writeValue(&b, s)
	return b.String()
}

// writeValue writes s to b as quoteValue returns it.
func writeValue(b *strings.Builder, s *ast.String) {
	n := 2
	for _, p := range s.Parts {
		n += len(p.Text) + 1
	}
	b.Grow(n + n/8)
	b.WriteByte('"')
	for _, p := range s.Parts {
		switch p.Kind {
		case ast.Literal:
			escape.Backslash(b, p.Text, `\"*`)
		case ast.WildcardMulti, ast.WildcardSingle:
			b.WriteByte('*')
		}
	}
	b.WriteByte('"')
}

// quoteField returns a field name for the search command: bare when it
// holds only letters, digits, "_" and ".", otherwise in double quotes.
func quoteField(name string) string {
	if isPlainName(name) {
		return name
	}
	return quoteText(name)
}

func isPlainName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r != '_' && r != '.' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// evalField returns a field name for eval and where expressions, where
// names are written in single quotes.
func evalField(name string) string {
	return "'" + evalEscaper.Replace(name) + "'"
}

var evalEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// regexValue returns a regular expression, with its flags as an inline
// group, as an SPL string literal.
func regexValue(v *ast.Regex) string {
	return quoteText(backends.RegexText(v))
}
