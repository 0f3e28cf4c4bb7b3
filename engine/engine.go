// Package engine runs whole conversions: it parses Sigma files, applies
// Sigma filters and the processing pipelines, resolves correlation rules
// across files, calls a backend, and collects one result per rule in a
// deterministic order. The CLI and the tests drive it.
package engine

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
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
	Jobs      int           // parallel workers; 0 means one per CPU
	Filters   []*ast.Filter // filters given apart from the rules (--filter)
	// Decode turns the bytes of an input into UTF-8 text (-e, --encoding);
	// nil reads them as UTF-8.
	Decode func(src []byte) ([]byte, error)
}

// A Result is the outcome for one rule, or for a file that could not be
// read or parsed at all.
type Result struct {
	File     string
	Doc      ast.Document // nil when the file could not be parsed
	Queries  []string
	Err      error
	Warnings ast.ErrorList // problems that did not stop the conversion
	// Unread is set when the file could not be found or read at all.
	Unread bool
	// Skipped says why an optional input was left out (it is not a
	// Sigma document); such a result has no Doc and no Err.
	Skipped string
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
	// Optional inputs were found by walking a directory rather than named:
	// one that holds no Sigma document is skipped, not reported as an error.
	Optional bool
}

// A parsed file: its documents, or why it has none.
type parsed struct {
	name    string
	docs    []ast.Document
	err     error
	unread  bool   // the error is that the file could not be read
	skipped string // why an optional input was left out
}

// Run converts the inputs and returns the results in input order, the
// documents of a file in file order. Files are read, parsed and converted
// in parallel; the order of the results does not depend on it.
//
// Filter documents among the inputs apply to the rules they name and
// produce no result of their own. Rules referenced by a correlation rule of
// the run are converted as part of it, and on their own only when the
// correlation says generate.
func Run(cfg *Config, inputs []Input) []Result {
	files := make([]parsed, len(inputs))
	parallel(cfg.Jobs, len(inputs), func(i int) { files[i] = cfg.parseInput(inputs[i]) })

	set := newRuleSet(files, cfg.Filters)
	type job struct {
		file int
		doc  ast.Document
	}
	var jobs []job
	var out [][]Result
	for i, f := range files {
		out = append(out, nil)
		if f.err != nil || f.skipped != "" {
			out[i] = append(out[i], Result{File: f.name, Err: f.err, Unread: f.unread, Skipped: f.skipped})
		}
		for _, d := range f.docs {
			if _, isFilter := d.(*ast.Filter); isFilter {
				continue
			}
			if set.hidden[d] {
				continue
			}
			jobs = append(jobs, job{file: i, doc: d})
		}
	}
	results := make([]Result, len(jobs))
	parallel(cfg.Jobs, len(jobs), func(i int) {
		j := jobs[i]
		res := Result{File: files[j.file].name, Doc: j.doc}
		res.Queries, res.Err = cfg.convert(set, j.doc)
		if w, ok := res.Err.(*backends.Warnings); ok {
			res.Warnings, res.Err = w.List, nil
		}
		results[i] = res
	})
	for i, j := range jobs {
		out[j.file] = append(out[j.file], results[i])
	}
	var all []Result
	for _, rs := range out {
		all = append(all, rs...)
	}
	return all
}

// parallel calls f(0..n-1) on up to jobs goroutines.
func parallel(jobs, n int, f func(int)) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	if jobs > n {
		jobs = n
	}
	if jobs <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (cfg *Config) parseInput(in Input) parsed {
	if in.Err != nil {
		return parsed{name: in.Name, err: &ast.Error{Pos: ast.Pos{Filename: in.Name}, Msg: cleanErr(in.Err)}, unread: true}
	}
	src := in.Src
	if src == nil {
		var err error
		src, err = readFile(in.Name)
		if err != nil {
			return parsed{name: in.Name, err: err, unread: true}
		}
	}
	if cfg.Decode != nil {
		var err error
		if src, err = cfg.Decode(src); err != nil {
			return parsed{name: in.Name, err: &ast.Error{Pos: ast.Pos{Filename: in.Name}, Msg: err.Error()}}
		}
	}
	f, err := parse(in.Name, src)
	if err != nil && in.Optional && !parser.HasSigmaDocument(src) {
		return parsed{name: in.Name, skipped: "not a Sigma document (no detection, correlation or filter)"}
	}
	return parsed{name: in.Name, docs: f.Docs, err: err}
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

// Convert converts one document on its own, as Run does for a file that
// holds only it.
func (cfg *Config) Convert(d ast.Document) ([]string, error) {
	return cfg.convert(newRuleSet([]parsed{{docs: []ast.Document{d}}}, cfg.Filters), d)
}

func (cfg *Config) convert(set *ruleSet, d ast.Document) (queries []string, err error) {
	defer func() {
		// A bug must cost one rule, not the batch.
		if r := recover(); r != nil {
			queries, err = nil, ast.Errorf(d.Pos(), "internal error while converting this rule: %v (please report it)", r)
		}
	}()
	switch d := d.(type) {
	case *ast.Rule:
		res, err := cfg.prepare(set, d)
		if err != nil {
			return nil, err
		}
		qs, err := withWarnings(res.Warnings)(cfg.Backend.Convert(res, cfg.Format))
		if len(qs) == 0 && d.Detection != nil && len(d.Detection.Conditions) > 0 {
			return withWarnings(ast.ErrorList{emptied(d, res.Rule)})(qs, err)
		}
		return qs, err
	case *ast.Correlation:
		cc, ok := cfg.Backend.(backends.CorrelationConverter)
		if !ok {
			return nil, ast.Errorf(d.DocPos, "the %s backend cannot convert correlation rules", cfg.Backend.Name())
		}
		c, err := cfg.correlation(set, d, nil)
		if err != nil {
			return nil, err
		}
		return cc.ConvertCorrelation(c, cfg.Format)
	}
	return nil, fmt.Errorf("unknown document")
}

// withWarnings adds the pipelines' warnings to the outcome of a
// conversion, as backends report theirs (a *backends.Warnings error next
// to the queries). Any other error wins.
func withWarnings(ws ast.ErrorList) func([]string, error) ([]string, error) {
	return func(qs []string, err error) ([]string, error) {
		if len(ws) == 0 {
			return qs, err
		}
		all := append(ast.ErrorList(nil), ws...)
		if err != nil {
			w, ok := err.(*backends.Warnings)
			if !ok {
				return qs, err
			}
			all = append(all, w.List...)
		}
		return qs, &backends.Warnings{List: all}
	}
}

// emptied says why rule r gives no query: the pipelines removed every test
// of its conditions (processed is the rule after them), naming the fields
// they took away. Without a word, such a rule would only be counted as
// skipped.
func emptied(r, processed *ast.Rule) *ast.Error {
	left := map[string]bool{}
	if processed.Detection != nil {
		for _, s := range processed.Detection.Searches {
			ast.FieldMatches(s.Body, func(m *ast.FieldMatch) { left[m.Field] = true })
		}
	}
	var gone []string
	for _, s := range r.Detection.Searches {
		ast.FieldMatches(s.Body, func(m *ast.FieldMatch) {
			if m.Field != "" && !left[m.Field] && !slices.Contains(gone, m.Field) {
				gone = append(gone, m.Field)
			}
		})
	}
	msg := "the pipelines removed every test of this condition, so the rule gives no query"
	if len(gone) > 0 {
		msg = fmt.Sprintf("the pipelines removed every test of this condition (they drop %s), so the rule gives no query: a rule for this target must test a field that the target records", strings.Join(gone, ", "))
	}
	return &ast.Error{Pos: r.Detection.Conditions[0].TextPos, Msg: msg}
}

// prepare applies the filters and the pipelines to a rule.
func (cfg *Config) prepare(set *ruleSet, r *ast.Rule) (*pipeline.Result, error) {
	return pipeline.Apply(cfg.Pipelines, set.filtered(r), cfg.Pipeline)
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
	src, err := readAtMost(f, fi.Size(), parser.MaxFileSize+1)
	if err != nil {
		return nil, &ast.Error{Pos: ast.Pos{Filename: name}, Msg: cleanErr(err)}
	}
	return src, nil
}

// readAtMost reads r to its end, or to limit bytes. The buffer is sized
// for the size that Stat gave (plus one byte, to see the end), so that a
// rule file costs one allocation rather than the several of io.ReadAll.
func readAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(max(size, 0), limit-1)+1)
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow: the file is longer than Stat said
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// cleanErr drops the file name that os errors repeat.
func cleanErr(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
