package backends

import (
	"strings"
	"testing"
	"time"
)

// TestParseTimespan: every unit of Sigma, their fixed lengths, and the
// errors that say what is wrong.
func TestParseTimespan(t *testing.T) {
	for _, tc := range []struct {
		in    string
		fixed time.Duration
		ok    bool
	}{
		{"30s", 30 * time.Second, true}, {"5m", 5 * time.Minute, true}, {"1h", time.Hour, true},
		{"2d", 48 * time.Hour, true}, {"1w", 7 * 24 * time.Hour, true}, {"3M", 0, false}, {"1y", 0, false},
	} {
		ts, err := ParseTimespan(tc.in)
		if err != nil || ts.String() != tc.in {
			t.Errorf("ParseTimespan(%q) = %v, %v", tc.in, ts, err)
			continue
		}
		if d, ok := ts.Fixed(); d != tc.fixed || ok != tc.ok {
			t.Errorf("%s.Fixed() = %v, %v, want %v, %v", tc.in, d, ok, tc.fixed, tc.ok)
		}
	}
	for in, want := range map[string]string{"": "invalid timespan", "m": "invalid timespan", "0m": "positive number", "-1h": "positive number", "5x": "the unit must be"} {
		if _, err := ParseTimespan(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTimespan(%q) error = %v, want %q", in, err, want)
		}
	}
}
