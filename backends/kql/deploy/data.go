package deploy

import (
	"embed"
	"fmt"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed data/*.yml
var dataFS embed.FS

// attackData is data/attack.yml.
type attackData struct {
	Tactics     map[string]string   `yaml:"tactics"`
	TacticOrder []string            `yaml:"tactic_order"`
	Techniques  map[string][]string `yaml:"techniques"`
	// ValidatorUnknown are the techniques the Azure-Sentinel validator
	// does not know.
	ValidatorUnknown []string `yaml:"sentinel_validator_unknown"`
}

// entityType is one entry of data/entities.yml.
type entityType struct {
	Identifiers []string   `yaml:"identifiers"`
	Required    [][]string `yaml:"required"`
}

// tableInfo is one table of data/tables.yml.
type tableInfo struct {
	Connectors []string        `yaml:"connectors"`
	Entities   []EntityMapping `yaml:"entities"`
	Assets     []assetInfo     `yaml:"assets"`
}

// assetInfo is a Defender impacted asset a table can fill.
type assetInfo struct {
	Kind       string `yaml:"kind"` // device, user, mailbox
	Identifier string `yaml:"identifier"`
	Column     string `yaml:"column"`
}

// An EntityMapping maps columns of the query result to the identifiers of
// a Sentinel entity.
type EntityMapping struct {
	EntityType    string
	FieldMappings []FieldMapping
}

// A FieldMapping maps one column to one identifier of an entity.
type FieldMapping struct {
	Identifier string
	ColumnName string
}

// UnmarshalYAML reads "Type: {Identifier: Column, ...}", keeping the order.
func (e *EntityMapping) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return fmt.Errorf("line %d: an entity is a map of one entity type to {identifier: column}", n.Line)
	}
	e.EntityType = n.Content[0].Value
	m := n.Content[1]
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: the fields of entity %s are a map {identifier: column}", m.Line, e.EntityType)
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		e.FieldMappings = append(e.FieldMappings, FieldMapping{Identifier: m.Content[i].Value, ColumnName: m.Content[i+1].Value})
	}
	return nil
}

var (
	dataOnce   sync.Once
	dataErr    error
	attack     attackData
	entityInfo map[string]entityType
	tables     map[string]tableInfo
	tacticRank map[string]int
)

// loadData decodes the embedded tables once; an error is a bug in them.
func loadData() error {
	dataOnce.Do(func() {
		var doc struct {
			Tables map[string]tableInfo `yaml:"tables"`
		}
		for _, f := range []struct {
			name string
			v    any
		}{{"data/attack.yml", &attack}, {"data/entities.yml", &entityInfo}, {"data/tables.yml", &doc}} {
			src, err := dataFS.ReadFile(f.name)
			if err == nil {
				err = yaml.Unmarshal(src, f.v)
			}
			if err != nil {
				dataErr = fmt.Errorf("%s: %v", f.name, err)
				return
			}
		}
		tables = doc.Tables
		tacticRank = map[string]int{}
		for i, t := range attack.TacticOrder {
			tacticRank[t] = i
		}
	})
	return dataErr
}

// mustData returns the embedded tables, panicking on a broken build.
func mustData() {
	if err := loadData(); err != nil {
		panic(err)
	}
}

// TechniqueTactics returns the tactics that a Sentinel rule must list with
// a technique or sub-technique (T1218, T1218.003), and whether the
// technique is known.
func TechniqueTactics(id string) ([]string, bool) {
	mustData()
	if len(id) < 5 {
		return nil, false
	}
	t, ok := attack.Techniques[id[:5]]
	return t, ok
}

// EntityIdentifiers returns the identifiers of a Sentinel entity type and
// the combinations of identifiers of which a mapping needs one.
func EntityIdentifiers(entityType string) (identifiers []string, required [][]string, ok bool) {
	mustData()
	e, ok := entityInfo[entityType]
	return e.Identifiers, e.Required, ok
}
