package ast

import (
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/internal/escape"
)

// A Value is the typed value of a field match after its modifiers were
// applied: a string with wildcards, a number, a regular expression, a CIDR
// network, a field reference, and so on.
type Value interface {
	Node
	valueNode()
}

// ----------------------------------------------------------------------------
// Strings

// A PartKind says what a part of a String is.
type PartKind uint8

const (
	Literal        PartKind = iota // literal text
	WildcardMulti                  // "*": any run of characters
	WildcardSingle                 // "?": exactly one character
	Placeholder                    // "%name%" under the expand modifier
)

// A Part is one piece of a String.
type Part struct {
	Kind PartKind
	Text string // the text of a Literal, the name of a Placeholder
}

// A String is a Sigma string value: literal text interleaved with
// wildcards (and placeholders). Sigma strings match case-insensitively
// unless Cased is set.
type String struct {
	ValuePos Pos
	Parts    []Part // adjacent literals are merged; no empty literal
	Cased    bool   // the cased modifier: match case-sensitively
	Bytes    bool   // each rune of the literals is one byte (after a utf16 modifier)
}

// NewString returns a String holding the literal text s.
func NewString(pos Pos, s string) *String {
	v := &String{ValuePos: pos}
	if s != "" {
		v.Parts = []Part{{Kind: Literal, Text: s}}
	}
	return v
}

// ParseString reads s with Sigma's escaping rules: "*" and "?" are
// wildcards; a backslash makes a following "*", "?" or backslash literal;
// any other backslash, a trailing one included, is itself literal.
//
// Literal parts without escapes are substrings of s: ParseString runs on
// every string value of every rule.
func ParseString(pos Pos, s string) *String {
	v := &String{ValuePos: pos}
	if strings.IndexAny(s, `*?\`) < 0 {
		if s != "" {
			v.Parts = []Part{{Kind: Literal, Text: s}}
		}
		return v
	}
	// Room for every wildcard and the literals between them, and for a
	// wildcard that contains or endswith appends.
	n := strings.Count(s, "*") + strings.Count(s, "?")
	v.Parts = make([]Part, 0, 2*n+2)
	start := 0     // start of the current literal in s
	var lit []byte // the current literal, when it has escapes
	flush := func(end int) {
		switch {
		case lit != nil:
			lit = append(lit, s[start:end]...)
			v.Parts = append(v.Parts, Part{Kind: Literal, Text: string(lit)})
			lit = nil
		case end > start:
			v.Parts = append(v.Parts, Part{Kind: Literal, Text: s[start:end]})
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				// Drop the backslash: the literal no longer is a
				// substring of s.
				lit = append(lit, s[start:i]...)
				start = i + 1
				i++
			}
		case '*', '?':
			flush(i)
			start = i + 1
			k := WildcardMulti
			if c == '?' {
				k = WildcardSingle
			}
			v.Parts = append(v.Parts, Part{Kind: k})
		}
	}
	flush(len(s))
	return v
}

// Append adds a part at the end, merging adjacent literals.
func (s *String) Append(p Part) {
	if p.Kind == Literal {
		if p.Text == "" {
			return
		}
		if n := len(s.Parts); n > 0 && s.Parts[n-1].Kind == Literal {
			s.Parts[n-1].Text += p.Text
			return
		}
	}
	s.Parts = append(s.Parts, p)
}

// Prepend adds a part at the start, merging adjacent literals.
func (s *String) Prepend(p Part) {
	if p.Kind == Literal {
		if p.Text == "" {
			return
		}
		if len(s.Parts) > 0 && s.Parts[0].Kind == Literal {
			s.Parts[0].Text = p.Text + s.Parts[0].Text
			return
		}
	}
	// A new slice, with room for a part that contains appends next.
	parts := make([]Part, 0, len(s.Parts)+2)
	s.Parts = append(append(parts, p), s.Parts...)
}

// Copy returns a deep copy of s.
func (s *String) Copy() *String {
	c := *s
	c.Parts = append([]Part(nil), s.Parts...)
	return &c
}

// IsPlain reports whether s holds no wildcards and no placeholders.
func (s *String) IsPlain() bool {
	for _, p := range s.Parts {
		if p.Kind != Literal {
			return false
		}
	}
	return true
}

// HasWildcards reports whether s holds a "*" or "?" wildcard.
func (s *String) HasWildcards() bool {
	for _, p := range s.Parts {
		if p.Kind == WildcardMulti || p.Kind == WildcardSingle {
			return true
		}
	}
	return false
}

// HasPlaceholders reports whether s holds a placeholder.
func (s *String) HasPlaceholders() bool {
	for _, p := range s.Parts {
		if p.Kind == Placeholder {
			return true
		}
	}
	return false
}

// ExpandPlaceholders returns s with each placeholder replaced by each of
// its values (a value is Sigma text: its wildcards are wildcards), one
// string per combination, in order. values gives a placeholder's values;
// when it has none, ExpandPlaceholders returns nil and that placeholder's
// name.
func (s *String) ExpandPlaceholders(values func(name string) ([]string, bool)) ([]*String, string) {
	alts := []*String{{ValuePos: s.ValuePos, Cased: s.Cased, Bytes: s.Bytes}}
	for _, p := range s.Parts {
		if p.Kind != Placeholder {
			for _, a := range alts {
				a.Append(p)
			}
			continue
		}
		vals, ok := values(p.Text)
		if !ok {
			return nil, p.Text
		}
		next := make([]*String, 0, len(alts)*len(vals))
		for _, a := range alts {
			for _, v := range vals {
				c := a.Copy()
				for _, q := range ParseString(s.ValuePos, v).Parts {
					c.Append(q)
				}
				next = append(next, c)
			}
		}
		alts = next
	}
	return alts, ""
}

// Plain returns the literal text of s, leaving out wildcards.
func (s *String) Plain() string {
	if len(s.Parts) == 1 && s.Parts[0].Kind == Literal {
		return s.Parts[0].Text
	}
	var b strings.Builder
	for _, p := range s.Parts {
		if p.Kind == Literal {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// StartsWith reports whether the first part has kind k.
func (s *String) StartsWith(k PartKind) bool { return len(s.Parts) > 0 && s.Parts[0].Kind == k }

// EndsWith reports whether the last part has kind k.
func (s *String) EndsWith(k PartKind) bool {
	return len(s.Parts) > 0 && s.Parts[len(s.Parts)-1].Kind == k
}

// Text returns the text form of s: wildcards as "*" and "?", a literal "*"
// or "?" escaped with a backslash, every other character as itself, and a
// placeholder as "%name%". ParseString reads most text forms back.
func (s *String) Text() string {
	if len(s.Parts) == 1 && s.Parts[0].Kind == Literal && strings.IndexAny(s.Parts[0].Text, "*?") < 0 {
		return s.Parts[0].Text // most values: the text as it is
	}
	var b strings.Builder
	b.Grow(s.textSize())
	for _, p := range s.Parts {
		switch p.Kind {
		case Literal:
			escape.Backslash(&b, p.Text, "*?")
		case WildcardMulti:
			b.WriteByte('*')
		case WildcardSingle:
			b.WriteByte('?')
		case Placeholder:
			b.WriteString("%" + p.Text + "%")
		}
	}
	return b.String()
}

// textSize is the size of the text form of s without escapes: the room
// that Text needs for most values.
func (s *String) textSize() int {
	n := 0
	for _, p := range s.Parts {
		n += len(p.Text) + 2 // a wildcard, or a placeholder's "%"s
	}
	return n
}

// Source returns s written back in Sigma rule syntax, so that ParseString
// gives s again.
func (s *String) Source() string {
	var b strings.Builder
	for _, p := range s.Parts {
		switch p.Kind {
		case Literal:
			for i := 0; i < len(p.Text); i++ {
				c := p.Text[i]
				if c == '*' || c == '?' || c == '\\' && (i+1 == len(p.Text) || strings.IndexByte(`*?\`, p.Text[i+1]) >= 0) {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
		case WildcardMulti:
			b.WriteByte('*')
		case WildcardSingle:
			b.WriteByte('?')
		case Placeholder:
			b.WriteString("%" + p.Text + "%")
		}
	}
	return b.String()
}

// ----------------------------------------------------------------------------
// Other values

// A Number is an integer or floating-point value written without quotes.
type Number struct {
	ValuePos Pos
	Text     string // canonical text: "4", "4.5"
	Float    bool   // written with a decimal point or exponent
}

// Int returns the value as an integer and whether it is one.
func (n *Number) Int() (int64, bool) {
	if n.Float {
		return 0, false
	}
	i, err := strconv.ParseInt(n.Text, 10, 64)
	return i, err == nil
}

// A Bool is true or false written without quotes.
type Bool struct {
	ValuePos Pos
	Value    bool
}

// A Null is the null value: the field is empty or missing.
type Null struct {
	ValuePos Pos
}

// A Regex is a regular expression (the re modifier).
type Regex struct {
	ValuePos Pos
	Pattern  string
	Flags    string // some of "i", "m", "s" in that order
}

// A CIDR is a network in CIDR notation (the cidr modifier).
type CIDR struct {
	ValuePos Pos
	Network  string
	IPv6     bool
}

// A MatchKind says how a field reference compares.
type MatchKind uint8

const (
	MatchEqual MatchKind = iota
	MatchContains
	MatchStartsWith
	MatchEndsWith
)

// A FieldRef compares the field with another field of the same event (the
// fieldref modifier).
type FieldRef struct {
	ValuePos Pos
	Field    string
	Match    MatchKind
	Cased    bool
}

// An Exists tests whether the field is present (the exists modifier).
type Exists struct {
	ValuePos Pos
	Exists   bool
}

// A CompareOp is a numeric comparison operator.
type CompareOp uint8

const (
	Less CompareOp = iota
	LessEqual
	Greater
	GreaterEqual
)

var compareOps = [...]string{"<", "<=", ">", ">="}

func (op CompareOp) String() string { return compareOps[op] }

// A Compare compares the field with a number (lt, lte, gt, gte).
type Compare struct {
	ValuePos Pos
	Op       CompareOp
	Number   *Number
}

// A TimePart compares one part of a timestamp field with a number (the
// minute, hour, day, week, month and year modifiers).
type TimePart struct {
	ValuePos Pos
	Part     string // "minute", "hour", ...
	Number   *Number
}

// An Expansion is one written value that stands for several alternatives
// (base64offset, windash). Under the all modifier the alternatives still
// form one OR group.
type Expansion struct {
	ValuePos Pos
	Values   []Value
}

func (v *String) Pos() Pos    { return v.ValuePos }
func (v *Number) Pos() Pos    { return v.ValuePos }
func (v *Bool) Pos() Pos      { return v.ValuePos }
func (v *Null) Pos() Pos      { return v.ValuePos }
func (v *Regex) Pos() Pos     { return v.ValuePos }
func (v *CIDR) Pos() Pos      { return v.ValuePos }
func (v *FieldRef) Pos() Pos  { return v.ValuePos }
func (v *Exists) Pos() Pos    { return v.ValuePos }
func (v *Compare) Pos() Pos   { return v.ValuePos }
func (v *TimePart) Pos() Pos  { return v.ValuePos }
func (v *Expansion) Pos() Pos { return v.ValuePos }

func (*String) node()    {}
func (*Number) node()    {}
func (*Bool) node()      {}
func (*Null) node()      {}
func (*Regex) node()     {}
func (*CIDR) node()      {}
func (*FieldRef) node()  {}
func (*Exists) node()    {}
func (*Compare) node()   {}
func (*TimePart) node()  {}
func (*Expansion) node() {}

func (*String) valueNode()    {}
func (*Number) valueNode()    {}
func (*Bool) valueNode()      {}
func (*Null) valueNode()      {}
func (*Regex) valueNode()     {}
func (*CIDR) valueNode()      {}
func (*FieldRef) valueNode()  {}
func (*Exists) valueNode()    {}
func (*Compare) valueNode()   {}
func (*TimePart) valueNode()  {}
func (*Expansion) valueNode() {}

// ValueText returns the text form of a value as the reference pipelines see
// it: a String's Text, a number's digits, "true"/"false". Values without a
// text form, and strings with unresolved placeholders, report false.
func ValueText(v Value) (string, bool) {
	switch v := v.(type) {
	case *String:
		if v.HasPlaceholders() {
			return "", false
		}
		return v.Text(), true
	case *Number:
		return v.Text, true
	case *Bool:
		if v.Value {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// CopyValue returns a deep copy of v.
func CopyValue(v Value) Value {
	switch v := v.(type) {
	case *String:
		return v.Copy()
	case *Expansion:
		c := clone(v)
		c.Values = make([]Value, len(v.Values))
		for i, x := range v.Values {
			c.Values[i] = CopyValue(x)
		}
		return c
	case *Compare:
		c := clone(v)
		c.Number = clone(v.Number)
		return c
	case *TimePart:
		c := clone(v)
		c.Number = clone(v.Number)
		return c
	case *Number:
		return clone(v)
	case *Bool:
		return clone(v)
	case *Null:
		return clone(v)
	case *Regex:
		return clone(v)
	case *CIDR:
		return clone(v)
	case *FieldRef:
		return clone(v)
	case *Exists:
		return clone(v)
	}
	return v
}

// clone returns a shallow copy of *v.
func clone[T any](v *T) *T {
	c := *v
	return &c
}
