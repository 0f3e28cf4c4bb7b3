package regression

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/rowmodel"
	"github.com/sigma2kql/sigma2kql/match"
)

// Sysmon writes a process's account as DOMAIN\user; Defender keeps the
// name and the domain in two columns. Whatever a rule tests on User (a
// whole account, a part of either side, a text without the backslash, a
// regular expression, a wildcard that may stand for the backslash, a
// case-sensitive value, neq), the
// microsoft_xdr query must find exactly the processes whose Sysmon event
// the rule matches.
func TestDomainUserSplitAgrees(t *testing.T) {
	shared, ok := SharedDir()
	if !ok {
		t.Skipf("%s is absent: the table schemas are there", shared)
	}
	h, err := New("microsoft_xdr", shared)
	if err != nil {
		t.Fatal(err)
	}
	accounts := []string{`NT AUTHORITY\SYSTEM`, `NT AUTHORITY\NETWORK SERVICE`, `CONTOSO\adm_bob`, `WORKGROUP\alice`, `AUTORITE NT\Système`}
	var events []rowmodel.WindowsEvent
	for _, a := range accounts {
		events = append(events, rowmodel.FromMatch(match.FromJSON(map[string]any{
			"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
			"Image": `C:\Windows\System32\whoami.exe`, "User": a, "ParentUser": a,
		})))
	}
	tests := []string{
		"User|contains: 'AUTHORI'",
		"User|contains: ['AUTHORI', 'AUTORI']",
		"User|contains|all: ['NT', 'SERVICE']",
		"User|startswith: 'NT AUTH'",
		"User|endswith: 'SYSTEM'",
		`User|contains: '\adm_'`,
		`User|contains: 'TY\SY'`,
		`User: 'CONTOSO\adm_bob'`,
		`User|endswith: '\alice'`,
		"ParentUser|contains: 'RITY'",
		`User|re: '(?i)ty\\sys'`,
		"User: 'NT*SYSTEM'",
		"User: 'WORKGROUP?alice'",
		`User|cased: 'nt authority\system'`,
		`User|cased: 'NT AUTHORITY\SYSTEM'`,
		`User|contains: 'TY\SY\X'`,
		`User|neq: 'CONTOSO\adm_bob'`,
	}
	dir := t.TempDir()
	for i, sel := range tests {
		rule := fmt.Sprintf("title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    %s\n  condition: sel\n", sel)
		file := filepath.Join(dir, fmt.Sprintf("r%d.yml", i))
		if err := os.WriteFile(file, []byte(rule), 0o644); err != nil {
			t.Fatal(err)
		}
		o := h.Run(&Test{Rule: file, Events: events})
		if !o.Converted() || o.EvalErr != nil {
			t.Fatalf("%s: %v %v", sel, o.ConvertErr, o.EvalErr)
		}
		for j, e := range o.Events {
			if e.SigmaErr != nil || e.Fired != e.Sigma {
				t.Errorf("%s on %q: query fires %v, rule matches %v (%v)\n%s", sel, accounts[j], e.Fired, e.Sigma, e.SigmaErr, strings.Join(o.Queries, "\n"))
			}
		}
	}
}
