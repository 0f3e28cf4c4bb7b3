package differential

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// envInt reads an integer from the environment, or returns def.
func envInt(t *testing.T, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: expected an integer", name, s)
	}
	return n
}

// position is the place at the start of an error message.
var position = regexp.MustCompile(`^(\S+\.yml:)?\d+:\d+: `)

// A tally counts the outcomes of a run.
type tally struct {
	sync.Mutex
	n       [KQLUnsupported + 1]int
	matched int
	errs    map[string]int // unsupported: first line of the error -> count
	failed  []string       // reports of disagreements and invalid rules
}

func (t *tally) add(c *Case, o Outcome) {
	t.Lock()
	defer t.Unlock()
	t.n[o.Verdict]++
	if o.Verdict == Agree && o.Sigma.Matched {
		t.matched++
	}
	switch o.Verdict {
	case Agree:
	case Disagree, Invalid:
		if len(t.failed) < 5 {
			t.failed = append(t.failed, Report(c, o))
		}
	default:
		if t.errs == nil {
			t.errs = map[string]int{}
		}
		msg, _, _ := strings.Cut(o.Err.Error(), "\n")
		msg = position.ReplaceAllString(msg, "") // group the same reason at other places
		t.errs[o.Verdict.String()+": "+msg]++
	}
}

// TestDifferential runs DIFFERENTIAL_PAIRS generated cases (10,000 by
// default) from DIFFERENTIAL_SEED (by default the time), and fails on
// any disagreement of the two evaluators or any rule that does not parse.
func TestDifferential(t *testing.T) {
	seed := envInt(t, "DIFFERENTIAL_SEED", time.Now().UnixNano()%1e9)
	pairs := envInt(t, "DIFFERENTIAL_PAIRS", 10000)
	if testing.Short() && os.Getenv("DIFFERENTIAL_PAIRS") == "" {
		pairs = 1000
	}
	t.Logf("DIFFERENTIAL_SEED=%d DIFFERENTIAL_PAIRS=%d", seed, pairs)
	var tl tally
	var wg sync.WaitGroup
	workers := int64(runtime.GOMAXPROCS(0))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < pairs; i += workers {
				c := Generate(seed + i)
				tl.add(c, Check(c))
			}
		})
	}
	wg.Wait()
	for _, f := range tl.failed {
		t.Error(f)
	}
	if n := tl.n[Disagree] + tl.n[Invalid]; n > 0 {
		t.Errorf("%d of %d cases failed (%d disagreements, %d invalid rules); rerun one with DIFFERENTIAL_SEED=<its seed> DIFFERENTIAL_PAIRS=1",
			n, pairs, tl.n[Disagree], tl.n[Invalid])
	}
	unsupported := pairs - int64(tl.n[Agree]+tl.n[Disagree]+tl.n[Invalid])
	t.Logf("%d pairs: %d agree (%d match, %.1f%%), %d unsupported (%.1f%%)", pairs, tl.n[Agree], tl.matched,
		100*float64(tl.matched)/float64(max(tl.n[Agree], 1)), unsupported, 100*float64(unsupported)/float64(pairs))
	logErrors(t, tl.errs)
	if ratio := float64(tl.matched) / float64(max(tl.n[Agree], 1)); pairs >= 1000 && (ratio < 0.15 || ratio > 0.85) {
		t.Errorf("%.0f%% of the agreeing cases match: the generator must make both matches and non-matches frequent", 100*ratio)
	}
	if unsupported*5 > pairs {
		t.Errorf("%d of %d cases are unsupported: the generator must mostly write what both sides support", unsupported, pairs)
	}
}

// logErrors logs the most frequent reasons of unsupported cases.
func logErrors(t *testing.T, errs map[string]int) {
	var keys []string
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return errs[keys[i]] > errs[keys[j]] || errs[keys[i]] == errs[keys[j]] && keys[i] < keys[j]
	})
	for i, k := range keys {
		if i == 10 {
			t.Logf("  ... %d more reasons", len(keys)-10)
			break
		}
		t.Logf("  %6d  %s", errs[k], k)
	}
}

// FuzzDifferential lets the fuzzer drive the generator (GenerateFrom):
// go test -run '^$' -fuzz FuzzDifferential -fuzztime 10m. A failing input
// is saved under testdata/fuzz/FuzzDifferential and replayed by go test.
func FuzzDifferential(f *testing.F) {
	for _, s := range []int64{0, 1, 42, 4688, -7} {
		f.Add(s, []byte{})
	}
	f.Add(int64(3), []byte("\x00\xff\x10 cidr keywords 1 of them \x7f\x80\x01\x02"))
	f.Fuzz(func(t *testing.T, seed int64, data []byte) {
		c := GenerateFrom(seed, data)
		o := Check(c)
		if o.Verdict == Disagree || o.Verdict == Invalid {
			t.Fatal(Report(c, o))
		}
	})
}

// The same seed gives the same case, and the same bytes too.
func TestGenerateIsDeterministic(t *testing.T) {
	for seed := int64(0); seed < 50; seed++ {
		a, b := Generate(seed), Generate(seed)
		if a.Rule != b.Rule || fmt.Sprint(a.Event) != fmt.Sprint(b.Event) {
			t.Fatalf("seed %d: two different cases:\n%s\n%s", seed, a.Rule, b.Rule)
		}
		data := []byte(strings.Repeat("differential", int(seed)))
		if c, d := GenerateFrom(seed, data), GenerateFrom(seed, data); c.Rule != d.Rule || fmt.Sprint(c.Event) != fmt.Sprint(d.Event) {
			t.Fatalf("seed %d with bytes: two different cases", seed)
		}
	}
}
