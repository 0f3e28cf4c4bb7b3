package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// A Step is one step of a pipeline (a transformation). Its concrete types
// are the pointer types of the step_*.go files, one per step type:
// *SelectTable, *SetTable, *DropFields, *MapFields, *PrefixFields,
// *MapValues, *BasenameValue, *ReplacePrefix, *SplitDomainUser,
// *SplitHashes, *ValidateFields, *AllowFields, *AddCondition, *SetState,
// *Fail and *Placeholders. The family is sealed: its methods are
// unexported.
type Step interface {
	// Common returns the keys every step has.
	Common() *StepCommon
	// decode reads the keys of the step that its fields' yaml tags do
	// not: the loader decodes the step's mapping n into the step first,
	// with type errors reported, then calls decode (see StepCommon).
	decode(d *decoder, n *yaml.Node)
	// apply runs the step over the rule of x.
	apply(x *run)
	// field renames or checks the field of fm, a lone item that tests one
	// field name, exactly as apply treats such an item of the rule; it
	// returns the item that stands for the field afterwards. Steps that
	// neither rename nor check field names return fm (see StepCommon).
	field(x *run, fm *ast.FieldMatch) *ast.FieldMatch
}

// StepCommon holds the keys of every step: id, type, when, and where the
// step is written. Every step type embeds it.
type StepCommon struct {
	ID   string
	Type string
	When *RuleCond
	Pos  ast.Pos
}

// Common returns c.
func (c *StepCommon) Common() *StepCommon { return c }

// decode does nothing: the default of steps whose keys are all read by
// the yaml tags of their fields.
func (c *StepCommon) decode(d *decoder, n *yaml.Node) {}

// field leaves field names alone: the default of steps that change values,
// tables or conditions.
func (c *StepCommon) field(x *run, fm *ast.FieldMatch) *ast.FieldMatch { return fm }

// mark records that the step did something, for the applied and
// not_applied tests of later steps.
func (c *StepCommon) mark(x *run) {
	if c.ID != "" {
		x.applied[c.ID] = true
	}
}

// A stepType describes a step type: its name, its keys and what it does.
type stepType struct {
	Name string
	Help string // one line
	// Required lists the keys a step of this type needs; "a|b" needs
	// one of a and b. Optional lists the others. The common keys (id,
	// type, when) are in neither.
	Required []string
	Optional []string
	New      func() Step
}

// keys returns every key a step of type t may have.
func (t *stepType) keys() []string {
	keys := slices.Clone(commonKeys)
	for _, r := range t.Required {
		keys = append(keys, strings.Split(r, "|")...)
	}
	return append(keys, t.Optional...)
}

var (
	stepTypes  = map[string]*stepType{}
	commonKeys = []string{"id", "type", "when"}
)

// register adds a step type; each step's file calls it from init.
func register(t stepType) {
	if _, dup := stepTypes[t.Name]; dup {
		panic("pipeline: step type registered twice: " + t.Name)
	}
	stepTypes[t.Name] = &t
}

// StepTypes returns the names of the step types, sorted, with a one-line
// help text each.
func StepTypes() (names []string, help map[string]string) {
	help = map[string]string{}
	for name, t := range stepTypes {
		names = append(names, name)
		help[name] = t.Help
	}
	sort.Strings(names)
	return names, help
}

// A decoder collects the errors of one pipeline file.
type decoder struct {
	filename string
	errs     ast.ErrorList
}

func (d *decoder) pos(n *yaml.Node) ast.Pos {
	return ast.Pos{Filename: d.filename, Line: n.Line, Column: n.Column}
}

// decode decodes n into v, reporting values of the wrong type. It reports
// false for a node that cannot be decoded at all.
func (d *decoder) decode(n *yaml.Node, v any) bool {
	err := n.Decode(v)
	if err == nil {
		return true
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		d.errs.Add(d.pos(n), "invalid transformation: "+yamlErrMsg(err.Error()))
		return false
	}
	d.errs = append(d.errs, yamlErrors(d.filename, n, err)...)
	return true
}

// unknownKeys reports the keys of the mapping n that are not in known,
// with the nearest known key as a hint.
func (d *decoder) unknownKeys(n *yaml.Node, known []string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if slices.Contains(known, k.Value) {
			continue
		}
		msg := fmt.Sprintf("unknown key %q", k.Value)
		if s := suggest.Nearest(k.Value, known); s != "" {
			msg += fmt.Sprintf(", did you mean %q?", s)
		} else {
			msg += "; expected one of " + strings.Join(known, ", ")
		}
		d.errs.Add(d.pos(k), msg)
	}
}

// value returns the value of key in the mapping n, or nil.
func value(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// given reports whether the mapping n gives key a value: not null, not
// an empty list, not an empty string.
func given(n *yaml.Node, key string) bool {
	v := value(n, key)
	switch {
	case v == nil:
		return false
	case v.Kind == yaml.ScalarNode:
		return v.Tag != "!!null" && v.Value != ""
	case v.Kind == yaml.SequenceNode:
		return len(v.Content) > 0
	}
	return true
}

// step decodes one transformation.
func (d *decoder) step(n *yaml.Node) Step {
	pos := d.pos(n)
	var c struct {
		ID   string    `yaml:"id"`
		Type string    `yaml:"type"`
		When *RuleCond `yaml:"when"`
	}
	before := len(d.errs)
	if !d.decode(n, &c) {
		return nil
	}
	t, ok := stepTypes[c.Type]
	if !ok {
		d.unknownType(pos, c.Type)
		return nil
	}
	d.unknownKeys(n, t.keys())
	if w := value(n, "when"); w != nil {
		// A misspelt test would silently hold for every rule.
		d.unknownKeys(w, condKeys)
	}
	s := t.New()
	d.decode(n, s)
	badKeys := len(d.errs) > before // misspelt keys or values of the wrong type
	*s.Common() = StepCommon{ID: c.ID, Type: c.Type, When: c.When, Pos: pos}
	s.decode(d, n)
	for _, req := range t.Required {
		if badKeys {
			break // the likelier cause of a missing key: reported above
		}
		ok := false
		for _, alt := range strings.Split(req, "|") {
			ok = ok || given(n, alt)
		}
		if !ok {
			d.errs.Addf(pos, "transformation %s needs %s", c.Type, strings.ReplaceAll(req, "|", " or "))
		}
	}
	return s
}

func (d *decoder) unknownType(pos ast.Pos, typ string) {
	types, _ := StepTypes()
	msg := fmt.Sprintf("unknown transformation type %q", typ)
	if typ == "" {
		msg = "transformation without type"
	}
	if s := suggest.Nearest(typ, types); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	} else {
		msg += "; expected one of " + strings.Join(types, ", ")
	}
	d.errs.Add(pos, msg)
}

// anyValue returns the value of key in the mapping n: the text of a
// scalar, else the value decoded (a list, a mapping), or nil.
func anyValue(n *yaml.Node, key string) any {
	v := value(n, key)
	if v == nil {
		return nil
	}
	if v.Kind == yaml.ScalarNode {
		return v.Value
	}
	var out any
	_ = v.Decode(&out)
	return out
}
