package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRejectionsByReason checks that the report groups the rules that
// failed by the message of their first error, most frequent first, and
// that -v prints the same groups on standard error.
func TestRejectionsByReason(t *testing.T) {
	dir := t.TempDir()
	in := copyRules(t, dir, seedRule)
	rule := func(name, logsource string) {
		src := "title: " + name + "\nlogsource: {" + logsource + "}\ndetection: {sel: {Data|contains: x}, condition: sel}\n"
		if err := os.WriteFile(filepath.Join(in, name+".yml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule("a_script", "product: windows, category: ps_script")
	rule("b_system", "product: windows, service: system")
	rule("c_script", "product: windows, category: ps_script")
	rep := filepath.Join(dir, "r.json")
	_, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-s", "-v", "--report", rep, in}, dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var got []string
	for _, rj := range readReport(t, rep).Rejections {
		var rules []string
		for _, r := range rj.Rules {
			rules = append(rules, filepath.Base(r))
		}
		// The reason, without the pipelines that convert the rule,
		// which depend on the other built-in pipelines.
		reason, _, _ := strings.Cut(rj.Reason, "; pipeline")
		got = append(got, strings.Join(rules, ",")+": "+reason)
	}
	script := "Defender records PowerShell commands by name only (DeviceEvents PowerShellCommand), not the script blocks, module logs or engine events of PowerShell's event log (category: ps_script)"
	system := "Defender has no table for the Windows system event log (service: system)"
	want := []string{"a_script.yml,c_script.yml: " + script, "b_system.yml: " + system}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rejections (-want +got):\n%s", diff)
	}
	if !strings.Contains(stderr, "sigma2kql: rules rejected, by reason:\n     2  "+script) || !strings.Contains(stderr, "\n     1  "+system) || !strings.Contains(stderr, "\nsigma2kql: 1 rule converted, 3 failed") {
		t.Errorf("standard error:\n%s", stderr)
	}
}
