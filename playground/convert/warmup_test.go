package convert

import (
	"strings"
	"testing"
)

// The warm-up must go through whole conversions, not stop at an error.
func TestWarmUpConverts(t *testing.T) {
	for i, r := range WarmUp() {
		if r.Failed || len(r.Diagnostics) > 0 || !strings.Contains(r.Output, "x.exe") {
			t.Errorf("target %d: failed %v, %v, output %q", i, r.Failed, r.Diagnostics, r.Output)
		}
	}
}
