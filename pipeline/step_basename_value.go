package pipeline

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// BasenameValue keeps only the file name of the path values of Fields.
type BasenameValue struct {
	StepCommon `yaml:"-"`
	Fields     []string `yaml:"fields"`
}

func init() {
	register(stepType{Name: "basename_value", Help: "keep only the file name of path values",
		Required: []string{"fields"}, New: func() Step { return new(BasenameValue) }})
}

func (s *BasenameValue) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		text, ok := ast.ValueText(v)
		if !ok {
			return nil
		}
		if i := strings.LastIndexByte(text, '\\'); i >= 0 {
			text = text[i+1:]
		}
		if i := strings.LastIndexByte(text, '/'); i >= 0 {
			text = text[i+1:]
		}
		return []ast.Value{ast.ParseString(v.Pos(), text)}
	})
}
