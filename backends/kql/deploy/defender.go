package deploy

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
)

// The Microsoft Graph shape of a Defender XDR custom detection rule
// (microsoft.graph.security.detectionRule) as Graph accepts it since
// 2026-10-01: alertTemplate has tactics and entityMappings (category,
// mitreTechniques and impactedAssets were removed), detectionAction has
// automatedActions (responseActions was removed) and schedule has
// frequency only (period and nextRunDateTime were removed).
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

type ruleSchedule struct {
	Frequency string `json:"frequency"`
}

type detectionAction struct {
	AlertTemplate       alertTemplate `json:"alertTemplate"`
	AutomatedActions    struct{}      `json:"automatedActions"` // none: actions are an analyst's choice
	OrganizationalScope any           `json:"organizationalScope"`
}

type alertTemplate struct {
	Title              string                     `json:"title"`
	Description        string                     `json:"description"`
	Severity           string                     `json:"severity"`
	RecommendedActions any                        `json:"recommendedActions"`
	Tactics            []string                   `json:"tactics"`
	EntityMappings     map[string][]graphEntities `json:"entityMappings"`
}

// graphEntities is one entity mapping of entityMappings: Graph property
// (deviceIdColumn, nameColumn...) -> column of the query's result.
type graphEntities map[string]string

// DefenderFrequencies are the schedules Defender offers custom detections:
// continuously (near real time, 0) and every 1, 3, 12 or 24 hours.
var DefenderFrequencies = []time.Duration{0, time.Hour, 3 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// checkDefenderFrequency returns what is wrong with a frequency for
// Defender, or "".
func checkDefenderFrequency(f time.Duration) string {
	for _, d := range DefenderFrequencies {
		if f == d {
			return ""
		}
	}
	return fmt.Sprintf("frequency %s: Defender custom detections run every 1h, 3h, 12h or 24h, or continuously (frequency 0); choose one of these", ShortDuration(f))
}

// DefenderDetection writes a as the body of a Microsoft Graph request that
// creates a Defender XDR custom detection rule
// (POST /security/rules/detectionRules).
func DefenderDetection(a *Alert) string {
	t := alertTemplate{
		Title:          a.Name,
		Description:    a.Description,
		Severity:       strings.ToLower(a.Severity),
		Tactics:        graphTactics(a.Tactics),
		EntityMappings: graphMappings(a),
	}
	r := detectionRule{
		DisplayName:     a.Name,
		IsEnabled:       true,
		QueryCondition:  queryCondition{QueryText: a.Query},
		Schedule:        ruleSchedule{Frequency: defenderISODuration(a.Frequency)},
		DetectionAction: detectionAction{AlertTemplate: t},
	}
	return marshal(r)
}

// defenderISODuration is ISODuration, with PT0S for continuous runs.
func defenderISODuration(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	return ISODuration(d)
}

// graphTactics writes Sentinel tactic names as Graph's mitreTactic values
// (InitialAccess -> initialAccess).
func graphTactics(tactics []string) []string {
	out := []string{}
	for _, t := range tactics {
		if t != "" {
			out = append(out, strings.ToLower(t[:1])+t[1:])
		}
	}
	return out
}

// A graphTarget is where an identifier goes in Graph's entityMappings: the
// collection (hosts, accounts...) and the property of its entries.
type graphTarget struct{ collection, property string }

// graphOfAsset maps a Defender identifier (data/tables.yml assets) to Graph.
var graphOfAsset = map[string]graphTarget{
	"device/deviceId":                  {"hosts", "deviceIdColumn"},
	"device/deviceName":                {"hosts", "nameColumn"},
	"user/accountSid":                  {"accounts", "sidColumn"},
	"user/accountObjectId":             {"accounts", "aadUserIdColumn"},
	"user/accountUpn":                  {"accounts", "upnColumn"},
	"user/initiatingProcessAccountUpn": {"accounts", "upnColumn"},
	"mailbox/recipientEmailAddress":    {"mailboxes", "primaryAddressColumn"},
}

// graphOfEntity maps a Sentinel entity identifier to Graph.
var graphOfEntity = map[string]graphTarget{
	"Host/FullName":                 {"hosts", "nameColumn"},
	"Host/HostName":                 {"hosts", "nameColumn"},
	"Host/NetBiosName":              {"hosts", "netBiosNameColumn"},
	"Host/DnsDomain":                {"hosts", "dnsDomainColumn"},
	"Host/NTDomain":                 {"hosts", "ntDomainColumn"},
	"Account/Name":                  {"accounts", "nameColumn"},
	"Account/NTDomain":              {"accounts", "ntDomainColumn"},
	"Account/DnsDomain":             {"accounts", "dnsDomainColumn"},
	"Account/Sid":                   {"accounts", "sidColumn"},
	"Account/AadUserId":             {"accounts", "aadUserIdColumn"},
	"Account/UPNSuffix":             {"accounts", "upnSuffixColumn"},
	"File/Name":                     {"files", "nameColumn"},
	"IP/Address":                    {"ips", "addressColumn"},
	"URL/Url":                       {"urls", "addressColumn"},
	"RegistryKey/Key":               {"registryValues", "keyColumn"},
	"RegistryValue/Name":            {"registryValues", "valueNameColumn"},
	"Mailbox/MailboxPrimaryAddress": {"mailboxes", "primaryAddressColumn"},
}

// impactedCollections are the entity collections that Defender attaches
// an alert to: a device, a user or a mailbox.
var impactedCollections = []string{"hosts", "accounts", "mailboxes"}

// graphMappings gathers the Graph entity mappings of a: its Defender
// identifiers, then its Sentinel entity mappings. Each collection holds
// one entity whose properties are filled in order; a property that is
// already set to another column starts a second entity.
func graphMappings(a *Alert) map[string][]graphEntities {
	out := map[string][]graphEntities{}
	put := func(t graphTarget, col string) {
		list := out[t.collection]
		for _, e := range list {
			if c, ok := e[t.property]; ok && c == col {
				return
			}
		}
		for _, e := range list {
			if _, ok := e[t.property]; !ok {
				e[t.property] = col
				return
			}
		}
		out[t.collection] = append(list, graphEntities{t.property: col})
	}
	for _, as := range a.Assets {
		if t, ok := graphOfAsset[as.Kind+"/"+as.Identifier]; ok {
			put(t, as.Column)
		}
	}
	for _, e := range a.Entities {
		for _, fm := range e.FieldMappings {
			if t, ok := graphOfEntity[e.EntityType+"/"+fm.Identifier]; ok {
				put(t, fm.ColumnName)
			}
		}
	}
	return out
}

// ValidateDefender checks what a Defender custom detection rule needs
// beyond a query: a name, a schedule Defender offers, and at least one
// device, user or mailbox that Defender attaches the alert to, taken from
// columns of the query's result.
func ValidateDefender(a *Alert) ast.ErrorList {
	mustData()
	var errs ast.ErrorList
	if strings.TrimSpace(a.Name) == "" {
		errs.Addf(a.pos.title, "invalid Defender custom detection: displayName is empty: give the rule a title")
	}
	if strings.TrimSpace(a.Query) == "" {
		errs.Addf(a.pos.query, "invalid Defender custom detection: queryText is empty")
	}
	if msg := checkDefenderFrequency(a.Frequency); msg != "" {
		errs.Addf(a.pos.rule, "invalid Defender custom detection: %s", msg)
	}
	if a.Frequency == 0 && a.Correlation {
		errs.Addf(a.pos.rule, "invalid Defender custom detection: a continuous (frequency 0) custom detection runs a query of one table without join, union or summarize, and a correlation's query has them: deploy it with frequency 1h, 3h, 12h or 24h")
	}
	m := graphMappings(a)
	for _, c := range impactedCollections {
		if len(m[c]) > 0 {
			return errs
		}
	}
	var cols []string
	for _, as := range tables[a.Table].Assets {
		cols = append(cols, as.Column)
	}
	msg := "the query's table has no column that Defender knows for an impacted device, user or mailbox"
	if len(cols) > 0 {
		msg = fmt.Sprintf("the query's result has none of the columns %s that Defender attaches the alert to", strings.Join(cols, ", "))
	}
	errs.Addf(a.pos.rule, "invalid Defender custom detection: entityMappings: %s", msg)
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
