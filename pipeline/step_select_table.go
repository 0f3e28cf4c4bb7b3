package pipeline

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

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
		if table := x.scanEventIDs(ts.EventIDs); table != "" {
			x.res.Table = table
			s.mark(x)
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

func (x *run) noTable(why string) {
	cats := make([]string, 0, len(x.p.Tables.Categories))
	for c := range x.p.Tables.Categories {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	x.errs.Addf(x.rulePos(), "cannot choose a query table: %s (categories with a table: %s); set one with -O query_table=TABLE", why, strings.Join(cats, ", "))
}

func (x *run) scanEventIDs(scan *EventIDScan) string {
	for _, s := range x.rule.Detection.Searches {
		if !strings.HasPrefix(strings.ToLower(s.Name), scan.Detections) {
			continue
		}
		m, ok := s.Body.(*ast.AllOf)
		if !ok {
			continue
		}
		for _, it := range m.Items {
			fm, ok := it.(*ast.FieldMatch)
			if !ok || !slices.Contains(scan.Fields, fm.Field) {
				continue
			}
			for _, v := range fm.Values {
				if table := scan.table(v); table != "" {
					return table
				}
			}
		}
	}
	return ""
}

// table returns the table of the group that lists event ID v, or "".
func (scan *EventIDScan) table(v ast.Value) string {
	id, ok := eventID(v)
	if !ok {
		return ""
	}
	for _, g := range scan.Groups {
		if slices.Contains(g.IDs, id) {
			return g.Table
		}
	}
	return ""
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
