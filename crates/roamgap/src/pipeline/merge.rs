//! Several sniffers of the same place and time merged into one sequence of events: clocks
//! aligned on shared beacons, frames captured twice kept once, frames numbered in merged
//! time order.

use rayon::prelude::*;

use super::pass::{run_pass, EventBuffer, Pass, PassConsumer};
use super::run::OpenCapture;
use super::{CaptureSummary, PipelineError, Plan, Progress};
use crate::analysis::Analysis;
use crate::events::{Decoding, Event};
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

/// One file of a merged analysis: what reading it saw and how it was placed.
#[derive(Clone, Debug)]
pub struct MergedCapture {
    /// What reading the file saw (its counters are of its own records).
    pub summary: CaptureSummary,
    /// How it was placed on the common clock.
    pub merge: MergeInfo,
}

/// Several captures of the same place and time (one sniffer per channel, typically) merged
/// into one analysis.
#[derive(Clone, Debug)]
pub struct MergedAnalysis {
    /// Each file, in the order given.
    pub summaries: Vec<MergedCapture>,
    /// Frame numbers are those of the merged sequence of frames.
    pub analysis: Analysis,
}

/// What makes two records the same frame: its transmitter, receiver side, 802.11 sequence
/// number, retry bit and kind (beacons: the BSS and its TSF).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct FrameKey {
    /// The station and the direction (beacons: the BSSID).
    sender: u64,
    /// The BSSID, 802.11 sequence number and retry bit (beacons: the TSF).
    instance: u64,
    kind: std::mem::Discriminant<crate::events::EventKind>,
}

fn frame_key(e: &Event) -> FrameKey {
    use crate::events::EventKind;
    let kind = std::mem::discriminant(&e.kind);
    match e.kind {
        EventKind::Beacon { tsf, .. } => FrameKey {
            sender: e.bssid.to_u64(),
            instance: tsf,
            kind,
        },
        _ => FrameKey {
            sender: e.station.to_u64() << 1 | u64::from(e.from_station),
            instance: e.bssid.to_u64() << 17 | u64::from(e.dot11_seq) << 1 | u64::from(e.retry),
            kind,
        },
    }
}

/// A beacon as the files that captured it share it: its BSS and TSF.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct BeaconKey {
    bssid: MacAddr,
    tsf: u64,
}

/// Where a frame was first kept: its time on the common clock and its file.
#[derive(Clone, Copy)]
struct Seen {
    ts_ns: i64,
    file: usize,
}

/// Window within which the same frame seen by two sniffers counts as one.
const SAME_FRAME_NS: i64 = 2_000_000;

/// One file's events, decoded on its own clock.
struct Decoded {
    summary: CaptureSummary,
    /// Its events, numbered by the file's own frames.
    events: Vec<Event>,
    /// The timestamp of each of its records, ns, in file order (frame n at n − 1).
    times: Vec<i64>,
}

/// How a file's clock was aligned to the first file's (none: left as it is).
#[derive(Clone, Copy, Debug, Default)]
struct ClockOffset {
    /// Added to the file's timestamps.
    offset_ns: i64,
    /// Beacons it was aligned on.
    anchors: usize,
}

/// A record of one of the files on the common clock: the merged order sorts by these fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Placed {
    ts_ns: i64,
    /// The file's index.
    file: usize,
    /// Its frame number in the file.
    frame: u64,
}

/// The merged events (on the first file's clock) and each file's summary.
pub(super) struct Merged {
    pub(super) captures: Vec<MergedCapture>,
    pub(super) events: Vec<Event>,
}

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
pub(super) fn merge_events(
    sources: &[OpenCapture],
    link: &LinkOptions,
    plan: &Plan,
    progress: Option<&Progress>,
) -> Result<Merged, PipelineError> {
    use crate::events::EventKind;
    let opened: Vec<Decoded> = sources
        .par_iter()
        .map(|source| {
            let mut times = Vec::new();
            let dec = Decoding::keyed(link, source.keys.as_ref());
            let Pass {
                summary,
                consumer: all,
            } = run_pass(
                &source.capture,
                plan,
                &dec,
                progress,
                Some(&mut times),
                AllEvents::default,
            )?;
            Ok(Decoded {
                summary,
                events: all.0,
                times,
            })
        })
        .collect::<Result<_, PipelineError>>()?;

    // Clock offsets: each file against those already aligned, on shared beacons.
    let mut offsets: Vec<Option<ClockOffset>> = vec![None; opened.len()];
    offsets[0] = Some(ClockOffset::default());
    let beacons = |events: &[Event]| -> std::collections::HashMap<BeaconKey, i64> {
        events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Beacon { tsf, .. } => Some((
                    BeaconKey {
                        bssid: e.bssid,
                        tsf,
                    },
                    e.ts_ns,
                )),
                _ => None,
            })
            .collect()
    };
    let tables: Vec<_> = opened.iter().map(|o| beacons(&o.events)).collect();
    for _ in 0..opened.len() {
        for j in 0..opened.len() {
            if offsets[j].is_some() {
                continue;
            }
            let mut diffs = Vec::new();
            for (i, off) in offsets.iter().enumerate() {
                let Some(off) = off else { continue };
                for (key, &tj) in &tables[j] {
                    if let Some(&ti) = tables[i].get(key) {
                        diffs.push(ti + off.offset_ns - tj);
                    }
                }
            }
            if !diffs.is_empty() {
                diffs.sort_unstable();
                offsets[j] = Some(ClockOffset {
                    offset_ns: diffs[diffs.len() / 2],
                    anchors: diffs.len(),
                });
            }
        }
    }

    // Every record of every file on the common clock, in time order.
    let mut order: Vec<Placed> = Vec::new();
    for (j, o) in opened.iter().enumerate() {
        let off = offsets[j].map_or(0, |x| x.offset_ns);
        order.extend(o.times.iter().enumerate().map(|(k, &t)| Placed {
            ts_ns: t + off,
            file: j,
            frame: k as u64 + 1,
        }));
    }
    order.sort_unstable();
    // The frame key of each record that has an event.
    let keys: Vec<std::collections::HashMap<u64, FrameKey>> = opened
        .iter()
        .map(|o| o.events.iter().map(|e| (e.frame, frame_key(e))).collect())
        .collect();
    let mut seen: std::collections::HashMap<FrameKey, Seen> = std::collections::HashMap::new();
    let mut global: Vec<Vec<u64>> = opened.iter().map(|o| vec![0; o.times.len() + 1]).collect();
    let mut duplicates = vec![0u64; opened.len()];
    let mut next = 0u64;
    for Placed { ts_ns, file, frame } in order {
        if let Some(key) = keys[file].get(&frame) {
            if let Some(s) = seen.get(key) {
                if s.file != file && (ts_ns - s.ts_ns).abs() <= SAME_FRAME_NS {
                    duplicates[file] += 1;
                    continue;
                }
            }
            seen.insert(*key, Seen { ts_ns, file });
        }
        next += 1;
        global[file][frame as usize] = next;
    }

    let mut events: Vec<Event> = Vec::new();
    for (j, o) in opened.iter().enumerate() {
        let off = offsets[j].map_or(0, |x| x.offset_ns);
        for e in &o.events {
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
    let captures = opened
        .into_iter()
        .enumerate()
        .map(|(j, o)| {
            let clock = offsets[j].unwrap_or_default();
            MergedCapture {
                summary: o.summary,
                merge: MergeInfo {
                    offset_ns: clock.offset_ns,
                    anchors: clock.anchors,
                    duplicates: duplicates[j],
                },
            }
        })
        .collect();
    Ok(Merged { captures, events })
}
