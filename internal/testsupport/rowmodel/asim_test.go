package rowmodel

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqleval"
)

func TestASIMRows(t *testing.T) {
	cases := []rowCase{
		{"process", sysmon, 1, `{"Image": "C:\\Windows\\System32\\curl.exe", "CommandLine": "curl x", "User": "DOM\\bob", "ProcessId": 6400, "LogonId": "0x3144c",
			"ProcessGuid": "{5AA1-1}", "Hashes": "MD5=DBB2,SHA256=8955,IMPHASH=2134", "ParentImage": "C:\\Windows\\System32\\cmd.exe", "ParentCommandLine": "cmd",
			"ParentUser": "DOM\\alice", "OriginalFileName": "curl.exe", "Company": "Microsoft"}`,
			"imProcessCreate", map[string]any{"EventType": "ProcessCreated", "TargetProcessName": `C:\Windows\System32\curl.exe`, "Process": `C:\Windows\System32\curl.exe`,
				"TargetProcessCommandLine": "curl x", "CommandLine": "curl x", "TargetUsername": `DOM\bob`, "User": `DOM\bob`, "ActorUsername": `DOM\alice`,
				"TargetProcessId": "6400", "TargetProcessGuid": "5AA1-1", "TargetUserSessionId": "0x3144c", "TargetProcessMD5": "DBB2", "TargetProcessSHA256": "8955",
				"TargetProcessIMPHASH": "2134", "TargetProcessSHA1": nil, "Hash": "8955", "HashType": "SHA256", "ActingProcessName": `C:\Windows\System32\cmd.exe`,
				"ActingProcessCommandLine": "cmd", "ParentProcessName": nil, "TargetProcessFilename": "curl.exe", "TargetProcessFileOriginalName": nil,
				"TargetProcessFileCompany": "Microsoft", "DvcHostname": "host", "EventOriginalType": "1", "EventCount": int64(1)}},
		{"value set", sysmon, 13, `{"EventType": "SetValue", "TargetObject": "HKLM\\System\\CurrentControlSet\\Services\\x\\Start", "Details": "DWORD (0x00000004)",
			"Image": "C:\\r.exe", "User": "DOM\\bob"}`,
			"imRegistry", map[string]any{"EventType": "RegistryValueSet", "EventOriginalSubType": "SetValue", "RegistryKey": `HKEY_LOCAL_MACHINE\System\CurrentControlSet\Services\x`,
				"RegistryValue": "Start", "RegistryValueData": "DWORD (0x00000004)", "ActingProcessName": `C:\r.exe`, "ActorUsername": `DOM\bob`, "Dvc": "host", "DvcHostname": nil}},
		{"default value", sysmon, 13, `{"EventType": "SetValue", "TargetObject": "HKCR\\x\\(Default)", "Details": "(Empty)"}`,
			"imRegistry", map[string]any{"RegistryKey": `HKEY_LOCAL_MACHINE\Classes\x`, "RegistryValue": "(Default)", "RegistryValueData": "(Empty)"}},
		{"key deleted", sysmon, 12, `{"EventType": "DeleteKey", "TargetObject": "HKU\\S-1-5-21-1\\Software\\x"}`,
			"imRegistry", map[string]any{"EventType": "RegistryKeyDeleted", "RegistryKey": `HKEY_USERS\S-1-5-21-1\Software\x`, "RegistryValue": nil, "RegistryValueData": nil}},
		{"value deleted", sysmon, 12, `{"EventType": "DeleteValue", "TargetObject": "HKLM\\SOFTWARE\\x\\v"}`,
			"imRegistry", map[string]any{"EventType": "RegistryValueDeleted", "RegistryKey": `HKEY_LOCAL_MACHINE\SOFTWARE\x`, "RegistryValue": "v", "RegistryValueData": nil}},
		{"file", sysmon, 11, `{"Image": "C:\\a.exe", "TargetFilename": "C:\\t\\f.txt", "User": "D\\u", "ProcessId": 7}`,
			"imFileEvent", map[string]any{"EventType": "FileCreated", "TargetFilePath": `C:\t\f.txt`, "TargetFileName": "f.txt", "ActingProcessName": `C:\a.exe`,
				"ActingProcessId": "7", "ActorUsername": `D\u`, "User": `D\u`}},
		{"file deleted", sysmon, 23, `{"TargetFilename": "C:\\t\\f.exe", "Hashes": "SHA1=AB,IMPHASH=CD"}`,
			"imFileEvent", map[string]any{"EventType": "FileDeleted", "TargetFileSHA1": "AB", "Hash": "AB", "HashType": "SHA1"}},
		{"outbound", sysmon, 3, `{"Initiated": "true", "Protocol": "tcp", "SourceIp": "10.0.0.10", "SourcePort": 52000, "DestinationIp": "1.2.3.4", "DestinationPort": 443,
			"DestinationHostname": "x.example", "SourceHostname": "-", "Image": "C:\\a.exe", "User": "D\\u"}`,
			"imNetworkSession", map[string]any{"EventType": "EndpointNetworkSession", "SrcIpAddr": "10.0.0.10", "DstIpAddr": "1.2.3.4", "DstPortNumber": int64(443),
				"SrcHostname": "", "DstHostname": "x.example", "NetworkProtocol": "TCP", "DstProcessName": `C:\a.exe`, "SrcProcessName": nil, "DstUsername": `D\u`,
				"NetworkDirection": nil}},
		{"4688", security, 4688, `{"NewProcessName": "C:\\w.exe", "CommandLine": "w", "ParentProcessName": "C:\\p.exe", "SubjectUserName": "s", "SubjectDomainName": "D",
			"TargetUserName": "-", "TargetDomainName": "-", "NewProcessId": "0x10", "ProcessId": "0x4", "TokenElevationType": "%%1936"}`,
			"imProcessCreate", map[string]any{"EventProduct": "Security Events", "TargetProcessName": `C:\w.exe`, "TargetProcessCommandLine": "w",
				"ActingProcessName": `C:\p.exe`, "ActorUsername": `D\s`, "TargetUsername": "-", "TargetUsernameType": "Simple", "TargetProcessId": "16",
				"ActingProcessId": "4", "TargetProcessTokenElevation": "%%1936"}},
		{"logon", security, 4624, `{"SubjectUserName": "HOST$", "SubjectDomainName": "DOM", "SubjectUserSid": "S-1-5-18", "SubjectLogonId": "0x3e7",
			"TargetUserName": "bob", "TargetDomainName": "DOM", "TargetLogonId": "0x3144c", "LogonType": 10, "AuthenticationPackageName": "Negotiate",
			"WorkstationName": "WS1", "IpAddress": "10.0.0.5", "IpPort": "50123"}`,
			"imAuthentication", map[string]any{"EventType": "Logon", "EventResult": "Success", "ActorUsername": `DOM\HOST$`, "TargetUsername": `DOM\bob`,
				"User": `DOM\bob`, "TargetUsernameType": "Windows", "ActorSessionId": "0x3e7", "TargetSessionId": "0x3144c", "EventSubType": "RemoteInteractive",
				"LogonProtocol": "Negotiate", "SrcIpAddr": "10.0.0.5", "SrcPortNumber": int64(50123), "SrcHostname": "WS1", "Dvc": "WS1",
				"TargetHostname": "host", "LogonTarget": "host", "EventOriginalType": "4624", "EventResultDetails": nil}},
		{"failed logon", security, 4625, `{"TargetUserName": "eve", "TargetDomainName": "-", "LogonType": 3, "Status": "0xc000006d", "SubStatus": "0xc000006a",
			"IpAddress": "-", "IpPort": "-"}`,
			"imAuthentication", map[string]any{"EventType": "Logon", "EventResult": "Failure", "TargetUsername": "eve", "TargetUsernameType": "Simple",
				"EventSubType": "Network", "EventOriginalResultDetails": "STATUS_WRONG_PASSWORD", "EventResultDetails": "Incorrect password",
				"SrcIpAddr": "-", "SrcPortNumber": nil}},
		{"logoff", security, 4634, `{"TargetUserName": "bob", "TargetDomainName": "DOM", "LogonType": 12}`,
			"imAuthentication", map[string]any{"EventType": "Logoff", "EventResult": "Success", "EventSubType": nil}},
	}
	checkRows(t, ASIM{}, tableSchema(t, "sentinel_asim.json", "sentinel_asim"), cases)
}

func TestAzureMonitorRows(t *testing.T) {
	cases := []rowCase{
		{"system", sysmon, 1, `{"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c x", "User": "NT AUTHORITY\\SYSTEM", "ProcessId": 26,
			"ParentImage": "C:\\Windows\\System32\\services.exe", "ParentProcessId": 700, "IntegrityLevel": "System", "OriginalFileName": "Cmd.Exe", "Hashes": "MD5=AA"}`,
			"SecurityEvent", map[string]any{"EventID": int64(4688), "Channel": "Security", "NewProcessName": `C:\Windows\System32\cmd.exe`, "CommandLine": "cmd /c x",
				"ParentProcessName": `C:\Windows\System32\services.exe`, "NewProcessId": "0x1a", "ProcessId": "0x2bc", "SubjectUserName": "HOST$",
				"SubjectDomainName": "WORKGROUP", "SubjectUserSid": "S-1-5-18", "TargetUserName": "-", "MandatoryLabel": "S-1-16-16384", "FileHash": nil}},
		{"run as", sysmon, 1, `{"Image": "C:\\a.exe", "User": "DOM\\bob", "ParentUser": "DOM\\alice", "LogonId": "0x3e7"}`,
			"SecurityEvent", map[string]any{"SubjectUserName": "alice", "SubjectDomainName": "DOM", "TargetUserName": "bob", "TargetDomainName": "DOM", "TargetLogonId": "0x3e7"}},
		{"security", security, 4688, `{"NewProcessName": "C:\\w.exe", "SubjectUserName": "s"}`,
			"SecurityEvent", map[string]any{"NewProcessName": `C:\w.exe`, "SubjectUserName": "s", "EventSourceName": ""}},
	}
	checkRows(t, AzureMonitor{}, tableSchema(t, "azure_monitor.json", "azure_monitor"), cases)
	if rows, none := (AzureMonitor{}).Rows(event(t, sysmon, 11, `{"TargetFilename": "C:\\x"}`)); len(rows) != 0 || none == "" {
		t.Errorf("Sysmon 11: %d rows, reason %q; want none, with a reason", len(rows), none)
	}
}

// A process_creation rule converted with sentinel_asim or azure_monitor
// finds a Sysmon 1 event in the row of that pipeline's model (imProcessCreate,
// SecurityEvent 4688); a rule for another value does not.
func TestProcessRowsFire(t *testing.T) {
	ev := event(t, sysmon, 1, `{"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c \"whoami\"", "ParentImage": "C:\\Windows\\explorer.exe", "User": "DOM\\bob"}`)
	cases := []struct {
		rule  string
		fires bool
	}{
		{"Image|endswith: '\\cmd.exe'\n        CommandLine|contains: '\"whoami\"'\n        ParentImage|endswith: '\\explorer.exe'", true},
		{"Image|endswith: '\\powershell.exe'", false},
	}
	for _, p := range []string{"sentinel_asim", "azure_monitor"} {
		model, ok := ForPipeline(p)
		if !ok {
			t.Fatalf("%s has no row model", p)
		}
		schema := tableSchema(t, map[string]string{"sentinel_asim": "sentinel_asim.json", "azure_monitor": "azure_monitor.json"}[p], p)
		if schema == nil {
			t.Skip("no schema")
		}
		rows, _ := model.Rows(ev)
		data := map[string][]kqleval.Row{rows[0].Table: {rows[0].Values}}
		for _, c := range cases {
			q := convertFor(t, p, "category: process_creation", c.rule)
			out, err := kqleval.Eval(q, schema, data)
			if err != nil {
				t.Fatalf("%s: %v\n%s", p, err, q)
			}
			if (len(out) > 0) != c.fires {
				t.Errorf("%s, %s: %d rows, want firing %v\n%s", p, c.rule, len(out), c.fires, q)
			}
		}
	}
}
