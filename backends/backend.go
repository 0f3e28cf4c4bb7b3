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
}

// Options are backend options given with -O key=value.
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

// An Assembler is a backend with output formats that make one document of
// all the queries of a run, such as a configuration file, rather than a
// list of queries.
type Assembler interface {
	// Assemble returns the document made of the queries of a run, in
	// input order, and true; or false when format is a list of queries.
	Assemble(format string, queries []string) (string, bool)
}

// Output returns the text of a run: the backend's document for formats
// that make one, otherwise the queries separated by a blank line. Text
// that is not empty ends with a newline.
func Output(b Backend, format string, queries []string) string {
	if a, ok := b.(Assembler); ok {
		if doc, ok := a.Assemble(format, queries); ok {
			if doc != "" && !strings.HasSuffix(doc, "\n") {
				doc += "\n"
			}
			return doc
		}
	}
	if len(queries) == 0 {
		return ""
	}
	return strings.Join(queries, "\n\n") + "\n"
}
