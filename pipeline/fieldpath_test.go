package pipeline_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

func TestParseFieldPath(t *testing.T) {
	tests := []struct {
		in   string
		want *pipeline.FieldPath // nil: no path
	}{
		{"Image", nil},
		{"EventData.Image", &pipeline.FieldPath{Column: "EventData", Members: []string{"Image"}}},
		{"EventData['Image Path'].x", &pipeline.FieldPath{Column: "EventData", Members: []string{"Image Path", "x"}}},
		{`a["b.c"]`, &pipeline.FieldPath{Column: "a", Members: []string{"b.c"}}},
		{"parse_json(AdditionalFields).PipeName", &pipeline.FieldPath{Func: "parse_json",
			Arg: &pipeline.FieldPath{Column: "AdditionalFields"}, Members: []string{"PipeName"}}},
		{"tostring(parse_json(A).b)", &pipeline.FieldPath{Func: "tostring",
			Arg: &pipeline.FieldPath{Func: "parse_json", Arg: &pipeline.FieldPath{Column: "A"}, Members: []string{"b"}}}},
		{"cs-method", nil},
		{"a..b", nil},
		{"a['b]", nil},
		{"f(a", nil},
		{"f(a b).c", nil},
		{"1a.b", nil},
	}
	for _, tt := range tests {
		got, ok := pipeline.ParseFieldPath(tt.in)
		if ok != (tt.want != nil) || ok && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFieldPath(%q) = %+v, %v; want %+v", tt.in, got, ok, tt.want)
		}
	}
}

const computedPipeline = `name: computed
query_table: T
schema:
  T: {Data: dynamic, Xml: string, Name: string}
transformations:
  - type: computed_column
    name: Path
    expression: strcat(Name, "\\x")
  - type: computed_column
    columns: {Bag: dynamic, Text: string}
    query: "| extend Bag = parse_xml(Xml), Text = Xml"
  - type: map_fields
    mapping:
      Image: Data.Image
      Pipe: parse_json(Xml).pipe
      Target: Path
      Other: Nope.x
      Inner: Bag.inner
  - type: validate_fields
`

func applyComputed(t *testing.T, detection string) (*pipeline.Result, error) {
	t.Helper()
	src := "title: t\nlogsource:\n    product: windows\ndetection:\n    sel:\n" + detection + "    condition: sel\n"
	res, _, err := applyText(t, computedPipeline, src)
	return res, err
}

// applyText applies the pipeline of YAML text pipe to the rule of YAML text
// rule; a pipeline or rule that does not parse fails the test.
func applyText(t *testing.T, pipe, rule string) (*pipeline.Result, *ast.Rule, error) {
	t.Helper()
	p := load(t, pipe)
	f, err := parser.ParseFile("r.yml", []byte(rule))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Docs[0].(*ast.Rule)
	res, err := pipeline.Apply([]*pipeline.Pipeline{p}, r, pipeline.Options{})
	return res, r, err
}

// computed_column declares the columns of the result, and validate_fields
// accepts paths into dynamic columns, functions of columns and computed
// columns, but not a path whose column does not exist.
func TestComputedColumnsAndPaths(t *testing.T) {
	res, err := applyComputed(t, "        Image: a\n        Pipe: b\n        Target: c\n        Inner: d\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []*pipeline.Column{
		{Types: map[string]string{"Path": "string"}, Text: `| extend Path = strcat(Name, "\\x")`},
		{Types: map[string]string{"Bag": "dynamic", "Text": "string"}, Text: "| extend Bag = parse_xml(Xml), Text = Xml"},
	}
	if !reflect.DeepEqual(res.Columns, want) {
		t.Errorf("Columns = %+v, want %+v", res.Columns, want)
	}
	_, err = applyComputed(t, "        Other: a\n")
	if err == nil || !strings.Contains(err.Error(), `field "Nope.x" is not a column of table T`) {
		t.Errorf("a path into no column: error %v", err)
	}
}

func TestComputedColumnErrors(t *testing.T) {
	for src, want := range map[string]string{
		"transformations:\n  - type: computed_column\n    name: X\n":                      "computed_column with name needs expression",
		"transformations:\n  - type: computed_column\n    columns: {X: string}\n":         "computed_column with columns needs query",
		"transformations:\n  - type: computed_column\n    expression: a\n":                "transformation computed_column needs name or columns",
		"transformations:\n  - type: computed_column\n    name: X\n    columns: {X: a}\n": "computed_column with name needs expression",
	} {
		_, err := pipeline.Load("p.yml", []byte(src), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", src, err, want)
		}
	}
}

// prefix_fields renames the field a field reference names, as map_fields
// does, so that both sides of the comparison are read from the same place.
func TestPrefixFieldsRenamesReferences(t *testing.T) {
	src := "title: t\nlogsource:\n    product: windows\ndetection:\n    sel:\n        TargetFilename|fieldref: Image\n    condition: sel\n"
	res, _, err := applyText(t, "transformations:\n  - type: prefix_fields\n    value: EventData.\n", src)
	if err != nil {
		t.Fatal(err)
	}
	fm := res.Rule.Detection.Searches[0].Body.(*ast.AllOf).Items[0].(*ast.FieldMatch)
	if ref := fm.Values[0].(*ast.FieldRef); fm.Field != "EventData.TargetFilename" || ref.Field != "EventData.Image" {
		t.Errorf("field %s, reference %s; want both prefixed", fm.Field, ref.Field)
	}
}

// logsource_condition adds the test of the rule's category, else of its
// service, and nothing for other rules.
func TestLogsourceCondition(t *testing.T) {
	pipe := `transformations:
  - type: logsource_condition
    field: Channel
    categories: {process_creation: Sysmon}
    services: {security: Security, powershell: [PS, PSCore]}
`
	for logsource, want := range map[string]string{
		"category: process_creation\n    service: security": "Channel=[Sysmon]",
		"service: powershell":                               "Channel=[PS PSCore]",
		"service: system":                                   "",
		"category: image_load":                              "",
	} {
		src := "title: t\nlogsource:\n    product: windows\n    " + logsource + "\ndetection:\n    sel:\n        a: b\n    condition: sel\n"
		res, _, err := applyText(t, pipe, src)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, s := range res.Rule.Detection.Searches {
			if fm, ok := s.Body.(*ast.FieldMatch); ok && strings.HasPrefix(s.Name, "_pipeline_") {
				var vals []string
				for _, v := range fm.Values {
					vals = append(vals, v.(*ast.String).Plain())
				}
				got = fmt.Sprintf("%s=%v", fm.Field, vals)
			}
		}
		if got != want {
			t.Errorf("%s: added %q, want %q", logsource, got, want)
		}
	}
}

// keywords_field turns keywords into contains tests of one field; values
// with fields and the rule's own values are left as they are.
func TestKeywordsField(t *testing.T) {
	src := "title: t\nlogsource:\n    product: windows\ndetection:\n    keywords:\n        - mimikatz\n        - 'sekurlsa::*'\n        - 42\n    sel:\n        a: b\n    condition: keywords and sel\n"
	res, rule, err := applyText(t, "transformations:\n  - type: keywords_field\n    field: Text\n", src)
	if err != nil {
		t.Fatal(err)
	}
	fm := res.Rule.Detection.Searches[0].Body.(*ast.FieldMatch)
	var got []string
	for _, v := range fm.Values {
		text, _ := ast.ValueText(v)
		got = append(got, text)
	}
	if fm.Field != "Text" || strings.Join(got, "|") != "*mimikatz*|*sekurlsa::*|*42*" {
		t.Errorf("field %q, values %q", fm.Field, got)
	}
	orig := rule.Detection.Searches[0].Body.(*ast.FieldMatch)
	if text, _ := ast.ValueText(orig.Values[0]); orig.Field != "" || text != "mimikatz" {
		t.Errorf("the rule itself changed: %q %q", orig.Field, text)
	}
}
