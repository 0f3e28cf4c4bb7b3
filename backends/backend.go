// Package backends defines the contract between processed rules and the
// query printers, and the condition tree they share.
//
// A backend is pure: it turns a rule prepared by the processing pipelines
// into query text and never reads files or prints. Errors are *ast.Error
// values that point into the rule.
package backends

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A Backend converts processed rules into queries of one language.
type Backend interface {
	// Name is the target name, e.g. "kusto".
	Name() string
	// Formats lists the output formats, the default first.
	Formats() []Format
	// Convert returns one query per condition of the rule, in the given
	// format. A rule whose condition is left empty by the pipelines
	// converts to no query.
	Convert(res *pipeline.Result, format string) ([]string, error)
}

// A Format is an output format of a backend.
type Format struct {
	Name        string
	Description string
	Ext         string // extension of its files, without the dot; "" for the target's
	// Options are the options that the format reads (see OptionSpec);
	// those of every format are the backend's (OptionLister).
	Options []OptionSpec
}

// An Assembler is a Backend whose formats need more than a blank line
// between two documents: Assemble returns the text of one file holding the
// documents that Convert returned, for one rule or for all the rules of a
// run, in order (e.g. one ARM template of all the rules).
type Assembler interface {
	Assemble(format string, docs []string) string
}

// A Splitter is an Assembler whose format limits what one file may hold
// (an ARM template: 800 resources, 4 MB): Split returns the texts of the
// files holding the documents, in order, one when they fit in one file,
// or an error that says why they cannot be written. SplitPart reports
// whether data is a file that Split writes for the format (always false
// for a format that is never split), so that the parts an earlier run
// left can be told from the user's own files.
type Splitter interface {
	Split(format string, docs []string) ([]string, error)
	SplitPart(format string, data []byte) bool
}

// An OptionChecker is a Backend that can check its options for a format
// before a run; the error says which option is wrong and why.
type OptionChecker interface {
	CheckOptions(format string) error
}

// Warnings are problems that do not stop a conversion, such as a part of
// the rule that a format has to leave out. Convert returns them as its
// error together with the queries.
type Warnings struct {
	List ast.ErrorList
}

func (w *Warnings) Error() string { return w.List.Error() }

// JoinQueries is the text of a file of plain queries: the queries with a
// blank line between two and a final newline.
func JoinQueries(queries []string) string {
	if len(queries) == 0 {
		return ""
	}
	return strings.Join(queries, "\n\n") + "\n"
}

// Options are backend options given with -O key=value. The keys that a
// backend reads are declared (OptionSpec); the command line rejects others.
type Options map[string]string

// Bool returns the boolean value of option key, or def.
func (o Options) Bool(key string, def bool) bool {
	switch o[key] {
	case "true", "1", "yes", "on":
		return true
	case "false", "0", "no", "off":
		return false
	}
	return def
}

// Unsupported returns the error for a feature the backend cannot express.
func Unsupported(pos ast.Pos, format string, args ...any) error {
	return ast.Errorf(pos, format, args...)
}
