//! One pass over a capture: records → events (decoded in parallel, in segments of a classic
//! pcap file or in chunks of batches of records) → a [`PassConsumer`], fed in frame order.
//! The analysis, the key schedule's passes and the report's traces are consumers.

use rayon::prelude::*;

use super::{CaptureSummary, Clock, FcsRewritten, PipelineError, Plan, Progress};
use crate::events::{self, Decoding, Event, EventSink, FrameCounters};
use roamgap_wire::capture::{CaptureFile, ReadNotes, Record, RecordError};
use roamgap_wire::linklayer::LinkOptions;

/// What a pass hands the decoded frames to. Decoding runs in parallel tasks (a chunk of a
/// batch of records, or a segment of a classic pcap file): each task fills a part of its
/// own, on its thread; the consumer then takes the parts of each round in frame order.
pub trait PassConsumer {
    /// What one decoding task collects ([`EventSink`]: events, and key material if wanted).
    type Part: EventSink + Send;

    /// An empty part. Parts are reused from round to round.
    fn part(&self) -> Self::Part;

    /// Puts the part of a segment read on its own (frames numbered from 1, time held
    /// monotone from its own start) in its place: `base` frames came before it, and no time
    /// is earlier than `floor_ns`.
    fn place(part: &mut Self::Part, base: u64, floor_ns: i64);

    /// The parts of one round, in frame order; each is left empty for reuse.
    fn consume(&mut self, parts: &mut [Self::Part]);
}

/// A part that keeps every event (a trace collector's, the merge's).
#[derive(Debug, Default)]
pub struct EventBuffer(pub Vec<Event>);

impl EventSink for EventBuffer {
    fn event(&mut self, e: Event) {
        self.0.push(e)
    }
}

impl EventBuffer {
    /// [`PassConsumer::place`] for a buffer of events.
    pub fn place(&mut self, base: u64, floor_ns: i64) {
        for e in &mut self.0 {
            e.frame += base;
            e.ts_ns = e.ts_ns.max(floor_ns);
        }
    }
}

/// A capture read through: what reading it saw, and the consumer fed its events.
pub(crate) struct Pass<C> {
    pub(crate) summary: CaptureSummary,
    pub(crate) consumer: C,
}

/// Reads one capture and feeds `make()`'s consumer: segment by segment in parallel when the
/// plan and the file allow it, else in order. A segment boundary that proves false after
/// some waves were consumed starts the reading again in order with a fresh `make()`.
/// `times`, when given, receives every record's timestamp in order (the records are then
/// read in order).
pub(crate) fn run_pass<C: PassConsumer>(
    capture: &CaptureFile,
    plan: &Plan,
    dec: &Decoding<'_>,
    progress: Option<&Progress>,
    times: Option<&mut Vec<i64>>,
    mut make: impl FnMut() -> C,
) -> Result<Pass<C>, PipelineError> {
    if times.is_none() {
        if let Some(done) = walk_segments(capture, plan, dec, progress, &mut make) {
            return done;
        }
    }
    walk(capture, plan, dec, times, progress, make())
}

/// What one segment of a capture decoded to, numbered from 1 within the segment.
struct SegmentOut<P> {
    part: P,
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

/// Decodes one segment into `part` (emptied, reused across waves so that its memory is not
/// mapped and unmapped again for every segment).
fn decode_segment<P: EventSink>(
    records: roamgap_wire::capture::Records<'_>,
    dec: &Decoding<'_>,
    part: P,
) -> SegmentOut<P> {
    let mut records = records;
    let mut out = SegmentOut {
        part,
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
                events::decode_record_with(&rec, dec, &mut out.counters, &mut out.part);
            }
            Err(e) => out.error = Some(e),
        }
    }
    out.landed = records.offset();
    out.notes = records.notes().clone();
    out
}

/// Where a segment's frames go in the capture: the frames before it, and the latest time
/// before it (its frames are held at it at least, ns; `i64::MIN` when none is earlier).
#[derive(Clone, Copy)]
struct SegmentPlace {
    base: u64,
    floor_ns: i64,
}

/// Reads a classic pcap file segment by segment, in parallel waves, handing each wave's parts
/// to `consumer` in frame order. Returns None, before the consumer has seen anything wrong,
/// when the file cannot be split (not pcap, too small) or a segment boundary proves false;
/// the caller then reads the file in order.
fn walk_segments<C: PassConsumer>(
    capture: &CaptureFile,
    plan: &Plan,
    dec: &Decoding<'_>,
    progress: Option<&Progress>,
    make: &mut impl FnMut() -> C,
) -> Option<Result<Pass<C>, PipelineError>> {
    if !plan.parallel || plan.segment_bytes == 0 {
        return None;
    }
    let segments = capture.pcap_segments(plan.segment_bytes)?;
    let mut consumer = make();
    let FcsDecision {
        link,
        rewritten: fcs_rewritten,
    } = fcs_policy(capture, dec.link);
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
    let mut spare: Vec<C::Part> = Vec::new();
    for (w, group) in segments.chunks(wave).enumerate() {
        while spare.len() < group.len() {
            spare.push(consumer.part());
        }
        let parts: Vec<C::Part> = spare.drain(..group.len()).collect();
        let mut outs: Vec<SegmentOut<C::Part>> = group
            .par_iter()
            .zip(parts)
            .map(|(&seg, part)| {
                capture
                    .segment_records(seg)
                    .map(|r| decode_segment(r, dec, part))
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
        // Each segment's place: the frames before it, and the latest time before it.
        let mut places = Vec::with_capacity(outs.len());
        for (out, &seg) in outs.iter_mut().zip(group) {
            let b = base;
            base += out.counters.frames;
            // A segment that starts earlier than the latest time before it: its frames are
            // held at that time too, and counted again from it (rare: nothing to do otherwise).
            let floor = if out.first_ns.is_some_and(|t| t < latest_ns) {
                let mut clock = Clock::starting_at(latest_ns);
                for rec in capture.segment_records(seg).ok()?.map_while(Result::ok) {
                    clock.hold(rec.number, rec.ts_ns);
                }
                out.clock = clock;
                latest_ns
            } else {
                i64::MIN
            };
            latest_ns = latest_ns.max(out.clock.latest_ns);
            places.push(SegmentPlace {
                base: b,
                floor_ns: floor,
            });
        }
        outs.par_iter_mut().zip(&places).for_each(|(out, place)| {
            C::place(&mut out.part, place.base, place.floor_ns);
            out.counters.renumber(place.base);
        });
        let mut parts = Vec::with_capacity(outs.len());
        for (mut out, SegmentPlace { base: b, .. }) in outs.into_iter().zip(places) {
            out.clock.steps.renumber(b);
            summary.time_steps_back.extend(&out.clock.steps);
            summary.counters.merge(out.counters);
            summary.first_ns = out.first_ns.into_iter().chain(summary.first_ns).min();
            summary.last_ns = out.last_ns.into_iter().chain(summary.last_ns).max();
            if let Some(e) = out.error {
                summary.truncated = Some(e.renumbered(b));
            }
            summary.reading.merge(out.notes.renumbered(b));
            parts.push(out.part);
        }
        consumer.consume(&mut parts);
        if let (Some(p), Some(first), Some(last)) = (progress, group.first(), group.last()) {
            p.advance(last.end - first.start);
        }
        spare.extend(parts);
    }
    summary.segments = segments.len();
    Some(check_link_types(summary, dec.link).map(|summary| Pass { summary, consumer }))
}

/// Walks a capture in batches of records, decodes each batch (in parallel chunks, one part
/// each) and hands the batch's parts, in frame order, to `consumer`. Memory is bounded by the
/// batch. `times`, when given, receives every record's timestamp in order.
fn walk<C: PassConsumer>(
    capture: &CaptureFile,
    plan: &Plan,
    dec: &Decoding<'_>,
    mut times: Option<&mut Vec<i64>>,
    progress: Option<&Progress>,
    mut consumer: C,
) -> Result<Pass<C>, PipelineError> {
    let (batch_records, chunk_records) = (plan.batch_records.max(1), plan.chunk_records.max(1));
    let mut records = capture.records()?;
    let mut read = records.offset();
    let FcsDecision {
        link,
        rewritten: fcs_rewritten,
    } = fcs_policy(capture, dec.link);
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
    let decode = |(chunk, part): (&[Record<'_>], &mut C::Part)| {
        let mut counters = FrameCounters::default();
        for rec in chunk {
            events::decode_record_with(rec, dec, &mut counters, part);
        }
        counters
    };
    let mut parts: Vec<C::Part> = Vec::new();
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
        let chunks = batch.len().div_ceil(chunk_records);
        while parts.len() < chunks {
            parts.push(consumer.part());
        }
        let used = &mut parts[..chunks];
        let counted: Vec<FrameCounters> = if plan.parallel {
            batch
                .par_chunks(chunk_records)
                .zip(used.par_iter_mut())
                .map(decode)
                .collect()
        } else {
            batch
                .chunks(chunk_records)
                .zip(used.iter_mut())
                .map(decode)
                .collect()
        };
        counted.into_iter().for_each(|c| summary.counters.merge(c));
        consumer.consume(used);
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
    check_link_types(summary, dec.link).map(|summary| Pass { summary, consumer })
}

/// Frames with an FCS looked at by [`fcs_policy`] at the start of a capture, at most, and
/// records read to find them.
const FCS_SAMPLE: u32 = 64;
const FCS_SAMPLE_RECORDS: usize = 4096;
/// Fewer frames with an FCS than this at the start of a capture decide nothing.
const FCS_SAMPLE_MIN: u32 = 5;

/// How a capture is decoded after `--fcs auto` looked at its first frames.
pub(super) struct FcsDecision {
    /// The options to decode with.
    pub(super) link: LinkOptions,
    /// Set when the FCS is ignored because it is wrong on (nearly) every frame checked.
    pub(super) rewritten: Option<FcsRewritten>,
}

/// Resolves `--fcs auto` for one capture, before it is decoded (so that every segment and
/// thread decodes with the same policy): the FCS is ignored when it is wrong on all but at
/// most a sixteenth of the first [`FCS_SAMPLE`] frames that carry a complete FCS (at least
/// [`FCS_SAMPLE_MIN`] of them, and at least half the frames read to find them), which happens when a tool rewrote the capture (addresses
/// anonymized) without recomputing it.
pub(super) fn fcs_policy(capture: &CaptureFile, link: &LinkOptions) -> FcsDecision {
    use roamgap_wire::linklayer::{Fcs, FcsPolicy};
    let keep = |link: LinkOptions| FcsDecision {
        link,
        rewritten: None,
    };
    if link.fcs != FcsPolicy::Auto {
        return keep(*link);
    }
    let check = LinkOptions {
        fcs: FcsPolicy::Check,
        ..*link
    };
    let Ok(records) = capture.records() else {
        return keep(check);
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
        FcsDecision {
            link: ignore,
            rewritten: Some(FcsRewritten { wrong, checked }),
        }
    } else {
        keep(check)
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
