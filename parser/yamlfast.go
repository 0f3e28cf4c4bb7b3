package parser

import (
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// A decoder for the plain block YAML that Sigma rules are written in.
//
// yaml.v3 is a port of libyaml: it scans a file into tokens, then events,
// then nodes, and allocates at every step; decoding took about 40% of the
// time of a whole conversion. decodeFast reads the common subset of YAML
// in one pass over the lines of a file and builds the same yaml.Node trees
// as yaml.v3: block mappings and block sequences (compact ones such as
// "- key: value" and sequences at the indentation of their key included),
// plain, single- and double-quoted scalars on one line, plain scalars
// continued on more lines, literal and folded block scalars, comments, and
// documents separated by "---". For anything else (flow collections,
// anchors, aliases, tags, empty values, tabs, multi-line quoted scalars,
// ...) and for anything that is not valid YAML, it gives up, and the file
// is decoded by yaml.v3, which also writes every error message.
//
// The nodes have no comments (HeadComment, LineComment, FootComment): the
// parser does not read them. In every other field they equal yaml.v3's,
// which TestFastYAMLMatchesYAMLv3 checks on every file of the corpus and
// FuzzFastYAML on random texts.

// maxFastDepth bounds the nesting that decodeFast handles itself.
const maxFastDepth = 64

// maxSimpleKey is the longest key decodeFast accepts, in bytes; YAML limits
// implicit keys to 1024 characters.
const maxSimpleKey = 1000

type fastDecoder struct {
	lines []string // the lines of the file, without line breaks
	li    int      // the current line
	depth int

	// Storage for the trees, reused from file to file (see decoders): a
	// file's tree is garbage once the parser has read it.
	nodes []yaml.Node  // the nodes, see node
	kids  []*yaml.Node // the children of collections, see children
	stack []*yaml.Node // the children of the collections being decoded
}

// decoders holds fastDecoders for reuse.
var decoders = sync.Pool{New: func() any { return new(fastDecoder) }}

// decodeFast returns the root nodes of the documents of src, as documents
// returns them, or ok false when it cannot decode src exactly as yaml.v3
// does. The nodes belong to d: d.release makes them invalid.
func decodeFast(src []byte) (d *fastDecoder, roots []*yaml.Node, ok bool) {
	text := string(src)
	if !fastText(text) {
		return nil, nil, false
	}
	d = decoders.Get().(*fastDecoder)
	d.lines = splitLines(d.lines, text)
	for {
		d.skipBlank()
		if d.li == len(d.lines) {
			return d, roots, true
		}
		l := d.lines[d.li]
		if isDocMarker(l, "---") {
			if strings.TrimRight(l, " ") != "---" {
				d.release() // content after "---"
				return nil, nil, false
			}
			d.li++
			continue
		}
		root, ok := d.mapping(0, false)
		if !ok {
			d.release()
			return nil, nil, false
		}
		roots = append(roots, root)
	}
}

// release clears the decoder, so that it keeps no text alive, and puts it
// back for reuse. The nodes it returned must no longer be used.
func (d *fastDecoder) release() {
	clear(d.lines)
	clear(d.nodes)
	clear(d.kids)
	clear(d.stack)
	*d = fastDecoder{lines: d.lines[:0], nodes: d.nodes[:0], kids: d.kids[:0], stack: d.stack[:0]}
	decoders.Put(d)
}

// splitLines appends the lines of text, without their line breaks, to
// lines[:0].
func splitLines(lines []string, text string) []string {
	lines = lines[:0]
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return append(lines, text)
		}
		lines = append(lines, text[:i])
		text = text[i+1:]
	}
}

// fastText reports whether text holds only characters that decodeFast
// handles: no tab, no carriage return or other control character, no byte
// order mark, none of the line breaks of YAML 1.1 other than "\n" (U+0085,
// U+2028, U+2029), and only characters YAML allows.
func fastText(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < utf8.RuneSelf {
			if c < ' ' && c != '\n' || c == 0x7f {
				return false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !fastRune(r) {
			return false
		}
		i += size - 1
	}
	return true
}

// fastRune reports whether decodeFast handles the non-ASCII character r.
func fastRune(r rune) bool {
	switch {
	case r < 0xa0: // C1 controls, and U+0085, a line break
		return false
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return false
	case r == 0xfeff, r == 0xfffe, r == 0xffff, r == utf8.RuneError: // byte order marks, non-characters, invalid UTF-8
		return false
	}
	return true
}

// isDocMarker reports whether line starts with the document marker m
// ("---" or "...") followed by a space or the end of the line.
func isDocMarker(line, m string) bool {
	return strings.HasPrefix(line, m) && (len(line) == len(m) || line[len(m)] == ' ')
}

// node returns a new node. Nodes are allocated from d.nodes: when it is
// full, a larger one replaces it and the nodes already handed out stay
// where they are.
func (d *fastDecoder) node(kind yaml.Kind, tag string, line, col int) *yaml.Node {
	if len(d.nodes) == cap(d.nodes) {
		d.nodes = make([]yaml.Node, 0, max(128, 2*cap(d.nodes)))
	}
	d.nodes = append(d.nodes, yaml.Node{Kind: kind, Tag: tag, Line: line, Column: col})
	return &d.nodes[len(d.nodes)-1]
}

// children returns the nodes pushed on d.stack since it held base nodes,
// and pops them. The list is allocated from d.kids as nodes are from
// d.nodes, and has no spare capacity, so that appending to it copies it.
func (d *fastDecoder) children(base int) []*yaml.Node {
	n := len(d.stack) - base
	if cap(d.kids)-len(d.kids) < n {
		d.kids = make([]*yaml.Node, 0, max(256, 2*cap(d.kids), n))
	}
	start := len(d.kids)
	d.kids = append(d.kids, d.stack[base:]...)
	clear(d.stack[base:])
	d.stack = d.stack[:base]
	return d.kids[start:len(d.kids):len(d.kids)]
}

// skipBlank moves past empty lines and comment lines.
func (d *fastDecoder) skipBlank() {
	for d.li < len(d.lines) {
		l := d.lines[d.li]
		i := indentOf(l)
		if i < len(l) && l[i] != '#' {
			return
		}
		d.li++
	}
}

func indentOf(l string) int {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	return i
}

// column returns the 1-based column, in characters, of byte offset i of l.
func column(l string, i int) int {
	for j := 0; j < i; j++ {
		if l[j] >= utf8.RuneSelf {
			return utf8.RuneCountInString(l[:i]) + 1
		}
	}
	return i + 1
}

// isEntry reports whether l has a block sequence entry ("-" followed by a
// space or the end of the line) at byte offset i.
func isEntry(l string, i int) bool {
	return i < len(l) && l[i] == '-' && (i+1 == len(l) || l[i+1] == ' ')
}

// mapping decodes a block mapping whose keys start at byte offset n of
// their lines; the first key is on the current line. inline says that the
// first key follows a sequence entry's "- " on that line.
func (d *fastDecoder) mapping(n int, inline bool) (*yaml.Node, bool) {
	if d.depth++; d.depth > maxFastDepth {
		return nil, false
	}
	defer func() { d.depth-- }()
	var m *yaml.Node
	base := len(d.stack)
	for first := true; ; first = false {
		if !first {
			d.skipBlank()
			if d.li == len(d.lines) {
				break
			}
			l := d.lines[d.li]
			ind := indentOf(l)
			if ind < n || n == 0 && isDocMarker(l, "---") {
				break
			}
			if ind > n || isEntry(l, n) {
				return nil, false
			}
		} else if !inline && indentOf(d.lines[d.li]) != n {
			return nil, false
		}
		l := d.lines[d.li]
		key, after, ok := d.key(l, n)
		if !ok {
			return nil, false
		}
		if m == nil {
			m = d.node(yaml.MappingNode, "!!map", key.Line, key.Column)
		}
		v, ok := d.value(n, after)
		if !ok {
			return nil, false
		}
		d.stack = append(d.stack, key, v)
	}
	m.Content = d.children(base)
	return m, true
}

// key decodes the key that starts at byte offset i of the current line, and
// returns the offset just after its colon.
func (d *fastDecoder) key(l string, i int) (key *yaml.Node, after int, ok bool) {
	switch l[i] {
	case '\'', '"':
		s, end, ok := quoted(l, i)
		if !ok || end >= len(l) || l[end] != ':' || end+1 < len(l) && l[end+1] != ' ' || end-i > maxSimpleKey {
			return nil, 0, false
		}
		k := d.node(yaml.ScalarNode, "!!str", d.li+1, column(l, i))
		k.Value = s
		if l[i] == '\'' {
			k.Style = yaml.SingleQuotedStyle
		} else {
			k.Style = yaml.DoubleQuotedStyle
		}
		return k, end + 1, true
	}
	if !plainStart(l, i) {
		return nil, 0, false
	}
	for j := i; j < len(l); j++ {
		switch {
		case l[j] == ':' && (j+1 == len(l) || l[j+1] == ' '):
			if l[j-1] == ' ' || j-i > maxSimpleKey {
				return nil, 0, false
			}
			k := d.node(yaml.ScalarNode, plainTag(l[i:j]), d.li+1, column(l, i))
			k.Value = l[i:j]
			return k, j + 1, true
		case l[j] == '#' && l[j-1] == ' ':
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// plainStart reports whether a plain scalar that decodeFast handles starts
// at byte offset i of l: not at an indicator ("-", "?" and ":" start a
// plain scalar when a character other than a space follows), and not the
// merge key "<<".
func plainStart(l string, i int) bool {
	switch l[i] {
	case '-', '?', ':':
		return i+1 < len(l) && l[i+1] != ' '
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	}
	return !strings.HasPrefix(l[i:], "<<")
}

// value decodes the value of a mapping whose keys are at indentation n; it
// starts at byte offset i of the current line, just after the colon.
func (d *fastDecoder) value(n, i int) (*yaml.Node, bool) {
	l := d.lines[d.li]
	for i < len(l) && l[i] == ' ' {
		i++
	}
	if i == len(l) || l[i] == '#' {
		// The value is on the next lines: a nested block mapping or
		// sequence, or a sequence at the indentation of the key.
		d.li++
		d.skipBlank()
		if d.li == len(d.lines) {
			return nil, false // an empty value
		}
		l := d.lines[d.li]
		ind := indentOf(l)
		switch {
		case ind == n && isEntry(l, ind):
			return d.sequence(n)
		case ind <= n:
			return nil, false // an empty value
		case isEntry(l, ind):
			return d.sequence(ind)
		}
		return d.mapping(ind, false)
	}
	return d.scalar(n, i)
}

// sequence decodes a block sequence whose entries start at byte offset c of
// their lines, the first on the current line.
func (d *fastDecoder) sequence(c int) (*yaml.Node, bool) {
	if d.depth++; d.depth > maxFastDepth {
		return nil, false
	}
	defer func() { d.depth-- }()
	s := d.node(yaml.SequenceNode, "!!seq", d.li+1, column(d.lines[d.li], c))
	base := len(d.stack)
	for first := true; ; first = false {
		if !first {
			d.skipBlank()
			if d.li == len(d.lines) {
				break
			}
			l := d.lines[d.li]
			ind := indentOf(l)
			if ind < c || ind == c && !isEntry(l, c) {
				break
			}
			if ind > c {
				return nil, false
			}
		}
		l := d.lines[d.li]
		i := c + 1
		for i < len(l) && l[i] == ' ' {
			i++
		}
		var item *yaml.Node
		var ok bool
		switch {
		case i == len(l) || l[i] == '#':
			// The entry is on the next lines.
			d.li++
			d.skipBlank()
			if d.li == len(d.lines) {
				return nil, false
			}
			next := d.lines[d.li]
			ind := indentOf(next)
			switch {
			case ind <= c:
				return nil, false // an empty entry
			case isEntry(next, ind):
				item, ok = d.sequence(ind)
			default:
				item, ok = d.mapping(ind, false)
			}
		case isEntry(l, i):
			return nil, false // "- - x"
		case isKey(l, i):
			item, ok = d.mapping(i, true)
		default:
			item, ok = d.scalar(c, i)
		}
		if !ok {
			return nil, false
		}
		d.stack = append(d.stack, item)
	}
	s.Content = d.children(base)
	return s, true
}

// isKey reports whether a key followed by a colon starts at byte offset i
// of l (a compact mapping in a sequence entry).
func isKey(l string, i int) bool {
	if l[i] == '\'' || l[i] == '"' {
		_, end, ok := quoted(l, i)
		return ok && end < len(l) && l[end] == ':'
	}
	for j := i; j < len(l); j++ {
		switch {
		case l[j] == ':' && (j+1 == len(l) || l[j+1] == ' '):
			return true
		case l[j] == '#' && j > i && l[j-1] == ' ':
			return false
		}
	}
	return false
}

// scalar decodes a scalar starting at byte offset i of the current line,
// in a block whose indentation is n, and moves past it.
func (d *fastDecoder) scalar(n, i int) (*yaml.Node, bool) {
	l := d.lines[d.li]
	switch l[i] {
	case '\'', '"':
		s, end, ok := quoted(l, i)
		if !ok || !restIsComment(l, end) {
			return nil, false
		}
		v := d.node(yaml.ScalarNode, "!!str", d.li+1, column(l, i))
		v.Value = s
		if l[i] == '\'' {
			v.Style = yaml.SingleQuotedStyle
		} else {
			v.Style = yaml.DoubleQuotedStyle
		}
		d.li++
		return v, true
	case '|', '>':
		return d.blockScalar(n, i)
	}
	if !plainStart(l, i) {
		return nil, false
	}
	return d.plain(n, i)
}

// restIsComment reports whether l from byte offset i holds only spaces and
// a comment.
func restIsComment(l string, i int) bool {
	if i == len(l) {
		return true
	}
	if l[i] != ' ' {
		return false
	}
	for i < len(l) && l[i] == ' ' {
		i++
	}
	return i == len(l) || l[i] == '#'
}

// plainSegment returns the part of l from byte offset i that belongs to a
// plain scalar: up to a comment or the end of the line, without trailing
// spaces. comment reports whether a comment ends it; ok is false at a
// colon followed by a space (a mapping where a scalar must be).
func plainSegment(l string, i int) (seg string, comment, ok bool) {
	j := i
	for ; j < len(l); j++ {
		switch {
		case l[j] == ':' && (j+1 == len(l) || l[j+1] == ' '):
			return "", false, false
		case l[j] == '#' && j > i && l[j-1] == ' ':
			comment = true
		}
		if comment {
			break
		}
	}
	return strings.TrimRight(l[i:j], " "), comment, true
}

// plain decodes a plain scalar that starts at byte offset i of the current
// line, in a block whose indentation is n: it goes on over the next lines
// that are indented more than n, the line breaks folded.
func (d *fastDecoder) plain(n, i int) (*yaml.Node, bool) {
	l := d.lines[d.li]
	v := d.node(yaml.ScalarNode, "", d.li+1, column(l, i))
	seg, comment, ok := plainSegment(l, i)
	if !ok {
		return nil, false
	}
	d.li++
	var b *strings.Builder
	for !comment && d.li < len(d.lines) {
		// Count the empty lines before the next line of text.
		k, empty := d.li, 0
		for k < len(d.lines) && indentOf(d.lines[k]) == len(d.lines[k]) {
			k++
			empty++
		}
		if k == len(d.lines) {
			break
		}
		next := d.lines[k]
		ind := indentOf(next)
		if ind <= n || next[ind] == '#' {
			break
		}
		more, c, ok := plainSegment(next, ind)
		if !ok {
			return nil, false
		}
		if b == nil {
			b = &strings.Builder{}
			b.WriteString(seg)
		}
		if empty == 0 {
			b.WriteByte(' ')
		} else {
			for ; empty > 0; empty-- {
				b.WriteByte('\n')
			}
		}
		b.WriteString(more)
		comment = c
		d.li = k + 1
	}
	if b != nil {
		seg = b.String()
	}
	v.Value = seg
	v.Tag = plainTag(seg)
	return v, true
}

// quoted decodes a single- or double-quoted scalar that starts at byte
// offset i of l and ends on the same line; end is the offset after the
// closing quote.
func quoted(l string, i int) (s string, end int, ok bool) {
	q := l[i]
	j := i + 1
	// The common case: no escape, the text is a substring.
	for j < len(l) && l[j] != q && l[j] != '\\' {
		j++
	}
	if j == len(l) {
		return "", 0, false // the scalar goes on over the next line
	}
	if l[j] == q && (q == '"' || j+1 == len(l) || l[j+1] != '\'') {
		return l[i+1 : j], j + 1, true
	}
	if q == '\'' {
		return singleQuoted(l, i)
	}
	return doubleQuoted(l, i, j)
}

// singleQuoted decodes a single-quoted scalar that starts at byte offset i
// of l, where a doubled quote stands for one quote.
func singleQuoted(l string, i int) (s string, end int, ok bool) {
	var b strings.Builder
	for j := i + 1; j < len(l); j++ {
		if l[j] != '\'' {
			b.WriteByte(l[j])
			continue
		}
		if j+1 < len(l) && l[j+1] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return b.String(), j + 1, true
	}
	return "", 0, false
}

// doubleQuoted decodes a double-quoted scalar that starts at byte offset i
// of l and has its first escape at offset j.
func doubleQuoted(l string, i, j int) (s string, end int, ok bool) {
	b := []byte(l[i+1 : j])
	for j < len(l) {
		switch c := l[j]; c {
		case '"':
			return string(b), j + 1, true
		case '\\':
			if b, j, ok = appendEscape(b, l, j); !ok {
				return "", 0, false
			}
		default:
			b = append(b, c)
			j++
		}
	}
	return "", 0, false
}

// appendEscape appends to b the character that the escape at byte offset j
// of l (a backslash) stands for, and returns the offset after the escape.
// ok is false for what decodeFast leaves to yaml.v3: a line continuation,
// an unknown escape, a code point that is not a character.
func appendEscape(b []byte, l string, j int) (_ []byte, end int, ok bool) {
	if j+1 == len(l) {
		return nil, 0, false // a line continuation
	}
	e := l[j+1]
	j += 2
	if n := hexEscapeDigits(e); n > 0 {
		if j+n > len(l) {
			return nil, 0, false
		}
		code, err := strconv.ParseUint(l[j:j+n], 16, 32)
		if err != nil || code >= 0xd800 && code <= 0xdfff || code > 0x10ffff {
			return nil, 0, false
		}
		return utf8.AppendRune(b, rune(code)), j + n, true
	}
	r, ok := charEscape(e)
	if !ok {
		return nil, 0, false
	}
	return utf8.AppendRune(b, r), j, true
}

// hexEscapeDigits returns the number of hexadecimal digits after the
// escape \x, \u or \U, and 0 for any other escape.
func hexEscapeDigits(e byte) int {
	switch e {
	case 'x':
		return 2
	case 'u':
		return 4
	case 'U':
		return 8
	}
	return 0
}

// charEscape returns the character that the one-letter escape \e stands
// for in a double-quoted scalar.
func charEscape(e byte) (rune, bool) {
	switch e {
	case '0':
		return 0, true
	case 'a':
		return '\a', true
	case 'b':
		return '\b', true
	case 't':
		return '\t', true
	case 'n':
		return '\n', true
	case 'v':
		return '\v', true
	case 'f':
		return '\f', true
	case 'r':
		return '\r', true
	case 'e':
		return 0x1b, true
	case ' ', '"', '/', '\'', '\\':
		return rune(e), true
	case 'N':
		return 0x85, true
	case '_':
		return 0xa0, true
	case 'L':
		return 0x2028, true
	case 'P':
		return 0x2029, true
	}
	return 0, false
}

// blockScalar decodes a literal (|) or folded (>) block scalar whose
// indicator is at byte offset i of the current line, in a block whose
// indentation is n, as yaml.v3's scanner does.
func (d *fastDecoder) blockScalar(n, i int) (*yaml.Node, bool) {
	l := d.lines[d.li]
	literal := l[i] == '|'
	v := d.node(yaml.ScalarNode, "!!str", d.li+1, column(l, i))
	if literal {
		v.Style = yaml.LiteralStyle
	} else {
		v.Style = yaml.FoldedStyle
	}
	chomp, ok := blockChomping(l, i+1)
	if !ok {
		return nil, false // an indentation indicator, or text
	}
	d.li++
	indent, ok := d.blockIndent(n)
	if !ok {
		return nil, false
	}
	text, ok := d.blockText(indent, literal, chomp)
	if !ok {
		return nil, false
	}
	v.Value = text
	return v, true
}

// blockChomping reads the chomping indicator of a block scalar header at
// byte offset j of l: -1 for strip (-), 1 for keep (+), 0 for clip (none).
// ok is false when anything but a comment follows.
func blockChomping(l string, j int) (chomp int, ok bool) {
	if j < len(l) && (l[j] == '-' || l[j] == '+') {
		chomp = 1
		if l[j] == '-' {
			chomp = -1
		}
		j++
	}
	return chomp, restIsComment(l, j)
}

// blockIndent returns the indentation of the block scalar whose text
// starts on the current line, in a block whose indentation is n: the
// deepest of the leading empty lines and the first line of text, at least
// n+1. ok is false when leading empty lines are deeper than the text.
func (d *fastDecoder) blockIndent(n int) (indent int, ok bool) {
	k := d.li
	for ; k < len(d.lines); k++ {
		ind := indentOf(d.lines[k])
		indent = max(indent, ind)
		if ind < len(d.lines[k]) {
			break
		}
	}
	indent = max(indent, n+1)
	if k < len(d.lines) && indentOf(d.lines[k]) < indent && k > d.li {
		return 0, false // leading empty lines deeper than the text
	}
	return indent, true
}

// blockText reads the lines of a block scalar indented by indent from the
// current line on, and moves past them; it folds the line breaks of a
// folded scalar and chomps the final ones as chomp (see blockChomping)
// says.
func (d *fastDecoder) blockText(indent int, literal bool, chomp int) (string, bool) {
	var b []byte
	var leadingBreak, leadingBlank bool
	trailing := 0 // empty lines since the last line of text
	for ; d.li < len(d.lines); d.li++ {
		line := d.lines[d.li]
		ind := indentOf(line)
		if ind == len(line) && ind <= indent {
			if d.li+1 < len(d.lines) {
				trailing++ // an empty line; the last line of the file ends with no line break
			}
			continue
		}
		if ind < indent {
			break
		}
		if ind == len(line) {
			return "", false // a line of spaces deeper than the text
		}
		text := line[indent:]
		trailingBlank := text[0] == ' '
		if !literal && leadingBreak && !leadingBlank && !trailingBlank {
			if trailing == 0 {
				b = append(b, ' ')
			}
		} else if leadingBreak {
			b = append(b, '\n')
		}
		for ; trailing > 0; trailing-- {
			b = append(b, '\n')
		}
		leadingBlank = trailingBlank
		b = append(b, text...)
		leadingBreak = d.li+1 < len(d.lines)
	}
	if chomp != -1 && leadingBreak {
		b = append(b, '\n')
	}
	if chomp == 1 {
		for ; trailing > 0; trailing-- {
			b = append(b, '\n')
		}
	}
	return string(b), true
}

// plainTag returns the tag yaml.v3 resolves an untagged plain scalar to.
func plainTag(s string) string {
	if s == "" {
		return "!!null"
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		switch s {
		case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
			return "!!float"
		}
		if isTimestamp(s) {
			return "!!timestamp"
		}
		return numberTag(s)
	case c == '.':
		switch s {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return "!!float"
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float"
		}
	case c == '~' || c == 'n' || c == 'N':
		switch s {
		case "~", "null", "Null", "NULL":
			return "!!null"
		}
	case c == 't' || c == 'T' || c == 'f' || c == 'F':
		switch s {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		}
	}
	return "!!str"
}

// numberTag resolves a plain scalar that starts with a sign or a digit and
// is no timestamp, as yaml.v3 does: an integer in Go syntax (underscores
// ignored), a YAML 1.2 float, or a string.
func numberTag(s string) string {
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return "!!int"
	}
	if isYAML12Float(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return "!!float"
		}
	}
	for _, p := range []struct {
		prefix string
		base   int
	}{{"0b", 2}, {"-0b", 2}, {"0o", 8}, {"-0o", 8}} {
		if rest, ok := strings.CutPrefix(plain, p.prefix); ok {
			if p.prefix[0] == '-' {
				rest = "-" + rest
			}
			if _, err := strconv.ParseInt(rest, p.base, 64); err == nil {
				return "!!int"
			}
			if _, err := strconv.ParseUint(rest, p.base, 64); err == nil && p.prefix[0] != '-' {
				return "!!int"
			}
		}
	}
	return "!!str"
}

// isYAML12Float reports whether s has the form
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?.
func isYAML12Float(s string) bool {
	t := trimSign(s)
	switch {
	case strings.HasPrefix(t, "."):
		n := span(t[1:], isDigit)
		if n == 0 {
			return false
		}
		t = t[1+n:]
	case t != "" && isDigit(t[0]):
		t = t[span(t, isDigit):]
		if strings.HasPrefix(t, ".") {
			t = t[1+span(t[1:], isDigit):]
		}
	default:
		return false
	}
	if t == "" {
		return true
	}
	if t[0] != 'e' && t[0] != 'E' {
		return false
	}
	t = trimSign(t[1:])
	return t != "" && all(t, isDigit)
}

// timestampLayouts are the layouts yaml.v3 tries for a timestamp.
var timestampLayouts = []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"}

// isTimestamp reports whether yaml.v3 resolves s to a timestamp: four
// digits and a dash, then a date (and time) that one of its layouts reads.
func isTimestamp(s string) bool {
	if len(s) < 5 || span(s, isDigit) != 4 || s[4] != '-' {
		return false
	}
	if dateOnly(s) {
		// The common case, a date: only the last layout can read it.
		_, err := time.Parse("2006-1-2", s)
		return err == nil
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// dateOnly reports whether s has the form dddd-d[d]-d[d].
func dateOnly(s string) bool {
	rest := s[5:]
	n := span(rest, isDigit)
	if n < 1 || n > 2 || len(rest) == n || rest[n] != '-' {
		return false
	}
	rest = rest[n+1:]
	n = span(rest, isDigit)
	return n >= 1 && n <= 2 && n == len(rest)
}
