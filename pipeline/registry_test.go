package pipeline_test

import (
	"strings"
	"testing"
)

const registrySteps = `query_table: T
transformations:
  - type: replace_segments
    fields: [Key]
    separator: "\\"
    replacements:
      HKLM: [HKEY_LOCAL_MACHINE]
      HKU: [HKEY_CURRENT_USER, HKEY_USERS]
      HKCU: ['HKEY_CURRENT_USER\\*']
      CurrentControlSet: [ControlSet001]
  - type: replace_segments
    fields: [ObjectName]
    separator: "\\"
    replacements:
      HKLM: ['\\REGISTRY\\MACHINE']
  - type: registry_data
    fields: [Data]
    type_field: Type
`

// convertWith converts the detection (YAML, indented by 4) with a pipeline
// and returns the KQL, or the error text.
func convertWith(t *testing.T, pipe, detection string) string {
	t.Helper()
	q, _ := convertWarn(t, pipe, detection)
	return q
}

// Root keys and CurrentControlSet are respelled as whole segments wherever
// they are, keeping the match type: a backslash before a wildcard stays a
// backslash (the reference's replace_prefix turned it into a literal "*").
func TestReplaceSegments(t *testing.T) {
	tests := []struct{ detection, want string }{
		{"    s:\n        Key|contains: '\\Control\\Terminal Server\\'\n    condition: s\n",
			`Key contains "\\Control\\Terminal Server\\"`},
		{"    s:\n        Key|startswith: 'HKLM\\SOFTWARE\\'\n    condition: s\n",
			`Key startswith "HKEY_LOCAL_MACHINE\\SOFTWARE\\"`},
		{"    s:\n        Key|contains: 'hklm\\System\\CurrentControlSet\\Services'\n    condition: s\n",
			`Key contains "HKEY_LOCAL_MACHINE\\System\\ControlSet001\\Services"`},
		{"    s:\n        Key|contains: 'HKLMX\\CurrentControlSetX'\n    condition: s\n",
			`Key contains "HKLMX\\CurrentControlSetX"`},
		{"    s:\n        Key|contains: 'HKU\\'\n    condition: s\n",
			`Key contains "HKEY_CURRENT_USER\\" or Key contains "HKEY_USERS\\"`},
		{"    s:\n        Key|contains|all:\n            - 'HKU\\'\n            - 'Classes\\'\n    condition: s\n",
			`Key contains "Classes\\" and (Key contains "HKEY_CURRENT_USER\\" or Key contains "HKEY_USERS\\")`},
		{"    s:\n        Key|startswith: 'HKCU\\Software\\x'\n    condition: s\n",
			`Key matches regex "(?is)^HKEY_CURRENT_USER\\\\.*\\\\Software\\\\x"`},
		{"    s:\n        ObjectName|contains: '\\HKLM\\SOFTWARE'\n    condition: s\n",
			`ObjectName contains "\\REGISTRY\\MACHINE\\SOFTWARE"`},
		{"    s:\n        ObjectName: 'HKLM\\SOFTWARE'\n    condition: s\n",
			`ObjectName =~ "\\REGISTRY\\MACHINE\\SOFTWARE"`},
	}
	for _, tt := range tests {
		if got := convertWith(t, registrySteps, tt.detection); got != tt.want {
			t.Errorf("%s\ngot  %s\nwant %s", tt.detection, got, tt.want)
		}
	}
}

// Sysmon's DWORD and QWORD texts become Defender's decimal numbers; a test
// of part of such a text is an error that says why.
func TestRegistryData(t *testing.T) {
	tests := []struct{ detection, want string }{
		{"    s:\n        Data: 'DWORD (0x0000000a)'\n    condition: s\n", `Data =~ "10"`},
		{"    s:\n        Data|contains: 'DWORD (0x00000001)'\n    condition: s\n", `Data =~ "1"`},
		{"    s:\n        Data: 'QWORD (0x00000001-0x00000002)'\n    condition: s\n", `Data =~ "4294967298"`},
		{"    s:\n        Data: 'other'\n    condition: s\n", `Data =~ "other"`},
		{"    s:\n        Data|startswith: 'DWORD (0x0000'\n    condition: s\n",
			`r.yml:5:27: Data: the value "DWORD (0x0000*" tests Sysmon's text of registry data`},
		// a type alone tests the type column
		{"    s:\n        Data|startswith: 'DWORD'\n    condition: s\n", `Type =~ "Dword"`},
		{"    s:\n        Data: ['Binary Data', 'QWORD*']\n    condition: s\n", `Type in~ ("Binary", "Qword")`},
		// in a filter, a partial text is left out with a warning
		{"    s:\n        Key: x\n    f:\n        Data|startswith: 'DWORD (0x'\n    condition: s and not f\n", `Key =~ "x"`},
	}
	for _, tt := range tests {
		if got := convertWith(t, registrySteps, tt.detection); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s\ngot  %s\nwant %s", tt.detection, got, tt.want)
		}
	}
}

func TestRegistryDataEmpty(t *testing.T) {
	for _, v := range []string{"'(Empty)'", "\n            - '(Empty)'\n            - 'x'"} {
		got := convertWith(t, registrySteps, "    s:\n        Data|contains: "+v+"\n    condition: s\n")
		if !strings.HasPrefix(got, `Data =~ ""`) && !strings.HasPrefix(got, `Data in~ ("")`) {
			t.Errorf("(Empty) under contains: got %s", got)
		}
	}
}

// keep_original tests Sysmon's text and Defender's form, for tables that
// gather rows of both.
func TestRegistryDataKeepOriginal(t *testing.T) {
	pipe := "query_table: T\ntransformations:\n  - type: registry_data\n    fields: [Data]\n    keep_original: true\n"
	tests := []struct{ detection, want string }{
		{"    s:\n        Data: 'DWORD (0x0000000a)'\n    condition: s\n", `Data in~ ("DWORD (0x0000000a)", "10")`},
		{"    s:\n        Data: '(Empty)'\n    condition: s\n", `Data in~ ("(Empty)", "")`},
		{"    s:\n        Data: 'other'\n    condition: s\n", `Data =~ "other"`},
	}
	for _, tt := range tests {
		if got := convertWith(t, pipe, tt.detection); got != tt.want {
			t.Errorf("%s\ngot  %s\nwant %s", tt.detection, got, tt.want)
		}
	}
}
