package ast

// A Correlation is a Sigma correlation rule: it links the matches of other
// rules over time.
type Correlation struct {
	DocPos Pos
	Meta
	Type      string      // event_count, value_count, temporal, temporal_ordered, value_sum, ...
	Rules     []RuleRef   // referenced rules, by id or name
	Aliases   []Alias     // field aliases usable in GroupBy
	GroupBy   []string    // fields the matches are grouped by
	Timespan  string      // as written: "5m", "1h", ...
	Condition *CorrCond   // threshold condition; nil for temporal defaults
	Extended  Expr        // temporal extended condition over rule names, if written as a string
	Generate  bool        // also emit the referenced rules' own queries
	Raw       []Attribute // the correlation map as written
}

// A RuleRef names a rule from a correlation or filter.
type RuleRef struct {
	RefPos Pos
	Name   string
}

// An Alias maps one field name per referenced rule to a common name.
type Alias struct {
	AliasPos Pos
	Name     string
	Fields   []AliasField // in file order
}

// An AliasField is the field an alias stands for in one rule.
type AliasField struct {
	Rule  string
	Field string
}

// A CorrCond is the threshold of a correlation: one or two comparisons
// ("gte: 10", or a range "gt: 100, lte: 200"), and for value_* types the
// field whose values are aggregated.
type CorrCond struct {
	CondPos Pos
	Field   string
	Ops     []CorrOp
}

// A CorrOp is one comparison of a correlation condition.
type CorrOp struct {
	Op    string // gt, gte, lt, lte, eq, neq
	Value *Number
}

// A Filter is a Sigma filter document: a condition added as an exclusion to
// the rules it names.
type Filter struct {
	DocPos Pos
	Meta
	Logsource Logsource
	Rules     []RuleRef // empty with Any set: every rule
	Any       bool
	Detection *Detection
}

func (c *Correlation) Pos() Pos { return c.DocPos }
func (f *Filter) Pos() Pos      { return f.DocPos }

func (*Correlation) node() {}
func (*Filter) node()      {}

func (*Correlation) documentNode() {}
func (*Filter) documentNode()      {}

// Applies reports whether the filter applies to rule r: the filter names
// the rule (by id or name) or any rule, and each of the filter's log source
// keys (category, product, service) is absent or equal to the rule's.
func (f *Filter) Applies(r *Rule) bool {
	named := f.Any
	for _, ref := range f.Rules {
		named = named || ref.Name != "" && (ref.Name == r.ID || ref.Name == r.Name)
	}
	if !named {
		return false
	}
	fl, rl := f.Logsource, r.Logsource
	return (fl.Category == "" || fl.Category == rl.Category) &&
		(fl.Product == "" || fl.Product == rl.Product) &&
		(fl.Service == "" || fl.Service == rl.Service)
}
