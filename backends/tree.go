package backends

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A Node is a node of a resolved condition: the condition of a rule with
// every search identifier replaced by what it matches. Backends print it;
// none of them needs to read the condition's ast.Expr again.
type Node interface {
	node()
}

// An Origin says what a group of the resolved tree was written as in the
// rule, for printers that group or print differently depending on it.
type Origin uint8

const (
	FromCondition  Origin = iota // "and" / "or" of a condition
	FromOf                       // "all of" / "1 of" of a condition
	FromSearch                   // a search: a map (and) or a list (or)
	FromValues                   // the values of one field: a list (or), or the all modifier (and)
	FromExpansion                // the alternatives of one value (base64offset, windash)
	FromExclusions               // a condition and the exclusions of the filters (Rule.Excluded)
)

// An And holds when all its arguments hold.
type And struct {
	Args   []Node
	Origin Origin
}

// An Or holds when one of its arguments holds. Printers may group the
// alternatives of one value (Origin FromExpansion) differently from an OR
// the author wrote.
type Or struct {
	Args   []Node
	Origin Origin
}

// A Not negates its argument.
type Not struct {
	Pos ast.Pos
	Arg Node
}

// A Match tests one value of a field match. Field is "" for keywords.
type Match struct {
	Item  *ast.FieldMatch
	Field string
	Value ast.Value
	// InOr is set when the condition reaches the match through an "or" or
	// a "1 of", even a "1 of" that matched one search and so left no Or
	// node in the tree.
	InOr bool
}

// An Empty is a search that the pipelines left without any item. It
// converts to nothing: an And or Or ignores it.
type Empty struct {
	Pos ast.Pos
}

func (*And) node()   {}
func (*Or) node()    {}
func (*Not) node()   {}
func (*Match) node() {}
func (*Empty) node() {}

// resolveCondition builds the resolved tree of condition x of detection d
// (see NewRule). Single-argument groups collapse into their argument; the
// structure is otherwise that of the condition and the searches, so that
// printers can reproduce the grouping.
func resolveCondition(d *ast.Detection, x ast.Expr) Node {
	return resolve(detectionScope{d}, x, false)
}

// A scope gives the leaves of a condition: the tree of what an identifier
// names, and of each name that an "of" matches, under an "or" or a "1 of"
// when inOr is set.
type scope interface {
	ident(x *ast.Ident, inOr bool) Node
	of(x *ast.Of, inOr bool) []Node
}

// resolve builds the tree of condition x in scope s. "1 of" and "all of"
// become an Or or And of what they match, or that one match.
func resolve(s scope, x ast.Expr, inOr bool) Node {
	switch x := x.(type) {
	case *ast.Ident:
		return s.ident(x, inOr)
	case *ast.Paren:
		return resolve(s, x.X, inOr)
	case *ast.Not:
		return &Not{Pos: x.NotPos, Arg: resolve(s, x.X, inOr)}
	case *ast.And:
		n := &And{Args: make([]Node, 0, len(x.X)), Origin: FromCondition}
		for _, y := range x.X {
			n.Args = append(n.Args, resolve(s, y, inOr))
		}
		return n
	case *ast.Or:
		n := &Or{Args: make([]Node, 0, len(x.X)), Origin: FromCondition}
		for _, y := range x.X {
			n.Args = append(n.Args, resolve(s, y, true))
		}
		return n
	case *ast.Of:
		args := s.of(x, inOr || !x.All)
		switch {
		case len(args) == 0:
			return &Empty{Pos: x.OfPos}
		case len(args) == 1:
			return args[0]
		case x.All:
			return &And{Args: args, Origin: FromOf}
		}
		return &Or{Args: args, Origin: FromOf}
	}
	return &Empty{Pos: x.Pos()}
}

// A detectionScope resolves the identifiers of a rule's condition to its
// searches.
type detectionScope struct{ d *ast.Detection }

func (s detectionScope) ident(x *ast.Ident, inOr bool) Node {
	if se := s.d.Search(x.Name); se != nil {
		return search(se.Body, inOr)
	}
	return &Empty{Pos: x.NamePos}
}

func (s detectionScope) of(x *ast.Of, inOr bool) []Node {
	args := make([]Node, 0, len(s.d.Searches))
	for _, se := range s.d.Searches {
		if x.Them && strings.HasPrefix(se.Name, "_") {
			continue // "them" leaves out identifiers starting with "_"
		}
		if x.Them || ast.MatchPattern(x.Pattern, se.Name) {
			args = append(args, search(se.Body, inOr))
		}
	}
	return args
}

// search builds the tree of a search identifier's body: a map is an And of
// its items, a list of maps an Or, and a field match an Or of its values
// (an And under the all modifier).
func search(m ast.Matcher, inOr bool) Node {
	switch m := m.(type) {
	case *ast.AllOf:
		return group(m.Items, m.MapPos, false, inOr)
	case *ast.AnyOf:
		return group(m.Items, m.ListPos, true, inOr)
	case *ast.FieldMatch:
		return fieldMatch(m, inOr)
	}
	return &Empty{}
}

func group(items []ast.Matcher, pos ast.Pos, or, inOr bool) Node {
	switch len(items) {
	case 0:
		return &Empty{Pos: pos}
	case 1:
		return search(items[0], inOr)
	}
	args := make([]Node, len(items))
	for i, it := range items {
		args[i] = search(it, inOr)
	}
	if or {
		return &Or{Args: args, Origin: FromSearch}
	}
	return &And{Args: args, Origin: FromSearch}
}

func fieldMatch(m *ast.FieldMatch, inOr bool) Node {
	var n Node
	if len(m.Values) == 0 {
		n = &Match{Item: m, Field: m.Field, Value: &ast.Null{ValuePos: m.KeyPos}, InOr: inOr}
	} else {
		n = values(m, inOr)
	}
	if m.Negate {
		return &Not{Pos: m.KeyPos, Arg: n}
	}
	return n
}

// values builds the tree of the values of a field match.
func values(m *ast.FieldMatch, inOr bool) Node {
	ms := matches(m, inOr)
	if len(ms) == 1 && len(m.Values) == 1 {
		return &ms[0]
	}
	args := make([]Node, 0, len(m.Values))
	for _, v := range m.Values {
		e, ok := v.(*ast.Expansion)
		if !ok {
			args = append(args, &ms[0])
			ms = ms[1:]
			continue
		}
		alts := make([]Node, len(e.Values))
		for i := range alts {
			alts[i] = &ms[i]
		}
		ms = ms[len(alts):]
		switch {
		case len(alts) == 1:
			args = append(args, alts[0])
		case m.All || len(m.Values) == 1:
			// The alternatives of one value stay one OR group.
			args = append(args, &Or{Args: alts, Origin: FromExpansion})
		default:
			args = append(args, alts...)
		}
	}
	switch {
	case len(args) == 1:
		return args[0]
	case m.All:
		return &And{Args: args, Origin: FromValues}
	}
	return &Or{Args: args, Origin: FromValues}
}

// matches returns the tests of the values of m, in order, the alternatives
// of an expanded value each (one allocation for all).
func matches(m *ast.FieldMatch, inOr bool) []Match {
	n := 0
	for _, v := range m.Values {
		if e, ok := v.(*ast.Expansion); ok {
			n += len(e.Values)
		} else {
			n++
		}
	}
	ms := make([]Match, 0, n)
	for _, v := range m.Values {
		e, ok := v.(*ast.Expansion)
		if !ok {
			ms = append(ms, Match{Item: m, Field: m.Field, Value: v, InOr: inOr})
			continue
		}
		for _, ev := range e.Values {
			ms = append(ms, Match{Item: m, Field: m.Field, Value: ev, InOr: inOr})
		}
	}
	return ms
}

// IsEmpty reports whether n converts to nothing.
func IsEmpty(n Node) bool {
	switch n := n.(type) {
	case *Empty:
		return true
	case *And:
		for _, a := range n.Args {
			if !IsEmpty(a) {
				return false
			}
		}
		return true
	case *Or:
		for _, a := range n.Args {
			if !IsEmpty(a) {
				return false
			}
		}
		return true
	}
	return false
}

// FieldList reports whether args are two or more matches of one field
// against case-insensitive strings or numbers: the values that backends
// print as one list test (KQL in~, SPL IN).
func FieldList(args []Node) ([]*Match, bool) {
	if len(args) < 2 || !isFieldList(args) {
		return nil, false
	}
	ms := make([]*Match, len(args))
	for i, a := range args {
		ms[i] = a.(*Match)
	}
	return ms, true
}

func isFieldList(args []Node) bool {
	var field string
	for i, a := range args {
		m, ok := a.(*Match)
		if !ok || m.Field == "" || i > 0 && m.Field != field {
			return false
		}
		field = m.Field
		switch v := m.Value.(type) {
		case *ast.String:
			if v.Cased || v.HasPlaceholders() {
				return false
			}
		case *ast.Number:
		default:
			return false
		}
	}
	return true
}
