package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// SplitHashes turns the "ALGO=hash" values of Fields into one item per
// algorithm, on the field FieldPrefix (followed by the algorithm with
// AppendAlgorithm).
type SplitHashes struct {
	StepCommon      `yaml:"-"`
	Fields          []string `yaml:"fields"`
	Algorithms      []string `yaml:"algorithms"`
	FieldPrefix     string   `yaml:"field_prefix"`
	AppendAlgorithm bool     `yaml:"append_algorithm"`
	// Unavailable, when set, is the reason why the target cannot test a
	// value of another algorithm ({algorithm} is filled): such values are
	// kept on the original field and marked unavailable (unavailable.go)
	// instead of being dropped without a word.
	Unavailable string `yaml:"unavailable"`
}

func init() {
	register(stepType{Name: "split_hashes", Help: "split ALGO=hash values into one field per algorithm",
		Required: []string{"fields", "algorithms"}, Optional: []string{"field_prefix", "append_algorithm", "unavailable"},
		New: func() Step { return new(SplitHashes) }})
}

func (s *SplitHashes) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(s.Fields, fm.Field) || len(x.errs) > 0 {
			return fm
		}
		return s.split(x, fm)
	})
}

// split returns the OR of one item per algorithm that replaces fm.
func (s *SplitHashes) split(x *run, fm *ast.FieldMatch) ast.Matcher {
	var order []string
	groups := map[string][]ast.Value{}
	valid := false
	var other []ast.Value // values of other algorithms, with Unavailable
	for _, v := range fm.Values {
		text, ok := ast.ValueText(v)
		if !ok {
			continue
		}
		algo, hash := hashAlgorithm(text, s.Algorithms)
		if algo != "" {
			valid = true
		} else if s.Unavailable != "" {
			reason := strings.ReplaceAll(s.Unavailable, "{algorithm}", algorithmName(text))
			if strings.Contains(text, ",") {
				reason = fmt.Sprintf("the value %q spans several of Sysmon's ALGO=hash entries, and the target keeps each hash in its own field", text)
			}
			x.res.markUnavailable(v, reason)
			other = append(other, v)
			continue
		}
		name := s.FieldPrefix
		if s.AppendAlgorithm {
			name += algo
		}
		if _, seen := groups[name]; !seen {
			order = append(order, name)
		}
		groups[name] = append(groups[name], ast.ParseString(v.Pos(), hash))
	}
	if !valid && len(other) > 0 {
		s.mark(x)
		return &ast.FieldMatch{KeyPos: fm.KeyPos, Field: fm.Field, Values: other}
	}
	if !valid {
		x.errs.Addf(fm.KeyPos, "no value of %s names a known hash algorithm: expected ALGO=hash with ALGO one of %s", fm.Field, strings.Join(s.Algorithms, ", "))
		return fm
	}
	s.mark(x)
	any := &ast.AnyOf{ListPos: fm.KeyPos}
	for _, name := range order {
		if name == "" {
			continue
		}
		n := &ast.FieldMatch{KeyPos: fm.KeyPos, Field: name, Values: groups[name]}
		x.mapped[n] = true
		any.Items = append(any.Items, n)
	}
	if len(other) > 0 {
		any.Items = append(any.Items, &ast.FieldMatch{KeyPos: fm.KeyPos, Field: fm.Field, Values: other})
	}
	if len(any.Items) == 1 {
		return any.Items[0]
	}
	return any
}

// algorithmName returns the name before "=" or "|" in a Hashes value, or
// "unknown".
func algorithmName(text string) string {
	if i := strings.IndexAny(text, "=|"); i > 0 {
		return strings.ToUpper(strings.TrimLeft(text[:i], "*"))
	}
	return "unknown"
}

// hashAlgorithm splits a Hashes value: "ALGO=hash" or "ALGO|hash", or a bare
// hash whose algorithm is told by its length (wildcards, which contains,
// startswith and endswith add, are no part of it: "*" and 31 digits are
// no MD5 hash).
func hashAlgorithm(text string, valid []string) (algo, hash string) {
	sep := "|"
	if !strings.Contains(text, sep) {
		sep = "="
	}
	name, hash, found := strings.Cut(text, sep)
	if found && !strings.Contains(hash, sep) {
		name = strings.ToUpper(strings.TrimLeft(name, "*"))
		if slices.Contains(valid, name) {
			return name, hash
		}
		return "", hash
	}
	hash = name // all of the text, or what comes before the first of several separators
	switch len(strings.Trim(hash, "*")) {
	case 32:
		return "MD5", hash
	case 40:
		return "SHA1", hash
	case 64:
		return "SHA256", hash
	case 128:
		return "SHA512", hash
	}
	return "", hash
}
