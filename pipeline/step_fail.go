package pipeline

// Fail rejects the rule with Message, in which {table}, {category},
// {product} and {service} are filled.
type Fail struct {
	StepCommon `yaml:"-"`
	Message    string `yaml:"message"`
}

func init() {
	register(stepType{Name: "fail", Help: "reject the rule with message",
		Required: []string{"message"}, New: func() Step { return new(Fail) }})
}

func (s *Fail) apply(x *run) {
	x.errs.Add(x.rulePos(), expand(s.Message, x))
}
