// Package splunk prints processed Sigma rules as Splunk searches (SPL):
// plain searches, the stanzas of a savedsearches.conf file, and tstats
// searches over accelerated CIM data models.
//
// The output follows the reference converter (pySigma's splunk backend)
// wherever that one produces a valid and correct search, so that existing
// detections keep their exact text; where it does not, this backend
// produces a correct search instead (see golden/DEVIATIONS.md).
package splunk

import (
	"strings"
	"unicode"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The output formats.
const (
	FormatDefault       = "default"
	FormatSavedSearches = "savedsearches"
	FormatDataModel     = "data_model"
)

// Backend converts rules to SPL.
type Backend struct {
	opts backends.Options
}

// New returns a Splunk backend with the given options (see Formats for
// the options of each format).
func New(opts backends.Options) *Backend { return &Backend{opts: opts} }

// Name returns "splunk", the target name of the reference.
func (b *Backend) Name() string { return "splunk" }

// Formats lists the output formats.
func (b *Backend) Formats() []backends.Format {
	return []backends.Format{
		{Name: FormatDefault, Description: "plain SPL searches"},
		{Name: FormatSavedSearches, Description: "a savedsearches.conf file: one scheduled alert per rule (-O min_time, max_time, cron_schedule)",
			Options: savedSearchesOptions},
		{Name: FormatDataModel, Description: "tstats searches over CIM data models (needs -p splunk_cim)"},
	}
}

// Convert returns one search per condition of the processed rule, in the
// given format. The exclusions of the Sigma filters applied to the rule
// are part of every search (see searches), and the pipelines' query
// template, if any, is filled with each search (see fill).
func (b *Backend) Convert(res *pipeline.Result, format string) ([]string, error) {
	rule := backends.NewRule(res)
	ss, err := searches(rule)
	if err != nil {
		return nil, err
	}
	var errs ast.ErrorList
	var out []string
	for _, s := range ss {
		q, err := b.format(rule, s, format)
		if err != nil {
			errs.Append(err)
			continue
		}
		out = append(out, q)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// format writes one search of a rule in the given format.
func (b *Backend) format(rule *backends.Rule, s *search, format string) (string, error) {
	r := rule.Result.Rule
	switch format {
	case FormatSavedSearches:
		lines, err := fillLines(rule, s)
		if err != nil {
			return "", err
		}
		t, err := table(r, "")
		if err != nil {
			return "", err
		}
		if t != "" {
			lines = append(lines, t)
		}
		return b.stanza(&r.Meta, rulePos(r), lines)
	case FormatDataModel:
		return dataModel(rule, s)
	}
	q, err := fill(rule, s)
	if err != nil {
		return "", err
	}
	t, err := table(r, " ")
	return q + t, err
}

// fill returns the text of a search, its commands one a line, in the
// pipelines' query template if they give one ("index=security
// {condition}"): {condition} is the search, {table} the table that a
// pipeline (or -O query_table) chose, as written.
func fill(r *backends.Rule, s *search) (string, error) {
	text := strings.Join(s.lines(), "\n")
	if r.Template == "" {
		return text, nil
	}
	if err := r.CheckTemplate(); err != nil {
		return "", err
	}
	return r.Template.Fill(r.Result.Table, text), nil
}

// fillLines returns the lines of a search for a savedsearches.conf
// stanza: its commands, or, in a query template, the search that fill
// returns as one line (a line break inside a line of a stanza is kept).
func fillLines(r *backends.Rule, s *search) ([]string, error) {
	if r.Template == "" {
		return s.lines(), nil
	}
	text, err := fill(r, s)
	return []string{text}, err
}

// searches returns the search of each condition of a resolved rule; a
// condition that the pipelines left empty has none. The conditions of the
// Sigma filters applied to the rule exclude their matches from each
// search, as "<condition> NOT (<filter condition>)": the search is that of
// the condition "(condition) and not (filter 1) and not (filter 2) ...", so
// that SPL precedence and the deferred forms of regular expressions and
// field references (deferred.go) hold for the filters too.
func searches(r *backends.Rule) ([]*search, error) {
	var errs ast.ErrorList
	var out []*search
	for i := range r.Conditions {
		s, err := compile(r.Excluded(r.Conditions[i].Tree()), r.Result)
		if err != nil {
			errs.Append(err)
			continue
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// table returns the command that shows the rule's fields, after sep, or ""
// for a rule without fields. A field is written bare when it is a plain
// name (letters, digits, _ . - : @), as the reference does (c-uri,
// Processes.process); any other is quoted, so that it can only name a
// field: bare, "[makeresults]" would run a subsearch. A name with a
// backtick (a macro, which Splunk expands even inside quotes) or a control
// character cannot be written and is an error.
func table(r *ast.Rule, sep string) (string, error) {
	if len(r.Fields) == 0 {
		return "", nil
	}
	names := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		if j := strings.IndexFunc(f, func(c rune) bool { return c == '`' || unicode.IsControl(c) || isConfBreak(c) }); j >= 0 {
			return "", ast.Errorf(r.KeyPosition("fields", rulePos(r)), "field %q of fields holds %q, which SPL cannot hold in a field name (a backtick calls a macro even inside quotes): rename the field", f, string([]rune(f[j:])[0]))
		}
		names[i] = f
		if !isTableName(f) {
			names[i] = quoteText(f)
		}
	}
	return sep + "| table " + strings.Join(names, ","), nil
}

// isTableName reports whether a field name can stand bare in a table
// command's list.
func isTableName(f string) bool {
	if f == "" {
		return false
	}
	for _, c := range f {
		if c != '_' && c != '.' && c != '-' && c != ':' && c != '@' && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}

// rulePos is where errors about the rule as a whole point.
func rulePos(r *ast.Rule) ast.Pos {
	if r.Logsource.LogPos.IsValid() {
		return r.Logsource.LogPos
	}
	return r.DocPos
}
