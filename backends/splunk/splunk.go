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
		{Name: FormatSavedSearches, Description: "a savedsearches.conf file: one scheduled alert per rule (-O min_time, max_time, cron_schedule)"},
		{Name: FormatDataModel, Description: "tstats searches over CIM data models (needs -p splunk_cim)"},
	}
}

// Convert returns one search per condition of the processed rule, in the
// given format.
func (b *Backend) Convert(res *pipeline.Result, format string) ([]string, error) {
	r := res.Rule
	if r.Detection == nil {
		return nil, nil
	}
	var errs ast.ErrorList
	var out []string
	for _, c := range r.Detection.Conditions {
		tree := backends.Resolve(r.Detection, c.Expr)
		if backends.IsEmpty(tree) {
			continue
		}
		s, err := compile(tree, orItems(r.Detection, c.Expr))
		if err != nil {
			errs.Append(err)
			continue
		}
		var q string
		switch format {
		case FormatSavedSearches:
			q = b.stanza(r, s)
		case FormatDataModel:
			q, err = dataModel(res, s)
		default:
			q = strings.Join(s.lines(), "\n") + table(r.Fields, " ")
		}
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

// table returns the command that shows the rule's fields, after sep, or ""
// for a rule without fields.
func table(fields []string, sep string) string {
	if len(fields) == 0 {
		return ""
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f
		if strings.ContainsAny(f, " \t\n,\"'|()=") || f == "" {
			// Only names that would end the list need quotes; like the
			// reference, others (c-uri, Processes.process) stay bare.
			names[i] = quoteText(f)
		}
	}
	return sep + "| table " + strings.Join(names, ",")
}

// rulePos is where errors about the rule as a whole point.
func rulePos(r *ast.Rule) ast.Pos {
	if r.Logsource.LogPos.IsValid() {
		return r.Logsource.LogPos
	}
	return r.DocPos
}
