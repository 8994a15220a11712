//! `incidents.json`: every incident's metadata, sections and action items,
//! for other tools, streamed into the site and written by hand where
//! serde's derived forms were slow.

use std::io::{IoSlice, Write};

use anyhow::{Context as _, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::archive::{Archive, incident_path};
use crate::incident::Incident;
use crate::output::Staging;

/// `incidents.json` as a full render wrote it, kept by serve as its
/// parts: what comes before the incidents, each incident's object (by
/// incident index) and what comes after. An edited incident's object is
/// replaced without serialising the others again, or moving their bytes.
pub struct KeptJson {
    head: Vec<u8>,
    incidents: Vec<Vec<u8>>,
}

/// What follows the last incident.
const TAIL: &[u8] = b"]}";

/// `incidents.json`: the machine-readable archive. With `keep`, returns
/// its parts for [`rewrite_one`].
///
/// It is as large as the archive's text (83 MB for 10,000 postmortems), so
/// it is streamed into the site rather than built whole in memory (unless
/// kept): incidents are serialised in parallel a batch at a time, and each
/// batch written before the next is made. The bytes are those of
/// `serde_json::to_vec` on the whole export.
pub fn write(archive: &Archive, staging: &Staging, keep: bool) -> Result<Option<KeptJson>> {
    /// Incidents serialised together before their bytes are written.
    const BATCH: usize = 256;
    let base = archive.config.base_path();
    let mut kept = keep.then(|| KeptJson {
        head: Vec::new(),
        incidents: Vec::with_capacity(archive.incidents.len()),
    });
    staging.write_with("incidents.json", |out| {
        let mut head = Vec::new();
        head.extend_from_slice(br#"{"generator":"#);
        serde_json::to_writer(&mut head, concat!("casebook ", env!("CARGO_PKG_VERSION")))?;
        head.extend_from_slice(br#","title":"#);
        serde_json::to_writer(&mut head, &archive.config.title)?;
        write!(
            head,
            r#","count":{},"incidents":["#,
            archive.incidents.len()
        )?;
        out.write_all(&head)?;
        for (batch_index, batch) in archive.incidents.chunks(BATCH).enumerate() {
            let parts: Vec<Vec<u8>> = batch
                .par_iter()
                .map(|incident| {
                    let mut part = Vec::new();
                    write_incident(&mut part, &incident_path(&base, &incident.id), incident)
                        .map(|()| part)
                })
                .collect::<Result<_, _>>()
                .context("cannot serialise incidents.json")?;
            write_objects(out, &parts, batch_index == 0)?;
            if let Some(kept) = kept.as_mut() {
                kept.incidents.extend(parts);
            }
        }
        out.write_all(TAIL)?;
        if let Some(kept) = kept.as_mut() {
            kept.head = head;
        }
        Ok(())
    })?;
    Ok(kept)
}

/// Writes `incidents.json` again with incident `index`'s object
/// serialised anew and every other byte as `kept` holds it; false (and
/// nothing written) when the object came out the same.
pub fn rewrite_one(
    archive: &Archive,
    staging: &Staging,
    kept: &mut KeptJson,
    index: usize,
) -> Result<bool> {
    let (Some(incident), Some(object)) =
        (archive.incidents.get(index), kept.incidents.get_mut(index))
    else {
        anyhow::bail!("no incident {index} in incidents.json");
    };
    let base = archive.config.base_path();
    let mut edited = Vec::with_capacity(object.len());
    write_incident(&mut edited, &incident_path(&base, &incident.id), incident)
        .context("cannot serialise incidents.json")?;
    if edited == *object {
        // An edit the export does not show: the site's copy stands.
        return Ok(false);
    }
    *object = edited;
    staging.write_changed_with("incidents.json", |out| {
        out.write_all(&kept.head)?;
        write_objects(out, &kept.incidents, true)?;
        out.write_all(TAIL)?;
        Ok(())
    })?;
    Ok(true)
}

/// Writes incidents' objects into `out`, a comma before each (but the
/// first of the export), many at a time: `writev` takes them from where
/// they are rather than the writer's buffer copying 83 MB through itself.
fn write_objects(out: &mut dyn Write, objects: &[Vec<u8>], first: bool) -> std::io::Result<()> {
    /// Objects per call; with their commas within Linux's `IOV_MAX`.
    const PER_CALL: usize = 500;
    for (chunk_index, chunk) in objects.chunks(PER_CALL).enumerate() {
        let mut slices = Vec::with_capacity(2 * chunk.len());
        for (index, object) in chunk.iter().enumerate() {
            if !(first && chunk_index == 0 && index == 0) {
                slices.push(IoSlice::new(b","));
            }
            slices.push(IoSlice::new(object));
        }
        write_all_slices(out, &mut slices)?;
    }
    Ok(())
}

/// `Write::write_all` for several slices (std's `write_all_vectored` is
/// not stable yet).
fn write_all_slices(out: &mut dyn Write, mut slices: &mut [IoSlice<'_>]) -> std::io::Result<()> {
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut slices, written),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes one incident of `incidents.json` into `out`: its page's path,
/// then every field of [`Incident`] in declaration order, byte for byte
/// what `serde_json` writes for `{url, #[serde(flatten)] incident}`.
///
/// Written by hand rather than with `#[serde(flatten)]`, which goes
/// through serde's map-based `FlatMapSerializer`, and with the long text
/// (sections' HTML, summaries, timeline text) escaped by [`json_string`],
/// which skips plain runs eight bytes at a time: serde_json's byte-by-byte
/// escaping was most of the export's time. Small values keep serde's own
/// forms (dates, severities, action items). Taking `Incident` apart
/// without `..` makes a new field a compile error here until it is
/// exported too.
fn write_incident(out: &mut Vec<u8>, url: &str, incident: &Incident) -> serde_json::Result<()> {
    let Incident {
        id,
        source,
        title,
        date,
        severity,
        status,
        times,
        durations,
        teams,
        services,
        tags,
        customer_impact,
        data_loss,
        summary,
        authors,
        action_items,
        related,
        recurrence_of,
        share_with,
        digest,
        extra,
        sections,
        timeline,
        has_mermaid,
        word_count,
        updated,
    } = incident;
    let mut object = JsonObject::new(out);
    object.string("url", url);
    object.string("id", id);
    object.serialized("source", source)?;
    object.string("title", title);
    object.serialized("date", date)?;
    object.serialized("severity", severity)?;
    object.serialized("status", status)?;
    object.serialized("times", times)?;
    object.serialized("durations", durations)?;
    object.serialized("teams", teams)?;
    object.serialized("services", services)?;
    object.serialized("tags", tags)?;
    object.serialized("customer_impact", customer_impact)?;
    object.serialized("data_loss", data_loss)?;
    object.string("summary", summary);
    object.serialized("authors", authors)?;
    object.serialized("action_items", action_items)?;
    object.serialized("related", related)?;
    object.serialized("recurrence_of", recurrence_of)?;
    object.serialized("share_with", share_with)?;
    object.serialized("digest", digest)?;
    object.serialized("extra", extra)?;
    object.key("sections");
    object.list(sections, |out, section| {
        // `text` is left out, as `Section`'s `#[serde(skip_serializing)]` says.
        let crate::incident::Section {
            kind,
            heading,
            anchor,
            html,
            text: _,
        } = section;
        let mut object = JsonObject::new(out);
        object.serialized("kind", kind)?;
        object.string("heading", heading);
        object.string("anchor", anchor);
        object.string("html", html);
        object.end();
        Ok(())
    })?;
    object.key("timeline");
    object.list(timeline, |out, event| {
        let crate::incident::TimelineEvent {
            label,
            at,
            approximate,
            text,
        } = event;
        let mut object = JsonObject::new(out);
        object.string("label", label);
        object.serialized("at", at)?;
        object.serialized("approximate", approximate)?;
        object.string("text", text);
        object.end();
        Ok(())
    })?;
    object.serialized("has_mermaid", has_mermaid)?;
    object.serialized("word_count", word_count)?;
    object.serialized("updated", updated)?;
    object.end();
    Ok(())
}

/// A JSON object being written, in serde_json's compact form.
struct JsonObject<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> JsonObject<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        JsonObject { out, first: true }
    }

    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        json_string(self.out, name);
        self.out.push(b':');
    }

    fn string(&mut self, name: &str, value: &str) {
        self.key(name);
        json_string(self.out, value);
    }

    fn serialized(&mut self, name: &str, value: &impl Serialize) -> serde_json::Result<()> {
        self.key(name);
        serde_json::to_writer(&mut *self.out, value)
    }

    /// `items` as a JSON array, each written by `item`.
    fn list<T>(
        &mut self,
        items: &[T],
        item: impl Fn(&mut Vec<u8>, &T) -> serde_json::Result<()>,
    ) -> serde_json::Result<()> {
        self.out.push(b'[');
        for (index, value) in items.iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            item(self.out, value)?;
        }
        self.out.push(b']');
        Ok(())
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

/// Writes `text` as a JSON string exactly as serde_json does: `"` and `\\`
/// escaped with a backslash, control characters as `\\b`, `\\t`, `\\n`,
/// `\\f`, `\\r` or `\\u00XX` (lowercase hex), everything else as it is.
///
/// The next byte to escape is found eight bytes at a time, and the runs
/// between are copied whole (serde_json looks at every byte in turn).
fn json_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let index = match bytes.get(at..at + 8) {
            Some(block) => {
                let word = u64::from_le_bytes(block.try_into().unwrap_or_default());
                let flagged = to_escape(word);
                if flagged == 0 {
                    at += 8;
                    continue;
                }
                at + (flagged.trailing_zeros() / 8) as usize
            }
            None if bytes[at] < 0x20 || bytes[at] == b'"' || bytes[at] == b'\\' => at,
            None => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..index]);
        match json_escape(bytes[index]) {
            Some(escape) => out.extend_from_slice(escape),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let byte = bytes[index];
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
        start = index + 1;
        at = index + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// High bits set in `word` for bytes a JSON string escapes (below 0x20,
/// `"` and `\\`): the lowest one exactly at the first such byte, the
/// others possibly wrong (the classic zero-byte test, whose borrow only
/// runs upwards).
fn to_escape(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    let equal_to = |byte: u8| {
        let diff = word ^ (ONES * u64::from(byte));
        diff.wrapping_sub(ONES) & !diff
    };
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    (below_space | equal_to(b'"') | equal_to(b'\\')) & (ONES << 7)
}

/// The escape serde_json writes for `byte`, one [`to_escape`] flags: None
/// for a control character without a short form (written `\\u00XX`).
fn json_escape(byte: u8) -> Option<&'static [u8]> {
    match byte {
        b'"' => Some(b"\\\""),
        b'\\' => Some(b"\\\\"),
        b'\n' => Some(b"\\n"),
        b'\t' => Some(b"\\t"),
        b'\r' => Some(b"\\r"),
        0x08 => Some(b"\\b"),
        0x0c => Some(b"\\f"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture archive's incidents, loaded as a build does.
    fn fixture_archive() -> Archive {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archive");
        let today = jiff::civil::date(2024, 6, 1);
        let mut timings = crate::timings::Timings::new();
        let (archive, diagnostics) =
            crate::site::load_archive(&root, None, true, today, &mut timings);
        archive.unwrap_or_else(|| panic!("fixture archive loads: {diagnostics:?}"))
    }

    /// serde_json's escaping, to compare [`json_string`] with.
    fn serde_string(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        json_string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_strings_escape_like_serde_json() {
        for text in [
            "",
            "plain",
            "exactly8",
            "<p class=\"lede\">Tom & Jerry's</p>\n",
            "back\\slash \u{1} \u{8} \u{c} \r\t \u{1f} \u{7f} naïve — 日本語",
            "\"\"\"\"\"\"\"\"\"",
        ] {
            assert_eq!(written(text), serde_string(text), "{text:?}");
        }
        for byte in 0u8..128 {
            for position in 0..16 {
                let mut text = "x".repeat(16);
                text.replace_range(position..position + 1, &char::from(byte).to_string());
                assert_eq!(written(&text), serde_string(&text), "{byte} at {position}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn json_strings_escape_like_serde_json_anywhere(text in "\\PC*|[\\x00-\\x7f]*") {
            proptest::prop_assert_eq!(written(&text), serde_string(&text));
        }
    }

    #[test]
    fn exported_incident_writes_what_flatten_wrote() {
        #[derive(Serialize)]
        struct Flattened<'a> {
            url: String,
            #[serde(flatten)]
            incident: &'a Incident,
        }
        let archive = fixture_archive();
        assert!(archive.incidents.len() > 3);
        for incident in &archive.incidents {
            let url = incident_path("/", &incident.id);
            let mut written = Vec::new();
            write_incident(&mut written, &url, incident).unwrap();
            let flattened = serde_json::to_string(&Flattened { url, incident }).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                flattened,
                "{}",
                incident.id
            );
        }
    }

    #[test]
    fn objects_are_written_comma_separated_across_calls() {
        let objects: Vec<Vec<u8>> = (0..1201)
            .map(|n| format!("{{\"n\":{n}}}").into_bytes())
            .collect();
        let joined = objects.join(&b","[..]);
        let mut first = Vec::new();
        write_objects(&mut first, &objects, true).unwrap();
        assert_eq!(first, joined);
        let mut later = Vec::new();
        write_objects(&mut later, &objects, false).unwrap();
        assert_eq!(later, [&b","[..], &joined].concat());
    }

    /// `incidents.json` of `archive`, exported whole into a new site.
    fn exported(archive: &Archive, site: &std::path::Path) -> Vec<u8> {
        let staging = Staging::create(site).unwrap();
        write(archive, &staging, false).unwrap();
        staging.commit().unwrap();
        std::fs::read(site.join("incidents.json")).unwrap()
    }

    #[test]
    fn rewriting_one_incident_writes_the_whole_export_and_nothing_when_it_is_the_same() {
        let mut archive = fixture_archive();
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        let staging = Staging::create(&site).unwrap();
        let mut kept = write(&archive, &staging, true).unwrap().expect("kept");
        staging.commit().unwrap();

        let update = Staging::for_export_update(&site).unwrap();
        assert!(!rewrite_one(&archive, &update, &mut kept, 1).unwrap());
        assert_eq!(update.commit_in_place().unwrap(), Vec::<String>::new());

        archive.incidents[1].title = "Renamed \"in\" the export".to_string();
        let update = Staging::for_export_update(&site).unwrap();
        assert!(rewrite_one(&archive, &update, &mut kept, 1).unwrap());
        assert_eq!(update.commit_in_place().unwrap(), ["incidents.json"]);
        let rewritten = std::fs::read(site.join("incidents.json")).unwrap();
        assert!(String::from_utf8_lossy(&rewritten).contains(r#"Renamed \"in\" the export"#));
        assert_eq!(rewritten, exported(&archive, &tmp.path().join("full")));
    }
}
