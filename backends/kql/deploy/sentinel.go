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
		"name", text(a.Name),
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
				fms = append(fms, mapping("identifier", text(fm.Identifier), "columnName", text(fm.ColumnName)))
			}
			ents = append(ents, mapping("entityType", text(e.EntityType), "fieldMappings", seq(fms)))
		}
		add(doc, "entityMappings", seq(ents))
	}
	add(doc, "version", quoted(ruleVersion)) // 1.0.0 is a float to a YAML 1.1 reader
	add(doc, "kind", str("Scheduled"))
	if a.Author != "" {
		add(doc, "metadata", mapping("author", mapping("name", text(a.Author))))
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
		b.WriteString("# Converted from Sigma rule " + escapeComment(a.SigmaID) + " by sigma2kql.\n")
	} else {
		b.WriteString("# Converted from a Sigma rule by sigma2kql.\n")
	}
	if len(a.References) > 0 {
		b.WriteString("# References:\n")
		for _, r := range a.References {
			b.WriteString("#   - " + escapeComment(r) + "\n")
		}
	}
	return b.String()
}

func connectorsNode(a *Alert) *yaml.Node {
	var cs []*yaml.Node
	for _, c := range a.Connectors {
		cs = append(cs, mapping("connectorId", text(c.ID), "dataTypes", strs(c.DataTypes)))
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

// quoted is a string node that is always double-quoted.
func quoted(s string) *yaml.Node {
	n := str(s)
	n.Style = yaml.DoubleQuotedStyle
	return n
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func num(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
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
		items = append(items, text(s))
	}
	return seq(items)
}
