//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hostile inputs against the built binary, from outside: generated inputs
// (mutated rules, random bytes, deep and huge structures, alias fan-out,
// symbolic link loops, special files) must each end with exit status 0 or
// 1 as the case says, within a time and memory budget, with one-line
// diagnostics of the form file:line:col: message and never a panic or a
// Go runtime trace.

// hostileBinary builds sigma2kql into a temporary directory.
func hostileBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "sigma2kql")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type hostileCase struct {
	name  string
	setup func(t *testing.T, dir string) []string // creates the inputs; returns the arguments after the flags
	stdin []byte
	codes []int // accepted exit statuses
	// optional extra checks of stderr
	stderr func(t *testing.T, stderr string)
	maxMB  int // memory budget (maximum resident set); default 512
}

// The stderr lines the binary may print: diagnostics and the summary.
var (
	hostileDiag    = regexp.MustCompile(`^[^\x00-\x1f]+?(:\d+(:\d+)?)?: [^\x00-\x08\x0a-\x1f\x7f]+$`)
	hostileSummary = regexp.MustCompile(`^sigma2kql: \d+ rules? converted, \d+ failed, \d+ skipped`)
	hostileBad     = regexp.MustCompile(`panic|goroutine \d|runtime error|fatal error|internal error|SIG[A-Z]+`)
)

func hostileFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// hostileMutate damages a rule at random: bytes flipped, YAML and Sigma syntax
// characters inserted, parts cut or repeated.
func hostileMutate(rng *rand.Rand, src []byte) []byte {
	b := append([]byte(nil), src...)
	specials := []string{"{", "}", "[", "]", "&a ", "*a", "|", "|re", "|windash", "|base64offset", "'", "\"", "\\", "\x00", "\xff", "\t", "\n", ": ", "- ", "---\n", "%", "!!binary ", "? ", "(", ")", " and ", " not ", "1 of *", "\u2028", "\ufeff"}
	for n := 1 + rng.Intn(4); n > 0 && len(b) > 0; n-- {
		i := rng.Intn(len(b))
		switch rng.Intn(5) {
		case 0:
			b[i] ^= byte(1 << rng.Intn(8))
		case 1, 2:
			s := specials[rng.Intn(len(specials))]
			b = append(b[:i], append([]byte(s), b[i:]...)...)
		case 3:
			j := min(len(b), i+rng.Intn(40))
			b = append(b[:i], b[j:]...)
		case 4:
			j := min(len(b), i+rng.Intn(40))
			b = append(b[:j], append(append([]byte(nil), b[i:j]...), b[j:]...)...)
		}
	}
	return b
}

func hostileCases() []hostileCase {
	rule := func(detection string) []byte {
		return []byte("title: hostile\nlogsource: {product: windows, category: process_creation}\ndetection:\n" + detection)
	}
	return []hostileCase{
		{name: "mutated_rules", codes: []int{0, 1}, setup: func(t *testing.T, dir string) []string {
			rng := rand.New(rand.NewSource(time.Now().UnixNano()))
			t.Logf("mutation seed printed in case of failure")
			var seeds [][]byte
			filepath.WalkDir(filepath.Join("..", "..", "rules"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
					if b, err := os.ReadFile(p); err == nil {
						seeds = append(seeds, b)
					}
				}
				return nil
			})
			for i := 0; i < 400; i++ {
				hostileFile(t, dir, fmt.Sprintf("m%03d.yml", i), hostileMutate(rng, seeds[rng.Intn(len(seeds))]))
			}
			return []string{"-s", dir}
		}},
		{name: "random_bytes", codes: []int{1}, setup: func(t *testing.T, dir string) []string {
			rng := rand.New(rand.NewSource(1))
			for i := 0; i < 50; i++ {
				b := make([]byte, rng.Intn(5000))
				rng.Read(b)
				hostileFile(t, dir, fmt.Sprintf("r%02d.yml", i), b)
			}
			return []string{dir}
		}, stderr: func(t *testing.T, s string) {
			// A random text may read as YAML without a Sigma key: the
			// walk skips such a file.
			m := regexp.MustCompile(`sigma2kql: 0 rules converted, (\d+) failed, (\d+) skipped`).FindStringSubmatch(s)
			if m == nil || atoi(m[1])+atoi(m[2]) != 50 {
				t.Errorf("not every random file reported:\n%.2000s", s)
			}
		}},
		{name: "stdin_binary", codes: []int{1}, stdin: []byte("\x7fELF\x02\x01\x01\x00\xff\xfe\x00\x00"), setup: func(t *testing.T, dir string) []string {
			return []string{"-"}
		}},
		// Regression: standard input was read whole, without a limit.
		{name: "stdin_endless", codes: []int{1}, stdin: nil, setup: func(t *testing.T, dir string) []string {
			return []string{"-"}
		}, stderr: func(t *testing.T, s string) {
			if !strings.Contains(s, "<stdin>: file is too large") {
				t.Errorf("the endless input is not reported as too large:\n%s", s)
			}
		}},
		{name: "deep_but_allowed", codes: []int{0}, setup: func(t *testing.T, dir string) []string {
			hostileFile(t, dir, "parens.yml", rule("  sel:\n    CommandLine: x\n  condition: "+strings.Repeat("(", 190)+"sel"+strings.Repeat(")", 190)+"\n"))
			hostileFile(t, dir, "nots.yml", rule("  sel:\n    CommandLine: x\n  condition: "+strings.Repeat("not ", 190)+"sel\n"))
			hostileFile(t, dir, "lists.yml", rule("  sel: "+strings.Repeat("[", 190)+"{CommandLine: x}"+strings.Repeat("]", 190)+"\n  condition: sel\n"))
			hostileFile(t, dir, "custom.yml", append(rule("  sel:\n    CommandLine: x\n  condition: sel\n"), []byte("custom: "+strings.Repeat("[", 9000)+strings.Repeat("]", 9000)+"\n")...))
			return []string{dir}
		}},
		{name: "deep_over_limits", codes: []int{1}, setup: func(t *testing.T, dir string) []string {
			hostileFile(t, dir, "parens.yml", rule("  sel:\n    CommandLine: x\n  condition: "+strings.Repeat("(", 5000)+"sel"+strings.Repeat(")", 5000)+"\n"))
			hostileFile(t, dir, "lists.yml", rule("  sel: "+strings.Repeat("[", 9000)+"{CommandLine: x}"+strings.Repeat("]", 9000)+"\n  condition: sel\n"))
			hostileFile(t, dir, "yaml.yml", rule("  sel:\n    CommandLine: "+strings.Repeat("{a: ", 20000)+"x"+strings.Repeat("}", 20000)+"\n  condition: sel\n"))
			return []string{dir}
		}, stderr: func(t *testing.T, s string) {
			if !strings.Contains(s, "0 rules converted, 3 failed") {
				t.Errorf("not every file reported:\n%s", s)
			}
		}},
		{name: "alias_fan_out", codes: []int{1}, setup: func(t *testing.T, dir string) []string {
			var b strings.Builder
			b.WriteString("  base: &v [a, b, c, d, e, f, g, h, i, j]\n")
			for i := 0; i < 20000; i++ {
				fmt.Fprintf(&b, "  s%d: {CommandLine: *v}\n", i)
			}
			b.WriteString("  condition: 1 of them\n")
			hostileFile(t, dir, "fanout.yml", rule(b.String()))
			return []string{dir}
		}, stderr: func(t *testing.T, s string) {
			if !strings.Contains(s, "aliases expand to more than") {
				t.Errorf("the alias budget is not reported:\n%.2000s", s)
			}
		}},
		{name: "file_over_size_limit", codes: []int{1}, setup: func(t *testing.T, dir string) []string {
			hostileFile(t, dir, "big.yml", rule("  sel:\n    CommandLine: "+strings.Repeat("x", 17<<20)+"\n  condition: sel\n"))
			return []string{dir}
		}, stderr: func(t *testing.T, s string) {
			if !strings.Contains(s, "file is too large") {
				t.Errorf("size limit not reported:\n%.500s", s)
			}
		}},
		{name: "big_value_in_limit", codes: []int{0}, maxMB: 1024, setup: func(t *testing.T, dir string) []string {
			hostileFile(t, dir, "big.yml", rule("  sel:\n    CommandLine|contains: \""+strings.Repeat(`a\"\\`, 3<<20)+"\"\n  condition: sel\n"))
			return []string{"-o", filepath.Join(dir, "out.kql"), dir}
		}},
		{name: "many_values_and_rules", codes: []int{0}, maxMB: 1024, setup: func(t *testing.T, dir string) []string {
			var b strings.Builder
			b.WriteString("  sel:\n    CommandLine:\n")
			for i := 0; i < 200000; i++ {
				fmt.Fprintf(&b, "      - 'v%d \"q\" \\ *'\n", i)
			}
			b.WriteString("  condition: sel\n")
			hostileFile(t, dir, "values.yml", rule(b.String()))
			var r bytes.Buffer
			for i := 0; i < 5000; i++ {
				if i > 0 {
					r.WriteString("---\n")
				}
				r.Write(rule(fmt.Sprintf("  sel:\n    CommandLine|endswith: '\\r%d.exe'\n  condition: sel\n", i)))
			}
			hostileFile(t, dir, "rules.yml", r.Bytes())
			return []string{"-o", filepath.Join(dir, "out.kql"), dir}
		}},
		{name: "expansion_budget", codes: []int{1}, setup: func(t *testing.T, dir string) []string {
			var b strings.Builder
			b.WriteString("  sel:\n    CommandLine|windash|contains:\n")
			for i := 0; i < 40; i++ {
				fmt.Fprintf(&b, "      - '-a -b -c -d -e %d'\n", i)
			}
			b.WriteString("  condition: sel\n")
			hostileFile(t, dir, "windash.yml", rule(b.String()))
			return []string{dir}
		}},
		{name: "control_characters_in_names", codes: []int{1}, setup: func(t *testing.T, dir string) []string {
			hostileFile(t, dir, "esc.yml", rule("  sel:\n    \"Comm\\e[31mand\\nLine\\u2028|contians\": x\n  \"s\\e]0;title\\a\": {CommandLine: x}\n  condition: \"sel and s\\e[2Jx\"\n"))
			hostileFile(t, dir, "level.yml", append(rule("  sel:\n    CommandLine: x\n  condition: sel\n"), "level: \"hi\\e[2J\\u2028\\x00\"\n"...))
			return []string{dir}
		}, stderr: func(t *testing.T, s string) {
			if !strings.Contains(s, `invalid level 'hi\x1b[2J\u2028\x00'`) {
				t.Errorf("the control characters of the level are not escaped:\n%q", s)
			}
		}},
		{name: "symlink_loops_and_special_files", codes: []int{1}, setup: func(t *testing.T, dir string) []string {
			hostileFile(t, dir, "good.yml", rule("  sel:\n    CommandLine: x\n  condition: sel\n"))
			os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
			hostileMust(t, os.Symlink("..", filepath.Join(dir, "sub", "loop")))
			hostileMust(t, os.Symlink("b.yml", filepath.Join(dir, "a.yml")))
			hostileMust(t, os.Symlink("a.yml", filepath.Join(dir, "b.yml")))
			hostileMust(t, os.Symlink("nowhere.yml", filepath.Join(dir, "dangling.yml")))
			hostileMust(t, os.Mkdir(filepath.Join(dir, "dir.yml"), 0o755))
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yml"), 0o644); err != nil {
				t.Log("no fifo: ", err)
			}
			if runtime.GOOS == "linux" {
				// Unreadable even by root: reading /proc/self/mem at offset 0 fails.
				hostileMust(t, os.Symlink("/proc/self/mem", filepath.Join(dir, "mem.yml")))
			}
			if os.Geteuid() != 0 {
				p := hostileFile(t, dir, "noperm.yml", []byte("title: x"))
				os.Chmod(p, 0)
				os.MkdirAll(filepath.Join(dir, "nopermdir"), 0o755)
				hostileFile(t, dir, "nopermdir/x.yml", []byte("title: x"))
				os.Chmod(filepath.Join(dir, "nopermdir"), 0)
				t.Cleanup(func() { os.Chmod(filepath.Join(dir, "nopermdir"), 0o755) })
			}
			return []string{dir}
		}, stderr: func(t *testing.T, s string) {
			for _, f := range []string{"a.yml: stat: too many levels of symbolic links", "b.yml:", "dangling.yml: stat: no such file or directory"} {
				if !strings.Contains(s, f) {
					t.Errorf("stderr lacks %q:\n%s", f, s)
				}
			}
			if runtime.GOOS == "linux" && !strings.Contains(s, "mem.yml: read: input/output error") {
				t.Errorf("the unreadable file is not reported:\n%s", s)
			}
			if os.Geteuid() != 0 && (!strings.Contains(s, "noperm.yml: ") || !strings.Contains(s, "nopermdir: ")) {
				t.Errorf("the unreadable file and directory are not reported:\n%s", s)
			}
		}},
	}
}

func hostileMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestHostileInputsAgainstBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := hostileBinary(t)
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr"}, c.setup(t, dir)...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Stdin = bytes.NewReader(c.stdin)
			if c.name == "stdin_endless" {
				cmd.Stdin = endlessReader{}
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			elapsed := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("killed after %v", elapsed)
			}
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			ok := false
			for _, want := range c.codes {
				ok = ok || code == want
			}
			if !ok {
				t.Errorf("exit status %d, want one of %v", code, c.codes)
			}
			maxMB := c.maxMB
			if maxMB == 0 {
				maxMB = 512
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && runtime.GOOS == "linux" {
				if mb := int(ru.Maxrss / 1024); mb > maxMB {
					t.Errorf("used %d MB of memory, budget %d MB", mb, maxMB)
				} else {
					t.Logf("%v, %d MB", elapsed.Round(time.Millisecond), mb)
				}
			}
			errText := stderr.String()
			if m := hostileBad.FindString(errText); m != "" {
				t.Errorf("stderr shows %q:\n%.3000s", m, errText)
			}
			for _, line := range strings.Split(strings.TrimSuffix(errText, "\n"), "\n") {
				if line != "" && !hostileDiag.MatchString(line) && !hostileSummary.MatchString(line) {
					t.Errorf("stderr line is not a one-line diagnostic: %q", line)
				}
			}
			if c.stderr != nil {
				c.stderr(t, errText)
			}
		})
	}
}

// endlessReader is an input that never ends: a stream of "a".
type endlessReader struct{}

func (endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}
