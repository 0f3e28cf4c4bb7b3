//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tests that no data is lost: -o writes atomically, a failed conversion
// leaves the existing output alone, -o creates missing directories, and a
// batch reports every failure while converting the rest.

const safetyRule = `title: Whoami
logsource: {product: windows, category: process_creation}
detection:
  sel:
    CommandLine|contains: whoami
  condition: sel
`

const safetyQuery = "DeviceProcessEvents\n| where ProcessCommandLine contains \"whoami\"\n"

// safetyRules creates the named rule files in a new directory.
func safetyRules(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func safetyConvert(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = run(append([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr"}, args...), strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

func safetyInode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Skip("no inode numbers on this system")
	}
	return st.Ino
}

// safetyLeftovers lists the files of dir other than the given ones (temporary
// files of an interrupted write would show up here).
func safetyLeftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		found := false
		for _, k := range keep {
			found = found || e.Name() == k
		}
		if !found {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestOutputIsReplacedAtomically(t *testing.T) {
	rules := safetyRules(t, map[string]string{"a.yml": safetyRule})
	outDir := t.TempDir()
	out := filepath.Join(outDir, "queries.kql")
	if err := os.WriteFile(out, []byte("old queries\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A hard link keeps the old file: an in-place rewrite would change
	// what it shows, a rename of a new file over the name does not.
	link := filepath.Join(outDir, "old.kql")
	if err := os.Link(out, link); err != nil {
		t.Skip("no hard links here: ", err)
	}
	before := safetyInode(t, out)
	_, stderr, code := safetyConvert("-o", out, rules)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != safetyQuery {
		t.Errorf("output %q, want %q", got, safetyQuery)
	}
	if got, _ := os.ReadFile(link); string(got) != "old queries\n" {
		t.Errorf("the old file was rewritten in place (its other link now shows %q): the write is not temp file + rename", got)
	}
	if safetyInode(t, out) == before {
		t.Errorf("same inode after the write: not replaced by rename")
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the old file's 0600 kept", fi.Mode().Perm())
	}
	if l := safetyLeftovers(t, outDir, "queries.kql", "old.kql"); len(l) > 0 {
		t.Errorf("files left behind: %v", l)
	}
}

func TestFailedConversionLeavesOutputUntouched(t *testing.T) {
	rules := safetyRules(t, map[string]string{
		"a_good.yml": safetyRule,
		"b_bad.yml":  strings.Replace(safetyRule, "contains", "contians", 1),
	})
	outDir := t.TempDir()
	out := filepath.Join(outDir, "queries.kql")
	if err := os.WriteFile(out, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := safetyInode(t, out)
	stdout, stderr, code := safetyConvert("-o", out, rules)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if got, _ := os.ReadFile(out); string(got) != "precious\n" || safetyInode(t, out) != before {
		t.Errorf("output file changed to %q after a failed conversion", got)
	}
	if stdout != "" {
		t.Errorf("queries on stdout with -o: %q", stdout)
	}
	for _, want := range []string{"b_bad.yml:5:17: unknown modifier \"contians\", did you mean 'contains'?", out + " left unchanged: 1 rule failed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if l := safetyLeftovers(t, outDir, "queries.kql"); len(l) > 0 {
		t.Errorf("files left behind: %v", l)
	}

	// With -s the failures are skipped and the rest is written.
	_, stderr, code = safetyConvert("-s", "-o", out, rules)
	if code != 0 {
		t.Errorf("-s: exit %d, want 0: %s", code, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != safetyQuery {
		t.Errorf("-s: output %q, want %q", got, safetyQuery)
	}
	if !strings.Contains(stderr, "b_bad.yml:5:17:") {
		t.Errorf("-s: the failure is not reported:\n%s", stderr)
	}
}

func TestOutputIntoMissingDirectory(t *testing.T) {
	rules := safetyRules(t, map[string]string{"a.yml": safetyRule})
	out := filepath.Join(t.TempDir(), "new", "nested", "queries.kql")
	_, stderr, code := safetyConvert("-o", out, rules)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != safetyQuery {
		t.Errorf("output %q, want %q", got, safetyQuery)
	}
}

func TestOutputThatCannotBeWritten(t *testing.T) {
	rules := safetyRules(t, map[string]string{"a.yml": safetyRule})
	dir := t.TempDir()
	// -o naming an existing directory writes one file per rule into it
	// (see output_test.go); a sub directory left alone is not touched.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	// -o below a regular file.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	_, stderr, code := safetyConvert("-o", filepath.Join(file, "out.kql"), rules)
	if code != 1 || !strings.HasPrefix(stderr, "sigma2kql: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("-o FILE/out.kql: exit %d, stderr %q; want 1 and one line", code, stderr)
	}
	if l := safetyLeftovers(t, dir, "sub", "file"); len(l) > 0 {
		t.Errorf("files left behind: %v", l)
	}
}

// Regression: a symbolic link given to -o was replaced by a regular file,
// and the file it points to kept the old queries.
func TestOutputThroughSymlink(t *testing.T) {
	rules := safetyRules(t, map[string]string{"a.yml": safetyRule})
	dir := t.TempDir()
	real := filepath.Join(dir, "real.kql")
	os.WriteFile(real, []byte("old\n"), 0o644)
	link := filepath.Join(dir, "link.kql")
	if err := os.Symlink("real.kql", link); err != nil {
		t.Skip("no symbolic links here: ", err)
	}
	_, stderr, code := safetyConvert("-o", link, rules)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced")
	}
	if got, _ := os.ReadFile(real); string(got) != safetyQuery {
		t.Errorf("the link's target holds %q, want the queries", got)
	}
}

// Regression: -o to something that is not a regular file (a pipe, or a
// device such as /dev/stdout) first read it whole (a pipe blocked forever)
// and then renamed a temporary file over it, replacing the device with a
// regular file.
func TestOutputToPipe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes")
	}
	rules := safetyRules(t, map[string]string{"a.yml": safetyRule})
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("mkfifo: ", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	done := make(chan int, 1)
	go func() {
		_, stderr, code := safetyConvert("-o", fifo, rules)
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
		done <- code
	}()
	select {
	case <-done:
	case <-safetyAfter(10):
		// Unblock the writer side so that the test ends.
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("convert -o FIFO did not finish")
	}
	if s := <-got; s != safetyQuery {
		t.Errorf("the pipe received %q, want %q", s, safetyQuery)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the named pipe was replaced")
	}
	if l := safetyLeftovers(t, dir, "fifo"); len(l) > 0 {
		t.Errorf("files left behind: %v", l)
	}
}

var safetyDiagLine = regexp.MustCompile(`^(\S+?)(:\d+(:\d+)?)?: \S.*$`)

func TestBatchReportsEveryFailureAndConvertsTheRest(t *testing.T) {
	rules := safetyRules(t, map[string]string{
		"1_good.yml":          safetyRule,
		"2_bad_modifier.yml":  strings.Replace(safetyRule, "contains", "contians", 1),
		"3_bad_yaml.yml":      "title: [unclosed\n",
		"4_good.yml":          strings.Replace(safetyRule, "whoami", "hostname", 1),
		"5_bad_condition.yml": strings.Replace(safetyRule, "condition: sel", "condition: sel and filter", 1),
		"6_binary.yml":        "\x00\x01\x02\xff\xfe",
		"7_empty.yml":         "",
		"sub/8_good.yml":      strings.Replace(safetyRule, "whoami", "ipconfig", 1),
	})
	stdout, stderr, code := safetyConvert(rules)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, q := range []string{`contains "whoami"`, `contains "hostname"`, `contains "ipconfig"`} {
		if !strings.Contains(stdout, q) {
			t.Errorf("stdout lacks the query with %s:\n%s", q, stdout)
		}
	}
	for _, f := range []string{"2_bad_modifier.yml:5:17:", "3_bad_yaml.yml:", "5_bad_condition.yml:6:22:", "6_binary.yml:"} {
		if !strings.Contains(stderr, filepath.Join(rules, f)) {
			t.Errorf("stderr does not report %s:\n%s", f, stderr)
		}
	}
	// The empty file is no Sigma document: the walk skips it.
	if !strings.Contains(stderr, "sigma2kql: 3 rules converted, 4 failed, 1 skipped") {
		t.Errorf("no summary line in:\n%s", stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !safetyDiagLine.MatchString(line) {
			t.Errorf("stderr line not of the form file:line:col: message: %q", line)
		}
	}
}

func safetyAfter(seconds int) <-chan time.Time {
	return time.After(time.Duration(seconds) * time.Second)
}
