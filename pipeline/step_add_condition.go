package pipeline

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// AddCondition puts a test of Field (a keyword if empty) against Values in
// front of every condition of the rule: "<test> and (<condition>)".
type AddCondition struct {
	StepCommon `yaml:"-"`
	Field      string   `yaml:"field"`
	Values     []string `yaml:"-"`
	Negate     bool     `yaml:"negate"`
}

func init() {
	register(stepType{Name: "add_condition", Help: "add field=value (or a keyword) in front of the condition",
		Required: []string{"value"}, Optional: []string{"field", "negate"}, New: func() Step { return new(AddCondition) }})
}

func (s *AddCondition) decode(d *decoder, n *yaml.Node) {
	if v := value(n, "value"); v != nil {
		s.Values, _ = stringList(v)
	}
}

func (s *AddCondition) apply(x *run) {
	d := x.rule.Detection
	if d == nil {
		return
	}
	x.added++
	name := "_pipeline_" + s.ID + "_" + strconv.Itoa(x.added)
	fm := &ast.FieldMatch{KeyPos: d.DetPos, Field: s.Field, Negate: s.Negate}
	for _, v := range s.Values {
		fm.Values = append(fm.Values, ast.NewString(d.DetPos, v))
	}
	d.Searches = append(d.Searches, &ast.Search{NamePos: d.DetPos, Name: name, Body: fm})
	conds := make([]*ast.Condition, len(d.Conditions))
	for i, c := range d.Conditions {
		nc := *c
		nc.Expr = &ast.And{OpPos: c.TextPos, X: []ast.Expr{&ast.Ident{NamePos: c.TextPos, Name: name}, &ast.Paren{LparenPos: c.TextPos, X: c.Expr}}}
		conds[i] = &nc
	}
	d.Conditions = conds
	s.mark(x)
}
