package parser

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// detection decodes the detection mapping: search identifiers, condition
// and the legacy timeframe.
func (p *parser) detection(n *yaml.Node) *ast.Detection {
	d := &ast.Detection{DetPos: p.at(n)}
	if n.Kind != yaml.MappingNode {
		p.errs.Addf(p.at(n), "detection must be a mapping of search identifiers and a condition, found %s", kindName(n))
		return d
	}
	var cond *yaml.Node
	var condKey *yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			p.errs.Addf(p.at(k), "a search identifier must be a non-empty name, found %s", kindName(k))
			continue
		}
		if seen[k.Value] {
			p.errs.Addf(p.at(k), "duplicate search identifier %q", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "condition":
			cond, condKey = p.deref(v), k
		case "timeframe":
			d.Timeframe = p.str("timeframe", v)
		default:
			s := &ast.Search{NamePos: p.at(k), Name: k.Value}
			s.Body = p.search(v, 0)
			d.Searches = append(d.Searches, s)
		}
	}
	if cond == nil {
		p.errs.Addf(d.DetPos, "detection has no condition: expected e.g. 'condition: selection'")
		return d
	}
	if len(d.Searches) == 0 {
		p.errs.Addf(d.DetPos, "detection has no search identifier: expected e.g. 'selection: {Image|endswith: \\cmd.exe}'")
		return d
	}
	var texts []*yaml.Node
	switch cond.Kind {
	case yaml.ScalarNode:
		texts = []*yaml.Node{cond}
	case yaml.SequenceNode:
		for _, c := range cond.Content {
			texts = append(texts, p.deref(c))
		}
		if len(texts) == 0 {
			p.errs.Addf(p.at(condKey), "condition is an empty list: expected at least one condition")
		}
	default:
		p.errs.Addf(p.at(cond), "condition must be a string or a list of strings, found %s", kindName(cond))
	}
	for _, t := range texts {
		if t.Kind != yaml.ScalarNode {
			p.errs.Addf(p.at(t), "each condition must be a string, found %s", kindName(t))
			continue
		}
		base, exact := p.scalarStart(t)
		x := p.condition(t.Value, base, exact, d)
		d.Conditions = append(d.Conditions, &ast.Condition{TextPos: base, Text: t.Value, Expr: x})
	}
	return d
}

// scalarStart returns the position of the first character of a scalar's
// value, and whether offsets into the value map to columns on that line.
func (p *parser) scalarStart(n *yaml.Node) (ast.Pos, bool) {
	pos := p.at(n)
	switch n.Style &^ yaml.TaggedStyle {
	case 0:
		return pos, !strings.Contains(n.Value, "\n")
	case yaml.SingleQuotedStyle:
		return pos.Add(1), !strings.ContainsAny(n.Value, "\n'")
	case yaml.DoubleQuotedStyle:
		return pos.Add(1), !strings.ContainsAny(n.Value, "\n\"\\")
	}
	return pos, false
}

// search decodes the body of a search identifier.
func (p *parser) search(n *yaml.Node, depth int) ast.Matcher {
	n = p.deref(n)
	if p.aliasesSpent() {
		return &ast.AllOf{MapPos: p.at(n)}
	}
	if depth > MaxDepth {
		p.errs.Addf(p.at(n), "search is nested more than %d levels deep", MaxDepth)
		return &ast.AllOf{MapPos: p.at(n)}
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := &ast.AllOf{MapPos: p.at(n)}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				p.errs.Addf(p.at(k), "a field name must be a string such as 'CommandLine|contains', found %s", kindName(k))
				continue
			}
			if seen[k.Value] {
				p.errs.Addf(p.at(k), "duplicate field %q in the same search map", k.Value)
				continue
			}
			seen[k.Value] = true
			m.Items = append(m.Items, p.fieldMatch(k, n.Content[i+1]))
		}
		if len(n.Content) == 0 {
			p.errs.Addf(p.at(n), "empty search map: expected field: value items")
		}
		return m
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.errs.Addf(p.at(n), "empty search list: expected values or maps")
			return &ast.AnyOf{ListPos: p.at(n)}
		}
		scalars := true
		for _, c := range n.Content {
			if p.deref(c).Kind != yaml.ScalarNode {
				scalars = false
				break
			}
		}
		if scalars {
			return p.keywords(n, n.Content)
		}
		m := &ast.AnyOf{ListPos: p.at(n)}
		for _, c := range n.Content {
			c = p.deref(c)
			if c.Kind == yaml.ScalarNode {
				m.Items = append(m.Items, p.keywords(c, []*yaml.Node{c}))
				continue
			}
			m.Items = append(m.Items, p.search(c, depth+1))
		}
		return m
	case yaml.ScalarNode:
		return p.keywords(n, []*yaml.Node{n})
	}
	p.errs.Addf(p.at(n), "a search must be a map of fields, a list of maps or a list of keywords, found %s", kindName(n))
	return &ast.AllOf{MapPos: p.at(n)}
}

// keywords decodes a field-less search: values matched anywhere in the event.
func (p *parser) keywords(at *yaml.Node, vals []*yaml.Node) *ast.FieldMatch {
	fm := &ast.FieldMatch{KeyPos: p.at(at)}
	p.values(fm, nil, vals)
	return fm
}

// fieldMatch decodes "Field|mod1|mod2: value(s)".
func (p *parser) fieldMatch(k, v *yaml.Node) *ast.FieldMatch {
	fm := &ast.FieldMatch{KeyPos: p.at(k)}
	key := k.Value
	parts := strings.Split(key, "|")
	fm.Field = parts[0]
	col := utf8Len(parts[0]) + 1
	keyBase, exact := p.scalarStart(k)
	for _, name := range parts[1:] {
		pos := keyBase
		if exact {
			pos = keyBase.Add(col)
		}
		col += utf8Len(name) + 1
		fm.Modifiers = append(fm.Modifiers, ast.Modifier{ModPos: pos, Name: name})
	}
	v = p.deref(v)
	if p.aliasesSpent() {
		return fm
	}
	var vals []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode:
		vals = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, c := range v.Content {
			c = p.deref(c)
			if c.Kind != yaml.ScalarNode {
				p.errs.Addf(p.at(c), "values of %q must be scalars (strings, numbers, booleans or null), found %s", key, kindName(c))
				continue
			}
			vals = append(vals, c)
		}
	default:
		p.errs.Addf(p.at(v), "value of %q must be a scalar or a list of scalars, found %s", key, kindName(v))
		return fm
	}
	p.values(fm, v, vals)
	return fm
}

func utf8Len(s string) int { return len([]rune(s)) }
