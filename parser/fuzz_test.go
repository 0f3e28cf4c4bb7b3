package parser

import (
	"strings"
	"testing"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/fuzzseed"
)

// fuzzBudget is the time one fuzzed input may take; more is reported as a hang
// (the watchdog panics, which the fuzzer records as a failing input).
const fuzzBudget = 10 * time.Second

func fuzzWatchdog(what string) *time.Timer {
	return time.AfterFunc(fuzzBudget, func() { panic(what + " took more than " + fuzzBudget.String()) })
}

// FuzzParseFile: no input makes the rule parser panic or hang, and every
// error it reports names the file and has a message.
func FuzzParseFile(f *testing.F) {
	for _, src := range fuzzseed.Rules("..") {
		f.Add(src)
	}
	f.Add([]byte("a: &a [*a]\nb: *a"))
	f.Add([]byte("\ufefftitle: x\n\tdetection: {}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		w := fuzzWatchdog("ParseFile")
		file, err := ParseFile("fuzz.yml", src)
		w.Stop()
		if file == nil {
			t.Fatal("ParseFile returned no file")
		}
		if err == nil {
			return
		}
		list, ok := err.(ast.ErrorList)
		if !ok || len(list) == 0 {
			t.Fatalf("error is %T %v, want a non-empty ast.ErrorList", err, err)
		}
		for _, e := range list {
			if e.Pos.Filename != "fuzz.yml" || e.Msg == "" || e.Pos.Line < 0 || e.Pos.Column < 0 || e.Pos.Line == 0 && e.Pos.Column != 0 {
				t.Errorf("badly formed error %q at %+v", e.Msg, e.Pos)
			}
		}
	})
}

// FuzzCondition: no condition makes the condition parser panic or hang,
// and a condition it accepts prints back to text that parses to the same
// expression.
func FuzzCondition(f *testing.F) {
	seen := map[string]bool{}
	for _, src := range fuzzseed.Rules("..") {
		file, _ := ParseFile("seed.yml", src)
		for _, d := range file.Docs {
			if r, ok := d.(*ast.Rule); ok && r.Detection != nil {
				for _, c := range r.Detection.Conditions {
					if !seen[c.Text] {
						seen[c.Text] = true
						f.Add(c.Text)
					}
				}
			}
		}
	}
	for _, s := range []string{"sel and not (filter_main or filter_x)", "1 of sel* and all of them", "((((sel))))", "not not sel", "sel | count() > 5", "SEL AND sel", "any of filter_*"} {
		f.Add(s)
	}
	det := &ast.Detection{}
	for _, name := range []string{"sel", "sel1", "sel_2", "selection", "filter_main", "filter_x", "keywords", "_hidden"} {
		det.Searches = append(det.Searches, &ast.Search{Name: name, Body: &ast.AllOf{}})
	}
	parse := func(text string) (ast.Expr, ast.ErrorList) {
		p := &parser{filename: "fuzz.yml"}
		w := fuzzWatchdog("condition")
		x := p.condition(text, ast.Pos{Filename: "fuzz.yml", Line: 1, Column: 1}, !strings.Contains(text, "\n"), det)
		w.Stop()
		return x, p.errs
	}
	f.Fuzz(func(t *testing.T, text string) {
		x, errs := parse(text)
		if len(errs) > 0 {
			for _, e := range errs {
				if e.Msg == "" || e.Pos.Filename != "fuzz.yml" {
					t.Errorf("badly formed error %q at %+v", e.Msg, e.Pos)
				}
			}
			return
		}
		if x == nil {
			t.Fatal("no expression and no error")
		}
		printed := ast.ExprString(x)
		y, errs := parse(printed)
		if len(errs) > 0 {
			t.Fatalf("%q printed as %q, which does not parse: %v", text, printed, errs)
		}
		if again := ast.ExprString(y); again != printed {
			t.Fatalf("%q printed as %q, which reads back as %q", text, printed, again)
		}
	})
}
