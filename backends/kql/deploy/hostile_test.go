package deploy_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/backends/kql/deploy"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/hostile"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A hostileCase is a generated rule as the parser read it, processed, with
// its plain query.
type hostileCase struct {
	rule  *ast.Rule
	res   *pipeline.Result
	query string
}

// hostileCases parses and processes the generated rules; every one must
// parse and convert to one query.
func hostileCases(t *testing.T, b *deploy.Backend) []hostileCase {
	t.Helper()
	xdr := pipeline.Builtin("microsoft_xdr")
	var out []hostileCase
	for i, g := range hostile.Rules(len(hostile.Values)) {
		f, err := parser.ParseFile(fmt.Sprintf("hostile%d.yml", i), g.Source)
		if err != nil {
			t.Fatalf("rule %d does not parse: %v\n%s", i, err, g.Source)
		}
		r := f.Docs[0].(*ast.Rule)
		res, err := pipeline.Apply([]*pipeline.Pipeline{xdr}, r, pipeline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		qs, err := b.Convert(res, "default")
		if err != nil || len(qs) != 1 {
			t.Fatalf("rule %d: %v %v", i, qs, err)
		}
		out = append(out, hostileCase{r, res, qs[0]})
	}
	return out
}

// convertDeploy converts a case to a format; warnings (the hostile tags)
// are expected, errors are not.
func convertDeploy(t *testing.T, b *deploy.Backend, c hostileCase, format string) []string {
	t.Helper()
	docs, err := b.Convert(c.res, format)
	var w *backends.Warnings
	if err != nil && !errors.As(err, &w) {
		t.Fatalf("%s: rule %q: %v", format, c.rule.Title, err)
	}
	return docs
}

// wantDescription is what the deployable formats write as the description.
func wantDescription(r *ast.Rule) string {
	if d := strings.TrimSpace(r.Description); d != "" {
		return d
	}
	return r.Title
}

// TestHostileSentinel converts every generated rule to a Sentinel rule
// file and reads it as YAML 1.2 (yaml.v3) and YAML 1.1: the keys are the
// format's, and name, description, author, query and the references of the
// header comment hold exactly the rule's text.
func TestHostileSentinel(t *testing.T) {
	b := deploy.Wrap(kql.New(nil), nil)
	cases := hostileCases(t, b)
	allowed := []string{"id", "name", "description", "severity", "requiredDataConnectors", "queryFrequency", "queryPeriod",
		"triggerOperator", "triggerThreshold", "tactics", "relevantTechniques", "query", "entityMappings", "version", "kind", "metadata"}
	var all []string
	for _, c := range cases {
		docs := convertDeploy(t, b, c, deploy.FormatSentinel)
		all = append(all, docs...)
		text := b.Assemble(deploy.FormatSentinel, docs)
		if err := hostile.CheckYAML11(text); err != nil {
			t.Errorf("rule %q: YAML 1.1: %v\n%s", c.rule.Title, err, text)
			continue
		}
		ys, err := hostile.YAMLDocs(text)
		if err != nil || len(ys) != 1 {
			t.Errorf("rule %q: YAML 1.2: %d documents, %v\n%s", c.rule.Title, len(ys), err, text)
			continue
		}
		y := ys[0]
		for k := range y {
			if !slices.Contains(allowed, k) {
				t.Errorf("rule %q: extra key %q\n%s", c.rule.Title, k, text)
			}
		}
		author, _ := y["metadata"].(map[string]any)["author"].(map[string]any)
		for _, f := range []struct{ name, got, want string }{
			{"name", str(y["name"]), c.rule.Title},
			{"description", str(y["description"]), wantDescription(c.rule)},
			{"query", str(y["query"]), c.query},
			{"author", str(author["name"]), c.rule.Author},
			{"version", str(y["version"]), "1.0.0"},
		} {
			if f.got != f.want {
				t.Errorf("rule %q: %s %q, want %q\n%s", c.rule.Title, f.name, f.got, f.want, text)
			}
		}
		checkReferences(t, c.rule, text)
	}
	// All rules in one stream.
	ys, err := hostile.YAMLDocs(b.Assemble(deploy.FormatSentinel, all))
	if err != nil || len(ys) != len(cases) {
		t.Errorf("stream of all rules: %d documents, want %d: %v", len(ys), len(cases), err)
	}
}

// checkReferences checks the header comment: a line per reference that
// holds it on one line, its non-printable characters escaped.
func checkReferences(t *testing.T, r *ast.Rule, text string) {
	t.Helper()
	var refs []string
	for _, c := range hostile.Comments(text) {
		if s, ok := strings.CutPrefix(c, "   - "); ok {
			refs = append(refs, hostile.Unescape(s))
		}
	}
	var want []string
	for _, ref := range r.References {
		want = append(want, strings.Join(strings.Fields(ref), " "))
	}
	if !slices.Equal(refs, want) {
		t.Errorf("rule %q: references in the comment %q, want %q", r.Title, refs, want)
	}
}

// TestHostileARM converts every generated rule to an ARM template, reads
// it as JSON and as ARM reads its strings: the only expression is the
// resource name, and displayName, description and query hold the rule's
// text.
func TestHostileARM(t *testing.T) {
	b := deploy.Wrap(kql.New(nil), nil)
	cases := hostileCases(t, b)
	var all []string
	for _, c := range cases {
		docs := convertDeploy(t, b, c, deploy.FormatARM)
		all = append(all, docs...)
		text := b.Assemble(deploy.FormatARM, docs)
		v, err := hostile.JSON(text)
		if err != nil {
			t.Errorf("rule %q: %v\n%s", c.rule.Title, err, text)
			continue
		}
		exprs := hostile.ARMExpressions(v)
		if len(exprs) != 1 || !strings.HasPrefix(exprs[0], "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/") {
			t.Errorf("rule %q: ARM expressions %q, want the resource name only\n%s", c.rule.Title, exprs, text)
		}
		props := v.(map[string]any)["resources"].([]any)[0].(map[string]any)["properties"].(map[string]any)
		for _, f := range []struct{ name, want string }{
			{"displayName", c.rule.Title}, {"description", wantDescription(c.rule)}, {"query", c.query},
		} {
			if got, expr := hostile.ARMString(str(props[f.name])); expr || got != f.want {
				t.Errorf("rule %q: %s reads as %q (expression %v), want %q", c.rule.Title, f.name, got, expr, f.want)
			}
		}
	}
	v, err := hostile.JSON(b.Assemble(deploy.FormatARM, all))
	if err != nil || len(v.(map[string]any)["resources"].([]any)) != len(cases) {
		t.Errorf("template of all rules: %v", err)
	}
}

// TestHostileDefender converts every generated rule to a Defender custom
// detection body: strict JSON, the keys of Graph's detectionRule, and the
// rule's text in displayName, title and description.
func TestHostileDefender(t *testing.T) {
	b := deploy.Wrap(kql.New(nil), nil)
	cases := hostileCases(t, b)
	top := []string{"detectionAction", "displayName", "isEnabled", "queryCondition", "schedule"}
	template := []string{"description", "entityMappings", "recommendedActions", "severity", "tactics", "title"}
	var all []string
	for _, c := range cases {
		docs := convertDeploy(t, b, c, deploy.FormatDefender)
		all = append(all, docs...)
		text := b.Assemble(deploy.FormatDefender, docs)
		v, err := hostile.JSON(text)
		if err != nil {
			t.Errorf("rule %q: %v\n%s", c.rule.Title, err, text)
			continue
		}
		body := v.(map[string]any)
		at := body["detectionAction"].(map[string]any)["alertTemplate"].(map[string]any)
		if !slices.Equal(keys(body), top) || !slices.Equal(keys(at), template) {
			t.Errorf("rule %q: keys %v and %v, want %v and %v", c.rule.Title, keys(body), keys(at), top, template)
		}
		for _, f := range []struct{ name, got, want string }{
			{"displayName", str(body["displayName"]), c.rule.Title},
			{"title", str(at["title"]), c.rule.Title},
			{"description", str(at["description"]), wantDescription(c.rule)},
			{"queryText", str(body["queryCondition"].(map[string]any)["queryText"]), c.query},
		} {
			if f.got != f.want {
				t.Errorf("rule %q: %s %q, want %q", c.rule.Title, f.name, f.got, f.want)
			}
		}
	}
	v, err := hostile.JSON(b.Assemble(deploy.FormatDefender, all))
	if err != nil || len(v.([]any)) != len(cases) {
		t.Errorf("list of all rules: %v", err)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
