//! Drives captures through the steps: records → events (decoded in parallel, in segments or
//! chunks of records) → consumers of the events, fed in frame order ([`PassConsumer`],
//! `pass.rs`): the per-station analysis, the key schedule's passes (`keys.rs`), the report's
//! traces. One entry point, [`Pipeline`] (`run.rs`); several sniffers merged (`merge.rs`).

use std::path::PathBuf;

use thiserror::Error;

use crate::analysis::Analysis;
use crate::crypto::handshake::ScheduleSummary;
use crate::events::FrameCounters;
use roamgap_wire::capture::{
    CaptureError, CaptureFile, Format, LinkType, ReadNotes, RecordError, StreamDamage,
};

mod keys;
mod merge;
mod pass;
mod run;

pub use keys::read_key_file;
pub use merge::{MergeInfo, MergedAnalysis, MergedCapture};
pub use pass::{EventBuffer, PassConsumer};
pub use run::{Captures, Outcome, Pipeline, Run};

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
    /// The file, as given.
    pub path: PathBuf,
    /// pcap (with its byte order and timestamp resolution) or pcapng.
    pub format: Format,
    /// Link types declared by the file (pcapng: one per interface).
    pub linktypes: Vec<LinkType>,
    /// Frames read, by what they were (`docs/METRICS.md`, "Capture counters").
    pub counters: FrameCounters,
    /// Time of the first frame, ns since the epoch.
    pub first_ns: Option<i64>,
    /// Time of the last frame, ns since the epoch.
    pub last_ns: Option<i64>,
    /// Where reading stopped early, if it did.
    pub truncated: Option<RecordError>,
    /// What reading stepped over (damaged records, blocks) and timestamps read doubtfully.
    pub reading: ReadNotes,
    /// How the compressed stream failed to end cleanly, if it did.
    pub(crate) stream_damage: Option<StreamDamage>,
    /// Segments the file was read in, in parallel (0: read in order).
    pub segments: usize,
    /// The compression the file was read through.
    pub compression: Option<roamgap_wire::capture::Compression>,
    /// What the keys given found, when decrypting.
    pub decryption: Option<ScheduleSummary>,
    /// `--fcs auto` found the FCS wrong on (nearly) every frame that carries one at the start of
    /// the capture: the FCS was then ignored.
    pub fcs_rewritten: Option<FcsRewritten>,
    /// Frames timestamped earlier than a frame before them, each analyzed at the latest time
    /// before it (`docs/METRICS.md`, "Time going backwards").
    pub time_steps_back: TimeStepsBack,
}

/// The frames `--fcs auto` checked at the start of a capture whose FCS it then ignored, as a
/// tool that rewrote the capture without recomputing the FCS leaves them (`fcs_ignored` in
/// docs/JSON.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FcsRewritten {
    /// Frames whose FCS did not match.
    pub wrong: u32,
    /// Frames with a complete FCS checked.
    pub checked: u32,
}

/// Frames whose timestamp is earlier than that of a frame before them (a sniffer writing
/// frames out of order, a clock set back): each is analyzed at the latest time seen before it,
/// so that time never runs backwards in the analysis and no interval is negative.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TimeStepsBack {
    /// How many frames.
    pub frames: u64,
    /// The first of them (at most [`TimeStepsBack::SHOWN`]), frame numbers.
    pub(crate) first_frames: Vec<u64>,
    /// The largest step back (latest time before the frame − its own time), ns, and its frame.
    pub(crate) largest_ns: i64,
    pub(crate) largest_frame: u64,
}

impl TimeStepsBack {
    /// Frame numbers kept to name them.
    pub(crate) const SHOWN: usize = 5;
    /// A step back larger than this is the capture's clock being set back, not frames written
    /// out of order.
    pub(crate) const CLOCK_STEP_NS: i64 = 1_000_000_000;
    /// Steps back all smaller than this (a sniffer with several radios interleaving their
    /// frames steps back by microseconds) are below the 0.1 ms the reports give intervals in:
    /// held and counted (`time_steps_back` in JSON), not warned about.
    pub(crate) const NOTICED_NS: i64 = 100_000;

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
    /// What reading it saw.
    pub summary: CaptureSummary,
    /// Its roams, streams, BSSs and notes.
    pub analysis: Analysis,
}

/// A capture that yields no analysis at all.
#[derive(Debug, Error)]
pub enum PipelineError {
    /// The file could not be opened, or is no capture roamgap reads.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// A wired capture: Ethernet frames and no remote-capture stream on the configured port.
    #[error("{path}: none of its {frames} frames carries an 802.11 frame: this is a wired capture (Ethernet, and no remote-capture stream on UDP port {port}); take one over the air, with a sniffer in monitor mode")]
    NoWirelessFrames {
        /// The file.
        path: PathBuf,
        /// Frames it holds.
        frames: u64,
        /// The UDP port a remote-capture stream was looked for on.
        port: u16,
    },
    /// Damage before any record could be read.
    #[error("{path}: no frame could be read: {detail}")]
    NothingRead {
        /// The file.
        path: PathBuf,
        /// Where reading stopped and what it stepped over.
        detail: String,
    },
    /// No frame of a link type roamgap decodes.
    #[error("{path}: none of its {frames} frames has a link type roamgap reads ({found}); it reads 1 (Ethernet, remote capture), 105 (IEEE 802.11), 119 (Prism), 127 (radiotap), 163 (AVS) and 192 (PPI)")]
    UnsupportedLinkType {
        /// The file.
        path: PathBuf,
        /// Frames it holds.
        frames: u64,
        /// The link types it declares.
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
    /// Every core (rayon's pool), pcap files split into segments: the default.
    pub fn parallel() -> Plan {
        Plan {
            parallel: true,
            batch_records: BATCH,
            chunk_records: CHUNK,
            segment_bytes: SEGMENT_BYTES,
        }
    }

    /// Everything on the calling thread, records read in order.
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

    /// (bytes read, bytes of the files opened so far).
    pub fn get(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.done.load(Relaxed), self.total.load(Relaxed))
    }

    /// A file of `bytes` joins the total (unless it was given up front).
    pub(crate) fn opened(&self, bytes: usize) {
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
