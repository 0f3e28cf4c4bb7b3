// Package hostile generates Sigma rules whose metadata (title,
// description, author, references, false positives, tags, fields, custom
// attributes) holds the metacharacters of every file format a deployment
// loads: YAML 1.1 and 1.2, JSON, ARM template expressions, Splunk .conf
// files and SPL. Its readers, written from the formats' specifications and
// documentation (yaml11.go, conf.go, spl.go, json.go), let a backend's test
// check that every output parses the way deployment reads it and that each
// field holds exactly the rule's text, with no extra key, setting, stanza,
// subsearch or expression.
package hostile

import (
	"fmt"
	"regexp"
	"strconv"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Values are the hostile strings, by the format they attack.
var Values = []string{
	// YAML 1.1 and 1.2 plain scalars that are not strings.
	"yes", "No", "ON", "off", "y", "n", "~", "null", "true", "FALSE", "12:30", "1:20:30.5", "0x1F", "0o17",
	"017", "0b101", "1_000", "+1", "-.5", "1e3", ".inf", "-.Inf", ".NaN", "2024-01-31",
	"2001-12-14t21:59:43.10-05:00", "1.0.0", "=", "<<",
	// YAML indicators and structure.
	"- item", "-", "? key", ": value", ",comma", "[flow]", "{flow: map}", "# comment", "&anchor", "*alias",
	"!tag", "!!str x", "| literal", "> folded", "'single'", "\"double\"", "%directive", "@at", "`backtick`",
	"key: value", "value #comment", "trailing colon:", "--- document", "... end", " leading space",
	"trailing space ", "tab\there",
	// Line breaks and control characters.
	"line1\nline2", "crlf\r\nend", "lone\rcr", "harmless\raction.script = evil.sh", "nul\x00byte", "bell\x07",
	"esc\x1b[31mred", "del\x7f", "vt\vff\f", "nel\u0085", "ls\u2028ps\u2029", "bom\ufeff", "c1\u009b",
	"two\n\nbreaks\n",
	// JSON and ARM template expressions.
	"\"},\"injected\":{\"", "\\u0000 literal", "[concat('a','b')]", "[parameters('workspace')]",
	"[[already escaped]", "[open only", "close only]", "[]",
	// Splunk .conf files.
	"default", "Default", "[default]", "ends with backslash\\", "\\", "C:\\Windows\\System32\\", "a = b",
	"search = | delete", "x\n[evil]\nsearch = | delete", "#not a comment", "multi\\\nline",
	// SPL.
	"[makeresults]", "[| makeresults | eval x=1]", "`macro`", "`comment(\"x\")`", "| delete",
	"x\" | delete \"", "$token$", "a,b", "a b", "a|b", "(paren)", "=eq", "'quote",
	// Unicode.
	"ümlaut ß", "emoji 😀", "rtl \u202e", "zero\u200bwidth",
}

// A Rule is a generated rule: its source, and the values put in it.
type Rule struct {
	Source                                   []byte
	Title, Description, Author               string
	References, FalsePositives, Tags, Fields []string
	Custom                                   map[string]string
}

// Rules returns n rules; rule i uses the values from Values[i] on, one per
// field, so that every value appears in every field over len(Values)
// rules. The detection is the same for all: CommandLine equal to "probe"
// in a Windows process_creation rule.
func Rules(n int) []*Rule {
	var out []*Rule
	for i := range n {
		v := func(k int) string { return Values[(i+k)%len(Values)] }
		r := &Rule{
			Title:          v(0),
			Description:    v(1) + "\n" + v(2),
			Author:         v(3),
			References:     []string{v(4), v(5)},
			FalsePositives: []string{v(6)},
			Tags:           []string{"attack.execution", "attack.t1059.001", "attack." + v(7)},
			Fields:         []string{"CommandLine", v(8), v(9)},
			Custom:         map[string]string{"x_note": v(10), v(11): v(12)},
		}
		r.Source = r.yaml(i)
		out = append(out, r)
	}
	return out
}

// yaml writes the rule as Sigma YAML, every string double-quoted.
func (r *Rule) yaml(i int) []byte {
	doc := mapping(
		"title", s(r.Title),
		"id", s(fmt.Sprintf("9f1c0d2e-0000-4000-8000-%012d", i)),
		"status", s("test"),
		"description", s(r.Description),
		"author", s(r.Author),
		"references", list(r.References),
		"falsepositives", list(r.FalsePositives),
		"tags", list(r.Tags),
		"fields", list(r.Fields),
		"level", s("high"),
		"logsource", mapping("product", s("windows"), "category", s("process_creation")),
		"detection", mapping("selection", mapping("CommandLine", s("probe")), "condition", s("selection")),
	)
	for _, k := range []string{"x_note"} {
		doc.Content = append(doc.Content, s(k), s(r.Custom[k]))
	}
	for k, v := range r.Custom {
		if k != "x_note" {
			doc.Content = append(doc.Content, s(k), s(v))
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return out
}

func s(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
}

func list(vs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, v := range vs {
		n.Content = append(n.Content, s(v))
	}
	return n
}

func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, s(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}

var escapeRx = regexp.MustCompile(`\\u[0-9A-F]{4}|\\U[0-9A-F]{8}`)

// Unescape decodes the \uXXXX escapes that writers use for characters that
// are not printable, and \u005C, the backslash that would otherwise start
// such an escape; an escape of another printable character is text of the
// rule and stays as it is.
func Unescape(s string) string {
	return escapeRx.ReplaceAllStringFunc(s, func(e string) string {
		n, _ := strconv.ParseUint(e[2:], 16, 32)
		if r := rune(n); !unicode.IsPrint(r) || r == '\\' {
			return string(r)
		}
		return e
	})
}
