package pipediff

// azureApproximations are the known approximations of azure_monitor: none.
// Where Security event 4688 has no counterpart of a Sysmon 1 field or value
// form (hashes, version information, a part of a decimal process ID, a
// comparison of one), the pipeline marks it as data the target lacks, and
// the case is rejected or warned; the new process's account is rebuilt as
// Sysmon writes it (NewProcessUser).
var azureApproximations = []approximation{}
