package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// Backend option keys. The CLI sets them from its flags (--frequency,
// --period, --severity-map, --threshold, --arm-api-version); -O KEY=VALUE
// sets them too.
const (
	OptFrequency     = "frequency"
	OptPeriod        = "period"
	OptSeverityMap   = "severity_map"
	OptThreshold     = "threshold"
	OptARMAPIVersion = "arm_api_version"
	// OptUnknownTechniques says what format sentinel_rule does with a
	// technique that the Azure-Sentinel validator does not know: drop it
	// with a warning (the default), keep it with a warning, or fail.
	OptUnknownTechniques = "unknown_techniques"
)

// The values of OptUnknownTechniques.
const (
	UnknownDrop  = "drop"
	UnknownKeep  = "keep"
	UnknownError = "error"
)

// The declarations of the options; Formats says which format reads which.
// Each is a flag of the command line too.
var (
	optFrequency = backends.OptionSpec{Name: OptFrequency, Type: backends.TypeDuration, Flag: true,
		Help: "how often a deployed rule runs, e.g. 5m, 1h, 1d (default 1h; Defender: 1h, 3h, 12h, 24h or 0 for continuous)"}
	optPeriod = backends.OptionSpec{Name: OptPeriod, Type: backends.TypeDuration, Flag: true,
		Help: "how far back a deployed rule looks, e.g. 1h, 14d (default: the frequency)"}
	optSeverityMap = backends.OptionSpec{Name: OptSeverityMap, Type: backends.TypeText, Flag: true,
		Help: "alert severity per Sigma level, e.g. critical=High,high=Medium (default informational=Informational, low=Low, medium=Medium, high=High, critical=High, none=Medium)"}
	optThreshold = backends.OptionSpec{Name: OptThreshold, Type: backends.TypeInt, Flag: true,
		Help: "raise an alert when the query returns more rows than this (default 0)"}
	optARMAPIVersion = backends.OptionSpec{Name: OptARMAPIVersion, Type: backends.TypeText, Flag: true,
		Help: "API version of the alertRules resources (default " + DefaultARMAPIVersion + "; sub-techniques need a preview from 2023-12-01-preview on)"}
	optUnknownTechniques = backends.OptionSpec{Name: OptUnknownTechniques, Type: backends.TypeText,
		Help: "what to do with a technique the Azure-Sentinel validator does not know: drop (default, with a warning), keep (with a warning) or error"}
)

// Defaults of the options.
const (
	DefaultFrequency     = time.Hour
	DefaultPeriod        = time.Hour
	DefaultARMAPIVersion = "2025-09-01"
)

// Severities are the alert severities of Sentinel, lowest first.
var Severities = []string{"Informational", "Low", "Medium", "High"}

// defaultSeverity maps Sigma levels to Sentinel severities; a rule without
// a level is Medium.
var defaultSeverity = map[string]string{
	"informational": "Informational",
	"low":           "Low",
	"medium":        "Medium",
	"high":          "High",
	"critical":      "High",
	"":              "Medium",
}

// Options are the schedule and alerting settings of the deployable
// formats.
type Options struct {
	Frequency     time.Duration     // how often the query runs
	Period        time.Duration     // how far back each run looks; the frequency unless given
	Severity      map[string]string // Sigma level ("" for none) -> Sentinel severity
	Threshold     int               // an alert is raised when the result has more rows than this
	ARMAPIVersion string            // API version of the alertRules resources
	// UnknownTechniques is UnknownDrop, UnknownKeep or UnknownError.
	UnknownTechniques string
}

// DefaultOptions returns the options used when none are given.
func DefaultOptions() Options {
	o := Options{Frequency: DefaultFrequency, Period: DefaultPeriod, ARMAPIVersion: DefaultARMAPIVersion,
		Severity: map[string]string{}, UnknownTechniques: UnknownDrop}
	for k, v := range defaultSeverity {
		o.Severity[k] = v
	}
	return o
}

// ParseOptions reads the options from backend options, with defaults for
// the ones not given. Errors name the option and what was expected.
func ParseOptions(bo backends.Options) (Options, error) {
	o := DefaultOptions()
	var err error
	if s, ok := bo[OptFrequency]; ok {
		if o.Frequency, err = ParseDuration(s); err != nil {
			return o, fmt.Errorf("frequency: %v", err)
		}
	}
	o.Period = o.Frequency // by default a run looks back to the previous one
	if s, ok := bo[OptPeriod]; ok {
		if o.Period, err = ParseDuration(s); err != nil {
			return o, fmt.Errorf("period: %v", err)
		}
	}
	if s, ok := bo[OptThreshold]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n > maxThreshold {
			return o, fmt.Errorf("threshold %q: expected a whole number from 0 to %d", s, maxThreshold)
		}
		o.Threshold = n
	}
	if s, ok := bo[OptSeverityMap]; ok {
		if err := o.parseSeverityMap(s); err != nil {
			return o, err
		}
	}
	if s, ok := bo[OptUnknownTechniques]; ok {
		if s != UnknownDrop && s != UnknownKeep && s != UnknownError {
			return o, fmt.Errorf("unknown_techniques %q: expected drop, keep or error", s)
		}
		o.UnknownTechniques = s
	}
	if s, ok := bo[OptARMAPIVersion]; ok {
		if !slices.Contains(ARMAPIVersions, s) {
			msg := fmt.Sprintf("arm_api_version %q is not an API version of Microsoft.SecurityInsights/alertRules: expected one of %s", s, strings.Join(ARMAPIVersions, ", "))
			if n := suggest.Nearest(s, ARMAPIVersions); n != "" {
				msg += fmt.Sprintf("; did you mean %s?", n)
			}
			return o, fmt.Errorf("%s", msg)
		}
		o.ARMAPIVersion = s
	}
	return o, nil
}

// CheckSchedule checks the frequency and period for a deployable format:
// Sentinel's range for Sentinel rules and ARM templates, the schedules
// Defender offers for custom detections.
func (o Options) CheckSchedule(format string) error {
	msg := ""
	if format == FormatDefender {
		msg = checkDefenderFrequency(o.Frequency)
	} else {
		msg = checkSchedule(o.Frequency, o.Period)
	}
	if msg != "" {
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// parseSeverityMap reads "level=Severity,..." pairs over the defaults.
func (o *Options) parseSeverityMap(s string) error {
	levels := []string{"informational", "low", "medium", "high", "critical", "none"}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok {
			return fmt.Errorf("severity map %q: expected LEVEL=SEVERITY pairs, e.g. critical=High,high=Medium", pair)
		}
		if !slices.Contains(levels, k) {
			return fmt.Errorf("severity map: unknown Sigma level %q: expected one of %s", k, strings.Join(levels, ", "))
		}
		sev := ""
		for _, x := range Severities {
			if strings.EqualFold(x, v) {
				sev = x
			}
		}
		if sev == "" {
			return fmt.Errorf("severity map: %s=%s: expected a severity of %s", k, v, strings.Join(Severities, ", "))
		}
		if k == "none" {
			k = ""
		}
		o.Severity[k] = sev
	}
	return nil
}

// ---------------------------------------------------------------------------
// Durations

var durationRx = regexp.MustCompile(`^(\d+)([mhd])$`)

// ParseDuration reads a duration in the style of Sentinel rule files: a
// whole number of minutes, hours or days, as in 5m, 1h or 14d; 0 is a
// continuous (near real time) schedule, which only Defender offers.
func ParseDuration(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "0" {
		return 0, nil
	}
	m := durationRx.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a duration: expected a number and m, h or d, e.g. 30m, 1h or 1d", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 || n > 100000 {
		return 0, fmt.Errorf("%q is not a duration: expected a positive number and m, h or d", s)
	}
	unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

// ShortDuration writes d in the style of Sentinel rule files, in the
// largest unit that divides it: 1d, 6h, 90m.
func ShortDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}

// ISODuration writes d as an ISO 8601 duration: PT1H, P1D, PT1H30M, P1DT6H.
func ISODuration(d time.Duration) string {
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	hours := d / time.Hour
	d -= hours * time.Hour
	mins := d / time.Minute
	s := "P"
	if days > 0 {
		s += strconv.FormatInt(int64(days), 10) + "D"
	}
	if hours > 0 || mins > 0 || days == 0 {
		s += "T"
		if hours > 0 {
			s += strconv.FormatInt(int64(hours), 10) + "H"
		}
		if mins > 0 || hours == 0 {
			s += strconv.FormatInt(int64(mins), 10) + "M"
		}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
