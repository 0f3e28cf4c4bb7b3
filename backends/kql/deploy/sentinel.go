package deploy

import (
	"bytes"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ruleVersion is the version of every generated rule; Sentinel wants one
// in the form a.b.c.
const ruleVersion = "1.0.0"

// SentinelYAML writes a as an analytic rule file in the format of the
// Azure-Sentinel repository. The Sigma author is kept in metadata and the
// references in a comment, which the format has no field for.
func SentinelYAML(a *Alert) string {
	doc := mapping(
		"id", str(a.ID),
		"name", str(a.Name),
		"description", text(a.Description),
		"severity", str(a.Severity),
		"requiredDataConnectors", connectorsNode(a),
		"queryFrequency", str(ShortDuration(a.Frequency)),
		"queryPeriod", str(ShortDuration(a.Period)),
		"triggerOperator", str("gt"),
		"triggerThreshold", num(a.Threshold),
		"tactics", strs(a.Tactics),
		"relevantTechniques", strs(append(append([]string(nil), a.Techniques...), a.SubTechniques...)),
		"query", literal(a.Query),
	)
	if len(a.Entities) > 0 {
		var ents []*yaml.Node
		for _, e := range a.Entities {
			var fms []*yaml.Node
			for _, fm := range e.FieldMappings {
				fms = append(fms, mapping("identifier", str(fm.Identifier), "columnName", str(fm.ColumnName)))
			}
			ents = append(ents, mapping("entityType", str(e.EntityType), "fieldMappings", seq(fms)))
		}
		add(doc, "entityMappings", seq(ents))
	}
	add(doc, "version", str(ruleVersion))
	add(doc, "kind", str("Scheduled"))
	if a.Author != "" {
		add(doc, "metadata", mapping("author", mapping("name", str(a.Author))))
	}
	var b bytes.Buffer
	b.WriteString(headerComment(a))
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic("deploy: " + err.Error()) // a Node tree built here always encodes
	}
	enc.Close()
	return b.String()
}

// headerComment says where the rule comes from and keeps its references.
func headerComment(a *Alert) string {
	var b strings.Builder
	if a.SigmaID != "" {
		b.WriteString("# Converted from Sigma rule " + oneLine(a.SigmaID) + " by sigma2kql.\n")
	} else {
		b.WriteString("# Converted from a Sigma rule by sigma2kql.\n")
	}
	if len(a.References) > 0 {
		b.WriteString("# References:\n")
		for _, r := range a.References {
			b.WriteString("#   - " + oneLine(r) + "\n")
		}
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func connectorsNode(a *Alert) *yaml.Node {
	var cs []*yaml.Node
	for _, c := range a.Connectors {
		cs = append(cs, mapping("connectorId", str(c.ID), "dataTypes", strs(c.DataTypes)))
	}
	return seq(cs)
}

// ---------------------------------------------------------------------------
// yaml.Node construction: keys keep the order written.

func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		add(n, kv[i].(string), kv[i+1].(*yaml.Node))
	}
	return n
}

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func num(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}

// text is a string that is written as a block when it has several lines.
func text(s string) *yaml.Node {
	n := str(s)
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// literal is a string written as a literal block.
func literal(s string) *yaml.Node {
	n := str(s)
	n.Style = yaml.LiteralStyle
	return n
}

func seq(items []*yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Content: items}
	if len(items) == 0 {
		n.Style = yaml.FlowStyle
	}
	return n
}

func strs(list []string) *yaml.Node {
	var items []*yaml.Node
	for _, s := range list {
		items = append(items, str(s))
	}
	return seq(items)
}
