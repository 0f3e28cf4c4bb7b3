package kqleval

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The operators, one table entry each. Facts from the Kusto documentation,
// "String operators" (learn.microsoft.com/kusto/query/datatypes-string-operators):
// operators with the _cs suffix are case-sensitive, the others not, except
// == and != which are case-sensitive; =~ and !~ are the case-insensitive
// equalities.

// comparisons are the typed relational operators.
var comparisons = map[string]func(c int) bool{
	"==": func(c int) bool { return c == 0 },
	"!=": func(c int) bool { return c != 0 },
	"<":  func(c int) bool { return c < 0 },
	"<=": func(c int) bool { return c <= 0 },
	">":  func(c int) bool { return c > 0 },
	">=": func(c int) bool { return c >= 0 },
}

// stringOps are the string predicates; "!" before a name (and !~ for =~)
// negates it.
var stringOps = map[string]func(l, r string) bool{
	"=~":            func(l, r string) bool { return fold(l) == fold(r) },
	"contains":      func(l, r string) bool { return strings.Contains(fold(l), fold(r)) },
	"contains_cs":   strings.Contains,
	"startswith":    func(l, r string) bool { return strings.HasPrefix(fold(l), fold(r)) },
	"startswith_cs": strings.HasPrefix,
	"endswith":      func(l, r string) bool { return strings.HasSuffix(fold(l), fold(r)) },
	"endswith_cs":   strings.HasSuffix,
	"has":           func(l, r string) bool { return hasTerm(fold(l), fold(r), true, true) },
	"has_cs":        func(l, r string) bool { return hasTerm(l, r, true, true) },
	"hasprefix":     func(l, r string) bool { return hasTerm(fold(l), fold(r), true, false) },
	"hasprefix_cs":  func(l, r string) bool { return hasTerm(l, r, true, false) },
	"hassuffix":     func(l, r string) bool { return hasTerm(fold(l), fold(r), false, true) },
	"hassuffix_cs":  func(l, r string) bool { return hasTerm(l, r, false, true) },
}

// stringOp finds a string operator; negated is true for the ! forms.
func stringOp(name string) (fn func(l, r string) bool, negated bool) {
	if name == "!~" {
		return stringOps["=~"], true
	}
	if fn := stringOps[name]; fn != nil {
		return fn, false
	}
	if rest, ok := strings.CutPrefix(name, "!"); ok {
		return stringOps[rest], true
	}
	return nil, false
}

func isStringOp(name string) bool { fn, _ := stringOp(name); return fn != nil }

// listOps are the operators with a list on their right. Each gets the
// left value and the list, flattened (a dynamic array in the list counts
// as its elements).
var listOps = map[string]func(l Value, list []Value) (Value, error){
	"in":      func(l Value, list []Value) (Value, error) { return anyEqual(l, list, false) },
	"in~":     func(l Value, list []Value) (Value, error) { return anyEqual(l, list, true) },
	"!in":     func(l Value, list []Value) (Value, error) { return not(anyEqual(l, list, false)) },
	"!in~":    func(l Value, list []Value) (Value, error) { return not(anyEqual(l, list, true)) },
	"has_any": func(l Value, list []Value) (Value, error) { return hasList(l, list, false), nil },
	"has_all": func(l Value, list []Value) (Value, error) { return hasList(l, list, true), nil },
}

// fold maps a string to lower case, rune by rune, for the case-insensitive
// operators.
func fold(s string) string { return strings.Map(unicode.ToLower, s) }

// hasTerm is the has family. "By default, each string value is broken
// into maximal sequences of alphanumeric characters, and each of those
// sequences is made into a term"; has matches whole terms ("North
// America" has "america"; "KustoExplorerQueryRun" has "Explorer" is
// false), hasprefix a term prefix, hassuffix a term suffix. A needle that
// holds several terms (with punctuation) matches where its own edges fall
// on term edges of the value. The documented 3-character minimum concerns
// the term index (speed), not the result.
func hasTerm(l, r string, start, end bool) bool {
	if r == "" {
		return true
	}
	first, _ := utf8First(r)
	last, _ := utf8Last(r)
	for off := 0; off <= len(l)-len(r); {
		i := strings.Index(l[off:], r)
		if i < 0 {
			return false
		}
		i += off
		okStart := !start || !isAlnum(first) || i == 0 || !isAlnum(runeBefore(l, i))
		okEnd := !end || !isAlnum(last) || i+len(r) == len(l) || !isAlnum(runeAt(l, i+len(r)))
		if okStart && okEnd {
			return true
		}
		_, size := utf8First(l[i:])
		off = i + size
	}
	return false
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// anyEqual is in: == with any element of the list, so that null is in no
// list (null == x is false).
func anyEqual(l Value, list []Value, fold bool) (Value, error) {
	if l == nil {
		return false, nil
	}
	for _, e := range list {
		if e == nil {
			continue
		}
		if ls, ok := l.(string); ok && fold {
			if es, ok := e.(string); ok && stringOps["=~"](ls, es) {
				return true, nil
			}
			continue
		}
		c, ok := compare(l, e)
		if !ok {
			return nil, fmt.Errorf("cannot compare %s with %s in a list", typeName(l), typeName(e))
		}
		if c == 0 {
			return true, nil
		}
	}
	return false, nil
}

func hasList(l Value, list []Value, all bool) bool {
	s := toString(l)
	for _, e := range list {
		if stringOps["has"](s, toString(e)) != all {
			return !all
		}
	}
	return all
}

func not(v Value, err error) (Value, error) {
	if b, ok := v.(bool); ok {
		return !b, err
	}
	return v, err
}

func utf8First(s string) (rune, int)  { return utf8.DecodeRuneInString(s) }
func utf8Last(s string) (rune, int)   { return utf8.DecodeLastRuneInString(s) }
func runeBefore(s string, i int) rune { r, _ := utf8.DecodeLastRuneInString(s[:i]); return r }
func runeAt(s string, i int) rune     { r, _ := utf8.DecodeRuneInString(s[i:]); return r }
