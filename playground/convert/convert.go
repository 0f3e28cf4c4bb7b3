// Package convert is the conversion the playground runs in the browser:
// the path of `sigma2kql convert` for one rule given as text, with the
// built-in pipelines, a pipeline given as text and filters given as text.
// Its output is the text the command prints on standard output and its
// diagnostics are the lines it prints on standard error, so that a rule
// gives the same query in the page as on the command line.
package convert

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/targets"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// File names under which the page's texts are converted, as the command
// line would name the files: diagnostics carry them.
const (
	RuleFile     = "rule.yml"
	PipelineFile = "pipeline.yml"
)

// A Source is a named text, such as a filter file.
type Source struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// A Request is one conversion: what the page's controls hold.
type Request struct {
	Target       string   `json:"target"`
	Pipelines    []string `json:"pipelines"`    // built-in pipeline names, as -p NAME
	UserPipeline string   `json:"userPipeline"` // a pipeline file's text, as -p pipeline.yml; "" for none
	Format       string   `json:"format"`
	Rule         string   `json:"rule"`
	Filters      []Source `json:"filters"` // as --filter FILE
}

// A Diagnostic is one line the command prints on standard error. Line and
// Column are 0 when the problem has no position; Text is the whole line.
type Diagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"` // error or warning
	Message  string `json:"message"`
	Text     string `json:"text"`
}

// A Response is the outcome of a Request.
type Response struct {
	Output      string       `json:"output"`  // what the command prints on standard output
	Queries     []string     `json:"queries"` // the documents Output assembles, in order
	Ext         string       `json:"ext"`     // extension of a file of the format
	Failed      bool         `json:"failed"`  // the command would exit non-zero
	Diagnostics []Diagnostic `json:"diagnostics"`
	// Schema holds the tables of the user's pipeline, for a validator of
	// the output: table -> column -> type (those of the built-in
	// pipelines are in the Catalog).
	Schema map[string]map[string]string `json:"schema"`
}

// Run converts the request's rule.
func Run(req Request) Response {
	var resp Response
	t, ok := targets.Find(req.Target)
	if !ok {
		return resp.usage("unknown target %q: expected one of %s", req.Target, strings.Join(targetNames(), ", "))
	}
	backend := t.New(backends.Options{})
	if msg := checkFormat(t, backend, req.Format); msg != "" {
		return resp.usage("%s", msg)
	}
	if oc, ok := backend.(backends.OptionChecker); ok {
		if err := oc.CheckOptions(req.Format); err != nil {
			return resp.usage("%v", err)
		}
	}
	pipes, ok := resp.loadPipelines(req, t)
	if !ok {
		return resp
	}
	if len(pipes) == 0 && t.NeedsPipeline {
		return resp.usage("target %s needs a processing pipeline: choose one with -p (see 'sigma2kql list pipelines'), or convert without one with --without-pipeline", t.Name)
	}
	filters, ok := resp.loadFilters(req.Filters)
	if !ok {
		return resp
	}
	cfg := &engine.Config{Backend: backend, Format: req.Format, Pipelines: pipeline.Sort(pipes),
		Pipeline: pipeline.Options{Vars: map[string][]string{}}, Filters: filters}
	results := engine.Run(cfg, []engine.Input{{Name: RuleFile, Src: []byte(req.Rule)}})
	var docs []string
	for _, r := range results {
		if r.Err != nil {
			resp.Failed = true
			resp.add("error", r.Err, r.File)
		} else {
			docs = append(docs, r.Queries...)
		}
		resp.add("warning", r.Warnings.Err(), r.File)
	}
	if a, ok := backend.(backends.Assembler); ok {
		resp.Output = a.Assemble(req.Format, docs)
	} else {
		resp.Output = backends.JoinQueries(docs)
	}
	resp.Queries = docs
	resp.Ext = t.FileExt(backend, req.Format)
	return resp
}

func targetNames() []string {
	var names []string
	for _, t := range targets.All() {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	return names
}

// checkFormat returns why format is not one of the target's, or "".
func checkFormat(t targets.Target, b backends.Backend, format string) string {
	var formats []string
	for _, f := range b.Formats() {
		if f.Name == format {
			return ""
		}
		formats = append(formats, f.Name)
	}
	msg := fmt.Sprintf("target %s has no output format %q: expected one of %s", t.Name, format, strings.Join(formats, ", "))
	if s := suggest.Nearest(format, formats); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}

// loadPipelines resolves the built-in names and parses the user's
// pipeline; ok is false when the run cannot go on.
func (resp *Response) loadPipelines(req Request, t targets.Target) (pipes []*pipeline.Pipeline, ok bool) {
	for _, name := range req.Pipelines {
		p := pipeline.Builtin(name)
		if p == nil {
			resp.usage("pipeline %q is not a built-in pipeline; built-in: %s", name, strings.Join(pipeline.Names(), ", "))
			return nil, false
		}
		pipes = append(pipes, p)
	}
	if strings.TrimSpace(req.UserPipeline) != "" {
		p, err := pipeline.Load(PipelineFile, []byte(req.UserPipeline), nil)
		if err != nil {
			resp.add("error", err, PipelineFile)
			resp.usage("pipeline %s is invalid", PipelineFile)
			return nil, false
		}
		pipes = append(pipes, p)
		resp.Schema = Schema(p)
	}
	for _, p := range pipes {
		if len(p.Targets) > 0 && !slices.Contains(p.Targets, t.Name) {
			resp.usage("pipeline %s is meant for %s, not for target %s (use --pipeline-check=false to use it anyway)", p.Name, strings.Join(p.Targets, ", "), t.Name)
			return nil, false
		}
	}
	return pipes, true
}

// loadFilters parses the filter files.
func (resp *Response) loadFilters(srcs []Source) ([]*ast.Filter, bool) {
	var out []*ast.Filter
	for _, s := range srcs {
		f, err := parser.ParseFile(s.Name, []byte(s.Text))
		if err != nil {
			resp.add("error", err, s.Name)
			resp.usage("filter file %s is invalid", s.Name)
			return nil, false
		}
		for _, d := range f.Docs {
			flt, ok := d.(*ast.Filter)
			if !ok {
				resp.usage("%s: --filter expects Sigma filter documents (with a 'filter' section)", s.Name)
				return nil, false
			}
			out = append(out, flt)
		}
	}
	return out, true
}

// usage records a problem of the command line, which stops the run as the
// command's usage errors do.
func (resp *Response) usage(format string, args ...any) Response {
	msg := fmt.Sprintf(format, args...)
	resp.Failed = true
	resp.Diagnostics = append(resp.Diagnostics, Diagnostic{Severity: "error", Message: msg, Text: "sigma2kql: " + msg})
	return *resp
}

// add records the errors or warnings of err, each with its file (file
// when it names none), printed as the command prints them.
func (resp *Response) add(severity string, err error, file string) {
	if err == nil {
		return
	}
	var list ast.ErrorList
	list.Append(err)
	for _, e := range list {
		pos := e.Pos
		if pos.Filename == "" {
			pos.Filename = file
		}
		msg := e.Msg
		if severity == "warning" {
			msg = "warning: " + msg
		}
		var line bytes.Buffer
		ast.PrintErrors(&line, &ast.Error{Pos: pos, Msg: msg})
		resp.Diagnostics = append(resp.Diagnostics, Diagnostic{File: pos.Filename, Line: pos.Line, Column: pos.Column,
			Severity: severity, Message: e.Msg, Text: strings.TrimSuffix(line.String(), "\n")})
	}
}

// Schema returns the tables of a pipeline's schema: table -> column -> type.
func Schema(p *pipeline.Pipeline) map[string]map[string]string {
	out := map[string]map[string]string{}
	for name, t := range p.Schema {
		out[name] = t.Columns
	}
	return out
}
