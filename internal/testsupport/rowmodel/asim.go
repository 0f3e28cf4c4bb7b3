package rowmodel

import (
	"fmt"
	"strings"
	"time"
)

// ASIM models Microsoft Sentinel's Advanced Security Information Model: the
// rows the unifying parsers (imProcessCreate, imRegistry, imFileEvent,
// imNetworkSession, imAuthentication) return for a Windows event, as the
// ASIM parsers for Sysmon and for Windows security events normalize it.
//
// Sources, cited per rule below as [name]:
//   - [process-schema]  MicrosoftDocs/azure-docs articles/sentinel/normalization-schema-process-event.md
//     (TargetProcessName and ActingProcessName are full paths, User is an
//     alias of TargetUsername "CONTOSO\dadmin", Process of TargetProcessName,
//     CommandLine of TargetProcessCommandLine, Hash of the best hash)
//   - [sysmon-process]  Azure/Azure-Sentinel Parsers/ASimProcessEvent/Parsers/
//     vimProcessCreateMicrosoftSysmon.yaml (Sysmon 1, Event and WindowsEvent tables)
//   - [security-process] .../ASimProcessEvent/Parsers/ASimProcessCreateMicrosoftSecurityEvents.yaml
//     (Security 4688 from SecurityEvent)
//   - [sysmon-registry] .../ASimRegistryEvent/Parsers/ASimRegistryEventMicrosoftSysmon.yaml
//     (Sysmon 12, 13, 14)
//   - [sysmon-file]     .../ASimFileEvent/Parsers/ASimFileEventMicrosoftSysmon.yaml
//     (Sysmon 11, 23, 26)
//   - [sysmon-network]  .../ASimNetworkSession/Parsers/ASimNetworkSessionMicrosoftSysmon.yaml
//     (Sysmon 3)
//   - [security-auth]   .../ASimAuthentication/Parsers/ASimAuthenticationMicrosoftSecurityEvents.yaml
//     and ASimAuthenticationMicrosoftWindowsEvent.yaml (Security 4624, 4625, 4634, 4647)
//
// The parsers are Microsoft's own normalization (the product), read for the
// value forms they produce; the schema articles say which columns exist.
// Where a parser departs from its schema article the model follows the
// parser, and the comment says so. Sysmon values are modelled as Windows
// logs them, as the parsers' WindowsEvent branch reads them (the Event
// branch reads the same values out of the XML text); where the branches
// differ (GUIDs with or without braces, EventProduct "Sysmon" or, in the
// WindowsEvent branch of the process parser, "Security Events"), the model
// takes the Event branch's form.
// Columns and types are those of ../shared/kqlcheck/schema/sentinel_asim.json
// with the project's additions (internal/testsupport/kqlcheck/schema).
type ASIM struct{}

// asimEvents maps each modelled event to its row.
var asimEvents = map[eventKey]func(ev WindowsEvent) Row{
	{sysmon, 1}:      asimSysmonProcess,
	{sysmon, 3}:      asimSysmonNetwork,
	{sysmon, 11}:     func(ev WindowsEvent) Row { return asimSysmonFile(ev, "FileCreated") },
	{sysmon, 12}:     asimSysmonRegistry,
	{sysmon, 13}:     asimSysmonRegistry,
	{sysmon, 14}:     asimSysmonRegistry,
	{sysmon, 23}:     func(ev WindowsEvent) Row { return asimSysmonFile(ev, "FileDeleted") },
	{sysmon, 26}:     func(ev WindowsEvent) Row { return asimSysmonFile(ev, "FileDeleted") },
	{security, 4688}: asimSecurityProcess,
	{security, 4624}: asimSecurityLogon,
	{security, 4625}: asimSecurityLogon,
	{security, 4634}: asimSecurityLogon,
	{security, 4647}: asimSecurityLogon,
}

// asimNotRecorded says why no ASIM parser of these tables returns the
// event.
var asimNotRecorded = map[eventKey]string{
	{sysmon, 5}:  "Sysmon 5 (process terminated) is read by imProcessTerminate, not imProcessCreate [sysmon-process]",
	{sysmon, 7}:  "ASIM has no image-load schema: no parser reads Sysmon 7",
	{sysmon, 8}:  "ASIM has no remote-thread schema: no parser reads Sysmon 8",
	{sysmon, 10}: "ASIM has no process-access schema: no parser reads Sysmon 10 (imProcessCreate reads Sysmon 1 only [sysmon-process])",
	{sysmon, 16}: "Sysmon configuration change: no ASIM parser reads it",
	{sysmon, 17}: "ASIM has no named-pipe schema: no parser reads Sysmon 17",
	{sysmon, 18}: "ASIM has no named-pipe schema: no parser reads Sysmon 18",
	{sysmon, 22}: "Sysmon 22 (DNS query) is read by the DNS parser (_Im_Dns), not modelled here",
}

// Rows implements Model.
func (ASIM) Rows(ev WindowsEvent) ([]Row, string) {
	k := eventKey{ev.Channel, ev.EventID}
	if f := asimEvents[k]; f != nil {
		r := f(ev)
		asimCommon(ev, r.Values)
		return []Row{r}, ""
	}
	if why, ok := asimNotRecorded[k]; ok {
		return nil, why
	}
	return nil, fmt.Sprintf("no ASIM parser of the modelled tables reads %s event %d", ev.Channel, ev.EventID)
}

// asimCommon sets the columns every parser sets alike: the device (Dvc
// and DvcHostname are the event's computer), the vendor, the times and
// the count.
func asimCommon(ev WindowsEvent, v map[string]any) {
	set(v, "Dvc", ev.Computer)
	set(v, "DvcOs", "Windows")
	set(v, "EventVendor", "Microsoft")
	set(v, "EventCount", int64(1))
	set(v, "EventOriginalType", fmt.Sprint(ev.EventID))
	if !ev.Time.IsZero() {
		v["TimeGenerated"], v["EventStartTime"], v["EventEndTime"] = ev.Time, ev.Time, ev.Time
	}
}

// set sets a column unless the event's own function set it.
func set(v map[string]any, col string, val any) {
	if _, ok := v[col]; !ok {
		v[col] = val
	}
}

// asimSysmonProcess: Sysmon 1 → imProcessCreate, EventType ProcessCreated
// [sysmon-process]. The new process is the Target (Image, CommandLine,
// User as Sysmon writes it, DOMAIN\user), the parent is the Acting process
// (ParentImage, ParentCommandLine) and ParentUser the Actor; the parser
// fills no ParentProcess* column (that is the acting process's parent
// [process-schema]). Hashes are split into TargetProcessMD5/SHA1/SHA256/
// IMPHASH as Sysmon writes them, Hash is the first of SHA256, SHA1,
// IMPHASH, MD5. LogonId stays Sysmon's text (0x...). OriginalFileName goes
// to TargetProcessFilename [sysmon-process], which the schema article
// documents as the file name part of TargetProcessName [process-schema];
// TargetProcessFileOriginalName, the article's column for the original
// name, stays empty. (TargetProcessFilename is not in kqlcheck's schema:
// the project's schema adds it, internal/testsupport/kqlcheck/schema.)
func asimSysmonProcess(ev WindowsEvent) Row {
	v := map[string]any{
		"EventType": "ProcessCreated", "EventProduct": "Sysmon", "EventSchema": "ProcessEvent", "EventSchemaVersion": "0.1.0",
		"EventResult":                   "Success",
		"TargetProcessName":             ev.Field("Image"),
		"TargetProcessCommandLine":      ev.Field("CommandLine"),
		"TargetProcessCurrentDirectory": ev.Field("CurrentDirectory"),
		"TargetProcessId":               ev.Field("ProcessId"),
		"TargetProcessGuid":             guid(ev.Field("ProcessGuid")),
		"TargetProcessIntegrityLevel":   ev.Field("IntegrityLevel"),
		"TargetProcessFileCompany":      ev.Field("Company"),
		"TargetProcessFileDescription":  ev.Field("Description"),
		"TargetProcessFileVersion":      ev.Field("FileVersion"),
		"TargetProcessFileProduct":      ev.Field("Product"),
		"TargetProcessFilename":         ev.Field("OriginalFileName"),
		"TargetUsername":                ev.Field("User"),
		"TargetUserSessionId":           ev.Field("LogonId"),
		"ActingProcessName":             ev.Field("ParentImage"),
		"ActingProcessCommandLine":      ev.Field("ParentCommandLine"),
		"ActingProcessId":               ev.Field("ParentProcessId"),
		"ActingProcessGuid":             guid(ev.Field("ParentProcessGuid")),
		"ActorUsername":                 ev.Field("ParentUser"),
	}
	asimUserTypes(v, "TargetUsername", "ActorUsername")
	asimHashes(v, "TargetProcess", ev.Field("Hashes"), "SHA256", "SHA1", "IMPHASH", "MD5")
	v["User"], v["Process"], v["CommandLine"] = v["TargetUsername"], v["TargetProcessName"], v["TargetProcessCommandLine"]
	v["DvcHostname"] = ev.Computer
	return Row{Table: "imProcessCreate", Values: v}
}

// asimSecurityProcess: Security 4688 → imProcessCreate, EventType
// ProcessCreated [security-process]. The creator (Subject) is the Actor,
// DOMAIN\user unless the domain is "-"; the new process's account is the
// Target in the same form (4688 writes "-" for both when the new process
// runs as its creator, and so does the row). ParentProcessName is the
// acting process; 4688 has neither hashes, version information nor the
// parent's command line, so those columns stay empty. Process IDs are
// written in decimal (4688 writes them 0x...).
func asimSecurityProcess(ev WindowsEvent) Row {
	v := map[string]any{
		"EventType": "ProcessCreated", "EventProduct": "Security Events", "EventSchemaVersion": "0.1.0",
		"EventResult":                 "Success",
		"ActorUserId":                 ev.Field("SubjectUserSid"),
		"ActorUserIdType":             "SID",
		"ActorUsername":               windowsAccount(ev.Field("SubjectDomainName"), ev.Field("SubjectUserName")),
		"ActorSessionId":              ev.Field("SubjectLogonId"),
		"TargetUserId":                ev.Field("TargetUserSid"),
		"TargetUserIdType":            "SID",
		"TargetUsername":              windowsAccount(ev.Field("TargetDomainName"), ev.Field("TargetUserName")),
		"TargetUserSessionId":         ev.Field("TargetLogonId"),
		"ActingProcessId":             decimal(ev, "ProcessId"),
		"ActingProcessName":           ev.Field("ParentProcessName"),
		"TargetProcessId":             decimal(ev, "NewProcessId"),
		"TargetProcessName":           ev.Field("NewProcessName"),
		"TargetProcessCommandLine":    ev.Field("CommandLine"),
		"TargetProcessTokenElevation": ev.Field("TokenElevationType"),
	}
	v["ActorUsernameType"], v["TargetUsernameType"] = usernameType(ev.Field("SubjectDomainName")), usernameType(ev.Field("TargetDomainName"))
	v["User"], v["Process"], v["DvcHostname"] = v["TargetUsername"], v["TargetProcessName"], ev.Computer
	return Row{Table: "imProcessCreate", Values: v}
}

// windowsAccount is DOMAIN\user, or the bare name when the domain is "-"
// (or absent) [security-process].
func windowsAccount(domain, name string) string {
	if domain == "-" || domain == "" {
		return name
	}
	return domain + `\` + name
}

func usernameType(domain string) string {
	if domain == "-" || domain == "" {
		return "Simple"
	}
	return "Windows"
}

// decimal is a numeric field in decimal text ("" when unreadable).
func decimal(ev WindowsEvent, field string) string {
	if n, ok := number(ev, field).(int64); ok {
		return fmt.Sprint(n)
	}
	return ""
}

// asimSysmonRegistry: Sysmon 12, 13, 14 → imRegistry [sysmon-registry].
// Sysmon's EventType becomes RegistryKeyCreated, RegistryKeyDeleted,
// RegistryValueSet, RegistryValueDeleted, RegistryKeyRenamed (the original
// in EventOriginalSubType). TargetObject's root key is respelled
// (HKLM → HKEY_LOCAL_MACHINE, HKU → HKEY_USERS, HKCR →
// HKEY_LOCAL_MACHINE\Classes); for value events the last segment is the
// value name (RegistryValue) and the rest the key. RegistryValueData is
// Sysmon's Details text ("DWORD (0x00000001)") of a value set, empty
// otherwise. The process is the Acting one, User the Actor. The parser
// reads the new name of a renamed key from Details, which Sysmon 14 does
// not have (it writes NewName), so RegistryKey stays empty for renames.
// The parser writes the computer to DvcHostName (so) and its alias Dvc:
// DvcHostname stays empty.
func asimSysmonRegistry(ev WindowsEvent) Row {
	typ := registryEventTypes[ev.Field("EventType")]
	v := map[string]any{
		"EventType": typ, "EventOriginalSubType": ev.Field("EventType"), "EventProduct": "Sysmon", "EventSchemaVersion": "0.1.0",
		"ActorUsername":     ev.Field("User"),
		"ActingProcessId":   ev.Field("ProcessId"),
		"ActingProcessGuid": guid(ev.Field("ProcessGuid")),
		"ActingProcessName": ev.Field("Image"),
	}
	asimUserTypes(v, "ActorUsername")
	key := hiveSpelling(ev.Field("TargetObject"))
	switch typ {
	case "RegistryValueSet", "RegistryValueDeleted":
		if i := strings.LastIndexByte(key, '\\'); i > 0 && i < len(key)-1 {
			v["RegistryKey"], v["RegistryValue"] = key[:i], key[i+1:]
		}
		if typ == "RegistryValueSet" {
			v["RegistryValueData"] = ev.Field("Details")
		}
	case "RegistryKeyRenamed":
		v["RegistryKey"] = ""
	default:
		v["RegistryKey"] = key
	}
	v["User"], v["Process"] = v["ActorUsername"], v["ActingProcessName"]
	return Row{Table: "imRegistry", Values: v}
}

// registryEventTypes are the parser's EventType for Sysmon's.
var registryEventTypes = map[string]string{
	"CreateKey": "RegistryKeyCreated", "DeleteKey": "RegistryKeyDeleted", "DeleteValue": "RegistryValueDeleted",
	"SetValue": "RegistryValueSet", "RenameKey": "RegistryKeyRenamed",
}

// hiveSpelling respells the root key of a Sysmon registry path as the
// parser does; another first segment yields the parser's lookup miss: an
// empty hive before the backslash.
func hiveSpelling(path string) string {
	prefix, rest, ok := strings.Cut(path, `\`)
	if !ok {
		return path
	}
	hive := map[string]string{"HKLM": "HKEY_LOCAL_MACHINE", "HKU": "HKEY_USERS", "HKCR": `HKEY_LOCAL_MACHINE\Classes`}[prefix]
	return hive + `\` + rest
}

// asimSysmonFile: Sysmon 11 (FileCreated), 23 and 26 (FileDeleted) →
// imFileEvent [sysmon-file]: TargetFilePath is Sysmon's TargetFilename
// (the full path), TargetFileName its last segment; the process is the
// Acting one, User the Actor; hashes (of a deleted file) go to
// TargetFileMD5/SHA1/SHA256, Hash the first of SHA256, SHA1, MD5.
// RuleName is Sysmon's, empty for its "-"; TargetFileCreationTime is
// CreationUtcTime read as a datetime [sysmon-file].
func asimSysmonFile(ev WindowsEvent, typ string) Row {
	p := ev.Field("TargetFilename")
	v := map[string]any{
		"EventType": typ, "EventProduct": "Sysmon", "EventSchema": "FileEvent", "EventSchemaVersion": "0.2.1",
		"EventResult": "Success", "EventSeverity": "Informational", "TargetFilePathType": "Windows",
		"TargetFilePath":    p,
		"TargetFileName":    p[strings.LastIndexByte(p, '\\')+1:],
		"ActingProcessName": ev.Field("Image"),
		"ActingProcessId":   ev.Field("ProcessId"),
		"ActingProcessGuid": guid(ev.Field("ProcessGuid")),
		"ActorUsername":     ev.Field("User"),
		"RuleName":          dash(ev.Field("RuleName")),
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999", ev.Field("CreationUtcTime")); err == nil {
		v["TargetFileCreationTime"] = t
	}
	asimUserTypes(v, "ActorUsername")
	asimHashes(v, "TargetFile", ev.Field("Hashes"), "SHA256", "SHA1", "MD5")
	v["Process"], v["FilePath"], v["FileName"], v["User"] = v["ActingProcessName"], p, v["TargetFileName"], v["ActorUsername"]
	v["DvcHostname"] = ev.Computer
	return Row{Table: "imFileEvent", Values: v}
}

// asimSysmonNetwork: Sysmon 3 → imNetworkSession, EventType
// EndpointNetworkSession [sysmon-network]. Src* and Dst* are Sysmon's
// Source and Destination; the parser writes the process and its user to
// the Dst* columns when the process initiated the connection and to the
// Src* columns otherwise (so, as the parser does it). The parser sets no
// NetworkDirection. Protocol is upper case; the host name columns are
// empty when Sysmon writes "-".
func asimSysmonNetwork(ev WindowsEvent) Row {
	v := map[string]any{
		"EventType": "EndpointNetworkSession", "EventProduct": "Sysmon", "EventSchema": "NetworkSession", "EventSchemaVersion": "0.2.4",
		"EventResult": "Success", "EventSeverity": "Informational",
		"SrcIpAddr": ev.Field("SourceIp"), "DstIpAddr": ev.Field("DestinationIp"),
		"Src": ev.Field("SourceIp"), "Dst": ev.Field("DestinationIp"), "IpAddr": ev.Field("SourceIp"),
		"SrcPortNumber": number(ev, "SourcePort"), "DstPortNumber": number(ev, "DestinationPort"),
		"SrcHostname": dash(ev.Field("SourceHostname")), "DstHostname": dash(ev.Field("DestinationHostname")),
		"NetworkProtocol": strings.ToUpper(ev.Field("Protocol")), "NetworkProtocolVersion": "IPV4",
		"NetworkRuleName": ev.Field("RuleName"),
	}
	if strings.EqualFold(ev.Field("SourceIsIpv6"), "true") || strings.EqualFold(ev.Field("DestinationIsIpv6"), "true") {
		v["NetworkProtocolVersion"] = "IPV6"
	}
	side, host := "Src", ev.Field("SourceHostname")
	if strings.EqualFold(ev.Field("Initiated"), "true") {
		side, host = "Dst", ev.Field("DestinationHostname")
	}
	v[side+"Username"], v[side+"UsernameType"] = ev.Field("User"), "Windows"
	v[side+"ProcessId"], v[side+"ProcessGuid"], v[side+"ProcessName"] = ev.Field("ProcessId"), guid(ev.Field("ProcessGuid")), ev.Field("Image")
	v[side+"AppName"], v[side+"AppType"] = ev.Field("Image"), "Process"
	v["Hostname"], v["DvcHostname"] = host, host
	return Row{Table: "imNetworkSession", Values: v}
}

// dash is "" for Sysmon's "-" (no value).
func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// asimUserTypes sets <column>Type to Windows for the user columns that
// have a value.
func asimUserTypes(v map[string]any, cols ...string) {
	for _, c := range cols {
		if s, _ := v[c].(string); s != "" {
			v[c+"Type"] = "Windows"
		}
	}
}

// asimHashes splits Sysmon's Hashes (ALGO=value,...) into the columns
// <prefix><ALGO> for the algorithms given, as written, and sets Hash and
// HashType to the first present in the order given.
func asimHashes(v map[string]any, prefix, list string, order ...string) {
	got := map[string]string{}
	for _, h := range strings.Split(list, ",") {
		if alg, val, ok := strings.Cut(h, "="); ok {
			got[strings.ToUpper(strings.TrimSpace(alg))] = strings.TrimSpace(val)
		}
	}
	for _, alg := range order {
		if got[alg] == "" {
			continue
		}
		v[prefix+alg] = got[alg]
		if _, ok := v["Hash"]; !ok {
			v["Hash"], v["HashType"] = got[alg], alg
		}
	}
}

// guid strips the braces Sysmon writes around GUIDs.
func guid(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
}
