package playground

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestSiteFiles(t *testing.T) {
	files, err := Site()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "app.js", "style.css", "wasm_exec.js", "sigma2kql.wasm", "examples.json"} {
		if len(files[name].Data) == 0 {
			t.Errorf("%s is missing or empty", name)
		}
	}
	var ex examples
	if err := json.Unmarshal(files["examples.json"].Data, &ex); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ex.Examples, func(e example) bool { return e.Path == Seed })
	if i < 0 {
		t.Fatalf("the seed %s is not among the examples", Seed)
	}
	// Every filter of rules/filters names the seed (its false-positive
	// scenarios), so the seed offers them all.
	if len(ex.Filters) == 0 || len(ex.Examples[i].Filters) != len(ex.Filters) {
		t.Errorf("the seed offers %d of the %d filters", len(ex.Examples[i].Filters), len(ex.Filters))
	}
	for _, e := range ex.Examples {
		if strings.HasPrefix(e.Path, "rules/filters/") {
			t.Errorf("filter file %s listed as an example", e.Path)
		}
	}
}

func TestHandler(t *testing.T) {
	files, err := Site()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(files))
	defer srv.Close()
	get := func(path, enc string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", enc) // set: the transport then leaves the body compressed
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	r := get("/", "identity")
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || !strings.Contains(string(body), "sigma2kql playground") || r.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET /: %d, CSP %q", r.StatusCode, r.Header.Get("Content-Security-Policy"))
	}
	r = get("/sigma2kql.wasm", "gzip, br")
	body, _ = io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Content-Type") != "application/wasm" || len(body) != len(files["sigma2kql.wasm"].Gzip) {
		t.Errorf("wasm with gzip: encoding %q, type %q, %d bytes", r.Header.Get("Content-Encoding"), r.Header.Get("Content-Type"), len(body))
	}
	r = get("/sigma2kql.wasm", "identity")
	body, _ = io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") != "" || len(body) != len(files["sigma2kql.wasm"].Data) {
		t.Errorf("wasm without gzip: encoding %q, %d bytes", r.Header.Get("Content-Encoding"), len(body))
	}
	// The last response is of the wasm, uncompressed: revalidate it.
	req, _ := http.NewRequest("GET", srv.URL+"/sigma2kql.wasm", nil)
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("If-None-Match", r.Header.Get("ETag"))
	if r.Header.Get("ETag") == "" {
		t.Error("no ETag")
	}
	if resp, err := http.DefaultTransport.RoundTrip(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation of the wasm: %v %v", resp.StatusCode, err)
	}
	if r = get("/../../etc/passwd", ""); r.StatusCode != 404 {
		t.Errorf("path outside the site: %d", r.StatusCode)
	}
}

func TestAddKusto(t *testing.T) {
	project := t.TempDir()
	pkg := project + "/" + KustoPackage
	if err := AddKusto(map[string]File{}, ""); err == nil || !strings.Contains(err.Error(), "--kusto") {
		t.Errorf("no directory: %v", err)
	}
	if err := AddKusto(map[string]File{}, project); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("no package: %v", err)
	}
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range KustoFiles {
		if err := os.WriteFile(pkg+"/"+f, []byte("// "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{project, pkg} {
		files := map[string]File{}
		if err := AddKusto(files, dir); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, f := range KustoFiles {
			if string(files["kusto/"+f].Data) != "// "+f {
				t.Errorf("%s: kusto/%s not added", dir, f)
			}
		}
	}
}
