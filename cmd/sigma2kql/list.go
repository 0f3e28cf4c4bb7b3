package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/targets"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A listing is a form of the list command: what it lists, and whether it
// takes a target (sigma-cli's forms: list targets, list pipelines
// [TARGET], list formats TARGET).
type listing struct {
	name    string
	aliases []string
	print   func(w io.Writer, only []target)
}

var listings = []listing{
	{name: "targets", aliases: []string{"backends"}, print: listTargets},
	{name: "pipelines", print: listPipelines},
	{name: "formats", print: listFormats},
	{name: "options", print: listOptions},
}

func newListCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "list targets|pipelines [TARGET]|formats [TARGET]|options [TARGET]",
		Short: "List targets, pipelines, output formats or backend options",
		Long: `List the targets, the built-in pipelines, the output formats or the backend
options (-O KEY=VALUE). A target after pipelines, formats or options keeps
what it reads, as sigma-cli's 'list pipelines TARGET' and 'list formats
TARGET'; 'backends' is another name for 'targets'.`,
		Example: `  sigma2kql list targets
  sigma2kql list pipelines kusto
  sigma2kql list formats splunk
  sigma2kql list options kusto`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 || len(args) > 2 {
				return usagef("list needs one of targets, pipelines, formats or options, and for the last three at most a target, e.g. sigma2kql list formats kusto")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			l, err := findListing(args[0])
			if err != nil {
				return err
			}
			only := targets.All()
			if len(args) == 2 {
				if l.name == "targets" {
					return usagef("list targets takes no target, got %q", args[1])
				}
				t, err := findTarget(args[1])
				if err != nil {
					return err
				}
				only = []target{*t}
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			l.print(w, only)
			return w.Flush()
		},
	}
}

func findListing(name string) (*listing, error) {
	var names []string
	for i, l := range listings {
		if l.name == name || slices.Contains(l.aliases, name) {
			return &listings[i], nil
		}
		names = append(names, l.name)
	}
	return nil, usagef("%s", withSuggestion(fmt.Sprintf("cannot list %q: expected %s", name, strings.Join(names, ", ")), name, names))
}

func listTargets(w io.Writer, only []target) {
	fmt.Fprintln(w, "TARGET\tALIASES\tCORRELATION METHODS\tDESCRIPTION")
	for _, t := range only {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, strings.Join(t.Aliases, ", "), strings.Join(t.CorrelationMethods, ", "), t.Description)
	}
}

// listPipelines lists the built-in pipelines meant for the targets (or for
// any target).
func listPipelines(w io.Writer, only []target) {
	fmt.Fprintln(w, "PIPELINE\tALIASES\tPRIORITY\tTARGETS\tDESCRIPTION")
	for _, p := range pipeline.Builtins() {
		if !pipelineFor(p, only) {
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", p.Name, strings.Join(p.Aliases, ", "), p.Priority, strings.Join(p.Targets, ", "), p.Description)
	}
}

func pipelineFor(p *pipeline.Pipeline, only []target) bool {
	if len(p.Targets) == 0 {
		return true
	}
	for _, t := range only {
		if slices.Contains(p.Targets, t.Name) {
			return true
		}
	}
	return false
}

func listFormats(w io.Writer, only []target) {
	fmt.Fprintln(w, "TARGET\tFORMAT\tDESCRIPTION")
	for _, t := range only {
		for _, f := range t.New(nil).Formats() {
			fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, f.Name, f.Description)
		}
	}
}

// listOptions lists the options that -O sets (and their flags), with the
// formats that read them.
func listOptions(w io.Writer, only []target) {
	fmt.Fprintln(w, "OPTION\tTYPE\tFLAG\tREAD BY\tDESCRIPTION")
	row := func(d backends.Declared) {
		flag := ""
		if d.Spec.Flag {
			flag = "--" + d.Spec.FlagName()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", d.Spec.Name, d.Spec.Type, flag, d.Where(), d.Spec.Help)
	}
	for _, s := range runOptions {
		row(backends.Declared{Spec: s})
	}
	for _, t := range only {
		for _, d := range backends.Declarations(t.Name, t.New(nil)) {
			row(d)
		}
	}
}
