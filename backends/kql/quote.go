package kql

import (
	"fmt"
	"strings"
)

// quote returns s as a KQL string literal in double quotes. Backslash and
// double quote are escaped, as are tab, newline and carriage return; other
// control characters and Unicode line separators are written as \uXXXX, so
// that no value can end the literal or the line.
func quote(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '"' || c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// keywords that cannot be used as bare column names.
var reserved = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "has": true, "contains": true,
	"startswith": true, "endswith": true, "between": true, "matches": true, "where": true,
	"true": true, "false": true, "null": true,
}

// quoteName returns a column or table name as a KQL identifier: bare when
// it is a plain identifier, otherwise in brackets: ['Command Line'].
func quoteName(name string) string {
	if isIdent(name) && !reserved[name] {
		return name
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return "['" + r.Replace(name) + "']"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
