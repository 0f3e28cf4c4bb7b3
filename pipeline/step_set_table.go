package pipeline

// SetTable sets the query table, unless one is set already.
type SetTable struct {
	StepCommon `yaml:"-"`
	Table      string `yaml:"value"`
}

func init() {
	register(stepType{Name: "set_table", Help: "set the query table to value",
		Required: []string{"value"}, New: func() Step { return new(SetTable) }})
}

func (s *SetTable) apply(x *run) {
	if x.res.Table == "" {
		x.res.Table = s.Table
		s.mark(x)
	}
}
