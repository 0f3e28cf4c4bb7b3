package pipeline

import "gopkg.in/yaml.v3"

// SetState stores Key: Value in the result's State, for the backend.
type SetState struct {
	StepCommon
	Key   string
	Value any // the text of a scalar, else the decoded list or mapping
}

func init() {
	register(stepType{Name: "set_state", Help: "store key: value for the backend",
		Required: []string{"key", "value"}, New: func() Step { return new(SetState) }})
}

func (s *SetState) decode(d *decoder, n *yaml.Node) {
	var raw struct {
		Key string `yaml:"key"`
	}
	d.decode(n, &raw)
	s.Key, s.Value = raw.Key, anyValue(n, "value")
}

func (s *SetState) apply(x *run) {
	x.res.State[s.Key] = s.Value
	s.mark(x)
}
