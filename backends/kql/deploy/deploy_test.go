package deploy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// validAlert returns an Alert that passes Validate; each case of
// TestValidate breaks one rule.
func validAlert() *Alert {
	mustData()
	at := ast.Pos{Filename: "r.yml", Line: 1, Column: 1}
	return &Alert{
		ID:          "75e508f7-932d-4ebc-af77-269237a84ce1",
		Name:        "A rule",
		Description: "What it finds",
		Severity:    "High",
		Query:       "DeviceProcessEvents\n| where FileName =~ \"x.exe\"",
		Table:       "DeviceProcessEvents",
		Connectors:  []Connector{{"MicrosoftThreatProtection", []string{"DeviceProcessEvents"}}},
		Tactics:     []string{"DefenseEvasion"},
		Techniques:  []string{"T1218"},
		Entities: []EntityMapping{
			{EntityType: "Host", FieldMappings: []FieldMapping{{"FullName", "DeviceName"}}},
		},
		Frequency: time.Hour,
		Period:    time.Hour,
		pos:       alertPos{rule: at, title: at, description: at, query: at, tags: at, entities: at},
	}
}

func TestValidate(t *testing.T) {
	if errs := Validate(validAlert()); len(errs) > 0 {
		t.Fatalf("valid alert: %v", errs)
	}
	fm := func(pairs ...string) []FieldMapping {
		var out []FieldMapping
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, FieldMapping{pairs[i], pairs[i+1]})
		}
		return out
	}
	host := EntityMapping{EntityType: "Host", FieldMappings: fm("FullName", "DeviceName")}
	cases := []struct {
		name   string
		change func(a *Alert)
		want   string // part of the message
	}{
		{"id not a GUID", func(a *Alert) { a.ID = "rule-1" }, `id "rule-1" is not a GUID`},
		{"empty name", func(a *Alert) { a.Name = " " }, "name is empty"},
		{"name too long", func(a *Alert) { a.Name = strings.Repeat("n", 257) }, "name (the title) is 257 characters long; Sentinel allows at most 256"},
		{"empty description", func(a *Alert) { a.Description = "" }, "description is empty"},
		{"description too long", func(a *Alert) { a.Description = strings.Repeat("d", 5001) }, "description is 5001 characters long; Sentinel allows at most 5000"},
		{"description counted in UTF-16", func(a *Alert) { a.Description = strings.Repeat("😀", 2501) }, "description is 5002 characters long"},
		{"bad severity", func(a *Alert) { a.Severity = "Critical" }, `severity "Critical"`},
		{"empty query", func(a *Alert) { a.Query = "" }, "query is empty"},
		{"query too long", func(a *Alert) { a.Query = strings.Repeat("q", 10001) }, "query is 10001 characters long; Sentinel allows at most 10000"},
		{"frequency too short", func(a *Alert) { a.Frequency = 4 * time.Minute }, "queryFrequency 4m: expected 5m to 14d"},
		{"frequency too long", func(a *Alert) { a.Frequency, a.Period = 15*24*time.Hour, 15*24*time.Hour }, "queryFrequency 15d: expected 5m to 14d"},
		{"period too short", func(a *Alert) { a.Frequency, a.Period = 5*time.Minute, time.Minute }, "queryPeriod 1m: expected 5m to 14d"},
		{"period too long", func(a *Alert) { a.Period = 15 * 24 * time.Hour }, "queryPeriod 15d: expected 5m to 14d"},
		{"period shorter than frequency", func(a *Alert) { a.Frequency, a.Period = 2*time.Hour, time.Hour }, "queryPeriod 1h is shorter than queryFrequency 2h"},
		{"long period run too often", func(a *Alert) { a.Frequency, a.Period = 30*time.Minute, 2*24*time.Hour }, "may run at most hourly"},
		{"threshold", func(a *Alert) { a.Threshold = 10001 }, "triggerThreshold 10001"},
		{"connector without id", func(a *Alert) { a.Connectors = []Connector{{DataTypes: []string{"T"}}} }, "requiredDataConnectors has an entry without connectorId"},
		{"connector without data types", func(a *Alert) { a.Connectors = []Connector{{ID: "Syslog"}} }, "requiredDataConnectors has an entry without connectorId or dataTypes"},
		{"six entities", func(a *Alert) { a.Entities = []EntityMapping{host, host, host, host, host, host} }, "6 entities; Sentinel allows 1 to 5"},
		{"no field mapping", func(a *Alert) { a.Entities = []EntityMapping{{EntityType: "Host"}} }, "entity Host has 0 field mappings; Sentinel allows 1 to 3"},
		{"four field mappings", func(a *Alert) {
			a.Entities = []EntityMapping{{EntityType: "Host", FieldMappings: fm("FullName", "A", "HostName", "B", "NTDomain", "C", "DnsDomain", "D")}}
		}, "entity Host has 4 field mappings; Sentinel allows 1 to 3"},
		{"unknown entity type", func(a *Alert) {
			a.Entities = []EntityMapping{{EntityType: "Hosts", FieldMappings: fm("FullName", "A")}}
		}, `unknown entity type "Hosts"`},
		{"identifier not allowed", func(a *Alert) {
			a.Entities = []EntityMapping{{EntityType: "IP", FieldMappings: fm("Address", "A", "Port", "B")}}
		}, `"Port" is not an identifier of entity IP`},
		{"identifier twice", func(a *Alert) {
			a.Entities = []EntityMapping{{EntityType: "IP", FieldMappings: fm("Address", "A", "Address", "B")}}
		}, "identifier Address of entity IP is mapped twice"},
		{"bad column name", func(a *Alert) {
			a.Entities = []EntityMapping{{EntityType: "IP", FieldMappings: fm("Address", "1st column")}}
		}, `column "1st column" of entity IP is not a column name`},
		{"required identifier missing", func(a *Alert) {
			a.Entities = []EntityMapping{{EntityType: "Account", FieldMappings: fm("NTDomain", "AccountDomain")}}
		}, "entity Account needs one of the identifiers FullName, Sid, Name"},
		{"technique without its tactic", func(a *Alert) { a.Tactics = []string{"Execution"} }, "technique T1218 needs the tactics DefenseEvasion in tactics"},
		{"sub-technique without its tactic", func(a *Alert) { a.Tactics, a.Techniques, a.SubTechniques = nil, nil, []string{"T1059.001"} }, "technique T1059.001 needs the tactics Execution"},
		{"unknown technique", func(a *Alert) { a.Techniques = []string{"T9999"} }, "technique T9999 has no known tactic"},
		{"bad technique id", func(a *Alert) { a.Techniques = []string{"1218"} }, `"1218" is not a technique ID`},
		{"unknown tactic", func(a *Alert) { a.Tactics = append(a.Tactics, "Stealth") }, `unknown tactic "Stealth"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := validAlert()
			c.change(a)
			errs := Validate(a)
			if len(errs) == 0 {
				t.Fatalf("no error, want %q", c.want)
			}
			got := errs.Error()
			if !strings.Contains(got, c.want) || !strings.Contains(got, "invalid Sentinel rule: ") || !strings.HasPrefix(got, "r.yml:1:1: ") {
				t.Errorf("error %q, want file:line:col and %q", got, c.want)
			}
		})
	}
}

func TestValidateDefender(t *testing.T) {
	a := validAlert()
	a.Assets = []assetInfo{{Kind: "device", Identifier: "deviceId", Column: "DeviceId"}}
	if errs := ValidateDefender(a); len(errs) > 0 {
		t.Fatalf("valid: %v", errs)
	}
	// A device named by DeviceName only (a correlation grouped by it) is
	// a documented identifier too.
	a.Assets = nil
	a.Entities = []EntityMapping{{EntityType: "Host", FieldMappings: []FieldMapping{{Identifier: "FullName", ColumnName: "DeviceName"}}}}
	if errs := ValidateDefender(a); len(errs) > 0 {
		t.Fatalf("DeviceName: %v", errs)
	}
	a.Entities = nil
	a.Table = "MyTable_CL"
	errs := ValidateDefender(a)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "entityMappings: the query's table has no column that Defender knows for an impacted device, user or mailbox") {
		t.Errorf("got %v", errs)
	}
	a.Entities = []EntityMapping{{EntityType: "Host", FieldMappings: []FieldMapping{{Identifier: "FullName", ColumnName: "DeviceName"}}}}
	for _, f := range []time.Duration{5 * time.Minute, 2 * time.Hour, 48 * time.Hour} {
		a.Frequency = f
		if errs := ValidateDefender(a); len(errs) != 1 || !strings.Contains(errs[0].Msg, "every 1h, 3h, 12h or 24h") {
			t.Errorf("frequency %v: %v", f, errs)
		}
	}
	for _, f := range DefenderFrequencies {
		a.Frequency = f
		if errs := ValidateDefender(a); len(errs) > 0 {
			t.Errorf("frequency %v: %v", f, errs)
		}
	}
	a.Frequency, a.Correlation = 0, true
	if errs := ValidateDefender(a); len(errs) != 1 || !strings.Contains(errs[0].Msg, "a continuous (frequency 0) custom detection runs a query of one table") {
		t.Errorf("continuous correlation: %v", errs)
	}
}

// testResult processes a rule with the microsoft_xdr pipeline.
func testResult(t *testing.T, r *ast.Rule, table string) *pipeline.Result {
	t.Helper()
	p := pipeline.Builtin("microsoft_xdr")
	if p == nil {
		t.Fatal("no microsoft_xdr pipeline")
	}
	return &pipeline.Result{Rule: r, Table: table, Schema: p.Schema[table]}
}

func TestBuildMitre(t *testing.T) {
	r := &ast.Rule{Meta: ast.Meta{Title: "T", Tags: []string{
		"attack.stealth", "attack.defense_impairment", "attack.t1059.001", "attack.t1218.003", "attack.t1218",
		"attack.s0029", "attack.t9999", "attack.defence-evasion", "cve.2021-1234",
	}}}
	a, warns, err := Build(testResult(t, r, "DeviceProcessEvents"), "q", 0, 1, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Execution", "DefenseEvasion"}, a.Tactics); diff != "" {
		t.Errorf("tactics (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"T1059", "T1218"}, a.Techniques); diff != "" {
		t.Errorf("techniques (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"T1059.001", "T1218.003"}, a.SubTechniques); diff != "" {
		t.Errorf("sub-techniques (-want +got):\n%s", diff)
	}
	want := []string{
		"technique T9999 is not in sigma2kql's ATT&CK table, so its tactics are unknown: it is left out of the rule's techniques",
		`tag "attack.defence-evasion" is neither an ATT&CK tactic nor a technique: it is left out; did you mean 'attack.defense-evasion'?`,
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.Msg)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if errs := Validate(a); len(errs) > 0 {
		t.Errorf("built alert is invalid: %v", errs)
	}
}

func TestBuildIDsAndSeverity(t *testing.T) {
	r := &ast.Rule{Meta: ast.Meta{Title: "No Id", Level: "critical"}}
	a, _, err := Build(testResult(t, r, "DeviceProcessEvents"), "q", 0, 1, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := Build(testResult(t, r, "DeviceProcessEvents"), "q", 0, 1, DefaultOptions())
	if !guidRx.MatchString(a.ID) || a.ID != b.ID {
		t.Errorf("derived ids %q, %q: want one stable GUID", a.ID, b.ID)
	}
	if a.Severity != "High" {
		t.Errorf("critical: severity %s, want High", a.Severity)
	}
	r.ID = "{75E508F7-932D-4EBC-AF77-269237A84CE1}"
	a, _, _ = Build(testResult(t, r, "DeviceProcessEvents"), "q", 0, 2, DefaultOptions())
	if a.ID != "75e508f7-932d-4ebc-af77-269237a84ce1" {
		t.Errorf("id %s: want the Sigma id, canonical", a.ID)
	}
	a2, _, _ := Build(testResult(t, r, "DeviceProcessEvents"), "q", 1, 2, DefaultOptions())
	if a2.ID == a.ID || !guidRx.MatchString(a2.ID) || a2.Name != "No Id (2/2)" {
		t.Errorf("second query: id %s name %q", a2.ID, a2.Name)
	}
	opts := DefaultOptions()
	if err := opts.parseSeverityMap("critical=medium, none=Low"); err != nil {
		t.Fatal(err)
	}
	r.Level = ""
	a, _, _ = Build(testResult(t, r, "DeviceProcessEvents"), "q", 0, 1, opts)
	if a.Severity != "Low" {
		t.Errorf("no level with none=Low: %s", a.Severity)
	}
}

func TestUUID5(t *testing.T) {
	// The RFC's DNS namespace example.
	if got := uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"); got != "886313e1-3b8a-5372-9b90-0c9aee199e5d" {
		t.Errorf("uuid5 = %s", got)
	}
	if canonicalUUID("urn:uuid:75E508F7-932D-4EBC-AF77-269237A84CE1") != "75e508f7-932d-4ebc-af77-269237a84ce1" || canonicalUUID("x") != "" {
		t.Error("canonicalUUID")
	}
}

func TestDurations(t *testing.T) {
	for _, c := range []struct {
		in, short, iso string
	}{
		{"5m", "5m", "PT5M"}, {"60m", "1h", "PT1H"}, {"90m", "90m", "PT1H30M"}, {"1h", "1h", "PT1H"},
		{"24h", "1d", "P1D"}, {"36h", "36h", "P1DT12H"}, {"14d", "14d", "P14D"},
	} {
		d, err := ParseDuration(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if ShortDuration(d) != c.short || ISODuration(d) != c.iso {
			t.Errorf("%s: %s %s, want %s %s", c.in, ShortDuration(d), ISODuration(d), c.short, c.iso)
		}
	}
	for _, bad := range []string{"", "1", "1w", "PT1H", "-1h", "0h", "1.5h"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions(backends.Options{OptFrequency: "2h", OptPeriod: "1d", OptThreshold: "3", OptSeverityMap: "high=Medium", OptARMAPIVersion: "2025-07-01-preview"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Frequency != 2*time.Hour || o.Period != 24*time.Hour || o.Threshold != 3 || o.Severity["high"] != "Medium" || o.Severity["critical"] != "High" || o.ARMAPIVersion != "2025-07-01-preview" {
		t.Errorf("options %+v", o)
	}
	for opts, want := range map[string]backends.Options{
		"frequency":           {OptFrequency: "1w"},
		"threshold":           {OptThreshold: "-1"},
		"unknown Sigma level": {OptSeverityMap: "urgent=High"},
		"expected a severity": {OptSeverityMap: "high=Severe"},
		"arm_api_version":     {OptARMAPIVersion: "latest"},
	} {
		if _, err := ParseOptions(want); err == nil || !strings.Contains(err.Error(), opts) {
			t.Errorf("%v: error %v, want %q", want, err, opts)
		}
	}
	for _, c := range []struct {
		opts   backends.Options
		format string
		want   string
	}{
		{backends.Options{OptFrequency: "2h", OptPeriod: "1h"}, FormatSentinel, "queryPeriod 1h is shorter"},
		{backends.Options{OptFrequency: "0"}, FormatARM, "queryFrequency 0"},
		{backends.Options{OptFrequency: "5m"}, FormatDefender, "frequency 5m: Defender custom detections run every 1h, 3h, 12h or 24h"},
		{backends.Options{OptFrequency: "2d"}, FormatDefender, "frequency 2d"},
		{backends.Options{OptFrequency: "0"}, FormatDefender, ""},
		{backends.Options{OptFrequency: "12h"}, FormatDefender, ""},
		{backends.Options{OptFrequency: "24h"}, FormatDefender, ""},
	} {
		o, err := ParseOptions(c.opts)
		if err == nil {
			err = o.CheckSchedule(c.format)
		}
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%v %s: error %v, want %q", c.opts, c.format, err, c.want)
		}
	}
}

// TestTablesData checks data/tables.yml against the data it depends on:
// every default entity mapping of a Defender XDR table uses columns of the
// microsoft_xdr schema and passes the validator, and so do the impacted
// assets.
func TestTablesData(t *testing.T) {
	mustData()
	schema := pipeline.Builtin("microsoft_xdr").Schema
	for name, info := range tables {
		tab := schema[name]
		if strings.HasPrefix(name, "Device") && tab == nil {
			t.Errorf("table %s: not in the microsoft_xdr schema", name)
		}
		a := validAlert()
		a.Entities = info.Entities
		if errs := validateEntities(a); len(errs) > 0 {
			t.Errorf("table %s: %v", name, errs)
		}
		if tab == nil {
			continue
		}
		for _, e := range info.Entities {
			for _, fm := range e.FieldMappings {
				if _, ok := tab.Columns[fm.ColumnName]; !ok {
					t.Errorf("table %s: entity %s: no column %s", name, e.EntityType, fm.ColumnName)
				}
			}
		}
		for _, as := range info.Assets {
			if _, ok := tab.Columns[as.Column]; !ok || graphOfAsset[as.Kind+"/"+as.Identifier] == (graphTarget{}) {
				t.Errorf("table %s: asset %+v", name, as)
			}
		}
	}
	for tag, tactic := range attack.Tactics {
		if _, ok := tacticRank[tactic]; !ok {
			t.Errorf("tactic tag %s: %s is not a Sentinel tactic", tag, tactic)
		}
	}
	for id, tactics := range attack.Techniques {
		if !techniqueIDRx.MatchString(id) || len(id) != 5 || len(tactics) == 0 {
			t.Errorf("technique %s: %v", id, tactics)
		}
		for _, tactic := range tactics {
			if _, ok := tacticRank[tactic]; !ok {
				t.Errorf("technique %s: %s is not a Sentinel tactic", id, tactic)
			}
		}
	}
}

func TestEntityAttribute(t *testing.T) {
	attr := func(v any) ast.Attribute {
		return ast.Attribute{Key: EntityAttribute, Value: v, Pos: ast.Pos{Filename: "r.yml", Line: 5, Column: 1}}
	}
	kv := func(pairs ...any) []ast.Attribute {
		var out []ast.Attribute
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, ast.Attribute{Key: pairs[i].(string), Value: pairs[i+1], Pos: ast.Pos{Filename: "r.yml", Line: 6 + i, Column: 3}})
		}
		return out
	}
	good := attr([]any{kv("entityType", "IP", "fieldMappings", []any{kv("identifier", "Address", "columnName", "RemoteIP")})})
	r := &ast.Rule{Meta: ast.Meta{Title: "T", Custom: []ast.Attribute{good}}}
	a, _, err := Build(testResult(t, r, "DeviceNetworkEvents"), "q", 0, 1, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]EntityMapping{{EntityType: "IP", FieldMappings: []FieldMapping{{"Address", "RemoteIP"}}}}, a.Entities); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	r.Custom = []ast.Attribute{attr([]any{})}
	a, _, _ = Build(testResult(t, r, "DeviceNetworkEvents"), "q", 0, 1, DefaultOptions())
	if len(a.Entities) != 0 {
		t.Errorf("an empty list keeps no entity: %v", a.Entities)
	}
	r.Custom = []ast.Attribute{attr("Host")}
	if _, _, err := Build(testResult(t, r, "DeviceNetworkEvents"), "q", 0, 1, DefaultOptions()); err == nil || !strings.HasPrefix(err.Error(), "r.yml:5:1: entity_mappings must be a list") {
		t.Errorf("error %v", err)
	}
}

func TestFormats(t *testing.T) {
	a := validAlert()
	a.Name = "[not an expression]"
	a.SubTechniques = []string{"T1218.003"}
	a.Assets = []assetInfo{{Kind: "device", Identifier: "deviceId", Column: "DeviceId"}}

	var y map[string]any
	if err := yaml.Unmarshal([]byte(SentinelYAML(a)), &y); err != nil {
		t.Fatal(err)
	}
	if y["query"] != a.Query || y["kind"] != "Scheduled" || y["queryFrequency"] != "1h" || y["triggerOperator"] != "gt" {
		t.Errorf("sentinel yaml: %v", y)
	}

	for _, c := range []struct {
		version string
		subs    bool
	}{{"2025-09-01", false}, {"2024-09-01", false}, {"2023-12-01-preview", true}, {"2025-07-01-preview", true}, {"2023-02-01-preview", false}} {
		var tmpl struct {
			Resources []struct {
				APIVersion string         `json:"apiVersion"`
				Properties map[string]any `json:"properties"`
			} `json:"resources"`
		}
		if err := json.Unmarshal([]byte(Assemble(FormatARM, []string{ARMResource(a, c.version), ARMResource(a, c.version)})), &tmpl); err != nil {
			t.Fatal(err)
		}
		if len(tmpl.Resources) != 2 || tmpl.Resources[0].APIVersion != c.version {
			t.Fatalf("%s: %+v", c.version, tmpl)
		}
		p := tmpl.Resources[0].Properties
		if _, has := p["subTechniques"]; has != c.subs {
			t.Errorf("%s: subTechniques present %v, want %v", c.version, has, c.subs)
		}
		if p["displayName"] != "[[not an expression]" || p["queryFrequency"] != "PT1H" || p["triggerOperator"] != "GreaterThan" {
			t.Errorf("%s: properties %v", c.version, p)
		}
	}

	var list []map[string]any
	if err := json.Unmarshal([]byte(Assemble(FormatDefender, []string{DefenderDetection(a), DefenderDetection(a)})), &list); err != nil || len(list) != 2 {
		t.Fatalf("defender list: %v %v", err, list)
	}
	sched := list[0]["schedule"].(map[string]any)
	if sched["frequency"] != "PT1H" || sched["period"] != nil {
		t.Errorf("schedule %v: want frequency only", sched)
	}
	if Assemble(FormatSentinel, nil) != "" || Assemble(FormatARM, nil) != "" {
		t.Error("no documents must make an empty text")
	}
}

// TestSentinelYAMLRoundTrip: strings that YAML would read as something
// else are quoted, and the rule file reads back to the same values.
func TestSentinelYAMLRoundTrip(t *testing.T) {
	a := validAlert()
	for _, name := range []string{"123", "yes", "null", "- dash", "a: b", "#hash", "tab\there", "  lead", "[x]", "ünïcode ✓"} {
		a.Name = name
		a.Description = name + "\nsecond line"
		a.Query = "T\n| where x == \"a\"  \n| where y\t== 1"
		var m map[string]any
		if err := yaml.Unmarshal([]byte(SentinelYAML(a)), &m); err != nil {
			t.Fatal(err)
		}
		if m["name"] != a.Name || m["description"] != a.Description || m["query"] != a.Query {
			t.Errorf("%q: read back %q %q %q", name, m["name"], m["description"], m["query"])
		}
	}
}

// TestRenderCorrelation: a correlation's rule takes its metadata from the
// correlation, the connectors of every table it reads, entities only over
// its group-by columns, and a period that covers its timespan.
func TestRenderCorrelation(t *testing.T) {
	p := pipeline.Builtin("microsoft_xdr")
	in := func(table string) *backends.CorrelationInput {
		return &backends.CorrelationInput{Rule: &pipeline.Result{Rule: &ast.Rule{}, Table: table, Schema: p.Schema[table]}}
	}
	inner := &backends.Correlation{Doc: &ast.Correlation{Timespan: "1d"}, Inputs: []*backends.CorrelationInput{in("DeviceLogonEvents")}}
	c := &backends.Correlation{
		Doc: &ast.Correlation{Meta: ast.Meta{Title: "Corr", ID: "6a1b2c3d-0001-4e5f-8a9b-0c1d2e3f4a01", Tags: []string{"attack.t1110"}},
			Timespan: "30m", GroupBy: []string{"DeviceName", "User"}},
		Inputs: []*backends.CorrelationInput{in("DeviceProcessEvents"), in("DeviceProcessEvents"), {Correlation: inner}},
	}
	docs, err := RenderCorrelation(FormatSentinel, c, []string{"Q"}, DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name       string `yaml:"name"`
		Period     string `yaml:"queryPeriod"`
		Tactics    []string
		Connectors []struct {
			ConnectorID string   `yaml:"connectorId"`
			DataTypes   []string `yaml:"dataTypes"`
		} `yaml:"requiredDataConnectors"`
		Entities []struct {
			EntityType string `yaml:"entityType"`
		} `yaml:"entityMappings"`
	}
	if err := yaml.Unmarshal([]byte(docs[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "Corr" || got.Period != "1d" || len(got.Tactics) != 1 || got.Tactics[0] != "CredentialAccess" {
		t.Errorf("rule %+v", got)
	}
	if len(got.Connectors) != 1 || strings.Join(got.Connectors[0].DataTypes, ",") != "DeviceProcessEvents,DeviceLogonEvents" {
		t.Errorf("connectors %+v", got.Connectors)
	}
	if len(got.Entities) != 1 || got.Entities[0].EntityType != "Host" {
		t.Errorf("entities %+v: want Host only (DeviceName is the one group-by column they use)", got.Entities)
	}
}

func TestARMTemplatesSplit(t *testing.T) {
	a := validAlert()
	small := ARMResource(a, DefaultARMAPIVersion)
	var docs []string
	for range 1700 {
		docs = append(docs, small)
	}
	files, err := ARMTemplates(docs)
	if err != nil {
		t.Fatal(err)
	}
	var counts []int
	for _, f := range files {
		var tpl struct{ Resources []json.RawMessage }
		if err := json.Unmarshal([]byte(f), &tpl); err != nil {
			t.Fatal(err)
		}
		counts = append(counts, len(tpl.Resources))
	}
	if !slices.Equal(counts, []int{800, 800, 100}) {
		t.Errorf("resources per template %v, want 800, 800, 100", counts)
	}
	// Large resources: the 4 MB limit splits first, and every file is
	// within it.
	a.Description = strings.Repeat("d", 4000)
	a.Query = strings.Repeat("q", 9000)
	big := ARMResource(a, DefaultARMAPIVersion)
	docs = docs[:0]
	for range 700 {
		docs = append(docs, big)
	}
	files, err = ARMTemplates(docs)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range files {
		if len(f) > ARMMaxBytes {
			t.Errorf("template of %d bytes", len(f))
		}
		var tpl struct{ Resources []json.RawMessage }
		if err := json.Unmarshal([]byte(f), &tpl); err != nil {
			t.Fatal(err)
		}
		total += len(tpl.Resources)
	}
	if len(files) < 2 || total != 700 {
		t.Errorf("%d templates holding %d resources", len(files), total)
	}
	if _, err := ARMTemplates([]string{`"` + strings.Repeat("x", ARMMaxBytes) + `"`}); err == nil || !strings.Contains(err.Error(), "larger than ARM's limit") {
		t.Errorf("a resource over 4 MB: %v", err)
	}
}

func TestARMChecks(t *testing.T) {
	_, err := ParseOptions(backends.Options{OptARMAPIVersion: "2099-01-01"})
	if err == nil || !strings.Contains(err.Error(), `arm_api_version "2099-01-01" is not an API version of Microsoft.SecurityInsights/alertRules`) || !strings.Contains(err.Error(), "2025-09-01") {
		t.Errorf("2099-01-01: %v", err)
	}
	for _, v := range []string{"2020-01-01", "2023-12-01-preview", DefaultARMAPIVersion} {
		if _, err := ParseOptions(backends.Options{OptARMAPIVersion: v}); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	a := validAlert()
	a.Entities = []EntityMapping{{EntityType: "IoTDevice", FieldMappings: []FieldMapping{{Identifier: "DeviceId", ColumnName: "DeviceId"}}}}
	if errs := Validate(a); len(errs) > 0 {
		t.Fatalf("IoTDevice is a Sentinel rule file entity: %v", errs)
	}
	errs := ValidateARM(a)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "entity type IoTDevice is not one ARM accepts") {
		t.Errorf("IoTDevice in ARM: %v", errs)
	}
}
