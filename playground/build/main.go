// Command build writes the playground as a static site, to host anywhere:
//
//	go run ./playground/build -o site/ [-kusto DIR]
//
// -kusto DIR (or KQLCHECK_DIR) copies Microsoft's KQL parser from a local
// npm install of @kusto/language-service-next into the site, so that the
// page validates queries; without it the page converts and says that
// validation is unavailable.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/sigma2kql/sigma2kql/playground"
)

func main() {
	out := flag.String("o", "site", "directory to write the site to")
	kusto := flag.String("kusto", os.Getenv("KQLCHECK_DIR"), "directory of @kusto/language-service-next or of an npm project that installed it")
	flag.Parse()
	if err := build(*out, *kusto); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

func build(out, kusto string) error {
	files, err := playground.Site()
	if err != nil {
		return err
	}
	if kusto != "" {
		if err := playground.AddKusto(files, kusto); err != nil {
			return err
		}
	}
	var names []string
	total := 0
	for name, f := range files {
		names = append(names, name)
		total += len(f.Data)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name].Data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d files, %d bytes (serve them with any static web server; WebAssembly as application/wasm)\n", out, len(names), total)
	return nil
}
