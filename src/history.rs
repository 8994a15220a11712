//! History: when each postmortem was last changed, for "last updated" on
//! its page and in feeds.
//!
//! Input: the archive root and the incidents. Output: `Incident::updated`
//! filled from the file's modification time.

use std::path::Path;

use jiff::Timestamp;

use crate::incident::Incident;

/// Fills `updated` for every incident.
pub fn annotate(root: &Path, incidents: &mut [Incident]) {
    for incident in incidents {
        incident.updated = file_time(&root.join(&incident.source));
    }
}

fn file_time(path: &Path) -> Option<Timestamp> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Timestamp::try_from(modified).ok()
}
