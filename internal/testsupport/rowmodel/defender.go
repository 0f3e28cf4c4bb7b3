package rowmodel

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Defender models Microsoft Defender XDR advanced hunting (Defender for
// Endpoint's Device* tables) for the same activity as a Windows event.
//
// Sources, cited per rule below as [name]:
//   - [process]  MicrosoftDocs/defender-docs defender-xdr/advanced-hunting-deviceprocessevents-table.md
//   - [file]     .../advanced-hunting-devicefileevents-table.md
//   - [image]    .../advanced-hunting-deviceimageloadevents-table.md
//   - [registry] .../advanced-hunting-deviceregistryevents-table.md
//   - [network]  .../advanced-hunting-devicenetworkevents-table.md
//   - [logon]    .../advanced-hunting-devicelogonevents-table.md
//   - [events]   .../advanced-hunting-deviceevents-table.md, and the ActionTypes
//     and AdditionalFields keys of ../shared/reference/microsoft-tables.md §2
//     (Microsoft's former MiscEvents page and Microsoft's hunting queries)
//   - [sysmon]   the Sysmon event fields (OSSEM data dictionaries)
//
// Columns and types are those of ../shared/kqlcheck/schema/microsoft_xdr.json.
// Where a value's form is community evidence rather than documentation,
// the comment says so.
type Defender struct{}

const (
	sysmon        = "Microsoft-Windows-Sysmon/Operational"
	security      = "Security"
	taskScheduler = "Microsoft-Windows-TaskScheduler/Operational"
)

type eventKey struct {
	channel string
	id      int
}

// defenderEvents maps each modelled event to its rows.
var defenderEvents = map[eventKey]func(ev WindowsEvent) []Row{
	{sysmon, 1}:          sysmonProcess,
	{sysmon, 3}:          sysmonNetwork,
	{sysmon, 6}:          sysmonDriver,
	{sysmon, 7}:          sysmonImageLoad,
	{sysmon, 8}:          sysmonRemoteThread,
	{sysmon, 10}:         sysmonProcessAccess,
	{sysmon, 11}:         func(ev WindowsEvent) []Row { return sysmonFile(ev, "FileCreated") },
	{sysmon, 12}:         sysmonRegistry,
	{sysmon, 13}:         sysmonRegistry,
	{sysmon, 17}:         func(ev WindowsEvent) []Row { return sysmonPipe(ev, "File created") },
	{sysmon, 18}:         func(ev WindowsEvent) []Row { return sysmonPipe(ev, "File opened") },
	{sysmon, 22}:         sysmonDNS,
	{sysmon, 23}:         func(ev WindowsEvent) []Row { return sysmonFile(ev, "FileDeleted") },
	{sysmon, 26}:         func(ev WindowsEvent) []Row { return sysmonFile(ev, "FileDeleted") },
	{security, 4688}:     securityProcess,
	{security, 4624}:     func(ev WindowsEvent) []Row { return securityLogon(ev, "LogonSuccess") },
	{security, 4625}:     func(ev WindowsEvent) []Row { return securityLogon(ev, "LogonFailed") },
	{security, 4698}:     func(ev WindowsEvent) []Row { return securityTask(ev, "ScheduledTaskCreated") },
	{security, 4699}:     func(ev WindowsEvent) []Row { return securityTask(ev, "ScheduledTaskDeleted") },
	{security, 4700}:     func(ev WindowsEvent) []Row { return securityTask(ev, "ScheduledTaskEnabled") },
	{security, 4701}:     func(ev WindowsEvent) []Row { return securityTask(ev, "ScheduledTaskDisabled") },
	{taskScheduler, 106}: func(ev WindowsEvent) []Row { return schedulerTask(ev, "ScheduledTaskCreated") },
	{taskScheduler, 140}: func(ev WindowsEvent) []Row { return schedulerTask(ev, "ScheduledTaskUpdated") },
	{taskScheduler, 141}: func(ev WindowsEvent) []Row { return schedulerTask(ev, "ScheduledTaskDeleted") },
	{taskScheduler, 142}: func(ev WindowsEvent) []Row { return schedulerTask(ev, "ScheduledTaskDisabled") },
}

// notRecorded says why Defender has no row for events it is known not to
// record.
var notRecorded = map[eventKey]string{
	{sysmon, 2}:  "Defender records no file creation-time changes (microsoft-tables.md §2: file_change)",
	{sysmon, 4}:  "Sysmon service state: Sysmon's own event",
	{sysmon, 5}:  "DeviceProcessEvents records process creation only [process]",
	{sysmon, 9}:  "Defender documents no raw disk access event",
	{sysmon, 14}: "Defender documents no registry key rename ActionType [registry]",
	{sysmon, 15}: "Defender documents no alternate data stream event",
	{sysmon, 16}: "Sysmon configuration change: Sysmon's own event",
	{sysmon, 25}: "Defender documents no process tampering event",
	{sysmon, 19}: "WMI: only WmiBindEventFilterToConsumer exists, without documented fields",
	{sysmon, 20}: "WMI: only WmiBindEventFilterToConsumer exists, without documented fields",
	{sysmon, 21}: "WMI: only WmiBindEventFilterToConsumer exists, without documented fields",
}

// Rows implements Model.
func (Defender) Rows(ev WindowsEvent) ([]Row, string) {
	k := eventKey{ev.Channel, ev.EventID}
	if f := defenderEvents[k]; f != nil {
		rows := f(ev)
		for _, r := range rows {
			common(ev, r.Values)
		}
		if len(rows) == 0 {
			return nil, fmt.Sprintf("%s event %d: these field values are not modelled", ev.Channel, ev.EventID)
		}
		return rows, ""
	}
	if why, ok := notRecorded[k]; ok {
		return nil, why
	}
	switch ev.Channel {
	case sysmon, security:
		return nil, fmt.Sprintf("%s event %d is not modelled", ev.Channel, ev.EventID)
	}
	// PowerShell script blocks, System, TaskScheduler, WMI-Activity...:
	// Defender reads its own sensor, not the event logs; microsoft-tables.md
	// §2 lists what exists (e.g. PowerShellCommand has the command name
	// only) and none carries these events' fields.
	return nil, fmt.Sprintf("Defender records no row for %s event %d (it does not collect this log)", ev.Channel, ev.EventID)
}

// common sets the columns every Device* table has: DeviceName ("Fully
// qualified domain name (FQDN) of the device") and Timestamp.
func common(ev WindowsEvent, v map[string]any) {
	v["DeviceName"] = ev.Computer
	if !ev.Time.IsZero() {
		v["Timestamp"] = ev.Time
	}
}

// sysmonProcess: Sysmon 1 → DeviceProcessEvents, ActionType ProcessCreated
// [process]. FolderPath holds the full path of the file, file name
// included (as Microsoft's own queries use it: FolderPath endswith
// "\\cmd.exe"); the initiating process is the parent.
func sysmonProcess(ev WindowsEvent) []Row {
	v := map[string]any{
		"ActionType":                         "ProcessCreated",
		"ProcessCommandLine":                 ev.Field("CommandLine"),
		"ProcessId":                          number(ev, "ProcessId"),
		"ProcessIntegrityLevel":              ev.Field("IntegrityLevel"),
		"ProcessVersionInfoOriginalFileName": ev.Field("OriginalFileName"),
		"ProcessVersionInfoCompanyName":      ev.Field("Company"),
		"ProcessVersionInfoProductName":      ev.Field("Product"),
		"ProcessVersionInfoFileDescription":  ev.Field("Description"),
		"LogonId":                            number(ev, "LogonId"),
		"InitiatingProcessCommandLine":       ev.Field("ParentCommandLine"),
	}
	path(v, "FolderPath", "FileName", ev.Field("Image"))
	account(v, "AccountDomain", "AccountName", ev.Field("User"))
	hashes(v, "", ev.Field("Hashes"))
	initiating(v, ev, "ParentImage", "ParentProcessId", "ParentUser")
	return []Row{{Table: "DeviceProcessEvents", Values: v}}
}

// securityProcess: Security 4688 → DeviceProcessEvents [process]; the
// creator (Subject) is the initiating process's account, the new process's
// account is Target* when the event has it.
func securityProcess(ev WindowsEvent) []Row {
	v := map[string]any{
		"ActionType":         "ProcessCreated",
		"ProcessCommandLine": ev.Field("CommandLine"),
		"ProcessId":          number(ev, "NewProcessId"),
	}
	path(v, "FolderPath", "FileName", ev.Field("NewProcessName"))
	path(v, "InitiatingProcessFolderPath", "InitiatingProcessFileName", ev.Field("ParentProcessName"))
	v["InitiatingProcessId"] = number(ev, "ProcessId")
	v["InitiatingProcessAccountName"], v["InitiatingProcessAccountDomain"] = ev.Field("SubjectUserName"), ev.Field("SubjectDomainName")
	if ev.Field("TargetUserName") != "" && ev.Field("TargetUserName") != "-" {
		v["AccountName"], v["AccountDomain"] = ev.Field("TargetUserName"), ev.Field("TargetDomainName")
	} else {
		v["AccountName"], v["AccountDomain"] = ev.Field("SubjectUserName"), ev.Field("SubjectDomainName")
	}
	return []Row{{Table: "DeviceProcessEvents", Values: v}}
}

// sysmonImageLoad: Sysmon 7 → DeviceImageLoadEvents, ActionType
// ImageLoaded [image]: FolderPath and hashes are the loaded file's; the
// table has no version-information columns for the loaded file (Sysmon's
// OriginalFileName, Company... describe it, not the loading process).
func sysmonImageLoad(ev WindowsEvent) []Row {
	v := map[string]any{"ActionType": "ImageLoaded"}
	path(v, "FolderPath", "FileName", ev.Field("ImageLoaded"))
	hashes(v, "", ev.Field("Hashes"))
	initiating(v, ev, "Image", "ProcessId", "User")
	return []Row{{Table: "DeviceImageLoadEvents", Values: v}}
}

// sysmonFile: Sysmon 11 (created) and 23/26 (deleted) → DeviceFileEvents
// [file]; the process that acted is the initiating process.
// RequestAccountName is the account of a remote (SMB) request, not the
// local process's user: it stays empty.
func sysmonFile(ev WindowsEvent, action string) []Row {
	v := map[string]any{"ActionType": action}
	path(v, "FolderPath", "FileName", ev.Field("TargetFilename"))
	hashes(v, "", ev.Field("Hashes"))
	initiating(v, ev, "Image", "ProcessId", "User")
	return []Row{{Table: "DeviceFileEvents", Values: v}}
}

// sysmonNetwork: Sysmon 3 → DeviceNetworkEvents [network]. An outgoing
// connection (Initiated true) is ConnectionSuccess, an incoming one
// InboundConnectionAccepted. Sysmon's Source is the side that opened the
// connection [sysmon], so Local and Remote swap for incoming ones.
// Protocol is written Tcp/Udp. RemoteUrl is the destination's name.
func sysmonNetwork(ev WindowsEvent) []Row {
	v := map[string]any{"ActionType": "ConnectionSuccess", "Protocol": protocolName(ev.Field("Protocol"))}
	local, remote := "Source", "Destination"
	if strings.EqualFold(ev.Field("Initiated"), "false") {
		v["ActionType"] = "InboundConnectionAccepted"
		local, remote = remote, local
	} else {
		v["RemoteUrl"] = ev.Field("DestinationHostname")
	}
	v["LocalIP"], v["LocalPort"] = ev.Field(local+"Ip"), number(ev, local+"Port")
	v["RemoteIP"], v["RemotePort"] = ev.Field(remote+"Ip"), number(ev, remote+"Port")
	initiating(v, ev, "Image", "ProcessId", "User")
	return []Row{{Table: "DeviceNetworkEvents", Values: v}}
}

func protocolName(p string) string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
}

// sysmonPipe: Sysmon 17/18 → DeviceEvents NamedPipeEvent [events], with
// AdditionalFields {"PipeName": "\\Device\\NamedPipe\\<name>",
// "FileOperation": "File created"/"File opened"}. The kernel form of the
// name is community evidence (microsoft-tables.md §2), Sysmon writes
// "\<name>".
func sysmonPipe(ev WindowsEvent, op string) []Row {
	v := map[string]any{"ActionType": "NamedPipeEvent"}
	v["AdditionalFields"] = jsonText(map[string]any{"PipeName": `\Device\NamedPipe` + ev.Field("PipeName"), "FileOperation": op})
	initiating(v, ev, "Image", "ProcessId", "User")
	return []Row{{Table: "DeviceEvents", Values: v}}
}

// sysmonDNS: Sysmon 22 → DeviceEvents DnsQueryResponse with
// AdditionalFields {"DnsQueryString": name} [events]. No documentation says
// the InitiatingProcess columns are the querying process: they stay empty.
func sysmonDNS(ev WindowsEvent) []Row {
	v := map[string]any{"ActionType": "DnsQueryResponse"}
	v["AdditionalFields"] = jsonText(map[string]any{"DnsQueryString": ev.Field("QueryName")})
	return []Row{{Table: "DeviceEvents", Values: v}}
}

// sysmonRemoteThread: Sysmon 8 → DeviceEvents CreateRemoteThreadApiCall
// [events]: the source process initiates, the target is FolderPath.
func sysmonRemoteThread(ev WindowsEvent) []Row {
	v := map[string]any{"ActionType": "CreateRemoteThreadApiCall"}
	path(v, "FolderPath", "FileName", ev.Field("TargetImage"))
	initiating(v, ev, "SourceImage", "SourceProcessId", "SourceUser")
	return []Row{{Table: "DeviceEvents", Values: v}}
}

// sysmonProcessAccess: Sysmon 10 → DeviceEvents OpenProcessApiCall
// [events]; GrantedAccess and CallTrace have no documented counterpart.
func sysmonProcessAccess(ev WindowsEvent) []Row {
	v := map[string]any{"ActionType": "OpenProcessApiCall"}
	path(v, "FolderPath", "FileName", ev.Field("TargetImage"))
	initiating(v, ev, "SourceImage", "SourceProcessId", "SourceUser")
	return []Row{{Table: "DeviceEvents", Values: v}}
}

// sysmonDriver: Sysmon 6 → DeviceEvents DriverLoad [events]: the driver's
// path and hashes (no IMPHASH column).
func sysmonDriver(ev WindowsEvent) []Row {
	v := map[string]any{"ActionType": "DriverLoad"}
	path(v, "FolderPath", "FileName", ev.Field("ImageLoaded"))
	hashes(v, "", ev.Field("Hashes"))
	return []Row{{Table: "DeviceEvents", Values: v}}
}

// securityTask: Security 4698-4701 (a scheduled task created, deleted,
// enabled, disabled) → DeviceEvents ScheduledTask* with AdditionalFields
// {"TaskName": name} [events]; the account that asked (Subject) is the
// initiating process's. The task name is modelled in the form Windows
// logs it (\Microsoft\Windows\...): Defender's form is not documented.
func securityTask(ev WindowsEvent, action string) []Row {
	v := map[string]any{"ActionType": action}
	v["AdditionalFields"] = jsonText(map[string]any{"TaskName": ev.Field("TaskName")})
	v["InitiatingProcessAccountName"], v["InitiatingProcessAccountDomain"] = ev.Field("SubjectUserName"), ev.Field("SubjectDomainName")
	return []Row{{Table: "DeviceEvents", Values: v}}
}

// schedulerTask: Task Scheduler 106/140/141/142 (a task registered,
// updated, deleted, disabled) → DeviceEvents ScheduledTaskCreated/Updated/
// Deleted/Disabled [events], the same rows as securityTask's: the task name
// in AdditionalFields, and UserName, the account that acted (DOMAIN\user),
// as the initiating process's account. The log writes the local system
// account as a bare "System" (event 142); Defender writes that account as
// domain "nt authority", name "system" (the form published hunting queries
// test, e.g. InitiatingProcessAccountName =~ "system": community evidence).
func schedulerTask(ev WindowsEvent, action string) []Row {
	v := map[string]any{"ActionType": action}
	v["AdditionalFields"] = jsonText(map[string]any{"TaskName": ev.Field("TaskName")})
	user := ev.Field("UserName")
	if strings.EqualFold(user, "System") {
		user = `nt authority\system`
	}
	account(v, "InitiatingProcessAccountDomain", "InitiatingProcessAccountName", user)
	return []Row{{Table: "DeviceEvents", Values: v}}
}

// logonTypes are the LogonType names of DeviceLogonEvents [logon] for the
// Security log's numbers.
var logonTypes = map[string]string{
	"2": "Interactive", "3": "Network", "4": "Batch", "5": "Service", "7": "Unlock",
	"8": "NetworkCleartext", "9": "NewCredentials", "10": "RemoteInteractive", "11": "CachedInteractive",
}

// securityLogon: Security 4624/4625 → DeviceLogonEvents LogonSuccess /
// LogonFailed [logon]: the account logged on is the Target; RemoteIP and
// RemoteDeviceName are the source of the logon ("-" means none). The
// process that asked for the logon (ProcessName) is the initiating
// process, and the Subject, the account that asked, its account
// ("InitiatingProcessAccountName: User name of the account that ran the
// process responsible for the event" [logon]), as for 4688 and 4698.
func securityLogon(ev WindowsEvent, action string) []Row {
	v := map[string]any{
		"ActionType":                     action,
		"AccountName":                    ev.Field("TargetUserName"),
		"AccountDomain":                  ev.Field("TargetDomainName"),
		"AccountSid":                     ev.Field("TargetUserSid"),
		"LogonType":                      logonTypes[ev.Field("LogonType")],
		"LogonId":                        number(ev, "TargetLogonId"),
		"InitiatingProcessAccountName":   ev.Field("SubjectUserName"),
		"InitiatingProcessAccountDomain": ev.Field("SubjectDomainName"),
	}
	if ip := ev.Field("IpAddress"); ip != "-" {
		v["RemoteIP"], v["RemotePort"] = ip, number(ev, "IpPort")
	}
	if ws := ev.Field("WorkstationName"); ws != "-" {
		v["RemoteDeviceName"] = ws
	}
	if p := ev.Field("ProcessName"); p != "-" {
		path(v, "InitiatingProcessFolderPath", "InitiatingProcessFileName", p)
		v["InitiatingProcessId"] = number(ev, "ProcessId")
	}
	return []Row{{Table: "DeviceLogonEvents", Values: v}}
}

// initiating sets the InitiatingProcess columns from the event's process
// fields.
func initiating(v map[string]any, ev WindowsEvent, image, pid, user string) {
	path(v, "InitiatingProcessFolderPath", "InitiatingProcessFileName", ev.Field(image))
	v["InitiatingProcessId"] = number(ev, pid)
	account(v, "InitiatingProcessAccountDomain", "InitiatingProcessAccountName", ev.Field(user))
}

// path sets a full path column and its file-name column.
func path(v map[string]any, full, name, p string) {
	v[full] = p
	v[name] = p[strings.LastIndexByte(p, '\\')+1:]
}

// account splits DOMAIN\user into the domain and the name columns
// ("AccountDomain: Domain of the account", "AccountName: User name of the
// account" [process]).
func account(v map[string]any, domain, name, user string) {
	d, n, ok := strings.Cut(user, `\`)
	if !ok {
		d, n = "", user
	}
	v[domain], v[name] = d, n
}

// hashes sets MD5, SHA1 and SHA256 from Sysmon's "MD5=...,SHA256=...,
// IMPHASH=..." (IMPHASH has no column). Defender shows hashes in lower
// case.
func hashes(v map[string]any, prefix, list string) {
	for _, h := range strings.Split(list, ",") {
		alg, val, ok := strings.Cut(h, "=")
		switch alg = strings.ToUpper(strings.TrimSpace(alg)); {
		case !ok:
		case alg == "MD5" || alg == "SHA1" || alg == "SHA256":
			v[prefix+alg] = strings.ToLower(strings.TrimSpace(val))
		}
	}
}

// number reads a numeric field, decimal or 0x hexadecimal (Sysmon writes
// LogonId so), as the long the schema has; nil when absent or unreadable.
func number(ev WindowsEvent, field string) any {
	s := strings.TrimSpace(ev.Field(field))
	base := 10
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		s, base = h, 16
	}
	n, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		return nil
	}
	return n
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return string(b)
}
