package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// TestWalkSkipsWhatIsNoRule checks that a directory walk leaves out dot
// directories and YAML files that hold no Sigma document (pipelines,
// placeholder values, CI workflows), and that -v says so, while a file
// named on the command line is converted or reported whatever it holds.
func TestWalkSkipsWhatIsNoRule(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule)
	pipe, err := os.ReadFile(filepath.Join("testdata", "rules", "pipelines", "my_table.yml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"pipelines/my_table.yml":       string(pipe),
		"values.yaml":                  "Workstations: [ws1, ws2]\n",
		".github/workflows/ci.yml":     "name: ci\non: push\njobs: {}\n",
		".git/rule.yml":                "detection: {condition: x}\n",
		"empty.yml":                    "",
		"windows/not_yaml_at_all.yml":  "title: [unclosed\n",
		"windows/misspelt.yml":         "title: m\nlogsource: {category: process_creation}\ndetecton: {s: {a: b}, condition: s}\n",
		"windows/filter_only/flt.yaml": "title: f\nfilter: {rules: [x], selection: {a: b}, condition: selection}\nlogsource: {product: windows}\n",
	}
	for name, src := range files {
		p := filepath.Join(in, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"convert", "-t", "kusto", "-p", "microsoft_xdr", in}
	_, stderr, code := runCLI(args, ".")
	want := filepath.Join(in, "windows", "not_yaml_at_all.yml") + ":1:1: invalid YAML"
	if code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, filepath.Join(in, "windows", "misspelt.yml")+":1:1: rule \"m\" has no detection") ||
		!strings.HasSuffix(stderr, "sigma2kql: 1 rule converted, 2 failed, 3 skipped; output on standard output\n") {
		t.Errorf("exit %d, stderr:\n%s\nwant 1, an error at %s and 3 files skipped", code, stderr, want)
	}
	_, stderr, _ = runCLI(append(args, "-v"), ".")
	for _, name := range []string{".git", ".github"} {
		if !strings.Contains(stderr, filepath.Join(in, name)+": skipped: a directory whose name starts with a dot\n") {
			t.Errorf("-v does not report %s:\n%s", name, stderr)
		}
	}
	for _, name := range []string{"pipelines/my_table.yml", "values.yaml", "empty.yml"} {
		if !strings.Contains(stderr, filepath.Join(in, name)+": skipped: not a Sigma document (no detection, correlation or filter)\n") {
			t.Errorf("-v does not report %s:\n%s", name, stderr)
		}
	}
	rep := filepath.Join(dir, "report.json")
	runCLI(append(args, "--report", rep), ".")
	if r := readReport(t, rep); r.Summary.FilesSkipped != 3 || len(r.Skipped) != 3 || r.Skipped[0].Source != filepath.ToSlash(filepath.Join(in, "empty.yml")) {
		t.Errorf("report: %d files skipped, %+v", r.Summary.FilesSkipped, r.Skipped)
	}
	// Named on the command line, a file is never skipped.
	_, stderr, code = runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", filepath.Join(in, "values.yaml")}, ".")
	if code != 1 || !strings.Contains(stderr, "rule has no detection") {
		t.Errorf("a named non-rule file: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestInputWithoutRules checks that a directory that gives no rule (empty,
// or a pattern that matches nothing) fails the run with the pattern used.
func TestInputWithoutRules(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{empty}, empty + ": no Sigma rule found in this directory (files matching *.yml or *.yaml)\n"},
		{[]string{"-P", "*.sigma", in}, in + `: no Sigma rule found in this directory (files matching -P "*.sigma")` + "\n"},
		{[]string{in, empty}, empty + ": no Sigma rule found"},
	} {
		_, stderr, code := runCLI(append([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr"}, c.args...), ".")
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant 1 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestPruneRefused checks that --prune deletes nothing when the run read no
// rule or one of its inputs gave none, and that --dry-run lists what a
// run would write and delete without touching anything.
func TestPruneRefused(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule)
	out := filepath.Join(dir, "out") + string(os.PathSeparator)
	convert := func(args ...string) (string, string, int) {
		return runCLI(append([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-o", out}, args...), ".")
	}
	if _, stderr, code := convert(in); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	stale := filepath.Join(out, "windows", "old_rule.kql")
	os.WriteFile(stale, []byte("old\n"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for _, c := range []struct {
		args []string
		why  string
	}{
		{[]string{"--prune", empty}, "the run read no rule"},
		{[]string{"--prune", "-P", "*.yaml", in}, "the run read no rule"},
		{[]string{"--prune", in, empty}, "no rule was found in " + empty},
	} {
		_, stderr, code := convert(c.args...)
		if code != 1 || !strings.Contains(stderr, "sigma2kql: --prune refused: "+c.why+"; nothing was deleted\n") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant 1 and the refusal: %s", c.args, code, stderr, c.why)
		}
		if _, err := os.Stat(stale); err != nil {
			t.Fatalf("%v deleted a file: %v", c.args, err)
		}
	}
	os.WriteFile(filepath.Join(in, "windows", "new_rule.yml"), []byte(safetyRule), 0o644)
	stdout, stderr, code := convert("--prune", "--dry-run", in)
	want := "would write " + filepath.Join(out, "windows", "new_rule.kql") + "\nwould delete " + stale + "\n"
	if code != 0 || stdout != want || !strings.Contains(stderr, "dry run: 1 file would be written, 1 deleted") {
		t.Errorf("--dry-run: exit %d\nstdout %q\nwant   %q\nstderr %s", code, stdout, want, stderr)
	}
	if got := listFiles(t, out); !slices.Equal(got, []string{"windows/image_load/image_load_dll_cmstp_susp_location.kql", "windows/old_rule.kql"}) {
		t.Errorf("--dry-run changed the directory: %v", got)
	}
	if _, stderr, code := convert("--prune", in); code != 0 || !strings.Contains(stderr, "; 1 file written, 1 unchanged, 1 deleted\n") {
		t.Errorf("prune: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestOutputDash checks that -o - is standard output, as in sigma-cli.
func TestOutputDash(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule)
	stdout, _, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-o", "-", in}, dir)
	if code != 0 || !strings.HasPrefix(stdout, "DeviceImageLoadEvents\n") {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Errorf("-o - wrote a file named -")
	}
}

// TestBuildVersion checks the version text from the build info: module
// version, VCS revision, time and state.
func TestBuildVersion(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-06T18:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := buildVersion(info), "v1.2.3 (revision 0123abcd, 2026-12-06T18:00:00Z, modified), go1.26.0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := buildVersion(&debug.BuildInfo{GoVersion: "go1.26.0"}), "(devel), go1.26.0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	out, _, code := runCLI([]string{"version"}, ".")
	if code != 0 || strings.Contains(out, "dev\n") || !strings.HasPrefix(out, "sigma2kql ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// TestReadmeCommandPrintsNoError runs the README's first command: the
// bundled rules all convert for Defender XDR, so standard error holds the
// summary line and the warnings of the rules with alternatives Defender
// cannot test (as the README says), and no error.
func TestReadmeCommandPrintsNoError(t *testing.T) {
	stdout, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-s", "rules/"}, filepath.Join("..", ".."))
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	// The bundled rules convert cleanly: no error and no warning, only the
	// summary line (rules with warnings are test data).
	ok := code == 0 && stdout != "" && len(lines) == 1 && strings.Contains(last, " converted, 0 failed, ")
	if !ok {
		t.Errorf("exit %d; standard error must be the summary line alone:\n%s", code, stderr)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "\n"+last+"\n") {
		t.Errorf("README.md does not quote the summary line of its first command; it prints:\n%s", last)
	}
}
