package pipeline

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// DropFields removes the items that test one of Fields.
type DropFields struct {
	StepCommon
	Fields []string
}

func init() {
	register(stepType{Name: "drop_fields", Help: "remove the detection items of fields",
		Required: []string{"fields"}, New: func() Step { return new(DropFields) }})
}

func (s *DropFields) decode(d *decoder, n *yaml.Node) {
	var raw struct {
		Fields []string `yaml:"fields"`
	}
	d.decode(n, &raw)
	s.Fields = raw.Fields
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
