package hostile

import (
	"slices"
	"strings"
	"testing"
)

// The readers must refuse what deployment refuses, or the hostile suites
// would pass on anything.

func TestCheckYAML11(t *testing.T) {
	for _, bad := range []string{"a: yes\n", "a: off\n", "a: y\n", "a: 12:30\n", "a: =\n", "a: 1.0.0\n", "a: 017\n",
		"a: 0o17\n", "a: 1:20:30.5\n", "# comment\r\na: b\n", "a: \"x\"\n# \u2028\n", "a: \"nul\x00\"\n"} {
		if err := CheckYAML11(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	for _, good := range []string{"a: ~\n", "a: 42\n", "a: \"yes\"\n", "a: 'on'\n", "a: \"12:30\"\n", "a: text\nb: [T1059]\n", "a: |\n  line1\n  line2\n", "a: 1h\n"} {
		if err := CheckYAML11(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestJSONAndARM(t *testing.T) {
	if _, err := JSON(`{"a": 1, "a": 2}`); err == nil {
		t.Error("a key set twice accepted")
	}
	v, err := JSON(`{"a": ["[concat('x')]", "[[lit]", "[open", "x]"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := ARMExpressions(v); !slices.Equal(got, []string{"[concat('x')]"}) {
		t.Errorf("expressions %q", got)
	}
	if s, expr := ARMString("[[lit]"); expr || s != "[lit]" {
		t.Errorf("[[lit] reads %q %v", s, expr)
	}
}

func TestConfReaders(t *testing.T) {
	text := "[s]\ndescription = harmless\raction.script = evil.sh\nsearch = a\\ \ncron_schedule = x\n"
	sd, err := Splunkd.Read(text)
	if err != nil || len(sd) != 1 || len(sd[0].Keys) != 3 {
		t.Errorf("splunkd: %+v %v", sd, err)
	}
	py, err := Python.Read(text)
	if err != nil || len(py) != 1 || !slices.Contains(py[0].Keys, "action.script") || slices.Contains(py[0].Keys, "cron_schedule") {
		t.Errorf("python: a lone CR starts a line and a stripped guard space continues: %+v %v", py, err)
	}
	if _, err := Splunkd.Read("[s]\na = 1\na = 2\n"); err == nil {
		t.Error("a key set twice accepted")
	}
}

func TestSPLReaders(t *testing.T) {
	for _, bad := range []string{"x | table a,[makeresults]", "x `macro`", `x="unterminated`} {
		if err := CheckSPL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := CheckSPL(`x="[in quotes] \" ` + "`" + `also"`); err != nil {
		t.Error(err)
	}
	got, err := TableFields(`x | table CommandLine,"a b","[makeresults]","q\"uote"`)
	if want := []string{"CommandLine", "a b", "[makeresults]", `q"uote`}; err != nil || !slices.Equal(got, want) {
		t.Errorf("fields %q %v, want %q", got, err, want)
	}
}

func TestRules(t *testing.T) {
	rs := Rules(len(Values))
	seen := map[string]bool{}
	for _, r := range rs {
		seen[r.Title] = true
		if !strings.Contains(string(r.Source), `"detection":`) {
			t.Fatalf("no detection:\n%s", r.Source)
		}
	}
	if len(seen) != len(Values) {
		t.Errorf("%d distinct titles for %d values", len(seen), len(Values))
	}
}
