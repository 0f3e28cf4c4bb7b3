package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/backends/targets"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// Exit statuses.
const (
	exitOK    = 0 // everything converted (or the failures were skipped)
	exitFail  = 1 // some rule failed
	exitUsage = 2 // the command line is wrong
)

// version may be set at build time with -ldflags "-X main.version=...";
// otherwise the build info gives it (see versionText).
var version = ""

// usageError marks errors in the command line: cobra's own (flags,
// arguments, commands), which newRootCmd types at their source, and ours.
// Every other error is a failure of the run (exit 1).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errFailed reports that some rules failed; the failures are printed.
var errFailed = errors.New("some rules failed")

// A target is a backend the CLI offers: the table of package targets,
// which the playground reads too.
type target = targets.Target

func findTarget(name string) (*target, error) {
	if t, ok := targets.Find(name); ok {
		return &t, nil
	}
	var names []string
	for _, t := range targets.All() {
		names = append(names, t.Name)
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
	if errors.As(err, &ue) {
		help := "sigma2kql --help"
		if cmd != nil && cmd != root {
			help = cmd.CommandPath() + " --help"
		}
		fmt.Fprintf(stderr, "sigma2kql: %s\nRun '%s' for usage.\n", ue.msg, help)
		return exitUsage
	}
	fmt.Fprintf(stderr, "sigma2kql: %v\n", err)
	return exitFail
}

// unknownCommand is the error for a word that names no command of root.
func unknownCommand(root *cobra.Command, name string) error {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	msg := fmt.Sprintf("unknown command %q: expected one of %s", name, strings.Join(names, ", "))
	if s := suggest.Nearest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return &usageError{msg}
}

// typeArgErrors makes the errors of every command's argument check usage
// errors, cobra's own checks (cobra.NoArgs...) included.
func typeArgErrors(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(c *cobra.Command, args []string) error {
			err := check(c, args)
			var ue *usageError
			if err != nil && !errors.As(err, &ue) {
				return &usageError{err.Error()}
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		typeArgErrors(sub)
	}
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
		// Suggestions come from unknownCommand, on one line.
		DisableSuggestions: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{err.Error()} })
	root.AddCommand(newConvertCmd(stdout, stderr), newListCmd(stdout), newVersionCmd(stdout))
	root.AddCommand(newTestCmd(stdout, stderr))
	root.AddCommand(newServeCmd(stdout))
	// A word that is no command reaches root's own argument check, which
	// cobra would otherwise make an untyped error.
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(root, args[0])
		}
		return nil
	}
	root.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	root.InitDefaultCompletionCmd()
	typeArgErrors(root)
	return root
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of sigma2kql",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("version takes no arguments, got %q", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			fmt.Fprintf(stdout, "sigma2kql %s\n", versionText())
			return nil
		},
	}
}

// versionText is the version of the program: the one set at build time,
// or the module version and the VCS revision that the Go toolchain records
// in the binary (go build from a checkout records both; go install
// module@version records the version).
func versionText() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version: the binary has no build info)"
	}
	return buildVersion(info)
}

func buildVersion(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var vcs []string
	if r := settings["vcs.revision"]; r != "" {
		vcs = append(vcs, "revision "+r)
	}
	if t := settings["vcs.time"]; t != "" {
		vcs = append(vcs, t)
	}
	if settings["vcs.modified"] == "true" {
		vcs = append(vcs, "modified")
	}
	if len(vcs) > 0 {
		v += " (" + strings.Join(vcs, ", ") + ")"
	}
	return v + ", " + info.GoVersion
}
