package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/playground"
)

func newServeCmd(stdout io.Writer) *cobra.Command {
	var addr, kusto string
	c := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--kusto DIR]",
		Short: "Serve the playground: convert rules in the browser",
		Long: `Serve the playground, a page where rules are converted as you type. The
conversion runs in the browser (the converter compiled to WebAssembly): the
server sends static files and never sees a rule, and the page loads nothing
from elsewhere. It listens on the loopback interface unless --addr says
otherwise; port 0 picks a free port.

The page checks KQL queries with Microsoft's parser when the server can read
npm package @kusto/language-service-next: --kusto DIR (or KQLCHECK_DIR)
names the package's directory or one where 'npm ci' installed it.`,
		Example: `  sigma2kql serve
  sigma2kql serve --addr 127.0.0.1:9000 --kusto ../shared/kqlcheck`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if kusto == "" {
				kusto = os.Getenv("KQLCHECK_DIR")
			}
			return runServe(stdout, addr, kusto)
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.Flags().StringVar(&kusto, "kusto", "", "directory of @kusto/language-service-next, or of an npm project that installed it (default $KQLCHECK_DIR)")
	return c
}

func runServe(stdout io.Writer, addr, kusto string) error {
	files, err := playground.Site()
	if err != nil {
		return err
	}
	validation := "on"
	if err := playground.AddKusto(files, kusto); err != nil {
		validation = "unavailable: " + err.Error()
		files[playground.KustoStatus] = playground.File{Data: []byte(err.Error())}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usagef("cannot listen on %s: %v", addr, err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stdout, "note: listening on %s, reachable from other machines\n", host)
	}
	fmt.Fprintf(stdout, "playground on http://%s/ (KQL validation %s)\n", ln.Addr(), validation)
	srv := &http.Server{Handler: playground.Handler(files), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
