package hostile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The implicit types of YAML 1.1 (the type repository of yaml.org, which
// PyYAML follows): a plain scalar that matches one of these is not read as
// a string by a YAML 1.1 reader.
var yaml11Implicit = []struct {
	tag string
	rx  *regexp.Regexp
}{
	{"bool", regexp.MustCompile(`^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)},
	{"null", regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)},
	{"int", regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)},
	{"float", regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)},
	{"timestamp", regexp.MustCompile(`^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*Z|[-+][0-9]{1,2}(?::[0-9]{2})?)?)$`)},
	{"merge", regexp.MustCompile(`^<<$`)},
	{"value", regexp.MustCompile(`^=$`)},
}

// yaml11Printable reports whether a YAML 1.1 stream may hold r at all
// (the c-printable production), and r is not one of the characters that
// YAML 1.1 reads as a line break besides LF (CR, NEL, LS, PS), which would
// end a comment or a plain scalar where a 1.2 reader goes on.
func yaml11Printable(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return true
	case r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
		return false
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd && r != 0xfeff, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// CheckYAML11 checks that a YAML stream reads the same under YAML 1.1 as
// under yaml.v3 (1.2): no character a 1.1 reader refuses or takes for a
// line break, and no plain scalar that 1.1 resolves to another type than
// yaml.v3 does (yes, on, 12:30, 1.0.0 and = are strings to yaml.v3 and a
// boolean, an integer, a float and a value key to YAML 1.1).
func CheckYAML11(text string) error {
	for i, r := range text {
		if !yaml11Printable(r) {
			return fmt.Errorf("byte %d: character U+%04X, which a YAML 1.1 reader refuses or reads as a line break", i, r)
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := checkPlain(&n); err != nil {
			return err
		}
	}
}

// checkPlain checks that every plain scalar has the same type under YAML
// 1.1 as yaml.v3 gives it, and that no integer is octal to one reader and
// decimal to the other (017).
func checkPlain(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Style == 0 {
		v12 := strings.TrimPrefix(n.ShortTag(), "!!")
		v11 := "str"
		for _, t := range yaml11Implicit {
			if t.rx.MatchString(n.Value) {
				v11 = t.tag
				break
			}
		}
		if v11 != v12 || v11 == "int" && octal11.MatchString(n.Value) {
			return fmt.Errorf("line %d: plain scalar %q is a %s to a YAML 1.1 reader and a %s to yaml.v3", n.Line, n.Value, v11, v12)
		}
	}
	for _, c := range n.Content {
		if err := checkPlain(c); err != nil {
			return err
		}
	}
	return nil
}

// octal11 matches YAML 1.1's octal integers, which YAML 1.2 reads as
// decimal.
var octal11 = regexp.MustCompile(`^[-+]?0[0-7_]+$`)

// YAMLDocs reads a YAML stream with yaml.v3 (YAML 1.2), one map per
// document.
func YAMLDocs(text string) ([]map[string]any, error) {
	var out []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
}

// Comments returns the comment lines at the top of each document of a
// YAML stream, without their "#".
func Comments(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "#") {
			out = append(out, l[1:])
		}
	}
	return out
}
