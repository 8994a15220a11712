//! Positions of a file's links and action items: the line and column of
//! a few byte offsets, asked for in the order they occur in the file.
//!
//! [`LineIndex`](crate::diagnostics::LineIndex) finds every line of the
//! file first, which for the one or two offsets most files ask about cost
//! more than the rest of their fields together. This counts the lines from
//! the last offset asked for to the next one instead, and gives the same
//! positions.

use std::cell::Cell;

use crate::diagnostics::Position;

/// Line and column of byte offsets in one text.
pub struct Positions<'a> {
    text: &'a str,
    /// The last offset asked for, its line and the offset its line starts at.
    last: Cell<(usize, usize, usize)>,
}

impl<'a> Positions<'a> {
    pub fn new(text: &'a str) -> Self {
        Positions {
            text,
            last: Cell::new((0, 1, 0)),
        }
    }

    /// The position of `offset` (clamped to the text), as
    /// [`LineIndex::position`](crate::diagnostics::LineIndex::position)
    /// gives it: columns count characters.
    pub fn position(&self, offset: usize) -> Position {
        let bytes = self.text.as_bytes();
        let offset = offset.min(bytes.len());
        let (from, mut line, mut start) = match self.last.get() {
            last @ (from, _, _) if from <= offset => last,
            // Earlier than the last one: count from the top again.
            _ => (0, 1, 0),
        };
        let between = &bytes[from..offset];
        // Counted in a byte per block of up to 255 bytes, which the
        // compiler vectorises (ten times faster than `filter().count()`).
        let breaks: usize = between
            .chunks(255)
            .map(|block| usize::from(block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
            .sum();
        if breaks > 0 {
            line += breaks;
            start = from
                + between
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
        }
        self.last.set((offset, line, start));
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |prefix| prefix.chars().count() + 1);
        Position::new(line, column)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::diagnostics::LineIndex;

    proptest! {
        /// Any offsets, in any order, get the positions the line index gives.
        #[test]
        fn positions_are_the_line_index_s(
            pieces in prop::collection::vec(
                prop::sample::select(vec!["a", "é", "\n", "\r\n", "\n\n", " ", "𝟙", "ab\n"]),
                0..24,
            ),
            offsets in prop::collection::vec(0usize..80, 0..8),
            sorted in any::<bool>(),
        ) {
            let text = pieces.concat();
            let mut offsets = offsets;
            if sorted {
                offsets.sort_unstable();
            }
            let index = LineIndex::new(&text);
            let positions = Positions::new(&text);
            for offset in offsets {
                prop_assert_eq!(positions.position(offset), index.position(offset), "{:?} at {}", text, offset);
            }
        }
    }
}
