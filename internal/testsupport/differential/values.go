package differential

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/roundtrip"
)

// atoms are the pieces of generated text: words of command lines and
// paths, quotes, backslashes, characters special to YAML, KQL or regular
// expressions, controls, digits, and letters outside ASCII. Letters whose
// lower case and case fold differ (İ, ı, ſ, ς) are left out: Sigma does
// not define case-insensitivity beyond ASCII, and Kusto's documentation
// does not say which of the two it uses.
var atoms = []string{
	"cmd", ".exe", "powershell", " -enc ", "/c", `C:\Windows\`, `\System32\`, `\\srv\share`, "%TEMP%", "admin", "NT AUTHORITY",
	"a", "B", "x", "Z", "0", "42", "4688", " ", "  ", "\t", "\n", "\r\n", "\x01", `"`, `'`, `\`, `\\`, `\*`, "*", "?",
	".", "^", "$", "(", ")", "[", "]", "{", "}", "|", "+", ";", ":", "=", "#", "@", "`", "//", "/*", "--", "&&",
	"é", "É", "Ä", "ω", "Ω", "Ж", "ж", "ß", "中文", "😀", "\u00a0", "\u2028",
}

// word returns one to three atoms.
func (g *gen) word() string {
	var b strings.Builder
	for n := 1 + g.pick(3); n > 0; n-- {
		b.WriteString(oneOf(g, atoms))
	}
	return b.String()
}

// literal returns a word, or a text of the pool of field when there is
// one, so that the values of a rule are often related.
func (g *gen) literal(field string) string {
	if p := g.pool[field]; len(p) > 0 && g.chance(1, 4) {
		if s := g.mutate(oneOf(g, p)); s != "" {
			return s
		}
	}
	return g.word()
}

func (g *gen) add(field, text string) {
	if text != "" {
		g.pool[field] = append(g.pool[field], text)
	}
}

// item returns the key (field and modifiers) and the values, as YAML
// scalars, of one search item, and adds texts near its values to the
// pools. Left out: expand (a placeholder without values is an error on
// both sides, and with values it is a list of strings, which stringItem
// covers) and the time modifiers (minute ... year: the table has no
// datetime column, and kqleval no datetime function).
func (g *gen) item() (string, []string) {
	field := oneOf(g, stringFields)
	switch x := g.pick(40); {
	case x < 18:
		return g.stringItem(field)
	case x < 22:
		return g.regexItem(field)
	case x < 24:
		return g.cidrItem()
	case x < 28:
		return g.numberItem()
	case x < 30:
		return g.existsItem()
	case x < 32:
		return g.windashItem(field)
	case x < 35:
		return g.base64Item(field)
	case x < 37:
		return g.fieldrefItem(field)
	case x < 38:
		return g.nullItem()
	}
	return g.boolItem(field)
}

// stringItem is a field with strings: no modifier, contains, startswith or
// endswith, maybe cased, all or neq, with wildcards and escapes.
func (g *gen) stringItem(field string) (string, []string) {
	key := field + oneOf(g, []string{"", "", "|contains", "|startswith", "|endswith"})
	if g.chance(1, 6) {
		key += "|cased"
	}
	n := g.count()
	if n > 1 && g.chance(1, 5) {
		key += "|all"
	}
	if g.chance(1, 12) {
		key += "|neq"
	}
	var vals []string
	for range n {
		vals = append(vals, g.stringValue(field))
	}
	return key, vals
}

// count is the number of values of an item: mostly one.
func (g *gen) count() int {
	if g.chance(2, 3) {
		return 1
	}
	return 2 + g.pick(3)
}

// stringValue returns a Sigma string: a literal with, sometimes, a "*" at
// either end, or a "*" or "?" inside (innerWildcard). A value
// that matches the empty text ("", "*") is left out too: Kusto reads an
// absent string column as "", where such a value matches, while Sigma's
// absent field matches nothing; both are right in their own model.
func (g *gen) stringValue(field string) string {
	lit := g.literal(field)
	if g.chance(1, 10) {
		lit = strings.ToUpper(lit)
	}
	g.add(field, lit)
	if innerWildcards && g.chance(1, 6) {
		return g.innerWildcard(lit)
	}
	return g.stringValueOf(lit)
}

// innerWildcards turns on wildcards inside the values of fields: the
// printer writes them as an anchored, case-insensitive regular expression
// (golden/DEVIATIONS.md), where the reference's was unanchored and cased.
const innerWildcards = true

// stringValueOf writes a literal, not empty, as a Sigma string with maybe
// a "*" at either end.
func (g *gen) stringValueOf(lit string) string {
	parts := []ast.Part{{Kind: ast.Literal, Text: lit}}
	star := ast.Part{Kind: ast.WildcardMulti}
	if g.chance(1, 5) {
		parts = append([]ast.Part{star}, parts...)
	}
	if g.chance(1, 5) {
		parts = append(parts, star)
	}
	return g.scalar(roundtrip.Escape(g.rng, parts))
}

// scalar writes text as a YAML scalar: plain when YAML reads it back as
// the same string, else single- or double-quoted.
func (g *gen) scalar(text string) string {
	if plainScalar.MatchString(text) && !yamlWords[strings.ToLower(text)] && g.chance(1, 2) {
		return text
	}
	if !strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0x80 }) && g.chance(1, 2) {
		return "'" + strings.ReplaceAll(text, "'", "''") + "'"
	}
	return roundtrip.Quote(text)
}

// plainScalar is text safe as a plain YAML scalar that is not a number.
var plainScalar = regexp.MustCompile(`^[A-Za-z\\][A-Za-z0-9 ._%\\/-]*[A-Za-z0-9._%\\/-]$`)

// yamlWords are plain scalars YAML reads as booleans or null.
var yamlWords = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true, "nan": true, "inf": true}

// regexParts are the pieces of generated regular expressions, each with a
// text it matches. Both evaluators run Go's RE2, which is also Kusto's
// engine; what is tested is how the printer carries the pattern and its
// flags into a KQL literal.
var regexParts = [][2]string{
	{"a", "a"}, {"[a-z]+", "abc"}, {`\d+`, "42"}, {".", "x"}, {".*", "q"}, {`\\`, `\`}, {`\.`, "."}, {"(exe|dll)", "dll"},
	{"[^/]", "q"}, {"x?", "x"}, {"é", "é"}, {`\s`, " "}, {"(?:ab)+", "abab"}, {"[A-Z]{2,3}", "AB"}, {`\n`, "\n"},
	{`"`, `"`}, {`'`, `'`}, {`\*`, "*"}, {"[\\\\/]", "/"}, {"C:", "c:"},
}

// regexItem is a field with re and some of the flags i, m, s.
func (g *gen) regexItem(field string) (string, []string) {
	key := field + "|re"
	flags := ""
	for _, f := range []string{"i", "m", "s"} {
		if g.chance(1, 4) {
			key += "|" + f
			flags += f
		}
	}
	var vals []string
	for n := g.count(); n > 0; n-- {
		vals = append(vals, g.scalar(g.regex(field, flags)))
	}
	return key, vals
}

// regex returns a pattern and adds a text it matches to the pool. A
// pattern that matches the empty text gets one more piece (see
// stringValue on the empty text).
func (g *gen) regex(field, flags string) string {
	var re, sample strings.Builder
	if g.chance(1, 4) {
		re.WriteString("^")
	}
	for n := 1 + g.pick(3); n > 0 || matchesEmpty(re.String(), flags); n-- {
		if g.chance(1, 4) {
			lit := g.literal(field)
			re.WriteString(regexp.QuoteMeta(lit))
			sample.WriteString(lit)
			continue
		}
		p := oneOf(g, regexParts)
		re.WriteString(p[0])
		sample.WriteString(p[1])
	}
	if g.chance(1, 4) {
		re.WriteString("$")
	}
	g.add(field, sample.String())
	return re.String()
}

func matchesEmpty(re, flags string) bool {
	if flags != "" {
		re = "(?" + flags + ")" + re
	}
	return regexp.MustCompile(re).MatchString("")
}

// networks are the cidr values; addresses are texts near them.
var (
	networks  = []string{"10.0.0.0/8", "192.168.1.0/24", "172.16.0.0/12", "10.1.2.3/32", "127.0.0.0/8", "2001:db8::/32", "fe80::/10", "::1/128"}
	addresses = []string{"10.1.2.3", "10.255.255.255", "11.0.0.1", "9.255.255.255", "192.168.1.77", "192.168.2.1", "172.31.255.255",
		"172.32.0.1", "127.0.0.1", "2001:db8::1", "2001:db9::1", "fe80::1", "FE80::ABCD", "::1", "::2", "1.2.3.4"}
)

func (g *gen) cidrItem() (string, []string) {
	var vals []string
	for n := g.count(); n > 0; n-- {
		vals = append(vals, g.scalar(oneOf(g, networks)))
	}
	for range 3 {
		g.add("Ip", oneOf(g, addresses))
	}
	return "Ip|cidr", vals
}

// numberItem compares a long field, or a string field holding digits,
// with numbers: equality (as a YAML number or a string) or lt, lte, gt,
// gte.
func (g *gen) numberItem() (string, []string) {
	field := oneOf(g, longFields)
	if g.chance(1, 4) {
		field = oneOf(g, stringFields)
	}
	n := oneOf(g, []int64{0, 1, 4, 443, 4688, 65535, -1})
	g.nums[field] = append(g.nums[field], n)
	text := strconv.FormatInt(n, 10)
	// Other spellings of the number, for string fields. Not " 4688" or
	// "4688.5": the printer compares a string column with tolong(), and
	// Kusto's documentation does not say how it reads spaces or fractions.
	for _, f := range []string{"%d", "%d", "0%d", "%d.0", "+%d", "x%d"} {
		g.add(field, fmt.Sprintf(f, n))
	}
	if g.chance(1, 6) {
		text += ".5"
	}
	if g.chance(1, 3) {
		op := oneOf(g, []string{"|lt", "|lte", "|gt", "|gte"})
		return field + op, []string{text}
	}
	if g.chance(1, 3) {
		text = g.scalar(text) // a string of digits
	}
	return field, []string{text}
}

func (g *gen) existsItem() (string, []string) {
	return oneOf(g, append(longFields, stringFields...)) + "|exists", []string{oneOf(g, []string{"true", "false"})}
}

// nullItem tests a field for null: a long column is null, a string
// column empty (isempty).
func (g *gen) nullItem() (string, []string) {
	return oneOf(g, append(longFields, stringFields...)), []string{oneOf(g, []string{"null", "~"})}
}

// boolItem compares a string field with a YAML boolean.
func (g *gen) boolItem(field string) (string, []string) {
	b := oneOf(g, []string{"true", "false"})
	g.add(field, oneOf(g, []string{b, strings.ToUpper(b), "yes"}))
	return field, []string{b}
}

// windashItem is a command-line flag with windash: its dash stands for
// any of - / – — ―.
func (g *gen) windashItem(field string) (string, []string) {
	flag := oneOf(g, []string{"-", "/"}) + oneOf(g, []string{"enc", "c", "nop", "ep bypass", "e"})
	for range 2 {
		g.add(field, oneOf(g, []string{"-", "/", "–", "—", "―", "\\"})+flag[1:])
	}
	return field + "|windash" + oneOf(g, []string{"", "|contains", "|startswith", "|endswith"}), []string{g.scalar(flag)}
}

// base64Item encodes its value with base64, or base64offset (with
// contains), maybe as UTF-16 first; the pool gets encodings of texts that
// hold the value.
func (g *gen) base64Item(field string) (string, []string) {
	enc := ""
	if g.chance(1, 3) {
		enc = oneOf(g, []string{"|utf16le", "|wide", "|utf16be", "|utf16"})
	}
	lit := g.literal(field)
	for utf8.RuneCountInString(lit) < 3 {
		// Shorter texts leave an empty piece at some offset (the
		// specification: only the middle of the encoding is static),
		// which matches every text; see stringValue on the empty text.
		lit += g.word()
	}
	key := field + enc + "|base64offset|contains"
	if g.chance(1, 3) {
		key = field + enc + "|base64" + oneOf(g, []string{"", "|contains", "|startswith"})
	}
	for range 2 {
		text := lit
		if strings.Contains(key, "offset") {
			text = oneOf(g, []string{"", "a", "ab"}) + lit + g.word()
		}
		g.add(field, encode(text, enc))
	}
	return key, []string{g.scalar(roundtrip.Escape(g.rng, []ast.Part{{Kind: ast.Literal, Text: lit}}))}
}

// encode writes s in base64, after an encoding modifier: UTF-16 little or
// big endian, or ("|utf16") little endian after a byte order mark.
func encode(s, enc string) string {
	b := []byte(s)
	if enc != "" {
		b = nil
		if enc == "|utf16" {
			b = []byte{0xff, 0xfe}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			if enc == "|utf16be" {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
	}
	return base64.StdEncoding.EncodeToString(b)
}

// fieldrefItem compares a field with another one.
func (g *gen) fieldrefItem(field string) (string, []string) {
	other := oneOf(g, append(stringFields, longFields...))
	for other == field {
		other = oneOf(g, stringFields)
	}
	g.refs = append(g.refs, [2]string{field, other})
	key := field + "|fieldref" + oneOf(g, []string{"", "", "|contains", "|startswith", "|endswith"})
	if g.chance(1, 5) {
		key += "|cased"
	}
	if g.chance(1, 8) {
		key += "|neq"
	}
	return key, []string{g.scalar(other)}
}
