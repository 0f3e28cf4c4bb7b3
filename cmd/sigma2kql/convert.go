package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/kql/deploy"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
	"gopkg.in/yaml.v3"
)

// convertOptions are the flags of the convert command.
type convertOptions struct {
	Target           string
	Pipelines        []string
	NoPipeline       bool
	PipelineCheck    bool
	Format           string
	Output           string
	Prune            bool
	Skip             bool
	BackendOpts      []string
	Placeholders     []string
	PlaceholderFiles []string
	DropPlaceholders bool
	Filters          []string
	FilePattern      string
	Jobs             int
	Paths            []string

	// Schedule and alerting of the deployable formats, as backend options.
	Frequency, Period, SeverityMap, Threshold, ARMAPIVersion string

	Report       string // file for the report of the run
	ReportFormat string // json or junit

	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

func newConvertCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &convertOptions{Stdout: stdout, Stderr: stderr}
	c := &cobra.Command{
		Use:   "convert -t TARGET [-p PIPELINE]... [flags] PATH...",
		Short: "Convert Sigma rules into queries",
		Long: `Convert Sigma rules into queries of the target language.

PATH is a rule file, a directory (searched recursively for .yml and .yaml
files) or - for standard input. Queries go to standard output, a blank line
between two, or with -o to a file; -o DIR/ (an existing directory, or a
path ending in /) writes one file per rule, mirroring the input tree, and
rewrites only the files that changed. Every rule that cannot be converted
is reported on standard error as file:line:col: message, and the others are
still converted; --report writes the outcome of every rule as JSON or JUnit.

Exit status: 0 when every rule converted (or failures were skipped with -s),
1 when some rule failed, 2 for a wrong command line.`,
		Example: `  # Defender XDR advanced hunting queries for a rule
  sigma2kql convert -t kusto -p microsoft_xdr rules/image_load/cmstp.yml

  # a whole tree, skipping rules the pipeline cannot map
  sigma2kql convert -t kusto -p microsoft_xdr -s rules/

  # your own table and field names, on top of a built-in pipeline
  sigma2kql convert -t kql -p microsoft_xdr -p my_fields.yml -O query_table=MyTable_CL rules/

  # CI: one Sentinel analytic rule file per Sigma rule, and a report
  sigma2kql convert -t kusto -p microsoft_xdr -f sentinel_rule -s -o deploy/ --report report.json rules/

  # one ARM template of all the rules, running every 6 hours over a day
  sigma2kql convert -t kusto -p microsoft_xdr -f arm --frequency 6h --period 1d -o analytics.json rules/

  # Splunk alerts for Windows event logs, as one savedsearches.conf
  sigma2kql convert -t splunk -p splunk_windows -f savedsearches -o savedsearches.conf rules/`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("no rules to convert: give rule files or directories, e.g. sigma2kql convert -t kusto -p microsoft_xdr rules/")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.Paths = args
			o.Stdin = c.InOrStdin()
			return runConvert(o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Target, "target", "t", "", "target query language: kusto (alias kql) or splunk")
	f.StringArrayVarP(&o.Pipelines, "pipeline", "p", nil, "processing pipeline: a built-in name or a YAML file (repeatable)")
	f.BoolVar(&o.NoPipeline, "without-pipeline", false, "allow converting without a processing pipeline")
	f.BoolVar(&o.PipelineCheck, "pipeline-check", true, "reject pipelines meant for another target")
	f.StringVarP(&o.Format, "format", "f", "default", "output format (see 'sigma2kql list formats')")
	f.StringVarP(&o.Output, "output", "o", "", "write the output to this file, or one file per rule into this directory (an existing directory or a path ending in /)")
	f.BoolVar(&o.Prune, "prune", false, "with -o DIR: delete the files of the format in DIR that this run did not write (rules removed or renamed), except those of rules that failed")
	f.BoolVarP(&o.Skip, "skip-unsupported", "s", false, "report rules that cannot be converted but exit 0")
	f.StringArrayVarP(&o.BackendOpts, "backend-option", "O", nil, "backend option KEY=VALUE, e.g. query_table=SecurityEvent (repeatable)")
	f.StringArrayVar(&o.Placeholders, "placeholder", nil, "placeholder values NAME=v1,v2 for the expand modifier (repeatable)")
	f.StringArrayVar(&o.PlaceholderFiles, "placeholder-file", nil, "YAML file mapping placeholder names to values (repeatable)")
	f.BoolVar(&o.DropPlaceholders, "drop-unresolved-placeholders", false, "drop values whose placeholders have no value instead of failing the rule")
	f.StringArrayVar(&o.Filters, "filter", nil, "Sigma filter file or directory, applied to the rules it names (repeatable)")
	f.StringVarP(&o.FilePattern, "file-pattern", "P", "", "only convert files in directories whose name matches this glob (default: *.yml and *.yaml)")
	f.IntVarP(&o.Jobs, "jobs", "j", 0, "files converted in parallel (default: one per CPU)")
	f.StringVar(&o.Frequency, "frequency", "", "how often a deployed rule runs, e.g. 5m, 1h, 1d (default 1h; formats sentinel_rule, arm, defender_detection)")
	f.StringVar(&o.Period, "period", "", "how far back a deployed rule looks, e.g. 1h, 14d (default: the frequency; formats sentinel_rule, arm)")
	f.StringVar(&o.SeverityMap, "severity-map", "", "alert severity per Sigma level, e.g. critical=High,high=Medium (default informational=Informational, low=Low, medium=Medium, high=High, critical=High, none=Medium)")
	f.StringVar(&o.Threshold, "threshold", "", "raise an alert when the query returns more rows than this (default 0; formats sentinel_rule, arm)")
	f.StringVar(&o.ARMAPIVersion, "arm-api-version", "", "API version of the alertRules resources of format arm (default "+deploy.DefaultARMAPIVersion+"; sub-techniques need a preview from 2023-12-01-preview on)")
	f.StringVar(&o.Report, "report", "", "write a report of the run to this file: per rule its source, status, outputs and errors")
	f.StringVar(&o.ReportFormat, "report-format", "json", "format of --report: json or junit")
	return c
}

func runConvert(o *convertOptions) error {
	if o.Target == "" {
		return usagef("no target: choose one with -t, e.g. -t kusto (see 'sigma2kql list targets')")
	}
	t, err := findTarget(o.Target)
	if err != nil {
		return err
	}
	bopts := backends.Options{}
	popts := pipeline.Options{Vars: map[string][]string{}}
	for _, kv := range o.BackendOpts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("backend option %q: expected KEY=VALUE", kv)
		}
		if k == "query_table" {
			popts.QueryTable = v
			continue
		}
		bopts[k] = v
	}
	for _, fl := range []struct{ key, val string }{
		{deploy.OptFrequency, o.Frequency}, {deploy.OptPeriod, o.Period}, {deploy.OptSeverityMap, o.SeverityMap},
		{deploy.OptThreshold, o.Threshold}, {deploy.OptARMAPIVersion, o.ARMAPIVersion},
	} {
		if fl.val != "" {
			bopts[fl.key] = fl.val
		}
	}
	if o.Prune && (o.Output == "" || !isDirOutput(o.Output)) {
		return usagef("--prune deletes stale files of an output directory: give one with -o DIR/")
	}
	if o.ReportFormat != "json" && o.ReportFormat != "junit" {
		return usagef("report format %q: expected json or junit", o.ReportFormat)
	}
	for _, file := range o.PlaceholderFiles {
		vars, err := readPlaceholderFile(file)
		if err != nil {
			return err
		}
		for k, v := range vars {
			popts.Vars[k] = v
		}
	}
	for _, kv := range o.Placeholders {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("placeholder %q: expected NAME=value1,value2", kv)
		}
		popts.Vars[strings.Trim(k, "%")] = strings.Split(v, ",")
	}
	popts.DropUnresolved = o.DropPlaceholders
	filters, err := loadFilters(o)
	if err != nil {
		return err
	}
	backend := t.new(bopts)
	formatOK := false
	var formats []string
	for _, f := range backend.Formats() {
		formats = append(formats, f.Name)
		formatOK = formatOK || f.Name == o.Format
	}
	if !formatOK {
		msg := fmt.Sprintf("target %s has no output format %q: expected one of %s", t.name, o.Format, strings.Join(formats, ", "))
		if s := suggest.Nearest(o.Format, formats); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return usagef("%s", msg)
	}
	if oc, ok := backend.(backends.OptionChecker); ok {
		if err := oc.CheckOptions(o.Format); err != nil {
			return usagef("%v", err)
		}
	}
	pipes, err := loadPipelines(o, t)
	if err != nil {
		return err
	}
	if len(pipes) == 0 && t.needsPipe && !o.NoPipeline {
		return usagef("target %s needs a processing pipeline: choose one with -p (see 'sigma2kql list pipelines'), or convert without one with --without-pipeline", t.name)
	}
	inputs, rels, err := collectInputs(o)
	if err != nil {
		return err
	}
	cfg := &engine.Config{Backend: backend, Format: o.Format, Pipelines: pipeline.Sort(pipes), Pipeline: popts, Jobs: o.Jobs, Filters: filters}
	results := engine.Run(cfg, inputs)

	// One write for all the messages rather than one per line: a batch
	// may report thousands.
	failed := 0
	errOut := bufio.NewWriter(o.Stderr)
	for _, r := range results {
		if r.Err != nil {
			failed++
			ast.PrintErrors(errOut, withFile(r.Err, r.File))
		}
		printWarnings(errOut, r.Warnings, r.File)
	}
	errOut.Flush() // as before buffering, a failing standard error stops nothing
	out := &outputs{backend: backend, format: o.Format, ext: formatExt(t, backend, o.Format), rels: rels}
	var werr error
	switch {
	case o.Output == "":
		_, werr = o.Stdout.Write([]byte(out.assemble(allQueries(results))))
	case isDirOutput(o.Output):
		werr = out.writeDir(o.Output, results)
		if werr == nil && o.Prune {
			werr = out.prune(o.Output, results)
		}
	case failed > 0 && !o.Skip:
		fmt.Fprintf(o.Stderr, "sigma2kql: %d of %d rules failed; %s left unchanged\n", failed, len(results), o.Output)
	default:
		werr = out.writeFile(o.Output, results)
	}
	if werr != nil {
		return werr
	}
	if o.Report != "" {
		if err := writeReport(o, t.name, results, out); err != nil {
			return err
		}
	}
	if failed > 0 {
		if len(results) > 1 && (o.Output == "" || o.Skip || isDirOutput(o.Output)) {
			fmt.Fprintf(o.Stderr, "sigma2kql: %d of %d rules failed\n", failed, len(results))
		}
		if !o.Skip {
			return errFailed
		}
	}
	return nil
}

// printWarnings writes warnings as file:line:col: warning: message.
func printWarnings(w io.Writer, warns ast.ErrorList, file string) {
	if len(warns) == 0 {
		return
	}
	list := withFile(warns, file).(ast.ErrorList)
	out := make(ast.ErrorList, len(list))
	for i, e := range list {
		out[i] = &ast.Error{Pos: e.Pos, Msg: "warning: " + e.Msg}
	}
	ast.PrintErrors(w, out)
}

// withFile makes sure that every error names its file.
func withFile(err error, file string) error {
	fix := func(e *ast.Error) *ast.Error {
		if e.Pos.Filename == "" {
			c := *e
			c.Pos.Filename = file
			return &c
		}
		return e
	}
	switch e := err.(type) {
	case *ast.Error:
		return fix(e)
	case ast.ErrorList:
		out := make(ast.ErrorList, len(e))
		for i, x := range e {
			out[i] = fix(x)
		}
		return out
	}
	return &ast.Error{Pos: ast.Pos{Filename: file}, Msg: err.Error()}
}

// loadPipelines resolves the -p arguments: built-in names or files.
func loadPipelines(o *convertOptions, t *target) ([]*pipeline.Pipeline, error) {
	var out []*pipeline.Pipeline
	for _, name := range o.Pipelines {
		p := pipeline.Builtin(name)
		if p == nil {
			src, err := os.ReadFile(name)
			if err != nil {
				if os.IsNotExist(err) {
					msg := fmt.Sprintf("pipeline %q is neither a built-in pipeline nor a file", name)
					if s := suggest.Nearest(name, pipeline.Names()); s != "" {
						msg += fmt.Sprintf("; did you mean %q?", s)
					} else {
						msg += "; built-in: " + strings.Join(pipeline.Names(), ", ")
					}
					return nil, usagef("%s", msg)
				}
				return nil, usagef("pipeline %s: %v", name, err)
			}
			dir := filepath.Dir(name)
			p, err = pipeline.Load(name, src, func(rel string) ([]byte, error) {
				return os.ReadFile(filepath.Join(dir, rel))
			})
			if err != nil {
				ast.PrintErrors(o.Stderr, err)
				return nil, usagef("pipeline %s is invalid", name)
			}
		}
		if o.PipelineCheck && len(p.Targets) > 0 && !slices.Contains(p.Targets, t.name) {
			return nil, usagef("pipeline %s is meant for %s, not for target %s (use --pipeline-check=false to use it anyway)", p.Name, strings.Join(p.Targets, ", "), t.name)
		}
		out = append(out, p)
	}
	return out, nil
}

// collectInputs expands the PATH arguments into rule files, in a stable
// order: arguments as given, directory contents sorted by path. It also
// returns, for each file, its path relative to the argument that named it
// (the file name for a file argument), which -o DIR mirrors.
func collectInputs(o *convertOptions) ([]engine.Input, map[string]string, error) {
	var inputs []engine.Input
	rels := map[string]string{}
	seen := map[string]bool{}
	for _, p := range o.Paths {
		if p == "-" {
			// Read no more than a rule file may hold: the parser
			// reports a longer input as too large.
			src, err := io.ReadAll(io.LimitReader(o.Stdin, parser.MaxFileSize+1))
			if err != nil {
				return nil, nil, err
			}
			inputs = append(inputs, engine.Input{Name: "<stdin>", Src: src})
			rels["<stdin>"] = "stdin"
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, usagef("cannot read %s: %v", p, cleanPathErr(err))
		}
		if !fi.IsDir() {
			if !seen[p] {
				seen[p] = true
				inputs = append(inputs, engine.Input{Name: p})
				rels[p] = filepath.Base(p)
			}
			continue
		}
		var files []string
		walkErrs := map[string]error{}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				// An unreadable directory: report it as a failed input.
				files = append(files, path)
				walkErrs[path] = err
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if !matchPattern(o.FilePattern, d.Name()) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				// Symlinked files are read; symlinked directories are
				// not followed, which also rules out loops. A link that
				// leads nowhere is reported as a failed input, not
				// skipped in silence.
				if st, err := os.Stat(path); err == nil && st.IsDir() {
					return nil
				}
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			if !seen[f] {
				seen[f] = true
				inputs = append(inputs, engine.Input{Name: f, Err: walkErrs[f]})
				rel, err := filepath.Rel(p, f)
				if err != nil {
					rel = filepath.Base(f)
				}
				rels[f] = rel
			}
		}
	}
	return inputs, rels, nil
}

func matchPattern(pattern, name string) bool {
	if pattern == "" {
		return strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
	}
	ok, _ := filepath.Match(pattern, name)
	return ok
}

func cleanPathErr(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory and a rename, so that readers never see a partial file. An
// unchanged file is not rewritten; changed reports whether it was. An
// existing file keeps its permissions. A symbolic link is followed, so that
// the file it points to is replaced and the link kept. A name that is not a
// regular file (a pipe, or a device such as /dev/stdout) is written to
// directly: renaming over it would replace it.
func writeFileAtomic(name string, data []byte) (changed bool, err error) {
	target := name
	if fi, err := os.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if resolved, err := filepath.EvalSymlinks(name); err == nil {
			target = resolved
		}
	}
	perm := fs.FileMode(0o644)
	fi, err := os.Stat(target)
	switch {
	case err == nil && fi.IsDir():
		return false, fmt.Errorf("cannot write the queries to %s: it is a directory", name)
	case err == nil && !fi.Mode().IsRegular():
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return false, err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return false, err
		}
		return true, f.Close()
	case err == nil:
		perm = fi.Mode().Perm()
		if fi.Size() == int64(len(data)) {
			if old, err := os.ReadFile(target); err == nil && bytes.Equal(old, data) {
				return false, nil
			}
		}
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	// The data must be on disk before the rename makes it the file.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return false, err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return false, err
	}
	return true, nil
}

// loadFilters reads the --filter files and directories.
func loadFilters(o *convertOptions) ([]*ast.Filter, error) {
	if len(o.Filters) == 0 {
		return nil, nil
	}
	inputs, _, err := collectInputs(&convertOptions{Paths: o.Filters, FilePattern: o.FilePattern, Stdin: o.Stdin})
	if err != nil {
		return nil, err
	}
	var out []*ast.Filter
	for _, in := range inputs {
		src := in.Src
		if src == nil {
			if src, err = os.ReadFile(in.Name); err != nil {
				return nil, usagef("cannot read filter %s: %v", in.Name, cleanPathErr(err))
			}
		}
		f, err := parser.ParseFile(in.Name, src)
		if err != nil {
			ast.PrintErrors(o.Stderr, err)
			return nil, usagef("filter file %s is invalid", in.Name)
		}
		for _, d := range f.Docs {
			flt, ok := d.(*ast.Filter)
			if !ok {
				return nil, usagef("%s: --filter expects Sigma filter documents (with a 'filter' section)", in.Name)
			}
			out = append(out, flt)
		}
	}
	return out, nil
}

// readPlaceholderFile reads a YAML mapping of placeholder names to a value
// or a list of values.
func readPlaceholderFile(name string) (map[string][]string, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, usagef("cannot read placeholder file %s: %v", name, cleanPathErr(err))
	}
	var raw map[string]any
	if err := yaml.Unmarshal(src, &raw); err != nil {
		return nil, usagef("placeholder file %s: %v", name, err)
	}
	out := map[string][]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				out[k] = append(out[k], fmt.Sprint(x))
			}
		case nil:
			out[k] = nil
		default:
			out[k] = []string{fmt.Sprint(v)}
		}
	}
	return out, nil
}
