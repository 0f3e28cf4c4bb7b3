package pipeline

import (
	"sort"
	"sync"

	"gopkg.in/yaml.v3"
)

// A Column is a column, or a group of columns, that the query computes from
// the table's columns before it tests the rule's condition: the backend
// writes its KQL lines into the query when the rule uses one of its
// columns, and prints the columns' values with their types. A field may be
// mapped to a computed column or to a member of a dynamic one. A Column is
// shared by the results of every rule: it must not be changed.
type Column struct {
	Types map[string]string // the columns it defines: name -> type (string, long, dynamic...)
	Text  string            // the query lines that compute them
}

// ComputedColumn declares a Column: Name = Expression (one column, written
// "| extend Name = Expression"), or Columns and the query lines Query that
// compute them together (parse_xml and mv-apply, for instance).
type ComputedColumn struct {
	StepCommon `yaml:"-"`
	Name       string            `yaml:"name"`
	Expression string            `yaml:"expression"`
	ColumnType string            `yaml:"column_type"`
	Columns    map[string]string `yaml:"columns"`
	Query      string            `yaml:"query"`

	once sync.Once
	col  *Column
}

func init() {
	register(stepType{Name: "computed_column", Help: "a column the query computes before the condition, when a field needs it",
		Required: []string{"name|columns"}, Optional: []string{"expression", "column_type", "query"},
		New: func() Step { return new(ComputedColumn) }})
}

func (s *ComputedColumn) decode(d *decoder, n *yaml.Node) {
	switch {
	case s.Name != "" && (s.Expression == "" || s.Columns != nil || s.Query != ""):
		d.errs.Addf(d.pos(n), "computed_column with name needs expression (and no columns or query)")
	case s.Columns != nil && (s.Query == "" || s.Expression != "" || s.ColumnType != ""):
		d.errs.Addf(d.pos(n), "computed_column with columns needs query, the lines that compute them (and no expression or column_type)")
	}
}

// column returns the step's Column, the same for every rule, so that
// backends may cache what they derive from it.
func (s *ComputedColumn) column() *Column {
	s.once.Do(func() {
		s.col = &Column{Types: s.Columns, Text: s.Query}
		if s.Name != "" {
			typ := s.ColumnType
			if typ == "" {
				typ = "string"
			}
			s.col = &Column{Types: map[string]string{s.Name: typ}, Text: "| extend " + s.Name + " = " + s.Expression}
		}
	})
	return s.col
}

func (s *ComputedColumn) apply(x *run) {
	c := s.column()
	// A later declaration of a name replaces the earlier one.
	names := make([]string, 0, len(c.Types))
	for name := range c.Types {
		names = append(names, name)
	}
	sort.Strings(names)
	kept := x.res.Columns[:0]
	for _, o := range x.res.Columns {
		if !sharesName(o, names) {
			kept = append(kept, o)
		}
	}
	x.res.Columns = append(kept, c)
	s.mark(x)
}

func sharesName(c *Column, names []string) bool {
	for _, n := range names {
		if _, ok := c.Types[n]; ok {
			return true
		}
	}
	return false
}
