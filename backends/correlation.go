package backends

import (
	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A Correlation is a correlation rule with its references resolved: the
// rules (processed by the pipelines) and nested correlations it links.
type Correlation struct {
	Doc    *ast.Correlation
	Inputs []*CorrelationInput
}

// A CorrelationInput is one rule or correlation that a correlation
// references, in the order of its rules list.
type CorrelationInput struct {
	Ref         string              // the reference as written: a name or an id
	Name        string              // the referenced document's name, or its id
	Rule        *pipeline.Result    // a referenced rule, processed; nil for a correlation
	Correlation *Correlation        // a referenced correlation; nil for a rule
	MapField    func(string) string // the field names of this input's events
}

// A CorrelationConverter is a backend that can convert correlation rules.
type CorrelationConverter interface {
	// ConvertCorrelation returns the queries of a resolved correlation.
	ConvertCorrelation(c *Correlation, format string) ([]string, error)
}

// TimeColumn returns the event time column of the correlation's events,
// from the pipelines of its first rule; "TimeGenerated" (Log Analytics)
// when no pipeline says.
func (c *Correlation) TimeColumn() string {
	for _, in := range c.Inputs {
		if in.Rule != nil && in.Rule.TimeColumn != "" {
			return in.Rule.TimeColumn
		}
		if in.Correlation != nil {
			return in.Correlation.TimeColumn()
		}
	}
	return "TimeGenerated"
}

// A Matched is a leaf of the condition of a temporal correlation written
// as an expression over its rules (see Correlation.Condition): the rule
// or correlation of one input matched in the window and group.
type Matched struct {
	Pos   ast.Pos
	Input *CorrelationInput
}

func (*Matched) node() {}

// Condition resolves the condition of a temporal correlation written as an
// expression over the names of its rules (Doc.Extended) to a tree of And,
// Or, Not and Matched, in which "1 of" and "all of" stand for the
// references they match; nil when the correlation has no such condition.
// A name that is no reference of the correlation is an error.
func (c *Correlation) Condition() (Node, error) {
	if c.Doc.Extended == nil {
		return nil, nil
	}
	s := &correlationScope{c: c}
	n := resolve(s, c.Doc.Extended, false)
	return n, s.errs.Err()
}

// A correlationScope resolves the names of a correlation's condition to
// its inputs.
type correlationScope struct {
	c    *Correlation
	errs ast.ErrorList
}

func (s *correlationScope) ident(x *ast.Ident, _ bool) Node {
	in := s.c.Inputs
	for i := len(in) - 1; i >= 0; i-- { // the last one, if two have the name
		if x.Name == in[i].Ref || x.Name == in[i].Name {
			return &Matched{Pos: x.NamePos, Input: in[i]}
		}
	}
	s.errs.Addf(x.NamePos, "%q is not a rule of the correlation", x.Name)
	return &Empty{Pos: x.NamePos}
}

func (s *correlationScope) of(x *ast.Of, _ bool) []Node {
	var args []Node
	for _, in := range s.c.Inputs {
		if x.Them || ast.MatchPattern(x.Pattern, in.Ref) {
			args = append(args, &Matched{Pos: x.OfPos, Input: in})
		}
	}
	if len(args) == 0 {
		s.errs.Addf(x.OfPos, "%q matches no rule of the correlation", x.Pattern)
	}
	return args
}
