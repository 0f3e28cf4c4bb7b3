package rowmodel

import (
	"fmt"
	"strconv"
	"strings"
)

// Registry events: Sysmon 12 (key or value created or deleted) and 13
// (value set) → DeviceRegistryEvents [registry].
//
// Sysmon's TargetObject is the key for key events and key\value name for
// value events [sysmon: event 13 "TargetObject: complete path of the
// modified registry key" with the value name last]. Defender has separate
// RegistryKey and RegistryValueName columns [registry].

// registryActions maps Sysmon's EventType to Defender's ActionType
// [registry: "Type of event that triggered the action"; the values are
// those of Microsoft's hunting queries: RegistryValueSet,
// RegistryKeyCreated, RegistryKeyDeleted, RegistryValueDeleted]. value
// says whether TargetObject ends with a value name.
var registryActions = map[string]struct {
	action string
	value  bool
}{
	"CreateKey":   {"RegistryKeyCreated", false},
	"DeleteKey":   {"RegistryKeyDeleted", false},
	"SetValue":    {"RegistryValueSet", true},
	"DeleteValue": {"RegistryValueDeleted", true},
}

// hiveNames maps Sysmon's abbreviated root keys to the names Defender
// writes. HKEY_LOCAL_MACHINE is Defender's documented form. For user hives
// Defender writes HKEY_CURRENT_USER\<SID>\... (community evidence: the
// RegistryKey values quoted in several published Defender threat-hunt
// reports, e.g. "HKEY_CURRENT_USER\S-1-5-21-…-500\SOFTWARE\Microsoft\
// Windows\CurrentVersion\Run"); HKEY_CLASSES_ROOT is an assumption (no
// evidence either way).
var hiveNames = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE",
	"HKU":  "HKEY_CURRENT_USER",
	"HKCR": "HKEY_CLASSES_ROOT",
}

func sysmonRegistry(ev WindowsEvent) []Row {
	kind, ok := registryActions[ev.Field("EventType")]
	if !ok {
		return nil
	}
	key := defenderKey(ev.Field("TargetObject"))
	v := map[string]any{"ActionType": kind.action, "RegistryKey": key}
	if kind.value {
		i := strings.LastIndexByte(key, '\\')
		name := key[i+1:]
		if name == "(Default)" {
			// The default value has no name.
			name = ""
		}
		v["RegistryKey"], v["RegistryValueName"] = key[:max(i, 0)], name
	}
	if ev.Has("Details") {
		v["RegistryValueData"], v["RegistryValueType"] = registryData(ev.Field("Details"))
	}
	initiating(v, ev, "Image", "ProcessId", "User")
	return []Row{{Table: "DeviceRegistryEvents", Values: v}}
}

// defenderKey rewrites a Sysmon key path to Defender's form: the root key
// spelled out, and HKLM\SYSTEM\CurrentControlSet as ControlSet001.
// CurrentControlSet is a link the registry resolves; Defender's sensor
// sees the kernel's path, where the control set has its number (the
// kernel-mode registry callbacks see \REGISTRY\MACHINE\SYSTEM\
// ControlSet001\...). The number is 001 on a machine that never switched
// control sets, which is an assumption.
func defenderKey(key string) string {
	hive, rest, _ := strings.Cut(key, `\`)
	name, ok := hiveNames[strings.ToUpper(hive)]
	if !ok {
		return key
	}
	segs := strings.SplitN(rest, `\`, 3)
	if name == "HKEY_LOCAL_MACHINE" && len(segs) >= 2 && strings.EqualFold(segs[0], "SYSTEM") && strings.EqualFold(segs[1], "CurrentControlSet") {
		segs[1] = "ControlSet001"
		rest = strings.Join(segs, `\`)
	}
	if rest == "" {
		return name
	}
	return name + `\` + rest
}

// registryData converts Sysmon's Details to Defender's RegistryValueData
// and RegistryValueType. Sysmon writes numbers as "DWORD (0x00000001)" and
// "QWORD (0xHIGH-0xLOW)"; Defender writes the number in decimal ("1";
// Microsoft's wdigest hunting query tests RegistryValueData == "1",
// microsoft-tables.md §1). Sysmon writes an empty string as "(Empty)".
// Sysmon does not log binary data ("Binary Data"); Defender records it,
// in a form the model cannot know: it stays empty.
func registryData(details string) (data, typ string) {
	switch {
	case details == "(Empty)":
		return "", ""
	case details == "Binary Data":
		return "", "Binary"
	}
	if hex, ok := cutWrapped(details, "DWORD (", ")"); ok {
		if n, err := strconv.ParseUint(strings.TrimPrefix(hex, "0x"), 16, 32); err == nil {
			return strconv.FormatUint(n, 10), "Dword"
		}
	}
	if pair, ok := cutWrapped(details, "QWORD (", ")"); ok {
		hi, lo, _ := strings.Cut(pair, "-")
		h, err1 := strconv.ParseUint(strings.TrimPrefix(hi, "0x"), 16, 32)
		l, err2 := strconv.ParseUint(strings.TrimPrefix(lo, "0x"), 16, 32)
		if err1 == nil && err2 == nil {
			return fmt.Sprint(h<<32 | l), "Qword"
		}
	}
	return details, ""
}

func cutWrapped(s, prefix, suffix string) (string, bool) {
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) {
		return "", false
	}
	return s[len(prefix) : len(s)-len(suffix)], true
}
