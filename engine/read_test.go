package engine

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadAtMost checks readAtMost against io.ReadAll of a LimitReader,
// whatever the size hint, with readers that return little at a time.
func TestReadAtMost(t *testing.T) {
	for _, n := range []int{0, 1, 7, 100, 4096} {
		data := []byte(strings.Repeat("abcdefghij", n/10+1)[:n])
		for _, limit := range []int64{1, 5, 100, 5000} {
			want, _ := io.ReadAll(io.LimitReader(bytes.NewReader(data), limit))
			for _, hint := range []int64{-1, 0, int64(n) / 2, int64(n), int64(n) + 10, 1 << 20} {
				for _, r := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data)), iotest.HalfReader(bytes.NewReader(data))} {
					got, err := readAtMost(r, hint, limit)
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("n=%d limit=%d hint=%d: got %d bytes (%v), want %d", n, limit, hint, len(got), err, len(want))
					}
				}
			}
		}
	}
	if _, err := readAtMost(iotest.ErrReader(io.ErrUnexpectedEOF), 10, 100); err != io.ErrUnexpectedEOF {
		t.Errorf("error = %v, want %v", err, io.ErrUnexpectedEOF)
	}
}
