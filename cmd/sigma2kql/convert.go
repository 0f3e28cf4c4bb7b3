package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// convertOptions are the flags of the convert command.
type convertOptions struct {
	Target               string
	Pipelines            []string
	NoPipeline           bool
	PipelineCheck        bool
	DisablePipelineCheck bool // sigma-cli's name for --pipeline-check=false
	Format               string
	Output               string
	Prune                bool
	DryRun               bool
	Skip                 bool
	FailUnsupported      bool // sigma-cli's opposite of -s, the default
	FailOnWarning        bool // a rule whose conversion warned fails
	BackendOpts          []string
	Placeholders         []string
	PlaceholderFiles     []string
	DropPlaceholders     bool
	Filters              []string
	FilePattern          string
	Jobs                 int
	JSONIndent           int // -1 when not given
	CorrelationMethod    string
	Encoding             string
	Verbose              bool
	Paths                []string

	// OptionFlags are the flags of backend options declared with Flag
	// (e.g. --frequency), by option name; "" when not given.
	OptionFlags map[string]*string

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
files, leaving out directories whose name starts with a dot and files that
hold no Sigma document; -v names them) or - for standard input. Queries go
to standard output, a blank line between two, or with -o to a file; -o DIR/
(an existing directory, or a path ending in /) writes one file per rule,
mirroring the input tree, and rewrites only the files that changed. Every
rule that cannot be converted is reported on standard error as
file:line:col: message, and the others are still converted; a summary line
ends every run; --report writes the outcome of every rule as JSON or JUnit.
The flags of sigma-cli's convert are accepted with sigma-cli's meaning.

Exit status: 0 when every rule converted (or failures were skipped with -s),
1 when some rule failed, a directory gave no rule, --prune was refused or
the run failed otherwise, 2 for a wrong command line.`,
		Example: `  # Defender XDR advanced hunting queries for a rule
  sigma2kql convert -t kusto -p microsoft_xdr rules/windows/image_load/image_load_dll_cmstp_susp_location.yml

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
	convertFlags(c, o)
	return c
}

// convertFlags declares the flags of the convert command: sigma-cli's
// (with sigma-cli's meaning), ours, and one per backend option declared
// with Flag.
func convertFlags(c *cobra.Command, o *convertOptions) {
	f := c.Flags()
	f.StringVarP(&o.Target, "target", "t", "", "target query language: kusto (alias kql) or splunk")
	f.StringArrayVarP(&o.Pipelines, "pipeline", "p", nil, "processing pipeline: a built-in name or a YAML file (repeatable)")
	f.BoolVar(&o.NoPipeline, "without-pipeline", false, "allow converting without a processing pipeline")
	f.BoolVar(&o.PipelineCheck, "pipeline-check", true, "reject pipelines meant for another target")
	f.BoolVar(&o.DisablePipelineCheck, "disable-pipeline-check", false, "accept pipelines meant for another target (same as --pipeline-check=false)")
	f.StringVarP(&o.Format, "format", "f", "default", "output format (see 'sigma2kql list formats TARGET')")
	f.IntVarP(&o.JSONIndent, "json-indent", "j", -1, "indent the output of JSON formats (arm, defender_detection) by this many spaces")
	f.StringVarP(&o.CorrelationMethod, "correlation-method", "c", "", "how correlation rules become queries: the target's default unless given (kusto: default; splunk: stats)")
	f.StringVarP(&o.Output, "output", "o", "", "write the output to this file (- for standard output, the default), or one file per rule into this directory (an existing directory or a path ending in /)")
	f.BoolVar(&o.Prune, "prune", false, "with -o DIR: delete the files of the format in DIR that this run did not write (rules removed or renamed), except those of rules that failed; with -o FILE: delete the split parts (FILE.N.ext) or the unsplit FILE that an earlier run wrote and this one did not; refused when no rule was read or an input failed")
	f.BoolVar(&o.DryRun, "dry-run", false, "with -o: write and delete nothing, list on standard output the files that would be written and (with --prune) deleted")
	f.BoolVarP(&o.Skip, "skip-unsupported", "s", false, "report rules that cannot be converted but exit 0")
	f.BoolVar(&o.FailUnsupported, "fail-unsupported", false, "exit 1 when a rule cannot be converted (the default; the opposite of -s)")
	f.StringArrayVarP(&o.BackendOpts, "backend-option", "O", nil, "backend option KEY=VALUE, e.g. query_table=SecurityEvent (repeatable; see 'sigma2kql list options')")
	f.StringArrayVar(&o.Placeholders, "placeholder", nil, "placeholder values NAME=v1,v2 for the expand modifier (repeatable)")
	f.StringArrayVar(&o.PlaceholderFiles, "placeholder-file", nil, "YAML file mapping placeholder names to values (repeatable)")
	f.BoolVar(&o.FailOnWarning, "fail-on-warning", false, "count a rule whose conversion warned (a part left out as data the target lacks, a tag left out of a deployable format...) as failed: no query is written for it")
	f.BoolVar(&o.DropPlaceholders, "drop-unresolved-placeholders", false, "drop values whose placeholders have no value instead of failing the rule")
	f.StringArrayVar(&o.Filters, "filter", nil, "Sigma filter file or directory, applied to the rules it names (repeatable)")
	f.StringVarP(&o.FilePattern, "file-pattern", "P", "", "only convert files in directories whose name matches this glob (default: *.yml and *.yaml)")
	f.StringVarP(&o.Encoding, "encoding", "e", "utf-8", "encoding of the rule files: utf-8, utf-8-sig, utf-16 (-le, -be), latin-1 or ascii")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "also say which directories and files the walk left out, and why")
	f.IntVar(&o.Jobs, "jobs", 0, "files converted in parallel (default: one per CPU)")
	f.StringVar(&o.Report, "report", "", "write a report of the run to this file: per rule its source, status, outputs and errors")
	f.StringVar(&o.ReportFormat, "report-format", "json", "format of --report: json or junit")
	o.OptionFlags = map[string]*string{}
	for _, d := range declaredOptions() {
		if d.Spec.Flag && o.OptionFlags[d.Spec.Name] == nil {
			o.OptionFlags[d.Spec.Name] = f.String(d.Spec.FlagName(), "", d.Spec.Help+" ("+d.Where()+")")
		}
	}
}

// A conversion is a convert command line made ready to run.
type conversion struct {
	o       *convertOptions
	t       *target
	backend backends.Backend
	cfg     *engine.Config
	in      *inputSet
	skipped []engine.Result // inputs of a walk that are not Sigma documents
}

// runConvert runs the convert command in its phases: the options, their
// checks, the inputs, the run, the output and the report.
func runConvert(o *convertOptions) error {
	c, err := prepare(o)
	if err != nil {
		return err
	}
	if c.in, err = collectInputs(o); err != nil {
		return err
	}
	all := engine.Run(c.cfg, c.in.inputs)
	var results []engine.Result
	results, c.skipped = splitSkipped(all)
	if o.FailOnWarning {
		failWarned(results)
	}
	st := c.diagnose(results, c.skipped)
	out, err := c.write(results, st)
	if err != nil {
		return err
	}
	return c.finish(results, out, st)
}

// prepare reads and checks the command line: the target, its options and
// format, the pipelines and the filters.
func prepare(o *convertOptions) (*conversion, error) {
	if err := checkFlags(o); err != nil {
		return nil, err
	}
	t, err := findTarget(o.Target)
	if err != nil {
		return nil, err
	}
	raw, labels, err := o.rawOptions()
	if err != nil {
		return nil, err
	}
	bopts, popts := splitOptions(raw)
	if err := o.placeholders(&popts); err != nil {
		return nil, err
	}
	backend := t.New(bopts)
	if err := checkTargetFlags(o, t, backend); err != nil {
		return nil, err
	}
	if err := checkOptions(t, backend, o.Format, raw, labels); err != nil {
		return nil, err
	}
	decode, err := decoder(o.Encoding)
	if err != nil {
		return nil, err
	}
	filters, err := loadFilters(o)
	if err != nil {
		return nil, err
	}
	pipes, err := loadPipelines(o, t)
	if err != nil {
		return nil, err
	}
	if len(pipes) == 0 && t.NeedsPipeline && !o.NoPipeline {
		return nil, usagef("target %s needs a processing pipeline: choose one with -p (see 'sigma2kql list pipelines %s'), or convert without one with --without-pipeline", t.Name, t.Name)
	}
	cfg := &engine.Config{Backend: backend, Format: o.Format, Pipelines: pipeline.Sort(pipes), Pipeline: popts,
		Jobs: o.Jobs, Filters: filters, Decode: decode}
	return &conversion{o: o, t: t, backend: backend, cfg: cfg}, nil
}

// checkFlags checks the flags that need no target: their combinations.
func checkFlags(o *convertOptions) error {
	if o.Target == "" {
		return usagef("no target: choose one with -t, e.g. -t kusto (see 'sigma2kql list targets')")
	}
	if o.Output == "-" {
		o.Output = "" // standard output, as in sigma-cli
	}
	if o.Skip && o.FailUnsupported {
		return usagef("-s (--skip-unsupported) and --fail-unsupported contradict each other: give one")
	}
	if o.DisablePipelineCheck {
		o.PipelineCheck = false
	}
	if o.Prune && o.Output == "" {
		return usagef("--prune deletes stale output files: give -o DIR/ or -o FILE")
	}
	if o.DryRun && o.Output == "" {
		return usagef("--dry-run lists the files that a run with -o would write: give -o FILE or -o DIR/")
	}
	if o.ReportFormat != "json" && o.ReportFormat != "junit" {
		return usagef("report format %q: expected json or junit", o.ReportFormat)
	}
	if o.JSONIndent < -1 {
		return usagef("--json-indent %d: expected a number of spaces, 0 or more", o.JSONIndent)
	}
	return nil
}

// checkTargetFlags checks the flags that depend on the target: the format
// and what only some formats or targets read.
func checkTargetFlags(o *convertOptions, t *target, b backends.Backend) error {
	var formats, jsonFormats []string
	found := false
	for _, f := range b.Formats() {
		formats = append(formats, f.Name)
		found = found || f.Name == o.Format
		if f.Ext == "json" {
			jsonFormats = append(jsonFormats, f.Name)
		}
	}
	if !found {
		return usagef("%s", withSuggestion(fmt.Sprintf("target %s has no output format %q: expected one of %s", t.Name, o.Format, strings.Join(formats, ", ")), o.Format, formats))
	}
	if o.JSONIndent >= 0 && !slices.Contains(jsonFormats, o.Format) {
		return usagef("--json-indent is for the JSON formats of target %s (%s), not %s", t.Name, strings.Join(jsonFormats, ", "), o.Format)
	}
	if o.CorrelationMethod != "" && !slices.Contains(t.CorrelationMethods, o.CorrelationMethod) {
		return usagef("%s", withSuggestion(fmt.Sprintf("target %s has no correlation method %q: expected %s", t.Name, o.CorrelationMethod, strings.Join(t.CorrelationMethods, ", ")), o.CorrelationMethod, t.CorrelationMethods))
	}
	return nil
}

// withSuggestion adds "did you mean" to msg when a name is close to got.
func withSuggestion(msg, got string, names []string) string {
	if s := suggest.Nearest(got, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}

// splitSkipped sets apart the results of inputs that the walk found but
// that hold no Sigma document.
func splitSkipped(all []engine.Result) (results, skipped []engine.Result) {
	for _, r := range all {
		if r.Skipped != "" {
			skipped = append(skipped, r)
		} else {
			results = append(results, r)
		}
	}
	return results, skipped
}
