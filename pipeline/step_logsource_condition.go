package pipeline

// LogsourceCondition puts a test of Field in front of every condition of
// the rule, as add_condition does, with the values that a table gives the
// rule's log source: those of its category in Categories, else those of
// its service in Services. A rule that neither names is left alone. One
// step holds what would otherwise be one add_condition per log source,
// such as the event log channel of every Windows service.
type LogsourceCondition struct {
	StepCommon `yaml:"-"`
	Field      string              `yaml:"field"`
	Categories map[string]NameList `yaml:"categories"`
	Services   map[string]NameList `yaml:"services"`
}

func init() {
	register(stepType{Name: "logsource_condition", Help: "add field = the values a table gives the rule's category or service",
		Required: []string{"field", "categories|services"}, New: func() Step { return new(LogsourceCondition) }})
}

func (s *LogsourceCondition) apply(x *run) {
	ls := x.rule.Logsource
	values, ok := s.Categories[ls.Category]
	if !ok || ls.Category == "" {
		values, ok = s.Services[ls.Service]
		if !ok || ls.Service == "" {
			return
		}
	}
	(&AddCondition{StepCommon: s.StepCommon, Field: s.Field, Values: values}).apply(x)
}
