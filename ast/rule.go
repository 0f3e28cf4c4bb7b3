package ast

// A Node is any element of a parsed Sigma document. Only types in this
// package implement it.
type Node interface {
	Pos() Pos // position of the first character of the node
	node()
}

// A Document is one YAML document of a Sigma file: a detection Rule, a
// Correlation rule or a Filter.
type Document interface {
	Node
	documentNode()
}

// A File is a parsed Sigma file: its documents in order. Collection
// documents (action: global, reset, repeat) are already applied.
type File struct {
	Name string
	Docs []Document
}

// Meta holds the metadata that rules, correlation rules and filters share.
type Meta struct {
	Title          string
	ID             string
	Name           string
	Related        []Related
	Taxonomy       string
	Status         string
	Description    string
	License        string
	Author         string
	References     []string
	Date           string
	Modified       string
	FalsePositives []string
	Level          string
	Tags           []string
	Scope          []string
	Fields         []string
	Custom         []Attribute // keys the specification does not define, in file order
	KeyPos         map[string]Pos
}

// KeyPosition returns the position of a top-level key, or def.
func (m *Meta) KeyPosition(key string, def Pos) Pos {
	if p, ok := m.KeyPos[key]; ok {
		return p
	}
	return def
}

// A Related links a rule to another one.
type Related struct {
	ID   string
	Type string // derived, obsolete, merged, renamed, similar
}

// An Attribute is a custom top-level key of a rule and its value, decoded
// into plain Go values (string, int64, float64, bool, nil, []any, and
// ordered key/value lists as []Attribute).
type Attribute struct {
	Key   string
	Value any
	Pos   Pos
}

// A Rule is a Sigma detection rule.
type Rule struct {
	DocPos Pos // position of the document's first key
	Meta
	Logsource Logsource
	Detection *Detection
}

// A Logsource describes the log data a rule applies to.
type Logsource struct {
	LogPos     Pos
	Category   string
	Product    string
	Service    string
	Definition string
	Custom     []Attribute
}

// A Detection holds the search identifiers of a rule and its conditions.
type Detection struct {
	DetPos     Pos
	Searches   []*Search    // in the order written
	Conditions []*Condition // one query each
	Timeframe  string       // legacy; kept, not used
	Exclusions []*Exclusion // from Sigma filters: matches to suppress
}

// An Exclusion is the condition of a Sigma filter applied to a rule: the
// events it matches are suppressed from every query of the rule. Its
// identifiers name searches that the filter added to the detection.
type Exclusion struct {
	FilterPos Pos
	Title     string // the filter's title
	Expr      Expr
}

// Search returns the search named name, or nil.
func (d *Detection) Search(name string) *Search {
	for _, s := range d.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// A Search is a search identifier: a name and what it matches.
type Search struct {
	NamePos Pos
	Name    string
	Body    Matcher
}

// A Condition is one condition of a rule: the text as written and its
// parsed expression.
type Condition struct {
	TextPos Pos
	Text    string
	Expr    Expr
}

func (r *Rule) Pos() Pos      { return r.DocPos }
func (d *Detection) Pos() Pos { return d.DetPos }
func (s *Search) Pos() Pos    { return s.NamePos }
func (c *Condition) Pos() Pos { return c.TextPos }
func (l *Logsource) Pos() Pos { return l.LogPos }

func (*Rule) node()      {}
func (*Detection) node() {}
func (*Search) node()    {}
func (*Condition) node() {}
func (*Logsource) node() {}

func (*Rule) documentNode() {}

// ----------------------------------------------------------------------------
// Matchers: what a search identifier matches

// A Matcher is a node of a search identifier's body.
type Matcher interface {
	Node
	matcherNode()
}

// An AllOf matches when all its items match: a YAML map.
type AllOf struct {
	MapPos Pos
	Items  []Matcher
}

// An AnyOf matches when one of its items matches: a YAML list of maps.
type AnyOf struct {
	ListPos Pos
	Items   []Matcher
}

// A FieldMatch is one key of a search map and its values:
// "Field|mod1|mod2: values". A keyword search (a plain list of values, or a
// "|mod" key) is a FieldMatch without Field.
type FieldMatch struct {
	KeyPos    Pos
	Field     string     // "" for keywords
	Modifiers []Modifier // as written
	Values    []Value    // after the modifiers; empty means null
	All       bool       // values are linked with AND (the all modifier)
	Negate    bool       // the neq modifier: the whole match is negated
}

func (m *AllOf) Pos() Pos      { return m.MapPos }
func (m *AnyOf) Pos() Pos      { return m.ListPos }
func (m *FieldMatch) Pos() Pos { return m.KeyPos }

func (*AllOf) node()      {}
func (*AnyOf) node()      {}
func (*FieldMatch) node() {}

func (*AllOf) matcherNode()      {}
func (*AnyOf) matcherNode()      {}
func (*FieldMatch) matcherNode() {}

// HasModifier reports whether m was written with modifier name.
func (m *FieldMatch) HasModifier(name string) bool {
	for _, x := range m.Modifiers {
		if x.Name == name {
			return true
		}
	}
	return false
}

// A Modifier is a value modifier as written after a field name.
type Modifier struct {
	ModPos Pos
	Name   string // canonical name: "contains", "re", "i", ...
}

// CopyMatcher returns a deep copy of m.
func CopyMatcher(m Matcher) Matcher {
	switch m := m.(type) {
	case *AllOf:
		c := &AllOf{MapPos: m.MapPos, Items: make([]Matcher, len(m.Items))}
		for i, x := range m.Items {
			c.Items[i] = CopyMatcher(x)
		}
		return c
	case *AnyOf:
		c := &AnyOf{ListPos: m.ListPos, Items: make([]Matcher, len(m.Items))}
		for i, x := range m.Items {
			c.Items[i] = CopyMatcher(x)
		}
		return c
	case *FieldMatch:
		c := *m
		c.Modifiers = append([]Modifier(nil), m.Modifiers...)
		c.Values = make([]Value, len(m.Values))
		for i, v := range m.Values {
			c.Values[i] = CopyValue(v)
		}
		return &c
	}
	return m
}

// Copy returns a deep copy of the rule's detection; the metadata is shared
// except for the slices a pipeline may change.
func (r *Rule) Copy() *Rule {
	c := *r
	c.Tags = append([]string(nil), r.Tags...)
	c.Fields = append([]string(nil), r.Fields...)
	if r.Detection != nil {
		d := *r.Detection
		d.Searches = make([]*Search, len(r.Detection.Searches))
		for i, s := range r.Detection.Searches {
			d.Searches[i] = &Search{NamePos: s.NamePos, Name: s.Name, Body: CopyMatcher(s.Body)}
		}
		d.Conditions = append([]*Condition(nil), r.Detection.Conditions...)
		d.Exclusions = append([]*Exclusion(nil), r.Detection.Exclusions...)
		c.Detection = &d
	}
	return &c
}

// FieldMatches calls f for every FieldMatch under m in source order.
func FieldMatches(m Matcher, f func(*FieldMatch)) {
	switch m := m.(type) {
	case *AllOf:
		for _, x := range m.Items {
			FieldMatches(x, f)
		}
	case *AnyOf:
		for _, x := range m.Items {
			FieldMatches(x, f)
		}
	case *FieldMatch:
		f(m)
	}
}
