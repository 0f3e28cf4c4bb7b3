package pipeline_test

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A pipeline file with mistakes is reported as file:line:col: message, one
// line per mistake, in file order.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown top-level key and transformation type", `name: p
priorty: 3
transformations:
  - type: map_feilds
    mapping: {Image: ProcessPath}
`, []string{
			`p.yml:2:1: unknown key "priorty", did you mean "priority"?`,
			`p.yml:4:5: unknown transformation type "map_feilds", did you mean "map_fields"?`,
		}},
		{"unknown transformation key", `transformations:
  - type: map_fields
    mappings:
      Image: ProcessPath
`, []string{
			`p.yml:3:5: unknown key "mappings", did you mean "mapping"?`,
		}},
		{"values of the wrong type", `priority: high
targets: kusto
transformations:
  - type: drop_fields
    fields: {a: b}
`, []string{
			`p.yml:1:11: expected a whole number, not the string "high"`,
			`p.yml:2:10: expected a list of strings, not the string "kusto"`,
			`p.yml:5:13: expected a list of strings, not a mapping`,
		}},
		{"misspelt test in when", `transformations:
  - type: drop_fields
    when: {categori: process_creation}
    fields: [EventID]
`, []string{
			`p.yml:3:12: unknown key "categori", did you mean "category"?`,
		}},
		{"missing key and bad mapping", `transformations:
  - type: drop_fields
  - type: map_fields
    mapping:
      Image: {a: b}
`, []string{
			`p.yml:2:5: transformation drop_fields needs fields`,
			`p.yml:5:14: mapping of Image must be a field name or a list of field names`,
		}},
		{"invalid YAML", "name: [p\n", []string{
			`p.yml:1:1: invalid YAML: did not find expected ',' or ']'`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pipeline.Load("p.yml", []byte(tt.src), nil)
			if err == nil {
				t.Fatal("no error")
			}
			var b strings.Builder
			ast.PrintErrors(&b, err)
			got := strings.Split(strings.TrimSpace(b.String()), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// Every table that a built-in pipeline selects by itself is in its schema,
// so its fields are validated and typed.
func TestBuiltinTablesHaveSchemas(t *testing.T) {
	for _, p := range pipeline.Builtins() {
		if p.Tables == nil {
			continue
		}
		var tables []string
		for _, table := range p.Tables.Categories {
			tables = append(tables, table)
		}
		if p.Tables.EventIDs != nil {
			for _, g := range p.Tables.EventIDs.Groups {
				if g.Table != "" {
					tables = append(tables, g.Table)
				}
			}
		}
		for _, table := range tables {
			if _, ok := p.Schema[table]; !ok {
				t.Errorf("pipeline %s selects table %s, which its schema lacks", p.Name, table)
			}
		}
	}
}

const processRule = `title: t
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\cmd.exe'
        CommandLine|contains: whoami
        User: bob
    condition: selection
`

// fields applies the pipelines to the rule and returns the table and the
// field names of the result, in rule order.
func fields(t *testing.T, ps []*pipeline.Pipeline, opt pipeline.Options, rule string) (string, []string) {
	t.Helper()
	f, err := parser.ParseFile("r.yml", []byte(rule))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Apply(pipeline.Sort(ps), f.Docs[0].(*ast.Rule), opt)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range res.Rule.Detection.Searches {
		ast.FieldMatches(s.Body, func(fm *ast.FieldMatch) { out = append(out, fm.Field) })
	}
	return res.Table, out
}

func load(t *testing.T, src string) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.Load("user.yml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A user pipeline's query_table and mappings win over a built-in
// pipeline's, whatever the command-line order; -O query_table wins over
// both, and the mappings of that table apply.
func TestComposition(t *testing.T) {
	xdr := pipeline.Builtin("microsoft_xdr")
	user := load(t, "query_table: MyTable_CL\ntransformations:\n  - type: map_fields\n    mapping: {Image: ProcessPath}\n")
	late := load(t, "priority: 20\nquery_table: MyTable_CL\n")
	signin := "title: t\nlogsource: {product: azure, service: signinlogs}\ndetection:\n    sel: {User: bob, ResultType: 50126}\n    condition: sel\n"
	tests := []struct {
		name       string
		ps         []*pipeline.Pipeline
		opt        pipeline.Options
		rule       string
		table      string
		wantFields string
	}{
		{"user file alone", []*pipeline.Pipeline{user}, pipeline.Options{}, processRule, "MyTable_CL", "ProcessPath CommandLine User"},
		{"user file after the built-in", []*pipeline.Pipeline{xdr, user}, pipeline.Options{}, processRule, "MyTable_CL", "ProcessPath InitiatingProcessCommandLine InitiatingProcessAccountName"},
		{"user file before the built-in", []*pipeline.Pipeline{user, xdr}, pipeline.Options{}, processRule, "MyTable_CL", "ProcessPath InitiatingProcessCommandLine InitiatingProcessAccountName"},
		{"a later priority still sets the table", []*pipeline.Pipeline{xdr, late}, pipeline.Options{}, processRule, "MyTable_CL", "InitiatingProcessFolderPath InitiatingProcessCommandLine InitiatingProcessAccountName"},
		{"-O wins and keeps the table's mapping", []*pipeline.Pipeline{xdr, late}, pipeline.Options{QueryTable: "DeviceProcessEvents"}, processRule, "DeviceProcessEvents", "FolderPath ProcessCommandLine AccountName"},
		{"azure_monitor with SigninLogs", []*pipeline.Pipeline{pipeline.Builtin("azure_monitor")}, pipeline.Options{QueryTable: "SigninLogs"}, signin, "SigninLogs", "UserPrincipalName ResultType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, got := fields(t, tt.ps, tt.opt, tt.rule)
			if table != tt.table || strings.Join(got, " ") != tt.wantFields {
				t.Errorf("got %s: %s, want %s: %s", table, strings.Join(got, " "), tt.table, tt.wantFields)
			}
		})
	}
}
