package pipeline

import "gopkg.in/yaml.v3"

// SetState stores Key: Value in the result's State, for the backend.
type SetState struct {
	StepCommon `yaml:"-"`
	Key        string `yaml:"key"`
	Value      any    `yaml:"-"` // the text of a scalar, else the decoded list or mapping
}

func init() {
	register(stepType{Name: "set_state", Help: "store key: value for the backend",
		Required: []string{"key", "value"}, New: func() Step { return new(SetState) }})
}

func (s *SetState) decode(d *decoder, n *yaml.Node) {
	s.Value = anyValue(n, "value")
}

func (s *SetState) apply(x *run) {
	x.res.State[s.Key] = s.Value
	s.mark(x)
}
