// Package testcorpus finds the Sigma rules that the benchmarks and the
// corpus tests convert: the SigmaHQ corpus of the conformance suite when it
// is present beside the project (or the directory named by
// $SIGMA2KQL_CORPUS), else the rules bundled in rules/.
package testcorpus

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// EnvVar names the environment variable that overrides the directory.
const EnvVar = "SIGMA2KQL_CORPUS"

// Dir returns the rule directory: $SIGMA2KQL_CORPUS, else
// ../shared/conformance/corpus beside the module root, else the module's
// rules/ directory. full reports whether it is the SigmaHQ corpus or a
// directory given by the environment (rather than the bundled rules).
func Dir(tb testing.TB) (dir string, full bool) {
	tb.Helper()
	if d := os.Getenv(EnvVar); d != "" {
		return d, true
	}
	root := moduleRoot(tb)
	if d := filepath.Join(root, "..", "shared", "conformance", "corpus"); isDir(d) {
		return d, true
	}
	return filepath.Join(root, "rules"), false
}

// BundledDir returns the module's rules/ directory.
func BundledDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(moduleRoot(tb), "rules")
}

// A File is a rule file and its content.
type File struct {
	Name string
	Src  []byte
}

// Files reads every .yml and .yaml file under dir, sorted by path. Files
// under a pipelines/ directory (pipeline definitions, not rules) are left
// out.
func Files(tb testing.TB, dir string) []File {
	tb.Helper()
	var out []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) || strings.Contains(filepath.ToSlash(p), "/pipelines/") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, File{Name: p, Src: src})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no rules in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Replicate writes n copies of the rule files of src into a new temporary
// directory, copy k under the subdirectory kNN/ (distinct file names, the
// same content), and returns that directory.
func Replicate(tb testing.TB, src string, n int) string {
	tb.Helper()
	files := Files(tb, src)
	dst := tb.TempDir()
	for k := 0; k < n; k++ {
		for _, f := range files {
			rel, err := filepath.Rel(src, f.Name)
			if err != nil {
				tb.Fatal(err)
			}
			p := filepath.Join(dst, copyName(k), rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(p, f.Src, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return dst
}

func copyName(k int) string {
	return "copy" + string(rune('0'+k/10)) + string(rune('0'+k%10))
}

func moduleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("testcorpus: no go.mod above the working directory")
		}
		dir = parent
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// A Bench reports per-rule figures of a benchmark whose iterations each
// process the same number of rules.
type Bench struct {
	b      *testing.B
	before runtime.MemStats
}

// StartBench resets the benchmark's timer and starts counting allocations.
func StartBench(b *testing.B) *Bench {
	b.ReportAllocs()
	x := &Bench{b: b}
	runtime.ReadMemStats(&x.before)
	b.ResetTimer()
	return x
}

// Done reports ns/rule, rules/s, allocs/rule and B/rule, for rules rules
// per iteration.
func (x *Bench) Done(rules int) {
	x.b.StopTimer()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	n := float64(x.b.N) * float64(rules)
	x.b.ReportMetric(float64(x.b.Elapsed().Nanoseconds())/n, "ns/rule")
	x.b.ReportMetric(n/x.b.Elapsed().Seconds(), "rules/s")
	x.b.ReportMetric(float64(after.Mallocs-x.before.Mallocs)/n, "allocs/rule")
	x.b.ReportMetric(float64(after.TotalAlloc-x.before.TotalAlloc)/n, "B/rule")
}
