package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// ruleDir returns the directory the benchmarks and tests convert: the
// SigmaHQ corpus beside the project when present (or $SIGMA2KQL_CORPUS),
// else the bundled rules.
func ruleDir() string {
	if d := os.Getenv("SIGMA2KQL_CORPUS"); d != "" {
		return d
	}
	if _, err := os.Stat("../../../shared/conformance/corpus"); err == nil {
		return "../../../shared/conformance/corpus"
	}
	return "../../rules"
}

func inputs(tb testing.TB, dir string) []Input {
	tb.Helper()
	var in []Input
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".yml") && !strings.Contains(p, "/pipelines/") {
			src, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			in = append(in, Input{Name: p, Src: src})
		}
		return nil
	})
	if len(in) == 0 {
		tb.Fatalf("no rules in %s", dir)
	}
	return in
}

func xdrConfig(jobs int) *Config {
	return &Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{pipeline.Builtin("microsoft_xdr")}, Jobs: jobs}
}

// TestParallelMatchesSequential checks that the parallel run gives the
// same results, in the same order, as a sequential one.
func TestParallelMatchesSequential(t *testing.T) {
	in := inputs(t, "../../rules")
	seq := Run(xdrConfig(1), in)
	par := Run(xdrConfig(8), in)
	if len(seq) != len(par) {
		t.Fatalf("%d results sequentially, %d in parallel", len(seq), len(par))
	}
	for i := range seq {
		if seq[i].File != par[i].File || strings.Join(seq[i].Queries, "\n\n") != strings.Join(par[i].Queries, "\n\n") || (seq[i].Err == nil) != (par[i].Err == nil) {
			t.Errorf("result %d differs: %s vs %s", i, seq[i].File, par[i].File)
		}
	}
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
	in := inputs(b, ruleDir())
	cfg := xdrConfig(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Run(cfg, in)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(in)), "ns/rule")
	b.ReportMetric(float64(b.N*len(in))/b.Elapsed().Seconds(), "rules/s")
}
