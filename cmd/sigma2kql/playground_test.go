package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	btargets "github.com/sigma2kql/sigma2kql/backends/targets"
	"github.com/sigma2kql/sigma2kql/pipeline"
	"github.com/sigma2kql/sigma2kql/playground/convert"
)

// The playground converts in the browser with package convert. For every
// file of rules/, target, built-in pipeline and format, it must print
// what `sigma2kql convert` prints for the same file named rule.yml:
// the same standard output, byte for byte, and the same diagnostics of
// the rule and pipeline files.
func TestPlaygroundMatchesCLI(t *testing.T) {
	var rules []string
	err := filepath.WalkDir("../../rules", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && matchPattern("", d.Name()) {
			rules = append(rules, p)
		}
		return err
	})
	if err != nil || len(rules) == 0 {
		t.Fatalf("no rules: %v", err)
	}
	dir := t.TempDir()
	runs := 0
	for _, rule := range rules {
		src, err := os.ReadFile(rule)
		if err != nil {
			t.Fatal(err)
		}
		for _, req := range requests() {
			req.Rule = string(src)
			comparePlayground(t, dir, rule, req)
			runs++
		}
	}
	t.Logf("%d conversions of %d files compared", runs, len(rules))
}

// Filters of the seed's false-positive scenarios, two built-in pipelines
// and a pipeline of the user's, including a broken one.
func TestPlaygroundMatchesCLIFiltersAndPipelines(t *testing.T) {
	seed, err := os.ReadFile("../../rules/windows/image_load/image_load_dll_cmstp_susp_location.yml")
	if err != nil {
		t.Fatal(err)
	}
	filters, _ := filepath.Glob("../../rules/filters/*.yml")
	if len(filters) == 0 {
		t.Fatal("no filters in rules/filters")
	}
	dir := t.TempDir()
	req := convert.Request{Target: "kusto", Pipelines: []string{"microsoft_xdr"}, Format: "default", Rule: string(seed)}
	for _, f := range filters {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		req.Filters = append(req.Filters, convert.Source{Name: "filters/" + filepath.Base(f), Text: string(text)})
		comparePlayground(t, dir, "seed with "+f, req)
	}
	req.Filters = nil
	// Two built-in pipelines, as -p A -p B.
	for _, two := range []convert.Request{
		{Target: "splunk", Pipelines: []string{"splunk_windows", "splunk_sysmon_acceleration"}, Format: "default"},
		{Target: "kusto", Pipelines: []string{"sentinel_windowsevent", "sentinel_cloud"}, Format: "sentinel_rule"},
	} {
		two.Rule = string(seed)
		comparePlayground(t, dir, "seed with two pipelines", two)
	}
	for _, p := range []string{
		"name: mine\npriority: 200\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      ImageLoaded: MyPath\n",
		"name: mine\ntransformations:\n  - type: field_name_maping\n",
		"name: mine\nquery_table: MyTable_CL\n",
	} {
		req.UserPipeline = p
		comparePlayground(t, dir, "seed with pipeline "+p, req)
	}
}

// requests lists a request per target, format and pipeline choice that
// the command line offers: each built-in pipeline meant for the target,
// and none. They come from the targets' table, so that a target or format
// the playground lacks fails the comparison.
func requests() []convert.Request {
	var out []convert.Request
	for _, t := range btargets.All() {
		choices := [][]string{nil}
		for _, p := range pipeline.Builtins() {
			if len(p.Targets) == 0 || slices.Contains(p.Targets, t.Name) {
				choices = append(choices, []string{p.Name})
			}
		}
		for _, f := range t.New(nil).Formats() {
			for _, p := range choices {
				out = append(out, convert.Request{Target: t.Name, Format: f.Name, Pipelines: p})
			}
		}
	}
	return out
}

// comparePlayground converts req with the playground and with the command
// line, in dir, and reports any difference.
func comparePlayground(t *testing.T, dir, what string, req convert.Request) {
	t.Helper()
	args := []string{"convert", "-t", req.Target, "-f", req.Format}
	for _, p := range req.Pipelines {
		args = append(args, "-p", p)
	}
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if req.UserPipeline != "" {
		write(convert.PipelineFile, req.UserPipeline)
		args = append(args, "-p", convert.PipelineFile)
	}
	for _, f := range req.Filters {
		write(f.Name, f.Text)
		args = append(args, "--filter", f.Name)
	}
	write(convert.RuleFile, req.Rule)
	args = append(args, convert.RuleFile)
	stdout, stderr, code := runCLI(args, dir)
	resp := convert.Run(req)
	if resp.Output != stdout {
		t.Errorf("%s, %s: the playground's output differs from the CLI's\nplayground:\n%s\nCLI:\n%s", what, strings.Join(args, " "), resp.Output, stdout)
	}
	if resp.Failed != (code != exitOK) {
		t.Errorf("%s, %s: playground failed %v, CLI exit status %d\n%s", what, strings.Join(args, " "), resp.Failed, code, stderr)
	}
	lines := strings.Split(stderr, "\n")
	for _, d := range resp.Diagnostics {
		// A problem of the choices (target, pipeline, format) is a usage
		// error of the command line, worded for it.
		if d.File == "" {
			if code != exitUsage {
				t.Errorf("%s, %s: the playground reports %q, the CLI exits %d\n%s", what, strings.Join(args, " "), d.Text, code, stderr)
			}
			continue
		}
		if !slices.Contains(lines, d.Text) {
			t.Errorf("%s, %s: diagnostic %q is not among the CLI's:\n%s", what, strings.Join(args, " "), d.Text, stderr)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, convert.RuleFile+":") && !slices.ContainsFunc(resp.Diagnostics, func(d convert.Diagnostic) bool { return d.Text == l }) {
			t.Errorf("%s, %s: the playground misses the CLI's diagnostic %q", what, strings.Join(args, " "), l)
		}
	}
}
