package parser

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/fuzzseed"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
)

// checkFastCondition checks that parseConditionFast accepts text only when
// the participle parser does, and then builds the same tree. It returns
// whether the fast parser accepted the text.
func checkFastCondition(t *testing.T, text string) bool {
	t.Helper()
	fast, ok := parseConditionFast(text)
	slow, err := condParser.ParseString("", text)
	if !ok {
		return false
	}
	if err != nil {
		t.Errorf("%q: the fast parser accepts it, participle says %v", text, err)
		return true
	}
	if diff := cmp.Diff(slow, fast); diff != "" {
		t.Errorf("%q: trees differ (-participle +fast):\n%s", text, diff)
	}
	return true
}

// conditionTexts returns the condition strings of the rule files.
func conditionTexts(files [][]byte) []string {
	var out []string
	for _, src := range files {
		dec := yaml.NewDecoder(bytes.NewReader(src))
		for {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				break
			}
			if len(doc.Content) == 0 {
				continue
			}
			cond := mapValue(mapValue(doc.Content[0], "detection"), "condition")
			if cond == nil {
				continue
			}
			if cond.Kind == yaml.ScalarNode {
				out = append(out, cond.Value)
			}
			for _, c := range cond.Content {
				out = append(out, c.Value)
			}
		}
	}
	return out
}

// TestFastConditionMatchesParticiple compares the two condition parsers on
// every condition of the corpus and the bundled rules, and on texts that
// exercise every rule of the grammar and its errors.
func TestFastConditionMatchesParticiple(t *testing.T) {
	var files [][]byte
	for _, dir := range []string{testcorpus.BundledDir(t), func() string { d, _ := testcorpus.Dir(t); return d }()} {
		for _, f := range testcorpus.Files(t, dir) {
			files = append(files, f.Src)
		}
	}
	texts := conditionTexts(files)
	texts = append(texts, "sel", "  sel  ", "a and b or c", "not not a", "(a)", "((a or b) and not (c))", "1 of sel*", "all of them",
		"any of filter_*", "x of y", "a of", "of", "a of them and", "a or", "(a", "a)", "a b", "not", "()", "a\n  and\tb\r\n or c",
		"sel and\n    not filter", "1 of them)", "a|b", "é", "sel and é", "AND", "a AND b", "them", "a and them", "1 of of", "1 of (a)",
		"not 1 of sel* and all of f*", "sel-1.x*")
	accepted := 0
	for _, text := range texts {
		if checkFastCondition(t, text) {
			accepted++
		} else if _, err := condParser.ParseString("", text); err == nil {
			t.Errorf("%q: participle accepts it, the fast parser does not", text)
		}
	}
	t.Logf("%d conditions, %d accepted by the fast parser", len(texts), accepted)
}

// FuzzConditionFast compares the two condition parsers.
func FuzzConditionFast(f *testing.F) {
	for _, text := range conditionTexts(fuzzseed.Rules("..")) {
		f.Add(text)
	}
	for _, s := range []string{"a and b or not (c or 1 of d*)", "all of them", "a\n and b", "(((a)))", "x of y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1000 || nesting(text) > MaxDepth {
			return
		}
		if !checkFastCondition(t, text) {
			if _, err := condParser.ParseString("", text); err == nil {
				t.Errorf("%q: participle accepts it, the fast parser does not", text)
			}
		}
	})
}
