package kql

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The pipeline of the README's "Field expressions" section.
const exprPipeline = `name: my_events
query_table: MyEvents_CL
schema:
  MyEvents_CL: {RawXml: string, Props: dynamic, Host: string, Count: long}
transformations:
  - type: computed_column
    name: Parsed
    column_type: dynamic
    expression: parse_xml(RawXml).Event
  - type: map_fields
    mapping:
      Image: Props.Image
      PipeName: Parsed.Pipe
      CommandLine: tostring(parse_json(Host).cmd)
      Size: tolong(Props.size)
`

func convertWith(t *testing.T, pipe, detection string) string {
	t.Helper()
	p, err := pipeline.Load("p.yml", []byte(pipe), nil)
	if err != nil {
		t.Fatal(err)
	}
	src := "title: t\nlogsource:\n    product: windows\ndetection:\n" + detection
	f, err := parser.ParseFile("t.yml", []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", detection, err)
	}
	res, err := pipeline.Apply([]*pipeline.Pipeline{p}, f.Docs[0].(*ast.Rule), pipeline.Options{})
	if err != nil {
		t.Fatalf("%s: %v", detection, err)
	}
	qs, err := New(nil).Convert(res, "default")
	if err != nil {
		t.Fatalf("%s: %v", detection, err)
	}
	return strings.Join(qs, "\n---\n")
}

func TestFieldExpressions(t *testing.T) {
	tests := []struct{ detection, want string }{
		// The README's example.
		{"    sel:\n        Image|endswith: '\\cmd.exe'\n        PipeName: x\n        CommandLine|contains: y\n    condition: sel\n",
			"MyEvents_CL\n| extend Parsed = parse_xml(RawXml).Event\n" +
				`| where tostring(Props.Image) endswith "\\cmd.exe" and tostring(Parsed.Pipe) =~ "x" and tostring(parse_json(Host).cmd) contains "y"`},
		// The computed column only when a field needs it.
		{"    sel:\n        Image: a\n    condition: sel\n", "MyEvents_CL\n| where tostring(Props.Image) =~ \"a\""},
		// Numbers: as the event stores them, compared with tolong().
		{"    sel:\n        Image: 3\n        Image|gt: 4\n    condition: sel\n",
			"MyEvents_CL\n| where tostring(Props.Image) =~ \"3\" and tolong(Props.Image) > 4"},
		{"    sel:\n        Size|gte: 10\n        Size: 5\n    condition: sel\n",
			"MyEvents_CL\n| where tolong(Props.size) >= 10 and tolong(Props.size) == 5"},
		// null and exists: absent or empty.
		{"    sel:\n        Image: null\n        PipeName|exists: true\n    condition: sel\n",
			"MyEvents_CL\n| extend Parsed = parse_xml(RawXml).Event\n| where isempty(tostring(Props.Image)) and isnotempty(tostring(Parsed.Pipe))"},
		// A rule's own path into a dynamic column; member names that are no
		// identifier are quoted.
		{"    sel:\n        Props.a b: x\n        Props.where: y\n        Props.it's: z\n    condition: sel\n",
			"MyEvents_CL\n| where tostring(Props['a b']) =~ \"x\" and tostring(Props['where']) =~ \"y\" and tostring(Props['it\\'s']) =~ \"z\""},
		// A dotted name on no dynamic column stays a column name.
		{"    sel:\n        Host.x: a\n    condition: sel\n", "MyEvents_CL\n| where ['Host.x'] =~ \"a\""},
		// Lists of values.
		{"    sel:\n        Image:\n            - a\n            - b\n    condition: sel\n",
			"MyEvents_CL\n| where tostring(Props.Image) in~ (\"a\", \"b\")"},
	}
	for _, tt := range tests {
		if got := convertWith(t, exprPipeline, tt.detection); got != tt.want {
			t.Errorf("%s\ngot:\n%s\nwant:\n%s", tt.detection, got, tt.want)
		}
	}
}

// A template with {prefilter} puts the pipelines' added tests in a where
// clause of their own, before the computed columns.
func TestPrefilterTemplate(t *testing.T) {
	pipe := `name: pre
query_table: T
query: "{table}\n| where {prefilter}\n{columns}\n| where {condition}"
schema:
  T: {Channel: string, EventID: int, Raw: string}
transformations:
  - type: computed_column
    columns: {Bag: dynamic}
    query: "| extend Bag = parse_json(Raw)"
  - type: prefix_fields
    value: Bag.
  - type: add_condition
    field: Channel
    value: Security
  - type: add_condition
    field: EventID
    value: [4624, 4625]
`
	got := convertWith(t, pipe, "    sel:\n        LogonType: 3\n    filter:\n        TargetUserName: x\n    condition: sel and not filter\n")
	want := "T\n| where Channel =~ \"Security\" and (EventID in (4624, 4625))\n| extend Bag = parse_json(Raw)\n" +
		"| where tostring(Bag.LogonType) =~ \"3\" and (not(tostring(Bag.TargetUserName) =~ \"x\"))"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestFillLines(t *testing.T) {
	for _, c := range []struct{ q, value, want string }{
		{"{table}\n| where {prefilter}\n{columns}\n| where {condition}", "", "{table}\n{columns}\n| where {condition}"},
		{"{table}\n| where {prefilter}\n{columns}\n| where {condition}", "A", "{table}\n| where A\n{columns}\n| where {condition}"},
		{"{table}\n| where {prefilter}", "", "{table}"},
		{"| where {prefilter}", "", ""},
		{"{table}", "", "{table}"},
	} {
		if got := fillLines(c.q, "prefilter", c.value); got != c.want {
			t.Errorf("fillLines(%q, %q) = %q, want %q", c.q, c.value, got, c.want)
		}
	}
}
