// Package match evaluates Sigma detection rules against single events, with
// the semantics of the Sigma specification rather than those of a query
// language: it answers "does this rule match this event?" so that rules can
// be tested on recorded events, and conversions compared with the rule.
//
// Strings match case-insensitively unless the cased modifier is set; "*" and
// "?" are wildcards; a list of values is an OR and a map an AND; null
// matches a field that is absent or empty; numbers and strings compare by
// their text, and numerically when both are numbers ("4688" matches 4688).
// Keywords (values without a field) match when one of the event's values
// contains them.
//
// Features the evaluator cannot decide are reported as errors, never as a
// silent non-match: correlation rules, placeholders without values, and
// regular expressions that the Go engine cannot run (look-around, back
// references).
//
// The package is deterministic and holds no state besides a cache of
// compiled regular expressions.
package match
