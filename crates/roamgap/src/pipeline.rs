//! Drives one capture through the steps: records → events (decoded in parallel, in chunks of
//! records) → per-station analysis.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

use crate::analysis::{Analysis, Analyzer, Config, ShardedEvents};
use crate::crypto::handshake::{self, KeyFrame, KeySchedule, ScheduleSummary};
use crate::crypto::keys::KeyRing;
use crate::events::{self, Decoding, Event, FrameCounters};
use roamgap_wire::capture::{
    CaptureError, CaptureFile, Format, LinkType, ReadNotes, Record, RecordError, StreamDamage,
};
use roamgap_wire::dot11::MacAddr;
use roamgap_wire::linklayer::LinkOptions;

/// Records decoded per parallel task: large enough to amortize scheduling, small enough
/// to spread over the cores.
const CHUNK: usize = 4096;
/// Records gathered before a parallel decode round (bounds the memory of the batch).
const BATCH: usize = 64 * CHUNK;
/// Bytes of a classic pcap file per parallel reading task.
const SEGMENT_BYTES: usize = 4 << 20;

/// What was seen while reading one capture, apart from the roams.
#[derive(Clone, Debug)]
pub struct CaptureSummary {
    pub path: PathBuf,
    pub format: Format,
    /// Link types declared by the file (pcapng: one per interface).
    pub linktypes: Vec<LinkType>,
    pub counters: FrameCounters,
    /// Time of the first and last frame, ns since the epoch.
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    /// Where reading stopped early, if it did.
    pub truncated: Option<RecordError>,
    /// What reading stepped over (damaged records, blocks) and timestamps read doubtfully.
    pub reading: ReadNotes,
    /// How the compressed stream failed to end cleanly, if it did.
    pub stream_damage: Option<StreamDamage>,
    /// Segments the file was read in, in parallel (0: read in order).
    pub segments: usize,
    /// The compression the file was read through.
    pub compression: Option<roamgap_wire::capture::Compression>,
    /// What the keys given found, when decrypting.
    pub decryption: Option<ScheduleSummary>,
    /// `--fcs auto` found the FCS wrong on (nearly) every frame that carries one at the start of
    /// the capture, (wrong, checked): the FCS was then ignored.
    pub fcs_rewritten: Option<(u32, u32)>,
    /// Frames timestamped earlier than a frame before them, each analyzed at the latest time
    /// before it (`docs/METRICS.md`, "Time going backwards").
    pub time_steps_back: TimeStepsBack,
}

/// Frames whose timestamp is earlier than that of a frame before them (a sniffer writing
/// frames out of order, a clock set back): each is analyzed at the latest time seen before it,
/// so that time never runs backwards in the analysis and no interval is negative.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TimeStepsBack {
    /// How many frames.
    pub frames: u64,
    /// The first of them (at most [`TimeStepsBack::SHOWN`]), frame numbers.
    pub first_frames: Vec<u64>,
    /// The largest step back (latest time before the frame − its own time), ns, and its frame.
    pub largest_ns: i64,
    pub largest_frame: u64,
}

impl TimeStepsBack {
    /// Frame numbers kept to name them.
    pub const SHOWN: usize = 5;
    /// A step back larger than this is the capture's clock being set back, not frames written
    /// out of order.
    pub const CLOCK_STEP_NS: i64 = 1_000_000_000;
    /// Steps back all smaller than this (a sniffer with several radios interleaving their
    /// frames steps back by microseconds) are below the 0.1 ms the reports give intervals in:
    /// held and counted (`time_steps_back` in JSON), not warned about.
    pub const NOTICED_NS: i64 = 100_000;

    fn add(&mut self, frame: u64, back_ns: i64) {
        self.frames += 1;
        if self.first_frames.len() < Self::SHOWN {
            self.first_frames.push(frame);
        }
        if back_ns > self.largest_ns {
            self.largest_ns = back_ns;
            self.largest_frame = frame;
        }
    }

    /// Adds the frames of the part of the capture that follows.
    fn extend(&mut self, later: &TimeStepsBack) {
        self.frames += later.frames;
        let room = Self::SHOWN.saturating_sub(self.first_frames.len());
        self.first_frames
            .extend(later.first_frames.iter().take(room).copied());
        if later.largest_ns > self.largest_ns {
            self.largest_ns = later.largest_ns;
            self.largest_frame = later.largest_frame;
        }
    }

    fn renumber(&mut self, base: u64) {
        self.first_frames.iter_mut().for_each(|f| *f += base);
        if self.frames > 0 {
            self.largest_frame += base;
        }
    }

    /// The warning a person reads; None when no frame stepped back by [`Self::NOTICED_NS`]
    /// or more.
    pub fn describe(&self) -> Option<String> {
        if self.frames == 0 || self.largest_ns < Self::NOTICED_NS {
            return None;
        }
        let frames: Vec<String> = self.first_frames.iter().map(u64::to_string).collect();
        let list = format!(
            "frame{} {}{}",
            if self.frames == 1 { "" } else { "s" },
            frames.join(", "),
            if self.frames > frames.len() as u64 {
                ", ..."
            } else {
                ""
            }
        );
        let largest = crate::analysis::ms(self.largest_ns);
        let what = if self.largest_ns > Self::CLOCK_STEP_NS {
            format!(
                "the capture's clock steps back by {:.3} s at frame {} (a clock set back while capturing); {} frame{} timestamped earlier than a frame before {} ({list})",
                largest / 1e3,
                self.largest_frame,
                self.frames,
                if self.frames == 1 { " is" } else { "s are" },
                if self.frames == 1 { "it" } else { "them" }
            )
        } else {
            format!(
                "{} frame{} timestamped earlier than a frame before {} ({list}; the largest step back {largest:.3} ms at frame {}): frames written out of order",
                self.frames,
                if self.frames == 1 { " is" } else { "s are" },
                if self.frames == 1 { "it" } else { "them" },
                self.largest_frame
            )
        };
        Some(format!(
            "{what}; each was analyzed at the latest time before it, so that no interval is negative"
        ))
    }
}

/// Holds time monotone over frames in order: a frame earlier than the latest time seen is
/// analyzed at that time, and counted.
#[derive(Clone, Debug)]
struct Clock {
    latest_ns: i64,
    steps: TimeStepsBack,
}

impl Clock {
    fn starting_at(latest_ns: i64) -> Clock {
        Clock {
            latest_ns,
            steps: TimeStepsBack::default(),
        }
    }

    /// The time frame `frame` (stamped `ts_ns`) is analyzed at.
    #[inline]
    fn hold(&mut self, frame: u64, ts_ns: i64) -> i64 {
        if ts_ns >= self.latest_ns {
            self.latest_ns = ts_ns;
            ts_ns
        } else {
            self.steps.add(frame, self.latest_ns - ts_ns);
            self.latest_ns
        }
    }
}

impl CaptureSummary {
    /// Nothing read yet.
    fn empty(capture: &CaptureFile) -> CaptureSummary {
        CaptureSummary {
            path: capture.path().to_path_buf(),
            format: capture.format(),
            linktypes: Vec::new(),
            counters: FrameCounters::default(),
            first_ns: None,
            last_ns: None,
            truncated: None,
            reading: ReadNotes::default(),
            stream_damage: capture.stream_damage().cloned(),
            segments: 0,
            compression: capture.compression(),
            decryption: None,
            fcs_rewritten: None,
            time_steps_back: TimeStepsBack::default(),
        }
    }
}

impl CaptureSummary {
    /// What reading the file skipped or read doubtfully, one line each, for a person (the
    /// record error that ended the reading, if any, is told apart).
    pub fn reading_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = &self.stream_damage {
            out.push(format!("{}: {d}", self.path.display()));
        }
        out.extend(self.reading.warnings(&self.path, self.counters.frames));
        out
    }
}

/// One capture, read and analyzed.
#[derive(Clone, Debug)]
pub struct CaptureAnalysis {
    pub summary: CaptureSummary,
    pub analysis: Analysis,
}

/// A capture that yields no analysis at all.
#[derive(Debug, Error)]
pub enum PipelineError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error("{path}: none of its {frames} frames carries an 802.11 frame: this is a wired capture (Ethernet, and no remote-capture stream on UDP port {port}); take one over the air, with a sniffer in monitor mode")]
    NoWirelessFrames {
        path: PathBuf,
        frames: u64,
        port: u16,
    },
    #[error("{path}: no frame could be read: {detail}")]
    NothingRead { path: PathBuf, detail: String },
    #[error("{path}: none of its {frames} frames has a link type roamgap reads ({found}); it reads 1 (Ethernet, remote capture), 105 (IEEE 802.11), 119 (Prism), 127 (radiotap), 163 (AVS) and 192 (PPI)")]
    UnsupportedLinkType {
        path: PathBuf,
        frames: u64,
        found: String,
    },
}

/// How the steps use the cores and memory. Every plan gives the same result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Decode chunks in parallel and analyze stations in parallel shards (rayon's pool);
    /// otherwise everything runs on the calling thread.
    pub parallel: bool,
    /// Records read and decoded per round: bounds the memory of events in flight.
    pub batch_records: usize,
    /// Records per parallel decoding task.
    pub chunk_records: usize,
    /// Classic pcap files are split into segments of about this many bytes at record
    /// boundaries found by resynchronizing, and each segment is read and decoded by one task:
    /// no sequential walk at all. 0 reads the records in order on one thread.
    pub segment_bytes: usize,
}

impl Plan {
    pub fn parallel() -> Plan {
        Plan {
            parallel: true,
            batch_records: BATCH,
            chunk_records: CHUNK,
            segment_bytes: SEGMENT_BYTES,
        }
    }

    pub fn sequential() -> Plan {
        Plan {
            parallel: false,
            segment_bytes: 0,
            ..Plan::parallel()
        }
    }
}

impl Default for Plan {
    fn default() -> Plan {
        Plan::parallel()
    }
}

/// How far the reading of captures has got, in bytes of the (mapped) files: shared between
/// the threads that read and one that shows it.
#[derive(Debug, Default)]
pub struct Progress {
    done: std::sync::atomic::AtomicU64,
    total: std::sync::atomic::AtomicU64,
    /// The total was given up front; files opened do not add to it.
    fixed: bool,
}

impl Progress {
    /// The total grows as files are opened.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// All the files are open already and hold `total` bytes.
    pub fn with_total(total: u64) -> Progress {
        Progress {
            total: total.into(),
            fixed: true,
            ..Progress::default()
        }
    }

    /// (bytes read, bytes of the files opened so far).
    pub fn get(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.done.load(Relaxed), self.total.load(Relaxed))
    }

    /// A file of `bytes` joins the total (unless it was given up front).
    pub fn opened(&self, bytes: usize) {
        if self.fixed {
            return;
        }
        self.total
            .fetch_add(bytes as u64, std::sync::atomic::Ordering::Relaxed);
    }

    fn advance(&self, bytes: usize) {
        self.done
            .fetch_add(bytes as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What one segment of a capture decoded to, numbered from 1 within the segment.
struct SegmentOut {
    events: ShardedEvents,
    counters: FrameCounters,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
    /// Where the segment's last record ended.
    landed: usize,
    error: Option<RecordError>,
    notes: ReadNotes,
    /// Time held monotone within the segment (its frames numbered from 1).
    clock: Clock,
}

/// Decodes one segment into `events` (emptied buffers, one per shard, reused across waves so
/// that their memory is not mapped and unmapped again for every segment).
fn decode_segment(
    records: roamgap_wire::capture::Records<'_>,
    dec: &Decoding<'_>,
    shards: usize,
    events: ShardedEvents,
) -> SegmentOut {
    let mut records = records;
    let mut out = SegmentOut {
        events,
        counters: FrameCounters::default(),
        first_ns: None,
        last_ns: None,
        landed: 0,
        error: None,
        notes: ReadNotes::default(),
        clock: Clock::starting_at(i64::MIN),
    };
    for r in records.by_ref() {
        match r {
            Ok(mut rec) => {
                out.first_ns = Some(out.first_ns.map_or(rec.ts_ns, |t| t.min(rec.ts_ns)));
                out.last_ns = Some(out.last_ns.map_or(rec.ts_ns, |t| t.max(rec.ts_ns)));
                rec.ts_ns = out.clock.hold(rec.number, rec.ts_ns);
                let ev = &mut out.events;
                events::decode_record_with(&rec, dec, &mut out.counters, &mut |e| {
                    ev[Analyzer::shard_of(&e, shards)].push(e)
                });
            }
            Err(e) => out.error = Some(e),
        }
    }
    out.landed = records.offset();
    out.notes = records.notes().clone();
    out
}

/// Reads a classic pcap file segment by segment, in parallel waves, handing each wave's events
/// to `sink` in frame order. Returns None, before `sink` has seen anything wrong, when the
/// file cannot be split (not pcap, too small) or a segment boundary proves false; the caller
/// then reads the file in order.
fn walk_segments(
    capture: &CaptureFile,
    plan: &Plan,
    dec: &Decoding<'_>,
    shards: usize,
    progress: Option<&Progress>,
    sink: &mut impl FnMut(&[ShardedEvents]),
) -> Option<Result<CaptureSummary, PipelineError>> {
    if !plan.parallel || plan.segment_bytes == 0 {
        return None;
    }
    let segments = capture.pcap_segments(plan.segment_bytes)?;
    let (link, fcs_rewritten) = fcs_policy(capture, dec.link);
    let dec = &Decoding {
        link: &link,
        ..*dec
    };
    let mut summary = CaptureSummary {
        linktypes: capture.records().ok()?.linktypes(),
        fcs_rewritten,
        ..CaptureSummary::empty(capture)
    };
    // Enough segments in flight to keep every thread busy; few enough to bound memory.
    let wave = 4 * rayon::current_num_threads();
    let mut base = 0u64;
    // The latest time of the segments before (each segment holds its own time monotone).
    let mut latest_ns = i64::MIN;
    let mut spare: Vec<ShardedEvents> = Vec::new();
    for (w, group) in segments.chunks(wave).enumerate() {
        spare.resize_with(spare.len().max(group.len()), || {
            (0..shards).map(|_| Vec::new()).collect()
        });
        let buffers: Vec<ShardedEvents> = spare.drain(..group.len()).collect();
        let mut outs: Vec<SegmentOut> = group
            .par_iter()
            .zip(buffers)
            .map(|(&seg, buf)| {
                capture
                    .segment_records(seg)
                    .map(|r| decode_segment(r, dec, shards, buf))
            })
            .collect::<Result<_, _>>()
            .ok()?;
        let last_wave = (w + 1) * wave >= segments.len();
        // Every segment must end exactly where the next begins (a false boundary would not),
        // and only the last may stop early.
        for (k, (seg, out)) in group.iter().zip(&outs).enumerate() {
            let last = last_wave && k + 1 == group.len();
            if (out.error.is_some() && !last) || (out.error.is_none() && out.landed != seg.end) {
                return None;
            }
        }
        let mut bases = Vec::with_capacity(outs.len());
        for out in &outs {
            bases.push(base);
            base += out.counters.frames;
        }
        outs.par_iter_mut().zip(&bases).for_each(|(out, &b)| {
            out.events.iter_mut().flatten().for_each(|e| e.frame += b);
            out.counters.renumber(b);
        });
        let mut events = Vec::with_capacity(outs.len());
        for ((mut out, b), &seg) in outs.into_iter().zip(bases).zip(group) {
            // A segment that starts earlier than the latest time before it: its frames are
            // held at that time too, and counted again from it (rare: nothing to do otherwise).
            if out.first_ns.is_some_and(|t| t < latest_ns) {
                out.events
                    .iter_mut()
                    .flatten()
                    .for_each(|e| e.ts_ns = e.ts_ns.max(latest_ns));
                let mut clock = Clock::starting_at(latest_ns);
                for rec in capture.segment_records(seg).ok()?.map_while(Result::ok) {
                    clock.hold(rec.number, rec.ts_ns);
                }
                out.clock = clock;
            }
            latest_ns = latest_ns.max(out.clock.latest_ns);
            out.clock.steps.renumber(b);
            summary.time_steps_back.extend(&out.clock.steps);
            summary.counters.merge(out.counters);
            summary.first_ns = out.first_ns.into_iter().chain(summary.first_ns).min();
            summary.last_ns = out.last_ns.into_iter().chain(summary.last_ns).max();
            if let Some(e) = out.error {
                summary.truncated = Some(e.renumbered(b));
            }
            summary.reading.merge(out.notes.renumbered(b));
            events.push(out.events);
        }
        sink(&events);
        if let (Some(p), Some(first), Some(last)) = (progress, group.first(), group.last()) {
            p.advance(last.end - first.start);
        }
        for mut buf in events {
            buf.iter_mut().for_each(Vec::clear);
            spare.push(buf);
        }
    }
    summary.segments = segments.len();
    Some(check_link_types(summary, dec.link))
}

/// Frames with an FCS looked at by [`fcs_policy`] at the start of a capture, at most, and
/// records read to find them.
const FCS_SAMPLE: u32 = 64;
const FCS_SAMPLE_RECORDS: usize = 4096;
/// Fewer frames with an FCS than this at the start of a capture decide nothing.
const FCS_SAMPLE_MIN: u32 = 5;

/// Resolves `--fcs auto` for one capture, before it is decoded (so that every segment and
/// thread decodes with the same policy): the FCS is ignored when it is wrong on all but at
/// most a sixteenth of the first [`FCS_SAMPLE`] frames that carry a complete FCS (at least
/// [`FCS_SAMPLE_MIN`] of them, and at least half the frames read to find them), which happens when a tool rewrote the capture (addresses
/// anonymized) without recomputing it. Returns the options to decode with and, when the FCS
/// is ignored for that reason, (wrong, checked).
pub fn fcs_policy(capture: &CaptureFile, link: &LinkOptions) -> (LinkOptions, Option<(u32, u32)>) {
    use roamgap_wire::linklayer::{Fcs, FcsPolicy};
    if link.fcs != FcsPolicy::Auto {
        return (*link, None);
    }
    let check = LinkOptions {
        fcs: FcsPolicy::Check,
        ..*link
    };
    let Ok(records) = capture.records() else {
        return (check, None);
    };
    let (mut checked, mut wrong, mut seen) = (0u32, 0u32, 0u32);
    for rec in records.take(FCS_SAMPLE_RECORDS).map_while(Result::ok) {
        if rec.data.len() < rec.orig_len as usize
            || !roamgap_wire::linklayer::is_supported(rec.linktype)
        {
            continue;
        }
        let Ok(l) = roamgap_wire::linklayer::decode(rec.linktype, rec.data, rec.fcs_len, link)
        else {
            continue;
        };
        seen += 1;
        match (l.radio.fcs, l.fcs_bytes) {
            (Fcs::Present, Some(f)) => {
                checked += 1;
                wrong += u32::from(!roamgap_wire::dot11::fcs::matches(l.dot11, f));
            }
            (Fcs::Bad, _) => {
                checked += 1;
                wrong += 1;
            }
            _ => {}
        }
        if checked == FCS_SAMPLE {
            break;
        }
    }
    // The frames that carry an FCS must be most of the sample too: a damaged radiotap header
    // may claim an FCS on a frame that has none, which then "fails".
    if checked >= FCS_SAMPLE_MIN && wrong >= checked - checked / 16 && 2 * checked >= seen {
        let ignore = LinkOptions {
            fcs: FcsPolicy::Ignore,
            ..*link
        };
        (ignore, Some((wrong, checked)))
    } else {
        (check, None)
    }
}

/// A capture none of whose frames roamgap can read is an error, not an empty report: no
/// record at all read past damage, or no link type it reads.
fn check_link_types(
    summary: CaptureSummary,
    link: &LinkOptions,
) -> Result<CaptureSummary, PipelineError> {
    let c = &summary.counters;
    if c.frames == 0 && (summary.truncated.is_some() || summary.reading.skipped > 0) {
        let mut detail: Vec<String> = summary.truncated.iter().map(|e| e.to_string()).collect();
        detail.extend(summary.reading.skips.first().map(|s| {
            format!(
                "{} bytes skipped from offset {} ({})",
                summary.reading.skipped_bytes, s.offset, s.reason
            )
        }));
        if let Some(d) = &summary.stream_damage {
            detail.push(d.to_string());
        }
        return Err(PipelineError::NothingRead {
            path: summary.path,
            detail: detail.join("; "),
        });
    }
    let unsupported: u64 = c.unsupported.iter().map(|(_, n)| n).sum();
    if c.frames > 0 && unsupported == c.frames {
        let found: Vec<String> = c.unsupported.iter().map(|(lt, _)| lt.to_string()).collect();
        return Err(PipelineError::UnsupportedLinkType {
            path: summary.path,
            frames: c.frames,
            found: found.join(", "),
        });
    }
    if c.frames > 0 && c.not_wireless > 0 && unsupported + c.not_wireless == c.frames {
        return Err(PipelineError::NoWirelessFrames {
            path: summary.path,
            frames: c.frames,
            port: link.peekremote_port,
        });
    }
    Ok(summary)
}

/// Walks a capture in batches of records, decodes each batch into events (in parallel chunks)
/// and hands the batch's events, in frame order, to `sink`. Memory is bounded by the batch.
/// `times`, when given, receives every record's timestamp in order.
fn walk(
    capture: &CaptureFile,
    plan: &Plan,
    dec: &Decoding<'_>,
    shards: usize,
    mut times: Option<&mut Vec<i64>>,
    progress: Option<&Progress>,
    mut sink: impl FnMut(&[ShardedEvents]),
) -> Result<CaptureSummary, PipelineError> {
    let (batch_records, chunk_records) = (plan.batch_records.max(1), plan.chunk_records.max(1));
    let mut records = capture.records()?;
    let mut read = records.offset();
    let (link, fcs_rewritten) = fcs_policy(capture, dec.link);
    let dec = &Decoding {
        link: &link,
        ..*dec
    };
    let mut summary = CaptureSummary {
        fcs_rewritten,
        ..CaptureSummary::empty(capture)
    };
    let mut clock = Clock::starting_at(i64::MIN);
    // A record takes at least 16 bytes of the file, so small files get small batches.
    let mut batch: Vec<Record<'_>> =
        Vec::with_capacity(batch_records.min(capture.bytes().len() / 16));
    let decode = |chunk: &[Record<'_>]| {
        let mut counters = FrameCounters::default();
        let mut out: ShardedEvents = (0..shards)
            .map(|_| Vec::with_capacity(chunk.len() / shards + 16))
            .collect();
        for rec in chunk {
            events::decode_record_with(rec, dec, &mut counters, &mut |e| {
                out[Analyzer::shard_of(&e, shards)].push(e)
            });
        }
        (out, counters)
    };
    loop {
        batch.clear();
        for r in records.by_ref() {
            match r {
                Ok(rec) => {
                    batch.push(rec);
                    if batch.len() == batch_records {
                        break;
                    }
                }
                Err(e) => {
                    summary.truncated = Some(e);
                    break;
                }
            }
        }
        if batch.is_empty() {
            break;
        }
        for rec in &mut batch {
            summary.first_ns = Some(summary.first_ns.map_or(rec.ts_ns, |t| t.min(rec.ts_ns)));
            summary.last_ns = Some(summary.last_ns.map_or(rec.ts_ns, |t| t.max(rec.ts_ns)));
            rec.ts_ns = clock.hold(rec.number, rec.ts_ns);
        }
        if let Some(times) = times.as_deref_mut() {
            times.extend(batch.iter().map(|r| r.ts_ns));
        }
        let decoded: Vec<(ShardedEvents, FrameCounters)> = if plan.parallel {
            batch.par_chunks(chunk_records).map(decode).collect()
        } else {
            batch.chunks(chunk_records).map(decode).collect()
        };
        let mut events = Vec::with_capacity(decoded.len());
        for (evs, counters) in decoded {
            events.push(evs);
            summary.counters.merge(counters);
        }
        sink(&events);
        if let Some(p) = progress {
            p.advance(records.offset() - read);
            read = records.offset();
        }
        if summary.truncated.is_some() || batch.len() < batch_records {
            break;
        }
    }
    summary.time_steps_back = clock.steps;
    summary.linktypes = records.linktypes();
    summary.reading = records.notes().clone();
    check_link_types(summary, dec.link)
}

/// Reads a capture's records and decodes them into events, in frame order (all kept: for
/// tests and tools that want the events themselves).
pub fn decode_capture(
    capture: &CaptureFile,
) -> Result<(CaptureSummary, Vec<Event>), PipelineError> {
    decode_capture_with(capture, &LinkOptions::default())
}

/// [`decode_capture`] with link-layer options.
pub fn decode_capture_with(
    capture: &CaptureFile,
    link: &LinkOptions,
) -> Result<(CaptureSummary, Vec<Event>), PipelineError> {
    decode_all(capture, link, None, None, None)
}

/// Every event of a capture, in order; `times` receives every record's timestamp.
fn decode_all(
    capture: &CaptureFile,
    link: &LinkOptions,
    times: Option<&mut Vec<i64>>,
    progress: Option<&Progress>,
    ring: Option<&KeyRing>,
) -> Result<(CaptureSummary, Vec<Event>), PipelineError> {
    let mut all = Vec::new();
    if let Some(p) = progress {
        p.opened(capture.bytes().len());
    }
    let schedule = match ring {
        Some(r) if !r.is_empty() => Some(key_schedule(capture, link, r)?),
        _ => None,
    };
    let dec = Decoding {
        link,
        keys: schedule.as_ref(),
    };
    let summary = walk(
        capture,
        &Plan::parallel(),
        &dec,
        1,
        times,
        progress,
        |batch| all.extend(batch.iter().flat_map(|b| &b[0]).copied()),
    )?;
    Ok((summary, all))
}

/// Reads a capture and hands every event to `visit`, in frame order, streaming (memory bounded
/// by one batch): for a second look at a capture already analyzed. `progress` is advanced by
/// the bytes read (the caller counts the file in its total).
pub fn for_each_event(
    capture: &CaptureFile,
    dec: &Decoding<'_>,
    progress: Option<&Progress>,
    mut visit: impl FnMut(&Event),
) -> Result<CaptureSummary, PipelineError> {
    walk(
        capture,
        &Plan::parallel(),
        dec,
        1,
        None,
        progress,
        |batch| batch.iter().flat_map(|b| &b[0]).for_each(&mut visit),
    )
}

/// Reads and analyzes one capture already opened, streaming: events are analyzed batch by
/// batch and dropped.
pub fn analyze_capture(
    index: usize,
    capture: &CaptureFile,
    config: &Config,
) -> Result<CaptureAnalysis, PipelineError> {
    analyze_capture_with(index, capture, config, &Plan::parallel())
}

/// [`analyze_capture`] with a given plan.
pub fn analyze_capture_with(
    index: usize,
    capture: &CaptureFile,
    config: &Config,
    plan: &Plan,
) -> Result<CaptureAnalysis, PipelineError> {
    analyze_capture_observed(index, capture, config, plan, None)
}

/// [`analyze_capture_with`], telling `progress` how far it has read.
pub fn analyze_capture_observed(
    index: usize,
    capture: &CaptureFile,
    config: &Config,
    plan: &Plan,
    progress: Option<&Progress>,
) -> Result<CaptureAnalysis, PipelineError> {
    analyze_capture_keyed(index, capture, config, plan, progress, None)
}

/// The EAPOL-Key messages, FT authentications, (re)association requests and SSIDs of a
/// capture, in frame order (each BSS's or station's SSID once: [`handshake::NetworkNames`]): a
/// classic pcap file split into segments scanned in parallel (as the analysis reads it),
/// anything else read in order and scanned in parallel batches.
pub fn handshake_messages(
    capture: &CaptureFile,
    link: &LinkOptions,
) -> Result<Vec<KeyFrame>, PipelineError> {
    scan_key_frames(capture, &|r| handshake::scan_record(r, link))
}

/// What `scan` finds in each record of a capture, in frame order, SSIDs kept once.
fn scan_key_frames(
    capture: &CaptureFile,
    scan: &(dyn Fn(&Record<'_>) -> Option<KeyFrame> + Sync),
) -> Result<Vec<KeyFrame>, PipelineError> {
    if let Some(found) = key_frame_segments(capture, scan) {
        return Ok(found);
    }
    let mut records = capture.records()?;
    let mut messages = Vec::new();
    let mut names = handshake::NetworkNames::default();
    let mut batch: Vec<Record<'_>> = Vec::new();
    loop {
        batch.clear();
        for r in records.by_ref() {
            // A damaged record ends the scan here as it ends the analysis.
            let Ok(rec) = r else { break };
            batch.push(rec);
            if batch.len() == BATCH {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let found: Vec<KeyFrame> = batch
            .par_chunks(CHUNK)
            .flat_map_iter(|chunk| chunk.iter().filter_map(scan))
            .collect();
        messages.extend(found.into_iter().filter(|f| names.first(f)));
        if batch.len() < BATCH {
            break;
        }
    }
    Ok(messages)
}

/// [`scan_key_frames`] over the segments of a classic pcap file, or None when the file
/// cannot be split or a boundary proves false (every segment must end where the next
/// begins, and only the last may stop early).
fn key_frame_segments(
    capture: &CaptureFile,
    scan: &(dyn Fn(&Record<'_>) -> Option<KeyFrame> + Sync),
) -> Option<Vec<KeyFrame>> {
    let segments = capture.pcap_segments(SEGMENT_BYTES)?;
    if segments.len() < 2 {
        return None;
    }
    // (what the segment holds, its records, where it ended, whether it was damaged)
    let scanned: Vec<(Vec<KeyFrame>, u64, usize, bool)> = segments
        .par_iter()
        .map(|&seg| {
            let mut records = capture.segment_records(seg).ok()?;
            let (mut found, mut n, mut damaged) = (Vec::new(), 0u64, false);
            // Beacons repeat their SSID ten times a second: each once per segment.
            let mut names = handshake::NetworkNames::default();
            for r in records.by_ref() {
                match r {
                    Ok(rec) => {
                        n += 1;
                        found.extend(scan(&rec).filter(|f| names.first(f)));
                    }
                    Err(_) => {
                        damaged = true;
                        break;
                    }
                }
            }
            Some((found, n, records.offset(), damaged))
        })
        .collect::<Option<_>>()?;
    let (mut all, mut base) = (Vec::new(), 0u64);
    let mut names = handshake::NetworkNames::default();
    for (k, ((found, n, landed, damaged), seg)) in scanned.into_iter().zip(&segments).enumerate() {
        let last = k + 1 == segments.len();
        if (damaged && !last) || (!damaged && landed != seg.end) {
            return None;
        }
        // Frames are numbered from 1 in each segment: add the records before it.
        all.extend(found.into_iter().filter(|f| names.first(f)).map(|mut f| {
            match &mut f {
                KeyFrame::Eapol(m) => m.frame += base,
                KeyFrame::Ft(x) => x.frame += base,
                _ => {}
            }
            f
        }));
        base += n;
    }
    Some(all)
}

/// The keys of a capture: its handshakes (a first pass) with the keys the user gave, then,
/// when a PTK is known, the group keys of the protected group key handshakes sent under it
/// (a second, cheaper pass: only frames of an EAPOL-Key message's size are decrypted).
pub fn key_schedule(
    capture: &CaptureFile,
    link: &LinkOptions,
    ring: &KeyRing,
) -> Result<KeySchedule, PipelineError> {
    let mut schedule = KeySchedule::build(&handshake_messages(capture, link)?, ring);
    if schedule.has_link_keys() {
        let s = &schedule;
        let sealed = scan_key_frames(capture, &|r| s.scan_protected(r, link))?;
        schedule.add_protected(&sealed);
    }
    // Many keys given directly: each link is matched to its keys on its first frames.
    schedule.index_given_keys(capture.records()?.filter_map(Result::ok), link);
    Ok(schedule)
}

/// [`analyze_capture_observed`], decrypting with the keys of `ring` (a first pass finds the
/// handshakes; the analysis then decrypts in its parallel decoding).
pub fn analyze_capture_keyed(
    index: usize,
    capture: &CaptureFile,
    config: &Config,
    plan: &Plan,
    progress: Option<&Progress>,
    ring: Option<&KeyRing>,
) -> Result<CaptureAnalysis, PipelineError> {
    if let Some(p) = progress {
        p.opened(capture.bytes().len());
    }
    let schedule = match ring {
        Some(r) if !r.is_empty() => Some(key_schedule(capture, &config.link, r)?),
        _ => None,
    };
    let dec = Decoding {
        link: &config.link,
        keys: schedule.as_ref(),
    };
    let shards = if plan.parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let mut analyzer = Analyzer::new(index, *config, shards);
    let segmented = walk_segments(capture, plan, &dec, shards, progress, &mut |batch| {
        analyzer.feed(batch)
    });
    let summary = match segmented {
        Some(summary) => summary?,
        None => {
            // Start again in order (a segmented read that proved wrong fed nothing wrong, but
            // may have fed a correct beginning).
            analyzer = Analyzer::new(index, *config, shards);
            walk(capture, plan, &dec, shards, None, progress, |batch| {
                analyzer.feed(batch)
            })?
        }
    };
    let summary = CaptureSummary {
        decryption: schedule.map(|s| s.summary),
        ..summary
    };
    Ok(CaptureAnalysis {
        summary,
        analysis: analyzer.finish(),
    })
}

/// Opens (memory-maps), reads and analyzes one capture file.
pub fn analyze_path(
    index: usize,
    path: &Path,
    config: &Config,
) -> Result<CaptureAnalysis, PipelineError> {
    analyze_path_observed(index, path, config, None)
}

/// [`analyze_path`], telling `progress` how far it has read.
pub fn analyze_path_observed(
    index: usize,
    path: &Path,
    config: &Config,
    progress: Option<&Progress>,
) -> Result<CaptureAnalysis, PipelineError> {
    let capture = CaptureFile::open(path)?;
    analyze_capture_observed(index, &capture, config, &Plan::parallel(), progress)
}

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

/// Merges captures of the same time taken by several sniffers: their clocks are aligned on the
/// beacons they share (same BSS, same TSF; the median difference), frames seen by more than one
/// sniffer are kept once, and the frames are numbered in merged time order. Holds the events
/// of all files at once (about 100 bytes per frame of interest).
pub fn analyze_merged(
    paths: &[PathBuf],
    config: &Config,
    progress: Option<&Progress>,
    ring: Option<&KeyRing>,
) -> Result<MergedAnalysis, PipelineError> {
    let (summaries, events) = merge_events(paths, config, progress, ring)?;
    let shards = rayon::current_num_threads();
    let mut analyzer = Analyzer::new(0, *config, shards);
    analyzer.feed(&[Analyzer::split(events, shards)]);
    Ok(MergedAnalysis {
        summaries,
        analysis: analyzer.finish(),
    })
}

/// The events of captures merged as [`analyze_merged`] merges them (on the first file's clock,
/// frames numbered in merged order), with how each file was placed.
#[allow(clippy::type_complexity)]
pub fn merge_events(
    paths: &[PathBuf],
    config: &Config,
    progress: Option<&Progress>,
    ring: Option<&KeyRing>,
) -> Result<(Vec<(CaptureSummary, MergeInfo)>, Vec<Event>), PipelineError> {
    use crate::events::EventKind;
    let opened: Vec<(CaptureFile, CaptureSummary, Vec<Event>, Vec<i64>)> = paths
        .par_iter()
        .map(|p| {
            let cap = CaptureFile::open(p)?;
            let mut times = Vec::new();
            let (summary, all) = decode_all(&cap, &config.link, Some(&mut times), progress, ring)?;
            Ok((cap, summary, all, times))
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
    let tables: Vec<_> = opened.iter().map(|o| beacons(&o.2)).collect();
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
            o.3.iter()
                .enumerate()
                .map(|(k, &t)| (t + off, j, k as u64 + 1)),
        );
    }
    order.sort_unstable();
    // The frame key of each record that has an event.
    let keys: Vec<std::collections::HashMap<u64, FrameKey>> = opened
        .iter()
        .map(|o| o.2.iter().map(|e| (e.frame, frame_key(e))).collect())
        .collect();
    let mut seen: std::collections::HashMap<FrameKey, (i64, usize)> =
        std::collections::HashMap::new();
    let mut global: Vec<Vec<u64>> = opened.iter().map(|o| vec![0; o.3.len() + 1]).collect();
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
        for e in &o.2 {
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
                o.1,
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
