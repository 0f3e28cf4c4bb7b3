package parser

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/fuzzseed"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
)

// ignoreComments leaves out the fields that decodeFast does not fill.
var ignoreComments = cmpopts.IgnoreFields(yaml.Node{}, "HeadComment", "LineComment", "FootComment")

// checkFastYAML checks that when decodeFast decodes src, yaml.v3 decodes
// it too, into equal nodes. It returns whether decodeFast decoded it.
func checkFastYAML(t *testing.T, name string, src []byte) bool {
	t.Helper()
	d, fast, ok := decodeFast(src)
	if !ok {
		return false
	}
	defer d.release()
	p := &parser{filename: name}
	slow, err := p.documentsYAMLv3(src)
	if err != nil {
		t.Errorf("%s: decodeFast accepts it, yaml.v3 says %v", name, err)
		return true
	}
	if diff := cmp.Diff(slow, fast, ignoreComments); diff != "" {
		t.Errorf("%s: nodes differ (-yaml.v3 +decodeFast):\n%s", name, diff)
	}
	return true
}

// TestFastYAMLMatchesYAMLv3 compares decodeFast with yaml.v3 on every rule
// file of the bundled rules and the corpus, and on edge cases.
func TestFastYAMLMatchesYAMLv3(t *testing.T) {
	dirs := []string{testcorpus.BundledDir(t)}
	full := false
	if dir, ok := testcorpus.Dir(t); ok {
		dirs, full = append(dirs, dir), true
	}
	total, fast := 0, 0
	for _, dir := range dirs {
		for _, f := range testcorpus.Files(t, dir) {
			total++
			if checkFastYAML(t, f.Name, f.Src) {
				fast++
			}
		}
	}
	t.Logf("decodeFast decoded %d of %d files", fast, total)
	if full && fast < total*9/10 {
		t.Errorf("decodeFast decoded only %d of %d files", fast, total)
	}
	for i, src := range fastYAMLCases {
		checkFastYAML(t, "case"+string(rune('A'+i%26)), []byte(src))
	}
}

// fastYAMLCases are texts at the edges of what decodeFast decodes.
var fastYAMLCases = []string{
	"a: b\n",
	"a: b",
	"a: 1\nb: 010\nc: 0x1F\nd: 1_000\ne: 1.5\nf: .5\ng: 1e3\nh: -.inf\ni: .nan\nj: 2024-01-31\nk: 2024-02-30\nl: 2001-12-14t21:59:43.10-05:00\nm: true\nn: yes\no: null\np: ~\nq: 0b101\nr: -0b11\ns: 0o17\nt: +12\nu: 12:30\nv: 9223372036854775808\nw: -0x_1\n",
	"a: 'it''s'\nb: \"x\\ty\\u00e9\\x41\\\\\\\"\"\nc: 'C:\\path'\nd: \"\"\ne: ''\n",
	"'quoted key': 1\n\"dq\": 2\n",
	"a:\n  - 1\n  - two\n  - 'three'\nb:\n- x\n- y\nc: d\n",
	"list:\n  - key: v\n    other: w\n  - k2: v2\n  -   spaced: 1\n",
	"d: |\n  line 1\n  line 2\n\n  line 4\ne: x\n",
	"d: >\n  folded\n  text\n\n  para\n    more\n  back\nx: 1\n",
	"d: |-\n  a\n  b\n\n\ne: |+\n  a\n\n\nf: >-\n  x\n",
	"d: |\n  a\n  ",
	"d: |+\n  a\n  ",
	"d: |\n\n  a\n",
	"d: |\n    \n  a\n",
	"d: |\n  a\n   \n",
	"desc: first line\n  second line\n\n  after empty\n\n\n  two empty\nnext: 1\n",
	"desc: a # comment\n  b\n",
	"desc: a\n  # comment\nnext: 1\n",
	"desc: a\n  b: c\n",
	"# head\na: b # tail\n\n# between\nc:   d   \n",
	"---\na: 1\n---\nb: 2\n---\n",
	"--- \na: 1\n...\n",
	"a: [1, 2]\n",
	"a: {b: c}\n",
	"a: &x 1\nb: *x\n",
	"a: !!str 1\n",
	"a:\nb: 1\n",
	"a: b: c\n",
	"a: 'unterminated\n  quote'\n",
	"\ta: 1\n",
	"a: 1\n b: 2\n",
	"- a\n- b\n",
	"a:\n  - - x\n",
	"é: ü\nkey: 'ünïcode'\n  \nx: \"\\U0001F600\"\n",
	"a: -x\nb: :y\nc: ?z\nd:\n- -enc\n- --x\n",
	"a: <<\n",
	"<<: {}\n",
	"a: b:c\nd: http://x:80/\n",
	"k: v\n---x: 1\n",
	"a:\n  b:\n    c:\n      - d: |\n          deep\n        e: f\n",
	"a: x\n\n\n",
	"a: \"\\q\"\n",
	"a: \"\\uD800\"\n",
	"a: |1\n  x\n",
	"a: 'x' y\n",
	"a: 'x'#c\n",
	"a: b #c\n#d\n  e\n",
	"a:\n  -\n    b: 1\n",
	"a:\n  -\n  - b\n",
}

// FuzzFastYAML checks that whatever decodeFast decodes, yaml.v3 decodes
// into equal nodes.
func FuzzFastYAML(f *testing.F) {
	for _, src := range fuzzseed.Rules("..") {
		f.Add(src)
	}
	for _, s := range fastYAMLCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<16 {
			return
		}
		checkFastYAML(t, "fuzz.yml", src)
	})
}
