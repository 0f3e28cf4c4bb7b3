package pipediff

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The regression events are Sysmon 1, 7, 10, 11, 12, 13, Security 4701
// and 4648, Task Scheduler 142: no network connection, DNS query, file
// deletion, named pipe, driver load, remote thread, key creation, Security
// process creation, logon, failed logon or task creation. Derive writes such events from the real ones, with the
// fields the Sysmon schema and the Security event documentation give
// them: the process fields of a real process creation (image, IDs,
// account, logon ID), the file of a real file creation, the hostnames and
// addresses that the real command lines contain. The values are real
// where the events have them, and realistic where they do not (ports,
// pipe names).

// A deriver makes an event of another kind from a real one, or nil.
type deriver struct {
	from      int               // the Sysmon (or Security) event ID it starts from
	channel   string            // the derived event's channel
	id        int               // and event ID
	logsource map[string]string // the log source of rules about it
	data      func(d *derivation, s *Source) map[string]any
}

var derivers = []deriver{
	{1, sysmonChannel, 3, category("network_connection"), (*derivation).network},
	{1, sysmonChannel, 22, category("dns_query"), (*derivation).dns},
	{1, sysmonChannel, 17, category("pipe_created"), (*derivation).pipe},
	{11, sysmonChannel, 23, category("file_delete"), (*derivation).fileDelete},
	{7, sysmonChannel, 6, category("driver_load"), (*derivation).driver},
	{1, "Security", 4688, service("security"), (*derivation).process4688},
	{1, "Security", 4624, service("security"), (*derivation).logon},
	{4701, "Security", 4698, service("security"), (*derivation).task},
	{10, sysmonChannel, 8, category("create_remote_thread"), (*derivation).remoteThread},
	{13, sysmonChannel, 12, category("registry_add"), (*derivation).keyCreated},
	{1, "Security", 4625, service("security"), (*derivation).failedLogon},
}

const sysmonChannel = "Microsoft-Windows-Sysmon/Operational"

func category(c string) map[string]string {
	return map[string]string{"product": "windows", "category": c}
}

func service(s string) map[string]string {
	return map[string]string{"product": "windows", "service": s}
}

// A derivation holds what the derivers draw on: the hosts and addresses
// of the real command lines, the hashes of the real events.
type derivation struct {
	n      int // the events derived so far: picks values in turn
	hosts  []string
	ips    []string
	hashes []string
}

var (
	urlHost = regexp.MustCompile(`https?://([A-Za-z0-9.-]+\.[A-Za-z]{2,})`)
	ipv4    = regexp.MustCompile(`\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b`)
)

// Derive returns the events derived from every step-th real event of each
// kind a deriver starts from.
func Derive(sources []*Source, step int) []*Source {
	d := &derivation{}
	for _, s := range sources {
		line, _ := s.Data["CommandLine"].(string)
		for _, m := range urlHost.FindAllStringSubmatch(line, -1) {
			d.hosts = appendNew(d.hosts, m[1])
		}
		d.ips = slices.Concat(d.ips, ipv4.FindAllString(line, -1))
		if h, ok := s.Data["Hashes"].(string); ok {
			d.hashes = appendNew(d.hashes, h)
		}
	}
	slices.Sort(d.ips)
	d.ips = slices.Compact(d.ips)
	var out []*Source
	for _, dv := range derivers {
		k := 0
		for _, s := range sources {
			if s.Event.EventID != dv.from {
				continue
			}
			if k++; (k-1)%step != 0 {
				continue
			}
			d.n++
			data := dv.data(d, s)
			if data == nil {
				continue
			}
			sys := maps.Clone(s.System)
			sys["Channel"], sys["EventID"] = dv.channel, json.Number(strconv.Itoa(dv.id))
			n := NewSource(sys, data)
			n.Test = fmt.Sprintf("%s (%s %d derived)", s.Test, dv.channel, dv.id)
			n.Logsource = dv.logsource
			out = append(out, n)
		}
	}
	return out
}

func appendNew(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func pick[T any](d *derivation, xs []T) T { return xs[d.n%len(xs)] }

// process copies the fields of the acting process of a Sysmon event.
func process(s *Source) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User"} {
		if v, ok := s.Data[k]; ok {
			out[k] = v
		}
	}
	return out
}

// network: Sysmon 3 (a connection the process made or accepted), to a
// host or address of the real command lines.
func (d *derivation) network(s *Source) map[string]any {
	v := process(s)
	v["Protocol"] = pick(d, []string{"tcp", "udp"})
	v["Initiated"] = pick(d, []string{"true", "true", "false"})
	v["SourceIsIpv6"], v["DestinationIsIpv6"] = "false", "false"
	v["SourceIp"], v["SourceHostname"] = "10.0.1.14", s.Event.Computer
	v["SourcePort"] = json.Number(strconv.Itoa(49152 + d.n*37%16000))
	v["DestinationIp"] = pick(d, append([]string{"140.82.121.4"}, d.ips...))
	v["DestinationHostname"] = pick(d, append([]string{"-"}, d.hosts...))
	port := pick(d, []int{443, 80, 445, 3389, 8080, 53})
	v["DestinationPort"] = json.Number(strconv.Itoa(port))
	v["DestinationPortName"] = map[int]string{443: "https", 80: "http", 445: "microsoft-ds", 3389: "ms-wbt-server", 53: "domain"}[port]
	if v["DestinationPortName"] == "" {
		v["DestinationPortName"] = "-"
	}
	return v
}

// dns: Sysmon 22, a query for a host of the real command lines.
func (d *derivation) dns(s *Source) map[string]any {
	if len(d.hosts) == 0 {
		return nil
	}
	v := process(s)
	v["QueryName"] = pick(d, d.hosts)
	v["QueryStatus"] = "0"
	v["QueryResults"] = "type:  5 " + pick(d, d.hosts) + ";::ffff:140.82.121.4;"
	return v
}

// pipe: Sysmon 17, a pipe named after the process.
func (d *derivation) pipe(s *Source) map[string]any {
	v := process(s)
	img, _ := s.Data["Image"].(string)
	name := strings.TrimSuffix(strings.ToLower(img[strings.LastIndexByte(img, '\\')+1:]), ".exe")
	v["EventType"] = "CreatePipe"
	v["PipeName"] = fmt.Sprintf(`\%s_%d`, name, 1000+d.n)
	return v
}

// fileDelete: Sysmon 23, the file a real event created, deleted and
// archived, with the hashes Sysmon logs for it.
func (d *derivation) fileDelete(s *Source) map[string]any {
	v := process(s)
	target, ok := s.Data["TargetFilename"]
	if !ok || len(d.hashes) == 0 {
		return nil
	}
	v["TargetFilename"] = target
	v["Hashes"] = pick(d, d.hashes)
	v["IsExecutable"] = strconv.FormatBool(strings.HasSuffix(strings.ToLower(fmt.Sprint(target)), ".exe"))
	v["Archived"] = "true"
	return v
}

// driver: Sysmon 6, the image a real event loaded, as a driver.
func (d *derivation) driver(s *Source) map[string]any {
	v := map[string]any{}
	for _, k := range []string{"RuleName", "UtcTime", "ImageLoaded", "Hashes", "Signed", "Signature", "SignatureStatus"} {
		if x, ok := s.Data[k]; ok {
			v[k] = x
		}
	}
	return v
}

// process4688: Security 4688 for a real Sysmon process creation; the
// creator's account is the parent's, the IDs in hexadecimal.
func (d *derivation) process4688(s *Source) map[string]any {
	dom, user := splitAccount(s.Data["ParentUser"])
	if user == "" {
		dom, user = splitAccount(s.Data["User"])
	}
	v := map[string]any{
		"SubjectUserSid": "S-1-5-21-2555720767-1205513275-3893774561-1001", "SubjectUserName": user, "SubjectDomainName": dom,
		"SubjectLogonId": s.Data["LogonId"], "NewProcessId": hexID(s.Data["ProcessId"]), "NewProcessName": s.Data["Image"],
		"TokenElevationType": "%%1936", "ProcessId": hexID(s.Data["ParentProcessId"]), "CommandLine": s.Data["CommandLine"],
		"TargetUserSid": "S-1-0-0", "TargetUserName": "-", "TargetDomainName": "-", "TargetLogonId": "0x0",
		"ParentProcessName": s.Data["ParentImage"], "MandatoryLabel": "S-1-16-12288",
	}
	return v
}

// logon: Security 4624, the logon of a real process's account, of a type
// and from an address drawn in turn.
func (d *derivation) logon(s *Source) map[string]any {
	dom, user := splitAccount(s.Data["User"])
	if user == "" {
		return nil
	}
	typ := pick(d, []int{2, 3, 10, 5})
	ip, port := "-", "-"
	if typ == 3 || typ == 10 {
		ip, port = pick(d, append([]string{"10.0.1.14"}, d.ips...)), strconv.Itoa(50000+d.n)
	}
	return map[string]any{
		"SubjectUserSid": "S-1-5-18", "SubjectUserName": strings.ToUpper(s.Event.Computer) + "$", "SubjectDomainName": dom,
		"SubjectLogonId": "0x3e7", "TargetUserSid": "S-1-5-21-2555720767-1205513275-3893774561-1001", "TargetUserName": user,
		"TargetDomainName": dom, "TargetLogonId": s.Data["LogonId"], "LogonType": json.Number(strconv.Itoa(typ)),
		"LogonProcessName": "User32 ", "AuthenticationPackageName": "Negotiate", "WorkstationName": strings.ToUpper(s.Event.Computer),
		"LogonGuid": "{00000000-0000-0000-0000-000000000000}", "KeyLength": json.Number("0"),
		"ProcessId": "0x2a8", "ProcessName": `C:\Windows\System32\svchost.exe`, "IpAddress": ip, "IpPort": port,
	}
}

// task: Security 4698, the task of a real 4701 event, created.
func (d *derivation) task(s *Source) map[string]any { return maps.Clone(s.Data) }

func splitAccount(v any) (domain, user string) {
	s, _ := v.(string)
	if s == "" || s == "-" {
		return "", ""
	}
	domain, user, ok := strings.Cut(s, `\`)
	if !ok {
		return "", s
	}
	return domain, user
}

// hexID writes a process ID as the Security log does (0x1a2b).
func hexID(v any) any {
	n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	if err != nil {
		return v
	}
	return fmt.Sprintf("0x%x", n)
}

// remoteThread: Sysmon 8, a thread the source process of a real process
// access started in its target.
func (d *derivation) remoteThread(s *Source) map[string]any {
	v := map[string]any{}
	for _, k := range []string{"RuleName", "UtcTime", "SourceProcessGuid", "SourceProcessId", "SourceImage",
		"TargetProcessGuid", "TargetProcessId", "TargetImage", "SourceUser", "TargetUser"} {
		if x, ok := s.Data[k]; ok {
			v[k] = x
		}
	}
	v["NewThreadId"] = json.Number(strconv.Itoa(4000 + d.n))
	v["StartAddress"], v["StartModule"], v["StartFunction"] = "0x00007FFB1C2A0000", "-", "-"
	return v
}

// keyCreated: Sysmon 12 CreateKey, the key of a real value set.
func (d *derivation) keyCreated(s *Source) map[string]any {
	target, _ := s.Data["TargetObject"].(string)
	i := strings.LastIndexByte(target, '\\')
	if i < 0 {
		return nil
	}
	v := process(s)
	v["EventType"], v["TargetObject"] = "CreateKey", target[:i]
	return v
}

// failedLogon: Security 4625, a failed logon of a real process's account
// (unknown user name or bad password).
func (d *derivation) failedLogon(s *Source) map[string]any {
	v := d.logon(s)
	if v == nil {
		return nil
	}
	delete(v, "TargetLogonId")
	delete(v, "LogonGuid")
	v["TargetUserSid"] = "S-1-0-0"
	v["Status"], v["SubStatus"] = "0xc000006d", pick(d, []string{"0xc0000064", "0xc000006a"})
	v["FailureReason"] = "%%2313"
	return v
}
