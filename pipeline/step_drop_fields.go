package pipeline

import (
	"slices"

	"github.com/sigma2kql/sigma2kql/ast"
)

// DropFields removes the items that test one of Fields.
type DropFields struct {
	StepCommon `yaml:"-"`
	Fields     []string `yaml:"fields"`
}

func init() {
	register(stepType{Name: "drop_fields", Help: "remove the detection items of fields",
		Required: []string{"fields"}, New: func() Step { return new(DropFields) }})
}

func (s *DropFields) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field != "" && slices.Contains(s.Fields, fm.Field) {
			s.mark(x)
			return nil
		}
		return fm
	})
}
