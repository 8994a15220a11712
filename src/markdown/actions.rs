//! Action items written in the body: a table with columns like
//! Action | Owner | Due | Status (in many spellings), task-list items
//! `- [ ] action (owner, due)`, or plain list items.
//!
//! Input: the blocks of an Action items section. Output: drafts with the
//! text as written; the content stage validates dates and statuses.

use super::blocks::Block;

/// An action item as written, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionDraft {
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub ticket: Option<String>,
    pub kind: Option<String>,
    /// When it was completed, as written (`closed:`, a Closed column).
    pub closed: Option<String>,
    /// Byte offset in the body.
    pub offset: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Column {
    Title,
    Owner,
    Due,
    Status,
    Priority,
    Ticket,
    Kind,
    Closed,
    Ignored,
}

fn column_of(header: &str) -> Column {
    let h = header.trim().to_lowercase();
    let h = h.trim_end_matches(['s', ':']).trim();
    match h {
        "action" | "action item" | "item" | "task" | "title" | "description" | "what"
        | "follow-up" | "follow up" | "followup" | "remediation" | "step" | "next step"
        | "todo" => Column::Title,
        "owner" | "assignee" | "assigned to" | "who" | "responsible" | "team" | "dri"
        | "owner(s)" | "assigned" => Column::Owner,
        "due" | "due date" | "deadline" | "target" | "target date" | "eta" | "when" | "by"
        | "date" => Column::Due,
        "statu" | "state" | "done" | "progre" => Column::Status,
        "priority" | "prio" | "p" => Column::Priority,
        "ticket" | "link" | "issue" | "jira" | "tracking" | "pr" | "tracker" | "reference" => {
            Column::Ticket
        }
        "type" | "kind" | "category" => Column::Kind,
        "closed" | "closed on" | "date closed" | "completed" | "completed on" | "done on"
        | "done date" => Column::Closed,
        _ => Column::Ignored,
    }
}

/// Reads the action items of one section.
pub fn parse(blocks: &[Block]) -> Vec<ActionDraft> {
    let mut drafts = Vec::new();
    for block in blocks {
        match block {
            Block::Table { header, rows } => {
                let mut columns: Vec<Column> = header.iter().map(|h| column_of(h)).collect();
                if !columns.contains(&Column::Title) && !columns.is_empty() {
                    columns[0] = Column::Title;
                }
                for row in rows {
                    let mut draft = ActionDraft {
                        offset: row.offset,
                        ..ActionDraft::default()
                    };
                    for (column, cell) in columns.iter().zip(&row.cells) {
                        let value =
                            Some(cell.trim().to_string()).filter(|v| !v.is_empty() && v != "-");
                        match column {
                            Column::Title => draft.title = value.unwrap_or_default(),
                            Column::Owner => draft.owner = value,
                            Column::Due => draft.due = value,
                            Column::Status => draft.status = value,
                            Column::Priority => draft.priority = value,
                            Column::Ticket => draft.ticket = value,
                            Column::Kind => draft.kind = value,
                            Column::Closed => draft.closed = value,
                            Column::Ignored => {}
                        }
                    }
                    if !draft.title.is_empty() {
                        drafts.push(draft);
                    }
                }
            }
            Block::Item {
                text,
                checked,
                offset,
            } => {
                if let Some(draft) = parse_item(text, *checked, *offset) {
                    drafts.push(draft);
                }
            }
            _ => {}
        }
    }
    drafts
}

/// `[ ] Add alerting on queue depth (sre, 2024-04-01)` and plain items.
fn parse_item(text: &str, checked: Option<bool>, offset: usize) -> Option<ActionDraft> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut draft = ActionDraft {
        title: text.to_string(),
        status: checked.map(|done| if done { "done" } else { "open" }.to_string()),
        offset,
        ..ActionDraft::default()
    };
    if let Some(open) = text.rfind('(')
        && text.ends_with(')')
        && open > 0
    {
        let inner = &text[open + 1..text.len() - 1];
        let mut understood = false;
        for part in inner.split(',').map(str::trim) {
            let (key, value) = match part.split_once(':') {
                Some((k, v)) => (k.trim().to_lowercase(), v.trim()),
                None => (String::new(), part),
            };
            match key.as_str() {
                "owner" | "assignee" | "who" => draft.owner = Some(value.to_string()),
                "due" | "by" | "deadline" => draft.due = Some(value.to_string()),
                "status" => draft.status = Some(value.to_string()),
                "" if looks_like_date(value) => draft.due = Some(value.to_string()),
                "" if !value.is_empty() && value.split_whitespace().count() <= 3 => {
                    draft.owner = Some(value.trim_start_matches('@').to_string())
                }
                _ => continue,
            }
            understood = true;
        }
        if understood {
            draft.title = text[..open].trim().to_string();
        }
    }
    Some(draft)
}

fn looks_like_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && text.chars().filter(char::is_ascii_digit).count() == 8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::blocks::TableRow;

    #[test]
    fn tables_with_aliased_headers() {
        let blocks = [Block::Table {
            header: vec![
                "Task".into(),
                "Assignee".into(),
                "Deadline".into(),
                "State".into(),
                "Ticket".into(),
            ],
            rows: vec![TableRow {
                cells: vec![
                    "Add alerting".into(),
                    "sre".into(),
                    "2024-04-01".into(),
                    "In progress".into(),
                    "OPS-1".into(),
                ],
                offset: 7,
            }],
        }];
        let drafts = parse(&blocks);
        assert_eq!(drafts[0].title, "Add alerting");
        assert_eq!(drafts[0].owner.as_deref(), Some("sre"));
        assert_eq!(drafts[0].due.as_deref(), Some("2024-04-01"));
        assert_eq!(drafts[0].status.as_deref(), Some("In progress"));
        assert_eq!(drafts[0].ticket.as_deref(), Some("OPS-1"));
    }

    #[test]
    fn task_list_items_with_owner_and_due() {
        let blocks = [
            Block::Item {
                text: "Add a canary stage (platform, 2024-05-01)".into(),
                checked: Some(false),
                offset: 0,
            },
            Block::Item {
                text: "Rotate keys".into(),
                checked: Some(true),
                offset: 10,
            },
            Block::Item {
                text: "Enhance the daily pipeline run".into(),
                checked: None,
                offset: 20,
            },
        ];
        let drafts = parse(&blocks);
        assert_eq!(drafts[0].title, "Add a canary stage");
        assert_eq!(drafts[0].owner.as_deref(), Some("platform"));
        assert_eq!(drafts[0].due.as_deref(), Some("2024-05-01"));
        assert_eq!(drafts[1].status.as_deref(), Some("done"));
        assert_eq!(drafts[2].status, None);
    }
}
