package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

func inputs(tb testing.TB, dir string) []Input {
	tb.Helper()
	var in []Input
	for _, f := range testcorpus.Files(tb, dir) {
		in = append(in, Input{Name: f.Name, Src: f.Src})
	}
	return in
}

func xdrConfig(jobs int) *Config {
	return &Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{pipeline.Builtin("microsoft_xdr")}, Jobs: jobs}
}

// TestParallelMatchesSequential checks that parallel runs give the same
// results, in the same order, as a sequential one: on the bundled rules
// (correlations and filters among them) and on the corpus.
func TestParallelMatchesSequential(t *testing.T) {
	dirs := []string{testcorpus.BundledDir(t)}
	if dir, full := testcorpus.Dir(t); full {
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		in := inputs(t, dir)
		seq := Run(xdrConfig(1), in)
		for _, jobs := range []int{2, 8} {
			par := Run(xdrConfig(jobs), in)
			if len(seq) != len(par) {
				t.Fatalf("%s: %d results sequentially, %d with %d jobs", dir, len(seq), len(par), jobs)
			}
			for i := range seq {
				if a, b := describe(&seq[i]), describe(&par[i]); a != b {
					t.Errorf("%s: result %d differs with %d jobs:\n%s\nvs\n%s", dir, i, jobs, a, b)
				}
			}
		}
	}
}

// describe renders everything a result says, for comparisons.
func describe(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "file %s, title %q\n", r.File, r.Title())
	for _, q := range r.Queries {
		b.WriteString(q + "\n")
	}
	if r.Err != nil {
		b.WriteString("error: " + r.Err.Error() + "\n")
	}
	if r.Warnings != nil {
		b.WriteString("warnings: " + r.Warnings.Error() + "\n")
	}
	return b.String()
}

// TestUnreadableInput checks that a missing file is one failed result.
func TestUnreadableInput(t *testing.T) {
	rs := Run(xdrConfig(2), []Input{{Name: filepath.Join(t.TempDir(), "missing.yml")}})
	if len(rs) != 1 || rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "missing.yml: ") {
		t.Fatalf("results = %+v", rs)
	}
}

// BenchmarkConvert converts the rule directory end to end (parse,
// pipeline, KQL) with one worker per CPU; b.N counts whole directories.
// Set SIGMA2KQL_CORPUS to measure another directory.
func BenchmarkConvert(b *testing.B) {
	dir, _ := testcorpus.Dir(b)
	in := inputs(b, dir)
	cfg := xdrConfig(0)
	bench := testcorpus.StartBench(b)
	for i := 0; i < b.N; i++ {
		Run(cfg, in)
	}
	bench.Done(len(in))
}

// TestPipelineWarnings checks that the pipelines' warnings (a part of the
// rule left out because the target lacks its data) reach the result, next
// to the query, and that an error of the backend still wins.
func TestPipelineWarnings(t *testing.T) {
	src := "title: t\nlogsource: {category: process_creation, product: windows}\ndetection:\n    s:\n        Hashes: ['MD5=0123456789ABCDEF0123456789ABCDEF', 'IMPHASH=00112233445566778899AABBCCDDEEFF']\n    condition: s\n"
	rs := Run(xdrConfig(1), []Input{{Name: "r.yml", Src: []byte(src)}})
	if len(rs) != 1 || rs[0].Err != nil || len(rs[0].Queries) != 1 || len(rs[0].Warnings) != 1 ||
		!strings.Contains(rs[0].Warnings[0].Error(), "r.yml:5:59: Hashes: Defender XDR records no IMPHASH hash") {
		t.Fatalf("result = %s", describe(&rs[0]))
	}
	if _, err := withWarnings(rs[0].Warnings)(nil, fmt.Errorf("backend failed")); err == nil || err.Error() != "backend failed" {
		t.Errorf("a backend error must win over warnings, got %v", err)
	}
}

// TestEmptiedRuleSaysWhy: a rule whose every test a pipeline drops gives no
// query, and a warning at its condition names the fields dropped; a rule
// that keeps a test gives its query without that warning.
func TestEmptiedRuleSaysWhy(t *testing.T) {
	rule := "title: t\nlogsource: {product: azure, service: signinlogs}\ndetection:\n    s:\n        EventID: 1\n%s    condition: s\n"
	rs := Run(xdrConfig(1), []Input{{Name: "r.yml", Src: []byte(fmt.Sprintf(rule, ""))}})
	want := "r.yml:6:16: the pipelines removed every test of this condition (they drop EventID)"
	if len(rs) != 1 || rs[0].Err != nil || len(rs[0].Queries) != 0 || len(rs[0].Warnings) != 1 ||
		!strings.Contains(rs[0].Warnings[0].Error(), want) {
		t.Fatalf("result = %s, want the warning %q", describe(&rs[0]), want)
	}
	rs = Run(xdrConfig(1), []Input{{Name: "r.yml", Src: []byte(fmt.Sprintf(rule, "        ResultType: 50126\n"))}})
	if len(rs) != 1 || rs[0].Err != nil || len(rs[0].Queries) != 1 || len(rs[0].Warnings) != 0 {
		t.Fatalf("result = %s, want one query and no warning", describe(&rs[0]))
	}
}
