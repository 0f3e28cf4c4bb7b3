package parser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
)

func limitsRule(item string) []byte {
	return []byte("title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    " + item + "\n  condition: sel\n")
}

func limitsValues(t *testing.T, src []byte) []ast.Value {
	t.Helper()
	f, err := ParseFile("r.yml", src)
	if err != nil {
		t.Fatal(err)
	}
	return f.Docs[0].(*ast.Rule).Detection.Searches[0].Body.(*ast.AllOf).Items[0].(*ast.FieldMatch).Values
}

// Regression: converting a megabyte-long integer between bases took time
// quadratic in its length (a 16 MB file: minutes). Integers longer than
// Python's limit of 4300 digits stay strings.
func TestHugeIntegerStaysString(t *testing.T) {
	digits := strings.Repeat("7", 4<<20)
	start := time.Now()
	vals := limitsValues(t, limitsRule("ProcessId: "+digits))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("parsing a 4 MB integer took %v", d)
	}
	if s, ok := vals[0].(*ast.String); !ok || s.Plain() != digits {
		t.Errorf("value is %T, want the digits as a string", vals[0])
	}
	vals = limitsValues(t, limitsRule("ProcessId: 0x"+strings.Repeat("f", 100)))
	if n, ok := vals[0].(*ast.Number); !ok || len(n.Text) < 100 {
		t.Errorf("a 100-digit hexadecimal number is %T %v, want a Number", vals[0], vals[0])
	}
}

// Regression: windash multiplies the alternatives by five for every flag
// dash; a value with a dozen flags took gigabytes.
func TestWindashLimit(t *testing.T) {
	flags := func(n int) string {
		var b []string
		for i := 0; i < n; i++ {
			b = append(b, fmt.Sprintf("-%c", 'a'+i))
		}
		return strings.Join(b, " ")
	}
	vals := limitsValues(t, limitsRule(`CommandLine|windash: "`+flags(maxWindashFlags)+`"`))
	if e, ok := vals[0].(*ast.Expansion); !ok || len(e.Values) != 3125 {
		t.Errorf("5 flags: got %T, want 3125 alternatives", vals[0])
	}
	_, err := ParseFile("r.yml", limitsRule(`CommandLine|windash: "`+flags(12)+`"`))
	want := `r.yml:5:17: modifier 'windash' would expand string "-a -b -c -d -e -f -g -h -i -j -k -l" into 5^12 alternatives (12 flag dashes); the limit is 5 flag dashes in one value`
	if err == nil || err.Error() != want {
		t.Errorf("12 flags: error %v, want %s", err, want)
	}
	// Within the per-value limit, but too many for one file.
	var list []string
	for i := 0; i < 40; i++ {
		list = append(list, `"`+flags(5)+`"`)
	}
	_, err = ParseFile("r.yml", limitsRule(`CommandLine|windash: [`+strings.Join(list, ", ")+`]`))
	if err == nil || !strings.Contains(err.Error(), "expands the values of this file into more than 100000 alternatives") {
		t.Errorf("40 values of 3125 alternatives: error %v", err)
	}
}

// Regression: an expanding modifier after another one (windash then
// base64offset) nested expansions, which the backend could not print.
func TestExpansionsStayFlat(t *testing.T) {
	vals := limitsValues(t, limitsRule(`CommandLine|windash|base64offset|contains: "-a"`))
	e, ok := vals[0].(*ast.Expansion)
	if !ok || len(e.Values) != 15 {
		t.Fatalf("got %T, want 15 alternatives (5 dashes x 3 offsets)", vals[0])
	}
	for _, v := range e.Values {
		if _, ok := v.(*ast.String); !ok {
			t.Errorf("alternative %T, want a string", v)
		}
	}
}
