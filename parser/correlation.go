package parser

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

var (
	correlationTypes = []string{"event_count", "value_count", "temporal", "temporal_ordered", "value_sum", "value_avg", "value_percentile", "value_median"}
	correlationOps   = []string{"gt", "gte", "lt", "lte", "eq", "neq"}
	timespanRx       = regexp.MustCompile(`^\d+[smhdwMy]$`)
)

// correlation decodes a correlation rule document.
func (p *parser) correlation(n *yaml.Node) *ast.Correlation {
	c := &ast.Correlation{DocPos: p.at(n)}
	rest := p.meta(n, &c.Meta, map[string]bool{"correlation": true, "generate": true})
	var body *yaml.Node
	for _, i := range rest {
		k, v := n.Content[i], p.deref(n.Content[i+1])
		switch k.Value {
		case "correlation":
			body = v
		case "generate":
			c.Generate = p.boolean("generate", v)
		}
	}
	if c.Title == "" {
		p.errs.Addf(c.DocPos, "correlation rule has no title")
	}
	if body == nil || body.Kind != yaml.MappingNode {
		p.errs.Addf(c.DocPos, "correlation must be a mapping with type, rules, timespan and condition")
		return c
	}
	var condNode *yaml.Node
	for i := 0; i+1 < len(body.Content); i += 2 {
		k, v := body.Content[i], p.deref(body.Content[i+1])
		c.Raw = append(c.Raw, ast.Attribute{Key: k.Value, Value: p.generic(v, 0), Pos: p.at(k)})
		switch k.Value {
		case "type":
			c.Type = p.str("correlation type", v)
			p.oneOf(v, "correlation type", c.Type, correlationTypes)
		case "rules":
			c.Rules = p.ruleRefs("correlation rules", v)
		case "aliases":
			c.Aliases = p.aliasesOf(v)
		case "group-by":
			c.GroupBy = p.strList("group-by", v)
		case "timespan", "timeframe":
			c.Timespan = p.str("timespan", v)
			if !timespanRx.MatchString(c.Timespan) {
				p.errs.Addf(p.at(v), "invalid timespan %q: expected a number and a unit (s, m, h, d, w, M, y), e.g. 5m", c.Timespan)
			}
		case "condition":
			condNode = v
		case "generate":
			c.Generate = p.boolean("generate", v)
		default:
			p.errs.Addf(p.at(k), "unknown correlation key %q: expected type, rules, aliases, group-by, timespan, condition or generate", k.Value)
		}
	}
	if c.Type == "" {
		p.errs.Addf(p.at(body), "correlation has no type: expected one of %s", strings.Join(correlationTypes, ", "))
	}
	if c.Timespan == "" {
		p.errs.Addf(p.at(body), "correlation has no timespan, e.g. 'timespan: 5m'")
	}
	if condNode != nil {
		p.corrCondition(c, condNode)
	} else if c.Type != "temporal" && c.Type != "temporal_ordered" {
		p.errs.Addf(p.at(body), "correlation of type %s needs a condition, e.g. 'condition: {gte: 10}'", c.Type)
	}
	if len(c.Rules) == 0 && c.Extended == nil {
		p.errs.Addf(p.at(body), "correlation references no rule: expected 'rules: [name or id, ...]'")
	}
	return c
}

func (p *parser) corrCondition(c *ast.Correlation, n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		if c.Type != "temporal" && c.Type != "temporal_ordered" {
			p.errs.Addf(p.at(n), "a condition written as an expression is only allowed for temporal correlations")
			return
		}
		// An extended temporal condition over rule names.
		det := &ast.Detection{}
		names := map[string]bool{}
		for _, r := range c.Rules {
			names[r.Name] = true
		}
		for _, w := range strings.FieldsFunc(n.Value, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
			switch w {
			case "and", "or", "not":
				continue
			}
			if !names[w] {
				names[w] = true
				c.Rules = append(c.Rules, ast.RuleRef{RefPos: p.at(n), Name: w})
			}
		}
		for _, r := range c.Rules {
			det.Searches = append(det.Searches, &ast.Search{Name: r.Name})
		}
		base, exact := p.scalarStart(n)
		c.Extended = p.condition(n.Value, base, exact, det)
	case yaml.MappingNode:
		cc := &ast.CorrCond{CondPos: p.at(n)}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], p.deref(n.Content[i+1])
			if k.Value == "field" {
				cc.Field = p.str("condition field", v)
				continue
			}
			known := false
			for _, op := range correlationOps {
				known = known || op == k.Value
			}
			if !known {
				msg := "unknown correlation condition operator '" + k.Value + "': expected one of " + strings.Join(correlationOps, ", ")
				if s := suggest.Nearest(k.Value, correlationOps); s != "" {
					msg += "; did you mean '" + s + "'?"
				}
				p.errs.Add(p.at(k), msg)
				continue
			}
			mv := p.scalarValue(v)
			num, ok := mv.v.(*ast.Number)
			if !ok || v.Kind != yaml.ScalarNode {
				p.errs.Addf(p.at(v), "correlation condition %s needs a number, found %s", k.Value, kindName(v))
				continue
			}
			cc.Ops = append(cc.Ops, ast.CorrOp{Op: k.Value, Value: num})
		}
		if len(cc.Ops) == 0 {
			p.errs.Addf(p.at(n), "correlation condition has no comparison: expected e.g. 'gte: 10'")
		}
		if len(cc.Ops) > 2 {
			p.errs.Addf(p.at(n), "correlation condition has %d comparisons: expected one, or two forming a range", len(cc.Ops))
		}
		if strings.HasPrefix(c.Type, "value_") && cc.Field == "" {
			p.errs.Addf(p.at(n), "correlation of type %s needs 'field' in its condition: the field whose values are aggregated", c.Type)
		}
		c.Condition = cc
	default:
		p.errs.Addf(p.at(n), "correlation condition must be a mapping such as {gte: 10}, found %s", kindName(n))
	}
}

func (p *parser) ruleRefs(key string, n *yaml.Node) []ast.RuleRef {
	var out []ast.RuleRef
	switch n.Kind {
	case yaml.ScalarNode:
		out = append(out, ast.RuleRef{RefPos: p.at(n), Name: n.Value})
	case yaml.SequenceNode:
		for _, c := range n.Content {
			c = p.deref(c)
			if c.Kind != yaml.ScalarNode {
				p.errs.Addf(p.at(c), "each entry of %s must be a rule id or name, found %s", key, kindName(c))
				continue
			}
			out = append(out, ast.RuleRef{RefPos: p.at(c), Name: c.Value})
		}
	default:
		p.errs.Addf(p.at(n), "%s must be a list of rule ids or names, found %s", key, kindName(n))
	}
	return out
}

func (p *parser) aliasesOf(n *yaml.Node) []ast.Alias {
	if n.Kind != yaml.MappingNode {
		p.errs.Addf(p.at(n), "aliases must be a mapping of alias names to {rule: field} mappings, found %s", kindName(n))
		return nil
	}
	var out []ast.Alias
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], p.deref(n.Content[i+1])
		a := ast.Alias{AliasPos: p.at(k), Name: k.Value}
		if v.Kind != yaml.MappingNode {
			p.errs.Addf(p.at(v), "alias %q must map rule names to field names, found %s", k.Value, kindName(v))
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			a.Fields = append(a.Fields, ast.AliasField{Rule: v.Content[j].Value, Field: p.str("alias field", v.Content[j+1])})
		}
		out = append(out, a)
	}
	return out
}

func (p *parser) boolean(key string, n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || resolveScalar(n) != scalarBool {
		p.errs.Addf(p.at(n), "%s must be true or false, found %s", key, kindName(n))
		return false
	}
	return boolValue(n.Value)
}

// filter decodes a Sigma filter document.
func (p *parser) filter(n *yaml.Node) *ast.Filter {
	f := &ast.Filter{DocPos: p.at(n)}
	rest := p.meta(n, &f.Meta, map[string]bool{"filter": true, "logsource": true})
	var body *yaml.Node
	for _, i := range rest {
		k, v := n.Content[i], p.deref(n.Content[i+1])
		switch k.Value {
		case "filter":
			body = v
		case "logsource":
			f.Logsource = p.logsource(v)
		}
	}
	if _, ok := f.KeyPos["logsource"]; !ok {
		p.errs.Addf(f.DocPos, "filter has no logsource: the filter applies to rules of that log source")
	}
	if body == nil || body.Kind != yaml.MappingNode {
		p.errs.Addf(f.DocPos, "filter must be a mapping with rules, search identifiers and a condition")
		return f
	}
	rules := mapValue(body, "rules")
	if rules == nil {
		p.errs.Addf(p.at(body), "filter has no 'rules': list the rule ids or names it applies to, or write 'rules: any'")
	} else {
		rules = p.deref(rules)
		if rules.Kind == yaml.ScalarNode && rules.Value == "any" || rules.Kind == yaml.SequenceNode && len(rules.Content) == 0 {
			f.Any = true
		} else {
			f.Rules = p.ruleRefs("filter rules", rules)
		}
	}
	f.Detection = p.detection(withoutKey(body, "rules"))
	return f
}
