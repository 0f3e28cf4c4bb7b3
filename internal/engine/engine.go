// Package engine runs whole conversions: it parses Sigma files, applies the
// processing pipelines, calls a backend, and collects one result per rule
// in a deterministic order. The CLI and the tests drive it.
package engine

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A Config describes a conversion.
type Config struct {
	Backend   backends.Backend
	Format    string
	Pipelines []*pipeline.Pipeline // in the order they run
	Pipeline  pipeline.Options
	Jobs      int // parallel workers; 0 means one per CPU
}

// A Result is the outcome for one rule, or for a file that could not be
// read or parsed at all.
type Result struct {
	File    string
	Doc     ast.Document // nil when the file could not be parsed
	Queries []string
	Err     error
}

// Title returns the title of the result's document, if any.
func (r *Result) Title() string {
	switch d := r.Doc.(type) {
	case *ast.Rule:
		return d.Title
	case *ast.Correlation:
		return d.Title
	case *ast.Filter:
		return d.Title
	}
	return ""
}

// An Input is a named Sigma source. Src is read from Name when nil.
type Input struct {
	Name string
	Src  []byte
	Err  error // when set, the input could not be found or read (e.g. an unreadable directory)
}

// Run converts the inputs and returns the results in input order, rules
// of a file in file order. Files are read, parsed and converted in
// parallel; the order of the results does not depend on it.
func Run(cfg *Config, inputs []Input) []Result {
	jobs := cfg.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	if jobs > len(inputs) {
		jobs = len(inputs)
	}
	perFile := make([][]Result, len(inputs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				perFile[i] = cfg.file(inputs[i])
			}
		}()
	}
	for i := range inputs {
		next <- i
	}
	close(next)
	wg.Wait()
	n := 0
	for _, rs := range perFile {
		n += len(rs)
	}
	out := make([]Result, 0, n)
	for _, rs := range perFile {
		out = append(out, rs...)
	}
	return out
}

// file converts one input.
func (cfg *Config) file(in Input) []Result {
	if in.Err != nil {
		return []Result{{File: in.Name, Err: &ast.Error{Pos: ast.Pos{Filename: in.Name}, Msg: cleanErr(in.Err)}}}
	}
	src := in.Src
	if src == nil {
		var err error
		src, err = readFile(in.Name)
		if err != nil {
			return []Result{{File: in.Name, Err: err}}
		}
	}
	f, err := parse(in.Name, src)
	var out []Result
	if err != nil {
		out = append(out, Result{File: in.Name, Err: err})
	}
	for _, d := range f.Docs {
		res := Result{File: in.Name, Doc: d}
		res.Queries, res.Err = cfg.Convert(d)
		out = append(out, res)
	}
	return out
}

// parse parses one file. A bug in the parser must cost that file, not the
// batch.
func parse(name string, src []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = &ast.File{Name: name}, ast.Errorf(ast.Pos{Filename: name}, "internal error while parsing this file: %v (please report it)", r)
		}
	}()
	return parser.ParseFile(name, src)
}

// Convert converts one document.
func (cfg *Config) Convert(d ast.Document) (queries []string, err error) {
	defer func() {
		// A bug must cost one rule, not the batch.
		if r := recover(); r != nil {
			queries, err = nil, ast.Errorf(d.Pos(), "internal error while converting this rule: %v (please report it)", r)
		}
	}()
	switch d := d.(type) {
	case *ast.Rule:
		res, err := pipeline.Apply(cfg.Pipelines, d, cfg.Pipeline)
		if err != nil {
			return nil, err
		}
		return cfg.Backend.Convert(res, cfg.Format)
	case *ast.Correlation:
		return nil, ast.Errorf(d.DocPos, "correlation rules are not supported by the %s backend yet", cfg.Backend.Name())
	case *ast.Filter:
		return nil, nil
	}
	return nil, fmt.Errorf("unknown document")
}

// readFile reads a rule file, refusing what cannot be a rule.
func readFile(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, &ast.Error{Pos: ast.Pos{Filename: name}, Msg: cleanErr(err)}
	}
	if !fi.Mode().IsRegular() {
		return nil, &ast.Error{Pos: ast.Pos{Filename: name}, Msg: "not a regular file"}
	}
	if fi.Size() > parser.MaxFileSize {
		return nil, ast.Errorf(ast.Pos{Filename: name}, "file is too large (%d bytes; the limit is %d)", fi.Size(), parser.MaxFileSize)
	}
	// The size may change after Stat, or be wrong (files of /proc say 0):
	// read no more than the limit allows, so that the parser can report
	// a longer file as too large.
	f, err := os.Open(name)
	if err != nil {
		return nil, &ast.Error{Pos: ast.Pos{Filename: name}, Msg: cleanErr(err)}
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, parser.MaxFileSize+1))
	if err != nil {
		return nil, &ast.Error{Pos: ast.Pos{Filename: name}, Msg: cleanErr(err)}
	}
	return src, nil
}

// cleanErr drops the file name that os errors repeat.
func cleanErr(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
