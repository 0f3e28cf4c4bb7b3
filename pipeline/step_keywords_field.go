package pipeline

import "github.com/sigma2kql/sigma2kql/ast"

// KeywordsField searches the rule's keywords (values without a field) in
// Field instead of in the whole event: each keyword becomes a contains test
// of Field, case-insensitive as keywords are; a regular expression keeps
// its pattern. For tables whose raw columns would give a keyword the wrong
// text, such as an XML column whose values are entity-encoded.
type KeywordsField struct {
	StepCommon `yaml:"-"`
	Field      string `yaml:"field"`
}

func init() {
	register(stepType{Name: "keywords_field", Help: "search keywords in field instead of the whole event",
		Required: []string{"field"}, New: func() Step { return new(KeywordsField) }})
}

func (s *KeywordsField) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field != "" {
			return fm
		}
		fm.Field = s.Field
		vals := make([]ast.Value, len(fm.Values))
		for i, v := range fm.Values {
			vals[i] = containsValue(v)
		}
		fm.Values = vals
		s.mark(x)
		return fm
	})
}

// containsValue returns a keyword's value as a contains test: a new
// string with leading and trailing wildcards (values are replaced, never
// changed), as the contains modifier makes them; other values as they are.
func containsValue(v ast.Value) ast.Value {
	switch v := v.(type) {
	case *ast.String:
		c := *v
		c.Parts = append([]ast.Part(nil), v.Parts...)
		wrap(&c, "contains")
		return &c
	case *ast.Number:
		c := ast.NewString(v.ValuePos, v.Text)
		wrap(c, "contains")
		return c
	}
	return v
}

// wrap re-applies a contains, startswith or endswith modifier to s.
func wrap(s *ast.String, mod string) {
	if (mod == "contains" || mod == "endswith") && !s.StartsWith(ast.WildcardMulti) {
		s.Prepend(ast.Part{Kind: ast.WildcardMulti})
	}
	if (mod == "contains" || mod == "startswith") && !s.EndsWith(ast.WildcardMulti) {
		s.Append(ast.Part{Kind: ast.WildcardMulti})
	}
}
