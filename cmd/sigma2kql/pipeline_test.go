package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pipeline file with a mistake stops the run before any rule is
// converted, with the mistake as file:line:col: message and exit status 2.
func TestPipelineFileError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "my_table.yml")
	src := "name: my_table\nquery_table: MyTable_CL\ntransformations:\n  - type: map_fields\n    mappings:\n      Image: ProcessPath\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-p", file, "rules/custom_table"}, filepath.Join("..", ".."))
	if code != 2 || stdout != "" {
		t.Errorf("exit status %d, stdout %q; want 2 and nothing", code, stdout)
	}
	want := file + `:5:5: unknown key "mappings", did you mean "mapping"?`
	if first, _, _ := strings.Cut(stderr, "\n"); first != want {
		t.Errorf("stderr starts with\n%s\nwant\n%s", first, want)
	}
}

// list pipelines names every built-in pipeline with its targets.
func TestListPipelines(t *testing.T) {
	stdout, _, code := runCLI([]string{"list", "pipelines"}, ".")
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	for _, name := range []string{"microsoft_xdr", "sentinel_asim", "azure_monitor"} {
		found := false
		for _, line := range strings.Split(stdout, "\n") {
			f := strings.Fields(line)
			found = found || len(f) > 0 && f[0] == name && strings.Contains(line, "kusto")
		}
		if !found {
			t.Errorf("list pipelines has no line for %s with its target:\n%s", name, stdout)
		}
	}
}

// A user pipeline's prefix_fields renames a correlation's group-by fields
// as it renames the fields of the rules the correlation counts.
func TestPrefixFieldsCorrelation(t *testing.T) {
	pipe, rules := filepath.Join("testdata", "prefix_fields.yml"), filepath.Join("testdata", "prefix")
	tests := []struct{ target, want string }{
		{"kusto", "Events_CL\n| where ['Ev.EventID'] == 4624\n| extend TargetUserName = ['Ev.TargetUserName']\n" +
			"| summarize event_count = count() by bin(TimeGenerated, 5m), TargetUserName\n| where event_count >= 3\n"},
		{"splunk", "Ev.EventID=4624\n\n| bin _time span=5m\n| stats count as event_count by _time Ev.TargetUserName\n\n| search event_count >= 3\n"},
	}
	for _, tt := range tests {
		stdout, stderr, code := runCLI([]string{"convert", "-t", tt.target, "-p", pipe, rules}, ".")
		if code != 0 || stdout != tt.want {
			t.Errorf("%s: exit %d\nstdout %q\nwant   %q\nstderr %s", tt.target, code, stdout, tt.want, stderr)
		}
	}
}
