package splunk

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/escape"
)

// Writing savedsearches.conf so that no rule metadata can change its
// structure. Two readers load it: splunkd, and Splunk's Python conf parser
// (btool, the REST layer), which strips trailing white space before it
// looks for a line continuation. Both take a line that starts with "[" for
// a stanza header, "key = value" for a setting, and a line that ends in a
// backslash as continued on the next one. So:
//
//   - stanza names hold no brackets, no line breaks and nothing that is not
//     printable; the reserved [default] and a name already used get a
//     number, "Title (2)", compared without case (confNames);
//   - free text (the description) is split at every character that some
//     reader takes for a line break (CR alone, VT, FF, NEL, LS, PS...), and
//     every other character that is not printable is written \uXXXX, as is
//     a backslash that ends it (\u005C);
//   - a search whose last line ends in a backslash is followed by a comment
//     line: a reader that strips the guard space continues into the
//     comment, never into the next setting;
//   - a search that holds a control character other than a line break or
//     a tab is refused: SPL has no escape for it.

// confStanzaName is a rule title as a stanza name.
func confStanzaName(title string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r == '[' || r == ']':
			return -1
		case !unicode.IsPrint(r):
			return ' '
		}
		return r
	}, title)
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "Untitled rule"
	}
	return name
}

// reservedStanzas are the stanza names Splunk gives a meaning of its own.
var reservedStanzas = []string{"default"}

// confNames gives each stanza a name no other stanza has: a taken or
// reserved name gets the first free number, "Title (2)", "Title (3)"...
// Names are compared without case.
type confNames map[string]bool

func newConfNames() confNames {
	n := confNames{}
	for _, r := range reservedStanzas {
		n[r] = true
	}
	return n
}

func (n confNames) unique(name string) string {
	out := name
	for i := 2; n[strings.ToLower(out)]; i++ {
		out = fmt.Sprintf("%s (%d)", name, i)
	}
	n[strings.ToLower(out)] = true
	return out
}

// isConfBreak reports whether some reader of .conf files ends a line at r:
// LF, CR, VT, FF, the file, group and record separators, NEL, LS and PS.
func isConfBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// confTextLines splits free text into the lines of a value: at every line
// break (CR LF counts once), without the empty lines at the end, with
// every character that is not printable written \uXXXX, and a backslash
// that ends the text written \u005C, so that it ends no line of the file.
func confTextLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := splitFunc(s, isConfBreak)
	for len(lines) > 1 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = escape.Unprintable(l, unicode.IsPrint)
	}
	last := len(lines) - 1
	if t, ok := strings.CutSuffix(lines[last], `\`); ok {
		lines[last] = t + `\u005C`
	}
	return lines
}

// splitFunc splits s at every rune for which sep is true.
func splitFunc(s string, sep func(rune) bool) []string {
	var out []string
	start := 0
	for i, r := range s {
		if sep(r) {
			out = append(out, s[start:i])
			start = i + len(string(r))
		}
	}
	return append(out, s[start:])
}

// confGuard follows a value whose last line ends in a backslash.
const confGuard = "# (the setting above ends with a backslash)\n"

// writeConfSetting writes "key = value" of the lines of a value, each line
// but the last ending in " \" (a continuation). A line break inside a line
// (a value of the search may hold one) is a continuation too, without the
// space, so that the setting goes on and keeps the break. A last line that
// ends in a backslash gets a space, for splunkd, and the guard comment,
// for a reader that strips the space.
func writeConfSetting(w *strings.Builder, key string, lines []string) {
	escaped := make([]string, len(lines))
	for i, l := range lines {
		escaped[i] = strings.ReplaceAll(l, "\n", "\\\n")
	}
	v := strings.Join(escaped, " \\\n")
	fmt.Fprintf(w, "%s = %s", key, v)
	if strings.HasSuffix(v, `\`) {
		w.WriteString(" \n" + confGuard)
		return
	}
	w.WriteByte('\n')
}

// checkConfSearch returns an error when a search holds a character that a
// .conf file cannot carry: a control character other than a line break
// (kept by a continuation) or a tab, or a character some reader takes for
// a line break.
func checkConfSearch(pos ast.Pos, lines []string) error {
	for _, l := range lines {
		for _, r := range l {
			if r == '\n' || r == '\t' {
				continue
			}
			if unicode.IsControl(r) || isConfBreak(r) {
				return ast.Errorf(pos, "the search holds the control character U+%04X, which savedsearches.conf cannot carry (a reader would end the line there or drop it) and SPL cannot escape: convert this rule with -f default", r)
			}
		}
	}
	return nil
}
