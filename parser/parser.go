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
		p.errs.Addf(p.pos(line, col), "file is not valid UTF-8 text")
		return f, p.errs.Err()
	}
	docs, err := p.documents(src)
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
	return f, p.errs.Err()
}

type parser struct {
	filename string
	errs     ast.ErrorList
	aliases  int // nodes visited through aliases

	alternatives int // values added by modifiers that expand one value into several
}

func (p *parser) pos(line, col int) ast.Pos {
	return ast.Pos{Filename: p.filename, Line: line, Column: col}
}

func (p *parser) at(n *yaml.Node) ast.Pos { return p.pos(n.Line, n.Column) }

// ----------------------------------------------------------------------------
// YAML documents and collections

var yamlLineRx = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// documents splits src into YAML documents, each the root mapping node.
func (p *parser) documents(src []byte) ([]*yaml.Node, error) {
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
		docs = append(docs, root)
	}
}

func (p *parser) yamlError(src []byte, err error) error {
	msg := err.Error()
	m := yamlLineRx.FindStringSubmatch(msg)
	if m == nil {
		return ast.Errorf(ast.Pos{Filename: p.filename}, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
	}
	line, _ := strconv.Atoi(m[1])
	col := 0
	if line > 0 {
		col = firstColumn(src, line)
	}
	return ast.Errorf(p.pos(line, col), "invalid YAML: %s", m[2])
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

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// deref follows aliases, within a budget that defeats alias bombs.
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		p.aliases++
		n = n.Alias
	}
	return n
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
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			c = p.deref(c)
			if c.Kind != yaml.ScalarNode {
				p.errs.Addf(p.at(c), "each entry of %s must be a string, found %s", key, kindName(c))
				continue
			}
			out = append(out, c.Value)
		}
		return out
	}
	p.errs.Addf(p.at(n), "%s must be a list of strings, found %s", key, kindName(n))
	return nil
}

// generic decodes any YAML value into plain Go values, for custom
// attributes.
func (p *parser) generic(n *yaml.Node, depth int) any {
	n = p.deref(n)
	if depth > MaxDepth || p.aliases > maxAliasNodes {
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
