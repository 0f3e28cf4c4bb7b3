package parser

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
)

// show prints a value compactly: strings in their text form, other values
// with their kind.
func show(v ast.Value) string {
	switch v := v.(type) {
	case *ast.String:
		s := "s:" + v.Text()
		if v.Cased {
			s += "/cased"
		}
		return s
	case *ast.Number:
		return "n:" + v.Text
	case *ast.Bool:
		return fmt.Sprintf("b:%v", v.Value)
	case *ast.Null:
		return "null"
	case *ast.Regex:
		return "re:" + v.Pattern + "/" + v.Flags
	case *ast.CIDR:
		return fmt.Sprintf("cidr:%s/v6=%v", v.Network, v.IPv6)
	case *ast.FieldRef:
		return fmt.Sprintf("ref:%s/%d", v.Field, v.Match)
	case *ast.Exists:
		return fmt.Sprintf("exists:%v", v.Exists)
	case *ast.Compare:
		return "cmp:" + v.Op.String() + v.Number.Text
	case *ast.TimePart:
		return "time:" + v.Part + "=" + v.Number.Text
	case *ast.Expansion:
		parts := make([]string, len(v.Values))
		for i, x := range v.Values {
			parts[i] = show(x)
		}
		return "{" + strings.Join(parts, " | ") + "}"
	}
	return fmt.Sprintf("%T", v)
}

// parseItem parses one field match written as YAML ("Key|mods: value").
func parseItem(t *testing.T, item string) (*ast.FieldMatch, error) {
	t.Helper()
	src := "title: t\nlogsource:\n    category: c\ndetection:\n    sel:\n        " + item + "\n    condition: sel\n"
	f, err := ParseFile("m.yml", []byte(src))
	if len(f.Docs) == 0 {
		return nil, err
	}
	fm := f.Docs[0].(*ast.Rule).Detection.Searches[0].Body.(*ast.AllOf).Items[0].(*ast.FieldMatch)
	return fm, err
}

func TestModifiers(t *testing.T) {
	tests := []struct {
		item string
		want string // values joined by ", "; "all" and "neg" flags appended
	}{
		{`F: 'plain'`, "s:plain"},
		{`F|contains: 'x'`, "s:*x*"},
		{`F|contains: '*x*'`, "s:*x*"},
		{`F|startswith: 'x'`, "s:x*"},
		{`F|endswith: '\x'`, `s:*\x`},
		{`F|contains|all: ['a', 'b']`, "s:*a*, s:*b* all"},
		{`F|neq: 'x'`, "s:x neg"},
		{`F: 4`, "n:4"},
		{`F: 4.50`, "n:4.5"},
		{`F: 0x10`, "n:16"},
		{`F: 010`, "n:8"},
		{`F: 1e3`, "s:1e3"},
		{`F: '4'`, "s:4"},
		{`F: yes`, "b:true"},
		{`F: ~`, "null"},
		{`F: []`, ""},
		{`F: ['', null]`, "s:, null"},
		{`F|re: 'a.*b\d'`, `re:a.*b\d/`},
		{`F|re|i|m: 'x'`, "re:x/im"},
		{`F|re|s|ignorecase: 'x'`, "re:x/is"},
		{`F|re|contains: 'abc'`, "re:.*abc.*/"},
		{`F|re|startswith: '^ab'`, "re:^ab.*/"},
		{`F|cidr: '10.0.0.0/8'`, "cidr:10.0.0.0/8/v6=false"},
		{`F|cidr: 'fe80::/10'`, "cidr:fe80::/10/v6=true"},
		{`F|cidr: '192.168.1.1'`, "cidr:192.168.1.1/32/v6=false"},
		{`F|cidr: '::1'`, "cidr:::1/128/v6=true"},
		{`F|exists: false`, "exists:false"},
		{`F|gt: 5`, "cmp:>5"},
		{`F|lte: 2.5`, "cmp:<=2.5"},
		{`F|hour: 3`, "time:hour=3"},
		{`F|fieldref: Other`, "ref:Other/0"},
		{`F|fieldref|endswith: Other`, "ref:Other/3"},
		{`F|cased: 'WhoAmI'`, "s:WhoAmI/cased"},
		{`F|base64: 'whoami'`, "s:d2hvYW1p"},
		{`F|base64offset|contains: 'whoami'`, "{s:*d2hvYW1p* | s:*dob2Fta* | s:*3aG9hbW*}"},
		{`F|wide|base64offset|contains: 'whoami'`, "{s:*dwBoAG8AYQBtAGkA* | s:*cAaABvAGEAbQBpA* | s:*3AGgAbwBhAG0AaQ*}"},
		{`F|utf16le|base64: 'cmd'`, "s:YwBtAGQA"},
		{`F|utf16be|base64offset|contains: 'whoami'`, "{s:*AHcAaABvAGEAbQBp* | s:*B3AGgAbwBhAG0Aa* | s:*AdwBoAG8AYQBtAG*}"},
		{`F|utf16|base64: 'cmd'`, "s://5jAG0AZAA="},
		{`F|windash: ' -enc '`, "{s: -enc  | s: /enc  | s: \u2013enc  | s: \u2014enc  | s: \u2015enc }"},
		{`F|windash|contains: 'a-b'`, "{s:*a-b*}"},
		{`F|contains|windash: '-x -y'`, "{s:*-x -y* | s:*-x /y* | s:*-x \u2013y* | s:*-x \u2014y* | s:*-x \u2015y* | s:*/x -y* | s:*/x /y* | s:*/x \u2013y* | s:*/x \u2014y* | s:*/x \u2015y* | s:*\u2013x -y* | s:*\u2013x /y* | s:*\u2013x \u2013y* | s:*\u2013x \u2014y* | s:*\u2013x \u2015y* | s:*\u2014x -y* | s:*\u2014x /y* | s:*\u2014x \u2013y* | s:*\u2014x \u2014y* | s:*\u2014x \u2015y* | s:*\u2015x -y* | s:*\u2015x /y* | s:*\u2015x \u2013y* | s:*\u2015x \u2014y* | s:*\u2015x \u2015y*}"},
		{`F|expand: '%Admins%'`, "s:%Admins%"},
		{`F|expand: '\%plain%name%'`, "s:%plain%name%"},
	}
	for _, tt := range tests {
		fm, err := parseItem(t, tt.item)
		if err != nil {
			t.Errorf("%s: %v", tt.item, err)
			continue
		}
		parts := make([]string, len(fm.Values))
		for i, v := range fm.Values {
			parts[i] = show(v)
		}
		got := strings.Join(parts, ", ")
		if fm.All {
			got += " all"
		}
		if fm.Negate {
			got += " neg"
		}
		if got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.item, got, tt.want)
		}
	}
}

// TestExpandPlaceholders checks that only unescaped %name% is a placeholder.
func TestExpandPlaceholders(t *testing.T) {
	fm, err := parseItem(t, `F|expand: '\%plain%name%'`)
	if err != nil {
		t.Fatal(err)
	}
	s := fm.Values[0].(*ast.String)
	want := []ast.Part{{Kind: ast.Literal, Text: "%plain"}, {Kind: ast.Placeholder, Text: "name"}}
	if fmt.Sprint(s.Parts) != fmt.Sprint(want) {
		t.Errorf("parts = %v, want %v", s.Parts, want)
	}
}

// TestModifierErrors pins each modifier error and its position: the item
// starts at line 6, column 9.
func TestModifierErrors(t *testing.T) {
	tests := []struct{ item, want string }{
		{`F|contians: 'x'`, `m.yml:6:11: unknown modifier "contians", did you mean 'contains'?`},
		{`F|contains|zzz: 'x'`, `m.yml:6:20: unknown modifier "zzz"`},
		{`F||contains: 'x'`, `m.yml:6:11: empty modifier: remove the extra '|'`},
		{`F|contains|re: 'x'`, `m.yml:6:20: modifier 're' must come first: it reads the value as written, so no other modifier may change it before`},
		{`F|re: 'a(b'`, `m.yml:6:11: invalid regular expression "a(b": missing closing ')'`},
		{`F|re: '*a'`, `m.yml:6:11: invalid regular expression "*a": nothing to repeat before "*"`},
		{`F|i: 'x'`, `m.yml:6:11: modifier 'i' is a flag of 're': write 're|i'`},
		{`F|cidr: '10.0.0.0/33'`, `m.yml:6:11: invalid CIDR network "10.0.0.0/33": expected an IPv4 or IPv6 network such as 10.0.0.0/8 or fe80::/10`},
		{`F|base64: 'who*ami'`, `m.yml:6:11: modifier 'base64' cannot encode the wildcards of string "who*ami": apply contains, startswith or endswith after it instead`},
		{`F|contains|exists: true`, `m.yml:6:11: modifier 'contains' applies to strings, regular expressions and field references, not to the boolean true`},
		{`F|exists: 'yes'`, `m.yml:6:11: modifier 'exists' applies to the booleans true and false, not to the string "yes"`},
		{`F|gt: 'abc'`, `m.yml:6:11: modifier 'gt' applies to numbers, not to the string "abc"`},
		{`F|fieldref|contains|endswith: X`, `m.yml:6:29: modifier 'endswith' cannot follow another of contains, startswith, endswith on a field reference`},
		{`F: {a: 1}`, `m.yml:6:12: value of "F" must be a scalar or a list of scalars, found a mapping`},
		{`F: [[1]]`, `m.yml:6:13: values of "F" must be scalars (strings, numbers, booleans or null), found a list`},
	}
	for _, tt := range tests {
		_, err := parseItem(t, tt.item)
		if err == nil {
			t.Errorf("%s: no error", tt.item)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.item, got, tt.want)
		}
	}
}

func TestBase64Offsets(t *testing.T) {
	// The defining property: whatever precedes and follows the value, the
	// encoding of the whole text contains the variant for the value's
	// offset (modulo 3) in it.
	for _, value := range []string{"a", "ab", "abc", "whoami", "::FromBase64String", "Ünïcødé"} {
		e := base64Offsets(ast.Pos{}, []byte(value))
		for prefix := 0; prefix < 6; prefix++ {
			for _, suffix := range []string{"", "x", "xy", "xyz"} {
				text := strings.Repeat("p", prefix) + value + suffix
				enc := base64.StdEncoding.EncodeToString([]byte(text))
				variant := e.Values[prefix%3].(*ast.String).Plain()
				if !strings.Contains(enc, variant) {
					t.Errorf("%q at offset %d: %q does not contain variant %q", value, prefix, enc, variant)
				}
			}
		}
	}
}

// TestExpandAfterWildcards checks placeholders in a value that contains,
// startswith or endswith wrapped in wildcards first, as pySigma allows.
func TestExpandAfterWildcards(t *testing.T) {
	tests := []struct {
		item string
		want []ast.Part
	}{
		{`F|contains|expand: 'echo %dom%'`, []ast.Part{{Kind: ast.WildcardMulti}, {Kind: ast.Literal, Text: "echo "}, {Kind: ast.Placeholder, Text: "dom"}, {Kind: ast.WildcardMulti}}},
		{`F|startswith|expand: 'a\%b%c%*d'`, []ast.Part{{Kind: ast.Literal, Text: "a%b"}, {Kind: ast.Placeholder, Text: "c"}, {Kind: ast.WildcardMulti}, {Kind: ast.Literal, Text: "d"}, {Kind: ast.WildcardMulti}}},
		{`F|endswith|expand: '\*%x'`, []ast.Part{{Kind: ast.WildcardMulti}, {Kind: ast.Literal, Text: "*%x"}}},
	}
	for _, tt := range tests {
		fm, err := parseItem(t, tt.item)
		if err != nil {
			t.Errorf("%s: %v", tt.item, err)
			continue
		}
		if got := fm.Values[0].(*ast.String).Parts; fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: parts = %v, want %v", tt.item, got, tt.want)
		}
	}
	if _, err := parseItem(t, `F|wide|expand: '%x%'`); err == nil {
		t.Errorf("wide|expand: no error")
	}
}
