package pipeline

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// ReplacePrefix replaces a case-insensitive Prefix of the values of Fields
// by Replacement.
type ReplacePrefix struct {
	StepCommon  `yaml:"-"`
	Fields      []string `yaml:"fields"`
	Prefix      string   `yaml:"prefix"`
	Replacement string   `yaml:"replacement"`
	// ReparseText rebuilds every value from its text as the reference
	// pipelines do (see replace).
	ReparseText bool `yaml:"reparse_text"`
}

func init() {
	register(stepType{Name: "replace_prefix", Help: "replace a case-insensitive prefix of values",
		Required: []string{"fields", "prefix"}, Optional: []string{"replacement", "reparse_text"},
		New: func() Step { return new(ReplacePrefix) }})
}

func (s *ReplacePrefix) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		return s.replace(v)
	})
}

// replace replaces a case-insensitive prefix of a value's text. With
// ReparseText it reproduces the reference pipelines exactly: every value of
// the field is rebuilt from its text with backslashes doubled except before
// a wildcard, so a backslash right before a wildcard is lost and the
// wildcard becomes a literal character.
func (s *ReplacePrefix) replace(v ast.Value) []ast.Value {
	switch v.(type) {
	case *ast.String, *ast.Number:
	default:
		return nil
	}
	str, isStr := v.(*ast.String)
	if !s.ReparseText {
		if !isStr || len(str.Parts) == 0 || str.Parts[0].Kind != ast.Literal || !hasPrefixFold(str.Parts[0].Text, s.Prefix) {
			return nil
		}
		c := str.Copy()
		c.Parts[0].Text = s.Replacement + c.Parts[0].Text[len(s.Prefix):]
		return []ast.Value{c}
	}
	text, _ := ast.ValueText(v)
	if hasPrefixFold(text, s.Prefix) {
		text = s.Replacement + text[len(s.Prefix):]
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		b.WriteByte(text[i])
		if text[i] == '\\' && (i+1 >= len(text) || text[i+1] != '*' && text[i+1] != '?') {
			b.WriteByte('\\')
		}
	}
	n := ast.ParseString(v.Pos(), b.String())
	if isStr {
		n.Cased = str.Cased
	}
	return []ast.Value{n}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
