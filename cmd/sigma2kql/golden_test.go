package main

import (
	"bytes"
	"flag"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../../golden")

// A suite converts rule files with one command line and compares the
// output with ../../golden/<name>/<rule path>.<ext>, the rule path being
// relative to its root: the bundled rules (rules/, which all convert for
// Defender XDR) or the test rules (testdata/rules/: rules for the other
// pipelines, rules that must fail, pipeline and placeholder files). A rule
// that fails has a .err golden file with the diagnostics instead.
type suite struct {
	name string
	args []string // convert arguments before the rule file
	ext  string   // extension of the golden files
	dirs []string // directories of the roots to convert; empty means all of them
	skip []string // directories of the roots to leave out
}

// ruleRoots are the trees of rules that the suites read, relative to the
// repository's root.
var ruleRoots = []string{"rules", testRules}

// testRules holds the rules of the tests, apart from the bundled ones.
const testRules = "cmd/sigma2kql/testdata/rules"

// nonRuleDirs hold files that are not stand-alone rules: pipelines for the
// suites that use them, filters and correlation parts.
var nonRuleDirs = []string{"pipelines", "filters", "placeholders"}

// deployDirs hold the rules of the suites of deployable formats: the seed
// rule, one rule per kind of table, the rules made for these formats and
// the correlation rules.
var deployDirs = []string{"windows/image_load", "windows/network_connection", "windows/registry", "outputs", "correlations"}

// seedDirs hold correlations over the seed rule, which only the suites
// that give the seed rule (and name the directory in dirs) convert.
var seedDirs = []string{"correlations/seed"}

var suites = []suite{
	{name: "kusto-microsoft_xdr", args: []string{"-t", "kusto", "-p", "microsoft_xdr"}, ext: "kql", skip: nonRuleDirs},
	// The seed rule with the Sigma filters of its false-positive scenarios.
	{name: "kusto-microsoft_xdr-filters", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "--filter", "rules/filters"}, ext: "kql", dirs: []string{"windows/image_load"}},
	// Placeholders resolved from a file, and without values.
	{name: "kusto-microsoft_xdr-placeholders", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "--placeholder-file", testRules + "/placeholders/values.yaml"}, ext: "kql", dirs: []string{"placeholders"}},
	{name: "kusto-microsoft_xdr-placeholders-missing", args: []string{"-t", "kusto", "-p", "microsoft_xdr"}, ext: "kql", dirs: []string{"placeholders"}},
	{name: "kusto-microsoft_xdr-placeholders-dropped", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "--drop-unresolved-placeholders"}, ext: "kql", dirs: []string{"placeholders"}},
	// A correlation that groups the seed rule by Windows' computer name.
	{name: "kusto-microsoft_xdr-seed", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "rules/" + seedRule}, ext: "kql", dirs: seedDirs},
	{name: "kusto-microsoft_xdr-sentinel_rule", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "-f", "sentinel_rule"}, ext: "yaml", dirs: deployDirs},
	{name: "kusto-microsoft_xdr-arm", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "-f", "arm"}, ext: "json", dirs: deployDirs},
	{name: "kusto-microsoft_xdr-arm-preview", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "-f", "arm", "--arm-api-version", "2025-07-01-preview"}, ext: "json", dirs: []string{"windows/image_load"}},
	{name: "kusto-microsoft_xdr-defender_detection", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "-f", "defender_detection"}, ext: "json", dirs: deployDirs},
	{name: "splunk-splunk_windows", args: []string{"-t", "splunk", "-p", "splunk_windows"}, ext: "spl", skip: nonRuleDirs},
	// The seed rule with the Sigma filters of its false-positive scenarios.
	{name: "splunk-splunk_windows-filters", args: []string{"-t", "splunk", "-p", "splunk_windows", "--filter", "rules/filters"}, ext: "spl", dirs: []string{"windows/image_load"}},
	{name: "splunk-splunk_windows-savedsearches", args: []string{"-t", "splunk", "-p", "splunk_windows", "-f", "savedsearches"}, ext: "conf",
		dirs: []string{"windows/builtin", "windows/image_load", "windows/powershell", "windows/sysmon", "windows/process_creation", "correlations"}},
	{name: "splunk-splunk_windows+splunk_sysmon_acceleration", args: []string{"-t", "splunk", "-p", "splunk_windows", "-p", "splunk_sysmon_acceleration"}, ext: "spl",
		dirs: []string{"windows/sysmon", "windows/builtin"}},
	{name: "splunk-splunk_cim", args: []string{"-t", "splunk", "-p", "splunk_cim"}, ext: "spl", skip: nonRuleDirs},
	{name: "splunk-splunk_cim-data_model", args: []string{"-t", "splunk", "-p", "splunk_cim", "-f", "data_model"}, ext: "spl", skip: nonRuleDirs},
	{name: "kusto-sentinel_asim", args: []string{"-t", "kusto", "-p", "sentinel_asim"}, ext: "kql", skip: nonRuleDirs},
	{name: "kusto-azure_monitor", args: []string{"-t", "kusto", "-p", "azure_monitor"}, ext: "kql", skip: nonRuleDirs},
	// A table override keeps the field mapping of that table.
	{name: "kusto-azure_monitor-signinlogs", args: []string{"-t", "kusto", "-p", "azure_monitor", "-O", "query_table=SigninLogs"}, ext: "kql", dirs: []string{"cloud/azure"}},
	// Log Analytics raw tables: Windows event logs in WindowsEvent and in
	// Event, the cloud and Linux tables, and Sentinel rules on them.
	{name: "kusto-sentinel_windowsevent", args: []string{"-t", "kusto", "-p", "sentinel_windowsevent"}, ext: "kql", skip: nonRuleDirs},
	{name: "kusto-sentinel_event", args: []string{"-t", "kusto", "-p", "sentinel_event"}, ext: "kql", skip: nonRuleDirs},
	{name: "kusto-sentinel_cloud", args: []string{"-t", "kusto", "-p", "sentinel_cloud"}, ext: "kql", skip: nonRuleDirs},
	// The Security log in SecurityEvent, the other channels in Event.
	{name: "kusto-sentinel_securityevent-sentinel_event", args: []string{"-t", "kusto", "-p", "sentinel_securityevent", "-p", "sentinel_event"}, ext: "kql", dirs: []string{"windows/builtin", "windows/image_load"}},
	{name: "kusto-sentinel_event-sentinel_rule", args: []string{"-t", "kusto", "-p", "sentinel_event", "-f", "sentinel_rule"}, ext: "yaml", dirs: deployDirs},
	// A user pipeline alone, and given after a built-in one: it runs first
	// (priority 0), so its table and field names win.
	{name: "kusto-my_table", args: []string{"-t", "kusto", "-p", testRules + "/pipelines/my_table.yml"}, ext: "kql", dirs: []string{"custom_table"}},
	{name: "kusto-microsoft_xdr-my_table", args: []string{"-t", "kusto", "-p", "microsoft_xdr", "-p", testRules + "/pipelines/my_table.yml"}, ext: "kql", dirs: []string{"custom_table"}},
}

func TestGolden(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			var files []ruleFile
			for _, dir := range ruleRoots {
				files = append(files, ruleFiles(t, root, dir, s)...)
			}
			if len(files) == 0 {
				t.Fatal("no rules found")
			}
			want := map[string]bool{}
			for _, f := range files {
				rel := f.rel
				stdout, stderr, code := runCLI(append(append([]string{"convert"}, s.args...), path.Join(f.root, rel)), root)
				base := filepath.Join(root, "golden", s.name, strings.TrimSuffix(rel, filepath.Ext(rel)))
				got, ext := stdout, "."+s.ext
				if code != 0 {
					got, ext = stderr, ".err"
				}
				want[base+ext] = true
				checkGolden(t, base+ext, got)
				// A rule that changed from success to failure (or back)
				// leaves the other golden file behind: remove it.
				other := base + ".err"
				if ext == ".err" {
					other = base + "." + s.ext
				}
				if _, err := os.Stat(other); err == nil {
					if *update {
						os.Remove(other)
					} else {
						t.Errorf("%s: stale golden file %s", rel, other)
					}
				}
			}
			checkStale(t, filepath.Join(root, "golden", s.name), want)
		})
	}
}

// A ruleFile is a rule of a suite: its root, and its path in the root.
type ruleFile struct{ root, rel string }

// ruleFiles lists the .yml files of the suite under root/dir.
func ruleFiles(t *testing.T, root, top string, s suite) []ruleFile {
	t.Helper()
	var out []ruleFile
	dir := filepath.Join(root, top)
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if slices.Contains(seedDirs, rel) && !slices.Contains(s.dirs, rel) {
				return filepath.SkipDir
			}
			for _, sk := range s.skip {
				if rel == sk || strings.HasPrefix(rel, sk+"/") {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".yml") {
			return nil
		}
		if len(s.dirs) > 0 {
			in := false
			for _, d := range s.dirs {
				in = in || strings.HasPrefix(rel, d+"/")
			}
			if !in {
				return nil
			}
		}
		out = append(out, ruleFile{top, rel})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runCLI runs the command line in dir, as the binary would.
func runCLI(args []string, dir string) (stdout, stderr string, code int) {
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("missing golden file %s (run go test ./cmd/sigma2kql -update and review the diff)", path)
		return
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// checkStale reports golden files that no rule produces any more.
func checkStale(t *testing.T, dir string, want map[string]bool) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if !want[path] {
			if *update {
				os.Remove(path)
			} else {
				t.Errorf("stale golden file %s: no rule produces it", path)
			}
		}
		return nil
	})
}
