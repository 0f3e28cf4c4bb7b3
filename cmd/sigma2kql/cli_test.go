package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func writeRule(t *testing.T, dir, name, detection string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	src := "title: " + name + "\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n" + detection
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBatchFailures checks that failing rules are reported with their file
// and position, the others still converted, and the exit status.
func TestBatchFailures(t *testing.T) {
	dir := t.TempDir()
	writeRule(t, dir, "a_good.yml", "    s:\n        CommandLine: a\n    condition: s\n")
	writeRule(t, dir, "b_bad.yml", "    s:\n        CommandLine|contians: a\n    condition: s\n")
	writeRule(t, dir, "c_good.yml", "    s:\n        CommandLine: c\n    condition: s\n")
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a rule"), 0o644)

	stdout, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", dir}, ".")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	wantOut := "DeviceProcessEvents\n| where ProcessCommandLine =~ \"a\"\n\nDeviceProcessEvents\n| where ProcessCommandLine =~ \"c\"\n"
	if stdout != wantOut {
		t.Errorf("stdout = %q, want %q", stdout, wantOut)
	}
	wantErr := filepath.Join(dir, "b_bad.yml") + `:7:21: unknown modifier "contians", did you mean 'contains'?`
	if !strings.Contains(stderr, wantErr) || !strings.Contains(stderr, "sigma2kql: 2 rules converted, 1 failed, 0 skipped; output on standard output\n") {
		t.Errorf("stderr = %q, want %q and a count", stderr, wantErr)
	}

	_, _, code = runCLI([]string{"convert", "-t", "kql", "-p", "microsoft_xdr", "-s", dir}, ".")
	if code != 0 {
		t.Errorf("with -s: exit status %d, want 0", code)
	}
}

// TestFailOnWarning checks that --fail-on-warning makes a rule whose
// conversion left a part out (a filter on data the target lacks) fail,
// while the other rules of the batch are still converted.
func TestFailOnWarning(t *testing.T) {
	dir := t.TempDir()
	writeRule(t, dir, "a_good.yml", "    s:\n        CommandLine: a\n    condition: s\n")
	warned := writeRule(t, dir, "b_warned.yml", "    s:\n        CommandLine: b\n    f:\n        CurrentDirectory: 'C:\\x\\'\n    condition: s and not f\n")
	args := []string{"convert", "-t", "kusto", "-p", "microsoft_xdr", dir}

	stdout, stderr, code := runCLI(args, ".")
	if code != 0 || strings.Count(stdout, "DeviceProcessEvents") != 2 || !strings.Contains(stderr, warned+":9:28: warning: CurrentDirectory:") {
		t.Fatalf("without the flag: exit %d, stdout %q, stderr %q; want 0, two queries and the warning", code, stdout, stderr)
	}

	report := filepath.Join(t.TempDir(), "r.json")
	stdout, stderr, code = runCLI(append(args, "--fail-on-warning", "--report", report), ".")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if want := "DeviceProcessEvents\n| where ProcessCommandLine =~ \"a\"\n"; stdout != want {
		t.Errorf("stdout = %q, want only the rule without a warning, %q", stdout, want)
	}
	for _, want := range []string{warned + ":9:28: CurrentDirectory:", "(an error with --fail-on-warning)", "1 rule converted, 1 failed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
	}
	if strings.Contains(stderr, "warning:") {
		t.Errorf("stderr = %q: the warning is an error now, and said once", stderr)
	}
	data, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(data), `"status": "failed"`) {
		t.Errorf("report %s (%v): want the rule listed as failed", data, err)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	rule := writeRule(t, dir, "r.yml", "    s:\n        CommandLine: a\n    condition: s\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"convert", rule}, "no target"},
		{[]string{"convert", "-t", "nosuch", rule}, `unknown target "nosuch"`},
		{[]string{"convert", "-t", "kusto", "-p", "microsoft_xrd", rule}, `did you mean "microsoft_xdr"?`},
		{[]string{"convert", "-t", "kusto", "-f", "nosuch", rule}, `no output format "nosuch"`},
		{[]string{"convert", "-t", "kusto", filepath.Join(dir, "missing.yml")}, "cannot read"},
		{[]string{"convert", "-t", "kusto", "-O", "novalue", rule}, "expected KEY=VALUE"},
		{[]string{"convert", "-t", "kusto", "--frobnicate", rule}, "unknown flag"},
		{[]string{"convert", "-t", "kusto"}, "no rules to convert: give rule files or directories"},
		{[]string{"frobnicate"}, `unknown command "frobnicate": expected one of`},
		{[]string{"conver", rule}, `unknown command "conver": expected one of completion, convert, list, serve, test, version; did you mean "convert"?` + "\nRun 'sigma2kql --help' for usage.\n"},
		{[]string{"list", "things"}, `cannot list "things"`},
		{[]string{"list"}, "list needs one of targets, pipelines, formats or options"},
		{[]string{"list", "formatz"}, `cannot list "formatz": expected targets, pipelines, formats, options; did you mean "formats"?`},
		{[]string{"list", "formats", "splonk"}, `unknown target "splonk"`},
		{[]string{"list", "targets", "kusto"}, `list targets takes no target, got "kusto"`},
		{[]string{"version", "now"}, `version takes no arguments, got "now"`},
		{[]string{"convert", "--nope", rule}, "unknown flag: --nope\nRun 'sigma2kql convert --help' for usage.\n"},
	}
	for _, tt := range tests {
		_, stderr, code := runCLI(tt.args, ".")
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestListAndVersion(t *testing.T) {
	out, _, code := runCLI([]string{"list", "pipelines"}, ".")
	if code != 0 || !strings.Contains(out, "microsoft_xdr") || !strings.Contains(out, "microsoft_365_defender") {
		t.Errorf("list pipelines: %d %q", code, out)
	}
	out, _, code = runCLI([]string{"list", "targets"}, ".")
	if code != 0 || !strings.Contains(out, "kusto") || !strings.Contains(out, "kql") {
		t.Errorf("list targets: %d %q", code, out)
	}
	out, _, code = runCLI([]string{"list", "formats"}, ".")
	if code != 0 || !strings.Contains(out, "default") {
		t.Errorf("list formats: %d %q", code, out)
	}
	out, _, code = runCLI([]string{"version"}, ".")
	if code != 0 || !strings.HasPrefix(out, "sigma2kql ") {
		t.Errorf("version: %d %q", code, out)
	}
	out, _, code = runCLI([]string{"convert", "--help"}, ".")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "-p microsoft_xdr") {
		t.Errorf("convert --help: %d %q", code, out)
	}
}

func TestStdinAndQueryTable(t *testing.T) {
	src := "title: t\nlogsource:\n    category: process_creation\ndetection:\n    s:\n        CommandLine: a\n    condition: s\n"
	var out, errOut strings.Builder
	code := run([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-O", "query_table=DeviceEvents", "-"}, strings.NewReader(src), &out, &errOut)
	if code != 0 || out.String() != "DeviceEvents\n| where InitiatingProcessCommandLine =~ \"a\"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

// TestCorrelationAcrossFiles checks that a correlation finds rules in other
// files of the run, that the rules it uses are not converted on their own,
// and that unresolved references and cycles are errors.
func TestCorrelationAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a_corr.yml"), []byte(`title: Many Whoami
correlation:
    type: event_count
    rules: [whoami_run]
    group-by: [DeviceName]
    timespan: 5m
    condition: {gte: 3}
`), 0o644)
	writeRule(t, dir, "b_rule.yml", "    s:\n        Image|endswith: '\\whoami.exe'\n    condition: s\nname: whoami_run\n")
	stdout, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", dir}, ".")
	want := "DeviceProcessEvents\n| where FolderPath endswith \"\\\\whoami.exe\"\n| summarize event_count = count() by bin(Timestamp, 5m), DeviceName\n| where event_count >= 3\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d\nstdout %q\nwant   %q\nstderr %s", code, stdout, want, stderr)
	}

	// The same in SPL.
	stdout, stderr, code = runCLI([]string{"convert", "-t", "splunk", "-p", "splunk_windows", dir}, ".")
	want = "Image=\"*\\\\whoami.exe\"\n\n| bin _time span=5m\n| stats count as event_count by _time DeviceName\n\n| search event_count >= 3\n"
	if code != 0 || stdout != want {
		t.Errorf("splunk: exit %d\nstdout %q\nwant   %q\nstderr %s", code, stdout, want, stderr)
	}

	// Without the rule's file the reference cannot be resolved.
	_, stderr, code = runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", filepath.Join(dir, "a_corr.yml")}, ".")
	if code != 1 || !strings.Contains(stderr, `a_corr.yml:4:13: correlation references rule "whoami_run", which is not among the rules converted`) {
		t.Errorf("missing reference: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = runCLI([]string{"convert", "-t", "splunk", "-p", "splunk_windows", filepath.Join(dir, "a_corr.yml")}, ".")
	if code != 1 || !strings.Contains(stderr, `a_corr.yml:4:13: correlation references rule "whoami_run", which is not among the rules converted`) {
		t.Errorf("splunk, missing reference: exit %d, stderr %q", code, stderr)
	}

	os.WriteFile(filepath.Join(dir, "c_cycle.yml"), []byte(`title: A
name: corr_a
correlation: {type: event_count, rules: [corr_b], timespan: 5m, condition: {gte: 1}}
---
title: B
name: corr_b
correlation: {type: event_count, rules: [corr_a], timespan: 5m, condition: {gte: 1}}
`), 0o644)
	_, stderr, code = runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", filepath.Join(dir, "c_cycle.yml")}, ".")
	if code != 1 || !strings.Contains(stderr, "cycle: corr_a -> corr_b -> corr_a") {
		t.Errorf("cycle: exit %d, stderr %q", code, stderr)
	}
}

// failingWriter fails every write as a full or broken output would.
type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "x", Err: syscall.EINVAL}
}

// TestIOErrorIsNoUsageError checks that an error of the run that reads like
// a command-line error ("invalid argument") exits 1, not 2: usage errors
// are typed, not recognised by their text.
func TestIOErrorIsNoUsageError(t *testing.T) {
	dir := t.TempDir()
	rule := writeRule(t, dir, "r.yml", "    s:\n        CommandLine: a\n    condition: s\n")
	var errOut strings.Builder
	code := run([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", rule}, strings.NewReader(""), failingWriter{}, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "write x: invalid argument") || strings.Contains(errOut.String(), "for usage") {
		t.Errorf("exit %d, stderr %q; want 1 and the write error", code, errOut.String())
	}
}

// TestCheckedOptions checks that every option given is read by the target
// and format: unknown keys get a suggestion, keys of another target or
// format are named with who reads them.
func TestCheckedOptions(t *testing.T) {
	dir := t.TempDir()
	rule := writeRule(t, dir, "r.yml", "    s:\n        CommandLine: a\n    condition: s\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-t", "kusto", "-O", "qurey_table=X"}, `-O qurey_table: unknown option "qurey_table": target kusto with format default reads query_table; did you mean "query_table"?`},
		{[]string{"-t", "splunk", "-p", "splunk_windows", "--frequency", "1h"}, "--frequency: target splunk with format default does not read option frequency: it is for target kusto, formats sentinel_rule, arm, defender_detection"},
		{[]string{"-t", "splunk", "-p", "splunk_windows", "-O", "min_time=-1h"}, "-O min_time: target splunk with format default does not read option min_time: it is for target splunk, format savedsearches"},
		{[]string{"-t", "kusto", "-f", "sentinel_rule", "--arm-api-version", "2025-07-01-preview"}, "--arm-api-version: target kusto with format sentinel_rule does not read option arm_api_version: it is for target kusto, format arm"},
	}
	for _, tt := range tests {
		_, stderr, code := runCLI(append(append([]string{"convert"}, tt.args...), rule), ".")
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	stdout, stderr, code := runCLI([]string{"convert", "-t", "splunk", "-p", "splunk_windows", "-f", "savedsearches", "-O", "min_time=-1h", rule}, ".")
	if code != 0 || !strings.Contains(stdout, "dispatch.earliest_time = -1h") {
		t.Errorf("min_time with savedsearches: exit %d, stderr %q", code, stderr)
	}
}
