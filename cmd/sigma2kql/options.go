package main

import (
	"sort"
	"strings"

	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/targets"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The options that the program reads for every target, before any backend.
const optQueryTable = "query_table"

var runOptions = []backends.OptionSpec{
	{Name: optQueryTable, Type: backends.TypeText, Help: "the table of every rule (the pipelines' field mappings for that table still apply)"},
}

// declaredOptions lists the options that every target declares, and the
// program's own.
func declaredOptions() []backends.Declared {
	var all []backends.Declared
	for _, s := range runOptions {
		all = append(all, backends.Declared{Spec: s})
	}
	for _, t := range targets.All() {
		all = append(all, backends.Declarations(t.Name, t.New(nil))...)
	}
	return all
}

// rawOptions collects the backend options of -O KEY=VALUE and of the
// option flags, with the label that names each in messages.
func (o *convertOptions) rawOptions() (backends.Options, map[string]string, error) {
	raw := backends.Options{}
	labels := map[string]string{}
	for _, kv := range o.BackendOpts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, nil, usagef("backend option %q: expected KEY=VALUE", kv)
		}
		raw[k], labels[k] = v, "-O "+k
	}
	names := make([]string, 0, len(o.OptionFlags))
	for name := range o.OptionFlags {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if v := *o.OptionFlags[name]; v != "" {
			raw[name], labels[name] = v, "--"+backends.OptionSpec{Name: name}.FlagName()
		}
	}
	return raw, labels, nil
}

// splitOptions sets apart the options of the run (the table) from those
// of the backend.
func splitOptions(raw backends.Options) (backends.Options, pipeline.Options) {
	bopts := backends.Options{}
	popts := pipeline.Options{Vars: map[string][]string{}}
	for k, v := range raw {
		if k == optQueryTable {
			popts.QueryTable = v
			continue
		}
		bopts[k] = v
	}
	return bopts, popts
}

// checkOptions checks that the target and format read every option given,
// and the values of those they read.
func checkOptions(t *target, b backends.Backend, format string, raw backends.Options, labels map[string]string) error {
	valid := append(append([]backends.OptionSpec{}, runOptions...), backends.OptionsOf(b, format)...)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !declares(valid, k) {
			return usagef("%v", backends.UnknownOption(labels[k], k, t.Name, format, valid, declaredOptions()))
		}
	}
	if err := backends.CheckOptionTypes(raw, valid); err != nil {
		return usagef("%v", err)
	}
	if oc, ok := b.(backends.OptionChecker); ok {
		if err := oc.CheckOptions(format); err != nil {
			return usagef("%v", err)
		}
	}
	return nil
}

func declares(specs []backends.OptionSpec, key string) bool {
	for _, s := range specs {
		if s.Name == key {
			return true
		}
	}
	return false
}

// placeholders reads the values of --placeholder-file and --placeholder
// into the pipeline options.
func (o *convertOptions) placeholders(popts *pipeline.Options) error {
	for _, file := range o.PlaceholderFiles {
		vars, err := readPlaceholderFile(file)
		if err != nil {
			return err
		}
		for k, v := range vars {
			popts.Vars[k] = v
		}
	}
	for _, kv := range o.Placeholders {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("placeholder %q: expected NAME=value1,value2", kv)
		}
		popts.Vars[strings.Trim(k, "%")] = strings.Split(v, ",")
	}
	popts.DropUnresolved = o.DropPlaceholders
	return nil
}
