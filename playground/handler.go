package playground

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// KustoFiles are the files of npm package @kusto/language-service-next
// that the page loads to check queries with Microsoft's KQL parser: the
// Bridge.NET runtime, then Kusto.Language. The package is not part of
// the repository; the server reads it from a local npm install.
var KustoFiles = []string{"bridge.min.js", "Kusto.Language.Bridge.min.js"}

// KustoPackage is where npm installs the package under a project.
const KustoPackage = "node_modules/@kusto/language-service-next"

// FindKusto returns the directory of the Kusto package given dir: the
// package itself, or a project (such as a kqlcheck copy) that installed it.
func FindKusto(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("no Kusto package given (--kusto DIR or KQLCHECK_DIR: a directory where `npm ci` installed @kusto/language-service-next)")
	}
	for _, d := range []string{dir, filepath.Join(dir, KustoPackage)} {
		if _, err := os.Stat(filepath.Join(d, KustoFiles[0])); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("%s holds neither %s nor %s/%s: run `npm ci` there, or point --kusto at such a directory", dir, KustoFiles[0], KustoPackage, KustoFiles[0])
}

// AddKusto adds the Kusto files to the site's files, from the package
// found from dir (see FindKusto).
func AddKusto(files map[string]File, dir string) error {
	pkg, err := FindKusto(dir)
	if err != nil {
		return err
	}
	for _, name := range KustoFiles {
		b, err := os.ReadFile(filepath.Join(pkg, name))
		if err != nil {
			return err
		}
		files["kusto/"+name] = File{Data: b}
	}
	return nil
}

// KustoStatus is the file by which the page learns why validation is
// unavailable: absent when the Kusto files are served.
const KustoStatus = "kusto/unavailable.txt"

// Handler serves the files. Files ending in .gz in the embedded assets are
// sent compressed to clients that accept gzip. Every response forbids the
// page to load or send anything from or to another origin. Browsers keep
// the files and revalidate them by their ETag, which also lets Chromium
// keep the compiled WebAssembly between visits.
func Handler(files map[string]File) http.Handler {
	etags := map[string]string{}
	for name, f := range files {
		sum := sha256.Sum256(f.Data)
		etags[name] = fmt.Sprintf(`"%x"`, sum[:12])
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "" {
			name = "index.html"
		}
		f, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h.Set("Content-Type", ctype)
		data, etag := f.Data, etags[name]
		if f.Gzip != nil {
			h.Add("Vary", "Accept-Encoding")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				h.Set("Content-Encoding", "gzip")
				data, etag = f.Gzip, etag[:len(etag)-1]+`-gzip"`
			}
		}
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", fmt.Sprint(len(data)))
		if r.Method == http.MethodGet {
			w.Write(data)
		}
	})
}

// ContentSecurityPolicy confines the page to its own origin: it loads,
// fetches and submits nothing elsewhere. WebAssembly compilation needs
// 'wasm-unsafe-eval'; no script is compiled from text.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
