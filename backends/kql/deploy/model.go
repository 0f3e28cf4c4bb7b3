// Package deploy turns converted KQL queries into rules that Microsoft's
// security products deploy: Microsoft Sentinel analytic rules, as YAML in
// the format of the Azure-Sentinel repository or as ARM templates, and
// Microsoft Defender XDR custom detection rules, as Microsoft Graph API
// request bodies.
//
// Each format is a pure function of the processed rule, its query and the
// Options. What the formats need to know about ATT&CK, entity types and
// tables is data (data/*.yml). Every rule is checked with the Azure-Sentinel
// repository's validation rules before it is written (Validate), so that an
// invalid rule is reported as an error in the Sigma file rather than
// deployed.
package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// EntityAttribute is the custom Sigma attribute that replaces the default
// entity mappings of a rule. Its value has the shape of entityMappings in
// a Sentinel rule file:
//
//	entity_mappings:
//	  - entityType: Host
//	    fieldMappings:
//	      - identifier: FullName
//	        columnName: DeviceName
//
// An empty list turns entity mapping off for the rule.
const EntityAttribute = "entity_mappings"

// An Alert is what the deployable formats say about one query of a rule:
// the neutral form that Sentinel, ARM and Defender documents are written
// from.
type Alert struct {
	ID            string // a GUID, lower case
	SigmaID       string // the Sigma rule's id, if any
	Name          string
	Description   string
	Severity      string // Informational, Low, Medium or High
	Query         string
	Table         string
	Connectors    []Connector
	Tactics       []string // Sentinel tactic names, in matrix order
	Techniques    []string // techniques (T1218), sorted
	SubTechniques []string // sub-techniques (T1218.003), sorted
	Entities      []EntityMapping
	Assets        []assetInfo
	Author        string
	References    []string
	Frequency     time.Duration
	Period        time.Duration
	Threshold     int
	Correlation   bool // the query is a correlation's (let, union, join, summarize)

	entitiesSet bool     // entity mappings come from the rule's attribute
	pos         alertPos // where in the rule each part comes from
}

// alertPos holds the positions that errors about an Alert point at.
type alertPos struct {
	rule, title, description, query, tags, entities ast.Pos
}

var techniqueRx = regexp.MustCompile(`^t\d{4}(\.\d{3})?$`)

// Build describes query number index (of count) of the processed rule.
// It returns the warnings about parts of the rule that were left out.
func Build(res *pipeline.Result, query string, index, count int, opts Options) (*Alert, ast.ErrorList, error) {
	mustData()
	r := res.Rule
	var warns ast.ErrorList
	a := &Alert{
		SigmaID:     r.ID,
		Name:        r.Title,
		Description: strings.TrimSpace(r.Description),
		Query:       query,
		Table:       res.Table,
		Author:      r.Author,
		References:  r.References,
		Frequency:   opts.Frequency,
		Period:      opts.Period,
		Threshold:   opts.Threshold,
	}
	a.pos = alertPos{
		rule:        r.DocPos,
		title:       r.KeyPosition("title", r.DocPos),
		description: r.KeyPosition("description", r.KeyPosition("title", r.DocPos)),
		query:       r.KeyPosition("detection", r.KeyPosition("correlation", r.DocPos)),
		tags:        r.KeyPosition("tags", r.DocPos),
		entities:    r.DocPos,
	}
	if a.Description == "" {
		a.Description = r.Title
	}
	if count > 1 {
		a.Name = fmt.Sprintf("%s (%d/%d)", r.Title, index+1, count)
		if r.Detection != nil && index < len(r.Detection.Conditions) {
			a.pos.query = r.Detection.Conditions[index].TextPos
		}
	}
	a.ID = ruleID(r.ID, r.Title, index)
	sev, ok := opts.Severity[r.Level]
	if !ok {
		sev = opts.Severity[""]
	}
	a.Severity = sev
	a.addConnectors(res.Table)
	warns = append(warns, a.mitre(r.Tags)...)
	if err := a.entities(r, res.Schema); err != nil {
		return nil, warns, err
	}
	a.assets(res.Schema)
	return a, warns, nil
}

// A Connector is a Sentinel data connector and the tables of the query
// that it fills.
type Connector struct {
	ID        string
	DataTypes []string
}

// addConnectors adds the data connectors that fill table.
func (a *Alert) addConnectors(table string) {
	for _, id := range tables[table].Connectors {
		found := false
		for i, c := range a.Connectors {
			if c.ID == id {
				found = true
				if !slices.Contains(c.DataTypes, table) {
					a.Connectors[i].DataTypes = append(a.Connectors[i].DataTypes, table)
				}
			}
		}
		if !found {
			a.Connectors = append(a.Connectors, Connector{ID: id, DataTypes: []string{table}})
		}
	}
}

// ruleID is the GUID of query index of a rule: the Sigma id for the first
// query, otherwise a name-based UUID derived from the id, or from the
// title when the rule has no id.
func ruleID(id, title string, index int) string {
	base := canonicalUUID(id)
	if base == "" {
		base = uuid5(namespace, "sigma-title:"+title)
	}
	if index == 0 {
		return base
	}
	return uuid5(namespace, fmt.Sprintf("%s/%d", base, index+1))
}

// mitre fills the tactics and techniques from the rule's tags. A technique
// brings its tactics along; one that the ATT&CK table does not know is left
// out with a warning, so that no rule carries a technique without its
// tactic.
func (a *Alert) mitre(tags []string) ast.ErrorList {
	var warns ast.ErrorList
	tactics := map[string]bool{}
	techs := map[string]bool{}
	subs := map[string]bool{}
	for _, tag := range tags {
		ns, name, ok := strings.Cut(strings.ToLower(tag), ".")
		if !ok || ns != "attack" {
			continue
		}
		if techniqueRx.MatchString(name) {
			id := strings.ToUpper(name)
			parent := id[:5]
			tt, known := attack.Techniques[parent]
			if !known {
				warns.Addf(a.pos.tags, "technique %s is not in sigma2kql's ATT&CK table, so its tactics are unknown: it is left out of the rule's techniques", id)
				continue
			}
			techs[parent] = true
			if id != parent {
				subs[id] = true
			}
			for _, t := range tt {
				tactics[t] = true
			}
			continue
		}
		if t, ok := attack.Tactics[strings.ReplaceAll(name, "_", "-")]; ok {
			tactics[t] = true
			continue
		}
		if isATTACKObjectID(name) {
			continue // groups (g0069), software (s0029), data sources (ds0005)...
		}
		var names []string
		for k := range attack.Tactics {
			names = append(names, k)
		}
		sort.Strings(names)
		msg := fmt.Sprintf("tag %q is neither an ATT&CK tactic nor a technique: it is left out", tag)
		if s := suggest.Nearest(name, names); s != "" {
			msg += fmt.Sprintf("; did you mean 'attack.%s'?", s)
		}
		warns.Add(a.pos.tags, msg)
	}
	for t := range tactics {
		a.Tactics = append(a.Tactics, t)
	}
	sort.Slice(a.Tactics, func(i, j int) bool { return tacticRank[a.Tactics[i]] < tacticRank[a.Tactics[j]] })
	a.Techniques = sortedKeys(techs)
	a.SubTechniques = sortedKeys(subs)
	return warns
}

var objectIDRx = regexp.MustCompile(`^[a-z]{1,3}\d{4}$`)

// isATTACKObjectID reports whether name is the ID of an ATT&CK object
// other than a technique, such as a group (g0069) or software (s0029).
func isATTACKObjectID(name string) bool { return objectIDRx.MatchString(name) }

// entities sets the entity mappings: the rule's own (EntityAttribute), or
// the table's defaults, keeping only columns of the table's schema.
func (a *Alert) entities(r *ast.Rule, schema *pipeline.Table) error {
	for _, attr := range r.Custom {
		if attr.Key != EntityAttribute {
			continue
		}
		a.pos.entities = attr.Pos
		a.entitiesSet = true
		ms, err := parseEntityAttribute(attr, schema)
		if err != nil {
			return err
		}
		a.Entities = ms
		return nil
	}
	t, ok := tables[a.Table]
	if !ok {
		return nil
	}
	for _, e := range t.Entities {
		var fms []FieldMapping
		for _, fm := range e.FieldMappings {
			if hasColumn(schema, fm.ColumnName) {
				fms = append(fms, fm)
			}
		}
		m := EntityMapping{EntityType: e.EntityType, FieldMappings: fms}
		if len(fms) > 0 && hasRequired(m) {
			a.Entities = append(a.Entities, m)
		}
	}
	return nil
}

// assets sets the Defender impacted assets the table's schema can fill.
func (a *Alert) assets(schema *pipeline.Table) {
	t, ok := tables[a.Table]
	if !ok {
		return
	}
	for _, as := range t.Assets {
		if hasColumn(schema, as.Column) {
			a.Assets = append(a.Assets, as)
		}
	}
}

// hasColumn reports whether the table has the column; without a schema
// every column is taken to exist.
func hasColumn(schema *pipeline.Table, col string) bool {
	if schema == nil {
		return true
	}
	_, ok := schema.Columns[col]
	return ok
}

// hasRequired reports whether a mapping has one of the identifier
// combinations that its entity type requires.
func hasRequired(m EntityMapping) bool {
	et, ok := entityInfo[m.EntityType]
	if !ok {
		return false
	}
	used := map[string]bool{}
	for _, fm := range m.FieldMappings {
		used[fm.Identifier] = true
	}
	for _, combo := range et.Required {
		all := true
		for _, id := range combo {
			all = all && used[id]
		}
		if all {
			return true
		}
	}
	return false
}

// parseEntityAttribute reads the rule's entity_mappings attribute.
func parseEntityAttribute(attr ast.Attribute, schema *pipeline.Table) ([]EntityMapping, error) {
	var errs ast.ErrorList
	list, ok := attr.Value.([]any)
	if !ok {
		if attr.Value == nil {
			return nil, nil
		}
		return nil, ast.Errorf(attr.Pos, "%s must be a list of {entityType, fieldMappings} entries, as in a Sentinel rule", EntityAttribute)
	}
	out := []EntityMapping{}
	for _, item := range list {
		kv, ok := item.([]ast.Attribute)
		if !ok {
			errs.Addf(attr.Pos, "each entry of %s must be a map with entityType and fieldMappings", EntityAttribute)
			continue
		}
		var m EntityMapping
		pos := attr.Pos
		if len(kv) > 0 {
			pos = kv[0].Pos
		}
		for _, e := range kv {
			switch e.Key {
			case "entityType":
				m.EntityType, _ = e.Value.(string)
			case "fieldMappings":
				fl, ok := e.Value.([]any)
				if !ok {
					errs.Addf(e.Pos, "fieldMappings must be a list of {identifier, columnName} entries")
					continue
				}
				for _, f := range fl {
					fkv, ok := f.([]ast.Attribute)
					if !ok {
						errs.Addf(e.Pos, "each field mapping must be a map with identifier and columnName")
						continue
					}
					var fm FieldMapping
					fpos := e.Pos
					for _, x := range fkv {
						s, _ := x.Value.(string)
						switch x.Key {
						case "identifier":
							fm.Identifier = s
						case "columnName":
							fm.ColumnName = s
							fpos = x.Pos
						default:
							errs.Addf(x.Pos, "unknown key %q in a field mapping: expected identifier and columnName", x.Key)
						}
					}
					if fm.ColumnName != "" && !hasColumn(schema, fm.ColumnName) {
						msg := fmt.Sprintf("column %s of the %s entity is not a column of table %s", fm.ColumnName, m.EntityType, schema.Name)
						if s := suggest.Nearest(fm.ColumnName, sortedKeys(schema.Columns)); s != "" {
							msg += fmt.Sprintf("; did you mean %s?", s)
						}
						errs.Add(fpos, msg)
					}
					m.FieldMappings = append(m.FieldMappings, fm)
				}
			default:
				errs.Addf(e.Pos, "unknown key %q in an entity mapping: expected entityType and fieldMappings", e.Key)
			}
		}
		if m.EntityType == "" {
			errs.Addf(pos, "entity mapping without entityType")
		}
		out = append(out, m)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}
