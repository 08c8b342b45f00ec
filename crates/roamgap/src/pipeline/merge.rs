//! Several sniffers of the same place and time merged into one sequence of events: clocks
//! aligned on shared beacons, frames captured twice kept once, frames numbered in merged
//! time order.

use rayon::prelude::*;

use super::pass::{run_pass, EventBuffer, PassConsumer};
use super::{CaptureSummary, PipelineError, Plan, Progress};
use crate::analysis::Analysis;
use crate::crypto::handshake::KeySchedule;
use crate::events::{Decoding, Event};
use roamgap_wire::capture::CaptureFile;
use roamgap_wire::dot11::MacAddr;
use roamgap_wire::linklayer::LinkOptions;

/// How one file of a merged analysis was placed on the common clock.
#[derive(Clone, Debug)]
pub struct MergeInfo {
    /// Added to the file's timestamps to put them on the first file's clock.
    pub offset_ns: i64,
    /// Beacons (same BSS, same TSF) this file shares with the files it was aligned to.
    pub anchors: usize,
    /// Frames dropped as copies of frames another sniffer captured.
    pub duplicates: u64,
}

/// Several captures of the same place and time (one sniffer per channel, typically) merged
/// into one analysis.
#[derive(Clone, Debug)]
pub struct MergedAnalysis {
    pub summaries: Vec<(CaptureSummary, MergeInfo)>,
    /// Frame numbers are those of the merged sequence of frames.
    pub analysis: Analysis,
}

/// What makes two records the same frame: its transmitter, receiver side, 802.11 sequence
/// number, retry bit and kind (beacons: the BSS and its TSF).
type FrameKey = (u64, u64, std::mem::Discriminant<crate::events::EventKind>);

fn frame_key(e: &Event) -> FrameKey {
    use crate::events::EventKind;
    let kind = std::mem::discriminant(&e.kind);
    match e.kind {
        EventKind::Beacon { tsf, .. } => (e.bssid.to_u64(), tsf, kind),
        _ => (
            e.station.to_u64() << 1 | u64::from(e.from_station),
            e.bssid.to_u64() << 17 | u64::from(e.dot11_seq) << 1 | u64::from(e.retry),
            kind,
        ),
    }
}

/// Window within which the same frame seen by two sniffers counts as one.
const SAME_FRAME_NS: i64 = 2_000_000;

/// Every event of a capture, in frame order (all kept).
#[derive(Default)]
pub(super) struct AllEvents(pub(super) Vec<Event>);

impl PassConsumer for AllEvents {
    type Part = EventBuffer;

    fn part(&self) -> EventBuffer {
        EventBuffer::default()
    }

    fn place(part: &mut EventBuffer, base: u64, floor_ns: i64) {
        part.place(base, floor_ns)
    }

    fn consume(&mut self, parts: &mut [EventBuffer]) {
        parts.iter_mut().for_each(|p| self.0.append(&mut p.0));
    }
}

/// Merges captures of the same time taken by several sniffers, each decoded with its keys:
/// their clocks are aligned on the beacons they share (same BSS, same TSF; the median
/// difference), frames seen by more than one sniffer are kept once, and the frames are
/// numbered in merged time order. Returns the events (on the first file's clock) with how
/// each file was placed. Holds the events of all files at once (about 100 bytes per frame of
/// interest).
#[allow(clippy::type_complexity)]
pub(super) fn merge_events(
    sources: &[(&CaptureFile, Option<&KeySchedule>)],
    link: &LinkOptions,
    plan: &Plan,
    progress: Option<&Progress>,
) -> Result<(Vec<(CaptureSummary, MergeInfo)>, Vec<Event>), PipelineError> {
    use crate::events::EventKind;
    let opened: Vec<(CaptureSummary, Vec<Event>, Vec<i64>)> = sources
        .par_iter()
        .map(|&(cap, keys)| {
            let mut times = Vec::new();
            let dec = Decoding::keyed(link, keys);
            let (summary, all) = run_pass(
                cap,
                plan,
                &dec,
                progress,
                Some(&mut times),
                AllEvents::default,
            )?;
            Ok((summary, all.0, times))
        })
        .collect::<Result<_, PipelineError>>()?;

    // Clock offsets: each file against those already aligned, on shared beacons.
    let mut offsets: Vec<Option<(i64, usize)>> = vec![None; opened.len()];
    offsets[0] = Some((0, 0));
    let beacons = |events: &[Event]| -> std::collections::HashMap<(MacAddr, u64), i64> {
        events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Beacon { tsf, .. } => Some(((e.bssid, tsf), e.ts_ns)),
                _ => None,
            })
            .collect()
    };
    let tables: Vec<_> = opened.iter().map(|o| beacons(&o.1)).collect();
    for _ in 0..opened.len() {
        for j in 0..opened.len() {
            if offsets[j].is_some() {
                continue;
            }
            let mut diffs = Vec::new();
            for (i, off) in offsets.iter().enumerate() {
                let Some((oi, _)) = off else { continue };
                for (key, &tj) in &tables[j] {
                    if let Some(&ti) = tables[i].get(key) {
                        diffs.push(ti + oi - tj);
                    }
                }
            }
            if !diffs.is_empty() {
                diffs.sort_unstable();
                offsets[j] = Some((diffs[diffs.len() / 2], diffs.len()));
            }
        }
    }

    // Every record of every file on the common clock, in time order.
    let mut order: Vec<(i64, usize, u64)> = Vec::new();
    for (j, o) in opened.iter().enumerate() {
        let off = offsets[j].map_or(0, |x| x.0);
        order.extend(
            o.2.iter()
                .enumerate()
                .map(|(k, &t)| (t + off, j, k as u64 + 1)),
        );
    }
    order.sort_unstable();
    // The frame key of each record that has an event.
    let keys: Vec<std::collections::HashMap<u64, FrameKey>> = opened
        .iter()
        .map(|o| o.1.iter().map(|e| (e.frame, frame_key(e))).collect())
        .collect();
    let mut seen: std::collections::HashMap<FrameKey, (i64, usize)> =
        std::collections::HashMap::new();
    let mut global: Vec<Vec<u64>> = opened.iter().map(|o| vec![0; o.2.len() + 1]).collect();
    let mut duplicates = vec![0u64; opened.len()];
    let mut next = 0u64;
    for (t, j, f) in order {
        if let Some(key) = keys[j].get(&f) {
            if let Some(&(t0, j0)) = seen.get(key) {
                if j0 != j && (t - t0).abs() <= SAME_FRAME_NS {
                    duplicates[j] += 1;
                    continue;
                }
            }
            seen.insert(*key, (t, j));
        }
        next += 1;
        global[j][f as usize] = next;
    }

    let mut events: Vec<Event> = Vec::new();
    for (j, o) in opened.iter().enumerate() {
        let off = offsets[j].map_or(0, |x| x.0);
        for e in &o.1 {
            let g = global[j].get(e.frame as usize).copied().unwrap_or(0);
            if g != 0 {
                events.push(Event {
                    frame: g,
                    ts_ns: e.ts_ns + off,
                    ..*e
                });
            }
        }
    }
    events.sort_by_key(|e| e.frame);
    let summaries = opened
        .into_iter()
        .enumerate()
        .map(|(j, o)| {
            let (offset_ns, anchors) = offsets[j].unwrap_or((0, 0));
            (
                o.0,
                MergeInfo {
                    offset_ns,
                    anchors,
                    duplicates: duplicates[j],
                },
            )
        })
        .collect();
    Ok((summaries, events))
}
