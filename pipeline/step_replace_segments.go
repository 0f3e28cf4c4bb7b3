package pipeline

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// ReplaceSegments replaces whole segments of path values wherever they
// occur: a segment is text between two separators, or between a separator
// and the start or end of a literal run of the value (a wildcard, or the
// value's end). Segments are compared case-insensitively; wildcards and
// the rest of the value are kept as they are. A replacement is written in
// Sigma's value syntax (so it may hold wildcards), and a segment with
// several replacements gives several values (an OR), one per spelling.
//
// It rewrites registry paths to the spelling a product records: with
// separator "\" and HKLM: [HKEY_LOCAL_MACHINE], the value
// `*\HKLM\SOFTWARE\*` becomes `*\HKEY_LOCAL_MACHINE\SOFTWARE\*`, while
// `*\HKLMX\*` is left alone.
type ReplaceSegments struct {
	StepCommon   `yaml:"-"`
	Fields       []string            `yaml:"fields"`
	Separator    string              `yaml:"separator"`
	Replacements map[string][]string `yaml:"-"`

	repls map[string][]*ast.String // by upper-cased key, parsed
}

func init() {
	register(stepType{Name: "replace_segments", Help: "replace whole path segments of values, anywhere, case-insensitively",
		Required: []string{"fields", "separator", "replacements"}, New: func() Step { return new(ReplaceSegments) }})
}

func (s *ReplaceSegments) decode(d *decoder, n *yaml.Node) {
	v := value(n, "replacements")
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.errs.Addf(d.pos(v), "replacements must map each segment to its replacement(s)")
		return
	}
	s.Replacements = map[string][]string{}
	s.repls = map[string][]*ast.String{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		l, err := stringList(v.Content[i+1])
		if err != nil {
			d.errs.Addf(d.pos(v.Content[i+1]), "%v", err)
			continue
		}
		if len(l) == 0 {
			d.errs.Addf(d.pos(v.Content[i+1]), "segment %q needs at least one replacement", v.Content[i].Value)
		}
		key := v.Content[i].Value
		s.Replacements[key] = l
		up := strings.ToUpper(key)
		for _, r := range l {
			s.repls[up] = append(s.repls[up], ast.ParseString(ast.Pos{}, r))
		}
	}
}

func (s *ReplaceSegments) apply(x *run) {
	if s.Separator == "" {
		return
	}
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(s.Fields, fm.Field) {
			return fm
		}
		return s.item(x, fm)
	})
}

// item returns fm with its values respelled. Under the all modifier a
// value with several spellings becomes an item of its own, whose values
// are the spellings (an OR), ANDed with the rest.
func (s *ReplaceSegments) item(x *run, fm *ast.FieldMatch) ast.Matcher {
	if !slices.ContainsFunc(fm.Values, func(v ast.Value) bool {
		str, ok := v.(*ast.String)
		return ok && !x.res.hasExpression(str) && s.matches(str)
	}) {
		return fm // most items: nothing to respell
	}
	var vals []ast.Value
	var split []*ast.FieldMatch
	changed := false
	for _, v := range fm.Values {
		str, ok := v.(*ast.String)
		var out []ast.Value
		if ok && !x.res.hasExpression(str) {
			out = s.replace(str)
		}
		switch {
		case out == nil:
			vals = append(vals, v)
		case len(out) > 1 && fm.All:
			if fm.Negate {
				x.errs.Addf(v.Pos(), "%s|all|neq: the value %q has %d spellings in the target, which cannot be joined under all and neq; write one item per value", fm.Field, str.Source(), len(out))
			}
			c := *fm
			c.Values, c.All = out, false
			split = append(split, &c)
		default:
			vals = append(vals, out...)
		}
		changed = changed || out != nil
	}
	if !changed {
		return fm
	}
	s.mark(x)
	fm.Values = vals
	if len(split) == 0 {
		return fm
	}
	all := &ast.AllOf{MapPos: fm.KeyPos}
	if len(vals) > 0 {
		all.Items = append(all.Items, fm)
	}
	for _, c := range split {
		all.Items = append(all.Items, c)
	}
	return all
}

// replace returns the spellings of v with its segments replaced, or nil
// when no segment matches.
func (s *ReplaceSegments) replace(v *ast.String) []ast.Value {
	var outs [][]ast.Part
	outs = append(outs, nil)
	changed := false
	for _, p := range v.Parts {
		if p.Kind != ast.Literal {
			outs = appendToAll(outs, []ast.Part{p})
			continue
		}
		segs := strings.Split(p.Text, s.Separator)
		for i, seg := range segs {
			if i > 0 {
				outs = appendToAll(outs, []ast.Part{{Kind: ast.Literal, Text: s.Separator}})
			}
			repls, ok := s.repls[strings.ToUpper(seg)]
			if !ok || seg == "" {
				if seg != "" {
					outs = appendToAll(outs, []ast.Part{{Kind: ast.Literal, Text: seg}})
				}
				continue
			}
			changed = true
			var next [][]ast.Part
			for _, o := range outs {
				for _, r := range repls {
					next = append(next, appendParts(append([]ast.Part(nil), o...), s.after(o, r.Parts)))
				}
			}
			outs = next
		}
	}
	if !changed {
		return nil
	}
	vals := make([]ast.Value, len(outs))
	for i, parts := range outs {
		vals[i] = &ast.String{ValuePos: v.ValuePos, Parts: parts, Cased: v.Cased, Bytes: v.Bytes}
	}
	return vals
}

// matches reports whether a segment of v is one that the step replaces
// (replace would respell v).
func (s *ReplaceSegments) matches(v *ast.String) bool {
	for _, p := range v.Parts {
		if p.Kind != ast.Literal {
			continue
		}
		for seg := range strings.SplitSeq(p.Text, s.Separator) {
			if _, ok := s.repls[strings.ToUpper(seg)]; ok && seg != "" {
				return true
			}
		}
	}
	return false
}

// after returns the parts of a replacement that follow parts: without
// its leading separator when parts end with one (HKLM → \REGISTRY\MACHINE
// in x\HKLM\y gives x\REGISTRY\MACHINE\y).
func (s *ReplaceSegments) after(parts, repl []ast.Part) []ast.Part {
	n := len(parts)
	if n == 0 || len(repl) == 0 || parts[n-1].Kind != ast.Literal || repl[0].Kind != ast.Literal ||
		!strings.HasSuffix(parts[n-1].Text, s.Separator) || !strings.HasPrefix(repl[0].Text, s.Separator) {
		return repl
	}
	out := append([]ast.Part(nil), repl...)
	out[0].Text = out[0].Text[len(s.Separator):]
	if out[0].Text == "" {
		out = out[1:]
	}
	return out
}

func appendToAll(outs [][]ast.Part, ps []ast.Part) [][]ast.Part {
	for i := range outs {
		outs[i] = appendParts(outs[i], ps)
	}
	return outs
}

// appendParts appends ps to parts, merging adjacent literals.
func appendParts(parts, ps []ast.Part) []ast.Part {
	for _, p := range ps {
		if n := len(parts); p.Kind == ast.Literal && n > 0 && parts[n-1].Kind == ast.Literal {
			parts[n-1].Text += p.Text
			continue
		}
		parts = append(parts, p)
	}
	return parts
}
