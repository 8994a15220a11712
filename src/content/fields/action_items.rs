//! Action items from front matter (a list) or the body (a table or task
//! list), with owners, due dates and statuses checked.

use serde_json::Value;

use super::Reader;
use crate::content::values;
use crate::diagnostics::Position;
use crate::incident::{ActionItem, ActionStatus, SectionKind};
use crate::markdown::actions::{self, ActionDraft};
use crate::markdown::timeline;

pub(super) fn action_items(r: &mut Reader, incident_id: &str) -> Vec<ActionItem> {
    let drafts: Vec<(ActionDraft, Position)> = match r.fields.get("action_items") {
        Some(Value::Array(items)) => {
            let position = r.field_position("action_items");
            items
                .iter()
                .filter_map(|item| draft_from_front_matter(item).map(|d| (d, position)))
                .collect()
        }
        _ => {
            let document = &r.input.document;
            document
                .sections
                .iter()
                .zip(&document.blocks)
                .filter(|(s, _)| s.kind == SectionKind::ActionItems)
                .flat_map(|(_, blocks)| actions::parse(blocks))
                .map(|d| {
                    let position = r.body_position(d.offset);
                    (d, position)
                })
                .collect()
        }
    };
    drafts
        .into_iter()
        .enumerate()
        .map(|(index, (draft, position))| action_item(r, incident_id, index, draft, position))
        .collect()
}

pub(super) fn draft_from_front_matter(item: &Value) -> Option<ActionDraft> {
    let field = |name: &str| item.get(name).and_then(values::text);
    let title = field("title")
        .or_else(|| field("action"))
        .or_else(|| values::text(item))?;
    Some(ActionDraft {
        title,
        owner: field("owner").or_else(|| field("assignee")),
        due: field("due"),
        status: field("status"),
        priority: field("priority"),
        ticket: field("ticket").or_else(|| field("link")),
        kind: field("type"),
        closed: field("closed").or_else(|| field("completed")),
        offset: 0,
    })
}

pub(super) fn action_item(
    r: &mut Reader,
    incident_id: &str,
    index: usize,
    draft: ActionDraft,
    position: Position,
) -> ActionItem {
    let due = draft
        .due
        .as_deref()
        .and_then(|text| match values::date(text) {
            Ok(date) => Some(date),
            Err(_) => timeline::find_date(text, None).or_else(|| {
                r.warn_at(
                    position,
                    "action/due",
                    format!("due date {text:?} not understood"),
                    "write due dates as YYYY-MM-DD",
                );
                None
            }),
        });
    // "done 2024-05-02" or "Done (2024-05-02)": a status with its closing
    // date. The word before any digit or parenthesis is read once: most
    // often it is the whole status.
    let word = draft
        .status
        .as_deref()
        .and_then(|text| text.split(|c: char| c.is_ascii_digit() || c == '(').next());
    let word_status = word.and_then(ActionStatus::parse);
    let dated_status = match (draft.status.as_deref(), word_status) {
        (Some(text), Some(status)) => timeline::find_date(text, None).map(|date| (status, date)),
        _ => None,
    };
    let closed = match (draft.closed.as_deref(), dated_status) {
        (Some(text), _) => values::date(text).ok().or_else(|| {
            r.warn_at(
                position,
                "action/closed",
                format!("closed date {text:?} not understood"),
                "write closed dates as YYYY-MM-DD",
            );
            None
        }),
        (None, Some((_, date))) => Some(date),
        (None, None) => None,
    };
    let status = match draft.status.as_deref() {
        None => ActionStatus::Open,
        Some(_) if dated_status.is_some() => dated_status.map_or(ActionStatus::Open, |(s, _)| s),
        Some(text) => if word == Some(text) {
            word_status
        } else {
            ActionStatus::parse(text)
        }
        .unwrap_or_else(|| {
            r.warn_at(
                position,
                "action/status",
                format!("action item status {text:?} not understood; treated as open"),
                "use open, in-progress, done or wont-do",
            );
            ActionStatus::Open
        }),
    };
    ActionItem {
        id: format!("{incident_id}#{}", index + 1),
        title: draft.title,
        owner: draft.owner,
        due,
        status,
        kind: draft.kind,
        priority: draft.priority,
        ticket: draft.ticket,
        closed,
        line: position.line,
    }
}
