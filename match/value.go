package match

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
)

// value reports whether the field's value v (present tells whether the
// event has the field) matches one value of a field match.
func (e *evaluator) value(val ast.Value, v any, present bool) (bool, error) {
	switch val := val.(type) {
	case *ast.Null:
		return !present || isEmpty(v), nil
	case *ast.Exists:
		return present == val.Exists, nil
	case *ast.Expansion:
		for _, x := range val.Values {
			if ok, err := e.value(x, v, present); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	}
	if !present {
		return false, e.check(val)
	}
	if list, ok := v.([]any); ok {
		// A multi-valued field matches when one of its values does.
		for _, x := range list {
			if ok, err := e.scalar(val, x); ok || err != nil {
				return ok, err
			}
		}
		return false, e.check(val)
	}
	return e.scalar(val, v)
}

// check reports the error a value would give if it were compared, so that
// an unsupported value fails the same way whatever the event holds.
func (e *evaluator) check(val ast.Value) error {
	_, err := e.scalar(val, nil)
	return err
}

// isEmpty reports whether a field value counts as empty for null.
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}

// scalar compares one value of the event, x, with a value of the rule.
func (e *evaluator) scalar(val ast.Value, x any) (bool, error) {
	switch val := val.(type) {
	case *ast.String:
		return e.str(val, x, false)
	case *ast.Number:
		return numberEqual(val, x), nil
	case *ast.Bool:
		if b, ok := x.(bool); ok {
			return b == val.Value, nil
		}
		s, ok := text(x)
		return ok && strings.EqualFold(s, strconv.FormatBool(val.Value)), nil
	case *ast.Null:
		return isEmpty(x), nil
	case *ast.Regex:
		re, err := compile(val)
		if err != nil {
			return false, err
		}
		s, ok := text(x)
		return ok && re.MatchString(s), nil
	case *ast.CIDR:
		return inNetwork(val, x)
	case *ast.Compare:
		return compare(val, x), nil
	case *ast.TimePart:
		return timePart(val, x), nil
	case *ast.FieldRef:
		return e.fieldRef(val, x), nil
	case *ast.Expansion, *ast.Exists:
		return e.value(val, x, true)
	}
	return false, ast.Errorf(val.Pos(), "the evaluator does not know this kind of value (%T)", val)
}

// str matches a Sigma string against x; with contains, anywhere in x.
func (e *evaluator) str(s *ast.String, x any, contains bool) (bool, error) {
	alts, err := e.expand(s)
	if err != nil {
		return false, err
	}
	t, ok := text(x)
	if !ok {
		return false, nil
	}
	subject := runes(t, s.Bytes)
	for _, alt := range alts {
		pat := tokens(alt.Parts)
		if contains {
			pat = surround(pat)
		}
		if glob(pat, subject, s.Cased, s.Bytes) {
			return true, nil
		}
	}
	return false, nil
}

// surround puts "*" around a pattern that lacks it.
func surround(pat []token) []token {
	out := make([]token, 0, len(pat)+2)
	if len(pat) == 0 || pat[0].kind != ast.WildcardMulti {
		out = append(out, token{kind: ast.WildcardMulti})
	}
	out = append(out, pat...)
	if len(pat) == 0 || pat[len(pat)-1].kind != ast.WildcardMulti {
		out = append(out, token{kind: ast.WildcardMulti})
	}
	return out
}

// expand replaces the placeholders of s by each combination of their
// values; a placeholder without values is an error.
func (e *evaluator) expand(s *ast.String) ([]*ast.String, error) {
	if !s.HasPlaceholders() {
		return []*ast.String{s}, nil
	}
	alts, missing := s.ExpandPlaceholders(func(name string) ([]string, bool) {
		vals, ok := e.opts.Placeholders[name]
		return vals, ok
	})
	if alts == nil {
		return nil, ast.Errorf(s.ValuePos, "placeholder %%%s%% has no values: give them to the evaluator, or remove the expand modifier", missing)
	}
	return alts, nil
}

// text returns the text of a scalar event value.
func text(x any) (string, bool) {
	switch x := x.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case bool:
		return strconv.FormatBool(x), true
	case int8, int16, uint, uint8, uint16:
		return fmt.Sprint(x), true
	}
	return "", false
}

// number returns a scalar event value as a number: a JSON number, or a
// string holding one.
func number(x any) (float64, bool) {
	s, ok := text(x)
	if !ok {
		return 0, false
	}
	if _, isBool := x.(bool); isBool {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	// "Inf" and "NaN" are words to Sigma, not numbers.
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// numberEqual compares by text, then, when the event's value is a number,
// by numeric value: "4688" and 4688 are equal, and so are 11 and 11.0; a
// string is compared by its text only, so "04688" and "+4688" are not
// 4688 (as the package doc says, and as a query comparing the text does).
func numberEqual(n *ast.Number, x any) bool {
	if s, ok := text(x); ok && s == n.Text {
		return true
	}
	if _, isString := x.(string); isString {
		return false
	}
	f, ok := number(x)
	if !ok {
		return false
	}
	g, err := strconv.ParseFloat(n.Text, 64)
	return err == nil && f == g
}

func compare(c *ast.Compare, x any) bool {
	f, ok := number(x)
	if !ok {
		return false
	}
	g, err := strconv.ParseFloat(c.Number.Text, 64)
	if err != nil {
		return false
	}
	switch c.Op {
	case ast.Less:
		return f < g
	case ast.LessEqual:
		return f <= g
	case ast.Greater:
		return f > g
	}
	return f >= g
}

func inNetwork(c *ast.CIDR, x any) (bool, error) {
	p, err := netip.ParsePrefix(c.Network)
	if err != nil {
		return false, ast.Errorf(c.Pos(), "invalid CIDR network %q: %v", c.Network, err)
	}
	s, ok := text(x)
	if !ok {
		return false, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false, nil
	}
	return p.Masked().Contains(a.Unmap()), nil
}

// timeLayouts are the timestamp forms the time modifiers read.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"}

func timePart(tp *ast.TimePart, x any) bool {
	s, ok := text(x)
	if !ok {
		return false
	}
	want, ok := tp.Number.Int()
	if !ok {
		return false
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		_, week := t.ISOWeek()
		got := map[string]int{"minute": t.Minute(), "hour": t.Hour(), "day": t.Day(), "week": week, "month": int(t.Month()), "year": t.Year()}[tp.Part]
		return int64(got) == want
	}
	return false
}

// fieldRef compares x with the values of the referenced field.
func (e *evaluator) fieldRef(r *ast.FieldRef, x any) bool {
	other, ok := e.ev.Field(r.Field)
	if !ok {
		return false
	}
	s, ok := text(x)
	if !ok {
		return false
	}
	list, isList := other.([]any)
	if !isList {
		list = []any{other}
	}
	for _, o := range list {
		t, ok := text(o)
		if !ok {
			continue
		}
		if !r.Cased {
			s, t = strings.ToLower(s), strings.ToLower(t)
		}
		switch r.Match {
		case ast.MatchContains:
			ok = strings.Contains(s, t)
		case ast.MatchStartsWith:
			ok = strings.HasPrefix(s, t)
		case ast.MatchEndsWith:
			ok = strings.HasSuffix(s, t)
		default:
			ok = s == t
		}
		if ok {
			return true
		}
	}
	return false
}

// regexps caches compiled regular expressions by flags and pattern.
var regexps struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

// maxCachedRegexps bounds the cache: a long run of generated rules must not
// grow it without end.
const maxCachedRegexps = 4096

func compile(r *ast.Regex) (*regexp.Regexp, error) {
	key := r.Flags + "/" + r.Pattern
	regexps.Lock()
	defer regexps.Unlock()
	if re, ok := regexps.m[key]; ok {
		return re, nil
	}
	src := r.Pattern
	if r.Flags != "" {
		src = "(?" + r.Flags + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, ast.Errorf(r.Pos(), "regular expression %q cannot be evaluated: %v (the evaluator runs Go's RE2 engine, which has no look-around or back references)", clip(r.Pattern), err)
	}
	if regexps.m == nil || len(regexps.m) >= maxCachedRegexps {
		regexps.m = map[string]*regexp.Regexp{}
	}
	regexps.m[key] = re
	return re, nil
}

// clip shortens s for messages.
func clip(s string) string {
	const max = 80
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// describe names a rule value for messages.
func describe(v ast.Value) string {
	switch v := v.(type) {
	case *ast.String:
		return strconv.Quote(clip(v.Text()))
	case *ast.Number:
		return v.Text
	case *ast.Bool:
		return strconv.FormatBool(v.Value)
	case *ast.Null:
		return "null"
	case *ast.Regex:
		return fmt.Sprintf("re%s %q", flagSuffix(v.Flags), clip(v.Pattern))
	case *ast.CIDR:
		return "cidr " + v.Network
	case *ast.Compare:
		return v.Op.String() + " " + v.Number.Text
	case *ast.TimePart:
		return v.Part + " " + v.Number.Text
	case *ast.FieldRef:
		return "fieldref " + v.Field
	case *ast.Exists:
		return "exists " + strconv.FormatBool(v.Exists)
	case *ast.Expansion:
		if len(v.Values) == 0 {
			return "nothing"
		}
		return fmt.Sprintf("%s (one of %d spellings)", describe(v.Values[0]), len(v.Values))
	}
	return "value"
}

func flagSuffix(f string) string {
	if f == "" {
		return ""
	}
	return "|" + f
}

// describeEvent names what the event holds in a field, for messages.
func describeEvent(v any, present bool) string {
	if !present {
		return "event has no such field"
	}
	if list, ok := v.([]any); ok {
		parts := make([]string, 0, len(list))
		for _, x := range list {
			parts = append(parts, describeScalar(x))
		}
		return "event has [" + strings.Join(parts, ", ") + "]"
	}
	return "event has " + describeScalar(v)
}

func describeScalar(x any) string {
	if x == nil {
		return "null"
	}
	if s, ok := x.(string); ok {
		return strconv.Quote(clip(s))
	}
	if s, ok := text(x); ok {
		return s
	}
	if b, err := json.Marshal(x); err == nil {
		return "an object " + clip(string(b))
	}
	return fmt.Sprintf("a %T", x)
}
