package pipeline

import "gopkg.in/yaml.v3"

// Fail rejects the rule with Message, in which {table}, {category},
// {product} and {service} are filled.
type Fail struct {
	StepCommon
	Message string
}

func init() {
	register(stepType{Name: "fail", Help: "reject the rule with message",
		Required: []string{"message"}, New: func() Step { return new(Fail) }})
}

func (s *Fail) decode(d *decoder, n *yaml.Node) {
	var raw struct {
		Message string `yaml:"message"`
	}
	d.decode(n, &raw)
	s.Message = raw.Message
}

func (s *Fail) apply(x *run) {
	x.errs.Add(x.rulePos(), expand(s.Message, x))
}
