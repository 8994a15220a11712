//! The rule catalogue: every rule `check` runs, with its default level and
//! a one-line description, plus the ids of the problems the build itself
//! reports (the schema rules). Formats and docs read this list.

use crate::diagnostics::Level;

/// One rule of `casebook check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, `group/name`, used in config, front matter and output.
    pub id: &'static str,
    /// Level before `[check.rules]`, front matter and `--strict`.
    pub level: Level,
    /// What the rule looks for, in one sentence.
    pub description: &'static str,
}

const fn rule(id: &'static str, level: Level, description: &'static str) -> Rule {
    Rule {
        id,
        level,
        description,
    }
}

use Level::{Error, Warning};

/// The rules `check` adds to what the build reports, in documentation order.
pub const RULES: &[Rule] = &[
    rule(
        "time/order",
        Error,
        "started ≤ detected ≤ mitigated ≤ resolved",
    ),
    rule(
        "severity/missing",
        Warning,
        "the postmortem has no severity",
    ),
    rule(
        "sections/missing",
        Error,
        "a section the incident's severity requires is missing",
    ),
    rule(
        "sections/empty",
        Warning,
        "a section has a heading but nothing under it",
    ),
    rule(
        "action-items/missing",
        Error,
        "a final postmortem has no action items",
    ),
    rule(
        "action-items/no-owner",
        Error,
        "an action item has no owner",
    ),
    rule(
        "action-items/no-due-date",
        Error,
        "an action item has no due date",
    ),
    rule(
        "action-items/not-a-verb",
        Warning,
        "an action item does not start with a verb",
    ),
    rule(
        "action-items/vague",
        Warning,
        "an action item is too vague to be done or checked",
    ),
    rule(
        "action-items/overdue",
        Warning,
        "an open action item is past its due date",
    ),
    rule(
        "blameless/person",
        Warning,
        "a named person is the subject of a failure",
    ),
    rule(
        "blameless/language",
        Warning,
        "words that blame people or judge with hindsight",
    ),
    rule(
        "root-cause/single",
        Warning,
        "a single root cause and no contributing factors",
    ),
    rule(
        "secrets/aws-key",
        Error,
        "an AWS access key id or secret access key",
    ),
    rule(
        "secrets/github-token",
        Error,
        "a GitHub personal access, OAuth or app token",
    ),
    rule(
        "secrets/slack-token",
        Error,
        "a Slack token or incoming-webhook URL",
    ),
    rule("secrets/private-key", Error, "a PEM private key block"),
    rule(
        "secrets/password-in-url",
        Error,
        "a URL with a password in it (scheme://user:password@host)",
    ),
    rule(
        "secrets/high-entropy",
        Warning,
        "a random-looking token in a code block or after key=, token= and the like",
    ),
    rule("personal-data/email", Warning, "an e-mail address"),
    rule(
        "personal-data/ip-address",
        Warning,
        "a public IPv4 address (documentation and private ranges are fine)",
    ),
    rule(
        "placeholders/unfilled",
        Error,
        "template text left in: TODO, <…>, YYYY-MM-DD, HH:MM",
    ),
    rule(
        "check/unknown-rule",
        Warning,
        "casebook.toml or front matter names a rule that does not exist",
    ),
];

/// Ids of the problems the build reports; `check` reports them as the
/// schema rules. Errors among them cannot be lowered or allowed, because
/// the build would still fail.
pub const BUILD_RULES: &[&str] = &[
    "config/invalid",
    "config/unreadable",
    "content/unreadable",
    "content/encoding",
    "content/binary",
    "content/not-markdown",
    "content/assumed",
    "front-matter/unclosed",
    "front-matter/invalid-yaml",
    "title/missing",
    "date/missing",
    "date/invalid",
    "time/invalid",
    "time/order",
    "timezone/unknown",
    "severity/unknown",
    "status/unknown",
    "id/invalid",
    "id/duplicate",
    "link/broken",
    "link/unknown-id",
    "action/due",
    "action/status",
];

/// The catalogue entry of a check rule.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Where a rule is documented, relative to the repository root.
pub fn doc_path(id: &str) -> String {
    if find(id).is_some() {
        format!("docs/rules/{id}.md")
    } else {
        "docs/rules/schema.md".to_string()
    }
}

/// Whether `key` (an id, or a group such as `secrets`) names `id`.
pub fn matches(key: &str, id: &str) -> bool {
    let key = key.trim();
    id == key
        || (id.starts_with(key) && id.as_bytes().get(key.len()) == Some(&b'/'))
        || (key == "schema" && is_schema(id))
}

/// The schema rules: whatever the build reports (including ids added to the
/// build later), the missing severity and the order of the incident times.
pub fn is_schema(id: &str) -> bool {
    matches!(id, "time/order" | "severity/missing") || find(id).is_none()
}

/// Whether `key` names at least one known rule.
pub fn is_known(key: &str) -> bool {
    key.trim() == "schema"
        || RULES.iter().any(|r| matches(key, r.id))
        || BUILD_RULES.iter().any(|id| matches(key, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_ids_and_groups() {
        assert!(matches("secrets", "secrets/aws-key"));
        assert!(matches("secrets/aws-key", "secrets/aws-key"));
        assert!(!matches("secret", "secrets/aws-key"));
        assert!(matches("schema", "date/missing"));
        assert!(matches("schema", "time/order"));
        assert!(!matches("schema", "blameless/person"));
        assert!(is_known("blameless"));
        assert!(!is_known("blameles"));
    }

    #[test]
    fn ids_are_unique_and_documented_by_path() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert_eq!(
            doc_path("blameless/person"),
            "docs/rules/blameless/person.md"
        );
        assert_eq!(doc_path("date/missing"), "docs/rules/schema.md");
    }
}
