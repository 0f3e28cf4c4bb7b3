package splunk

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// templateRule has a test that becomes a command after the search, so
// that its search has two lines.
const templateRule = `title: Test
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\cmd.exe'
        CommandLine|re: 'a.*b'
    condition: sel
`

// convertTemplate converts templateRule with a pipeline file of the given
// top-level keys.
func convertTemplate(t *testing.T, keys, format string) (string, error) {
	t.Helper()
	p, err := pipeline.Load("p.yml", []byte("name: p\n"+keys), nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile("rule.yml", []byte(templateRule))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Apply([]*pipeline.Pipeline{p}, f.Docs[0].(*ast.Rule), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := New(nil).Convert(res, format)
	return strings.Join(qs, "\n\n"), err
}

// TestQueryTemplate: a pipeline's query template holds the search in every
// format that has room for it ({table} is the pipeline's table as
// written), and is an error, not silence, where it cannot apply.
func TestQueryTemplate(t *testing.T) {
	const search = "Image=\"*\\\\cmd.exe\"\n| regex CommandLine=\"a.*b\""
	for _, tc := range []struct{ name, keys, format, want, err string }{
		{"condition", "query: 'index=security {condition}'\n", FormatDefault, "index=security " + search, ""},
		{"table", "query_table: 'index=security sourcetype=xmlwineventlog'\nquery: '{table} {condition} | head 10'\n", FormatDefault,
			"index=security sourcetype=xmlwineventlog " + search + " | head 10", ""},
		{"savedsearches", "query: 'index=security {condition}'\n", FormatSavedSearches,
			"search = index=security Image=\"*\\\\cmd.exe\"\\\n| regex CommandLine=\"a.*b\"\n", ""},
		{"no template", "", FormatDefault, search, ""},
		{"no table", "query: '{table} {condition}'\n", FormatDefault, "", "rule.yml:3:5: no pipeline of the run has a table for log source {product: windows, category: process_creation}"},
		{"prefilter", "query_table: T\nquery: '{table} {prefilter} {condition}'\n", FormatDefault, "", "rule.yml:3:5: the query template \"{table} {prefilter} {condition}\" of the pipelines names {prefilter}, which this target does not fill"},
		{"data model", "query: 'index=security {condition}'\n", FormatDataModel, "", "rule.yml:3:5: the data_model format writes its own tstats search"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := convertTemplate(t, tc.keys, tc.format)
			switch {
			case tc.err != "":
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Errorf("error = %v, want %s...", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case tc.format == FormatSavedSearches && !strings.Contains(got, tc.want):
				t.Errorf("got\n%s\nwant a stanza with\n%s", got, tc.want)
			case tc.format != FormatSavedSearches && got != tc.want:
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
