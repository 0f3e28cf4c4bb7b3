package deploy

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The deployable formats.
const (
	FormatSentinel = "sentinel_rule"
	FormatARM      = "arm"
	FormatDefender = "defender_detection"
)

// Formats describes the deployable formats for the kusto target.
var Formats = []backends.Format{
	{Name: FormatSentinel, Description: "Microsoft Sentinel analytic rules (YAML, as in the Azure-Sentinel repository)", Ext: "yaml"},
	{Name: FormatARM, Description: "ARM template of Microsoft Sentinel scheduled analytic rules (JSON)", Ext: "json"},
	{Name: FormatDefender, Description: "Microsoft Defender XDR custom detection rules (Microsoft Graph request body, JSON)", Ext: "json"},
}

// IsFormat reports whether format is one of the deployable formats.
func IsFormat(format string) bool {
	for _, f := range Formats {
		if f.Name == format {
			return true
		}
	}
	return false
}

// Render writes one document of the format per query of the processed
// rule. Every document is validated first: an invalid one makes the rule
// fail with errors that point into it. Parts of the rule that had to be
// left out are reported as *backends.Warnings, with the documents.
func Render(format string, res *pipeline.Result, queries []string, opts Options) ([]string, error) {
	var docs []string
	var errs, warns ast.ErrorList
	for i, q := range queries {
		a, w, err := Build(res, q, i, len(queries), opts)
		if i == 0 {
			warns = append(warns, w...) // the same for every query of a rule
		}
		if err != nil {
			errs.Append(err)
			continue
		}
		switch format {
		case FormatSentinel, FormatARM:
			if e := Validate(a); len(e) > 0 {
				errs = append(errs, e...)
				continue
			}
		case FormatDefender:
			if e := ValidateDefender(a); len(e) > 0 {
				errs = append(errs, e...)
				continue
			}
		}
		switch format {
		case FormatSentinel:
			docs = append(docs, SentinelYAML(a))
		case FormatARM:
			docs = append(docs, ARMResource(a, opts.ARMAPIVersion))
		case FormatDefender:
			docs = append(docs, DefenderDetection(a))
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	if len(warns) > 0 {
		warns.Sort()
		return docs, &backends.Warnings{List: warns}
	}
	return docs, nil
}

// Assemble joins documents of the format, of one rule or of many, into the
// text of one file: a YAML stream of Sentinel rules, one ARM template, or
// one detection rule body (a JSON array of them when there are several).
// No documents make an empty text.
func Assemble(format string, docs []string) string {
	if len(docs) == 0 {
		return ""
	}
	switch format {
	case FormatSentinel:
		return strings.Join(docs, "---\n")
	case FormatARM:
		return ARMTemplate(docs)
	case FormatDefender:
		if len(docs) == 1 {
			return docs[0]
		}
		return DefenderList(docs)
	}
	return backends.JoinQueries(docs)
}
