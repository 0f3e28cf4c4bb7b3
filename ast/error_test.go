package ast

import (
	"bytes"
	"testing"
)

// Regression: messages that quote a rule's text with '%s' (an invalid
// level, say) printed its control characters raw, so a rule could send
// escape sequences to the terminal or break a diagnostic over two lines.
func TestPrintErrorsEscapesControlCharacters(t *testing.T) {
	var b bytes.Buffer
	PrintErrors(&b, ErrorList{
		Errorf(Pos{Filename: "r.yml", Line: 2, Column: 8}, "invalid level 'hi\x1b[2J\u2028x\x00y\x9b\xff': expected one of low, high"),
		Errorf(Pos{Filename: "r.yml", Line: 3, Column: 1}, "two\r\nlines\nhere\ttab é"),
	})
	want := "r.yml:2:8: invalid level 'hi\\x1b[2J\\u2028x\\x00y\\x9b\\xff': expected one of low, high\n" +
		"r.yml:3:1: two lines here\ttab é\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}
