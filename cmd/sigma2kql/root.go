package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/backends/splunk"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// Exit statuses.
const (
	exitOK    = 0 // everything converted (or the failures were skipped)
	exitFail  = 1 // some rule failed
	exitUsage = 2 // the command line is wrong
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError marks errors in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errFailed reports that some rules failed; the failures are printed.
var errFailed = errors.New("some rules failed")

// A target is a backend the CLI offers.
type target struct {
	name        string
	aliases     []string
	description string
	new         func(backends.Options) backends.Backend
	needsPipe   bool
	ext         string // extension of output files when the format names none
}

// targets lists the backends, wired explicitly.
var targets = []target{
	{name: "kusto", aliases: []string{"kql"}, description: "Kusto Query Language (Microsoft Defender XDR, Sentinel, Azure Monitor)",
		new: func(o backends.Options) backends.Backend { return kql.New(o) }, ext: "kql"},
	{name: "splunk", description: "Splunk SPL: searches, savedsearches.conf alerts and tstats data model searches",
		new: func(o backends.Options) backends.Backend { return splunk.New(o) }, needsPipe: true, ext: "spl"},
}

func findTarget(name string) (*target, error) {
	var names []string
	for i, t := range targets {
		if t.name == name {
			return &targets[i], nil
		}
		for _, a := range t.aliases {
			if a == name {
				return &targets[i], nil
			}
		}
		names = append(names, t.name)
	}
	sort.Strings(names)
	return nil, usagef("unknown target %q: expected one of %s (see 'sigma2kql list targets')", name, strings.Join(names, ", "))
}

// run executes the command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFailed):
		return exitFail
	}
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		help := "sigma2kql --help"
		if cmd != nil && cmd != root {
			help = cmd.CommandPath() + " --help"
		}
		fmt.Fprintf(stderr, "sigma2kql: %s\nRun '%s' for usage.\n", usageMessage(root, err), help)
		return exitUsage
	}
	fmt.Fprintf(stderr, "sigma2kql: %v\n", err)
	return exitFail
}

// usageMessage is the one-line message of a usage error. Cobra's unknown
// command error spans several lines with its suggestion; it is rewritten
// in the form of the other errors.
func usageMessage(root *cobra.Command, err error) string {
	msg := err.Error()
	if !strings.HasPrefix(msg, "unknown command ") {
		return msg
	}
	// unknown command "NAME" for "sigma2kql"...
	q, _, _ := strings.Cut(strings.TrimPrefix(msg, "unknown command "), ` for "`)
	name, err := strconv.Unquote(q)
	if err != nil {
		return msg
	}
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	msg = fmt.Sprintf("unknown command %q: expected one of %s", name, strings.Join(names, ", "))
	if s := suggest.Nearest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}

// isCobraUsage recognises cobra's own command-line errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "sigma2kql",
		Short: "Convert Sigma detection rules into KQL and SPL queries",
		Long: `sigma2kql converts Sigma detection rules into the queries that SIEMs run:
KQL for Microsoft Defender XDR advanced hunting, Microsoft Sentinel and Azure
Monitor, and SPL for Splunk.`,
		Example: `  sigma2kql convert -t kusto -p microsoft_xdr rules/
  sigma2kql list pipelines`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Suggestions come from usageMessage, on one line.
		DisableSuggestions: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{err.Error()} })
	root.AddCommand(newConvertCmd(stdout, stderr), newListCmd(stdout), newVersionCmd(stdout))
	root.AddCommand(newTestCmd(stdout, stderr))
	return root
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of sigma2kql",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprintf(stdout, "sigma2kql %s\n", version)
			return nil
		},
	}
}
