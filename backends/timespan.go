package backends

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A Timespan is the time window of a correlation: a positive count of a
// unit, as Sigma writes it ("30s", "5m", "1h", "2d", "1w", "1M", "1y").
type Timespan struct {
	Count int
	Unit  byte // 's', 'm', 'h', 'd', 'w', 'M' (month) or 'y'
}

// ParseTimespan reads a Sigma timespan.
func ParseTimespan(s string) (Timespan, error) {
	if len(s) < 2 {
		return Timespan{}, fmt.Errorf("invalid timespan %q", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return Timespan{}, fmt.Errorf("invalid timespan %q: expected a positive number and a unit", s)
	}
	switch u := s[len(s)-1]; u {
	case 's', 'm', 'h', 'd', 'w', 'M', 'y':
		return Timespan{Count: n, Unit: u}, nil
	}
	return Timespan{}, fmt.Errorf("invalid timespan %q: the unit must be s, m, h, d, w, M or y", s)
}

// String returns the timespan as Sigma writes it.
func (t Timespan) String() string { return strconv.Itoa(t.Count) + string(t.Unit) }

// Fixed returns the length of a timespan in a unit of fixed length (s, m,
// h, d, w); months and years, whose length varies, report false.
func (t Timespan) Fixed() (time.Duration, bool) {
	unit, ok := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[t.Unit]
	return time.Duration(t.Count) * unit, ok
}

// Timespan returns the correlation's timespan; the error points at the
// correlation.
func (c *Correlation) Timespan() (Timespan, error) {
	t, err := ParseTimespan(c.Doc.Timespan)
	if err != nil {
		return t, ast.Errorf(c.Doc.DocPos, "%v", err)
	}
	return t, nil
}
