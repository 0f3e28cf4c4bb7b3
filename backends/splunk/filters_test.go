package splunk

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// convertRun converts a Sigma source as the command line does (filters
// and correlations resolved by the engine) and returns the text of its
// results, a blank line between two, or the first error.
func convertRun(t *testing.T, src, format string, pipes ...string) (string, error) {
	t.Helper()
	var ps []*pipeline.Pipeline
	for _, name := range pipes {
		ps = append(ps, pipeline.Builtin(name))
	}
	b := New(nil)
	cfg := &engine.Config{Backend: b, Format: format, Pipelines: pipeline.Sort(ps), Jobs: 1}
	var queries []string
	for _, r := range engine.Run(cfg, []engine.Input{{Name: "rule.yml", Src: []byte(src)}}) {
		if r.Err != nil {
			return "", r.Err
		}
		queries = append(queries, r.Queries...)
	}
	return strings.TrimSuffix(b.Assemble(format, queries), "\n"), nil
}

// TestFilters: the filter cases of the reference (a filter for any rule, by
// id, the specification's example, another log source), a filter's regular
// expression, and the exclusions in every format.
func TestFilters(t *testing.T) {
	rule := `title: Whoami Execution
id: 44444444-0000-0000-0000-000000000001
name: whoami_exec
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
fields:
    - CommandLine
    - User
`
	filter := func(rules, category, condition string) string {
		return "---\ntitle: F\nlogsource:\n    product: windows\n    category: " + category + "\nfilter:\n    rules: " + rules + "\n    selection:\n        User|startswith: 'adm_'\n    condition: " + condition + "\n"
	}
	tests := []struct{ name, src, format, want string }{
		{"any", rule + filter("any", "process_creation", "not selection"), FormatDefault, `Image="*\\whoami.exe" NOT User="adm_*" | table CommandLine,User`},
		{"by id", rule + filter("[44444444-0000-0000-0000-000000000001]", "process_creation", "not selection"), FormatDefault, `Image="*\\whoami.exe" NOT User="adm_*" | table CommandLine,User`},
		{"spec example", rule + filter("[whoami_exec]", "process_creation", "selection"), FormatDefault, `Image="*\\whoami.exe" NOT User="adm_*" | table CommandLine,User`},
		{"other log source", rule + filter("any", "image_load", "selection"), FormatDefault, `Image="*\\whoami.exe" | table CommandLine,User`},
		{"two filters", rule + filter("any", "process_creation", "selection") + `---
title: G
logsource: {product: windows}
filter:
    rules: any
    a: {ParentImage|endswith: '\explorer.exe'}
    b: {CommandLine|re: '/all$'}
    condition: a or b
`, FormatDefault, `Image="*\\whoami.exe"
| rex field=CommandLine "(?<CommandLineMatch>/all$)"
| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
| search NOT User="adm_*" NOT (ParentImage="*\\explorer.exe" OR CommandLineCondition="true") | table CommandLine,User`},
		{"regex", rule + `---
title: G
logsource: {product: windows}
filter:
    rules: any
    b: {CommandLine|re: '/all$'}
    condition: b
`, FormatSavedSearches, "search = Image=\"*\\\\whoami.exe\" \\\n| regex CommandLine!=\"/all$\" \\\n| table CommandLine,User\n"},
		{"data_model", rule + filter("any", "process_creation", "selection"), FormatDataModel, `where Processes.process_path="*\\whoami.exe" NOT Processes.user="adm_*" by`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pipe := "splunk_windows"
			if tc.format == FormatDataModel {
				pipe = "splunk_cim"
			}
			got, err := convertRun(t, tc.src, tc.format, pipe)
			if err != nil {
				t.Fatal(err)
			}
			if tc.format == FormatDefault && got != tc.want || tc.format != FormatDefault && !strings.Contains(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
