package splunk

import (
	"strings"
	"testing"
)

// logonRules are the base rules of the reference's correlation cases.
const logonRules = `title: Failed logon
id: 33333333-0000-0000-0000-000000000001
name: failed_logon
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
---
title: Successful logon
id: 33333333-0000-0000-0000-000000000002
name: successful_logon
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
    condition: selection
`

// TestCorrelationReference checks the outputs of the reference for the
// correlations it converts, byte for byte (the unreferenced base rule is
// printed on its own, as there).
func TestCorrelationReference(t *testing.T) {
	tests := []struct{ name, corr, want string }{
		{"event_count", `correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - TargetUserName
        - IpAddress
    timespan: 5m
    condition:
        gte: 10`, `source="WinEventLog:Security" EventCode=4624

source="WinEventLog:Security" EventCode=4625

| bin _time span=5m
| stats count as event_count by _time TargetUserName IpAddress

| search event_count >= 10`},
		{"value_count", `correlation:
    type: value_count
    rules:
        - failed_logon
    group-by:
        - IpAddress
    timespan: 1d
    condition:
        field: TargetUserName
        gte: 20`, `source="WinEventLog:Security" EventCode=4624

source="WinEventLog:Security" EventCode=4625

| bin _time span=1d
| stats dc(TargetUserName) as value_count by _time IpAddress

| search value_count >= 20`},
		{"temporal", `correlation:
    type: temporal
    rules:
        - failed_logon
        - successful_logon
    group-by:
        - TargetUserName
    timespan: 10m`, `| multisearch
[ search source="WinEventLog:Security" EventCode=4625 | eval event_type="failed_logon" ]
[ search source="WinEventLog:Security" EventCode=4624 | eval event_type="successful_logon" ]

| bin _time span=10m
| stats dc(event_type) as event_type_count by _time TargetUserName

| search event_type_count >= 2`},
		{"aliases", `correlation:
    type: temporal
    rules:
        - failed_logon
        - successful_logon
    group-by:
        - user
    aliases:
        user:
            failed_logon: TargetUserName
            successful_logon: SubjectUserName
    timespan: 10m`, `| multisearch
[ search source="WinEventLog:Security" EventCode=4625 | eval event_type="failed_logon" | rename TargetUserName as user ]
[ search source="WinEventLog:Security" EventCode=4624 | eval event_type="successful_logon" | rename SubjectUserName as user ]

| bin _time span=10m
| stats dc(event_type) as event_type_count by _time user

| search event_type_count >= 2`},
		{"generate", `correlation:
    type: event_count
    rules:
        - failed_logon
    generate: true
    group-by:
        - TargetUserName
    timespan: 5m
    condition:
        gte: 10`, `source="WinEventLog:Security" EventCode=4625

source="WinEventLog:Security" EventCode=4624

source="WinEventLog:Security" EventCode=4625

| bin _time span=5m
| stats count as event_count by _time TargetUserName

| search event_count >= 10`},
		{"neq", `correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - TargetUserName
    timespan: 2d
    condition:
        neq: 5`, `source="WinEventLog:Security" EventCode=4624

source="WinEventLog:Security" EventCode=4625

| bin _time span=2d
| stats count as event_count by _time TargetUserName

| search event_count != 5`},
		{"extended", `correlation:
    type: temporal
    rules:
        - failed_logon
        - successful_logon
    group-by:
        - TargetUserName
    timespan: 10m
    condition: failed_logon and not successful_logon`, `| multisearch
[ search source="WinEventLog:Security" EventCode=4625 | eval event_type="failed_logon" ]
[ search source="WinEventLog:Security" EventCode=4624 | eval event_type="successful_logon" ]

| bin _time span=10m
| stats values(event_type) as event_types by _time TargetUserName

| search event_types="failed_logon"   NOT event_types="successful_logon"`},
		{"by id", `correlation:
    type: event_count
    rules:
        - 33333333-0000-0000-0000-000000000001
    group-by:
        - TargetUserName
    timespan: 1w
    condition:
        gte: 10`, `source="WinEventLog:Security" EventCode=4624

source="WinEventLog:Security" EventCode=4625

| bin _time span=1w
| stats count as event_count by _time TargetUserName

| search event_count >= 10`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := convertRun(t, logonRules+"---\ntitle: Correlation\n"+tc.corr+"\n", FormatDefault, "splunk_windows")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestCorrelationDeferred: the search of a rule keeps the commands of its
// regular expressions, before the aggregation (as in the reference) and
// inside a multisearch.
func TestCorrelationDeferred(t *testing.T) {
	src := `title: cmd
name: cmd_re
logsource: {product: windows, category: process_creation}
detection:
    sel:
        Image|endswith: '\cmd.exe'
        CommandLine|re: 'a.*b'
    condition: sel
fields: [CommandLine]
---
title: Many
correlation:
    type: event_count
    rules: cmd_re
    group-by: [Computer]
    timespan: 1h
    condition: {gte: 5}
`
	want := `Image="*\\cmd.exe"
| regex CommandLine="a.*b"

| bin _time span=1h
| stats count as event_count by _time Computer

| search event_count >= 5`
	if got, err := convertRun(t, src, FormatDefault, "splunk_windows"); err != nil || got != want {
		t.Errorf("got %v\n%s\nwant\n%s", err, got, want)
	}

	src += `---
title: whoami
name: whoami
logsource: {product: windows, category: process_creation}
detection:
    sel:
        Image|endswith: '\whoami.exe'
    condition: sel
---
title: Both
correlation:
    type: event_count
    rules: [cmd_re, whoami]
    group-by: [Computer]
    timespan: 1h
    condition: {gt: 10, lte: 100}
`
	want = `| multisearch
[ search Image="*\\cmd.exe"
| regex CommandLine="a.*b" | eval event_type="cmd_re" ]
[ search Image="*\\whoami.exe" | eval event_type="whoami" ]

| bin _time span=1h
| stats count as event_count by _time Computer

| search event_count > 10 event_count <= 100`
	got, err := convertRun(t, src, FormatDefault, "splunk_windows")
	if err != nil || !strings.HasSuffix(got, want) {
		t.Errorf("got %v\n%s\nwant the end\n%s", err, got, want)
	}
}

// TestCorrelationTypes covers the types that the reference rejects, the
// eq condition and monthly windows.
func TestCorrelationTypes(t *testing.T) {
	tests := []struct{ name, corr, want string }{
		{"value_sum", `type: value_sum
    rules: failed_logon
    group-by: [IpAddress]
    timespan: 1h
    condition: {field: LogonType, gt: 1000}`, `source="WinEventLog:Security" EventCode=4625

| bin _time span=1h
| stats sum(LogonType) as value_sum by _time IpAddress

| search value_sum > 1000`},
		{"value_avg", `type: value_avg
    rules: failed_logon
    group-by: [IpAddress]
    timespan: 1h
    condition: {field: LogonType, gt: 5}`, `source="WinEventLog:Security" EventCode=4625

| bin _time span=1h
| stats avg(LogonType) as value_avg by _time IpAddress

| search value_avg > 5`},
		{"value_median", `type: value_median
    rules: failed_logon
    group-by: [IpAddress]
    timespan: 1M
    condition: {field: LogonType, gte: 3}`, `source="WinEventLog:Security" EventCode=4625

| bin _time span=1mon
| stats median(LogonType) as value_median by _time IpAddress

| search value_median >= 3`},
		{"value_percentile", `type: value_percentile
    rules: failed_logon
    group-by: [IpAddress]
    timespan: 1h
    condition: {field: LogonType, lte: 1}`, `source="WinEventLog:Security" EventCode=4625

| bin _time span=1h
| eventstats count as group_events by _time IpAddress
| stats count as value_events max(group_events) as group_events by _time IpAddress LogonType
| eval value_percentile=100*value_events/group_events

| search value_percentile <= 1`},
		{"eq", `type: event_count
    rules: failed_logon
    timespan: 30s
    condition: {eq: 5}`, `source="WinEventLog:Security" EventCode=4625

| bin _time span=30s
| stats count as event_count by _time

| search event_count=5`},
		{"temporal_ordered", `type: temporal_ordered
    rules: [failed_logon, successful_logon]
    group-by: [TargetUserName]
    timespan: 10m`, `| multisearch
[ search source="WinEventLog:Security" EventCode=4625 | eval event_type="failed_logon" ]
[ search source="WinEventLog:Security" EventCode=4624 | eval event_type="successful_logon" ]

| eval sigma_time=_time
| bin _time span=10m
| eval sigma_step1=if(event_type="failed_logon", sigma_time, null())
| eventstats min(sigma_step1) as sigma_t1 by _time TargetUserName
| eval sigma_step2=if(event_type="successful_logon" AND isnotnull(sigma_t1) AND sigma_time>sigma_t1, sigma_time, null())
| stats min(sigma_t1) as t1 min(sigma_step2) as t2 by _time TargetUserName

| search t2=*`},
		{"extended or", `type: temporal
    rules: [failed_logon, successful_logon]
    timespan: 10m
    condition: not (failed_logon or successful_logon) or failed_logon and successful_logon`, `| multisearch
[ search source="WinEventLog:Security" EventCode=4625 | eval event_type="failed_logon" ]
[ search source="WinEventLog:Security" EventCode=4624 | eval event_type="successful_logon" ]

| bin _time span=10m
| stats values(event_type) as event_types by _time

| search NOT (event_types="failed_logon" OR event_types="successful_logon") OR (event_types="failed_logon"   event_types="successful_logon")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := convertRun(t, logonRules+"---\ntitle: Correlation\ncorrelation:\n    "+tc.corr+"\n", FormatDefault, "splunk_windows")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tc.corr, "successful_logon") {
				// The unreferenced base rule comes first.
				got = got[strings.Index(got, "\n\n")+2:]
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestCorrelationFormats: savedsearches holds the whole correlation in one
// stanza of continued lines; data_model rejects correlations.
func TestCorrelationFormats(t *testing.T) {
	src := logonRules + `---
title: Many failed logons
description: Brute force
level: high
correlation:
    type: temporal
    rules: [failed_logon, successful_logon]
    group-by: [TargetUserName]
    timespan: 10m
`
	got, err := convertRun(t, src, FormatSavedSearches, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	want := `[Many failed logons]
description = Brute force
search = | multisearch \
[ search source="WinEventLog:Security" EventCode=4625 | eval event_type="failed_logon" ] \
[ search source="WinEventLog:Security" EventCode=4624 | eval event_type="successful_logon" ] \
 \
| bin _time span=10m \
| stats dc(event_type) as event_type_count by _time TargetUserName \
 \
| search event_type_count >= 2
cron_schedule = */15 * * * *
enableSched = 1
alert.severity = 5
`
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant a stanza\n%s", got, want)
	}
	stanzas, err := parseConf(got + "\n")
	if err != nil || len(stanzas) != 2 || !strings.HasPrefix(stanzas[1].values["search"], "| multisearch \n[ search") {
		t.Errorf("parse: %v %+v", err, stanzas[1])
	}

	src = "title: a\nname: a\nlogsource: {product: windows, category: process_creation}\ndetection:\n    sel: {Image: x}\n    condition: sel\n---\ntitle: C\ncorrelation: {type: event_count, rules: a, timespan: 5m, condition: {gte: 2}}\n"
	_, err = convertRun(t, src, FormatDataModel, "splunk_cim")
	if err == nil || !strings.Contains(err.Error(), "rule.yml:8:1: the data_model format cannot hold correlation rules") {
		t.Errorf("data_model: %v", err)
	}
}

// TestCorrelationFields: group-by and aggregated fields go through each
// rule's field mapping; fields that the rules name alike keep the mapped
// name, others are renamed to the name in the correlation.
func TestCorrelationFields(t *testing.T) {
	src := `title: a
name: proc
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\a.exe'}
    condition: sel
---
title: b
name: file
logsource: {product: windows, category: file_event}
detection:
    sel: {TargetFilename|endswith: '.exe'}
    condition: sel
---
title: One
correlation:
    type: value_count
    rules: proc
    group-by: [User]
    timespan: 1h
    condition: {field: CommandLine, gt: 3}
---
title: Two
correlation:
    type: temporal
    rules: [proc, file]
    group-by: [Image, Computer, host]
    aliases:
        host:
            proc: Computer
            file: Computer
    timespan: 1h
`
	got, err := convertRun(t, src, FormatDefault, "splunk_cim")
	if err != nil {
		t.Fatal(err)
	}
	want := `Processes.process_path="*\\a.exe"

| bin _time span=1h
| stats dc(Processes.process) as value_count by _time Processes.user

| search value_count > 3

| multisearch
[ search Processes.process_path="*\\a.exe" | eval event_type="proc" | eval Computer='Processes.dest' | rename Processes.process_path as Image | rename Processes.dest as host ]
[ search Filesystem.file_path="*.exe" | eval event_type="file" | eval Computer='Filesystem.dest' | rename Filesystem.process_path as Image | rename Filesystem.dest as host ]

| bin _time span=1h
| stats dc(event_type) as event_type_count by _time Image Computer host

| search event_type_count >= 2`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestCorrelationChain: a correlation of correlations combines them with
// union; the inner correlation's group-by names carry over, and filters
// apply to the rules of a correlation.
func TestCorrelationChain(t *testing.T) {
	src := logonRules + `---
title: Many failed
name: many_failed
correlation:
    type: event_count
    rules: failed_logon
    group-by: [user]
    aliases:
        user:
            failed_logon: TargetUserName
    timespan: 10m
    condition: {gte: 10}
---
title: Chain
correlation:
    type: temporal
    rules: [many_failed, successful_logon]
    group-by: [user]
    aliases:
        user:
            many_failed: user
            successful_logon: TargetUserName
    timespan: 1h
---
title: Exclude service accounts
logsource: {product: windows, service: security}
filter:
    rules: any
    sel:
        TargetUserName|endswith: '$'
    condition: sel
`
	got, err := convertRun(t, src, FormatDefault, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	want := `| union
[ search source="WinEventLog:Security" EventCode=4625 NOT TargetUserName="*$" | rename TargetUserName as user
| bin _time span=10m
| stats count as event_count by _time user
| search event_count >= 10 | eval event_type="many_failed" ]
[ search source="WinEventLog:Security" EventCode=4624 NOT TargetUserName="*$" | eval event_type="successful_logon" | rename TargetUserName as user ]

| bin _time span=1h
| stats dc(event_type) as event_type_count by _time user

| search event_type_count >= 2`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestCorrelationErrors: conditions that temporal_ordered cannot honour.
func TestCorrelationErrors(t *testing.T) {
	for _, tc := range []struct{ corr, want string }{
		{"type: temporal_ordered\n    rules: [failed_logon, successful_logon]\n    timespan: 5m\n    condition: {gte: 1}",
			"rule.yml:28:16: a temporal_ordered correlation matches when all its 2 rules match in order"},
		{"type: temporal_ordered\n    rules: [failed_logon, successful_logon]\n    timespan: 5m\n    condition: failed_logon and successful_logon",
			"rule.yml:23:1: a temporal_ordered correlation matches when its rules match in the order listed"},
	} {
		_, err := convertRun(t, logonRules+"---\ntitle: C\ncorrelation:\n    "+tc.corr+"\n", FormatDefault, "splunk_windows")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %s", tc.corr, err, tc.want)
		}
	}
}
