// Command kqlgate is the KQL validity gate of CI: it converts every rule
// under the given paths with every built-in pipeline of the kusto target
// and checks each query with Microsoft's KQL parser (kqlcheck, see
// ../shared/kqlcheck) against the pipeline's table schema,
// schema/<pipeline>.json in the kqlcheck directory. Any diagnostic of Error
// severity fails the gate and is reported with its rule; so does a rule
// whose conversion hit an internal error. Rules that the pipelines cannot
// convert are counted, not failed: they produce no query.
//
//	go run ./tools/kqlgate [-kqlcheck DIR] [-p PIPELINE]... [-write DIR] PATH...
//
// Exit status: 0 when every query is valid, 1 when some is not, 2 when the
// gate cannot run.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var pipes listFlag
	dir := flag.String("kqlcheck", os.Getenv(kqlcheck.EnvDir), "directory of an installed kqlcheck (default $"+kqlcheck.EnvDir+")")
	flag.Var(&pipes, "p", "pipeline to check (repeatable; default: every built-in kusto pipeline)")
	write := flag.String("write", "", "also write each pipeline's queries to DIR/<pipeline>.json, the rule -> {\"query\": [...]} map that kqlcheck reads")
	jobs := flag.Int("j", runtime.NumCPU(), "kqlcheck processes in parallel")
	maxDepth := flag.Int("max-depth", 0, "Kusto.Language MaxAnalysisDepth; 0 for its own default, which every query we print must pass")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: kqlgate [-kqlcheck DIR] [-p PIPELINE]... [-write DIR] PATH...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Setenv(kqlcheck.EnvDir, *dir)
	kdir, err := kqlcheck.Dir()
	if err != nil {
		fatal("%v", err)
	}
	ps, err := pipelines(pipes)
	if err != nil {
		fatal("%v", err)
	}
	schemas := map[string][]string{}
	for _, p := range ps {
		f, err := kqlcheck.SchemaFor(kdir, p.Name, tableNames(p))
		if err != nil {
			fatal("%v", err)
		}
		schemas[p.Name] = f
	}
	files, err := ruleFiles(flag.Args())
	if err != nil {
		fatal("%v", err)
	}
	inputs := make([]engine.Input, len(files))
	for i, f := range files {
		inputs[i] = engine.Input{Name: f}
	}

	// Convert first (fast), then check: the kqlcheck processes share
	// the CPUs, each pipeline getting a share of them.
	per := max(1, *jobs/len(ps))
	var wg sync.WaitGroup
	reports := make([]string, len(ps))
	passed := make([]bool, len(ps))
	for i, p := range ps {
		start := time.Now()
		cfg := &engine.Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}}
		results := engine.Run(cfg, inputs)
		if *write != "" {
			if err := writeJSON(filepath.Join(*write, p.Name+".json"), results); err != nil {
				fatal("%v", err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i], passed[i] = check(kdir, schemas[p.Name], p, results, per, *maxDepth, start)
		}()
	}
	wg.Wait()
	failed := false
	for i, r := range reports {
		fmt.Println(r)
		failed = failed || !passed[i]
	}
	if failed {
		fmt.Println("kqlgate: FAILED")
		os.Exit(1)
	}
	fmt.Println("kqlgate: every query is valid KQL")
}

// tableNames lists the tables of a pipeline's schema.
func tableNames(p *pipeline.Pipeline) []string {
	var out []string
	for t := range p.Schema {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kqlgate: "+format+"\n", args...)
	os.Exit(2)
}

// pipelines returns the pipelines to check: those named, or every
// built-in pipeline meant for the kusto target.
func pipelines(names []string) ([]*pipeline.Pipeline, error) {
	if len(names) == 0 {
		var out []*pipeline.Pipeline
		for _, p := range pipeline.Builtins() {
			if len(p.Targets) == 0 || slices.Contains(p.Targets, "kusto") {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("no built-in kusto pipeline")
		}
		return out, nil
	}
	var out []*pipeline.Pipeline
	for _, n := range names {
		p := pipeline.Builtin(n)
		if p == nil {
			return nil, fmt.Errorf("unknown pipeline %q: expected one of %s", n, strings.Join(pipeline.Names(), ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

// ruleFiles lists the .yml and .yaml files under the paths, sorted.
func ruleFiles(paths []string) ([]string, error) {
	var out []string
	for _, root := range paths {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// name identifies a result: its file, and the document's index when the
// file holds several.
func names(results []engine.Result) []string {
	count := map[string]int{}
	for _, r := range results {
		count[r.File]++
	}
	seen := map[string]int{}
	out := make([]string, len(results))
	for i, r := range results {
		seen[r.File]++
		out[i] = r.File
		if count[r.File] > 1 {
			out[i] = fmt.Sprintf("%s (entry %d)", r.File, seen[r.File])
		}
	}
	return out
}

// writeJSON writes results in kqlcheck's input format.
func writeJSON(path string, results []engine.Result) error {
	m := map[string]any{}
	nm := names(results)
	for i, r := range results {
		n := nm[i]
		if r.Err != nil {
			m[n] = map[string]string{"error": r.Err.Error()}
			continue
		}
		m[n] = map[string][]string{"query": append([]string{}, r.Queries...)}
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

type job struct {
	name  string
	index int
	query string
}

// check runs every query of results through n kqlcheck processes and
// returns the report and whether all passed.
func check(dir string, schemas []string, p *pipeline.Pipeline, results []engine.Result, n, maxDepth int, start time.Time) (string, bool) {
	var b strings.Builder
	ok := true
	var jobs []job
	nm := names(results)
	rules, unconverted := 0, 0
	for i, r := range results {
		if r.Doc != nil {
			rules++
		}
		if r.Err != nil {
			unconverted++
			if strings.Contains(r.Err.Error(), "internal error") {
				fmt.Fprintf(&b, "FAIL %s [%s]: %v\n", nm[i], p.Name, r.Err)
				ok = false
			}
			continue
		}
		for j, q := range r.Queries {
			jobs = append(jobs, job{nm[i], j + 1, q})
		}
	}
	ch := make(chan job)
	var mu sync.Mutex // guards failures
	var wg sync.WaitGroup
	var failures []string
	var startErr error
	for w := 0; w < n; w++ {
		c, err := kqlcheck.Start(dir, kqlcheck.Options{Schemas: schemas, MaxDepth: maxDepth})
		if err != nil {
			startErr = err
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			for j := range ch {
				res, err := c.Check(j.query, false)
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, fmt.Sprintf("FAIL %s [%s] query %d: kqlcheck: %v", j.name, p.Name, j.index, err))
				case len(res.Errors()) > 0:
					var lines []string
					for _, d := range res.Errors() {
						lines = append(lines, "    "+d.String())
					}
					failures = append(failures, fmt.Sprintf("FAIL %s [%s] query %d:\n%s\n    query: %s", j.name, p.Name, j.index, strings.Join(lines, "\n"), clip(j.query)))
				}
				mu.Unlock()
			}
		}()
	}
	if startErr != nil && n > 0 {
		close(ch)
		wg.Wait()
		return fmt.Sprintf("FAIL [%s]: %v", p.Name, startErr), false
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	sort.Strings(failures)
	for _, f := range failures {
		b.WriteString(f + "\n")
	}
	if len(failures) > 0 {
		ok = false
	}
	fmt.Fprintf(&b, "%s: %d files, %d rules, %d queries checked, %d with errors; %d rules not converted; %.0fs",
		p.Name, countFiles(results), rules, len(jobs), len(failures), unconverted, time.Since(start).Seconds())
	return b.String(), ok
}

func countFiles(results []engine.Result) int {
	seen := map[string]bool{}
	for _, r := range results {
		seen[r.File] = true
	}
	return len(seen)
}

func clip(q string) string {
	q = strings.ReplaceAll(q, "\n", " ")
	if len(q) > 400 {
		return q[:400] + "..."
	}
	return q
}
