package pipeline

import (
	"slices"

	"github.com/sigma2kql/sigma2kql/ast"
)

// PrefixFields puts Prefix in front of the field names in Fields, or of
// every field name if Fields is empty.
type PrefixFields struct {
	StepCommon `yaml:"-"`
	Prefix     string   `yaml:"value"`
	Fields     []string `yaml:"fields"`
}

func init() {
	register(stepType{Name: "prefix_fields", Help: "prefix every field name with value",
		Required: []string{"value"}, Optional: []string{"fields"}, New: func() Step { return new(PrefixFields) }})
}

func (s *PrefixFields) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher { return s.field(x, fm) })
}

func (s *PrefixFields) field(x *run, fm *ast.FieldMatch) *ast.FieldMatch {
	if fm.Field != "" && (len(s.Fields) == 0 || slices.Contains(s.Fields, fm.Field)) {
		fm.Field = s.Prefix + fm.Field
		s.mark(x)
	}
	return fm
}
