package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Limits of a Sentinel scheduled rule, as the Azure-Sentinel repository's
// rule validator checks them.
const (
	maxName          = 256
	maxDescription   = 5000
	maxQuery         = 10000
	maxThreshold     = 10000
	minSchedule      = 5 * time.Minute
	maxSchedule      = 14 * 24 * time.Hour
	longPeriod       = 2 * 24 * time.Hour // from this period on ...
	longPeriodMinRun = time.Hour          // ... the query runs at most hourly
	maxEntities      = 5
	maxFieldMappings = 3
	maxColumnName    = 500
)

var (
	guidRx        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	techniqueIDRx = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	columnNameRx  = regexp.MustCompile(`^[a-zA-Z_]+\w*$`)
)

// Validate checks a as a Sentinel scheduled analytic rule with the rules of
// the Azure-Sentinel repository's validator: required fields, the lengths
// of name, description and query, the schedule, the entity mappings and
// that every technique comes with its tactics. Each problem is an error at
// the part of the Sigma rule it comes from, naming the field.
func Validate(a *Alert) ast.ErrorList {
	mustData()
	var errs ast.ErrorList
	bad := func(pos ast.Pos, format string, args ...any) {
		errs.Addf(pos, "invalid Sentinel rule: "+format, args...)
	}
	if !guidRx.MatchString(a.ID) {
		bad(a.pos.rule, "id %q is not a GUID", a.ID)
	}
	switch n := length(a.Name); {
	case strings.TrimSpace(a.Name) == "":
		bad(a.pos.title, "name is empty: give the rule a title")
	case n > maxName:
		bad(a.pos.title, "name (the title) is %d characters long; Sentinel allows at most %d", n, maxName)
	}
	switch n := length(a.Description); {
	case strings.TrimSpace(a.Description) == "":
		bad(a.pos.description, "description is empty")
	case n > maxDescription:
		bad(a.pos.description, "description is %d characters long; Sentinel allows at most %d", n, maxDescription)
	}
	if !slices.Contains(Severities, a.Severity) {
		bad(a.pos.rule, "severity %q: expected one of %s", a.Severity, strings.Join(Severities, ", "))
	}
	switch n := length(a.Query); {
	case strings.TrimSpace(a.Query) == "":
		bad(a.pos.query, "query is empty")
	case n > maxQuery:
		bad(a.pos.query, "query is %d characters long; Sentinel allows at most %d (split the rule or shorten its value lists)", n, maxQuery)
	}
	if msg := checkSchedule(a.Frequency, a.Period); msg != "" {
		bad(a.pos.rule, "%s", msg)
	}
	if a.Threshold < 0 || a.Threshold > maxThreshold {
		bad(a.pos.rule, "triggerThreshold %d: expected 0 to %d", a.Threshold, maxThreshold)
	}
	for _, c := range a.Connectors {
		if c.ID == "" || len(c.DataTypes) == 0 {
			bad(a.pos.rule, "requiredDataConnectors has an entry without connectorId or dataTypes")
		}
	}
	errs = append(errs, validateEntities(a)...)
	errs = append(errs, validateMitre(a)...)
	return errs
}

// checkSchedule returns what is wrong with a frequency and period, or "".
func checkSchedule(freq, period time.Duration) string {
	inRange := func(d time.Duration) bool { return d >= minSchedule && d <= maxSchedule }
	switch {
	case !inRange(freq):
		return fmt.Sprintf("queryFrequency %s: expected 5m to 14d", ShortDuration(freq))
	case !inRange(period):
		return fmt.Sprintf("queryPeriod %s: expected 5m to 14d", ShortDuration(period))
	case period < freq:
		return fmt.Sprintf("queryPeriod %s is shorter than queryFrequency %s: a run must look back at least as far as the time since the last run", ShortDuration(period), ShortDuration(freq))
	case period >= longPeriod && freq < longPeriodMinRun:
		return fmt.Sprintf("queryFrequency %s with queryPeriod %s: a query that looks back 2 days or more may run at most hourly", ShortDuration(freq), ShortDuration(period))
	}
	return ""
}

// validateEntities checks the entity mappings.
func validateEntities(a *Alert) ast.ErrorList {
	var errs ast.ErrorList
	bad := func(format string, args ...any) {
		errs.Addf(a.pos.entities, "invalid Sentinel rule: entityMappings: "+format, args...)
	}
	if len(a.Entities) == 0 {
		return nil
	}
	if len(a.Entities) > maxEntities {
		bad("%d entities; Sentinel allows 1 to %d", len(a.Entities), maxEntities)
	}
	for _, m := range a.Entities {
		et, ok := entityInfo[m.EntityType]
		if !ok {
			bad("unknown entity type %q: expected one of %s", m.EntityType, strings.Join(sortedKeys(entityInfo), ", "))
			continue
		}
		if n := len(m.FieldMappings); n < 1 || n > maxFieldMappings {
			bad("entity %s has %d field mappings; Sentinel allows 1 to %d", m.EntityType, n, maxFieldMappings)
		}
		used := map[string]bool{}
		for _, fm := range m.FieldMappings {
			switch {
			case !slices.Contains(et.Identifiers, fm.Identifier):
				bad("%q is not an identifier of entity %s: expected one of %s", fm.Identifier, m.EntityType, strings.Join(et.Identifiers, ", "))
			case used[fm.Identifier]:
				bad("identifier %s of entity %s is mapped twice", fm.Identifier, m.EntityType)
			}
			used[fm.Identifier] = true
			if len(fm.ColumnName) > maxColumnName || !columnNameRx.MatchString(fm.ColumnName) {
				bad("column %q of entity %s is not a column name (a letter or _, then letters, digits or _)", fm.ColumnName, m.EntityType)
			}
		}
		if len(m.FieldMappings) > 0 && !hasRequired(m) {
			var combos []string
			for _, c := range et.Required {
				combos = append(combos, strings.Join(c, "+"))
			}
			bad("entity %s needs one of the identifiers %s", m.EntityType, strings.Join(combos, ", "))
		}
	}
	return errs
}

// validateMitre checks the tactics and that each technique has all the
// tactics that the ATT&CK table gives it.
func validateMitre(a *Alert) ast.ErrorList {
	var errs ast.ErrorList
	has := map[string]bool{}
	for _, t := range a.Tactics {
		if _, ok := tacticRank[t]; !ok {
			errs.Addf(a.pos.tags, "invalid Sentinel rule: tactics: unknown tactic %q", t)
		}
		has[t] = true
	}
	for _, list := range [][]string{a.Techniques, a.SubTechniques} {
		for _, id := range list {
			if !techniqueIDRx.MatchString(id) {
				errs.Addf(a.pos.tags, "invalid Sentinel rule: relevantTechniques: %q is not a technique ID (T1234 or T1234.001)", id)
				continue
			}
			want, ok := attack.Techniques[id[:5]]
			if !ok {
				errs.Addf(a.pos.tags, "invalid Sentinel rule: relevantTechniques: technique %s has no known tactic", id)
				continue
			}
			var missing []string
			for _, t := range want {
				if !has[t] {
					missing = append(missing, t)
				}
			}
			if len(missing) > 0 {
				errs.Addf(a.pos.tags, "invalid Sentinel rule: technique %s needs the tactics %s in tactics", id, strings.Join(missing, ", "))
			}
		}
	}
	return errs
}

// length counts characters as the validator does: in UTF-16 code units.
func length(s string) int { return len(utf16.Encode([]rune(s))) }
