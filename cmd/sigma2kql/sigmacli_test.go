package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSigmaCLIFlags checks the flags of sigma-cli's convert, with sigma-cli's
// meaning.
func TestSigmaCLIFlags(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(copyRules(t, dir, seedRule), seedRule)
	bad := writeRule(t, dir, "bad.yml", "    s:\n        CommandLine|contians: a\n    condition: s\n")
	tests := []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		// -j is the JSON indentation, as in sigma-cli; the jobs have --jobs.
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "-f", "defender_detection", "-j", "1", rule}, 0, "{\n \"displayName\": "},
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "--json-indent", "0", "-f", "arm", rule}, 0, "{\n\"$schema\": "},
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "-j", "2", rule}, 2, "--json-indent is for the JSON formats of target kusto (arm, defender_detection), not default"},
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "--jobs", "2", rule}, 0, "DeviceImageLoadEvents"},
		// --fail-unsupported is the default, the opposite of -s.
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "--fail-unsupported", rule, bad}, 1, "1 failed"},
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "-s", "--fail-unsupported", rule}, 2, "contradict"},
		{[]string{"-t", "kusto", "-p", "splunk_windows", rule}, 2, "use --disable-pipeline-check to use it anyway"},
		{[]string{"-t", "kusto", "-p", "splunk_windows", "--disable-pipeline-check", rule}, 0, "Image endswith"},
		// -c chooses among the correlation methods of the target.
		{[]string{"-t", "splunk", "-p", "splunk_windows", "-c", "stats", rule}, 0, "Image="},
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "-c", "stats", rule}, 2, `target kusto has no correlation method "stats": expected default`},
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "-e", "ebcdic", rule}, 2, `encoding "ebcdic"`},
		{[]string{"-t", "kusto", "-p", "microsoft_xdr", "--verbose", "-o", "-", rule}, 0, "DeviceImageLoadEvents"},
	}
	for _, tt := range tests {
		stdout, stderr, code := runCLI(append([]string{"convert"}, tt.args...), ".")
		if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
			t.Errorf("%v: exit %d, want %d and %q\nstdout:\n%.300s\nstderr:\n%s", tt.args, code, tt.code, tt.want, stdout, stderr)
		}
	}
}

// TestEncodings checks that -e reads rule files of other encodings.
func TestEncodings(t *testing.T) {
	dir := t.TempDir()
	text := "title: Café\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    s:\n        CommandLine: é\n    condition: s\n"
	latin1 := []byte{}
	for _, r := range text {
		latin1 = append(latin1, byte(r))
	}
	utf16 := []byte{0xff, 0xfe}
	for _, r := range text {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	files := map[string][]byte{"latin1.yml": latin1, "utf16.yml": utf16, "bom.yml": append([]byte("\xef\xbb\xbf"), text...)}
	for name, data := range files {
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	want := "DeviceProcessEvents\n| where ProcessCommandLine =~ \"é\"\n"
	for _, c := range []struct{ file, enc string }{{"latin1.yml", "latin-1"}, {"utf16.yml", "utf-16"}, {"utf16.yml", "UTF_16_LE"}, {"bom.yml", "utf-8-sig"}} {
		stdout, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-e", c.enc, filepath.Join(dir, c.file)}, ".")
		if code != 0 || stdout != want {
			t.Errorf("%s with -e %s: exit %d, stdout %q, stderr %s", c.file, c.enc, code, stdout, stderr)
		}
	}
	_, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", filepath.Join(dir, "latin1.yml")}, ".")
	if code != 1 || !strings.Contains(stderr, "not valid UTF-8") {
		t.Errorf("latin-1 read as UTF-8: exit %d, stderr %s", code, stderr)
	}
}

// TestListForms checks sigma-cli's forms of list: a target after pipelines
// and formats keeps what it reads.
func TestListForms(t *testing.T) {
	for _, c := range []struct {
		args     []string
		has, not string
	}{
		{[]string{"list", "formats", "kusto"}, "sentinel_rule", "savedsearches"},
		{[]string{"list", "formats", "splunk"}, "savedsearches", "sentinel_rule"},
		{[]string{"list", "pipelines", "kql"}, "microsoft_xdr", "splunk_windows"},
		{[]string{"list", "pipelines", "splunk"}, "splunk_cim", "sentinel_asim"},
		{[]string{"list", "backends"}, "splunk", "microsoft_xdr"},
		{[]string{"list", "options", "splunk"}, "min_time", "frequency"},
		{[]string{"list", "options"}, "--arm-api-version", "no such text"},
	} {
		out, stderr, code := runCLI(c.args, ".")
		if code != 0 || !strings.Contains(out, c.has) || strings.Contains(out, c.not) {
			t.Errorf("%v: exit %d, want %q and not %q in\n%s%s", c.args, code, c.has, c.not, out, stderr)
		}
	}
}
