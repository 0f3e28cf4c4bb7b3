package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/backends/splunk"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/fuzzseed"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/spl"
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
		if len(p.Targets) > 0 && !slices.Contains(p.Targets, "kusto") {
			continue
		}
		out = append(out, &Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}, Jobs: 1})
	}
	return out
}

// fuzzSplunkConfigs returns a conversion configuration for each output
// format of the splunk target, with the pipelines each one needs.
func fuzzSplunkConfigs() []*Config {
	win, cim := pipeline.Builtin("splunk_windows"), pipeline.Builtin("splunk_cim")
	acc := pipeline.Builtin("splunk_sysmon_acceleration")
	return []*Config{
		{Backend: splunk.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{win, acc}, Jobs: 1},
		{Backend: splunk.New(nil), Format: "savedsearches", Pipelines: []*pipeline.Pipeline{win}, Jobs: 1},
		{Backend: splunk.New(nil), Format: "data_model", Pipelines: []*pipeline.Pipeline{cim}, Jobs: 1},
	}
}

// FuzzConvert converts fuzzed rule files to KQL with every built-in kusto
// pipeline, and to SPL in every format of the splunk target. No input may
// make a conversion panic (the engine turns panics into "internal error"
// results) or hang, and every query must be well formed at the level of
// its string literals: each one closed, with only the escapes the printer
// writes, so that no value leaks out of its literal.
func FuzzConvert(f *testing.F) {
	for _, src := range fuzzseed.Rules(fuzzRootDir) {
		f.Add(src)
	}
	cfgs := fuzzKustoPipelines()
	if len(cfgs) == 0 {
		f.Fatal("no built-in kusto pipeline")
	}
	splunkCfgs := fuzzSplunkConfigs()
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
		// SPL: no panic, no hang, and every search readable as Splunk's
		// commands read their quoted strings.
		for _, cfg := range splunkCfgs {
			w := time.AfterFunc(fuzzBudget, func() {
				panic("converting to SPL (" + cfg.Format + ") took more than " + fuzzBudget.String())
			})
			results := Run(cfg, []Input{{Name: "fuzz.yml", Src: src}})
			w.Stop()
			for _, r := range results {
				if r.Err != nil && strings.Contains(r.Err.Error(), "internal error") {
					t.Fatalf("splunk %s: %v", cfg.Format, r.Err)
				}
				if cfg.Format != "default" {
					continue
				}
				for _, q := range r.Queries {
					if _, err := spl.Parse(q); err != nil {
						t.Fatalf("splunk: search with a broken quoted string (%v):\n%s", err, q)
					}
				}
			}
		}
	})
}

// fuzzRootDir is the repository root, seen from this package's directory.
const fuzzRootDir = ".."
