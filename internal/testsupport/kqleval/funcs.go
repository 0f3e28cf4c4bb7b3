package kqleval

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// A function is a scalar function: its arity (max -1 for any number) and
// its body. Adding a function is adding an entry to functions.
type function struct {
	min, max int
	fn       func(args []Value) (Value, error)
}

// functions are the scalar functions the evaluator knows, with the
// semantics of the Kusto documentation (learn.microsoft.com/kusto/query/<name>-function).
var functions = map[string]function{
	// not(): "Reverses the value of its bool argument."
	"not": {1, 1, func(a []Value) (Value, error) { return boolOf("not()", a[0], func(b bool) bool { return !b }) }},
	// isempty(): "true if the argument is an empty string or is null".
	"isempty":    {1, 1, func(a []Value) (Value, error) { return isEmpty(a[0]), nil }},
	"isnotempty": {1, 1, func(a []Value) (Value, error) { return !isEmpty(a[0]), nil }},
	// isnull(): true for null only; a string is never null (a missing
	// string is "").
	"isnull":    {1, 1, func(a []Value) (Value, error) { return a[0] == nil, nil }},
	"isnotnull": {1, 1, func(a []Value) (Value, error) { return a[0] != nil, nil }},
	"tostring":  {1, 1, func(a []Value) (Value, error) { return toString(a[0]), nil }},
	"tolong":    {1, 1, func(a []Value) (Value, error) { return toLong(a[0], math.MinInt64, math.MaxInt64), nil }},
	"toint":     {1, 1, func(a []Value) (Value, error) { return toLong(a[0], math.MinInt32, math.MaxInt32), nil }},
	"toreal":    {1, 1, func(a []Value) (Value, error) { return toRealConv(a[0]), nil }},
	"todouble":  {1, 1, func(a []Value) (Value, error) { return toRealConv(a[0]), nil }},
	"tolower":   {1, 1, func(a []Value) (Value, error) { return strings.ToLower(toString(a[0])), nil }},
	"toupper":   {1, 1, func(a []Value) (Value, error) { return strings.ToUpper(toString(a[0])), nil }},
	"strlen":    {1, 1, func(a []Value) (Value, error) { return int64(len([]rune(toString(a[0])))), nil }},
	"strcat":    {1, 64, strcat},
	// extract(regex, captureGroup, source): the text the group (0: the
	// whole match) matched at the first match of the RE2 regex; "no
	// match" gives the empty string (a string is never null).
	"extract": {3, 3, extract},
	// parse_json(): a string that is not valid JSON gives a dynamic
	// holding the original string; a dynamic is used as is.
	"parse_json": {1, 1, parseJSON},
	"todynamic":  {1, 1, parseJSON},
	"parse_xml":  {1, 1, parseXML}, // xml.go
	"bag_pack":   {0, -1, bagPack},
	"pack":       {0, -1, bagPack},
	// coalesce(): "the value of the first arg whose value isn't null (or
	// not-empty for string expressions)"; null when there is none.
	"coalesce": {1, 64, coalesce},
	"iff":      {3, 3, iff},
	"iif":      {3, 3, iff},
	// ipv4_is_in_range(ip, range): range is an address with an optional
	// /prefix; null when either does not convert.
	"ipv4_is_in_range": {2, 2, func(a []Value) (Value, error) { return ipInRange(a[0], a[1], false) }},
	"ipv6_is_in_range": {2, 2, func(a []Value) (Value, error) { return ipInRange(a[0], a[1], true) }},
	// ipv4_is_match(ip1, ip2[, prefix]): equal under the shortest of the
	// prefixes written on either address and the third argument.
	"ipv4_is_match": {2, 3, ipv4Match},
}

// readsText are the functions that read a number or an address from a
// string. Their pages do not say whether spaces around the text are
// skipped, so a result that depends on it is an error (see undocumented),
// not a guess.
var readsText = map[string]bool{"tolong": true, "toint": true, "toreal": true, "todouble": true,
	"ipv4_is_in_range": true, "ipv6_is_in_range": true, "ipv4_is_match": true}

// undocumented reports an error when f gives another result on args
// with the spaces around their strings removed.
func undocumented(name string, f function, args []Value, got Value) error {
	trimmed := make([]Value, len(args))
	changed := false
	for i, a := range args {
		trimmed[i] = a
		if s, ok := a.(string); ok && strings.TrimSpace(s) != s {
			trimmed[i], changed = strings.TrimSpace(s), true
		}
	}
	if !changed {
		return nil
	}
	if v, err := f.fn(trimmed); err == nil && v != got {
		return fmt.Errorf("the result depends on the spaces around a string argument, and the documentation of %s() does not say whether they are skipped", name)
	}
	return nil
}

func known[T any](m map[string]T) string {
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func boolOf(what string, v Value, f func(bool) bool) (Value, error) {
	switch b := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return f(b), nil
	}
	return nil, fmt.Errorf("%s of a %s, expected a bool", what, typeName(v))
}

func isEmpty(v Value) bool {
	s, isStr := v.(string)
	return v == nil || (isStr && s == "")
}

func toLong(v Value, lo, hi int64) Value {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		if math.IsNaN(x) || x < float64(lo) || x > float64(hi) {
			return nil
		}
		n = int64(x)
	case bool:
		if x {
			n = 1
		}
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(x, 64)
			if ferr != nil {
				return nil
			}
			return toLong(f, lo, hi)
		}
		n = i
	default:
		return nil
	}
	if n < lo || n > hi {
		return nil
	}
	return n
}

func toRealConv(v Value) Value {
	switch x := v.(type) {
	case int64, float64:
		return toReal(x)
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return nil
		}
		return f
	}
	return nil
}

func strcat(a []Value) (Value, error) {
	var b strings.Builder
	for _, v := range a {
		b.WriteString(toString(v))
	}
	return b.String(), nil
}

func extract(a []Value) (Value, error) {
	pat, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("extract() needs a string regex, found a %s", typeName(a[0]))
	}
	group, ok := a[1].(int64)
	if !ok || group < 0 {
		return nil, fmt.Errorf("extract() needs a capture group number, found %v", a[1])
	}
	re, err := cachedRegexp(pat)
	if err != nil {
		return nil, fmt.Errorf("extract(): invalid RE2 pattern: %v", err)
	}
	if int(group) > re.NumSubexp() {
		return nil, fmt.Errorf("extract(): the regex has no capture group %d", group)
	}
	if a[2] == nil {
		return "", nil
	}
	m := re.FindStringSubmatch(toString(a[2]))
	if m == nil {
		return "", nil
	}
	return m[group], nil
}

// regexps caches the compiled patterns of matches regex and extract().
// Kusto's regular expressions are RE2, as Go's regexp.
var regexps sync.Map

func cachedRegexp(pat string) (*regexp.Regexp, error) {
	if re, ok := regexps.Load(pat); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	regexps.Store(pat, re)
	return re, nil
}

func parseJSON(a []Value) (Value, error) {
	s, ok := a[0].(string)
	if !ok {
		return a[0], nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return s, nil
	}
	return fromJSON(v), nil
}

func bagPack(a []Value) (Value, error) {
	if len(a)%2 != 0 {
		return nil, fmt.Errorf("bag_pack() needs key, value pairs; got %d arguments", len(a))
	}
	bag := map[string]any{}
	for i := 0; i < len(a); i += 2 {
		k, ok := a[i].(string)
		if !ok {
			return nil, fmt.Errorf("bag_pack() key %d is a %s, expected a string", i/2+1, typeName(a[i]))
		}
		bag[k] = a[i+1]
	}
	return bag, nil
}

func coalesce(a []Value) (Value, error) {
	for _, v := range a {
		if !isEmpty(v) {
			return v, nil
		}
	}
	return a[len(a)-1], nil
}

func iff(a []Value) (Value, error) {
	if b, ok := a[0].(bool); ok && b {
		return a[1], nil
	}
	return a[2], nil
}

// prefix reads an address with an optional /bits. IPv4 addresses are read
// as IPv4-mapped IPv6 ones when v6 is set.
func prefix(v Value, v6 bool) (netip.Prefix, bool) {
	s, ok := v.(string)
	if !ok {
		return netip.Prefix{}, false
	}
	addr, bits, hasBits := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || (!v6 && !a.Is4()) {
		return netip.Prefix{}, false
	}
	n := a.BitLen()
	if hasBits {
		n, err = strconv.Atoi(bits)
		if err != nil || n < 0 || n > a.BitLen() {
			return netip.Prefix{}, false
		}
	}
	if v6 && a.Is4() {
		a, n = netip.AddrFrom16(a.As16()), n+96
	}
	return netip.PrefixFrom(a, n), true
}

// ipInRange is ipv4_is_in_range or ipv6_is_in_range. An IPv6 address
// with a zone index (fe80::1%eth0) is an error: the functions' pages do not
// say whether the zone is read, skipped or makes the address invalid.
func ipInRange(ip, rng Value, v6 bool) (Value, error) {
	for _, v := range []Value{ip, rng} {
		if s, ok := v.(string); ok && strings.Contains(s, "%") {
			if _, err := netip.ParseAddr(strings.SplitN(s, "/", 2)[0]); err == nil {
				return nil, fmt.Errorf("the address %q has a zone index, and the documentation of the ip*_is_in_range() functions does not say how one is read", s)
			}
		}
	}
	a, ok1 := prefix(ip, v6)
	r, ok2 := prefix(rng, v6)
	if !ok1 || !ok2 {
		return nil, nil
	}
	r = r.Masked()
	return r.Contains(a.Addr()), nil
}

func ipv4Match(a []Value) (Value, error) {
	p1, ok1 := prefix(a[0], false)
	p2, ok2 := prefix(a[1], false)
	if !ok1 || !ok2 {
		return nil, nil
	}
	bits := min(p1.Bits(), p2.Bits())
	if len(a) == 3 {
		n, ok := a[2].(int64)
		if !ok || n < 0 || n > 32 {
			return nil, nil
		}
		bits = min(bits, int(n))
	}
	m1, _ := p1.Addr().Prefix(bits)
	m2, _ := p2.Addr().Prefix(bits)
	return m1 == m2, nil
}
