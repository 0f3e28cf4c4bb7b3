package hostile

import (
	"fmt"
	"strings"
	"unicode"
)

// A ConfReader is one of the two readers of Splunk .conf files. Both read
// the syntax of Splunk's documentation ("Configuration file structure"):
// "[name]" starts a stanza, "key = value" sets a key (white space around
// both is dropped), a line whose first non-blank character is "#" is a
// comment, and a line that ends in a backslash continues on the next line,
// the line break kept in the value. They differ in what a line is.
type ConfReader int

const (
	// Splunkd ends lines at LF (a CR before it is dropped) and looks for
	// the continuation backslash at the very end of the line.
	Splunkd ConfReader = iota
	// Python is Splunk's Python conf parser: it ends lines wherever
	// Python's line splitting does (CR alone, VT, FF, the file, group and
	// record separators, NEL, LS and PS too) and strips trailing white
	// space before it looks for the continuation backslash.
	Python
)

func (c ConfReader) String() string { return [...]string{"splunkd", "python"}[c] }

// A Stanza is a stanza of a .conf file as a reader reads it.
type Stanza struct {
	Name   string
	Keys   []string // in file order
	Values map[string]string
}

// lines splits a .conf text into the reader's lines.
func (c ConfReader) lines(text string) []string {
	if c == Splunkd {
		ls := strings.Split(text, "\n")
		for i, l := range ls {
			ls[i] = strings.TrimSuffix(l, "\r")
		}
		return ls
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	start := 0
	for i, r := range text {
		switch r {
		case '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			out = append(out, text[start:i])
			start = i + len(string(r))
		}
	}
	out = append(out, text[start:])
	for i, l := range out {
		out[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return out
}

// Read reads a .conf text. A setting before the first stanza, a line that
// is neither a header, a setting, a comment nor blank, and a key set twice
// in one stanza are errors.
func (c ConfReader) Read(text string) ([]*Stanza, error) {
	var out []*Stanza
	var cur *Stanza
	lines := c.lines(text)
	for i := 0; i < len(lines); i++ {
		line, n := lines[i], i+1
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + "\n" + lines[i]
		}
		trimmed = strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") {
			if !strings.HasSuffix(trimmed, "]") || strings.Contains(trimmed, "\n") {
				return nil, fmt.Errorf("%s: line %d: bad stanza header %q", c, n, line)
			}
			cur = &Stanza{Name: trimmed[1 : len(trimmed)-1], Values: map[string]string{}}
			out = append(out, cur)
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		switch {
		case !ok || key == "" || strings.ContainsAny(key, " \t\n[]"):
			return nil, fmt.Errorf("%s: line %d: neither a stanza header nor key = value: %q", c, n, line)
		case cur == nil:
			return nil, fmt.Errorf("%s: line %d: setting before the first stanza", c, n)
		}
		if _, dup := cur.Values[key]; dup {
			return nil, fmt.Errorf("%s: line %d: key %s set twice in [%s]", c, n, key, cur.Name)
		}
		cur.Keys = append(cur.Keys, key)
		cur.Values[key] = strings.TrimSpace(value)
	}
	return out, nil
}
