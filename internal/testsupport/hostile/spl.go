package hostile

import (
	"fmt"
	"strings"
)

// CheckSPL checks that a search runs no subsearch and no macro that the
// backend did not write: outside double-quoted strings (where a backslash
// escapes the next character) it has no "[" and no backtick, except the
// macros named in allowed (written whole, backticks included).
func CheckSPL(search string, allowed ...string) error {
	for _, a := range allowed {
		search = strings.ReplaceAll(search, a, "")
	}
	in := false
	for i := 0; i < len(search); i++ {
		c := search[i]
		switch {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && (c == '[' || c == '`'):
			return fmt.Errorf("byte %d: %q outside a quoted string starts a subsearch or a macro:\n%s", i, c, search)
		}
	}
	if in {
		return fmt.Errorf("unterminated quoted string:\n%s", search)
	}
	return nil
}

// TableFields reads the field list of the search's last "| table"
// command: names separated by commas, each bare or a double-quoted string
// (backslash escapes the next character).
func TableFields(search string) ([]string, error) {
	i := strings.LastIndex(search, "| table ")
	if i < 0 {
		return nil, fmt.Errorf("no | table in %q", search)
	}
	rest := search[i+len("| table "):]
	var out []string
	for rest != "" {
		var f string
		if rest[0] == '"' {
			var b strings.Builder
			j := 1
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\\' && j+1 < len(rest) {
					j++
				}
				b.WriteByte(rest[j])
			}
			if j == len(rest) {
				return nil, fmt.Errorf("unterminated quoted field in %q", rest)
			}
			f, rest = b.String(), rest[j+1:]
		} else {
			j := strings.IndexAny(rest, ", ")
			if j < 0 {
				j = len(rest)
			}
			f, rest = rest[:j], rest[j:]
		}
		out = append(out, f)
		if rest != "" && rest[0] != ',' {
			return nil, fmt.Errorf("text after field %q: %q", f, rest)
		}
		rest = strings.TrimPrefix(rest, ",")
	}
	return out, nil
}
