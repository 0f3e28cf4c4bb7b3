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
