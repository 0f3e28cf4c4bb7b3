package parser

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// A modify applies one value modifier to one value and returns an error
// message, "" when the modifier applies. name is the modifier's canonical
// name, which tells the members of a family (contains, startswith,
// endswith) apart.
type modify func(name string, mv *mval) string

// modifiers is the one list of the modifiers the parser knows, each under
// its canonical name with the function that applies it to a value. all and
// neq change the field match, not its values (see values), and have none.
var modifiers = map[string]modify{
	"contains": modAffix, "startswith": modAffix, "endswith": modAffix,
	"all": nil, "neq": nil,
	"exists": modExists, "cased": modCased, "windash": modWindash, "re": modRe,
	"i": modRegexFlag, "m": modRegexFlag, "s": modRegexFlag,
	"base64": modBase64, "base64offset": modBase64,
	"utf16le": modUTF16, "utf16be": modUTF16, "utf16": modUTF16,
	"lt": modCompare, "lte": modCompare, "gt": modCompare, "gte": modCompare,
	"minute": modTimePart, "hour": modTimePart, "day": modTimePart,
	"week": modTimePart, "month": modTimePart, "year": modTimePart,
	"cidr": modCIDR, "expand": modExpand, "fieldref": modFieldRef,
}

// modifierAliases maps the other spellings of modifiers to their canonical
// names.
var modifierAliases = map[string]string{
	"ignorecase": "i", "multiline": "m", "dotall": "s", "wide": "utf16le",
}

// canonicalModifier returns the canonical name of a modifier spelling and
// whether the parser knows it.
func canonicalModifier(spelling string) (string, bool) {
	if c, ok := modifierAliases[spelling]; ok {
		return c, true
	}
	_, ok := modifiers[spelling]
	return spelling, ok
}

// ModifierNames returns every modifier spelling the parser accepts.
func ModifierNames() []string {
	out := make([]string, 0, len(modifiers)+len(modifierAliases))
	for k := range modifiers {
		out = append(out, k)
	}
	for k := range modifierAliases {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mval is a value while modifiers are applied to it.
type mval struct {
	v        ast.Value
	raw      string // the scalar as written, for re, cidr, fieldref and expand
	pristine bool   // no modifier has changed the value yet
}

// values converts the scalars of a field match and applies its modifiers.
func (p *parser) values(fm *ast.FieldMatch, list *yaml.Node, scalars []*yaml.Node) {
	ok := true
	for i, m := range fm.Modifiers {
		c, known := canonicalModifier(m.Name)
		if !known {
			ok = false
			msg := fmt.Sprintf("unknown modifier %q", m.Name)
			if s := suggest.Nearest(m.Name, ModifierNames()); s != "" {
				msg += fmt.Sprintf(", did you mean '%s'?", s)
			} else if m.Name == "" {
				msg = "empty modifier: remove the extra '|'"
			}
			p.errs.Add(m.ModPos, msg)
			continue
		}
		fm.Modifiers[i].Name = c
	}
	if !ok {
		return
	}
	vals := make([]*mval, 0, len(scalars))
	for _, s := range scalars {
		vals = append(vals, p.scalarValue(s))
	}
	for _, m := range fm.Modifiers {
		switch m.Name {
		case "all":
			fm.All = true
			continue
		case "neq":
			fm.Negate = true
			continue
		}
		for _, v := range vals {
			if err := applyModifier(m.Name, v); err != "" {
				p.errs.Add(m.ModPos, err)
				return
			}
			v.pristine = false
			if e, ok := v.v.(*ast.Expansion); ok {
				p.alternatives += len(e.Values) - 1
				if p.alternatives > MaxAlternatives {
					p.errs.Addf(m.ModPos, "modifier '%s' expands the values of this file into more than %d alternatives", m.Name, MaxAlternatives)
					return
				}
			}
		}
	}
	for _, v := range vals {
		fm.Values = append(fm.Values, v.v)
	}
}

// scalarValue converts a YAML scalar into a Sigma value.
func (p *parser) scalarValue(n *yaml.Node) *mval {
	pos, _ := p.scalarStart(n)
	switch resolveScalar(n) {
	case scalarNull:
		return &mval{v: &ast.Null{ValuePos: pos}, pristine: true}
	case scalarBool:
		return &mval{v: &ast.Bool{ValuePos: pos, Value: boolValue(n.Value)}, raw: n.Value, pristine: true}
	case scalarInt:
		if t, ok := intText(n.Value); ok {
			return &mval{v: &ast.Number{ValuePos: pos, Text: t}, raw: n.Value, pristine: true}
		}
	case scalarFloat:
		if t, ok := floatText(n.Value); ok {
			return &mval{v: &ast.Number{ValuePos: pos, Text: t, Float: true}, raw: n.Value, pristine: true}
		}
	}
	return &mval{v: ast.ParseString(pos, n.Value), raw: n.Value, pristine: true}
}

// describe names a value for messages.
func describe(v ast.Value) string {
	switch v := v.(type) {
	case *ast.String:
		return fmt.Sprintf("string %q", clip(v.Text()))
	case *ast.Number:
		return "number " + v.Text
	case *ast.Bool:
		return fmt.Sprintf("boolean %v", v.Value)
	case *ast.Null:
		return "null"
	case *ast.Regex:
		return fmt.Sprintf("regular expression %q", clip(v.Pattern))
	case *ast.CIDR:
		return "network " + v.Network
	case *ast.FieldRef:
		return "field reference " + v.Field
	case *ast.Exists:
		return "exists test"
	case *ast.Compare:
		return "comparison"
	case *ast.TimePart:
		return "timestamp part"
	}
	return "value"
}

// applyModifier applies one value modifier; it returns an error message.
func applyModifier(name string, mv *mval) string {
	if e, ok := mv.v.(*ast.Expansion); ok {
		// Each alternative is modified; alternatives that expand in
		// turn (windash then base64offset) join the same flat list.
		out := make([]ast.Value, 0, len(e.Values))
		for _, x := range e.Values {
			sub := &mval{v: x}
			if err := applyModifier(name, sub); err != "" {
				return err
			}
			if se, ok := sub.v.(*ast.Expansion); ok {
				out = append(out, se.Values...)
				continue
			}
			out = append(out, sub.v)
		}
		e.Values = out
		return ""
	}
	if f := modifiers[name]; f != nil {
		return f(name, mv)
	}
	return ""
}

// notFor is the message for a modifier applied to a value it does not
// take; want names the values it takes.
func notFor(name string, mv *mval, want string) string {
	return fmt.Sprintf("modifier '%s' applies to %s, not to the %s", name, want, describe(mv.v))
}

// affixMatch is how contains, startswith and endswith compare a field
// with a referenced field.
var affixMatch = map[string]ast.MatchKind{"contains": ast.MatchContains, "startswith": ast.MatchStartsWith, "endswith": ast.MatchEndsWith}

// modAffix applies contains, startswith or endswith: a wildcard (or .* in
// a regular expression) on the open sides, unless one is there already.
func modAffix(name string, mv *mval) string {
	switch v := mv.v.(type) {
	case *ast.String:
		if name != "startswith" && !v.StartsWith(ast.WildcardMulti) {
			v.Prepend(ast.Part{Kind: ast.WildcardMulti})
		}
		if name != "endswith" && !v.EndsWith(ast.WildcardMulti) {
			v.Append(ast.Part{Kind: ast.WildcardMulti})
		}
	case *ast.Regex:
		if name != "startswith" && !strings.HasPrefix(v.Pattern, ".*") && !strings.HasPrefix(v.Pattern, "^") {
			v.Pattern = ".*" + v.Pattern
		}
		if name != "endswith" && !strings.HasSuffix(v.Pattern, ".*") && !strings.HasSuffix(v.Pattern, "$") {
			v.Pattern += ".*"
		}
	case *ast.FieldRef:
		if v.Match != ast.MatchEqual {
			return fmt.Sprintf("modifier '%s' cannot follow another of contains, startswith, endswith on a field reference", name)
		}
		v.Match = affixMatch[name]
	default:
		return notFor(name, mv, "strings, regular expressions and field references")
	}
	return ""
}

// modCased makes a string or a field comparison case-sensitive; a regular
// expression is already.
func modCased(name string, mv *mval) string {
	switch v := mv.v.(type) {
	case *ast.String:
		v.Cased = true
	case *ast.FieldRef:
		v.Cased = true
	case *ast.Regex:
	default:
		return notFor(name, mv, "strings")
	}
	return ""
}

// modBase64 applies base64, or base64offset: the three encodings at the
// offsets of a base64 stream.
func modBase64(name string, mv *mval) string {
	v, ok := mv.v.(*ast.String)
	if !ok {
		return notFor(name, mv, "strings")
	}
	if !v.IsPlain() {
		return fmt.Sprintf("modifier '%s' cannot encode the wildcards of %s: apply contains, startswith or endswith after it instead", name, describe(v))
	}
	b := stringBytes(v)
	if name == "base64" {
		mv.v = ast.NewString(v.ValuePos, base64.StdEncoding.EncodeToString(b))
		return ""
	}
	mv.v = base64Offsets(v.ValuePos, b)
	return ""
}

// modUTF16 applies utf16le, utf16be or utf16 (little-endian after a byte
// order mark).
func modUTF16(name string, mv *mval) string {
	v, ok := mv.v.(*ast.String)
	if !ok {
		return notFor(name, mv, "strings")
	}
	mv.v = encodeUTF16(v, name)
	return ""
}

// modWindash expands a string into its spellings with each flag dash.
func modWindash(name string, mv *mval) string {
	v, ok := mv.v.(*ast.String)
	if !ok {
		return notFor(name, mv, "strings")
	}
	e, n := windash(v)
	if e == nil {
		return fmt.Sprintf("modifier 'windash' would expand %s into %d^%d alternatives (%d flag dashes); the limit is %d flag dashes in one value", describe(v), len(windashChars), n, n, maxWindashFlags)
	}
	mv.v = e
	return ""
}

// modRe reads the value as written as a regular expression.
func modRe(name string, mv *mval) string {
	if _, ok := mv.v.(*ast.String); !ok || !mv.pristine {
		if !mv.pristine {
			return "modifier 're' must come first: it reads the value as written, so no other modifier may change it before"
		}
		return notFor(name, mv, "strings")
	}
	if err := checkRegex(mv.raw); err != "" {
		return fmt.Sprintf("invalid regular expression %q: %s", clip(mv.raw), err)
	}
	mv.v = &ast.Regex{ValuePos: mv.v.Pos(), Pattern: mv.raw}
	return ""
}

// modRegexFlag adds the flag i, m or s to a regular expression.
func modRegexFlag(name string, mv *mval) string {
	v, ok := mv.v.(*ast.Regex)
	if !ok {
		return fmt.Sprintf("modifier '%s' is a flag of 're': write 're|%s'", name, name)
	}
	if !strings.Contains(v.Flags, name) {
		v.Flags = sortFlags(v.Flags + name)
	}
	return ""
}

// modCIDR reads the value as written as a network.
func modCIDR(name string, mv *mval) string {
	if _, ok := mv.v.(*ast.String); !ok || !mv.pristine {
		return "modifier 'cidr' needs a network written as a string, e.g. '10.0.0.0/8', with no other modifier before it"
	}
	network := mv.raw
	if !strings.Contains(network, "/") {
		// A single address is a network of one address, as for
		// Python's ip_network, which the reference uses.
		if a, err := netip.ParseAddr(network); err == nil && a.Zone() == "" {
			network = netip.PrefixFrom(a, a.BitLen()).String()
		}
	}
	ip, _, err := net.ParseCIDR(network)
	if err != nil {
		return fmt.Sprintf("invalid CIDR network %q: expected an IPv4 or IPv6 network such as 10.0.0.0/8 or fe80::/10", clip(mv.raw))
	}
	mv.v = &ast.CIDR{ValuePos: mv.v.Pos(), Network: network, IPv6: ip.To4() == nil}
	return ""
}

// modExists turns true or false into a test that the field is present or
// absent.
func modExists(name string, mv *mval) string {
	v, ok := mv.v.(*ast.Bool)
	if !ok {
		return notFor(name, mv, "the booleans true and false")
	}
	mv.v = &ast.Exists{ValuePos: v.ValuePos, Exists: v.Value}
	return ""
}

// modExpand makes the %name% placeholders of a string Placeholder parts.
func modExpand(name string, mv *mval) string {
	v, ok := mv.v.(*ast.String)
	if !ok || v.Bytes {
		return notFor(name, mv, "strings")
	}
	if mv.pristine {
		mv.v = parsePlaceholders(v.Pos(), mv.raw)
	} else {
		// After contains, startswith or endswith: the placeholders
		// are in the literal text between the added wildcards.
		mv.v = expandLiterals(v)
	}
	return ""
}

// modFieldRef reads the value as written as the name of a field to compare
// with.
func modFieldRef(name string, mv *mval) string {
	if _, ok := mv.v.(*ast.String); !ok || !mv.pristine {
		return "modifier 'fieldref' needs a field name written as a string, with no other modifier before it"
	}
	mv.v = &ast.FieldRef{ValuePos: mv.v.Pos(), Field: mv.raw}
	return ""
}

// compareOps are the comparisons of the modifiers lt, lte, gt and gte.
var compareOps = map[string]ast.CompareOp{"lt": ast.Less, "lte": ast.LessEqual, "gt": ast.Greater, "gte": ast.GreaterEqual}

// modCompare applies lt, lte, gt or gte to a number.
func modCompare(name string, mv *mval) string {
	v, ok := mv.v.(*ast.Number)
	if !ok {
		return notFor(name, mv, "numbers")
	}
	mv.v = &ast.Compare{ValuePos: v.ValuePos, Op: compareOps[name], Number: v}
	return ""
}

// modTimePart compares a part of a timestamp (minute, hour, day, week,
// month or year) with a number.
func modTimePart(name string, mv *mval) string {
	v, ok := mv.v.(*ast.Number)
	if !ok {
		return notFor(name, mv, "numbers")
	}
	mv.v = &ast.TimePart{ValuePos: v.ValuePos, Part: name, Number: v}
	return ""
}

func sortFlags(f string) string {
	var b strings.Builder
	for _, c := range "ims" {
		if strings.ContainsRune(f, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// stringBytes returns the bytes a plain string stands for: the UTF-8 text,
// or the raw bytes after a utf16 modifier.
func stringBytes(s *ast.String) []byte {
	text := s.Plain()
	if !s.Bytes {
		return []byte(text)
	}
	b := make([]byte, 0, len(text))
	for _, r := range text {
		b = append(b, byte(r))
	}
	return b
}

// base64Offsets returns the three encodings of b at the offsets 0, 1 and 2
// of a base64 stream, without the characters that depend on the
// neighbouring bytes.
func base64Offsets(pos ast.Pos, b []byte) *ast.Expansion {
	start := [3]int{0, 2, 3}
	e := &ast.Expansion{ValuePos: pos}
	for i := 0; i < 3; i++ {
		buf := append(make([]byte, i, i+len(b)), b...)
		for j := 0; j < i; j++ {
			buf[j] = ' '
		}
		enc := base64.StdEncoding.EncodeToString(buf)
		end := len(enc)
		switch (len(b) + i) % 3 {
		case 1:
			end -= 3
		case 2:
			end -= 2
		}
		if end < start[i] {
			end = start[i]
		}
		e.Values = append(e.Values, ast.NewString(pos, enc[start[i]:end]))
	}
	return e
}

// encodeUTF16 encodes the literals of s as UTF-16 bytes, one rune per byte.
func encodeUTF16(s *ast.String, variant string) *ast.String {
	out := &ast.String{ValuePos: s.ValuePos, Cased: s.Cased, Bytes: true}
	if variant == "utf16" {
		out.Append(ast.Part{Kind: ast.Literal, Text: string([]rune{0xff, 0xfe})})
	}
	for _, p := range s.Parts {
		if p.Kind != ast.Literal {
			out.Append(p)
			continue
		}
		var b strings.Builder
		for _, u := range utf16.Encode([]rune(p.Text)) {
			lo, hi := rune(u&0xff), rune(u>>8)
			if variant == "utf16be" {
				lo, hi = hi, lo
			}
			b.WriteRune(lo)
			b.WriteRune(hi)
		}
		out.Append(ast.Part{Kind: ast.Literal, Text: b.String()})
	}
	return out
}

// windashChars are the characters windash turns into each other, in the
// order of the alternatives it produces.
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

func isWindash(r rune) bool {
	return r == '-' || r == '/' || r == '\u2013' || r == '\u2014' || r == '\u2015'
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// maxWindashFlags is the largest number of flag dashes in one value that
// windash expands: the alternatives grow as 5^flags (3125 for 5 flags).
const maxWindashFlags = 5

// windash returns every spelling of s with each command-line flag dash
// (a dash at the start of a word) replaced by each of the dash characters.
// It returns nil and the number of flag dashes when there are more than
// maxWindashFlags of them.
func windash(s *ast.String) (*ast.Expansion, int) {
	type slot struct{ part, index int } // rune index in a literal
	var slots []slot
	runes := make([][]rune, len(s.Parts))
	for i, p := range s.Parts {
		if p.Kind != ast.Literal {
			continue
		}
		rs := []rune(p.Text)
		runes[i] = rs
		for j, r := range rs {
			if !isWindash(r) {
				continue
			}
			if j > 0 && isWordRune(rs[j-1]) {
				continue
			}
			if j+1 >= len(rs) || !isWordRune(rs[j+1]) {
				continue
			}
			slots = append(slots, slot{i, j})
		}
	}
	e := &ast.Expansion{ValuePos: s.ValuePos}
	if len(slots) == 0 {
		e.Values = []ast.Value{s}
		return e, 0
	}
	if len(slots) > maxWindashFlags {
		return nil, len(slots)
	}
	n := 1
	for range slots {
		n *= len(windashChars)
	}
	for k := 0; k < n; k++ {
		choice := make([]int, len(slots))
		rem := k
		for i := len(slots) - 1; i >= 0; i-- {
			choice[i] = rem % len(windashChars)
			rem /= len(windashChars)
		}
		v := &ast.String{ValuePos: s.ValuePos, Cased: s.Cased, Bytes: s.Bytes}
		for i, p := range s.Parts {
			if p.Kind != ast.Literal {
				v.Append(p)
				continue
			}
			rs := append([]rune(nil), runes[i]...)
			var b strings.Builder
			for j, r := range rs {
				replaced := false
				for si, sl := range slots {
					if sl.part == i && sl.index == j {
						b.WriteString(windashChars[choice[si]])
						replaced = true
						break
					}
				}
				if !replaced {
					b.WriteRune(r)
				}
			}
			v.Append(ast.Part{Kind: ast.Literal, Text: b.String()})
		}
		e.Values = append(e.Values, v)
	}
	return e, len(slots)
}

// expandLiterals returns s with the %name% placeholders of its literal
// parts made Placeholder parts; "\%" is a literal percent sign.
func expandLiterals(s *ast.String) *ast.String {
	out := &ast.String{ValuePos: s.ValuePos, Cased: s.Cased}
	for _, p := range s.Parts {
		if p.Kind != ast.Literal {
			out.Append(p)
			continue
		}
		var lit strings.Builder
		for _, q := range parsePlaceholders(s.ValuePos, escapeWildcards(p.Text)).Parts {
			if q.Kind == ast.Literal {
				lit.WriteString(q.Text)
				continue
			}
			if lit.Len() > 0 {
				out.Append(ast.Part{Kind: ast.Literal, Text: lit.String()})
				lit.Reset()
			}
			out.Append(q)
		}
		if lit.Len() > 0 {
			out.Append(ast.Part{Kind: ast.Literal, Text: lit.String()})
		}
	}
	return out
}

// escapeWildcards escapes the characters that parsePlaceholders reads as
// wildcards or escapes, keeping "\%" for a literal percent sign.
func escapeWildcards(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '%':
			b.WriteString(`\%`)
			i++
		case c == '*' || c == '?' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parsePlaceholders reads a value under the expand modifier: "%name%" is a
// placeholder, "\%" a literal percent sign; wildcards and other escapes
// follow the usual rules.
func parsePlaceholders(pos ast.Pos, raw string) *ast.String {
	out := &ast.String{ValuePos: pos}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out.Append(ast.Part{Kind: ast.Literal, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw) && strings.IndexByte(`*?\%`, raw[i+1]) >= 0:
			lit.WriteByte(raw[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			k := ast.WildcardMulti
			if c == '?' {
				k = ast.WildcardSingle
			}
			out.Append(ast.Part{Kind: k})
		case c == '%':
			end := strings.IndexByte(raw[i+1:], '%')
			if end <= 0 {
				lit.WriteByte(c)
				continue
			}
			flush()
			out.Append(ast.Part{Kind: ast.Placeholder, Text: raw[i+1 : i+1+end]})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// checkRegex reports syntax errors in a regular expression. Constructs of
// PCRE that the Go engine lacks (look-around, back references) are
// accepted: the regular expression is checked, not run.
func checkRegex(re string) string {
	_, err := syntax.Parse(re, syntax.Perl)
	if err == nil {
		return ""
	}
	e, ok := err.(*syntax.Error)
	if !ok {
		return err.Error()
	}
	switch e.Code {
	case syntax.ErrInvalidPerlOp, syntax.ErrInvalidEscape, syntax.ErrInvalidRepeatSize, syntax.ErrInvalidNamedCapture, syntax.ErrLarge, syntax.ErrNestingDepth:
		return ""
	case syntax.ErrMissingParen:
		return "missing closing ')'"
	case syntax.ErrUnexpectedParen:
		return "unexpected ')'"
	case syntax.ErrMissingBracket:
		return "missing closing ']'"
	case syntax.ErrMissingRepeatArgument:
		return fmt.Sprintf("nothing to repeat before %q", e.Expr)
	case syntax.ErrTrailingBackslash:
		return "trailing backslash"
	}
	return string(e.Code) + " " + fmt.Sprintf("%q", e.Expr)
}
