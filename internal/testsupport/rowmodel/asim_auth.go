package rowmodel

// asimSecurityLogon: Security 4624, 4625, 4634, 4647 → imAuthentication
// [security-auth], ASIM's authentication parser for Windows security
// events (ASimAuthenticationMicrosoftSecurityEvents and, for the
// WindowsEvent table, ASimAuthenticationMicrosoftWindowsEvent):
//   - EventType is Logoff for 4634 and 4647, else Logon; EventResult is
//     Failure for 4625, else Success.
//   - The Subject is the Actor, the Target the Target: account names are
//     DOMAIN\user, or the bare name when the domain is "-" or empty, with
//     the SIDs and logon IDs (ActorSessionId, TargetSessionId).
//   - LogonType is looked up in the parser's table of names (2 Interactive
//     ... 11 CachedInteractive) into EventSubType; another type leaves it
//     empty. The parser keeps no column with the number.
//   - A failure's code (SubStatus, or Status when SubStatus is 0x0) is
//     looked up into EventOriginalResultDetails (its name,
//     STATUS_NO_SUCH_USER) and EventResultDetails (the schema's category,
//     "No such user or password"); the codes themselves are not kept.
//   - AuthenticationPackageName is LogonProtocol; Dvc is the workstation
//     name, LogonTarget the computer, User the target account.
//
// The parser's versions name the source address and the two hosts
// differently (SrcDvcIpAddr, SrcDvcHostname and TargetDvcHostname in
// 0.2; the SecurityEvent parser 0.3.1 projects them away and keeps only
// the aliases): the model writes them to the schema's columns SrcIpAddr,
// SrcHostname and TargetHostname, which the schema article defines for
// them. Windows writes "-" where a logon has no source; the model keeps it,
// as the parsers do.
func asimSecurityLogon(ev WindowsEvent) Row {
	typ, result := "Logon", "Success"
	switch ev.EventID {
	case 4634, 4647:
		typ = "Logoff"
	case 4625:
		result = "Failure"
	}
	v := map[string]any{
		"EventType": typ, "EventResult": result, "EventProduct": "Security Events",
		"EventSchema": "Authentication", "EventSchemaVersion": "0.1.0",
		"ActorUserId": ev.Field("SubjectUserSid"), "ActorUserIdType": "SID",
		"ActorUsername":  windowsAccount(ev.Field("SubjectDomainName"), ev.Field("SubjectUserName")),
		"ActorSessionId": ev.Field("SubjectLogonId"),
		"TargetUserId":   ev.Field("TargetUserSid"), "TargetUserIdType": "SID",
		"TargetUsername":  windowsAccount(ev.Field("TargetDomainName"), ev.Field("TargetUserName")),
		"TargetSessionId": ev.Field("TargetLogonId"),
		"LogonProtocol":   ev.Field("AuthenticationPackageName"),
		"SrcIpAddr":       ev.Field("IpAddress"),
		"SrcHostname":     ev.Field("WorkstationName"),
		"TargetHostname":  ev.Computer,
		"Dvc":             ev.Field("WorkstationName"),
		"LogonTarget":     ev.Computer,
	}
	if name, ok := logonTypeNames[ev.Field("LogonType")]; ok {
		v["EventSubType"] = name
	}
	v["SrcPortNumber"] = number(ev, "IpPort") // null for "-"
	v["ActorUsernameType"], v["TargetUsernameType"] = usernameType(ev.Field("SubjectDomainName")), usernameType(ev.Field("TargetDomainName"))
	code := ev.Field("SubStatus")
	if code == "" || code == "0x0" {
		code = ev.Field("Status")
	}
	if s, ok := logonStatus[code]; ok {
		v["EventOriginalResultDetails"], v["EventResultDetails"] = s[0], s[1]
	}
	v["User"] = v["TargetUsername"]
	return Row{Table: "imAuthentication", Values: v}
}

// logonTypeNames is the parser's table of logon type names.
var logonTypeNames = map[string]string{
	"2": "Interactive", "3": "Network", "4": "Batch", "5": "Service", "7": "Unlock",
	"8": "NetworkCleartext", "9": "NewCredentials", "10": "RemoteInteractive", "11": "CachedInteractive",
}

// logonStatus is part of the parser's table of failure codes: the code's
// name and the schema's category. Codes not listed leave both empty.
var logonStatus = map[string][2]string{
	"0xc0000064": {"STATUS_NO_SUCH_USER", "No such user or password"},
	"0xc000006a": {"STATUS_WRONG_PASSWORD", "Incorrect password"},
	"0xc000006d": {"STATUS_LOGON_FAILURE", "Other"},
	"0xc000006e": {"STATUS_ACCOUNT_RESTRICTION", "Logon violates policy"},
	"0xc000006f": {"STATUS_INVALID_LOGON_HOURS", "Logon violates policy"},
	"0xc0000070": {"STATUS_INVALID_WORKSTATION", "Logon violates policy"},
	"0xc0000071": {"STATUS_PASSWORD_EXPIRED", "Password expired"},
	"0xc0000072": {"STATUS_ACCOUNT_DISABLED", "User disabled"},
	"0xc0000193": {"STATUS_ACCOUNT_EXPIRED", "Account expired"},
	"0xc0000234": {"STATUS_ACCOUNT_LOCKED_OUT", "User locked"},
	"0xc000015b": {"STATUS_LOGON_TYPE_NOT_GRANTED", "Logon violates policy"},
	"0xc0000224": {"STATUS_PASSWORD_MUST_CHANGE", "Other"},
}
