package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
	"gopkg.in/yaml.v3"
)

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
		if o.PipelineCheck && len(p.Targets) > 0 && !slices.Contains(p.Targets, t.Name) {
			return nil, usagef("pipeline %s is meant for %s, not for target %s (use --disable-pipeline-check to use it anyway)", p.Name, strings.Join(p.Targets, ", "), t.Name)
		}
		out = append(out, p)
	}
	return out, nil
}

// An inputSet is what the PATH arguments name: the rule files, in a
// stable order (arguments as given, directory contents sorted by path).
type inputSet struct {
	inputs  []engine.Input
	rels    map[string]string // file -> path relative to the argument that named it, which -o DIR mirrors
	argOf   map[string]string // file -> the directory argument that found it
	dirs    []string          // the directory arguments
	dotDirs []string          // directories left out because their name starts with a dot
	pattern string            // -P
}

// collectInputs expands the PATH arguments into rule files. Directories
// are walked for the files that match the pattern, leaving out those whose
// name starts with a dot (.git, .github); the files found may turn out not
// to be Sigma documents (the engine skips them).
func collectInputs(o *convertOptions) (*inputSet, error) {
	in := &inputSet{rels: map[string]string{}, argOf: map[string]string{}, pattern: o.FilePattern}
	seen := map[string]bool{}
	for _, p := range o.Paths {
		if p == "-" {
			// Read no more than a rule file may hold: the parser
			// reports a longer input as too large.
			src, err := io.ReadAll(io.LimitReader(o.Stdin, parser.MaxFileSize+1))
			if err != nil {
				return nil, err
			}
			in.inputs = append(in.inputs, engine.Input{Name: "<stdin>", Src: src})
			in.rels["<stdin>"] = "stdin"
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, usagef("cannot read %s: %v", p, cleanPathErr(err))
		}
		if !fi.IsDir() {
			if !seen[p] {
				seen[p] = true
				in.inputs = append(in.inputs, engine.Input{Name: p})
				in.rels[p] = filepath.Base(p)
			}
			continue
		}
		in.dirs = append(in.dirs, p)
		if err := in.walk(p, seen); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// walk adds the rule files of directory dir.
func (in *inputSet) walk(dir string, seen map[string]bool) error {
	var files []string
	walkErrs := map[string]error{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			// An unreadable directory: report it as a failed input.
			files = append(files, path)
			walkErrs[path] = err
			return nil
		case d.IsDir() && path != dir && strings.HasPrefix(d.Name(), "."):
			in.dotDirs = append(in.dotDirs, path)
			return filepath.SkipDir
		case d.IsDir() || !matchPattern(in.pattern, d.Name()):
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			// Symlinked files are read; symlinked directories are not
			// followed, which also rules out loops. A link that leads
			// nowhere is reported as a failed input, not skipped in
			// silence.
			if st, err := os.Stat(path); err == nil && st.IsDir() {
				return nil
			}
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		if seen[f] {
			continue
		}
		seen[f] = true
		in.inputs = append(in.inputs, engine.Input{Name: f, Err: walkErrs[f], Optional: walkErrs[f] == nil})
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			rel = filepath.Base(f)
		}
		in.rels[f] = rel
		in.argOf[f] = dir
	}
	return nil
}

// gaveRule reports whether some result comes from a file found in dir.
func (in *inputSet) gaveRule(dir string, results []engine.Result) bool {
	for _, r := range results {
		if in.argOf[r.File] == dir {
			return true
		}
	}
	return false
}

// patternText says which files a walk reads, for messages.
func (in *inputSet) patternText() string {
	if in.pattern == "" {
		return "files matching *.yml or *.yaml"
	}
	return fmt.Sprintf("files matching -P %q", in.pattern)
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

// loadFilters reads the --filter files and directories.
func loadFilters(o *convertOptions) ([]*ast.Filter, error) {
	if len(o.Filters) == 0 {
		return nil, nil
	}
	set, err := collectInputs(&convertOptions{Paths: o.Filters, FilePattern: o.FilePattern, Stdin: o.Stdin})
	if err != nil {
		return nil, err
	}
	var out []*ast.Filter
	for _, in := range set.inputs {
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
