package splunk

import (
	"fmt"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
)

// ----------------------------------------------------------------------------
// savedsearches.conf

// Default values of the options of the savedsearches format.
const (
	defaultMinTime  = "-30d"         // dispatch.earliest_time, as the reference
	defaultMaxTime  = "now"          // dispatch.latest_time, as the reference
	defaultSchedule = "*/15 * * * *" // cron_schedule of every alert
)

// savedSearchesOptions are the options of the savedsearches format.
var savedSearchesOptions = []backends.OptionSpec{
	{Name: "cron_schedule", Type: backends.TypeText, Help: "when every alert runs, a cron expression (default " + defaultSchedule + ")"},
	{Name: "max_time", Type: backends.TypeText, Help: "dispatch.latest_time of every search (default " + defaultMaxTime + ")"},
	{Name: "min_time", Type: backends.TypeText, Help: "dispatch.earliest_time of every search, e.g. -15m (default " + defaultMinTime + ")"},
}

// severities maps Sigma levels to Splunk's alert.severity: 2 info,
// 3 warning, 4 error, 5 severe, 6 fatal.
var severities = map[string]int{"informational": 2, "low": 3, "medium": 4, "high": 5, "critical": 6}

// stanza returns the savedsearches.conf stanza of one search, given as
// its lines, of a rule or correlation: the settings of the reference
// (name, description, search) and those that make Splunk run it on a
// schedule as an alert that fires when the search finds an event. How
// names and values are written so that no metadata changes the file's
// structure is in conf.go.
func (b *Backend) stanza(m *ast.Meta, pos ast.Pos, lines []string) (string, error) {
	if err := checkConfSearch(pos, lines); err != nil {
		return "", err
	}
	schedule := b.opts["cron_schedule"]
	if schedule == "" {
		schedule = defaultSchedule
	}
	var w strings.Builder
	fmt.Fprintf(&w, "[%s]\n", confStanzaName(m.Title))
	writeConfSetting(&w, "description", confTextLines(m.Description))
	writeConfSetting(&w, "search", lines)
	writeConfSetting(&w, "cron_schedule", confTextLines(schedule))
	w.WriteString("enableSched = 1\n")
	if sev, ok := severities[m.Level]; ok {
		fmt.Fprintf(&w, "alert.severity = %d\n", sev)
	}
	w.WriteString("alert.track = 1\n")
	w.WriteString("counttype = number of events\n")
	w.WriteString("relation = greater than\n")
	w.WriteString("quantity = 0\n")
	return w.String(), nil
}

// Assemble makes the savedsearches.conf file of a run: the [default]
// stanza with the time range of every search, then the stanzas of the
// rules. A stanza name that is reserved or already used gets a number:
// "Title (2)" (confNames).
// Other formats are lists of searches, a blank line between two.
func (b *Backend) Assemble(format string, queries []string) string {
	if format != FormatSavedSearches {
		return backends.JoinQueries(queries)
	}
	minTime, maxTime := b.opts["min_time"], b.opts["max_time"]
	if minTime == "" {
		minTime = defaultMinTime
	}
	if maxTime == "" {
		maxTime = defaultMaxTime
	}
	var w strings.Builder
	w.WriteString("\n[default]\n")
	writeConfSetting(&w, "dispatch.earliest_time", confTextLines(minTime))
	writeConfSetting(&w, "dispatch.latest_time", confTextLines(maxTime))
	names := newConfNames()
	for _, q := range queries {
		w.WriteByte('\n')
		if name, rest, ok := cutStanzaName(q); ok {
			q = "[" + names.unique(name) + "]" + rest
		}
		w.WriteString(q)
	}
	if !strings.HasSuffix(w.String(), "\n") {
		w.WriteByte('\n')
	}
	return w.String()
}

// cutStanzaName splits "[name]..." into the name and what follows it.
func cutStanzaName(stanza string) (name, rest string, ok bool) {
	if !strings.HasPrefix(stanza, "[") {
		return "", "", false
	}
	end := strings.Index(stanza, "]\n")
	if end < 0 {
		return "", "", false
	}
	return stanza[1:end], stanza[end+1:], true
}

// ----------------------------------------------------------------------------
// tstats over a data model

// dataModel returns a search as a tstats search over the CIM data model
// that the pipeline chose (splunk_cim sets data_model_set and fields): the
// condition filters the accelerated data, the rule's fields are the
// by-clause, and the commands that the condition needs after the search
// follow it. Like the reference, the search is one line that ends with a
// space. It has no room for a query template of the pipelines.
func dataModel(r *backends.Rule, s *search) (string, error) {
	res := r.Result
	if r.Template != "" {
		return "", ast.Errorf(r.Pos(), "the data_model format writes its own tstats search around the condition, so the pipelines' query template %q cannot apply: convert with -f default or -f savedsearches, or use a pipeline without query", string(r.Template))
	}
	model, _ := res.State["data_model_set"].(string)
	fields := stateList(res.State["fields"])
	if model == "" || len(fields) == 0 {
		return "", ast.Errorf(r.Pos(), "the data_model format needs the CIM data model of the rule and its fields: convert with -p splunk_cim (or a pipeline that sets data_model_set and fields)")
	}
	lines := s.lines()
	var w strings.Builder
	w.WriteString(`| tstats summariesonly=false allow_old_summaries=true fillnull_value="null" count min(_time) as firstTime max(_time) as lastTime from datamodel=`)
	w.WriteString(model + " where " + lines[0] + " by ")
	for i, f := range fields {
		if i > 0 {
			w.WriteByte(' ')
		}
		w.WriteString(quoteField(f))
	}
	for _, l := range lines[1:] {
		w.WriteString(" " + l)
	}
	w.WriteString(" | `drop_dm_object_name(" + objectName(model, fields) + ")`")
	w.WriteString(` | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime) | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(lastTime) `)
	return w.String(), nil
}

// objectName is the prefix that drop_dm_object_name removes from the
// field names: the part of the first field before its dot (Web for
// Web.url in the Web.Proxy data set), or the data set's name.
func objectName(model string, fields []string) string {
	if i := strings.IndexByte(fields[0], '.'); i > 0 {
		return fields[0][:i]
	}
	if i := strings.LastIndexByte(model, '.'); i >= 0 {
		return model[i+1:]
	}
	return model
}

// stateList reads a list that a pipeline stored with set_state.
func stateList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}
