package backends

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// An OptionType says what an option's value is.
type OptionType string

// Types of option values.
const (
	TypeText     OptionType = "text"     // any text, checked by the backend
	TypeInt      OptionType = "integer"  // a whole number
	TypeBool     OptionType = "boolean"  // true or false (also 1/0, yes/no, on/off)
	TypeDuration OptionType = "duration" // a duration in the backend's notation, e.g. 1h
)

// An OptionSpec declares an option of a backend or of one of its formats:
// a key of Options (-O KEY=VALUE), what its value is and what it does.
type OptionSpec struct {
	Name string // the key, e.g. "frequency"
	Type OptionType
	Help string // one line: what it does, its default
	// Flag makes the command line offer the option as a flag of its own
	// too: --NAME with the underscores written as dashes.
	Flag bool
}

// FlagName is the command-line flag of an option declared with Flag:
// "severity_map" is --severity-map.
func (s OptionSpec) FlagName() string { return strings.ReplaceAll(s.Name, "_", "-") }

// An OptionLister is a Backend with options that every format reads; the
// options of one format are in its Format.Options.
type OptionLister interface {
	Options() []OptionSpec
}

// OptionsOf lists the options that backend b reads for format: its own and
// the format's.
func OptionsOf(b Backend, format string) []OptionSpec {
	var out []OptionSpec
	if ol, ok := b.(OptionLister); ok {
		out = append(out, ol.Options()...)
	}
	for _, f := range b.Formats() {
		if f.Name == format {
			out = append(out, f.Options...)
		}
	}
	return out
}

// CheckOptionTypes checks the values of the options that specs declare
// with a type the package knows how to read (integers and booleans). Other
// values are the backend's to check.
func CheckOptionTypes(opts Options, specs []OptionSpec) error {
	for _, s := range specs {
		v, ok := opts[s.Name]
		if !ok {
			continue
		}
		switch s.Type {
		case TypeInt:
			if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return fmt.Errorf("option %s=%q: expected a whole number", s.Name, v)
			}
		case TypeBool:
			if opts.Bool(s.Name, true) != opts.Bool(s.Name, false) {
				continue
			}
			return fmt.Errorf("option %s=%q: expected true or false", s.Name, v)
		}
	}
	return nil
}

// A Declared is an option as some target and format of a program declare
// it: the checker of unknown options needs to know who else reads a key.
type Declared struct {
	Spec    OptionSpec
	Target  string   // "" for an option of the program that every target reads
	Formats []string // the formats that read it; nil when every format of the target does
}

// Where says which target and formats read the option, e.g. "target kusto,
// formats arm, sentinel_rule".
func (d Declared) Where() string {
	if d.Target == "" {
		return "every target"
	}
	if len(d.Formats) == 0 {
		return "target " + d.Target
	}
	kind := "format"
	if len(d.Formats) > 1 {
		kind = "formats"
	}
	return fmt.Sprintf("target %s, %s %s", d.Target, kind, strings.Join(d.Formats, ", "))
}

// Declarations lists every option that backend b declares, once per key,
// with the formats that read it, sorted by key.
func Declarations(target string, b Backend) []Declared {
	byName := map[string]*Declared{}
	var names []string
	add := func(s OptionSpec, format string) {
		d, ok := byName[s.Name]
		if !ok {
			d = &Declared{Spec: s, Target: target}
			byName[s.Name] = d
			names = append(names, s.Name)
		}
		if format != "" && !slices.Contains(d.Formats, format) {
			d.Formats = append(d.Formats, format)
		}
	}
	if ol, ok := b.(OptionLister); ok {
		for _, s := range ol.Options() {
			add(s, "")
		}
	}
	for _, f := range b.Formats() {
		for _, s := range f.Options {
			add(s, f.Name)
		}
	}
	sort.Strings(names)
	out := make([]Declared, len(names))
	for i, n := range names {
		out[i] = *byName[n]
	}
	return out
}

// UnknownOption is the error for an option key that the target and format
// do not read; label names it as the user gave it (-O KEY, --flag). all
// lists what every target declares, to say who reads it instead or which
// key was meant.
func UnknownOption(label, key, target, format string, valid []OptionSpec, all []Declared) error {
	for _, d := range all {
		if d.Spec.Name == key {
			return fmt.Errorf("%s: target %s with format %s does not read option %s: it is for %s", label, target, format, key, d.Where())
		}
	}
	var names []string
	for _, s := range valid {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("%s: unknown option %q: target %s with format %s reads %s", label, key, target, format, strings.Join(names, ", "))
	every := slices.Clone(names)
	for _, d := range all {
		every = append(every, d.Spec.Name)
	}
	if s := suggest.Nearest(key, every); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf("%s", msg)
}
