package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Facts about the ARM API of Sentinel analytic rules
// (Microsoft.SecurityInsights alertRules): the stable versions up to
// 2025-09-01 know the techniques of a rule, the previews from
// 2023-12-01-preview on also its sub-techniques.
const (
	armSchema             = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
	armResourceType       = "Microsoft.OperationalInsights/workspaces/providers/alertRules"
	subTechniquesPreviews = "2023-12-01"
	suppressionDuration   = "PT5H" // required even when suppression is off
)

// ARMAPIVersions are the API versions of Microsoft.SecurityInsights
// alertRules that the ARM template reference lists, oldest first.
var ARMAPIVersions = []string{
	"2019-01-01-preview", "2020-01-01", "2021-03-01-preview", "2021-09-01-preview", "2021-10-01",
	"2021-10-01-preview", "2022-01-01-preview", "2022-04-01-preview", "2022-05-01-preview",
	"2022-06-01-preview", "2022-07-01-preview", "2022-08-01", "2022-08-01-preview", "2022-09-01-preview",
	"2022-10-01-preview", "2022-11-01", "2022-11-01-preview", "2022-12-01-preview", "2023-02-01",
	"2023-02-01-preview", "2023-03-01-preview", "2023-04-01-preview", "2023-05-01-preview",
	"2023-06-01-preview", "2023-07-01-preview", "2023-08-01-preview", "2023-09-01-preview",
	"2023-10-01-preview", "2023-11-01", "2023-12-01-preview", "2024-01-01-preview", "2024-03-01",
	"2024-04-01-preview", "2024-09-01", "2024-10-01-preview", "2025-01-01-preview", "2025-03-01",
	"2025-04-01-preview", "2025-06-01", "2025-07-01-preview", "2025-09-01", "2025-10-01-preview",
}

// armEntityTypes are the entity types that entityMappings of a scheduled
// alert rule accepts in ARM (EntityMappingType); the Sentinel rule files
// know more (IoTDevice), which ARM refuses.
var armEntityTypes = []string{
	"Account", "AzureResource", "CloudApplication", "DNS", "File", "FileHash", "Host", "IP", "Mailbox",
	"MailCluster", "MailMessage", "Malware", "Process", "RegistryKey", "RegistryValue", "SecurityGroup",
	"SubmissionMail", "URL",
}

// ValidateARM checks a as a scheduled alert rule resource: Validate's
// checks, and entity types that ARM accepts.
func ValidateARM(a *Alert) ast.ErrorList {
	errs := Validate(a)
	for _, m := range a.Entities {
		if _, known := entityInfo[m.EntityType]; known && !slices.Contains(armEntityTypes, m.EntityType) {
			errs.Addf(a.pos.entities, "invalid ARM alert rule: entityMappings: entity type %s is not one ARM accepts (%s); map the columns to another entity type", m.EntityType, strings.Join(armEntityTypes, ", "))
		}
	}
	return errs
}

// hasSubTechniques reports whether an alertRules API version has the
// subTechniques property.
func hasSubTechniques(apiVersion string) bool {
	date, preview := strings.CutSuffix(apiVersion, "-preview")
	return preview && date >= subTechniquesPreviews
}

type armTemplate struct {
	Schema         string                  `json:"$schema"`
	ContentVersion string                  `json:"contentVersion"`
	Parameters     map[string]armParameter `json:"parameters"`
	Resources      []json.RawMessage       `json:"resources"`
}

type armParameter struct {
	Type     string            `json:"type"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

type armResource struct {
	Name       string        `json:"name"`
	Type       string        `json:"type"`
	Kind       string        `json:"kind"`
	APIVersion string        `json:"apiVersion"`
	Properties armProperties `json:"properties"`
}

type armProperties struct {
	DisplayName           string              `json:"displayName"`
	Description           string              `json:"description"`
	Severity              string              `json:"severity"`
	Enabled               bool                `json:"enabled"`
	Query                 string              `json:"query"`
	QueryFrequency        string              `json:"queryFrequency"`
	QueryPeriod           string              `json:"queryPeriod"`
	TriggerOperator       string              `json:"triggerOperator"`
	TriggerThreshold      int                 `json:"triggerThreshold"`
	SuppressionDuration   string              `json:"suppressionDuration"`
	SuppressionEnabled    bool                `json:"suppressionEnabled"`
	Tactics               []string            `json:"tactics"`
	Techniques            []string            `json:"techniques"`
	SubTechniques         *[]string           `json:"subTechniques,omitempty"`
	EntityMappings        []armEntityMapping  `json:"entityMappings,omitempty"`
	EventGroupingSettings map[string]string   `json:"eventGroupingSettings"`
	IncidentConfiguration *armIncidentSetting `json:"incidentConfiguration"`
}

type armEntityMapping struct {
	EntityType    string            `json:"entityType"`
	FieldMappings []armFieldMapping `json:"fieldMappings"`
}

type armFieldMapping struct {
	Identifier string `json:"identifier"`
	ColumnName string `json:"columnName"`
}

type armIncidentSetting struct {
	CreateIncident bool `json:"createIncident"`
}

// ARMResource writes a as the alertRules resource of an ARM template, for
// the given API version. Strings that ARM would read as expressions are
// escaped.
func ARMResource(a *Alert, apiVersion string) string {
	p := armProperties{
		DisplayName:           armString(a.Name),
		Description:           armString(a.Description),
		Severity:              a.Severity,
		Enabled:               true,
		Query:                 armString(a.Query),
		QueryFrequency:        ISODuration(a.Frequency),
		QueryPeriod:           ISODuration(a.Period),
		TriggerOperator:       "GreaterThan",
		TriggerThreshold:      a.Threshold,
		SuppressionDuration:   suppressionDuration,
		Tactics:               nonNil(a.Tactics),
		Techniques:            nonNil(a.Techniques),
		EventGroupingSettings: map[string]string{"aggregationKind": "SingleAlert"},
		IncidentConfiguration: &armIncidentSetting{CreateIncident: true},
	}
	if hasSubTechniques(apiVersion) {
		subs := nonNil(a.SubTechniques)
		p.SubTechniques = &subs
	}
	for _, e := range a.Entities {
		m := armEntityMapping{EntityType: e.EntityType}
		for _, fm := range e.FieldMappings {
			m.FieldMappings = append(m.FieldMappings, armFieldMapping(fm))
		}
		p.EntityMappings = append(p.EntityMappings, m)
	}
	r := armResource{
		Name:       "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/" + a.ID + "')]",
		Type:       armResourceType,
		Kind:       "Scheduled",
		APIVersion: apiVersion,
		Properties: p,
	}
	return marshal(r)
}

// ARMTemplate assembles alertRules resources (from ARMResource) into one
// deployment template with a workspace parameter.
func ARMTemplate(resources []string) string {
	t := armTemplate{
		Schema:         armSchema,
		ContentVersion: "1.0.0.0",
		Parameters: map[string]armParameter{"workspace": {Type: "string",
			Metadata: map[string]string{"description": "The Log Analytics workspace of Microsoft Sentinel"}}},
		Resources: []json.RawMessage{},
	}
	for _, r := range resources {
		t.Resources = append(t.Resources, json.RawMessage(r))
	}
	return marshal(t)
}

// Limits of one ARM template (Azure Resource Manager's template limits).
const (
	ARMMaxResources = 800
	ARMMaxBytes     = 4 << 20 // 4 MB
)

// ARMTemplates assembles alertRules resources into as few deployment
// templates as ARM's limits allow, in order: each holds at most
// ARMMaxResources resources and ARMMaxBytes bytes. A resource that alone
// makes a template too large is an error.
func ARMTemplates(resources []string) ([]string, error) {
	// The size of a template is that of the empty one and, for each
	// resource, what it adds alone, plus a separator.
	empty := len(ARMTemplate(nil))
	var out, cur []string
	size := empty
	for i, r := range resources {
		add := len(ARMTemplate([]string{r})) - empty + len(",\n")
		if empty+add > ARMMaxBytes {
			return nil, fmt.Errorf("ARM resource %d (%d bytes) makes a template larger than ARM's limit of %d bytes", i+1, len(r), ARMMaxBytes)
		}
		if len(cur) == ARMMaxResources || size+add > ARMMaxBytes {
			out = append(out, ARMTemplate(cur))
			cur, size = nil, empty
		}
		cur = append(cur, r)
		size += add
	}
	if len(cur) > 0 {
		out = append(out, ARMTemplate(cur))
	}
	return out, nil
}

// armString escapes a string that ARM would evaluate as an expression: one
// that starts with "[" and ends with "]" gets a second "[".
func armString(s string) string {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return "[" + s
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// marshal writes v as indented JSON with a final newline, leaving <, >
// and & as they are so that queries stay readable.
func marshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic("deploy: " + err.Error()) // the types here always encode
	}
	return b.String()
}

// isARMTemplate reports whether data is a deployment template: a JSON
// object with resources whose $schema is a deploymentTemplate schema (of
// any version, so that templates of earlier releases count too).
func isARMTemplate(data []byte) bool {
	var t struct {
		Schema    string          `json:"$schema"`
		Resources json.RawMessage `json:"resources"`
	}
	return json.Unmarshal(data, &t) == nil && strings.Contains(t.Schema, "/deploymentTemplate.json") && t.Resources != nil
}
