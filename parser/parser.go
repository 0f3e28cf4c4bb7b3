package parser

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Limits that keep hostile input from exhausting memory or the stack.
const (
	// MaxFileSize is the largest rule file ParseFile accepts.
	MaxFileSize = 16 << 20
	// MaxDepth is the deepest nesting of YAML collections, and of
	// parentheses in a condition, that is accepted.
	MaxDepth = 200
	// MaxConditionLength is the longest condition accepted, in bytes. (The
	// longest condition of the SigmaHQ rules has 346.)
	MaxConditionLength = 10000
	// maxConditionText bounds the length of all the conditions of a file.
	maxConditionText = 50 * MaxConditionLength
	// MaxErrors is the most errors reported for one file; a last line
	// says how many more there are.
	MaxErrors = 100
	// MaxAlternatives is the most values that the modifiers which turn one
	// value into several (windash, base64offset) may add in one file.
	MaxAlternatives = 100000
	// maxAliasNodes bounds how many nodes YAML aliases may expand to.
	maxAliasNodes = 100000
)

// ParseFile parses the Sigma file src, named filename in positions and
// messages. It returns the file's valid documents; err is an ast.ErrorList
// describing every problem found in the others (nil if there is none).
func ParseFile(filename string, src []byte) (*ast.File, error) {
	p := &parser{filename: filename}
	f := &ast.File{Name: filename}
	if len(src) > MaxFileSize {
		p.errs.Addf(ast.Pos{Filename: filename}, "file is too large (%d bytes; the limit is %d)", len(src), MaxFileSize)
		return f, p.errs.Err()
	}
	if !utf8.Valid(src) {
		line, col := invalidUTF8Pos(src)
		msg := "file is not valid UTF-8 text"
		if bytes.HasPrefix(src, []byte{0xff, 0xfe}) || bytes.HasPrefix(src, []byte{0xfe, 0xff}) {
			msg += ": it looks like UTF-16; save it as UTF-8"
		}
		p.errs.Add(p.pos(line, col), msg)
		return f, p.errs.Err()
	}
	docs, err := p.documents(src)
	if p.release != nil {
		// The YAML nodes are the decoder's, and only needed until the
		// documents are built.
		defer p.release()
	}
	if err != nil {
		p.errs.Append(err)
		return f, p.errs.Err()
	}
	if len(docs) == 0 {
		p.errs.Addf(ast.Pos{Filename: filename}, "no Sigma rule in file: expected a YAML document with title, logsource and detection")
		return f, p.errs.Err()
	}
	p.collection(f, docs)
	p.errs.Sort()
	if n := len(p.errs); n > MaxErrors {
		p.errs = append(p.errs[:MaxErrors], ast.Errorf(ast.Pos{Filename: filename}, "too many errors: %d more not shown", n-MaxErrors))
	}
	return f, p.errs.Err()
}

type parser struct {
	filename string
	errs     ast.ErrorList
	aliases  int // nodes brought in by aliases

	conditionText      int  // bytes of condition text read
	conditionsReported bool // the condition budget was reported spent

	aliasesReported bool               // the alias budget was reported spent
	sizes           map[*yaml.Node]int // expanded sizes of nodes aliases refer to
	cycle           bool               // expandedSize met a node inside itself

	alternatives int // values added by modifiers that expand one value into several

	release func() // frees the YAML nodes of decodeFast, if it decoded the file
}

func (p *parser) pos(line, col int) ast.Pos {
	return ast.Pos{Filename: p.filename, Line: line, Column: col}
}

func (p *parser) at(n *yaml.Node) ast.Pos { return p.pos(n.Line, n.Column) }

// ----------------------------------------------------------------------------
// YAML documents and collections

var yamlLineRx = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// documents splits src into YAML documents, each the root mapping node.
// Most rule files are read by decodeFast; the others by yaml.v3.
func (p *parser) documents(src []byte) ([]*yaml.Node, error) {
	if d, docs, ok := decodeFast(src); ok {
		p.release = d.release
		return docs, nil
	}
	return p.documentsYAMLv3(src)
}

// documentsYAMLv3 is documents with yaml.v3's decoder, for the files that
// decodeFast does not handle.
func (p *parser) documentsYAMLv3(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, p.yamlError(src, err)
		}
		if len(n.Content) == 0 {
			continue
		}
		root := n.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // an empty document, e.g. after a trailing "---"
		}
		if root.Kind != yaml.MappingNode {
			return nil, ast.Errorf(p.at(root), "a Sigma document must be a YAML mapping of keys (title, logsource, detection, ...), found %s", kindName(root))
		}
		p.flattenMerges(root, map[*yaml.Node]bool{}, 0)
		docs = append(docs, root)
	}
}

// flattenMerges applies YAML merge keys ("<<: *defaults", "<<: [*a, *b]")
// in every mapping under n, as PyYAML, and so the reference, does when it
// loads a rule: the merged mappings' pairs come first, a key the mapping
// sets itself overrides a merged one, and of several merged mappings the
// earlier one wins. A key keeps the place where it first appears.
func (p *parser) flattenMerges(n *yaml.Node, done map[*yaml.Node]bool, depth int) {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || done[n] || depth > MaxDepth {
		return
	}
	done[n] = true
	for _, c := range n.Content {
		p.flattenMerges(c, done, depth+1)
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	var merged, own []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			own = append(own, k, v)
			continue
		}
		v = p.deref(v)
		switch v.Kind {
		case yaml.MappingNode:
			merged = append(merged, v.Content...)
		case yaml.SequenceNode:
			for j := len(v.Content) - 1; j >= 0; j-- {
				m := p.deref(v.Content[j])
				if m.Kind != yaml.MappingNode {
					p.errs.Addf(p.at(m), "a YAML merge key (<<) takes a mapping or a list of mappings, found %s in the list", kindName(m))
					continue
				}
				merged = append(merged, m.Content...)
			}
		default:
			p.errs.Addf(p.at(v), "a YAML merge key (<<) takes a mapping or a list of mappings, found %s", kindName(v))
		}
	}
	if merged == nil {
		if len(own) != len(n.Content) {
			n.Content = own
		}
		return
	}
	// Later pairs override earlier ones with the same key; each key stays
	// where it first appears.
	all := append(merged, own...)
	at := map[string]int{}
	var out []*yaml.Node
	for i := 0; i+1 < len(all); i += 2 {
		k := all[i]
		if j, ok := at[k.Value]; ok && k.Kind == yaml.ScalarNode {
			out[j+1] = all[i+1]
			continue
		}
		if k.Kind == yaml.ScalarNode {
			at[k.Value] = len(out)
		}
		out = append(out, k, all[i+1])
	}
	n.Content = out
}

func (p *parser) yamlError(src []byte, err error) error {
	msg := err.Error()
	m := yamlLineRx.FindStringSubmatch(msg)
	if m == nil || m[1] == "" {
		// Some errors of the YAML library carry no position; find it.
		text := strings.TrimPrefix(msg, "yaml: ")
		pos := ast.Pos{Filename: p.filename}
		if a := unknownAnchorRx.FindStringSubmatch(text); a != nil {
			if i := bytes.Index(src, []byte("*"+a[1])); i >= 0 {
				pos = p.offsetPos(src, i)
			}
		} else if strings.Contains(text, "control characters are not allowed") {
			if i := firstControl(src); i >= 0 {
				pos = p.offsetPos(src, i)
				text = fmt.Sprintf("control character %U is not allowed", []rune(string(src[i:min(i+4, len(src))]))[0])
			}
		}
		return ast.Errorf(pos, "invalid YAML: %s", text)
	}
	line, _ := strconv.Atoi(m[1])
	col := 0
	if line > 0 {
		col = firstColumn(src, line)
	}
	return ast.Errorf(p.pos(line, col), "invalid YAML: %s", m[2])
}

var unknownAnchorRx = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// offsetPos returns the position of byte offset i of src.
func (p *parser) offsetPos(src []byte, i int) ast.Pos {
	line := 1 + bytes.Count(src[:i], []byte("\n"))
	start := bytes.LastIndexByte(src[:i], '\n') + 1
	return p.pos(line, utf8.RuneCount(src[start:i])+1)
}

// firstControl returns the offset of the first character that YAML does not
// allow in a stream (C0 and C1 controls other than tab, line feed, carriage
// return and U+0085; DEL; U+FFFE and U+FFFF), or -1.
func firstControl(src []byte) int {
	for i, r := range string(src) {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		case r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0xfffe || r == 0xffff:
			return i
		}
	}
	return -1
}

// firstColumn returns the column of the first non-blank character of line.
func firstColumn(src []byte, line int) int {
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			return 1
		}
		src = src[i+1:]
	}
	if i := bytes.IndexByte(src, '\n'); i >= 0 {
		src = src[:i]
	}
	t := bytes.TrimLeft(src, " \t")
	return utf8.RuneCount(src[:len(src)-len(t)]) + 1
}

func invalidUTF8Pos(src []byte) (line, col int) {
	line, col = 1, 1
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		src = src[size:]
	}
	return line, col
}

// collection applies the legacy collection actions (global, reset,
// repeat) and turns every remaining document into an ast.Document.
func (p *parser) collection(f *ast.File, docs []*yaml.Node) {
	var global, prev *yaml.Node
	for _, d := range docs {
		action := mapValue(d, "action")
		if action != nil {
			switch action.Value {
			case "global":
				global = withoutKey(d, "action")
				continue
			case "reset":
				global = nil
				continue
			case "repeat":
				if prev == nil {
					p.errs.Addf(p.at(action), "'action: repeat' needs a rule before it to repeat")
					continue
				}
				d = mergeMaps(prev, withoutKey(d, "action"))
			default:
				p.errs.Addf(p.at(action), "unknown collection action %q: expected global, reset or repeat", action.Value)
				continue
			}
		}
		isRule := mapValue(d, "correlation") == nil && mapValue(d, "filter") == nil
		if isRule && global != nil && action == nil {
			d = mergeMaps(global, d)
		}
		if isRule {
			prev = d
		}
		if doc := p.document(d); doc != nil {
			f.Docs = append(f.Docs, doc)
		}
	}
}

// document parses one document; it returns nil if it has errors.
func (p *parser) document(n *yaml.Node) ast.Document {
	before := len(p.errs)
	var doc ast.Document
	switch {
	case mapValue(n, "correlation") != nil:
		doc = p.correlation(n)
	case mapValue(n, "filter") != nil:
		doc = p.filter(n)
	default:
		doc = p.rule(n)
	}
	if len(p.errs) > before {
		return nil
	}
	return doc
}

// mergeMaps returns base deep-merged with over: keys of over win, and
// mappings present in both are merged recursively.
func mergeMaps(base, over *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: over.Line, Column: over.Column}
	index := map[string]int{}
	for i := 0; i+1 < len(base.Content); i += 2 {
		index[base.Content[i].Value] = len(out.Content)
		out.Content = append(out.Content, base.Content[i], base.Content[i+1])
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		if j, ok := index[k.Value]; ok {
			old := out.Content[j+1]
			if old.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
				v = mergeMaps(old, v)
			}
			out.Content[j+1] = v
			continue
		}
		index[k.Value] = len(out.Content)
		out.Content = append(out.Content, k, v)
	}
	return out
}

func withoutKey(n *yaml.Node, key string) *yaml.Node {
	out := *n
	out.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			out.Content = append(out.Content, n.Content[i], n.Content[i+1])
		}
	}
	return &out
}

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch resolveScalar(n) {
		case scalarNull:
			return "null"
		case scalarInt, scalarFloat:
			return "the number " + clip(n.Value)
		case scalarBool:
			return "the boolean " + n.Value
		}
		return fmt.Sprintf("the string %q", clip(n.Value))
	}
	return "nothing"
}

// clip shortens s for a message, on a character boundary.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	i := 57
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// deref follows aliases. Every node an alias brings in (the whole tree it
// stands for, aliases in it expanded) counts against a budget, which
// defeats alias bombs ("billion laughs"): when it is spent, deref reports
// it once, and the consumers of collections stop (see aliasesSpent).
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode {
		return n
	}
	at := n
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: at.Line, Column: at.Column}
	}
	p.cycle = false
	p.aliases += p.expandedSize(n, 0)
	if p.aliases > maxAliasNodes && !p.aliasesReported {
		p.aliasesReported = true
		if p.cycle {
			p.errs.Addf(p.at(at), "alias *%s refers to a node that contains it", at.Value)
		} else {
			p.errs.Addf(p.at(at), "aliases expand to more than %d YAML nodes; the rest of the file is not read", maxAliasNodes)
		}
	}
	return n
}

// aliasesSpent reports whether aliases have expanded to more nodes than
// allowed.
func (p *parser) aliasesSpent() bool { return p.aliases > maxAliasNodes }

// expandedSize returns how many nodes n stands for with every alias in it
// expanded, saturating just above the alias budget. Sizes are remembered,
// so that nested aliases cost their expansion once.
func (p *parser) expandedSize(n *yaml.Node, depth int) int {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return 1
	}
	if s, ok := p.sizes[n]; ok {
		if s < 0 {
			p.cycle = true
			return maxAliasNodes + 1
		}
		return s
	}
	if depth > MaxDepth {
		return maxAliasNodes + 1
	}
	if p.sizes == nil {
		p.sizes = map[*yaml.Node]int{}
	}
	p.sizes[n] = -1 // in progress: meeting it again is a cycle
	size := 1
	for _, c := range n.Content {
		size += p.expandedSize(c, depth+1)
		if size > maxAliasNodes {
			size = maxAliasNodes + 1
			break
		}
	}
	p.sizes[n] = size
	return size
}

// ----------------------------------------------------------------------------
// Plain values of metadata

// str decodes a scalar string value of key.
func (p *parser) str(key string, n *yaml.Node) string {
	n = p.deref(n)
	if n.Kind != yaml.ScalarNode {
		p.errs.Addf(p.at(n), "%s must be a string, found %s", key, kindName(n))
		return ""
	}
	if resolveScalar(n) == scalarNull {
		return ""
	}
	return n.Value
}

// strList decodes a list of strings; a single string is accepted as a list
// of one.
func (p *parser) strList(key string, n *yaml.Node) []string {
	n = p.deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		if resolveScalar(n) == scalarNull {
			return nil
		}
		return []string{n.Value}
	case yaml.SequenceNode:
		return p.list(key, n, nil)
	}
	p.errs.Addf(p.at(n), "%s must be a list of strings, found %s", key, kindName(n))
	return nil
}

// list decodes the strings of a sequence. An entry that is not a string is
// an error, unless other reads it as one.
func (p *parser) list(key string, n *yaml.Node, other func(*yaml.Node) (string, bool)) []string {
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		c = p.deref(c)
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
			continue
		}
		if other != nil {
			if t, ok := other(c); ok {
				out = append(out, t)
				continue
			}
		}
		p.errs.Addf(p.at(c), "each entry of %s must be a string, found %s", key, kindName(c))
	}
	return out
}

// generic decodes any YAML value into plain Go values, for custom
// attributes.
func (p *parser) generic(n *yaml.Node, depth int) any {
	n = p.deref(n)
	if depth > MaxDepth || p.aliasesSpent() {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch resolveScalar(n) {
		case scalarNull:
			return nil
		case scalarBool:
			return boolValue(n.Value)
		case scalarInt:
			if t, ok := intText(n.Value); ok {
				if i, err := strconv.ParseInt(t, 10, 64); err == nil {
					return i
				}
			}
		case scalarFloat:
			if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
				return f
			}
		}
		return n.Value
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, p.generic(c, depth+1))
		}
		return out
	case yaml.MappingNode:
		out := make([]ast.Attribute, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, ast.Attribute{Key: n.Content[i].Value, Value: p.generic(n.Content[i+1], depth+1), Pos: p.at(n.Content[i])})
		}
		return out
	}
	return nil
}
