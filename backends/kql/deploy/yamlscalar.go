package deploy

import (
	"regexp"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/internal/escape"
)

// Scalars of the Sentinel rule files are read by YAML 1.2 readers (Go's
// yaml.v3, js-yaml 4) and by YAML 1.1 readers (PyYAML, which the
// Azure-Sentinel tooling uses). A plain scalar is written only when both
// read it as the same string; anything else is double-quoted, with every
// character that is not printable escaped.

// yaml11Special matches plain scalars that a YAML 1.1 or 1.2 reader
// resolves to something other than a string, or rejects: booleans
// (y/yes/on/off... in 1.1, true/false in both), nulls, the merge key "<<",
// the value key "=", and the special floats.
var yaml11Special = regexp.MustCompile(`^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|<<|=|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)

// plainSafe reports whether s can be written as a plain scalar that every
// YAML 1.1 and 1.2 reader reads back as the string s. It is conservative:
// whatever could start a number, a date or a sexagesimal (a digit, or a
// sign or dot before one) is quoted, as is any indicator character at the
// start, ": " or " #" inside, and any character that is not printable or
// that YAML 1.1 reads as a line break (NEL, LS, PS).
func plainSafe(s string) bool {
	if s == "" || yaml11Special.MatchString(s) {
		return false
	}
	if strings.TrimSpace(s) != s || strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`=<~ .+0123456789") {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	for _, r := range s {
		if !printable(r) || r == '\t' {
			return false
		}
	}
	return true
}

// printable reports whether a YAML reader reads r in a scalar as itself:
// no control characters, no byte order mark, and none of the characters
// that YAML 1.1 treats as line breaks.
func printable(r rune) bool {
	switch r {
	case '\u0085', '\u2028', '\u2029', '\ufeff', unicode.ReplacementChar:
		return false
	}
	return unicode.IsPrint(r)
}

// blockSafe reports whether s, of several lines, can be written as a
// literal block scalar that every reader reads back as s: printable
// characters, tabs and LF only, and no leading white space (which would
// need an indentation indicator).
func blockSafe(s string) bool {
	if s == "" || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' {
		return false
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && !printable(r) {
			return false
		}
	}
	return true
}

// text is a string node written so that every reader reads it as s: a
// literal block when it has several lines and can be one, plain when that
// is safe, double-quoted otherwise.
func text(s string) *yaml.Node {
	n := str(s)
	switch {
	case strings.Contains(s, "\n") && blockSafe(s):
		n.Style = yaml.LiteralStyle
	case !plainSafe(s):
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// literal is a string node written as a literal block when it can be one
// (a query), double-quoted otherwise.
func literal(s string) *yaml.Node {
	n := str(s)
	n.Style = yaml.DoubleQuotedStyle
	if blockSafe(s) {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// escapeComment writes s for a comment line: on one line, with every
// character that is not printable escaped (escape.Unprintable).
func escapeComment(s string) string {
	return escape.Unprintable(strings.Join(strings.Fields(s), " "), printable)
}
