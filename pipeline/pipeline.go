// Package pipeline implements processing pipelines: declarative YAML files
// that adapt a parsed Sigma rule to a target before a backend prints it.
// A pipeline chooses the query table, renames fields, rewrites values,
// checks fields against a table schema, adds conditions and says how the
// final query is assembled.
//
// The built-in pipelines are YAML files embedded in the binary; users load
// their own in the same format. The format is documented in the README.
package pipeline

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A Pipeline is a parsed processing pipeline.
type Pipeline struct {
	Name        string
	Aliases     []string
	Description string
	Targets     []string // targets the pipeline is meant for; empty means any
	Priority    int      // lower runs first
	Builtin     bool
	File        string // where it was loaded from

	QueryTable string // table for every rule (the query_table key)
	Query      string // how a query is assembled: "{table}", "{condition}"
	TimeColumn string // the event time column, for correlations
	Tables     *TableSelection
	Schema     map[string]*Table
	Vars       map[string][]string // placeholder values

	Steps []Step // the transformations, in order

	testsTags bool // a condition of the pipeline tests the rule's tags (set by parse)
}

// conditionsTestTags reports whether a step's condition or a rejection
// reason of p tests the rule's tags.
func (p *Pipeline) conditionsTestTags() bool {
	for _, s := range p.Steps {
		if c := s.Common().When; c != nil && len(c.Tag) > 0 {
			return true
		}
	}
	if p.Tables != nil {
		for _, r := range p.Tables.Reasons {
			if len(r.When.Tag) > 0 {
				return true
			}
		}
	}
	return false
}

// A Table is a table schema: its columns and their types.
type Table struct {
	Name    string
	Columns map[string]string // column -> type

	names []string // the names of Columns, sorted, when the loader made the table
}

// columnNames returns the names of the table's columns, sorted.
func (t *Table) columnNames() []string {
	if t.names != nil && len(t.names) == len(t.Columns) {
		return t.names
	}
	return slices.Sorted(maps.Keys(t.Columns))
}

// A TableSelection chooses the query table of a rule from its log source
// category or, without a category, from the event IDs it tests.
type TableSelection struct {
	Categories map[string]string
	EventIDs   *EventIDScan
	Error      string // message when no table is found
	// Reasons say why a rule without a table cannot be converted: the
	// first whose condition holds gives the message.
	Reasons []Reason
	pos     ast.Pos
}

// A Reason is the message of a rejection for the rules that When selects
// (log source tests only: category, product, service, tag).
type Reason struct {
	When    RuleCond
	Message string
}

// An EventIDScan finds a table from event IDs in a rule's detections.
type EventIDScan struct {
	Detections string   // only detections whose lower-cased name starts with this
	Fields     []string // fields holding event IDs
	Groups     []EventIDGroup
}

// An EventIDGroup is a set of event IDs and the table they are logged to.
type EventIDGroup struct {
	Name  string
	IDs   []int64
	Table string // "" if the group has no table
	// Reason, for a group without a table, says why the target has no
	// table for these events: a rule that tests one of them (and no event
	// ID of a group with a table) is rejected with it.
	Reason string
	// Services, when set, limits the group to rules of these log source
	// services ("" for a rule without one): event IDs are numbered per
	// log, and Sysmon's 21 is not the TerminalServices log's 21.
	Services []string
}

// A Mapping maps Sigma field names to one or more target fields, in the
// order written.
type Mapping struct {
	Keys []string
	To   map[string][]string
}

// Lookup returns the targets of field.
func (m *Mapping) Lookup(field string) ([]string, bool) {
	if m == nil {
		return nil, false
	}
	t, ok := m.To[field]
	return t, ok
}

// A RuleCond restricts a transformation to some rules. Every listed test
// must hold; each test holds when one of its values matches.
type RuleCond struct {
	Category    NameList `yaml:"category"`
	CategoryNot NameList `yaml:"category_not"`
	Product     NameList `yaml:"product"`
	Service     NameList `yaml:"service"`
	Table       NameList `yaml:"table"`
	TableNot    NameList `yaml:"table_not"`
	Applied     NameList `yaml:"applied"`
	NotApplied  NameList `yaml:"not_applied"`
	Tag         NameList `yaml:"tag"`
}

// A NameList is a list of names written in YAML as a list or as one name.
type NameList []string

// UnmarshalYAML accepts a scalar as a list of one.
func (n *NameList) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		*n = NameList{v.Value}
		return nil
	}
	var l []string
	if err := v.Decode(&l); err != nil {
		return err
	}
	*n = l
	return nil
}

// ----------------------------------------------------------------------------
// Loading

//go:embed builtin/*.yml
var builtinFS embed.FS

// A builtinFile is a built-in pipeline file, parsed on first use: a run
// parses the pipelines it names, not all of them.
type builtinFile struct {
	name string // path in builtinFS
	once sync.Once
	p    *Pipeline
	err  error
}

func (f *builtinFile) load() (*Pipeline, error) {
	f.once.Do(func() {
		src, err := builtinFS.ReadFile(f.name)
		if err != nil {
			f.err = err
			return
		}
		f.p, f.err = parse(f.name, src, func(rel string) ([]byte, error) {
			return builtinFS.ReadFile(path.Join("builtin", rel))
		})
		if f.err == nil {
			f.p.Builtin = true
		}
	})
	return f.p, f.err
}

var (
	builtinFiles = sync.OnceValue(func() []*builtinFile {
		entries, err := fs.ReadDir(builtinFS, "builtin")
		if err != nil {
			panic("pipeline: built-in pipelines: " + err.Error())
		}
		var out []*builtinFile
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".yml") && !strings.HasPrefix(e.Name(), "schema_") {
				out = append(out, &builtinFile{name: "builtin/" + e.Name()})
			}
		}
		return out
	})

	builtinOnce sync.Once
	builtins    map[string]*Pipeline
	builtinList []*Pipeline
	builtinErr  error
)

// loadBuiltins parses every built-in pipeline, in parallel, and indexes
// them by name and alias.
func loadBuiltins() {
	files := builtinFiles()
	var wg sync.WaitGroup
	for _, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.load()
		}()
	}
	wg.Wait()
	builtins = map[string]*Pipeline{}
	for _, f := range files {
		p, err := f.load()
		if err != nil {
			builtinErr = err
			return
		}
		builtinList = append(builtinList, p)
		builtins[p.Name] = p
		for _, a := range p.Aliases {
			builtins[a] = p
		}
	}
	sort.Slice(builtinList, func(i, j int) bool { return builtinList[i].Name < builtinList[j].Name })
}

// Builtin returns the built-in pipeline called name (or one of its
// aliases), or nil. A pipeline is in the file named after it: when that
// file holds it, no other file is parsed.
func Builtin(name string) *Pipeline {
	for _, f := range builtinFiles() {
		if f.name != "builtin/"+name+".yml" {
			continue
		}
		p, err := f.load()
		if err != nil {
			panic("pipeline: invalid built-in pipeline: " + err.Error())
		}
		if p.Name == name {
			return p
		}
	}
	return loadedBuiltins()[name]
}

// Builtins returns the built-in pipelines sorted by name.
func Builtins() []*Pipeline {
	loadedBuiltins()
	return builtinList
}

// loadedBuiltins returns the built-in pipelines by name and alias, parsed
// once for the process.
func loadedBuiltins() map[string]*Pipeline {
	builtinOnce.Do(loadBuiltins)
	if builtinErr != nil {
		panic("pipeline: invalid built-in pipeline: " + builtinErr.Error())
	}
	return builtins
}

// Load parses a pipeline file. readFile resolves files the pipeline names
// (a schema file), relative to the pipeline file; it may be nil.
func Load(filename string, src []byte, readFile func(rel string) ([]byte, error)) (*Pipeline, error) {
	return parse(filename, src, readFile)
}

// Names returns the built-in pipeline names for messages.
func Names() []string {
	var out []string
	for _, p := range Builtins() {
		out = append(out, p.Name)
	}
	return out
}

type fileFormat struct {
	Name            string               `yaml:"name"`
	Aliases         []string             `yaml:"aliases"`
	Description     string               `yaml:"description"`
	Targets         []string             `yaml:"targets"`
	Priority        *int                 `yaml:"priority"`
	QueryTable      string               `yaml:"query_table"`
	Query           string               `yaml:"query"`
	TimeColumn      string               `yaml:"time_column"`
	Tables          *tablesFormat        `yaml:"tables"`
	Schema          yaml.Node            `yaml:"schema"`
	Vars            map[string]yaml.Node `yaml:"vars"`
	Transformations []yaml.Node          `yaml:"transformations"`
}

type tablesFormat struct {
	Categories map[string]string `yaml:"categories"`
	EventIDs   *struct {
		Detections string   `yaml:"detections"`
		Fields     []string `yaml:"fields"`
		Groups     []struct {
			Name     string   `yaml:"name"`
			IDs      []int64  `yaml:"ids"`
			Table    string   `yaml:"table"`
			Reason   string   `yaml:"reason"`
			Services []string `yaml:"services"`
		} `yaml:"groups"`
	} `yaml:"event_ids"`
	Error   string `yaml:"error"`
	Reasons []struct {
		RuleCond `yaml:",inline"`
		Message  string `yaml:"message"`
	} `yaml:"reasons"`
}

var (
	lineRx = regexp.MustCompile(`line (\d+): (.*)`)
	typeRx = regexp.MustCompile("cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)")
)

func parse(filename string, src []byte, readFile func(string) ([]byte, error)) (*Pipeline, error) {
	d := &decoder{filename: filename}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, yamlErrors(filename, nil, err)
	}
	var f fileFormat
	if err := root.Decode(&f); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, yamlErrors(filename, &root, err)
		}
		// The rest of the file was decoded: report its problems too.
		d.errs = append(d.errs, yamlErrors(filename, &root, err)...)
	}
	if len(root.Content) > 0 {
		d.fileKeys(root.Content[0])
	}
	p := &Pipeline{
		Name:        f.Name,
		Aliases:     f.Aliases,
		Description: f.Description,
		Targets:     f.Targets,
		File:        filename,
		QueryTable:  f.QueryTable,
		Query:       f.Query,
		TimeColumn:  f.TimeColumn,
		Vars:        map[string][]string{},
	}
	if p.Name == "" {
		base := path.Base(strings.ReplaceAll(filename, "\\", "/"))
		p.Name = strings.TrimSuffix(strings.TrimSuffix(base, ".yml"), ".yaml")
	}
	if f.Priority != nil {
		p.Priority = *f.Priority
	}
	p.Tables = tableSelection(f.Tables)
	for k, v := range f.Vars {
		vals, err := stringList(&v)
		if err != nil {
			d.errs.Addf(d.pos(&v), "vars %s: %v", k, err)
		}
		p.Vars[k] = vals
	}
	if f.Schema.Kind != 0 {
		schema, err := loadSchema(filename, &f.Schema, readFile)
		if err != nil {
			d.errs.Append(err)
		}
		p.Schema = schema
	}
	for i := range f.Transformations {
		if s := d.step(&f.Transformations[i]); s != nil {
			p.Steps = append(p.Steps, s)
		}
	}
	p.testsTags = p.conditionsTestTags()
	d.errs.Sort()
	return p, d.errs.Err()
}

func tableSelection(f *tablesFormat) *TableSelection {
	if f == nil {
		return nil
	}
	ts := &TableSelection{Categories: f.Categories, Error: f.Error}
	if e := f.EventIDs; e != nil {
		scan := &EventIDScan{Detections: e.Detections, Fields: e.Fields}
		for _, g := range e.Groups {
			scan.Groups = append(scan.Groups, EventIDGroup{Name: g.Name, IDs: g.IDs, Table: g.Table, Reason: g.Reason, Services: g.Services})
		}
		ts.EventIDs = scan
	}
	for _, r := range f.Reasons {
		ts.Reasons = append(ts.Reasons, Reason{When: r.RuleCond, Message: r.Message})
	}
	return ts
}

// yamlErrors turns an error of yaml.v3 into positioned errors. yaml.v3
// gives only the line of a problem; the column is that of the node on that
// line that the message is about (a value of the wrong type), looked up in root.
func yamlErrors(filename string, root *yaml.Node, err error) ast.ErrorList {
	var errs ast.ErrorList
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	syntax := !errors.As(err, &te)
	if !syntax {
		msgs = te.Errors
	}
	for _, m := range msgs {
		pos := ast.Pos{Filename: filename}
		msg := strings.TrimPrefix(m, "yaml: ")
		if sm := lineRx.FindStringSubmatch(m); sm != nil {
			pos.Line, _ = strconv.Atoi(sm[1])
			pos.Column = 1
			msg = sm[2]
		}
		if syntax {
			errs.Add(pos, "invalid YAML: "+msg)
			continue
		}
		if c := column(root, pos.Line, msg); c > 0 {
			pos.Column = c
		}
		errs.Add(pos, typeHint(msg))
	}
	return errs
}

// yamlErrMsg is a yaml.v3 message without its "yaml: line N:" prefix.
func yamlErrMsg(msg string) string {
	if m := lineRx.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// column finds the column of the node on line that msg (a yaml.v3 message)
// is about: the value it quotes, or the mapping
// or list it complains about. It returns 0 if there is none.
func column(root *yaml.Node, line int, msg string) int {
	if root == nil || line == 0 {
		return 0
	}
	value, kind := "", yaml.Kind(0)
	if sm := typeRx.FindStringSubmatch(msg); sm != nil {
		switch sm[1] {
		case "map":
			kind = yaml.MappingNode
		case "seq":
			kind = yaml.SequenceNode
		default:
			value, kind = sm[2], yaml.ScalarNode
		}
	}
	var find func(n *yaml.Node) int
	find = func(n *yaml.Node) int {
		if n.Line == line && n.Kind == kind && (kind != yaml.ScalarNode || n.Value == value) {
			return n.Column
		}
		for _, c := range n.Content {
			if c := find(c); c > 0 {
				return c
			}
		}
		return 0
	}
	return find(root)
}

// typeHint rewrites yaml.v3's messages about values of the wrong type.
func typeHint(msg string) string {
	sm := typeRx.FindStringSubmatch(msg)
	if sm == nil {
		return msg
	}
	target := strings.TrimPrefix(sm[3], "*")
	want := map[string]string{
		"int": "a whole number", "int64": "a whole number", "string": "a string", "bool": "true or false",
		"[]string": "a list of strings", "[]int64": "a list of whole numbers",
	}[target]
	if want == "" {
		want = "a mapping"
		if strings.HasPrefix(target, "[]") {
			want = "a list"
		}
	}
	got := map[string]string{"str": "the string", "int": "the number", "float": "the number", "bool": "the value",
		"map": "a mapping", "seq": "a list", "null": "an empty value"}[sm[1]]
	if got == "" {
		got = "a value of type " + sm[1]
	}
	if sm[2] != "" && sm[1] != "null" {
		got += fmt.Sprintf(" %q", sm[2])
	}
	return "expected " + want + ", not " + got
}

// The keys of a pipeline file, of its tables section and of a step's when.
var (
	fileKeys     = []string{"name", "aliases", "description", "targets", "priority", "query_table", "query", "time_column", "tables", "schema", "vars", "transformations"}
	tablesKeys   = []string{"categories", "event_ids", "error", "reasons"}
	reasonKeys   = []string{"category", "category_not", "product", "service", "tag", "message"}
	eventIDsKeys = []string{"detections", "fields", "groups"}
	groupKeys    = []string{"name", "ids", "table", "reason", "services"}
	condKeys     = []string{"category", "category_not", "product", "service", "table", "table_not", "applied", "not_applied", "tag"}
)

// fileKeys reports the unknown keys of the pipeline file root and of its
// tables section. Those of the steps are reported with each step.
func (d *decoder) fileKeys(root *yaml.Node) {
	d.unknownKeys(root, fileKeys)
	tables := value(root, "tables")
	if tables == nil {
		return
	}
	d.unknownKeys(tables, tablesKeys)
	d.reasons(value(tables, "reasons"))
	ids := value(tables, "event_ids")
	if ids == nil {
		return
	}
	d.unknownKeys(ids, eventIDsKeys)
	if groups := value(ids, "groups"); groups != nil {
		for _, g := range groups.Content {
			d.unknownKeys(g, groupKeys)
		}
	}
}

// reasons checks the entries of the reasons list: log source tests and a
// message each.
func (d *decoder) reasons(n *yaml.Node) {
	if n == nil {
		return
	}
	for _, r := range n.Content {
		d.unknownKeys(r, reasonKeys)
		if m := value(r, "message"); m == nil || m.Value == "" {
			d.errs.Addf(d.pos(r), "a reason needs a message")
		}
	}
}

// mapping reads a field mapping: Sigma field names to a field or a list
// of fields.
func (d *decoder) mapping(n *yaml.Node) *Mapping {
	if n.Kind != yaml.MappingNode {
		d.errs.Addf(d.pos(n), "a field mapping must map Sigma field names to a field or a list of fields")
		return nil
	}
	m := &Mapping{To: map[string][]string{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		l, err := stringList(v)
		if err != nil || len(l) == 0 {
			d.errs.Addf(d.pos(v), "mapping of %s must be a field name or a list of field names", k.Value)
			continue
		}
		if _, dup := m.To[k.Value]; !dup {
			m.Keys = append(m.Keys, k.Value)
		}
		m.To[k.Value] = l
	}
	return m
}

func stringList(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return out, fmt.Errorf("expected a string or a list of strings")
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected a string or a list of strings")
}

// loadSchema reads a schema: inline {table: {column: type}} or the name of
// a file holding that mapping under "tables".
func loadSchema(filename string, n *yaml.Node, readFile func(string) ([]byte, error)) (map[string]*Table, error) {
	pos := ast.Pos{Filename: filename, Line: n.Line, Column: n.Column}
	if n.Kind == yaml.ScalarNode {
		if readFile == nil {
			return nil, ast.Errorf(pos, "schema file %q cannot be read here", n.Value)
		}
		src, err := readFile(n.Value)
		if err != nil {
			return nil, ast.Errorf(pos, "cannot read schema file %q: %v", n.Value, err)
		}
		var doc struct {
			Tables yaml.Node `yaml:"tables"`
		}
		if err := yaml.Unmarshal(src, &doc); err != nil {
			return nil, ast.Errorf(pos, "schema file %q: %s", n.Value, yamlErrMsg(err.Error()))
		}
		n = &doc.Tables
		filename = n.Value
	}
	if n.Kind != yaml.MappingNode {
		return nil, ast.Errorf(pos, "schema must map table names to {column: type} mappings")
	}
	out := make(map[string]*Table, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, cols := n.Content[i].Value, n.Content[i+1]
		t := &Table{Name: name, Columns: make(map[string]string, len(cols.Content)/2)}
		switch cols.Kind {
		case yaml.MappingNode:
			for j := 0; j+1 < len(cols.Content); j += 2 {
				t.Columns[cols.Content[j].Value] = cols.Content[j+1].Value
			}
		case yaml.SequenceNode:
			for _, c := range cols.Content {
				t.Columns[c.Value] = "string"
			}
		default:
			return nil, ast.Errorf(pos, "schema of table %s must map columns to types", name)
		}
		t.names = t.columnNames()
		out[name] = t
	}
	return out, nil
}
