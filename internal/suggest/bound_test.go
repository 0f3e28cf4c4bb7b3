package suggest

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

// distanceAtMost must agree with Distance whenever the distance is within
// the bound, and say "more" otherwise.
func TestDistanceAtMostAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	word := func() string {
		b := make([]byte, rng.Intn(9))
		for i := range b {
			b[i] = "abc"[rng.Intn(3)]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		a, b, k := word(), word(), rng.Intn(4)
		want := min(Distance(a, b), k+1)
		if got := distanceAtMost(a, b, k); got != want {
			t.Fatalf("distanceAtMost(%q, %q, %d) = %d, want %d", a, b, k, got, want)
		}
	}
}

// Regression: two long names (a search identifier and a misspelt reference
// to it) were compared in quadratic time, which never finished for names of
// a few megabytes.
func TestNearestLongNames(t *testing.T) {
	a := strings.Repeat("x", 4<<20)
	b := a[:len(a)-1] + "y"
	start := time.Now()
	if got := Nearest(a, []string{b}); got != b {
		t.Errorf("Nearest did not find the name one edit away")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Nearest took %v for two 4 MB names", d)
	}
}

// TestNearestAgrees compares Nearest with the same search over the full
// edit distance, on random names of mixed case and length.
func TestNearestAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	word := func() string {
		b := make([]byte, rng.Intn(10))
		for i := range b {
			b[i] = "aAbBc"[rng.Intn(5)]
		}
		return string(b)
	}
	nearest := func(name string, candidates []string) string {
		best, bestDist := "", 3
		for _, c := range candidates {
			if c == name {
				return ""
			}
			if d := Distance(strings.ToLower(name), strings.ToLower(c)); d < bestDist && d*2 < len(name)+1 {
				best, bestDist = c, d
			}
		}
		return best
	}
	for i := 0; i < 5000; i++ {
		name, cands := word(), make([]string, rng.Intn(12))
		for j := range cands {
			cands[j] = word()
		}
		if got, want := Nearest(name, cands), nearest(name, cands); got != want {
			t.Fatalf("Nearest(%q, %q) = %q, want %q", name, cands, got, want)
		}
	}
}
