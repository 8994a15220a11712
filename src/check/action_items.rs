//! SMART action items: each has an owner and a due date, starts with a verb
//! and says specifically what will be done; a final postmortem has at least
//! one; open items past their due date are reported so CI can remind.
//!
//! Input: the incident's parsed action items and `today`. Output:
//! `action-items/*` findings on the item's row or list item.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::incident::{ActionItem, SectionKind, Status};

use super::{Context, Finding, placeholders};

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let incident = cx.incident;
    if incident.action_items.is_empty() {
        if incident.status == Status::Final {
            let section = incident.section(SectionKind::ActionItems);
            let at = section
                .and_then(|s| cx.source.heading(&s.heading))
                .unwrap_or(0..0);
            let message = if section.is_some() {
                "the action items section lists no item Casebook can read"
            } else {
                "a final postmortem with no action items"
            };
            out.push(cx.finding(
                "action-items/missing",
                at,
                message,
                "list follow-ups as a table (| Action | Owner | Due | Status |) or as `- [ ] Add … (owner, YYYY-MM-DD)`; if truly nothing needs doing, say why and add `check: { allow: [action-items/missing] }`",
            ));
        }
        return;
    }
    let in_front_matter = cx.source.fields.contains_key("action_items")
        && cx.source.position(cx.source.fields["action_items"]).line
            == incident.action_items[0].line;
    for item in &incident.action_items {
        let at = locate(cx, item, in_front_matter);
        let row = if item.line > 0 && !in_front_matter {
            let line = cx.source.line_range(cx.source.line_start(item.line));
            &cx.source.without_code[line]
        } else {
            ""
        };
        let unfilled = [Some(&item.title), item.owner.as_ref()]
            .into_iter()
            .flatten()
            .any(|text| placeholders::contains(text))
            || placeholders::contains(row);
        if unfilled {
            // The placeholder rule reports it; the rest would be noise.
            continue;
        }
        let title = short(&item.title);
        if item.owner.is_none() {
            out.push(cx.finding(
                "action-items/no-owner",
                at.clone(),
                format!("action item {title:?} has no owner"),
                "name the team or person who will do it (an Owner column, or `(owner, YYYY-MM-DD)` after a list item)",
            ));
        }
        if item.due.is_none() && !cx.build_reported("action/due", item.line) {
            out.push(cx.finding(
                "action-items/no-due-date",
                at.clone(),
                format!("action item {title:?} has no due date"),
                "give it a due date as YYYY-MM-DD (a Due column, or `(owner, YYYY-MM-DD)` after a list item)",
            ));
        }
        if let Some(phrase) = vague(&item.title) {
            out.push(cx.finding(
                "action-items/vague",
                at.clone(),
                format!("action item {title:?} is too vague to be done or checked ({phrase:?})"),
                "say what will change and where, so anyone can tell when it is done: not \"improve monitoring\" but \"Alert when checkout-api p99 latency exceeds 2 s for 5 minutes\"",
            ));
        } else if !starts_with_verb(&item.title) {
            out.push(cx.finding(
                "action-items/not-a-verb",
                at.clone(),
                format!("action item {title:?} does not start with a verb"),
                "start with what will be done: \"Add…\", \"Alert on…\", \"Document…\", \"Remove…\"",
            ));
        }
        if item.is_overdue(cx.today)
            && let Some(due) = item.due
        {
            let days = (cx.today - due).get_days();
            out.push(cx.finding(
                "action-items/overdue",
                at,
                format!(
                    "action item {title:?} was due {due} ({days} day{} ago) and is still {}",
                    if days == 1 { "" } else { "s" },
                    item.status.as_str()
                ),
                "finish it and set its status to done, move the due date with a note why, or mark it wont-do with the reason",
            ));
        }
    }
}

/// The item's text in the file, else its line.
fn locate(cx: &Context, item: &ActionItem, in_front_matter: bool) -> Range<usize> {
    if item.line == 0 {
        return 0..0;
    }
    let window = if in_front_matter { 500 } else { 1 };
    cx.source
        .find_from_line(item.line, window, &item.title)
        .unwrap_or_else(|| {
            let line = cx.source.line_range(cx.source.line_start(item.line));
            let text = &cx.source.text[line.clone()];
            let lead = text.len() - text.trim_start().len();
            line.start + lead..line.end
        })
}

fn short(title: &str) -> String {
    let title = title.trim();
    match title.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", title[..cut].trim_end()),
        None => title.to_string(),
    }
}

/// Imperative verbs action items start with.
const VERBS: &str = "
accept adapt add adjust align allow alert analyse analyze announce apply archive ask assess assign
audit automate avoid back backfill backport benchmark block book break bring budget build bump
calculate cap capture change check choose clarify clean cleanup clear close collect combine
communicate compare complete configure confirm consider consolidate contact continue convert
coordinate copy correct cover create cut deduplicate default define delete demo deploy deprecate do
describe design detect determine develop disable discuss distribute document double drain draft
drop dry educate eliminate email emit enable encrypt enforce engage enhance ensure escalate
establish estimate evaluate examine exclude expand experiment explore expose extend extract
finalise finalize find fix flag follow force fork formalise formalize gate gather generate give
handle harden hire hold identify implement import improve include incorporate increase index
inform inject install instrument integrate introduce investigate isolate keep kick label launch
learn limit link list load lock log look lower maintain make manage map mark measure merge migrate
mitigate model modify monitor move mute name notify observe obtain onboard open optimise optimize
organise organize own page pair parallelise parallelize partition patch pause perform pilot pin
plan poll port post practice practise prepare present prevent prioritise prioritize probe produce
profile promote propose protect prototype provide provision publish pull purge push put query
raise rate read rebalance rebuild recalculate record recover redesign reduce refactor refine
refresh register rehearse reindex reject release rely remind remove rename reorganise reorganize
repair replace replay replicate report reproduce request require rerun research reserve reset
resize resolve restart restore restrict restructure retire retry return reuse review revise revisit
revoke rewrite roll rotate route run scale schedule scope script secure segment send separate
set settle setup share ship shorten show shrink simplify simulate size skip snapshot socialise
socialize sort specify split stabilise stabilize stage standardise standardize start stop store
streamline strengthen study submit subscribe support suppress switch sync synchronise synchronize
tag take teach test throttle tidy time track train transfer transition triage trial trigger trim
tune turn unblock unify uninstall unpin update upgrade upload use validate verify version wire
write
declare fail finish consume honour honor state canary guarantee hand help hook invest involve join
kill land lift mirror mock narrow note offer pass prune rebase reconcile redirect redeploy reload
remediate repeat reroute resume revert rework rightsize save scan seed select shard sign slow
smooth spread squash steer stream stress swap tighten tolerate trace unlock vet warm watch widen
wrap alias bound bake bootstrap decouple dedupe deduplicate delegate encode escalate expire gather
key label outline pre-warm prewarm quarantine rate-limit recheck reconfigure rehome relabel
relocate rollback roll-out rollout run shorten size split surface tag timebox validate
";

static VERB_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| VERBS.split_whitespace().collect());

static LEADING_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
            \s+ | [-*+•>]\s* | \d+[.)]\s* | \[[^\]]{0,20}\]\s*:?\s* | \([^)]{0,20}\)\s*:?\s*
            | [A-Z][A-Z0-9]+-\d+\s*:?\s* | \#\d+\s*:?\s* | P[0-4]\s*[:\-–]\s*
            | (?:action|task|todo|follow[- ]?up|ai)\s*\d*\s*[:\-–]\s*
        )+",
    )
    .expect("valid regex")
});

/// Whether an action item's first word is a verb (base form, or the -s,
/// -ed, -ing forms some teams write).
pub(crate) fn starts_with_verb(title: &str) -> bool {
    let rest = LEADING_NOISE
        .find(title)
        .map_or(title, |m| &title[m.end()..]);
    let mut words = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty());
    let Some(first) = words.next() else {
        return true;
    };
    let mut word = first.to_lowercase();
    if word == "to" || word == "we" || word == "please" {
        match words.next() {
            Some(next) => word = next.to_lowercase(),
            None => return false,
        }
    }
    let unprefixed = word
        .strip_prefix("re-")
        .or_else(|| word.strip_prefix("co-"))
        .unwrap_or(&word);
    is_verb(&word)
        || is_verb(unprefixed)
        || is_verb(unprefixed.split('-').next().unwrap_or(unprefixed))
}

fn is_verb(word: &str) -> bool {
    let known = |w: &str| VERB_SET.contains(w);
    if known(word) {
        return true;
    }
    let stems = |suffix: &str| -> Vec<String> {
        word.strip_suffix(suffix)
            .map(|stem| {
                let mut forms = vec![stem.to_string(), format!("{stem}e")];
                // "stopped" → "stop", "planning" → "plan".
                let bytes = stem.as_bytes();
                if bytes.len() > 2 && bytes[bytes.len() - 1] == bytes[bytes.len() - 2] {
                    forms.push(stem[..stem.len() - 1].to_string());
                }
                forms
            })
            .unwrap_or_default()
    };
    let ies = word
        .strip_suffix("ies")
        .or_else(|| word.strip_suffix("ied"))
        .map(|stem| vec![format!("{stem}y")])
        .unwrap_or_default();
    ["ing", "ed", "es", "s"]
        .iter()
        .flat_map(|suffix| stems(suffix))
        .chain(ies)
        .any(|form| known(&form))
}

static ALWAYS_VAGUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)(?-u:\b)(
            be\s+(?:more\s+|extra\s+)?(?:careful|vigilant|cautious|diligent|aware|attentive|thorough)
          | pay\s+(?:more\s+|closer\s+)?attention
          | take\s+(?:more|extra)\s+care
          | (?:do\s+not|don'?t|never)\s+(?:do|let)\s+(?:this|that|it)\s+(?:happen\s+)?again
          | try\s+harder
          | communicate\s+better
          | work\s+(?:more\s+)?carefully
          | (?:raise|increase)\s+awareness\s*$
          | double[- ]check\s*(?:everything|things)?\s*\.?\s*$
        )",
    )
    .expect("valid regex")
});

static NO_OBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(
            (?:improve|better|more|increase|enhance|add|review|update|strengthen|fix|look\s+into|investigate|work\s+on)
            \s+(?:the\s+|our\s+|some\s+)?(?:more\s+|better\s+)?
            (?:monitoring|alerting|alerts|testing|tests|documentation|docs|communication|observability|process(?:es)?|visibility|logging|logs|metrics|runbooks?|procedures?|coverage|training|tooling|dashboards?|resilience|reliability|stability|quality|things|it|this|that|the\s+issue|the\s+problem)
        )\s*(?:\.|!|etc\.?)?\s*$",
    )
    .expect("valid regex")
});

/// The vague phrase of an action item, if it has one.
pub(crate) fn vague(title: &str) -> Option<String> {
    let rest = LEADING_NOISE
        .find(title)
        .map_or(title, |m| &title[m.end()..]);
    ALWAYS_VAGUE
        .captures(rest)
        .or_else(|| NO_OBJECT.captures(rest))
        .map(|c| c[1].split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_first() {
        for title in [
            "Add PgBouncer waiting clients to the dashboard",
            "[OPS-12] Rotate the deploy key",
            "OPS-12: Rotate the deploy key",
            "Investigate: why the canary passed",
            "Move payments-db to a new storage class",
            "Adding alerts on queue depth",
            "Moved timeouts to runtime configuration",
            "Re-enable the canary stage",
            "To do: document the failover",
            "Set query_timeout = 35",
        ] {
            assert!(starts_with_verb(title), "{title}");
        }
        for title in [
            "Database connection timeouts moved to runtime configuration",
            "Runbook for replaying outbox events",
            "PgBouncer settings",
        ] {
            assert!(!starts_with_verb(title), "{title}");
        }
    }

    #[test]
    fn vague_items() {
        assert_eq!(vague("Be more careful").as_deref(), Some("Be more careful"));
        assert_eq!(
            vague("Improve monitoring").as_deref(),
            Some("Improve monitoring")
        );
        assert_eq!(
            vague("improve alerting.").as_deref(),
            Some("improve alerting")
        );
        assert!(vague("Everyone should pay more attention to deploys").is_some());
        assert!(vague("Improve monitoring of PgBouncer waiting clients").is_none());
        assert!(vague("Add alerting on consumer lag above 10k messages").is_none());
        assert!(vague("Double-check the restore procedure quarterly").is_none());
    }
}
