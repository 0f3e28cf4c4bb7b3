package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/engine"
)

// stats counts the outcome of a run for the summary line, the exit status
// and the checks of --prune.
type stats struct {
	read      int      // results of a parsed document, converted or not
	converted int      // rules that gave queries
	failed    int      // rules and files that failed
	empty     int      // rules that gave nothing to write
	skipped   int      // files of a walk that are not Sigma documents
	unread    int      // inputs that could not be found or read
	noRules   []string // directory arguments in which no rule was found
	refused   string   // why --prune did not run
}

// diagnose prints the errors and warnings of the results on standard error,
// with -v what the walk left out, and counts the outcome.
func (c *conversion) diagnose(results, skipped []engine.Result) *stats {
	st := &stats{skipped: len(skipped)}
	// One write for all the messages rather than one per line: a batch
	// may report thousands.
	w := bufio.NewWriter(c.o.Stderr)
	defer w.Flush() // as before buffering, a failing standard error stops nothing
	if c.o.Verbose {
		for _, d := range c.in.dotDirs {
			fmt.Fprintf(w, "%s: skipped: a directory whose name starts with a dot\n", d)
		}
		for _, r := range skipped {
			fmt.Fprintf(w, "%s: skipped: %s\n", r.File, r.Skipped)
		}
	}
	for _, r := range results {
		st.count(r)
		if r.Err != nil {
			ast.PrintErrors(w, withFile(r.Err, r.File))
		}
		printWarnings(w, r.Warnings, r.File)
	}
	for _, dir := range c.in.dirs {
		if !c.in.gaveRule(dir, results) {
			st.noRules = append(st.noRules, dir)
			fmt.Fprintf(w, "%s: no Sigma rule found in this directory (%s)\n", dir, c.in.patternText())
		}
	}
	return st
}

// failWarned makes each rule whose conversion warned a rule that failed
// (--fail-on-warning), its warnings its errors: it is then reported,
// counted and written (that is, not written) as any failure.
func failWarned(results []engine.Result) {
	for i := range results {
		r := &results[i]
		if r.Err != nil || len(r.Warnings) == 0 {
			continue
		}
		errs := make(ast.ErrorList, len(r.Warnings))
		for j, w := range r.Warnings {
			errs[j] = &ast.Error{Pos: w.Pos, Msg: w.Msg + " (an error with --fail-on-warning)"}
		}
		r.Err, r.Warnings, r.Queries = errs.Err(), nil, nil
	}
}

func (st *stats) count(r engine.Result) {
	if r.Doc != nil {
		st.read++
	}
	switch {
	case r.Err != nil:
		st.failed++
		if r.Unread {
			st.unread++
		}
	case len(r.Queries) == 0:
		st.empty++
	default:
		st.converted++
	}
}

// pruneRefusal says why --prune must not delete anything: a run that read
// no rule, or missed some of its inputs, would take every file of the
// rules it did not see for stale.
func (st *stats) pruneRefusal() string {
	switch {
	case st.read == 0:
		return "the run read no rule"
	case st.unread > 0:
		return fmt.Sprintf("%s could not be read", plural(st.unread, "input"))
	case len(st.noRules) > 0:
		return "no rule was found in " + strings.Join(st.noRules, ", ")
	}
	return ""
}

// write writes the documents: to standard output, a file or a directory
// (then --prune, unless refused).
func (c *conversion) write(results []engine.Result, st *stats) (*outputs, error) {
	o := c.o
	out := &outputs{backend: c.backend, format: o.Format, ext: c.t.FileExt(c.backend, o.Format), rels: c.in.rels,
		jsonIndent: o.JSONIndent, dryRun: o.DryRun}
	var err error
	switch {
	case o.Output == "":
		err = out.writeStdout(o.Stdout, results)
	case isDirOutput(o.Output):
		err = out.writeDir(o.Output, results)
		if err == nil && c.mayPrune(st) {
			err = out.prune(o.Output, results)
		}
	case st.failed > 0 && !o.Skip:
		fmt.Fprintf(o.Stderr, "sigma2kql: %s left unchanged: %s (with -s the others are written)\n", o.Output, plural(st.failed, "rule")+" failed")
	default:
		err = out.writeFile(o.Output, results)
		if err == nil && len(out.leftovers) > 0 && c.mayPrune(st) {
			err = out.pruneLeftovers()
		}
		warnLeftovers(o.Stderr, out)
	}
	if err == nil && o.DryRun {
		out.listPlan(o.Stdout)
	}
	return out, err
}

// mayPrune reports whether --prune was given and may delete files; when
// it is refused, it says why.
func (c *conversion) mayPrune(st *stats) bool {
	if !c.o.Prune {
		return false
	}
	if st.refused = st.pruneRefusal(); st.refused != "" {
		fmt.Fprintf(c.o.Stderr, "sigma2kql: --prune refused: %s; nothing was deleted\n", st.refused)
		return false
	}
	return true
}

// warnLeftovers names the files of an earlier run that writeFile left
// beside the ones it wrote.
func warnLeftovers(stderr io.Writer, out *outputs) {
	for _, f := range out.leftovers {
		fmt.Fprintf(stderr, "sigma2kql: warning: %s is left from an earlier run: this run's files are %s; deployed together, its rules would be deployed twice: delete it, or run again with --prune\n",
			f, strings.Join(out.parts, ", "))
	}
}

// listPlan lists what a dry run would write and delete.
func (w *outputs) listPlan(stdout io.Writer) {
	for _, f := range w.planned {
		fmt.Fprintf(stdout, "would write %s\n", f)
	}
	for _, f := range w.removed {
		fmt.Fprintf(stdout, "would delete %s\n", f)
	}
}

// finish writes the report and the summary line, and returns the outcome:
// errFailed when a rule failed (unless -s), an input gave no rule or
// --prune was refused.
func (c *conversion) finish(results []engine.Result, out *outputs, st *stats) error {
	if c.o.Report != "" && !c.o.DryRun {
		if err := writeReport(c.o, c.t.Name, results, c.skipped, out); err != nil {
			return err
		}
	}
	if c.o.Verbose {
		printRejections(c.o.Stderr, results)
	}
	fmt.Fprintf(c.o.Stderr, "sigma2kql: %s\n", c.summary(out, st))
	if st.refused != "" || len(st.noRules) > 0 || (st.failed > 0 && !c.o.Skip) {
		return errFailed
	}
	return nil
}

// summary is the last line of every run, e.g. "64 rules converted,
// 0 failed, 3 skipped; 64 files written".
func (c *conversion) summary(out *outputs, st *stats) string {
	s := fmt.Sprintf("%s converted, %d failed, %d skipped", plural(st.converted, "rule"), st.failed, st.skipped+st.empty)
	switch {
	case c.o.Output == "":
		return s + "; output on standard output"
	case c.o.DryRun:
		return s + fmt.Sprintf("; dry run: %s would be written, %d deleted", plural(len(out.planned), "file"), len(out.removed))
	}
	s += fmt.Sprintf("; %s written", plural(out.written, "file"))
	if out.unchanged > 0 {
		s += fmt.Sprintf(", %d unchanged", out.unchanged)
	}
	if c.o.Prune && st.refused == "" {
		s += fmt.Sprintf(", %d deleted", len(out.removed))
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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
