//! The key schedule's passes over a capture, driven like any other pass: the first collects
//! the key material `events` hands on (EAPOL-Key messages, FT exchanges, requests, SSIDs),
//! the second, when a PTK is known, the protected group key messages sent under one.

use super::pass::{run_pass, PassConsumer};
use super::{PipelineError, Plan};
use crate::crypto::handshake::{KeyFrame, KeySchedule, NetworkNames};
use crate::crypto::keys::{KeyRing, MAX_KEY_FILE_BYTES};
use crate::events::{Decoding, Event, EventSink, KeyMaterial};
use roamgap_wire::capture::CaptureFile;
use roamgap_wire::linklayer::LinkOptions;

/// The key frames one decoding task found (each BSS's and station's SSID once).
#[derive(Default)]
struct KeyFrames {
    frames: Vec<KeyFrame>,
    names: NetworkNames,
    /// The second pass: only protected EAPOL-Key messages from an AP.
    protected: bool,
}

impl EventSink for KeyFrames {
    fn event(&mut self, _: Event) {}

    fn key_material(&mut self, e: &Event, m: KeyMaterial<'_>) {
        let found = match self.protected {
            false => KeyFrame::of(e, m),
            true => KeyFrame::protected(e, m),
        };
        // Beacons repeat their SSID ten times a second: each once per part.
        if let Some(f) = found.filter(|f| self.names.first(f)) {
            self.frames.push(f);
        }
    }
}

impl PassConsumer for KeyFrames {
    type Part = KeyFrames;

    fn part(&self) -> KeyFrames {
        KeyFrames {
            protected: self.protected,
            ..KeyFrames::default()
        }
    }

    fn place(part: &mut KeyFrames, base: u64, floor_ns: i64) {
        part.frames.iter_mut().for_each(|f| f.place(base, floor_ns));
    }

    fn consume(&mut self, parts: &mut [KeyFrames]) {
        for p in parts {
            let names = &mut self.names;
            self.frames
                .extend(p.frames.drain(..).filter(|f| names.first(f)));
            p.names = NetworkNames::default();
        }
    }
}

/// The key frames of a capture in frame order, SSIDs kept once: the first pass.
pub(super) fn key_frames(
    capture: &CaptureFile,
    link: &LinkOptions,
    plan: &Plan,
) -> Result<Vec<KeyFrame>, PipelineError> {
    let dec = Decoding::plain(link);
    let found = run_pass(capture, plan, &dec, None, None, KeyFrames::default)?.consumer;
    Ok(found.frames)
}

/// The keys of a capture: its handshakes (a first pass) with the keys the user gave, then,
/// when a PTK is known, the group keys of the protected group key handshakes sent under it
/// (a second, cheaper pass: only frames that may be an EAPOL-Key message are decrypted).
pub(super) fn key_schedule(
    capture: &CaptureFile,
    link: &LinkOptions,
    ring: &KeyRing,
    plan: &Plan,
) -> Result<KeySchedule, PipelineError> {
    let mut schedule = KeySchedule::build(&key_frames(capture, link, plan)?, ring);
    if schedule.has_link_keys() {
        let dec = Decoding {
            link,
            keys: Some(&schedule),
            only_key_messages: true,
        };
        let protected = || KeyFrames {
            protected: true,
            ..KeyFrames::default()
        };
        let sealed = run_pass(capture, plan, &dec, None, None, protected)?.consumer;
        schedule.add_protected(&sealed.frames);
    }
    // Many keys given directly: each link is matched to its keys on its first frames.
    schedule.index_given_keys(capture.records()?.filter_map(Result::ok), link);
    Ok(schedule)
}

/// A key file's text (Wireshark's `80211_keys`), read up to [`MAX_KEY_FILE_BYTES`]: a device
/// or a pipe that never ends is not read into memory without end. The error names the file.
pub fn read_key_file(f: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read the keys file {}: {e}", f.display());
    let mut text = String::new();
    std::fs::File::open(f)
        .map_err(cannot)?
        .take(MAX_KEY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(cannot)?;
    if text.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(format!(
            "the keys file {} is larger than {} MiB: not a key file (nothing was read from it)",
            f.display(),
            MAX_KEY_FILE_BYTES >> 20
        ));
    }
    Ok(text)
}
