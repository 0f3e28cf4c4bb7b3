package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/pipeline"
)

// copyRules copies rule files of ../../rules into dir/in, keeping their
// paths, and returns dir/in.
func copyRules(t *testing.T, dir string, rels ...string) string {
	t.Helper()
	in := filepath.Join(dir, "in")
	for _, rel := range rels {
		src, err := os.ReadFile(filepath.Join("..", "..", "rules", rel))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(in, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

// listFiles lists the files under dir, relative and with slashes.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

const (
	seedRule      = "windows/image_load/image_load_dll_cmstp_susp_location.yml"
	twoConditions = "outputs/outputs_two_conditions.yml"
	longTitle     = "outputs/outputs_title_too_long.yml"
)

// TestOutputDir converts a small tree into a directory: one file per
// document, mirroring the input tree, numbered for a rule with two
// conditions, none for a rule that fails; a second run rewrites nothing,
// and a file that changed is written again.
func TestOutputDir(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule, twoConditions, longTitle)
	out := filepath.Join(dir, "out") + "/"
	rep := filepath.Join(dir, "report.json")
	args := []string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", "sentinel_rule", "-o", out, "--report", rep, in}

	_, stderr, code := runCLI(args, dir)
	if code != 1 || !strings.Contains(stderr, "outputs_title_too_long.yml:1:1: invalid Sentinel rule: name (the title) is 308 characters long") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	want := []string{
		"outputs/outputs_two_conditions.1.yaml",
		"outputs/outputs_two_conditions.2.yaml",
		"windows/image_load/image_load_dll_cmstp_susp_location.yaml",
	}
	if diff := cmp.Diff(want, listFiles(t, out)); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	golden, _ := os.ReadFile(filepath.Join("..", "..", "golden", "kusto-microsoft_xdr-sentinel_rule", "windows", "image_load", "image_load_dll_cmstp_susp_location.yaml"))
	seedOut := filepath.Join(out, "windows", "image_load", "image_load_dll_cmstp_susp_location.yaml")
	if got, _ := os.ReadFile(seedOut); string(got) != string(golden) {
		t.Errorf("seed rule file differs from its golden file:\n%s", got)
	}
	r := readReport(t, rep)
	if r.Summary != (reportSummary{Rules: 3, Converted: 2, Failed: 1, FilesWritten: 3}) {
		t.Errorf("summary %+v", r.Summary)
	}

	// Second run, with -s: nothing changes, nothing is rewritten.
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range want {
		os.Chtimes(filepath.Join(out, f), old, old)
	}
	args = append(args[:len(args)-1], "-s", in)
	if _, stderr, code := runCLI(args, dir); code != 0 {
		t.Fatalf("with -s: exit %d\n%s", code, stderr)
	}
	for _, f := range want {
		fi, err := os.Stat(filepath.Join(out, f))
		if err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("%s was rewritten", f)
		}
	}
	if r := readReport(t, rep); r.Summary.FilesWritten != 0 || r.Summary.FilesUnchanged != 3 {
		t.Errorf("second run: %+v", r.Summary)
	}

	// A changed file is written again, atomically: no temporary file is left.
	os.WriteFile(seedOut, []byte("edited\n"), 0o644)
	runCLI(args, dir)
	if got, _ := os.ReadFile(seedOut); string(got) != string(golden) {
		t.Error("an edited output file was not restored")
	}
	if r := readReport(t, rep); r.Summary.FilesWritten != 1 || r.Summary.FilesUnchanged != 2 {
		t.Errorf("third run: %+v", r.Summary)
	}
	if diff := cmp.Diff(want, listFiles(t, out)); diff != "" {
		t.Errorf("files after rewriting (-want +got):\n%s", diff)
	}
}

// TestOutputPrune: --prune deletes the files of the format that the run
// did not write (a rule file removed, a document fewer), keeps those of a
// rule that failed, files of other extensions and dot directories, and
// removes the directories it empties. Without --prune nothing is deleted.
func TestOutputPrune(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule, twoConditions, longTitle)
	out := filepath.Join(dir, "out") + "/"
	rep := filepath.Join(dir, "report.json")
	args := []string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", "sentinel_rule", "-s", "-o", out, "--report", rep, in}
	if _, stderr, code := runCLI(args, dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	extra := []string{
		"removed/deeper/gone.yaml",                                  // its rule file was removed
		"outputs/outputs_two_conditions.3.yaml",                     // its rule now gives two documents
		"outputs/outputs_title_too_long.yaml",                       // its rule fails: its last output stays
		"outputs/outputs_title_too_long.1.yaml",                     // the same, numbered
		"notes.txt",                                                 // another extension
		".git/objects/x.yaml",                                       // a dot directory
		"windows/image_load/image_load_dll_cmstp_susp_location.yml", // not the format's extension
	}
	for _, f := range extra {
		path := filepath.Join(out, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := listFiles(t, out)

	// Without --prune, nothing is deleted.
	if _, stderr, code := runCLI(args, dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if diff := cmp.Diff(before, listFiles(t, out)); diff != "" {
		t.Fatalf("files without --prune (-want +got):\n%s", diff)
	}
	if r := readReport(t, rep); r.Summary.FilesRemoved != 0 || r.Removed != nil {
		t.Errorf("report without --prune: %+v, removed %v", r.Summary, r.Removed)
	}

	args = append(args[:len(args)-1], "--prune", in)
	if _, stderr, code := runCLI(args, dir); code != 0 {
		t.Fatalf("with --prune: exit %d\n%s", code, stderr)
	}
	want := []string{
		".git/objects/x.yaml",
		"notes.txt",
		"outputs/outputs_title_too_long.1.yaml",
		"outputs/outputs_title_too_long.yaml",
		"outputs/outputs_two_conditions.1.yaml",
		"outputs/outputs_two_conditions.2.yaml",
		"windows/image_load/image_load_dll_cmstp_susp_location.yaml",
		"windows/image_load/image_load_dll_cmstp_susp_location.yml",
	}
	if diff := cmp.Diff(want, listFiles(t, out)); diff != "" {
		t.Errorf("files after --prune (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(out, "removed")); !os.IsNotExist(err) {
		t.Errorf("the directory emptied by --prune is still there (%v)", err)
	}
	r := readReport(t, rep)
	wantRemoved := []string{
		filepath.ToSlash(filepath.Join(out, "outputs", "outputs_two_conditions.3.yaml")),
		filepath.ToSlash(filepath.Join(out, "removed", "deeper", "gone.yaml")),
	}
	if diff := cmp.Diff(wantRemoved, r.Removed); diff != "" || r.Summary.FilesRemoved != 2 {
		t.Errorf("report: %+v, removed (-want +got):\n%s", r.Summary, diff)
	}

	// A second run has nothing left to prune.
	runCLI(args, dir)
	if r := readReport(t, rep); r.Summary.FilesRemoved != 0 || r.Summary.FilesUnchanged != 3 {
		t.Errorf("second run with --prune: %+v", r.Summary)
	}

	// An output directory named through a symbolic link is pruned too.
	link := filepath.Join(dir, "link")
	if err := os.Symlink(out, link); err == nil {
		stale := filepath.Join(out, "removed", "again.yaml")
		os.MkdirAll(filepath.Dir(stale), 0o755)
		os.WriteFile(stale, []byte("old\n"), 0o644)
		a := append([]string{}, args...)
		for i := range a {
			if a[i] == out {
				a[i] = link
			}
		}
		if _, stderr, code := runCLI(a, dir); code != 0 {
			t.Fatalf("through a link: exit %d\n%s", code, stderr)
		}
		if _, err := os.Stat(stale); !os.IsNotExist(err) {
			t.Errorf("through a link: %s was not pruned (%v)", stale, err)
		}
	}

	// --prune needs an output.
	a := []string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-s", "--prune", in}
	if _, stderr, code := runCLI(a, dir); code != 2 || !strings.Contains(stderr, "--prune") {
		t.Errorf("--prune without -o: exit %d\n%s", code, stderr)
	}
}

// TestOutputDirForms: an existing directory without a trailing slash is a
// directory, a file argument is mirrored by its name, and two inputs that
// would write one file are an error.
func TestOutputDirForms(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule)
	out := filepath.Join(dir, "existing")
	os.Mkdir(out, 0o755)
	if _, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-o", out, filepath.Join(in, seedRule)}, dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if diff := cmp.Diff([]string{"image_load_dll_cmstp_susp_location.kql"}, listFiles(t, out)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	other := filepath.Join(dir, "other", "image_load_dll_cmstp_susp_location.yml")
	os.MkdirAll(filepath.Dir(other), 0o755)
	src, _ := os.ReadFile(filepath.Join(in, seedRule))
	os.WriteFile(other, src, 0o644)
	_, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-o", out + "/", filepath.Join(in, seedRule), other}, dir)
	if code != 1 || !strings.Contains(stderr, "would also be written for") {
		t.Errorf("collision: exit %d\n%s", code, stderr)
	}
}

// TestOutputFileARM: -o FILE with format arm writes one template holding
// every rule's resources.
func TestOutputFileARM(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule, twoConditions)
	file := filepath.Join(dir, "rules.json")
	if _, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", "arm", "-o", file, in}, dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var tmpl struct {
		Parameters map[string]any `json:"parameters"`
		Resources  []struct {
			Name       string         `json:"name"`
			Properties map[string]any `json:"properties"`
		} `json:"resources"`
	}
	data, _ := os.ReadFile(file)
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range tmpl.Resources {
		names = append(names, r.Properties["displayName"].(string))
	}
	want := []string{"Two Conditions (1/2)", "Two Conditions (2/2)", "DLL Loaded From Suspicious Location Via Cmspt.EXE"}
	if diff := cmp.Diff(want, names); diff != "" || tmpl.Parameters["workspace"] == nil {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
}

// TestOutputFileARMSplit checks that an ARM template over ARM's limit of
// 800 resources is written as numbered templates, and refused on
// standard output.
func TestOutputFileARMSplit(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "rules")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 801 {
		writeRule(t, in, fmt.Sprintf("r%03d.yml", i), "    s:\n        CommandLine: a\n    condition: s\n")
	}
	file := filepath.Join(dir, "all.json")
	convert := []string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", "arm", "-o", file, in}
	// A file of that name that is no template is the user's: no word, and
	// --prune leaves it.
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(append(convert, "--prune"), dir)
	if data, err := os.ReadFile(file); code != 0 || err != nil || string(data) != "{}" || strings.Contains(stderr, "earlier run") {
		t.Fatalf("a file that is no template: exit %d, %q, %v\n%s", code, data, err, stderr)
	}
	// An earlier run wrote one template: it stays, named in a warning.
	earlier := `{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}`
	if err := os.WriteFile(file, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runCLI(convert, dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if want := "warning: " + file + " is left from an earlier run"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != earlier {
		t.Errorf("%s changed without --prune: %q, %v", file, data, err)
	}
	var counts []int
	for _, name := range []string{"all.1.json", "all.2.json"} {
		var tmpl struct{ Resources []json.RawMessage }
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			err = json.Unmarshal(data, &tmpl)
		}
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, len(tmpl.Resources))
	}
	if !slices.Equal(counts, []int{800, 1}) {
		t.Errorf("resources %v, want 800 and 1", counts)
	}
	_, stderr, code = runCLI(append(convert, "--prune"), dir)
	if _, err := os.Stat(file); code != 0 || !os.IsNotExist(err) || !strings.Contains(stderr, "1 deleted") {
		t.Errorf("--prune: exit %d, %s: %v\n%s", code, file, err, stderr)
	}
	_, stderr, code = runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", "arm", in}, dir)
	if code != 1 || !strings.Contains(stderr, "cannot write to standard output: the output needs 2 files") {
		t.Errorf("stdout: exit %d\n%s", code, stderr)
	}
	// Fewer rules: one template; the numbered ones are an earlier run's.
	for i := 1; i < 801; i++ {
		os.Remove(filepath.Join(in, fmt.Sprintf("r%03d.yml", i)))
	}
	stdout, stderr, code := runCLI(append(convert, "--prune", "--dry-run"), dir)
	want := "would write " + file + "\nwould delete " + filepath.Join(dir, "all.1.json") + "\nwould delete " + filepath.Join(dir, "all.2.json") + "\n"
	if code != 0 || stdout != want {
		t.Errorf("--prune --dry-run: exit %d\n%s\nwant:\n%s%s", code, stdout, want, stderr)
	}
	if _, stderr, code = runCLI(convert, dir); code != 0 || strings.Count(stderr, "is left from an earlier run") != 2 {
		t.Errorf("one template after two: exit %d\n%s", code, stderr)
	}
}

// TestReports checks the JSON and JUnit reports of a run with a failure.
func TestReports(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule, longTitle)
	rep := filepath.Join(dir, "r.json")
	base := []string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", "sentinel_rule", "-s", "-o", filepath.Join(dir, "out") + "/"}
	if _, stderr, code := runCLI(append(base, "--report", rep, in), dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r := readReport(t, rep)
	if r.Target != "kusto" || r.Format != "sentinel_rule" || len(r.Rules) != 2 {
		t.Fatalf("report %+v", r)
	}
	failed, ok := r.Rules[0], r.Rules[1] // input order: outputs/ before windows/
	if failed.Status != statusFailed || len(failed.Outputs) != 0 || !strings.Contains(failed.Error, "outputs_title_too_long.yml:1:1: invalid Sentinel rule: name") || failed.ID != "0a0d6a51-1b4e-4a8e-9f34-6f2b1d8a0102" {
		t.Errorf("failed rule %+v", failed)
	}
	if ok.Status != statusConverted || len(ok.Outputs) != 1 || !strings.HasSuffix(ok.Outputs[0], "out/windows/image_load/image_load_dll_cmstp_susp_location.yaml") || ok.Error != "" {
		t.Errorf("converted rule %+v", ok)
	}

	junit := filepath.Join(dir, "r.xml")
	runCLI(append(base, "--report", junit, "--report-format", "junit", in), dir)
	data, _ := os.ReadFile(junit)
	var suites junitSuites
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Tests != 2 || suites.Failures != 1 || len(suites.Suites) != 1 || len(suites.Suites[0].Cases) != 2 {
		t.Fatalf("junit %+v", suites)
	}
	c := suites.Suites[0].Cases[0]
	if c.Failure == nil || !strings.Contains(c.Failure.Message, "invalid Sentinel rule: name") || !strings.HasSuffix(c.Classname, "outputs") {
		t.Errorf("failed case %+v", c)
	}
	if suites.Suites[0].Cases[1].Failure != nil {
		t.Errorf("converted case has a failure")
	}
}

// TestDeployFlags checks the schedule and report flags on the command line.
func TestDeployFlags(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule)
	rule := filepath.Join(in, seedRule)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-f", "sentinel_rule", "--frequency", "2h", "--period", "1d", "--threshold", "5", "--severity-map", "high=Medium"}, 0, "queryFrequency: 2h\nqueryPeriod: 1d\ntriggerOperator: gt\ntriggerThreshold: 5\n"},
		{[]string{"-f", "sentinel_rule", "--severity-map", "high=Medium"}, 0, "severity: Medium\n"},
		{[]string{"-f", "defender_detection", "--frequency", "3h"}, 0, `"frequency": "PT3H"`},
		{[]string{"-f", "arm", "--period", "2d", "--frequency", "1h"}, 0, `"queryPeriod": "P2D"`},
		{[]string{"-f", "sentinel_rule", "--frequency", "2h", "--period", "1h"}, 2, "queryPeriod 1h is shorter than queryFrequency 2h"},
		{[]string{"-f", "sentinel_rule", "--frequency", "2h"}, 0, "queryFrequency: 2h\nqueryPeriod: 2h\n"},
		{[]string{"-f", "sentinel_rule", "--period", "30d"}, 2, "queryPeriod 30d: expected 5m to 14d"},
		{[]string{"--frequency", "2h"}, 2, "--frequency: target kusto with format default does not read option frequency: it is for target kusto, formats sentinel_rule, arm, defender_detection"},
		{[]string{"-f", "defender_detection", "--period", "2h"}, 2, "--period: target kusto with format defender_detection does not read option period: it is for target kusto, formats sentinel_rule, arm"},
		{[]string{"-f", "arm", "-O", "frequncy=2h"}, 2, `-O frequncy: unknown option "frequncy": target kusto with format arm reads arm_api_version, frequency, period, query_table, severity_map, threshold; did you mean "frequency"?`},
		{[]string{"-f", "arm", "--threshold", "many"}, 2, `option threshold="many": expected a whole number`},
		{[]string{"-f", "sentinel_rules"}, 2, `did you mean "sentinel_rule"?`},
		{[]string{"-f", "defender_detection", "--frequency", "5m"}, 2, "frequency 5m: Defender custom detections run every 1h, 3h, 12h or 24h, or continuously (frequency 0)"},
		{[]string{"-f", "defender_detection", "--frequency", "2d"}, 2, "frequency 2d: Defender custom detections"},
		{[]string{"-f", "defender_detection", "--frequency", "0"}, 0, `"frequency": "PT0S"`},
		{[]string{"-f", "arm", "--arm-api-version", "2099-01-01"}, 2, `arm_api_version "2099-01-01" is not an API version of Microsoft.SecurityInsights/alertRules: expected one of 2019-01-01-preview,`},
		{[]string{"-f", "sentinel_rule", "-O", "unknown_techniques=maybe"}, 2, `unknown_techniques "maybe": expected drop, keep or error`},
		{[]string{"--report", filepath.Join(dir, "r"), "--report-format", "xml"}, 2, `report format "xml": expected json or junit`},
	} {
		args := append(append([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr"}, c.args...), rule)
		stdout, stderr, code := runCLI(args, dir)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%v: exit %d, want %d and %q\nstdout:\n%s\nstderr:\n%s", c.args, code, c.code, c.want, stdout, stderr)
		}
	}
}

// TestSeedDeployable checks the seed rule in the three deployable formats:
// each parses, carries the documented query and the fields a deployment
// needs.
func TestSeedDeployable(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "golden", "kusto-microsoft_xdr", "windows", "image_load", "image_load_dll_cmstp_susp_location.kql"))
	if err != nil {
		t.Fatal(err)
	}
	query := strings.TrimSuffix(string(doc), "\n")
	conv := func(format string) []byte {
		stdout, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", format, filepath.Join("rules", seedRule)}, root)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", format, code, stderr)
		}
		return []byte(stdout)
	}

	var s struct {
		ID         string `yaml:"id"`
		Severity   string `yaml:"severity"`
		Connectors []struct {
			ConnectorID string   `yaml:"connectorId"`
			DataTypes   []string `yaml:"dataTypes"`
		} `yaml:"requiredDataConnectors"`
		Tactics    []string `yaml:"tactics"`
		Techniques []string `yaml:"relevantTechniques"`
		Query      string   `yaml:"query"`
		Entities   []struct {
			EntityType    string `yaml:"entityType"`
			FieldMappings []struct {
				ColumnName string `yaml:"columnName"`
			} `yaml:"fieldMappings"`
		} `yaml:"entityMappings"`
		Kind string `yaml:"kind"`
	}
	if err := yaml.Unmarshal(conv("sentinel_rule"), &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != "75e508f7-932d-4ebc-af77-269237a84ce1" || s.Severity != "High" || s.Kind != "Scheduled" || s.Query != query {
		t.Errorf("sentinel_rule: %+v", s)
	}
	if diff := cmp.Diff([]string{"DefenseEvasion"}, s.Tactics); diff != "" {
		t.Errorf("tactics (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"T1218", "T1218.003"}, s.Techniques); diff != "" {
		t.Errorf("techniques (-want +got):\n%s", diff)
	}
	if len(s.Connectors) != 1 || s.Connectors[0].ConnectorID != "MicrosoftThreatProtection" || s.Connectors[0].DataTypes[0] != "DeviceImageLoadEvents" {
		t.Errorf("connectors %+v", s.Connectors)
	}
	columns := pipeline.Builtin("microsoft_xdr").Schema["DeviceImageLoadEvents"].Columns
	if len(s.Entities) == 0 {
		t.Error("no entity mappings")
	}
	for _, e := range s.Entities {
		for _, fm := range e.FieldMappings {
			if _, ok := columns[fm.ColumnName]; !ok {
				t.Errorf("entity %s: %s is not a column of DeviceImageLoadEvents", e.EntityType, fm.ColumnName)
			}
		}
	}

	var a struct {
		Resources []struct {
			Kind       string `json:"kind"`
			Properties struct {
				Query      string   `json:"query"`
				Severity   string   `json:"severity"`
				Tactics    []string `json:"tactics"`
				Techniques []string `json:"techniques"`
			} `json:"properties"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(conv("arm"), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Resources) != 1 || a.Resources[0].Kind != "Scheduled" || a.Resources[0].Properties.Query != query ||
		a.Resources[0].Properties.Severity != "High" || a.Resources[0].Properties.Tactics[0] != "DefenseEvasion" || a.Resources[0].Properties.Techniques[0] != "T1218" {
		t.Errorf("arm: %+v", a)
	}

	var d struct {
		Query struct {
			QueryText string `json:"queryText"`
		} `json:"queryCondition"`
		Schedule        map[string]string `json:"schedule"`
		DetectionAction struct {
			AlertTemplate map[string]json.RawMessage `json:"alertTemplate"`
		} `json:"detectionAction"`
	}
	if err := json.Unmarshal(conv("defender_detection"), &d); err != nil {
		t.Fatal(err)
	}
	at := d.DetectionAction.AlertTemplate
	var tactics []string
	if err := json.Unmarshal(at["tactics"], &tactics); err != nil {
		t.Fatal(err)
	}
	if d.Query.QueryText != query || d.Schedule["frequency"] != "PT1H" || string(at["severity"]) != `"high"` || !slices.Equal(tactics, []string{"defenseEvasion"}) {
		t.Errorf("defender_detection: %+v", d)
	}
	// Graph removed these on 2026-10-01.
	for _, gone := range []string{"category", "mitreTechniques", "impactedAssets"} {
		if _, ok := at[gone]; ok {
			t.Errorf("defender_detection: alertTemplate has %s", gone)
		}
	}
	var ents map[string][]map[string]string
	if err := json.Unmarshal(at["entityMappings"], &ents); err != nil {
		t.Fatal(err)
	}
	if len(ents["hosts"]) != 1 || ents["hosts"][0]["deviceIdColumn"] != "DeviceId" || ents["hosts"][0]["nameColumn"] != "DeviceName" {
		t.Errorf("entityMappings: %v", ents)
	}
}
