package playground

import (
	"encoding/json"
	"io/fs"
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql"
	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/parser"
)

// Seed is the example the page opens with: the rule whose query the README
// documents.
const Seed = "rules/windows/image_load/image_load_dll_cmstp_susp_location.yml"

// An example is a rule file of rules/ offered in the page, with the filter
// files that name one of its rules.
type example struct {
	Path    string   `json:"path"`
	Title   string   `json:"title"`
	Text    string   `json:"text"`
	Filters []string `json:"filters"`
}

type filterFile struct {
	Path  string `json:"path"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

type examples struct {
	Seed     string       `json:"seed"`
	Examples []example    `json:"examples"`
	Filters  []filterFile `json:"filters"`
}

// examplesJSON lists the files of rules/ that parse: rules and
// correlations as examples, filter files as filters. Files that do not
// parse (error examples, pipelines, placeholder values) are left out.
func examplesJSON() ([]byte, error) {
	ex := examples{Seed: Seed}
	refs := map[string][]string{} // filter file -> rule ids and names it names
	err := fs.WalkDir(sigma2kql.Rules, "rules", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")) {
			return err
		}
		src, err := fs.ReadFile(sigma2kql.Rules, name)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(name, src)
		if err != nil || len(f.Docs) == 0 {
			return nil
		}
		if names, ok := filterRefs(f.Docs); ok {
			ex.Filters = append(ex.Filters, filterFile{Path: name, Title: title(f.Docs[0]), Text: string(src)})
			refs[name] = names
			return nil
		}
		ex.Examples = append(ex.Examples, example{Path: name, Title: title(f.Docs[0]), Text: string(src), Filters: []string{}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, e := range ex.Examples {
		ids := ruleNames(e)
		for _, flt := range ex.Filters {
			if slices.ContainsFunc(refs[flt.Path], func(n string) bool { return slices.Contains(ids, n) }) {
				ex.Examples[i].Filters = append(ex.Examples[i].Filters, flt.Path)
			}
		}
	}
	return json.Marshal(ex)
}

// filterRefs returns the rules that the filter documents name, and whether
// every document is a filter.
func filterRefs(docs []ast.Document) ([]string, bool) {
	var names []string
	for _, d := range docs {
		f, ok := d.(*ast.Filter)
		if !ok {
			return nil, false
		}
		for _, r := range f.Rules {
			names = append(names, r.Name)
		}
	}
	return names, true
}

// ruleNames returns the ids and names of the rules of an example.
func ruleNames(e example) []string {
	f, err := parser.ParseFile(e.Path, []byte(e.Text))
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range f.Docs {
		if r, ok := d.(*ast.Rule); ok {
			out = append(out, r.ID, r.Name)
		}
	}
	return out
}

func title(d ast.Document) string {
	r := engine.Result{Doc: d}
	return r.Title()
}
