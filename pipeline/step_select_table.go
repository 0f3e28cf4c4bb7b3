package pipeline

import (
	"fmt"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sigma2kql/sigma2kql/ast"
)

// SelectTable chooses the query table from the pipeline's tables section:
// by log source category or, without one, by the event IDs the rule tests.
type SelectTable struct {
	StepCommon `yaml:"-"`
}

func init() {
	register(stepType{Name: "select_table", Help: "choose the query table from the tables section",
		New: func() Step { return new(SelectTable) }})
}

func (s *SelectTable) apply(x *run) {
	if x.res.Table != "" {
		return
	}
	p := x.p
	ts := p.Tables
	if ts == nil {
		x.errs.Addf(s.Pos, "pipeline %s: select_table needs a tables section", p.Name)
		return
	}
	ls := x.rule.Logsource
	if ls.Category != "" {
		if table, ok := ts.Categories[ls.Category]; ok {
			x.res.Table = table
			s.mark(x)
			return
		}
		x.noTable(fmt.Sprintf("log source category %q has no table in pipeline %s", ls.Category, p.Name))
		return
	}
	if ts.EventIDs != nil && x.rule.Detection != nil {
		g := x.scanEventIDs(ts.EventIDs)
		if g != nil && g.Table != "" {
			x.res.Table = g.Table
			s.mark(x)
			return
		}
		if g != nil && g.Reason != "" {
			x.rejectTable(fmt.Sprintf("pipeline %s has no table for the rule's event IDs (group %s): %s", p.Name, g.Name, g.Reason))
			return
		}
	}
	what := "the rule has no log source category"
	if ls.Service != "" {
		what += fmt.Sprintf(" (service %q)", ls.Service)
	}
	if ts.EventIDs != nil {
		what += " and no event ID that pipeline " + p.Name + " knows in a 'sel*' search"
	} else {
		what += " that pipeline " + p.Name + " maps"
	}
	x.noTable(what)
}

// noTable rejects the rule: with the pipeline's reason for its log
// source, else with why, and names the built-in pipelines that convert it.
func (x *run) noTable(why string) {
	msg := x.reason()
	if msg == "" {
		cats := make([]string, 0, len(x.p.Tables.Categories))
		for c := range x.p.Tables.Categories {
			cats = append(cats, c)
		}
		sort.Strings(cats)
		msg = fmt.Sprintf("cannot choose a query table: %s (categories with a table: %s); set one with -O query_table=TABLE", why, strings.Join(cats, ", "))
	}
	x.rejectTable(msg)
}

// rejectTable rejects the rule for want of a table with msg, followed by
// the built-in pipelines that convert it.
func (x *run) rejectTable(msg string) {
	switch alt := x.alternatives(); len(alt) {
	case 0:
	case 1:
		msg += fmt.Sprintf("; pipeline %s has a table for it (-p %s)", alt[0], alt[0])
	default:
		msg += fmt.Sprintf("; pipelines %s have a table for it (-p NAME)", strings.Join(alt, ", "))
	}
	x.errs.Add(x.rulePos(), msg)
}

// reason returns the message of the first reason of the pipeline's tables
// section that holds for the rule, or "".
func (x *run) reason() string {
	for i := range x.p.Tables.Reasons {
		if r := &x.p.Tables.Reasons[i]; x.holds(&r.When) {
			return expand(r.Message, x)
		}
	}
	return ""
}

// alternatives returns the names of the built-in pipelines, for a target
// of the current one and not in the run, that give the rule a table (a
// pipeline meant to be combined with others may accept a rule it has no
// table for, and is not named then).
func (x *run) alternatives() []string {
	if x.opt.noSuggest || x.orig == nil {
		return nil
	}
	opt := x.opt
	opt.noSuggest = true
	ls := x.orig.Logsource
	key := tableKey{category: ls.Category, product: ls.Product, service: ls.Service, queryTable: opt.QueryTable}
	var out []string
	for _, p := range Builtins() {
		if x.inRun(p.Name) || !slices.ContainsFunc(p.Targets, func(t string) bool { return slices.Contains(x.p.Targets, t) }) {
			continue
		}
		if p.givesTable(x.orig, opt, key) {
			out = append(out, p.Name)
		}
	}
	return out
}

// inRun reports whether a pipeline called name is one of the run.
func (x *run) inRun(name string) bool {
	return slices.ContainsFunc(x.res.pipelines, func(p *Pipeline) bool { return p.Name == name })
}

// givesTable reports whether the pipeline gives rule r a table. Tables
// follow from the log source, except where a pipeline finds them from the
// event IDs of a rule without a category: so the answer is that for a rule
// of the same log source without searches, kept per pipeline and log
// source (and tags, for a pipeline whose conditions test them), and only
// such rules are applied whole. Every rejected rule asks this of every
// built-in pipeline. key holds the rule's log source and query table (see
// alternatives).
func (p *Pipeline) givesTable(r *ast.Rule, opt Options, key tableKey) bool {
	if r.Detection == nil {
		res, err := Apply([]*Pipeline{p}, r, opt)
		return err == nil && res.Table != ""
	}
	var scan *EventIDScan
	if r.Logsource.Category == "" && p.Tables != nil {
		scan = p.Tables.EventIDs
	}
	key.p, key.eventIDs = p, scan.key(r)
	if p.testsTags {
		key.tags = strings.Join(r.Tags, "\n")
	}
	if gives, ok := tableCache.load(key); ok {
		return gives
	}
	ids := scan.searches(r)
	bare := &ast.Rule{DocPos: r.DocPos, Meta: r.Meta, Logsource: r.Logsource,
		Detection: &ast.Detection{DetPos: r.Detection.DetPos, Searches: ids, Conditions: r.Detection.Conditions}}
	res, err := Apply([]*Pipeline{p}, bare, opt)
	gives := err == nil && res.Table != ""
	tableCache.store(key, gives)
	return gives
}

// scanned yields the searches that an event ID scan reads (maps whose
// lower-cased name starts with scan.Detections), each with the items it
// reads: those that test one of scan.Fields.
func (scan *EventIDScan) scanned(r *ast.Rule) iter.Seq2[*ast.Search, iter.Seq[*ast.FieldMatch]] {
	return func(yield func(*ast.Search, iter.Seq[*ast.FieldMatch]) bool) {
		for _, s := range r.Detection.Searches {
			m, ok := s.Body.(*ast.AllOf)
			if !ok || !strings.HasPrefix(strings.ToLower(s.Name), scan.Detections) {
				continue
			}
			if !yield(s, scan.items(m)) {
				return
			}
		}
	}
}

func (scan *EventIDScan) items(m *ast.AllOf) iter.Seq[*ast.FieldMatch] {
	return func(yield func(*ast.FieldMatch) bool) {
		for _, it := range m.Items {
			if fm, ok := it.(*ast.FieldMatch); ok && slices.Contains(scan.Fields, fm.Field) && !yield(fm) {
				return
			}
		}
	}
}

// searches returns the searches that an event ID scan reads, with only the
// items it reads; none for a nil scan.
func (scan *EventIDScan) searches(r *ast.Rule) []*ast.Search {
	if scan == nil {
		return nil
	}
	var out []*ast.Search
	for s, items := range scan.scanned(r) {
		ids := &ast.AllOf{MapPos: s.Body.Pos()}
		for fm := range items {
			ids.Items = append(ids.Items, fm)
		}
		out = append(out, &ast.Search{NamePos: s.NamePos, Name: s.Name, Body: ids})
	}
	return out
}

// key returns the text of what an event ID scan reads in r, as a key; ""
// for a nil scan.
func (scan *EventIDScan) key(r *ast.Rule) string {
	if scan == nil {
		return ""
	}
	var key strings.Builder
	for _, items := range scan.scanned(r) {
		for fm := range items {
			for _, v := range fm.Values {
				text, _ := ast.ValueText(v)
				key.WriteString(fm.Field)
				key.WriteByte('=')
				key.WriteString(text)
				key.WriteByte(';')
			}
		}
		key.WriteByte('|')
	}
	return key.String()
}

// tableCache holds the answers of givesTable, per pipeline and log source.
// (A map of its own key type: sync.Map hashes keys as interfaces, which
// cost more than the rest of a rejection.)
var tableCache = &answers{m: map[tableKey]bool{}}

type answers struct {
	mu sync.RWMutex
	m  map[tableKey]bool
}

func (a *answers) load(k tableKey) (gives, ok bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	gives, ok = a.m[k]
	return gives, ok
}

func (a *answers) store(k tableKey, gives bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.m[k] = gives
}

type tableKey struct {
	p                          *Pipeline
	category, product, service string
	tags, queryTable           string
	eventIDs                   string // what an event ID scan reads
}

// scanEventIDs returns the group of the first event ID of the rule's
// 'sel*' searches whose group has a table, else the group of the first one
// whose group gives a reason for having none, else nil.
func (x *run) scanEventIDs(scan *EventIDScan) *EventIDGroup {
	var reason *EventIDGroup
	for _, items := range scan.scanned(x.rule) {
		for fm := range items {
			for _, v := range fm.Values {
				g := scan.group(v, x.rule.Logsource.Service)
				switch {
				case g == nil:
				case g.Table != "":
					return g
				case g.Reason != "" && reason == nil:
					reason = g
				}
			}
		}
	}
	return reason
}

// group returns the first group with a table or a reason that lists event
// ID v for rules of log source service, or nil.
func (scan *EventIDScan) group(v ast.Value, service string) *EventIDGroup {
	id, ok := eventID(v)
	if !ok {
		return nil
	}
	for i, g := range scan.Groups {
		if g.Services != nil && !slices.Contains(g.Services, service) {
			continue
		}
		if slices.Contains(g.IDs, id) && (g.Table != "" || g.Reason != "") {
			return &scan.Groups[i]
		}
	}
	return nil
}

func eventID(v ast.Value) (int64, bool) {
	switch v := v.(type) {
	case *ast.Number:
		return v.Int()
	case *ast.String:
		if v.IsPlain() {
			i, err := strconv.ParseInt(strings.TrimSpace(v.Plain()), 10, 64)
			return i, err == nil
		}
	}
	return 0, false
}
