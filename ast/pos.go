package ast

import "strconv"

// A Pos is a position in a source file.
type Pos struct {
	Filename string // file name as given by the caller; may be empty
	Line     int    // line number, starting at 1; 0 means unknown
	Column   int    // column number in characters, starting at 1; 0 means unknown
}

// IsValid reports whether the position has a line number.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String returns "file:line:col", "file:line", "line:col" or "file" for
// whatever parts of the position are known.
func (p Pos) String() string {
	s := p.Filename
	if p.IsValid() {
		if s != "" {
			s += ":"
		}
		s += strconv.Itoa(p.Line)
		if p.Column > 0 {
			s += ":" + strconv.Itoa(p.Column)
		}
	}
	if s == "" {
		s = "-"
	}
	return s
}

// Add returns the position col characters to the right of p on the same line.
func (p Pos) Add(col int) Pos {
	if p.Column > 0 {
		p.Column += col
	}
	return p
}
