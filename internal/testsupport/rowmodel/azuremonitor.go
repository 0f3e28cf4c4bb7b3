package rowmodel

import (
	"fmt"
	"strings"
)

// AzureMonitor models the SecurityEvent table as the azure_monitor
// pipeline reads it: a Security event is its SecurityEvent row
// (SecurityEventTable), and the process creation that Sysmon records as
// event 1 is recorded by Windows' process-creation auditing as Security
// event 4688, whose SecurityEvent row the model gives.
//
// Sources, cited below as [name]:
//   - [4688]   Microsoft's "4688(S): A new process has been created"
//     (learn.microsoft.com, windows/security/threat-protection/auditing/event-4688):
//     the fields SubjectUserSid/Name/DomainName/LogonId (the account that
//     asked for the new process), NewProcessId and ProcessId (hexadecimal,
//     0x...), NewProcessName and ParentProcessName (full paths, the latter
//     from Windows 10 / Server 2016), TokenElevationType (%%1936-%%1938),
//     MandatoryLabel (the new process's integrity level as a SID,
//     S-1-16-...), CommandLine (when the policy "Include command line in
//     process creation events" is on, assumed here), and the Target* fields
//     (the new process's account when it is not the creator's; "-", NULL
//     SID and 0x0 otherwise).
//   - [sysmon] the Sysmon event fields (OSSEM data dictionaries).
//   - [sids]   Microsoft's "Well-known SIDs" (learn.microsoft.com,
//     windows-server/identity/ad-ds/manage/understand-security-identifiers):
//     S-1-5-18 Local System, S-1-5-19 Local Service, S-1-5-20 Network Service.
//
// 4688 has no hashes, no version information (OriginalFileName, Company,
// Product, Description), no current directory and no parent command line:
// a rule on those fields has nothing to match in this row.
type AzureMonitor struct{}

// Rows implements Model.
func (AzureMonitor) Rows(ev WindowsEvent) ([]Row, string) {
	switch {
	case ev.Channel == security:
		return SecurityEventTable{}.Rows(ev)
	case ev.Channel == sysmon && ev.EventID == 1:
		return []Row{securityEventRow(ev, 4688, "Microsoft-Windows-Security-Auditing", processCreation4688(ev))}, ""
	case ev.Channel == sysmon:
		return nil, fmt.Sprintf("SecurityEvent has no counterpart of Sysmon event %d (only process creation, as 4688)", ev.EventID)
	}
	return nil, "SecurityEvent records the Security log only"
}

// integrityLabels are the mandatory label SIDs of Sysmon's integrity
// levels [4688].
var integrityLabels = map[string]string{
	"untrusted": "S-1-16-0", "low": "S-1-16-4096", "medium": "S-1-16-8192", "high": "S-1-16-12288",
	"system": "S-1-16-16384",
}

// processCreation4688 gives the fields of the 4688 event Windows logs for
// the process creation of a Sysmon 1 event. The creator's account
// (Subject) is Sysmon's ParentUser, or User when Sysmon is too old to
// write ParentUser (an assumption: the creator usually runs as the new
// process's account). When the new process runs as another account, that
// account is the Target with the LogonId Sysmon gives (and the SID of a
// built-in service account, [sids]); otherwise Target is "-" [4688]. The creator's logon ID and token elevation are not in the
// Sysmon event and stay out.
func processCreation4688(ev WindowsEvent) map[string]string {
	f := map[string]string{
		"NewProcessName":    ev.Field("Image"),
		"CommandLine":       ev.Field("CommandLine"),
		"ParentProcessName": ev.Field("ParentImage"),
		"NewProcessId":      hex(ev, "ProcessId"),
		"ProcessId":         hex(ev, "ParentProcessId"),
	}
	if l, ok := integrityLabels[strings.ToLower(ev.Field("IntegrityLevel"))]; ok {
		f["MandatoryLabel"] = l
	}
	user, creator := ev.Field("User"), ev.Field("ParentUser")
	if creator == "" {
		creator = user
	}
	f["SubjectUserSid"], f["SubjectDomainName"], f["SubjectUserName"] = securityAccount(creator, ev.Computer)
	f["TargetUserSid"], f["TargetDomainName"], f["TargetUserName"], f["TargetLogonId"] = "S-1-0-0", "-", "-", "0x0"
	if !strings.EqualFold(user, creator) {
		f["TargetUserSid"], f["TargetDomainName"], f["TargetUserName"] = securityAccount(user, ev.Computer)
		f["TargetLogonId"] = ev.Field("LogonId")
		if f["TargetUserSid"] == "" {
			delete(f, "TargetUserSid") // Sysmon gives no SID but of the well-known accounts
		}
	}
	return f
}

// hex writes a numeric field as the Security log does, 0x in lower-case
// hexadecimal ("" when unreadable).
func hex(ev WindowsEvent, field string) string {
	if n, ok := number(ev, field).(int64); ok {
		return fmt.Sprintf("0x%x", n)
	}
	return ""
}

// wellKnown are the SIDs [sids] and Security-log names of the built-in
// service accounts Sysmon writes as NT AUTHORITY\<name>.
var wellKnown = map[string]string{"SYSTEM": "S-1-5-18", "LOCAL SERVICE": "S-1-5-19", "NETWORK SERVICE": "S-1-5-20"}

// securityAccount splits a Sysmon account (DOMAIN\user) into the SID
// (when known), domain and name the Security log writes for it. The
// Security log names the local system account by the computer's account,
// HOST$ in the computer's domain (the first label of the computer's name
// in upper case, the second as the domain, WORKGROUP without one): this
// form is community evidence (published 4688 samples with
// SubjectUserSid S-1-5-18), not documentation.
func securityAccount(account, computer string) (sid, domain, name string) {
	domain, name, ok := strings.Cut(account, `\`)
	if !ok {
		domain, name = "", account
	}
	if !strings.EqualFold(domain, "NT AUTHORITY") {
		return "", domain, name
	}
	sid = wellKnown[strings.ToUpper(name)]
	if sid != "S-1-5-18" {
		return sid, domain, name
	}
	host, dom, _ := strings.Cut(computer, ".")
	dom, _, _ = strings.Cut(dom, ".")
	if dom == "" {
		dom = "WORKGROUP"
	}
	return sid, strings.ToUpper(dom), strings.ToUpper(host) + "$"
}
