//! Drives one capture through the steps: records → events (decoded in parallel, in chunks of
//! records) → per-station analysis.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

use crate::analysis::{self, Analysis, Config};
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

/// Reads a capture's records and decodes them into events, in frame order.
pub fn decode_capture(
    capture: &CaptureFile,
) -> Result<(CaptureSummary, Vec<Event>), PipelineError> {
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
    let mut events = Vec::new();
    // A record takes at least 16 bytes of the file, so small files get small batches.
    let mut batch: Vec<Record<'_>> = Vec::with_capacity(BATCH.min(capture.bytes().len() / 16));
    loop {
        batch.clear();
        for r in records.by_ref() {
            match r {
                Ok(rec) => {
                    summary.first_ns =
                        Some(summary.first_ns.map_or(rec.ts_ns, |t| t.min(rec.ts_ns)));
                    summary.last_ns = Some(summary.last_ns.map_or(rec.ts_ns, |t| t.max(rec.ts_ns)));
                    batch.push(rec);
                    if batch.len() == BATCH {
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
        let decoded: Vec<(Vec<Event>, FrameCounters)> = batch
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut counters = FrameCounters::default();
                let mut out = Vec::new();
                for rec in chunk {
                    events::decode_record(rec, &mut counters, &mut |e| out.push(e));
                }
                (out, counters)
            })
            .collect();
        for (evs, counters) in decoded {
            events.extend(evs);
            summary.counters.merge(counters);
        }
        if summary.truncated.is_some() || batch.len() < BATCH {
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
    Ok((summary, events))
}

/// Reads and analyzes one capture already opened.
pub fn analyze_capture(
    index: usize,
    capture: &CaptureFile,
    config: &Config,
) -> Result<CaptureAnalysis, PipelineError> {
    let (summary, events) = decode_capture(capture)?;
    let analysis = analysis::analyze(index, events, config);
    Ok(CaptureAnalysis { summary, analysis })
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
