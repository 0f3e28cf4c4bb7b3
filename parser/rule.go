package parser

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

var (
	uuidRx = regexp.MustCompile(`^(?i:\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?|urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	// Dates are YYYY-MM-DD, or YYYY/MM/DD as in Sigma 1; as with YAML
	// timestamps and Python's strptime, month and day may have one digit.
	dateRx = regexp.MustCompile(`^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2}))$`)
	// A plain YAML timestamp with a time of day (YAML 1.1), such as
	// 2024-01-05 10:00:00: YAML loaders read it as a date and time, and
	// the date is what a rule's date means.
	timestampRx = regexp.MustCompile(`^(\d{4}-\d{1,2}-\d{1,2})(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::\d{2})?))?$`)
)

var (
	statuses      = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
	levels        = []string{"informational", "low", "medium", "high", "critical"}
	relatedTypes  = []string{"derived", "obsolete", "merged", "renamed", "similar"}
	metaKeys      = []string{"title", "id", "name", "related", "taxonomy", "status", "description", "license", "author", "references", "date", "modified", "logsource", "detection", "fields", "falsepositives", "level", "tags", "scope"}
	logsourceKeys = []string{"category", "product", "service", "definition"}
)

// meta decodes the metadata keys shared by every document kind. It returns
// the keys it did not handle, in order.
func (p *parser) meta(n *yaml.Node, m *ast.Meta, own map[string]bool) []int {
	m.KeyPos = make(map[string]ast.Pos, len(n.Content)/2)
	var rest []int
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], p.deref(n.Content[i+1])
		key := k.Value
		if _, seen := m.KeyPos[key]; seen {
			p.errs.Addf(p.at(k), "duplicate key %q", key)
			continue
		}
		m.KeyPos[key] = p.at(k)
		switch key {
		case "title":
			m.Title = p.str(key, v)
		case "id":
			m.ID = p.str(key, v)
			if m.ID != "" && !uuidRx.MatchString(m.ID) {
				p.errs.Addf(p.at(v), "id %q is not a UUID: expected the form 929a690e-bef0-4204-a928-ef5e620d6fcc", m.ID)
			}
		case "name":
			m.Name = p.str(key, v)
		case "related":
			m.Related = p.related(v)
		case "taxonomy":
			m.Taxonomy = p.str(key, v)
		case "status":
			m.Status = p.enum(v, key, p.str(key, v), statuses)
		case "description":
			m.Description = p.str(key, v)
		case "license":
			m.License = p.str(key, v)
		case "author":
			m.Author = p.str(key, v)
		case "references":
			m.References = p.metaList(key, v, p.mappingText)
		case "date":
			m.Date = p.date(key, v)
		case "modified":
			m.Modified = p.date(key, v)
		case "falsepositives":
			m.FalsePositives = p.metaList(key, v, p.mappingText)
		case "level":
			m.Level = p.enum(v, key, p.str(key, v), levels)
		case "tags":
			m.Tags = p.metaList(key, v, nil)
			for j, t := range m.Tags {
				if !strings.Contains(t, ".") || strings.HasPrefix(t, ".") {
					pos := p.at(v)
					if v.Kind == yaml.SequenceNode && j < len(v.Content) {
						pos = p.at(v.Content[j])
					}
					p.errs.Addf(pos, "tag %q has no namespace: expected 'namespace.name', e.g. 'attack.t1218'", t)
				}
			}
		case "scope":
			m.Scope = p.metaList(key, v, nil)
		case "fields":
			m.Fields = p.metaList(key, v, nil)
		default:
			if !own[key] {
				m.Custom = append(m.Custom, ast.Attribute{Key: key, Value: p.generic(v, 0), Pos: p.at(k)})
				continue
			}
			rest = append(rest, i)
		}
	}
	return rest
}

func (p *parser) oneOf(n *yaml.Node, key, val string, allowed []string) {
	if val == "" {
		return
	}
	for _, a := range allowed {
		if a == val {
			return
		}
	}
	msg := "invalid " + key + " '" + val + "': expected one of " + strings.Join(allowed, ", ")
	if s := suggest.Nearest(val, allowed); s != "" {
		msg += "; did you mean '" + s + "'?"
	}
	p.errs.Add(p.at(n), msg)
}

// enum returns val in its canonical lower-case spelling when it is one of
// allowed in any case (pySigma looks statuses and levels up upper-cased, so
// 'High' is a valid level), and reports it otherwise.
func (p *parser) enum(n *yaml.Node, key, val string, allowed []string) string {
	if l := strings.ToLower(val); slices.Contains(allowed, l) {
		return l
	}
	p.oneOf(n, key, val, allowed)
	return val
}

func (p *parser) date(key string, n *yaml.Node) string {
	s := p.str(key, n)
	if s == "" {
		return ""
	}
	if d := p.deref(n); len(s) > len("2006-01-02") && d.Kind == yaml.ScalarNode && d.Style == 0 {
		if t := timestampRx.FindStringSubmatch(s); t != nil {
			s = t[1]
		}
	}
	m := dateRx.FindStringSubmatch(s)
	if m == nil {
		p.errs.Addf(p.at(n), "%s %q is not a date: expected YYYY-MM-DD", key, s)
		return s
	}
	month, day := m[2]+m[4], m[3]+m[5]
	if len(month) == 1 {
		month = "0" + month
	}
	if len(day) == 1 {
		day = "0" + day
	}
	if month < "01" || month > "12" || day < "01" || day > "31" {
		p.errs.Addf(p.at(n), "%s %q is not a date: expected YYYY-MM-DD", key, s)
		return s
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(month)
	d, _ := strconv.Atoi(day)
	if t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
		p.errs.Addf(p.at(n), "%s %q is not a date: %s %d has %d days", key, s, time.Month(mo), y, d-t.Day())
		return s
	}
	return m[1] + "-" + month + "-" + day
}

// metaList reads a metadata key that the specification defines as a list
// of strings (references, falsepositives, tags, scope, fields). A single
// string is an error rather than a list of one, as in the reference: it is
// a common slip, and for tags it would hide that the value was meant as
// several. Entries that are not strings are errors, unless other reads them.
func (p *parser) metaList(key string, n *yaml.Node, other func(*yaml.Node) (string, bool)) []string {
	d := p.deref(n)
	if d.Kind == yaml.ScalarNode && resolveScalar(d) != scalarNull {
		v := d.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		p.errs.Addf(p.at(d), "%s must be a list of strings, found the single value %q: write it as a list item, \"- %s\", on the next line", key, v, v)
		return nil
	}
	if d.Kind == yaml.SequenceNode {
		return p.list(key, d, other)
	}
	return p.strList(key, n)
}

// mappingText returns the text of a mapping of plain values, such as the
// entry "- Tuning tip: allow-list it", as "Tuning tip: allow-list it". It
// reads the entries of falsepositives and references, text for people,
// where an unquoted ": " easily makes an entry a mapping.
func (p *parser) mappingText(n *yaml.Node) (string, bool) {
	n = p.deref(n)
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := p.deref(n.Content[i]), p.deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			return "", false
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.Value + ": " + v.Value)
	}
	return b.String(), true
}

func (p *parser) related(n *yaml.Node) []ast.Related {
	if n.Kind == yaml.ScalarNode && resolveScalar(n) == scalarNull {
		return nil // "related:" with nothing after it
	}
	if n.Kind != yaml.SequenceNode {
		p.errs.Addf(p.at(n), "related must be a list of {id, type} entries, found %s", kindName(n))
		return nil
	}
	var out []ast.Related
	for _, c := range n.Content {
		c = p.deref(c)
		if c.Kind != yaml.MappingNode {
			p.errs.Addf(p.at(c), "each related entry must be a mapping with id and type, found %s", kindName(c))
			continue
		}
		var r ast.Related
		if v := mapValue(c, "id"); v != nil {
			r.ID = p.str("related id", v)
			if r.ID != "" && !uuidRx.MatchString(r.ID) {
				p.errs.Addf(p.at(v), "related id %q is not a UUID: expected the id of the related rule, e.g. 929a690e-bef0-4204-a928-ef5e620d6fcc", r.ID)
			}
		} else {
			p.errs.Addf(p.at(c), "related entry without id")
		}
		if v := mapValue(c, "type"); v != nil {
			r.Type = p.str("related type", v)
			p.oneOf(v, "related type", r.Type, relatedTypes)
		} else {
			p.errs.Addf(p.at(c), "related entry without type: expected one of %s", strings.Join(relatedTypes, ", "))
		}
		out = append(out, r)
	}
	return out
}

func (p *parser) logsource(n *yaml.Node) ast.Logsource {
	ls := ast.Logsource{LogPos: p.at(n)}
	if n.Kind != yaml.MappingNode {
		p.errs.Addf(p.at(n), "logsource must be a mapping with category, product or service, found %s", kindName(n))
		return ls
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], p.deref(n.Content[i+1])
		switch k.Value {
		case "category":
			ls.Category = p.str("logsource category", v)
		case "product":
			ls.Product = p.str("logsource product", v)
		case "service":
			ls.Service = p.str("logsource service", v)
		case "definition":
			ls.Definition = p.str("logsource definition", v)
		default:
			ls.Custom = append(ls.Custom, ast.Attribute{Key: k.Value, Value: p.generic(v, 0), Pos: p.at(k)})
		}
	}
	return ls
}

// rule decodes a detection rule document.
func (p *parser) rule(n *yaml.Node) *ast.Rule {
	r := &ast.Rule{DocPos: p.at(n)}
	rest := p.meta(n, &r.Meta, map[string]bool{"logsource": true, "detection": true})
	var det *yaml.Node
	for _, i := range rest {
		k, v := n.Content[i], p.deref(n.Content[i+1])
		switch k.Value {
		case "logsource":
			r.Logsource = p.logsource(v)
		case "detection":
			det = v
		}
	}
	if pos, ok := r.KeyPos["title"]; !ok {
		p.errs.Addf(r.DocPos, "rule has no title: every Sigma rule needs 'title'")
	} else if v := mapValue(n, "title"); r.Title == "" && v.Kind == yaml.ScalarNode {
		p.errs.Addf(pos, "title is empty")
	}
	name := "rule"
	if r.Title != "" {
		name = fmt.Sprintf("rule %q", r.Title)
	}
	if _, ok := r.KeyPos["logsource"]; !ok {
		p.errs.Addf(r.DocPos, "%s has no logsource: expected e.g. 'logsource: {product: windows, category: process_creation}'", name)
	}
	if det == nil {
		p.errs.Addf(r.DocPos, "%s has no detection", name)
		return r
	}
	r.Detection = p.detection(det)
	return r
}
