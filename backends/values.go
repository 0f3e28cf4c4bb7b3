package backends

import (
	"fmt"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// regexMeta are the metacharacters of regular expressions (those that
// regexp.QuoteMeta escapes).
const regexMeta = `\.+*?()|[]{}^$`

// WildcardRegex returns the regular expression of the parts of a Sigma
// string: literal text with the metacharacters of regular expressions
// escaped, "*" as ".*" and "?" as ".". With hexControls, control
// characters are written as \xhh, for targets whose queries must hold
// none; otherwise they stay as they are, for targets that escape them in
// the string literal of the expression. The expression is not anchored.
func WildcardRegex(parts []ast.Part, hexControls bool) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ast.Literal:
			for _, c := range p.Text {
				switch {
				case strings.ContainsRune(regexMeta, c):
					b.WriteByte('\\')
					b.WriteRune(c)
				case hexControls && (c < 0x20 || c == 0x7f):
					fmt.Fprintf(&b, `\x%02x`, c)
				default:
					b.WriteRune(c)
				}
			}
		case ast.WildcardMulti:
			b.WriteString(".*")
		case ast.WildcardSingle:
			b.WriteByte('.')
		}
	}
	return b.String()
}

// PlaceholderError returns the error for a string that still holds
// %placeholders% (no pipeline or --placeholder gave them a value), or nil.
func PlaceholderError(v *ast.String) error {
	if !v.HasPlaceholders() {
		return nil
	}
	var names []string
	for _, part := range v.Parts {
		if part.Kind == ast.Placeholder {
			names = append(names, "%"+part.Text+"%")
		}
	}
	return ast.Errorf(v.ValuePos, "placeholder %s has no value: give one with --placeholder NAME=value,... or a pipeline's vars", strings.Join(names, ", "))
}

// RegexText returns the pattern of a regular expression with its flags in
// front, as an inline group: (?i)pattern.
func RegexText(v *ast.Regex) string {
	if v.Flags == "" {
		return v.Pattern
	}
	return "(?" + v.Flags + ")" + v.Pattern
}
