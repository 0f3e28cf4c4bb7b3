// Package playground is the browser page of `sigma2kql serve`: a rule
// editor whose conversion runs in the page, in the converter compiled to
// WebAssembly (package convert, command wasm). The server only serves
// these static files; it never sees a rule.
//
// The WebAssembly binary is committed (web/sigma2kql.wasm.gz), since
// go:embed cannot build it; a test rebuilds it and fails when it is stale.
package playground

//go:generate go run ./genwasm

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"path"

	"github.com/sigma2kql/sigma2kql/playground/convert"
)

//go:embed web
var web embed.FS

// A File is a file of the page.
type File struct {
	Data []byte
	// Gzip is the gzip-compressed Data, for clients that accept it; nil
	// when the file is served as it is.
	Gzip []byte
}

// Site returns the files of the page by path: the embedded assets, the
// converter decompressed, examples.json and catalog.json. The catalog of
// targets, formats and pipelines comes from this binary's library, which
// is the library of the converter: parsing every built-in pipeline in the
// page would delay the first query.
func Site() (map[string]File, error) {
	files := map[string]File{}
	err := fs.WalkDir(web, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := web.ReadFile(name)
		if err != nil {
			return err
		}
		rel := name[len("web/"):]
		if path.Ext(rel) == ".gz" {
			plain, err := gunzip(data)
			if err != nil {
				return err
			}
			files[rel[:len(rel)-len(".gz")]] = File{Data: plain, Gzip: data}
			return nil
		}
		files[rel] = File{Data: data}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ex, err := examplesJSON()
	if err != nil {
		return nil, err
	}
	files["examples.json"] = File{Data: ex}
	cat, err := json.Marshal(convert.NewCatalog())
	if err != nil {
		return nil, err
	}
	files["catalog.json"] = File{Data: cat}
	return files, nil
}

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
