package rowmodel

import (
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqleval"
	"github.com/sigma2kql/sigma2kql/match"
)

func event(t *testing.T, channel string, id int, data string) WindowsEvent {
	t.Helper()
	src := `{"Event": {"System": {"Channel": "` + channel + `", "EventID": ` + strconv.Itoa(id) + `, "Computer": "host", "TimeCreated": {"#attributes": {"SystemTime": "2026-03-11T05:55:53.550235Z"}}}, "EventData": ` + data + `}}`
	evs, err := ReadEvents(strings.NewReader(src + "\n" + src))
	if err != nil || len(evs) != 2 {
		t.Fatalf("ReadEvents: %v (%d events)", err, len(evs))
	}
	return evs[0]
}

// only returns the row's values named in want.
func only(v map[string]any, want map[string]any) map[string]any {
	out := map[string]any{}
	for k := range want {
		out[k] = v[k]
	}
	return out
}

// A rowCase is an event and the values wanted in the one row a model
// gives for it.
type rowCase struct {
	name    string
	channel string
	id      int
	data    string
	table   string
	want    map[string]any
}

func TestDefenderRows(t *testing.T) {
	cases := []rowCase{
		{"process", sysmon, 1, `{"Image": "C:\\Windows\\System32\\curl.exe", "CommandLine": "curl x", "User": "DOM\\bob", "ProcessId": 6400, "LogonId": "0x3144c",
			"Hashes": "MD5=DBB2,SHA256=8955,IMPHASH=2134", "ParentImage": "C:\\Windows\\System32\\cmd.exe", "ParentCommandLine": "cmd", "ParentUser": "DOM\\bob", "OriginalFileName": "curl.exe"}`,
			"DeviceProcessEvents", map[string]any{"FolderPath": `C:\Windows\System32\curl.exe`, "FileName": "curl.exe", "ProcessCommandLine": "curl x",
				"AccountDomain": "DOM", "AccountName": "bob", "ProcessId": int64(6400), "LogonId": int64(0x3144c), "MD5": "dbb2", "SHA256": "8955", "SHA1": nil,
				"InitiatingProcessFileName": "cmd.exe", "InitiatingProcessCommandLine": "cmd", "ProcessVersionInfoOriginalFileName": "curl.exe", "ActionType": "ProcessCreated"}},
		{"dword", sysmon, 13, `{"EventType": "SetValue", "TargetObject": "HKLM\\System\\CurrentControlSet\\Services\\x\\Start", "Details": "DWORD (0x00001189)", "Image": "C:\\r.exe"}`,
			"DeviceRegistryEvents", map[string]any{"ActionType": "RegistryValueSet", "RegistryKey": `HKEY_LOCAL_MACHINE\System\ControlSet001\Services\x`,
				"RegistryValueName": "Start", "RegistryValueData": "4489", "RegistryValueType": "Dword", "InitiatingProcessFileName": "r.exe"}},
		{"qword", sysmon, 13, `{"EventType": "SetValue", "TargetObject": "HKU\\S-1-5-21-1\\Software\\v", "Details": "QWORD (0x00000001-0x00000002)"}`,
			"DeviceRegistryEvents", map[string]any{"RegistryKey": `HKEY_CURRENT_USER\S-1-5-21-1\Software`, "RegistryValueName": "v", "RegistryValueData": "4294967298"}},
		{"default value", sysmon, 13, `{"EventType": "SetValue", "TargetObject": "HKLM\\SOFTWARE\\Classes\\x\\(Default)", "Details": "(Empty)"}`,
			"DeviceRegistryEvents", map[string]any{"RegistryKey": `HKEY_LOCAL_MACHINE\SOFTWARE\Classes\x`, "RegistryValueName": "", "RegistryValueData": ""}},
		{"key deleted", sysmon, 12, `{"EventType": "DeleteKey", "TargetObject": "HKLM\\SOFTWARE\\x"}`,
			"DeviceRegistryEvents", map[string]any{"ActionType": "RegistryKeyDeleted", "RegistryKey": `HKEY_LOCAL_MACHINE\SOFTWARE\x`, "RegistryValueName": nil}},
		{"inbound", sysmon, 3, `{"Initiated": "false", "Protocol": "tcp", "SourceIp": "10.0.0.5", "SourcePort": 52000, "DestinationIp": "10.0.0.10", "DestinationPort": 3389}`,
			"DeviceNetworkEvents", map[string]any{"ActionType": "InboundConnectionAccepted", "Protocol": "Tcp", "RemoteIP": "10.0.0.5", "LocalPort": int64(3389)}},
		{"outbound", sysmon, 3, `{"Initiated": "true", "SourceIp": "10.0.0.10", "DestinationIp": "1.2.3.4", "DestinationPort": 443, "DestinationHostname": "x.example"}`,
			"DeviceNetworkEvents", map[string]any{"ActionType": "ConnectionSuccess", "RemoteIP": "1.2.3.4", "RemotePort": int64(443), "RemoteUrl": "x.example"}},
		{"pipe", sysmon, 17, `{"PipeName": "\\evil", "Image": "C:\\p.exe"}`,
			"DeviceEvents", map[string]any{"ActionType": "NamedPipeEvent", "AdditionalFields": `{"FileOperation":"File created","PipeName":"\\Device\\NamedPipe\\evil"}`}},
		{"image load", sysmon, 7, `{"Image": "C:\\a.exe", "ImageLoaded": "C:\\x\\b.dll", "Hashes": "SHA1=AB", "OriginalFileName": "b.dll", "ProcessId": 4}`,
			"DeviceImageLoadEvents", map[string]any{"FolderPath": `C:\x\b.dll`, "FileName": "b.dll", "SHA1": "ab", "InitiatingProcessFileName": "a.exe", "InitiatingProcessVersionInfoOriginalFileName": nil}},
		{"file", sysmon, 11, `{"Image": "C:\\a.exe", "TargetFilename": "C:\\t\\f.txt", "User": "D\\u"}`,
			"DeviceFileEvents", map[string]any{"ActionType": "FileCreated", "FolderPath": `C:\t\f.txt`, "FileName": "f.txt", "InitiatingProcessAccountName": "u", "RequestAccountName": nil}},
		{"file deleted", sysmon, 23, `{"TargetFilename": "C:\\t\\f.txt"}`, "DeviceFileEvents", map[string]any{"ActionType": "FileDeleted"}},
		{"dns", sysmon, 22, `{"QueryName": "x.example", "Image": "C:\\a.exe"}`,
			"DeviceEvents", map[string]any{"ActionType": "DnsQueryResponse", "AdditionalFields": `{"DnsQueryString":"x.example"}`, "InitiatingProcessFolderPath": nil}},
		{"remote thread", sysmon, 8, `{"SourceImage": "C:\\a.exe", "TargetImage": "C:\\b.exe", "SourceProcessId": 3}`,
			"DeviceEvents", map[string]any{"ActionType": "CreateRemoteThreadApiCall", "FileName": "b.exe", "InitiatingProcessId": int64(3)}},
		{"driver", sysmon, 6, `{"ImageLoaded": "C:\\d.sys", "Hashes": "MD5=AA,IMPHASH=BB"}`, "DeviceEvents", map[string]any{"ActionType": "DriverLoad", "MD5": "aa"}},
		{"process access", sysmon, 10, `{"SourceImage": "C:\\a.exe", "TargetImage": "C:\\Windows\\lsass.exe", "GrantedAccess": "0x1010"}`,
			"DeviceEvents", map[string]any{"ActionType": "OpenProcessApiCall", "FileName": "lsass.exe"}},
		{"4688", security, 4688, `{"NewProcessName": "C:\\w.exe", "CommandLine": "w", "ParentProcessName": "C:\\p.exe", "SubjectUserName": "s", "TargetUserName": "-", "NewProcessId": "0x10"}`,
			"DeviceProcessEvents", map[string]any{"FileName": "w.exe", "ProcessId": int64(16), "AccountName": "s", "InitiatingProcessFileName": "p.exe"}},
		{"logon failed", security, 4625, `{"TargetUserName": "bob", "LogonType": 3, "IpAddress": "-"}`,
			"DeviceLogonEvents", map[string]any{"ActionType": "LogonFailed", "LogonType": "Network", "RemoteIP": nil}},
		{"logon", security, 4624, `{"TargetUserName": "bob", "TargetDomainName": "DOM", "LogonType": "10", "IpAddress": "1.2.3.4", "IpPort": "0", "WorkstationName": "-"}`,
			"DeviceLogonEvents", map[string]any{"ActionType": "LogonSuccess", "AccountName": "bob", "LogonType": "RemoteInteractive", "RemoteIP": "1.2.3.4", "RemoteDeviceName": nil}},
		{"task deleted", security, 4699, `{"TaskName": "\\Microsoft\\Windows\\SystemRestore\\SR", "SubjectUserName": "bob", "SubjectDomainName": "DOM"}`,
			"DeviceEvents", map[string]any{"ActionType": "ScheduledTaskDeleted", "AdditionalFields": `{"TaskName":"\\Microsoft\\Windows\\SystemRestore\\SR"}`, "InitiatingProcessAccountName": "bob"}},
	}
	checkRows(t, Defender{}, tableSchema(t, "microsoft_xdr.json", ""), cases)
}

// checkRows checks the row a model gives for each case: one row, of the
// table and with the values wanted, whose columns and value types are the
// table's (when the schema is there).
func checkRows(t *testing.T, m Model, schema kqleval.Schema, cases []rowCase) {
	t.Helper()
	for _, c := range cases {
		rows, none := m.Rows(event(t, c.channel, c.id, c.data))
		if schema != nil && len(rows) > 0 {
			if _, err := kqleval.Eval(rows[0].Table, schema, map[string][]kqleval.Row{rows[0].Table: {rows[0].Values}}); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if len(rows) != 1 {
			t.Errorf("%s: %d rows (%s)", c.name, len(rows), none)
			continue
		}
		if rows[0].Table != c.table {
			t.Errorf("%s: table %s, want %s", c.name, rows[0].Table, c.table)
		}
		if d := cmp.Diff(c.want, only(rows[0].Values, c.want)); d != "" {
			t.Errorf("%s: (-want +got)\n%s", c.name, d)
		}
	}
}

// tableSchema reads a table schema of ../shared/kqlcheck/schema, with the
// columns the project's schema of a pipeline adds (none when pipeline is
// ""); nil when absent.
func tableSchema(t *testing.T, file, pipeline string) kqleval.Schema {
	_, src, _, _ := runtime.Caller(0)
	s, err := kqleval.LoadSchema(filepath.Join(filepath.Dir(src), "..", "..", "..", "..", "shared", "kqlcheck", "schema", file))
	if err != nil {
		t.Logf("row types not checked: %v", err)
		return nil
	}
	if own := kqlcheck.OwnSchemaFile(pipeline); pipeline != "" && own != "" {
		extra, err := kqleval.LoadSchema(own)
		if err != nil {
			t.Fatal(err)
		}
		for table, cols := range extra {
			if s[table] == nil {
				s[table] = map[string]string{}
			}
			for c, typ := range cols {
				s[table][c] = typ
			}
		}
	}
	return s
}

func TestDefenderRecordsNothing(t *testing.T) {
	for _, ev := range []WindowsEvent{
		{Channel: "Microsoft-Windows-PowerShell/Operational", EventID: 4104},
		{Channel: "System", EventID: 7045},
		{Channel: sysmon, EventID: 5},
		{Channel: sysmon, EventID: 12, Fields: match.FromJSON(map[string]any{"EventType": "Frob"})},
	} {
		rows, none := Defender{}.Rows(ev)
		if len(rows) != 0 || none == "" {
			t.Errorf("%s %d: %d rows, reason %q; want none with a reason", ev.Channel, ev.EventID, len(rows), none)
		}
	}
}
