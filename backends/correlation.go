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
