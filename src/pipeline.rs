//! Drives one capture through the steps: records → events (decoded in parallel, in chunks of
//! records) → per-station analysis.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

use crate::analysis::{Analysis, Analyzer, Config, ShardedEvents};
use crate::capture::{CaptureError, CaptureFile, Format, LinkType, Record, RecordError};
use crate::events::{self, Event, FrameCounters};

/// Records decoded per parallel task: large enough to amortize scheduling, small enough
/// to spread over the cores.
const CHUNK: usize = 4096;
/// Records gathered before a parallel decode round (bounds the memory of the batch).
const BATCH: usize = 64 * CHUNK;

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
    #[error("{path}: none of its {frames} frames has a link type roamgap reads ({found}); it reads 105 (IEEE 802.11) and 127 (radiotap)")]
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
}

impl Plan {
    pub fn parallel() -> Plan {
        Plan {
            parallel: true,
            batch_records: BATCH,
            chunk_records: CHUNK,
        }
    }

    pub fn sequential() -> Plan {
        Plan {
            parallel: false,
            ..Plan::parallel()
        }
    }
}

impl Default for Plan {
    fn default() -> Plan {
        Plan::parallel()
    }
}

/// Walks a capture in batches of records, decodes each batch into events (in parallel chunks)
/// and hands the batch's events, in frame order, to `sink`. Memory is bounded by the batch.
fn walk(
    capture: &CaptureFile,
    plan: &Plan,
    shards: usize,
    mut sink: impl FnMut(&[ShardedEvents]),
) -> Result<CaptureSummary, PipelineError> {
    let (batch_records, chunk_records) = (plan.batch_records.max(1), plan.chunk_records.max(1));
    let mut records = capture.records()?;
    let mut summary = CaptureSummary {
        path: capture.path().to_path_buf(),
        format: capture.format(),
        linktypes: Vec::new(),
        counters: FrameCounters::default(),
        first_ns: None,
        last_ns: None,
        truncated: None,
    };
    // A record takes at least 16 bytes of the file, so small files get small batches.
    let mut batch: Vec<Record<'_>> =
        Vec::with_capacity(batch_records.min(capture.bytes().len() / 16));
    let decode = |chunk: &[Record<'_>]| {
        let mut counters = FrameCounters::default();
        let mut out: ShardedEvents = (0..shards)
            .map(|_| Vec::with_capacity(chunk.len() / shards + 16))
            .collect();
        for rec in chunk {
            events::decode_record(rec, &mut counters, &mut |e| {
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
        for rec in &batch {
            summary.first_ns = Some(summary.first_ns.map_or(rec.ts_ns, |t| t.min(rec.ts_ns)));
            summary.last_ns = Some(summary.last_ns.map_or(rec.ts_ns, |t| t.max(rec.ts_ns)));
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
        if summary.truncated.is_some() || batch.len() < batch_records {
            break;
        }
    }
    summary.linktypes = records.linktypes();
    let c = &summary.counters;
    let unsupported: u64 = c.unsupported.iter().map(|(_, n)| n).sum();
    if c.frames > 0 && unsupported == c.frames {
        let found: Vec<String> = c.unsupported.iter().map(|(lt, _)| lt.to_string()).collect();
        return Err(PipelineError::UnsupportedLinkType {
            path: summary.path,
            frames: c.frames,
            found: found.join(", "),
        });
    }
    Ok(summary)
}

/// Reads a capture's records and decodes them into events, in frame order (all kept: for
/// tests and tools that want the events themselves).
pub fn decode_capture(
    capture: &CaptureFile,
) -> Result<(CaptureSummary, Vec<Event>), PipelineError> {
    let mut all = Vec::new();
    let summary = walk(capture, &Plan::parallel(), 1, |batch| {
        all.extend(batch.iter().flat_map(|b| &b[0]).copied())
    })?;
    Ok((summary, all))
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
    let shards = if plan.parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let mut analyzer = Analyzer::new(index, *config, shards);
    let summary = walk(capture, plan, shards, |batch| analyzer.feed(batch))?;
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
    let capture = CaptureFile::open(path)?;
    analyze_capture(index, &capture, config)
}
