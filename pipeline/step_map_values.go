package pipeline

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// MapValues replaces exact values of Fields by others: a plain string, a
// number or a boolean (as "true"/"false") found in Values (a string in any
// case, unless cased) becomes its replacements (several make an OR).
//
// With Unavailable, Values lists every value the field holds: a value
// with wildcards, a regular expression or a comparison with a number (lt,
// gte...) stands for the values it matches,
// and a value that Values does not list is data the target lacks, with
// that reason ({value} is the value): it is left out of an OR or a filter
// with a warning, or rejects the rule (see unavailable.go).
type MapValues struct {
	StepCommon  `yaml:"-"`
	Fields      []string            `yaml:"fields"`
	Values      map[string][]string `yaml:"-"`
	Unavailable string              `yaml:"unavailable"`
}

func init() {
	register(stepType{Name: "map_values", Help: "replace exact values of fields by others",
		Required: []string{"fields", "values"}, Optional: []string{"unavailable"}, New: func() Step { return new(MapValues) }})
}

func (s *MapValues) decode(d *decoder, n *yaml.Node) {
	v := value(n, "values")
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.errs.Addf(d.pos(v), "values must map each value to its replacement(s)")
	}
	s.Values = map[string][]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		l, err := stringList(v.Content[i+1])
		if err != nil {
			d.errs.Addf(d.pos(v.Content[i+1]), "%v", err)
		}
		s.Values[v.Content[i].Value] = l
	}
}

func (s *MapValues) apply(x *run) {
	if s.Unavailable != "" {
		s.intersectAll(x)
	}
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		if _, marked := x.res.unavailable[v]; marked {
			return nil // an earlier step said why
		}
		keys, text, cased, ok := s.keys(v)
		if !ok {
			return nil
		}
		if len(keys) == 0 {
			return s.unavailable(x, v, text)
		}
		var out []ast.Value
		seen := map[string]bool{}
		for _, k := range keys {
			for _, r := range s.Values[k] {
				if !seen[r] {
					seen[r] = true
					n := ast.NewString(v.Pos(), r)
					n.Cased = cased
					out = append(out, n)
				}
			}
		}
		return out
	})
	if s.Unavailable != "" {
		s.dedupe(x)
	}
}

// dedupe removes from an item of Fields the replacements that an earlier
// value of the item already gave: with a closed map, several values may
// stand for one (two event IDs of one kind of event).
func (s *MapValues) dedupe(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.All || len(fm.Values) < 2 || !slices.Contains(s.Fields, fm.Field) {
			return fm
		}
		seen := map[string]bool{}
		fm.Values = slices.DeleteFunc(fm.Values, func(v ast.Value) bool {
			str, ok := v.(*ast.String)
			if !ok || !str.IsPlain() {
				return false
			}
			key := strconv.FormatBool(str.Cased) + str.Plain()
			if seen[key] {
				return true
			}
			seen[key] = true
			return false
		})
		return fm
	})
}

// keys returns the keys of Values that v stands for, v's text, whether v
// is cased, and whether the step maps such a value at all.
func (s *MapValues) keys(v ast.Value) (keys []string, text string, cased, ok bool) {
	switch v := v.(type) {
	case *ast.String:
		switch {
		case v.IsPlain():
			return s.lookup(v.Plain(), v.Cased), v.Plain(), v.Cased, true
		case s.Unavailable != "" && !v.HasPlaceholders():
			return s.matching(wildcardPattern(v)), v.Source(), v.Cased, true
		}
		return nil, v.Source(), v.Cased, s.Unavailable != ""
	case *ast.Regex:
		return s.matching(regexp.Compile(regexText(v))), v.Pattern, false, s.Unavailable != ""
	case *ast.Compare:
		return s.comparing(v), v.Op.String() + " " + v.Number.Text, false, s.Unavailable != ""
	case *ast.Number:
		return s.lookup(v.Text, true), v.Text, false, true
	case *ast.Bool:
		text := strconv.FormatBool(v.Value)
		return s.lookup(text, false), text, false, true
	}
	return nil, "", false, false
}

// intersectAll rewrites the items of Fields with the all modifier, when
// Values lists every value the field holds: the field holds one value, so
// the values must all match that one, and the item stands for the keys
// that every value matches (an OR of them).
func (s *MapValues) intersectAll(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if !fm.All || len(fm.Values) < 2 || !slices.Contains(s.Fields, fm.Field) {
			return fm
		}
		var common []string
		for i, v := range fm.Values {
			keys, _, _, ok := s.keys(v)
			if _, marked := x.res.unavailable[v]; !ok || marked || len(keys) == 0 {
				return fm
			}
			if i == 0 {
				common = keys
			}
			common = slices.DeleteFunc(common, func(k string) bool { return !slices.Contains(keys, k) })
		}
		if len(common) == 0 {
			return fm
		}
		fm.All, fm.Values = false, nil
		for _, k := range common {
			fm.Values = append(fm.Values, ast.NewString(fm.KeyPos, k))
		}
		return fm
	})
}

// lookup returns the key of Values that text is, or, unless cased, the
// keys it is in another case (Sigma's strings are case-insensitive).
func (s *MapValues) lookup(text string, cased bool) []string {
	if _, ok := s.Values[text]; ok || cased {
		if ok {
			return []string{text}
		}
		return nil
	}
	var out []string
	for _, k := range s.sortedKeys() {
		if strings.EqualFold(k, text) {
			out = append(out, k)
		}
	}
	return out
}

// matching returns the keys of Values that a pattern matches, in sorted
// order. With Unavailable, Values lists every value the field can hold,
// so a pattern stands for the keys it matches.
func (s *MapValues) matching(re *regexp.Regexp, err error) []string {
	if err != nil {
		return nil
	}
	var out []string
	for _, k := range s.sortedKeys() {
		if re.MatchString(k) {
			out = append(out, k)
		}
	}
	return out
}

// comparing returns the keys of Values that are numbers the comparison
// holds for, in sorted order.
func (s *MapValues) comparing(c *ast.Compare) []string {
	n, err := strconv.ParseFloat(c.Number.Text, 64)
	if err != nil {
		return nil
	}
	var out []string
	for _, k := range s.sortedKeys() {
		x, err := strconv.ParseFloat(k, 64)
		if err == nil && [...]bool{x < n, x <= n, x > n, x >= n}[c.Op] {
			out = append(out, k)
		}
	}
	return out
}

func (s *MapValues) sortedKeys() []string {
	keys := make([]string, 0, len(s.Values))
	for k := range s.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// wildcardPattern compiles a Sigma string with wildcards as an anchored
// regular expression, case-insensitive unless the string is cased.
func wildcardPattern(v *ast.String) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s")
	if !v.Cased {
		b.WriteString("i")
	}
	b.WriteString(")")
	for _, p := range v.Parts {
		switch p.Kind {
		case ast.Literal:
			b.WriteString(regexp.QuoteMeta(p.Text))
		case ast.WildcardMulti:
			b.WriteString(".*")
		case ast.WildcardSingle:
			b.WriteString(".")
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// regexText is a regular expression with its flags as an inline group.
func regexText(v *ast.Regex) string {
	if v.Flags == "" {
		return v.Pattern
	}
	return "(?" + v.Flags + ")" + v.Pattern
}

// unavailable marks a value that Values does not list as data the target
// lacks, when the step says so; it never replaces the value.
func (s *MapValues) unavailable(x *run, v ast.Value, text string) []ast.Value {
	if s.Unavailable != "" {
		x.res.markUnavailable(v, strings.ReplaceAll(expand(s.Unavailable, x), "{value}", text))
	}
	return nil
}
