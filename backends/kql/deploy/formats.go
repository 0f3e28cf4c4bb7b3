package deploy

import (
	"fmt"
	"slices"
	"strings"
	"time"

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

// Formats describes the deployable formats for the kusto target, with the
// options each reads.
var Formats = []backends.Format{
	{Name: FormatSentinel, Description: "Microsoft Sentinel analytic rules (YAML, as in the Azure-Sentinel repository)", Ext: "yaml",
		Options: []backends.OptionSpec{optFrequency, optPeriod, optSeverityMap, optThreshold, optUnknownTechniques}},
	{Name: FormatARM, Description: "ARM templates of Microsoft Sentinel scheduled analytic rules (JSON; split at 800 resources or 4 MB)", Ext: "json",
		Options: []backends.OptionSpec{optFrequency, optPeriod, optSeverityMap, optThreshold, optARMAPIVersion}},
	{Name: FormatDefender, Description: "Microsoft Defender XDR custom detection rules (Microsoft Graph request body, JSON)", Ext: "json",
		Options: []backends.OptionSpec{optFrequency, optSeverityMap}},
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
	return render(format, res, queries, opts, nil)
}

// RenderCorrelation writes the queries of a correlation rule as deployable
// rules, like Render. The metadata is the correlation's; the data
// connectors are those of every table the correlated rules read; entity
// mappings and impacted assets can only use the columns of the query's
// result: the group-by fields. The period is at least the correlation's
// timespan. kept are the event columns that the query keeps besides the
// group-by fields and the time (see EventKeeper).
func RenderCorrelation(format string, c *backends.Correlation, queries []string, opts Options, kept []string) ([]string, error) {
	rule := &ast.Rule{DocPos: c.Doc.DocPos, Meta: c.Doc.Meta}
	var inputs []*pipeline.Result
	collectInputs(c, &inputs)
	res := &pipeline.Result{Rule: rule}
	if len(inputs) > 0 {
		res.Table = inputs[0].Table
	}
	// The result of a correlation has the group-by fields as columns, under
	// the names written in the correlation.
	cols := map[string]string{}
	for _, g := range append(append([]string(nil), c.Doc.GroupBy...), kept...) {
		cols[g] = "string"
	}
	if len(kept) > 0 {
		cols[c.TimeColumn()] = "datetime"
	}
	res.Schema = &pipeline.Table{Name: "(the correlation's result)", Columns: cols}
	span := correlationSpan(c)
	return render(format, res, queries, opts, func(a *Alert) {
		a.Correlation = true
		a.Connectors = nil
		for _, in := range inputs {
			a.addConnectors(in.Table)
		}
		// A run must look back over the whole window of the correlation.
		if a.Period < span {
			a.Period = span
		}
	})
}

// defenderRequired is the column besides the time that Defender needs in
// every row of a custom detection's result to find the event behind it.
const defenderRequired = "ReportId"

// defenderKeep lists the event columns that a correlation query for
// Defender must keep: ReportId, which every input must have, and the
// columns of impacted devices, users and mailboxes (data/tables.yml
// assets) that every input has. Group-by fields are kept anyway.
func defenderKeep(c *backends.Correlation) ([]string, error) {
	mustData()
	var inputs []*pipeline.Result
	collectInputs(c, &inputs)
	keep := []string{defenderRequired}
	seen := map[string]bool{defenderRequired: true, c.TimeColumn(): true}
	for _, g := range c.Doc.GroupBy {
		seen[g] = true
	}
	for _, in := range inputs {
		if !hasColumn(in.Schema, defenderRequired) {
			return nil, ast.Errorf(c.Doc.DocPos, "invalid Defender custom detection: Defender finds the events behind an alert by %s and %s, which the events of rule %q (table %s) do not have", c.TimeColumn(), defenderRequired, in.Rule.Title, in.Table)
		}
		for _, as := range tables[in.Table].Assets {
			if seen[as.Column] {
				continue
			}
			seen[as.Column] = true
			all := true
			for _, other := range inputs {
				all = all && hasColumn(other.Schema, as.Column)
			}
			if all {
				keep = append(keep, as.Column)
			}
		}
	}
	return keep, nil
}

// correlationSpan is the longest timespan of a correlation and the
// correlations it references, of those of a fixed length (not months or
// years); 0 when there is none.
func correlationSpan(c *backends.Correlation) time.Duration {
	var span time.Duration
	if t, err := c.Timespan(); err == nil {
		span, _ = t.Fixed()
	}
	for _, in := range c.Inputs {
		if in.Correlation != nil {
			span = max(span, correlationSpan(in.Correlation))
		}
	}
	return span
}

// collectInputs lists the processed rules of a correlation, nested ones
// included, in order.
func collectInputs(c *backends.Correlation, out *[]*pipeline.Result) {
	for _, in := range c.Inputs {
		if in.Rule != nil {
			*out = append(*out, in.Rule)
		}
		if in.Correlation != nil {
			collectInputs(in.Correlation, out)
		}
	}
}

func render(format string, res *pipeline.Result, queries []string, opts Options, adjust func(*Alert)) ([]string, error) {
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
		if adjust != nil {
			adjust(a)
		}
		if format == FormatSentinel {
			w, err := a.validatorTechniques(opts.UnknownTechniques)
			if i == 0 {
				warns = append(warns, w...)
			}
			if err != nil {
				errs = append(errs, err...)
				continue
			}
		}
		switch format {
		case FormatSentinel:
			if e := Validate(a); len(e) > 0 {
				errs = append(errs, e...)
				continue
			}
		case FormatARM:
			if e := ValidateARM(a); len(e) > 0 {
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

// validatorTechniques applies the unknown_techniques option to the
// techniques that the Azure-Sentinel validator does not know: it drops
// them (with warnings), keeps them (with warnings) or returns errors.
func (a *Alert) validatorTechniques(mode string) (warns, errs ast.ErrorList) {
	unknown := func(id string) bool { return slices.Contains(attack.ValidatorUnknown, id[:min(5, len(id))]) }
	var bad []string
	for _, list := range [][]string{a.Techniques, a.SubTechniques} {
		for _, id := range list {
			if unknown(id) {
				bad = append(bad, id)
			}
		}
	}
	if len(bad) == 0 {
		return nil, nil
	}
	what := fmt.Sprintf("the Azure-Sentinel rule validator does not know the technique %s and rejects a rule that lists it", strings.Join(bad, ", "))
	switch mode {
	case UnknownError:
		errs.Addf(a.pos.tags, "invalid Sentinel rule: %s (-O unknown_techniques=drop leaves it out, =keep writes it anyway)", what)
	case UnknownKeep:
		warns.Addf(a.pos.tags, "%s: kept in relevantTechniques as -O unknown_techniques=keep asks", what)
	default:
		warns.Addf(a.pos.tags, "%s: left out of relevantTechniques (-O unknown_techniques=keep writes it, =error fails the rule)", what)
		a.Techniques = slices.DeleteFunc(a.Techniques, unknown)
		a.SubTechniques = slices.DeleteFunc(a.SubTechniques, unknown)
	}
	return warns, errs
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
