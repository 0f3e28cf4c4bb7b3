package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/internal/fuzzseed"
	"github.com/sigma2kql/sigma2kql/internal/kqlcheck"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// fuzzBudget is the time the conversion of one fuzzed rule may take with all
// the pipelines; more is a hang (the watchdog panics, which the fuzzer
// records as a failing input).
const fuzzBudget = 10 * time.Second

// fuzzKustoPipelines returns a conversion configuration for each built-in
// pipeline of the kusto target.
func fuzzKustoPipelines() []*Config {
	var out []*Config
	for _, p := range pipeline.Builtins() {
		if len(p.Targets) > 0 && !fuzzContains(p.Targets, "kusto") {
			continue
		}
		out = append(out, &Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}, Jobs: 1})
	}
	return out
}

func fuzzContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzConvert converts fuzzed rule files to KQL with every built-in kusto
// pipeline. No input may make a conversion panic (the engine turns panics
// into "internal error" results) or hang, and every query must be well
// formed at the level of its string literals: each one closed, with only
// the escapes the printer writes, so that no value leaks out of its
// literal.
func FuzzConvert(f *testing.F) {
	for _, src := range fuzzseed.Rules(fuzzRootDir) {
		f.Add(src)
	}
	cfgs := fuzzKustoPipelines()
	if len(cfgs) == 0 {
		f.Fatal("no built-in kusto pipeline")
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if src == nil {
			src = []byte{}
		}
		for _, cfg := range cfgs {
			w := time.AfterFunc(fuzzBudget, func() {
				panic("converting with " + cfg.Pipelines[0].Name + " took more than " + fuzzBudget.String())
			})
			results := Run(cfg, []Input{{Name: "fuzz.yml", Src: src}})
			w.Stop()
			for _, r := range results {
				if r.Err != nil && strings.Contains(r.Err.Error(), "internal error") {
					t.Fatalf("%s: %v", cfg.Pipelines[0].Name, r.Err)
				}
				for _, q := range r.Queries {
					if _, err := kqlcheck.Literals(q); err != nil {
						t.Fatalf("%s: query with a broken string literal (%v):\n%s", cfg.Pipelines[0].Name, err, q)
					}
				}
			}
		}
	})
}

// fuzzRootDir is the repository root, seen from this package's directory.
const fuzzRootDir = "../.."
