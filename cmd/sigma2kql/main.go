// Command sigma2kql converts Sigma detection rules into SIEM queries:
// Microsoft KQL for Defender XDR, Sentinel and Azure Monitor, and Splunk SPL.
package main

import "os"

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
