package pipediff

import "slices"

// asimApproximations are the known approximations of sentinel_asim. The
// parsers cited are Microsoft's ASIM parsers (Azure/Azure-Sentinel,
// Parsers/ASim*/Parsers), as rowmodel.ASIM models them.
var asimApproximations = []approximation{
	{"file creation time",
		"ASIM's Sysmon file parser reads CreationUtcTime as a datetime (TargetFileCreationTime), which the " +
			"query compares as Kusto's text of it (2025-10-24T10:44:35.8970000Z), not Sysmon's " +
			"(2025-10-24 10:44:35.897): a text of the date alone is found in both, a time or the whole value is not.",
		func(c *Case) bool { return c.Field == "CreationUtcTime" }},
	{"no value",
		"Sysmon writes '-' where it has no value; ASIM's Sysmon parsers write the empty string for it " +
			"(RuleName of file events, SrcHostname and DstHostname of network sessions), which a test of '-' or " +
			"of a text that '-' holds does not find.",
		func(c *Case) bool {
			return c.value() == "-" && slices.Contains([]string{"RuleName", "SourceHostname", "DestinationHostname"}, c.Field)
		}},
	{"logon without a port",
		"the Security log writes '-' for the source port of a logon without one; ASIM's port columns are " +
			"numbers (SrcPortNumber), which the parser leaves null, so a test of '-' or of a text that '-' holds " +
			"does not find it, and a test of null does.",
		func(c *Case) bool { return c.Field == "IpPort" && c.value() == "-" }},
	{"4688 process IDs",
		"Security 4688's ProcessId is the creating process's ID, in hexadecimal; Sysmon 1's ProcessId is the new " +
			"process's, in decimal. A process_creation rule does not say which log it reads, and the pipeline maps " +
			"ProcessId as Sysmon's (TargetProcessId); ASIM's Security parser writes the new process's ID in decimal.",
		func(c *Case) bool { return c.Field == "ProcessId" && isEvent(c, "Security", 4688) }},
	{"registry key spelling",
		"ASIM's Sysmon registry parser spells root keys out (HKEY_LOCAL_MACHINE); the pipeline respells whole " +
			"path segments (replace_segments), so a text that cuts one (Lm\\System), a text found only in ASIM's " +
			"spelling (_LOCAL) and a regular expression on Sysmon's spelling (HKU) have no counterpart " +
			"(golden/DEVIATIONS.md, Registry paths in imRegistry).",
		func(c *Case) bool { return c.Field == "TargetObject" && spellingDiffers(c, asimPath(c)) }},
	{"hashes across entries",
		"ASIM keeps each hash in its own column (TargetProcessMD5, ...SHA256, ...IMPHASH; split_hashes): a text, " +
			"or texts joined by a wildcard, across two of Sysmon's NAME=value entries of Hashes has no column to test.",
		acrossHashes},
	bareHashByLength,
	numbersAsNumbers,
}

// isEvent reports whether the case's event is event id of channel.
func isEvent(c *Case, channel string, id int) bool {
	return c.Source.Event.Channel == channel && c.Source.Event.EventID == id
}
