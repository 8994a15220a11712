//! Blocks: the structural pieces of a section (paragraphs, list items,
//! table rows, subheadings) as plain text with their source offsets — the
//! raw material the timeline, action-item and label parsers read.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

/// One structural piece of a section, as plain text.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph {
        text: String,
        offset: usize,
    },
    Heading {
        text: String,
        offset: usize,
    },
    /// An item of a list at the section's top level (nested lists excluded).
    Item {
        text: String,
        checked: Option<bool>,
        offset: usize,
    },
    Table {
        header: Vec<String>,
        rows: Vec<TableRow>,
    },
}

/// A body row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub cells: Vec<String>,
    pub offset: usize,
}

/// Collects the blocks of a section's events.
pub fn collect(events: &[(Event, Range<usize>)]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    // Text being gathered for the current paragraph, heading, item or cell.
    let mut text = String::new();
    let mut capturing = false;
    let mut offset = 0;
    let mut checked = None;
    let mut in_head = false;
    // Lists nested inside the captured item, whose text is left out.
    let mut nested_lists = 0usize;
    for (event, range) in events {
        match event {
            Event::Start(tag) => {
                match tag {
                    Tag::Paragraph | Tag::Heading { .. } if depth == 0 => {
                        (capturing, offset) = (true, range.start);
                        text.clear();
                    }
                    Tag::Item if depth == 1 => {
                        (capturing, offset, checked) = (true, range.start, None);
                        text.clear();
                    }
                    Tag::List(_) if capturing && depth >= 2 => nested_lists += 1,
                    Tag::Table(_) if depth == 0 => blocks.push(Block::Table {
                        header: Vec::new(),
                        rows: Vec::new(),
                    }),
                    Tag::TableHead => in_head = true,
                    Tag::TableRow => {
                        if let Some(Block::Table { rows, .. }) = blocks.last_mut() {
                            rows.push(TableRow {
                                cells: Vec::new(),
                                offset: range.start,
                            });
                        }
                    }
                    Tag::TableCell => {
                        capturing = true;
                        text.clear();
                    }
                    _ => {}
                }
                depth += 1;
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                match end {
                    TagEnd::Paragraph if depth == 0 => {
                        blocks.push(Block::Paragraph {
                            text: take_trimmed(&mut text),
                            offset,
                        });
                        capturing = false;
                    }
                    TagEnd::Heading(_) if depth == 0 => {
                        blocks.push(Block::Heading {
                            text: take_trimmed(&mut text),
                            offset,
                        });
                        capturing = false;
                    }
                    TagEnd::Item if depth == 1 => {
                        blocks.push(Block::Item {
                            text: take_trimmed(&mut text),
                            checked,
                            offset,
                        });
                        capturing = false;
                    }
                    TagEnd::List(_) if nested_lists > 0 => nested_lists -= 1,
                    TagEnd::Paragraph if capturing => text.push(' '),
                    TagEnd::TableCell => {
                        let cell = take_trimmed(&mut text);
                        if let Some(Block::Table { header, rows }) = blocks.last_mut() {
                            match (in_head, rows.last_mut()) {
                                (true, _) => header.push(cell),
                                (false, Some(row)) => row.cells.push(cell),
                                (false, None) => {}
                            }
                        }
                        capturing = false;
                    }
                    TagEnd::TableHead => in_head = false,
                    _ => {}
                }
            }
            _ if !capturing || nested_lists > 0 => {}
            Event::TaskListMarker(done) => checked = Some(*done),
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak | Event::InlineHtml(_) => text.push(' '),
            _ => {}
        }
    }
    blocks
}

fn take_trimmed(text: &mut String) -> String {
    let taken = text.trim().to_string();
    text.clear();
    taken
}

/// The readable text of a run of events: words of paragraphs, items, cells
/// and code, separated by spaces and newlines; markup dropped.
pub fn plain_text(events: &[(Event, Range<usize>)]) -> String {
    // Sized for the source of the events, which the text, without its
    // markup, seldom outgrows.
    let span = match (events.first(), events.last()) {
        (Some((_, first)), Some((_, last))) => last.end.saturating_sub(first.start),
        _ => 0,
    };
    let mut text = String::with_capacity(span);
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_),
            ) if !text.ends_with('\n') => text.push('\n'),
            Event::End(TagEnd::TableCell) => text.push_str(" | "),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser};

    fn blocks_of(markdown: &str) -> Vec<Block> {
        let events: Vec<_> = Parser::new_ext(markdown, Options::all())
            .into_offset_iter()
            .collect();
        collect(&events)
    }

    #[test]
    fn items_exclude_nested_lists() {
        let blocks = blocks_of("- 14:00 one\n  - detail\n- [x] 15:00 two\n");
        assert_eq!(
            blocks,
            vec![
                Block::Item {
                    text: "14:00 one".into(),
                    checked: None,
                    offset: 0
                },
                Block::Item {
                    text: "15:00 two".into(),
                    checked: Some(true),
                    offset: 23
                },
            ]
        );
    }

    #[test]
    fn tables_have_header_and_rows() {
        let blocks = blocks_of("| Time | Event |\n|---|---|\n| 10:00 | **Alert** fired |\n");
        let Block::Table { header, rows } = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(header, &["Time", "Event"]);
        assert_eq!(rows[0].cells, ["10:00", "Alert fired"]);
    }
}
