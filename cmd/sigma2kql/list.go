package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/pipeline"
)

func newListCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "list targets|pipelines|formats",
		Short: "List targets, pipelines or output formats",
		Example: `  sigma2kql list targets
  sigma2kql list pipelines
  sigma2kql list formats`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("list needs one of targets, pipelines or formats, e.g. sigma2kql list pipelines")
			}
			return nil
		},
		ValidArgs: []string{"targets", "pipelines", "formats"},
		RunE: func(c *cobra.Command, args []string) error {
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			defer w.Flush()
			switch args[0] {
			case "targets":
				fmt.Fprintln(w, "TARGET\tALIASES\tDESCRIPTION")
				for _, t := range targets {
					fmt.Fprintf(w, "%s\t%s\t%s\n", t.name, strings.Join(t.aliases, ", "), t.description)
				}
			case "pipelines":
				fmt.Fprintln(w, "PIPELINE\tALIASES\tPRIORITY\tTARGETS\tDESCRIPTION")
				for _, p := range pipeline.Builtins() {
					fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", p.Name, strings.Join(p.Aliases, ", "), p.Priority, strings.Join(p.Targets, ", "), p.Description)
				}
			case "formats":
				fmt.Fprintln(w, "TARGET\tFORMAT\tDESCRIPTION")
				for _, t := range targets {
					for _, f := range t.new(nil).Formats() {
						fmt.Fprintf(w, "%s\t%s\t%s\n", t.name, f.Name, f.Description)
					}
				}
			default:
				return usagef("cannot list %q: expected targets, pipelines or formats", args[0])
			}
			return nil
		},
	}
}
