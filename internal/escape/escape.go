// Package escape writes text so that it reads back exactly: for places
// that can only hold printable characters, such as a comment line of a
// YAML file or a value of a Splunk .conf file, and for syntaxes that mark
// their special characters with a backslash.
package escape

import (
	"fmt"
	"regexp"
	"strings"
)

// unicodeEscapeRx matches text that starts like a \uXXXX escape.
var unicodeEscapeRx = regexp.MustCompile(`^\\u[0-9A-Fa-f]{4}`)

// Unprintable writes every character of s for which printable is false as
// \uXXXX (\UXXXXXXXX beyond the Basic Multilingual Plane), and a backslash
// that would read as the start of such an escape as \u005C. Decoding the
// escapes of non-printable characters and \u005C gives s back.
func Unprintable(s string, printable func(rune) bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case !printable(r) && r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08X`, r)
		case !printable(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		case r == '\\' && unicodeEscapeRx.MatchString(s[i:]):
			b.WriteString(`\u005C`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Backslash writes s to b with a backslash before each of its characters
// that is in special (ASCII characters only): a Sigma literal's "*" and
// "?", or an SPL value's backslash, double quote and "*".
func Backslash(b *strings.Builder, s, special string) {
	for {
		i := strings.IndexAny(s, special)
		if i < 0 {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		b.WriteByte('\\')
		b.WriteByte(s[i])
		s = s[i+1:]
	}
}
