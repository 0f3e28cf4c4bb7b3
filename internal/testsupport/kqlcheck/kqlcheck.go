// Package kqlcheck drives Microsoft's KQL parser, Kusto.Language, through
// the kqlcheck tool (../shared/kqlcheck: a Node.js program around the npm
// package @kusto/language-service-next), so that Go tests and the CI gate
// can ask whether a query is valid KQL for a table schema, and how Kusto
// reads each of its string literals.
//
// The tool runs as one long-lived process in its JSON-lines --serve mode,
// so Node and the library start once.
package kqlcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// EnvDir is the environment variable that names the directory of an
// installed kqlcheck (kqlcheck.js with its node_modules). .ci/run sets it.
const EnvDir = "KQLCHECK_DIR"

// Dir returns the kqlcheck directory from the environment, and an
// explanation when it is not set or not usable.
func Dir() (string, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return "", fmt.Errorf("%s is not set (point it at an installed copy of ../shared/kqlcheck, after npm ci there)", EnvDir)
	}
	if _, err := os.Stat(filepath.Join(dir, "kqlcheck.js")); err != nil {
		return "", fmt.Errorf("%s=%s: no kqlcheck.js there", EnvDir, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@kusto", "language-service-next")); err != nil {
		return "", fmt.Errorf("%s=%s: @kusto/language-service-next is not installed there (run npm ci)", EnvDir, dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node is not installed: %v", err)
	}
	return dir, nil
}

// SchemaFile returns the schema kqlcheck has for a pipeline:
// schema/<pipeline>.json in dir.
func SchemaFile(dir, pipeline string) string {
	return filepath.Join(dir, "schema", pipeline+".json")
}

// Schemas returns the schema files for a pipeline: kqlcheck's own,
// schema/<pipeline>.json in dir, and the project's, schema/<pipeline>.json
// next to this package's source, if there is one: tables that kqlcheck's
// schema lacks, with their columns from Microsoft's table reference.
func Schemas(dir, pipeline string) []string {
	out := []string{SchemaFile(dir, pipeline)}
	if own := OwnSchemaFile(pipeline); own != "" {
		out = append(out, own)
	}
	return out
}

// OwnSchemaFile returns the project's schema file for a pipeline, or "".
func OwnSchemaFile(pipeline string) string {
	_, src, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	f := filepath.Join(filepath.Dir(src), "schema", pipeline+".json")
	if _, err := os.Stat(f); err != nil {
		return ""
	}
	return f
}

// SchemaFor returns the schema files for a pipeline: Schemas when
// kqlcheck has one of its own, or else the first kqlcheck schema (by file
// name) that has every table the pipeline queries, such as
// azure_monitor.json for the pipelines of Log Analytics tables.
func SchemaFor(dir, pipeline string, tables []string) ([]string, error) {
	own := SchemaFile(dir, pipeline)
	if _, err := os.Stat(own); err == nil {
		return Schemas(dir, pipeline), nil
	}
	files, _ := filepath.Glob(filepath.Join(dir, "schema", "*.json"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var schema map[string]json.RawMessage
		if json.Unmarshal(src, &schema) != nil {
			continue
		}
		all := len(tables) > 0
		for _, t := range tables {
			_, ok := schema[t]
			all = all && ok
		}
		if all {
			return []string{f}, nil
		}
	}
	return nil, fmt.Errorf("kqlcheck has no schema for pipeline %s: neither %s nor a schema with its tables %s", pipeline, own, strings.Join(tables, ", "))
}

// Options configure a Checker.
type Options struct {
	Schemas  []string // schema files, {"Table": {"Column": "type"}}
	MaxDepth int      // Kusto.Language's MaxAnalysisDepth; 0 for its default
}

// A Diagnostic is a problem Kusto.Language found in a query.
type Diagnostic struct {
	Severity string `json:"severity"` // Error, Warning, Suggestion, Information
	Code     string `json:"code"`
	Message  string `json:"message"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%d:%d: %s %s: %s", d.Line, d.Column, d.Severity, d.Code, strings.Join(strings.Fields(d.Message), " "))
}

// A StringLiteral is a string literal of a query as Kusto.Language reads
// it: its decoded value, and the operator or function and the column it
// belongs to.
type StringLiteral struct {
	Value  string `json:"value"`
	Op     string `json:"op"`
	Column string `json:"column"`
	Line   int    `json:"line"`
	Col    int    `json:"column_pos"`
	Error  string `json:"error"`
}

// A Result is the verdict on one query.
type Result struct {
	OK          bool            `json:"ok"`
	Diagnostics []Diagnostic    `json:"diagnostics"`
	Literals    []StringLiteral `json:"literals"`
	Error       string          `json:"error"` // the tool could not read the request
}

// Errors returns the diagnostics of Error severity.
func (r *Result) Errors() []Diagnostic {
	var out []Diagnostic
	for _, d := range r.Diagnostics {
		if d.Severity == "Error" {
			out = append(out, d)
		}
	}
	return out
}

// A Checker is a running kqlcheck --serve process. Its methods may be
// called from several goroutines; requests are answered one at a time.
type Checker struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *lockedBuffer
	id     int
}

// Start starts kqlcheck from dir.
func Start(dir string, opt Options) (*Checker, error) {
	// The analyser recurses once per level of the syntax tree; deep trees
	// need more than Node's default stack.
	args := []string{"--stack-size=8000", filepath.Join(dir, "kqlcheck.js"), "--serve"}
	for _, s := range opt.Schemas {
		args = append(args, "-s", s)
	}
	if opt.MaxDepth > 0 {
		args = append(args, "--max-depth", fmt.Sprint(opt.MaxDepth))
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &Checker{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20), stderr: &lockedBuffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting kqlcheck: %v", err)
	}
	return c, nil
}

// lockedBuffer collects the tool's standard error for messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		l.b.Reset()
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Check checks one query; with literals, the result also lists its string
// literals.
func (c *Checker) Check(query string, literals bool) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id++
	req, err := json.Marshal(struct {
		ID       int    `json:"id"`
		Query    string `json:"query"`
		Literals bool   `json:"literals"`
	}{c.id, query, literals})
	if err != nil {
		return nil, err
	}
	if _, err := c.in.Write(append(req, '\n')); err != nil {
		return nil, c.died(err)
	}
	line, err := c.out.ReadBytes('\n')
	if err != nil {
		return nil, c.died(err)
	}
	var res struct {
		ID int `json:"id"`
		Result
	}
	if err := json.Unmarshal(line, &res); err != nil {
		return nil, fmt.Errorf("kqlcheck: unreadable reply %.200q: %v", line, err)
	}
	if res.ID != c.id {
		return nil, fmt.Errorf("kqlcheck: reply to request %d, expected %d", res.ID, c.id)
	}
	if res.Error != "" {
		return nil, errors.New("kqlcheck: " + res.Error)
	}
	return &res.Result, nil
}

func (c *Checker) died(err error) error {
	msg := strings.TrimSpace(c.stderr.String())
	if len(msg) > 2000 {
		msg = msg[len(msg)-2000:]
	}
	return fmt.Errorf("kqlcheck stopped (%v): %s", err, msg)
}

// Close stops the process.
func (c *Checker) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in.Close()
	return c.cmd.Wait()
}
