package escape

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// decode reverses Unprintable: the escapes of characters that are not
// printable, and \u005C.
func decode(s string) string {
	return regexp.MustCompile(`\\u[0-9A-F]{4}|\\U[0-9A-F]{8}`).ReplaceAllStringFunc(s, func(e string) string {
		n, _ := strconv.ParseUint(e[2:], 16, 32)
		if r := rune(n); !unicode.IsPrint(r) || r == '\\' {
			return string(r)
		}
		return e
	})
}

func TestUnprintable(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"plain text", "plain text"},
		{"nul\x00cr\rls\u2028", `nul\u0000cr\u000Dls\u2028`},
		{`C:\Windows\`, `C:\Windows\`},
		{`text \u0000 and \u00e9 and \u005C`, `text \u005Cu0000 and \u005Cu00e9 and \u005Cu005C`},
		{"astral \U000E0001", `astral \U000E0001`},
	} {
		got := Unprintable(c.in, unicode.IsPrint)
		if got != c.out {
			t.Errorf("%q: got %q, want %q", c.in, got, c.out)
		}
		for _, r := range got {
			if !unicode.IsPrint(r) {
				t.Errorf("%q: %q holds %U", c.in, got, r)
			}
		}
		if back := decode(got); back != c.in {
			t.Errorf("%q: reads back as %q", c.in, back)
		}
	}
}

func TestBackslash(t *testing.T) {
	for _, c := range []struct{ in, special, out string }{
		{"", `*?`, ""},
		{"plain", `*?`, "plain"},
		{"a*b?c\\", `*?`, `a\*b\?c\`},
		{`"*"\`, `\"*`, `\"\*\"\\`},
		{"é*\xff?", `*?`, "é\\*\xff\\?"},
	} {
		var b strings.Builder
		Backslash(&b, c.in, c.special)
		if got := b.String(); got != c.out {
			t.Errorf("Backslash(%q, %q) = %q, want %q", c.in, c.special, got, c.out)
		}
	}
}
