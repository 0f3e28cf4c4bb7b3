package backends

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A Node is a node of a resolved condition: the condition of a rule with
// every search identifier replaced by what it matches. Backends print it.
type Node interface {
	node()
}

// An And holds when all its arguments hold.
type And struct {
	Args []Node
}

// An Or holds when one of its arguments holds. Expansion marks the
// alternatives of one value (base64offset, windash), which printers may
// group differently from an OR the author wrote.
type Or struct {
	Args      []Node
	Expansion bool
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

// Resolve builds the resolved tree of condition x of detection d.
// Single-argument groups collapse into their argument; the structure is
// otherwise that of the condition and the searches, so that printers can
// reproduce the grouping.
func Resolve(d *ast.Detection, x ast.Expr) Node {
	switch x := x.(type) {
	case *ast.Ident:
		if s := d.Search(x.Name); s != nil {
			return Search(s.Body)
		}
		return &Empty{Pos: x.NamePos}
	case *ast.Paren:
		return Resolve(d, x.X)
	case *ast.Not:
		return &Not{Pos: x.NotPos, Arg: Resolve(d, x.X)}
	case *ast.And:
		n := &And{}
		for _, y := range x.X {
			n.Args = append(n.Args, Resolve(d, y))
		}
		return n
	case *ast.Or:
		n := &Or{}
		for _, y := range x.X {
			n.Args = append(n.Args, Resolve(d, y))
		}
		return n
	case *ast.Of:
		var args []Node
		for _, s := range d.Searches {
			if x.Them && strings.HasPrefix(s.Name, "_") {
				continue // "them" leaves out identifiers starting with "_"
			}
			if x.Them || ast.MatchPattern(x.Pattern, s.Name) {
				args = append(args, Search(s.Body))
			}
		}
		switch {
		case len(args) == 0:
			return &Empty{Pos: x.OfPos}
		case len(args) == 1:
			return args[0]
		case x.All:
			return &And{Args: args}
		}
		return &Or{Args: args}
	}
	return &Empty{Pos: x.Pos()}
}

// Search builds the tree of a search identifier's body: a map is an And of
// its items, a list of maps an Or, and a field match an Or of its values
// (an And under the all modifier).
func Search(m ast.Matcher) Node {
	switch m := m.(type) {
	case *ast.AllOf:
		return group(m.Items, m.MapPos, false)
	case *ast.AnyOf:
		return group(m.Items, m.ListPos, true)
	case *ast.FieldMatch:
		return fieldMatch(m)
	}
	return &Empty{}
}

func group(items []ast.Matcher, pos ast.Pos, or bool) Node {
	switch len(items) {
	case 0:
		return &Empty{Pos: pos}
	case 1:
		return Search(items[0])
	}
	args := make([]Node, len(items))
	for i, it := range items {
		args[i] = Search(it)
	}
	if or {
		return &Or{Args: args}
	}
	return &And{Args: args}
}

func fieldMatch(m *ast.FieldMatch) Node {
	var n Node
	if len(m.Values) == 0 {
		n = &Match{Item: m, Field: m.Field, Value: &ast.Null{ValuePos: m.KeyPos}}
	} else {
		var args []Node
		for _, v := range m.Values {
			e, ok := v.(*ast.Expansion)
			if !ok {
				args = append(args, &Match{Item: m, Field: m.Field, Value: v})
				continue
			}
			alts := make([]Node, len(e.Values))
			for i, ev := range e.Values {
				alts[i] = &Match{Item: m, Field: m.Field, Value: ev}
			}
			switch {
			case len(alts) == 1:
				args = append(args, alts[0])
			case m.All || len(m.Values) == 1:
				// The alternatives of one value stay one OR group.
				args = append(args, &Or{Args: alts, Expansion: true})
			default:
				args = append(args, alts...)
			}
		}
		switch {
		case len(args) == 1:
			n = args[0]
		case m.All:
			n = &And{Args: args}
		default:
			n = &Or{Args: args}
		}
	}
	if m.Negate {
		return &Not{Pos: m.KeyPos, Arg: n}
	}
	return n
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
	if len(args) < 2 {
		return nil, false
	}
	ms := make([]*Match, len(args))
	for i, a := range args {
		m, ok := a.(*Match)
		if !ok || m.Field == "" || i > 0 && m.Field != ms[0].Field {
			return nil, false
		}
		switch v := m.Value.(type) {
		case *ast.String:
			if v.Cased || v.HasPlaceholders() {
				return nil, false
			}
		case *ast.Number:
		default:
			return nil, false
		}
		ms[i] = m
	}
	return ms, true
}
