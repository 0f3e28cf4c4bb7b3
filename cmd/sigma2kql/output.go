package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/engine"
)

// outputs writes the documents of a run: to standard output or one file
// (all documents assembled into one text), or to a directory (one file per
// document, mirroring the input tree). It remembers what it wrote for the
// report.
type outputs struct {
	backend backends.Backend
	format  string
	ext     string            // extension of the files of the format
	rels    map[string]string // input file -> path relative to its argument
	// jsonIndent re-indents the text of JSON formats (-j); -1 keeps it.
	jsonIndent int
	// dryRun writes and deletes nothing: what would change is listed in
	// planned and removed.
	dryRun  bool
	planned []string // files that a dry run would write, in order

	files     map[int][]string // result index -> files holding its documents
	written   int              // files written
	unchanged int              // files left as they were, already up to date
	removed   []string         // files deleted by prune, sorted
	parts     []string         // the files of -o FILE: FILE, or FILE.1.ext, FILE.2.ext...
	// leftovers are the files of an earlier run into the same -o FILE that
	// this run did not write (see leftovers).
	leftovers []string
}

// isDirOutput reports whether -o names a directory: one that exists, or a
// path that ends in a separator. Anything else is a file.
func isDirOutput(path string) bool {
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(os.PathSeparator)) {
		return true
	}
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// assemble returns the text of one file holding docs.
func (w *outputs) assemble(docs []string) string {
	text := backends.JoinQueries(docs)
	if a, ok := w.backend.(backends.Assembler); ok {
		text = a.Assemble(w.format, docs)
	}
	if w.jsonIndent >= 0 {
		text = reindentJSON(text, w.jsonIndent)
	}
	return text
}

// reindentJSON indents a JSON text by n spaces a level (sigma-cli's
// --json-indent); a text that is not JSON is kept as it is.
func reindentJSON(text string, n int) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(text), "", strings.Repeat(" ", n)); err != nil {
		return text
	}
	return b.String()
}

// put writes one output file, or in a dry run notes whether it would
// change.
func (w *outputs) put(name string, data []byte) (changed bool, err error) {
	if !w.dryRun {
		return writeFileAtomic(name, data)
	}
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	w.planned = append(w.planned, name)
	return true, nil
}

// texts returns the texts of the files that hold docs: one, or several
// when the format limits what a file holds (backends.Splitter, e.g. ARM
// templates of at most 800 resources).
func (w *outputs) texts(docs []string) ([]string, error) {
	s, ok := w.backend.(backends.Splitter)
	if !ok || len(docs) == 0 {
		return []string{w.assemble(docs)}, nil
	}
	texts, err := s.Split(w.format, docs)
	if err == nil && w.jsonIndent >= 0 {
		for i, t := range texts {
			texts[i] = reindentJSON(t, w.jsonIndent)
		}
	}
	return texts, err
}

// numbered is the name of file i (from 1) of n holding the documents meant
// for name: name itself when n is 1, else name.i.ext (analytics.2.json).
func numbered(name string, i, n int) string {
	if n == 1 {
		return name
	}
	ext := filepath.Ext(name)
	return fmt.Sprintf("%s.%d%s", strings.TrimSuffix(name, ext), i, ext)
}

// allQueries lists the documents of the rules that converted, in order.
func allQueries(results []engine.Result) []string {
	var docs []string
	for _, r := range results {
		if r.Err == nil {
			docs = append(docs, r.Queries...)
		}
	}
	return docs
}

// writeFile writes every document into one file, or into numbered files
// (name.1.ext, name.2.ext...) when the format limits what one file holds.
func (w *outputs) writeFile(name string, results []engine.Result) error {
	texts, err := w.texts(allQueries(results))
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	var names []string
	for i, text := range texts {
		n := numbered(name, i+1, len(texts))
		changed, err := w.put(n, []byte(text))
		if err != nil {
			return err
		}
		w.count(changed)
		names = append(names, n)
	}
	w.files = map[int][]string{}
	for i, r := range results {
		if r.Err == nil && len(r.Queries) > 0 {
			w.files[i] = names
		}
	}
	w.parts = names
	if s, ok := w.backend.(backends.Splitter); ok {
		w.leftovers = leftovers(name, len(names), func(data []byte) bool { return s.SplitPart(w.format, data) })
	}
	return nil
}

// leftovers lists the files that an earlier run into name wrote and this
// run, writing n files, did not: name itself when the documents now need
// numbered files, and the numbered files past the n-th (from name.1.ext
// when one file now holds them all). isPart tells such a file (an ARM
// template, backends.Splitter) from one of the user's under such a name.
// Deployed with this run's files, for example as analytics*.json, they
// would deploy their rules twice.
func leftovers(name string, n int, isPart func([]byte) bool) []string {
	part := func(path string) bool {
		if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
			return false
		}
		data, err := os.ReadFile(path)
		return err == nil && isPart(data)
	}
	var old []string
	first := 1
	if n > 1 {
		first = n + 1
		if part(name) {
			old = append(old, name)
		}
	}
	for k := first; part(numbered(name, k, 2)); k++ {
		old = append(old, numbered(name, k, 2))
	}
	return old
}

// pruneLeftovers deletes the leftovers of writeFile (in a dry run, lists
// them), as prune does for a directory.
func (w *outputs) pruneLeftovers() error {
	w.removed, w.leftovers = w.leftovers, nil
	if w.dryRun {
		return nil
	}
	for _, path := range w.removed {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("cannot prune %s: %w", path, err)
		}
	}
	return nil
}

// writeStdout writes every document to out, as one file.
func (w *outputs) writeStdout(out io.Writer, results []engine.Result) error {
	texts, err := w.texts(allQueries(results))
	if err == nil && len(texts) > 1 {
		err = fmt.Errorf("the output needs %d files, as one %s file may not hold it all: write it with -o FILE (FILE.1, FILE.2... are written) or -o DIR/", len(texts), w.format)
	}
	if err != nil {
		return fmt.Errorf("cannot write to standard output: %w", err)
	}
	_, err = out.Write([]byte(texts[0]))
	return err
}

// writeDir writes one file per document into dir: the path of the rule
// file relative to the argument that named it, with the format's
// extension. A rule file that gives several documents (several rules, or
// a rule with several conditions) gets numbered files: name.1.ext,
// name.2.ext, ... Files are written atomically and only when their content
// changed. Two rule files that would write the same file are an error.
func (w *outputs) writeDir(dir string, results []engine.Result) error {
	w.files = map[int][]string{}
	perFile := map[string]int{} // documents per input file
	for _, r := range results {
		if r.Err == nil {
			perFile[r.File] += len(r.Queries)
		}
	}
	type planned struct {
		result int
		name   string
		doc    string
	}
	var plan []planned
	owner := map[string]string{} // output path -> input file
	seq := map[string]int{}
	for i, r := range results {
		if r.Err != nil {
			continue
		}
		base := w.base(dir, r.File)
		for _, doc := range r.Queries {
			name := base + "." + w.ext
			if perFile[r.File] > 1 {
				seq[r.File]++
				name = fmt.Sprintf("%s.%d.%s", base, seq[r.File], w.ext)
			}
			if other, ok := owner[name]; ok && other != r.File {
				return &ast.Error{Pos: ast.Pos{Filename: r.File}, Msg: fmt.Sprintf("output file %s would also be written for %s: convert the two in separate runs", name, other)}
			}
			owner[name] = r.File
			plan = append(plan, planned{i, name, doc})
		}
	}
	for _, p := range plan {
		changed, err := w.put(p.name, []byte(w.assemble([]string{p.doc})))
		if err != nil {
			return err
		}
		w.count(changed)
		w.files[p.result] = append(w.files[p.result], p.name)
	}
	return nil
}

func (w *outputs) count(changed bool) {
	if changed {
		w.written++
	} else {
		w.unchanged++
	}
}

// prune deletes, after writeDir, the files of the format under dir that
// the run did not write: those of rule files that were removed or renamed,
// and the numbered files of a rule file that now gives fewer documents.
// The files of a rule file that failed stay, as writeDir left them: a
// rule that cannot be converted today keeps its last good output. Only
// regular files with the format's extension are deleted; directories
// whose name starts with a dot (.git) are not entered, and directories
// that pruning leaves empty are removed.
func (w *outputs) prune(dir string, results []engine.Result) error {
	keep := map[string]bool{} // output files of this run
	for _, names := range w.files {
		for _, name := range names {
			keep[name] = true
		}
	}
	failed := map[string]bool{} // output path without extension -> its rule file failed
	for _, r := range results {
		if r.Err != nil {
			failed[w.base(dir, r.File)] = true
		}
	}
	suffix := "." + w.ext
	var stale []string
	// With a trailing separator, a directory given as a symbolic link is
	// walked too (WalkDir does not follow a link at its root otherwise).
	top := dir
	if !os.IsPathSeparator(top[len(top)-1]) {
		top += string(os.PathSeparator)
	}
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != top && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(path, suffix) || keep[path] {
			return nil
		}
		base := strings.TrimSuffix(path, suffix)
		if failed[base] {
			return nil
		}
		// name.N.ext: document N of a rule file.
		if i := strings.LastIndexByte(base, '.'); i >= 0 && isDigits(base[i+1:]) && failed[base[:i]] {
			return nil
		}
		stale = append(stale, path)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cannot prune %s: %w", dir, err)
	}
	sort.Strings(stale)
	w.removed = stale
	if w.dryRun {
		return nil
	}
	return removeStale(dir, stale)
}

// removeStale deletes the stale files under dir, then the directories
// that this leaves empty.
func removeStale(dir string, stale []string) error {
	root := filepath.Clean(dir)
	parents := map[string]bool{}
	for _, path := range stale {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("cannot prune %s: %w", dir, err)
		}
		for p := filepath.Dir(path); p != root && p != filepath.Dir(p); p = filepath.Dir(p) {
			parents[p] = true
		}
	}
	// Deepest first, so that a directory emptied by removing its empty
	// subdirectories goes too.
	dirs := make([]string, 0, len(parents))
	for p := range parents {
		dirs = append(dirs, p)
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, p := range dirs {
		if entries, err := os.ReadDir(p); err == nil && len(entries) == 0 {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("cannot prune %s: %w", dir, err)
			}
		}
	}
	return nil
}

// base is the output path of a rule file without extension.
func (w *outputs) base(dir, file string) string {
	rel, ok := w.rels[file]
	if !ok {
		rel = filepath.Base(file)
	}
	return filepath.Join(dir, strings.TrimSuffix(rel, filepath.Ext(rel)))
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
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
