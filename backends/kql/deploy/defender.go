package deploy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// The Microsoft Graph types of Defender XDR impacted assets.
var assetTypes = map[string]string{
	"device":  "#microsoft.graph.security.impactedDeviceAsset",
	"user":    "#microsoft.graph.security.impactedUserAsset",
	"mailbox": "#microsoft.graph.security.impactedMailboxAsset",
}

type detectionRule struct {
	DisplayName     string          `json:"displayName"`
	IsEnabled       bool            `json:"isEnabled"`
	QueryCondition  queryCondition  `json:"queryCondition"`
	Schedule        ruleSchedule    `json:"schedule"`
	DetectionAction detectionAction `json:"detectionAction"`
}

type queryCondition struct {
	QueryText string `json:"queryText"`
}

// ruleSchedule has frequency only: the older period field was retired on
// 2026-10-01.
type ruleSchedule struct {
	Frequency string `json:"frequency"`
}

type detectionAction struct {
	AlertTemplate       alertTemplate `json:"alertTemplate"`
	OrganizationalScope any           `json:"organizationalScope"`
	ResponseActions     []any         `json:"responseActions"`
}

type alertTemplate struct {
	Title              string          `json:"title"`
	Description        string          `json:"description"`
	Severity           string          `json:"severity"`
	Category           string          `json:"category"`
	RecommendedActions any             `json:"recommendedActions"`
	MitreTechniques    []string        `json:"mitreTechniques"`
	ImpactedAssets     []impactedAsset `json:"impactedAssets"`
}

type impactedAsset struct {
	Type       string `json:"@odata.type"`
	Identifier string `json:"identifier"`
}

// defenderCategory is the alert category of a rule without tactics.
const defenderCategory = "SuspiciousActivity"

// DefenderDetection writes a as the body of a Microsoft Graph request that
// creates a Defender XDR custom detection rule
// (POST /security/rules/detectionRules).
func DefenderDetection(a *Alert) string {
	t := alertTemplate{
		Title:           a.Name,
		Description:     a.Description,
		Severity:        strings.ToLower(a.Severity),
		Category:        defenderCategory,
		MitreTechniques: nonNil(mergeSorted(a.Techniques, a.SubTechniques)),
		ImpactedAssets:  []impactedAsset{},
	}
	if len(a.Tactics) > 0 {
		t.Category = a.Tactics[0]
	}
	for _, as := range a.Assets {
		t.ImpactedAssets = append(t.ImpactedAssets, impactedAsset{Type: assetTypes[as.Kind], Identifier: as.Identifier})
	}
	r := detectionRule{
		DisplayName:     a.Name,
		IsEnabled:       true,
		QueryCondition:  queryCondition{QueryText: a.Query},
		Schedule:        ruleSchedule{Frequency: ISODuration(a.Frequency)},
		DetectionAction: detectionAction{AlertTemplate: t, ResponseActions: []any{}},
	}
	return marshal(r)
}

// ValidateDefender checks what a Defender custom detection rule needs
// beyond a query: a name and at least one impacted asset, which Defender
// takes from columns of the query's result.
func ValidateDefender(a *Alert) ast.ErrorList {
	mustData()
	var errs ast.ErrorList
	if strings.TrimSpace(a.Name) == "" {
		errs.Addf(a.pos.title, "invalid Defender custom detection: displayName is empty: give the rule a title")
	}
	if strings.TrimSpace(a.Query) == "" {
		errs.Addf(a.pos.query, "invalid Defender custom detection: queryText is empty")
	}
	if a.Frequency <= 0 {
		errs.Addf(a.pos.rule, "invalid Defender custom detection: schedule frequency must be positive")
	}
	if len(a.Assets) == 0 {
		var cols []string
		for _, as := range tables[a.Table].Assets {
			cols = append(cols, as.Column)
		}
		msg := "the query's table has no column that Defender knows for an impacted device, user or mailbox"
		if len(cols) > 0 {
			msg = fmt.Sprintf("the query's result has none of the columns %s that Defender attaches the alert to", strings.Join(cols, ", "))
		}
		errs.Addf(a.pos.rule, "invalid Defender custom detection: impactedAssets: %s", msg)
	}
	for _, as := range a.Assets {
		if assetTypes[as.Kind] == "" {
			errs.Addf(a.pos.rule, "invalid Defender custom detection: impactedAssets: unknown asset kind %q", as.Kind)
		}
	}
	return errs
}

// DefenderList assembles several detection rule bodies into a JSON array.
func DefenderList(docs []string) string {
	raw := make([]json.RawMessage, len(docs))
	for i, d := range docs {
		raw[i] = json.RawMessage(d)
	}
	return marshal(raw)
}

func mergeSorted(a, b []string) []string {
	seen := map[string]bool{}
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		seen[s] = true
	}
	return sortedKeys(seen)
}
