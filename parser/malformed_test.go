package parser

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
)

var updateMalformed = flag.Bool("update-malformed", false, "rewrite the golden .err files of testdata/malformed")

// The malformed-input suite. Each case is a file testdata/malformed/NAME.yml,
// or an input generated below (too big or too binary to keep as a file),
// and its golden diagnostics testdata/malformed/NAME.err: ParseFile's
// errors as the CLI prints them, one per line ("file:line:col: message",
// or "file: message" where there is no position). An empty .err file means
// the input must parse without errors. Every case must finish in a few
// seconds, and allocate a bounded amount of memory.
//
// After a deliberate change: go test ./parser -run Malformed -update-malformed,
// then review the diff.

const malformedPrefix = "title: generated\nlogsource: {product: windows, category: process_creation}\ndetection:\n"

// malformedGenerated builds the inputs that are not kept as files.
var malformedGenerated = map[string]func() []byte{
	"gen_invalid_utf8": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: \"who\xff\xfeami\"\n  condition: sel\n")
	},
	"gen_binary": func() []byte {
		rng := rand.New(rand.NewSource(7))
		b := []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")
		for i := 0; i < 4096; i++ {
			b = append(b, byte(rng.Intn(256)))
		}
		return b
	},
	"gen_nul_byte": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: who\x00ami\n  condition: sel\n")
	},
	"gen_utf16_file": func() []byte {
		// A rule saved as UTF-16 (with its byte order mark).
		var b []byte
		b = append(b, 0xff, 0xfe)
		for _, c := range malformedPrefix {
			b = append(b, byte(c), 0)
		}
		return b
	},
	"gen_yaml_nesting_100000": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n  condition: sel\n")
	},
	"gen_search_nesting_300": func() []byte {
		return []byte(malformedPrefix + "  sel: " + strings.Repeat("[", 300) + "{CommandLine: x}" + strings.Repeat("]", 300) + "\n  condition: sel\n")
	},
	"gen_custom_attribute_nesting_5000": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: x\n  condition: sel\ncustom: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n")
	},
	"gen_condition_parens_100000": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: x\n  condition: " + strings.Repeat("(", 100000) + "sel" + strings.Repeat(")", 100000) + "\n")
	},
	"gen_condition_not_100000": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: x\n  condition: " + strings.Repeat("not ", 100000) + "sel\n")
	},
	"gen_condition_or_200000": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: x\n  condition: " + strings.Repeat("sel or ", 200000) + "sel\n")
	},
	"gen_condition_undefined_100000": func() []byte {
		var b strings.Builder
		for i := 0; i < 100000; i++ {
			fmt.Fprintf(&b, "x%d or ", i)
		}
		return []byte(malformedPrefix + "  sel:\n    CommandLine: x\n  condition: " + b.String() + "sel\n")
	},
	"gen_documents_50000": func() []byte {
		return bytes.Repeat([]byte("title: x\n---\n"), 50000)
	},
	"gen_value_50mb": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: " + strings.Repeat("a", 50<<20) + "\n  condition: sel\n")
	},
	"gen_value_15mb": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine: " + strings.Repeat("a", 15<<20) + "\n  condition: sel\n")
	},
	"gen_key_1mb": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    " + strings.Repeat("F", 1<<20) + "|contians: x\n  condition: sel\n")
	},
	"gen_list_300000": func() []byte {
		var b strings.Builder
		b.WriteString(malformedPrefix + "  sel:\n    CommandLine:\n")
		for i := 0; i < 300000; i++ {
			fmt.Fprintf(&b, "      - v%d\n", i)
		}
		b.WriteString("  condition: sel\n")
		return []byte(b.String())
	},
	"gen_windash_bomb": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    CommandLine|windash: '-a -b -c -d -e -f -g -h -i -j -k -l -m -n -o -p'\n  condition: sel\n")
	},
	"gen_integer_4mb": func() []byte {
		return []byte(malformedPrefix + "  sel:\n    ProcessId: 0o" + strings.Repeat("7", 4<<20) + "\n  condition: sel\n")
	},
}

// diagRx is the form of one diagnostic line of a case NAME.
func malformedDiagRx(name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `(:\d+(:\d+)?)?: [^A-Z\s].*$`)
}

func TestMalformed(t *testing.T) {
	dir := filepath.Join("testdata", "malformed")
	cases := map[string]func() []byte{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	for _, f := range files {
		cases[strings.TrimSuffix(filepath.Base(f), ".yml")] = func() []byte {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			return src
		}
	}
	for name, gen := range malformedGenerated {
		cases[name] = gen
	}
	var names []string
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 40 {
		t.Fatalf("only %d cases found", len(names))
	}
	wantGolden := map[string]bool{}
	for _, name := range names {
		wantGolden[name+".err"] = true
		t.Run(name, func(t *testing.T) {
			src := cases[name]()
			file := name + ".yml"
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			f, err := ParseFile(file, src)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if f == nil {
				t.Fatal("no file returned")
			}
			// A guard against runaway (quadratic or worse) parsing, not
			// a speed measure: a second on an idle machine, and the
			// bound leaves room for a loaded one.
			if elapsed > 30*time.Second {
				t.Errorf("took %v", elapsed)
			}
			// Allocation is bounded by a small multiple of the input.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(200*len(src))+64<<20 {
				t.Errorf("allocated %d MB for %d bytes of input", alloc>>20, len(src)>>20)
			}
			var out bytes.Buffer
			ast.PrintErrors(&out, err)
			rx := malformedDiagRx(file)
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if line != "" && !rx.MatchString(line) {
					t.Errorf("diagnostic not of the form %s:line:col: message: %q", file, line)
				}
			}
			golden := filepath.Join(dir, name+".err")
			if *updateMalformed {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatalf("missing golden file %s (run go test ./parser -run Malformed -update-malformed and review it)", golden)
			}
			if got := out.String(); got != string(want) {
				t.Errorf("diagnostics differ from %s\n--- got:\n%s--- want:\n%s", golden, malformedClip(got), malformedClip(string(want)))
			}
		})
	}
	goldens, _ := filepath.Glob(filepath.Join(dir, "*.err"))
	for _, g := range goldens {
		if !wantGolden[filepath.Base(g)] {
			t.Errorf("stale golden file %s: no case produces it", g)
		}
	}
}

func malformedClip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "...\n"
	}
	return s
}
