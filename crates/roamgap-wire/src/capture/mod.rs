//! Capture files: classic pcap and pcapng, read zero-copy from a memory map.
//!
//! A [`Record`] borrows its bytes from the mapped file; nothing here knows about 802.11.
//! A damaged record or block is stepped over: reading picks up at the next sound one and the
//! skipped bytes are noted ([`ReadNotes`]). Frames are numbered 1, 2, ... in the order they are
//! read, skipped bytes taking no number: up to the first damage the numbers are Wireshark's
//! (which stops reading there); after it, they are those Wireshark gives the file once the
//! skipped byte ranges are cut out. A record cut by the end of the file ends the walk with a
//! [`RecordError`] carrying its frame number.

mod pcap;
mod pcapng;
mod stream;

pub use stream::{
    max_spool, set_max_spool, zstd_window, StreamDamage, DEFAULT_MAX_SPOOL, ZSTD_WINDOW_LIMIT,
};

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// A link-layer header type (LINKTYPE_* value of tcpdump.org).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const ETHERNET: LinkType = LinkType(1);
    pub const IEEE802_11: LinkType = LinkType(105);
    pub(crate) const PRISM: LinkType = LinkType(119);
    pub const RADIOTAP: LinkType = LinkType(127);
    pub(crate) const AVS: LinkType = LinkType(163);
    pub const PPI: LinkType = LinkType(192);

    /// The tcpdump.org name of the link type, where it is one a Wi-Fi engineer meets.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "NULL (BSD loopback)",
            1 => "Ethernet",
            101 => "raw IP",
            105 => "IEEE 802.11",
            113 => "Linux cooked (SLL)",
            119 => "Prism + IEEE 802.11",
            127 => "radiotap + IEEE 802.11",
            163 => "AVS + IEEE 802.11",
            192 => "PPI",
            276 => "Linux cooked v2 (SLL2)",
            _ => "unknown",
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

/// The largest time, either side of 1970, a record may carry, in ns (2^62 - 1: years 1824 to
/// 2116). Times beyond are clamped to it (and noted), so that the difference of any two times
/// fits in i64. Classic pcap times (u32 seconds: 1970 to 2106) always fit.
pub const TIME_LIMIT_NS: i64 = (1 << 62) - 1;

/// One captured packet, borrowed from the capture's bytes.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// 1-based, as Wireshark numbers frames.
    pub number: u64,
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    pub linktype: LinkType,
    /// The captured bytes (possibly cut by the snapshot length).
    pub data: &'a [u8],
    /// The length of the packet on the wire.
    pub orig_len: u32,
    /// Bytes of frame check sequence at the end of `data`, when the file header declares
    /// them (pcap link-type field, FCS-length bits); 0 when unknown or absent.
    pub fcs_len: u8,
}

/// The container format of a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap; `nanosecond` for the 0xa1b23c4d magic.
    Pcap {
        nanosecond: bool,
        big_endian: bool,
    },
    PcapNg,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Pcap {
                nanosecond: false, ..
            } => f.write_str("pcap"),
            Format::Pcap {
                nanosecond: true, ..
            } => f.write_str("pcap (ns)"),
            Format::PcapNg => f.write_str("pcapng"),
        }
    }
}

/// A capture file that cannot be read at all.
#[derive(Debug, Error)]
pub enum CaptureError {
    #[error("cannot open {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: is a directory, not a capture file")]
    IsDirectory { path: PathBuf },
    #[error("{path}: not a pcap or pcapng file (first bytes {magic})")]
    UnknownFormat { path: PathBuf, magic: String },
    #[error("{path}: damaged file header: {detail}")]
    BadHeader { path: PathBuf, detail: String },
    #[error("{path}: a zstd frame asks for a window of {window} bytes (2^{log}), more than the {limit} bytes (128 MiB) roamgap decodes with; {advice}", log = window_log(*window), advice = zstd_advice(path, *window))]
    ZstdWindow {
        path: PathBuf,
        window: u64,
        limit: u64,
    },
    #[error("{path}: {what} holds more than {limit} bytes, the limit of a temporary copy; raise it with --max-spool (e.g. --max-spool {raise}), or {advice}", what = spooled_what(*compression), raise = human_size(limit.saturating_mul(4)), advice = spool_advice(*compression))]
    SpoolLimit {
        path: PathBuf,
        limit: u64,
        compression: Option<Compression>,
    },
    #[error("{path}: cannot write its temporary copy in {dir}: {source}; set TMPDIR to a writable directory")]
    TempDir {
        path: PathBuf,
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no space left in the temporary directory {dir} after {written} bytes; set TMPDIR to a directory with more room (or decompress the file yourself and give roamgap the result)")]
    NoSpace {
        path: PathBuf,
        dir: PathBuf,
        written: u64,
    },
}

impl CaptureError {
    fn io(path: &Path, source: std::io::Error) -> CaptureError {
        CaptureError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The base-2 logarithm of a window size, rounded up.
fn window_log(window: u64) -> u32 {
    64 - window.saturating_sub(1).leading_zeros()
}

/// What to do with a zstd file whose window is too large.
fn zstd_advice(path: &Path, window: u64) -> String {
    let log = window_log(window);
    if log <= 31 {
        format!(
            "decompress it first (`zstd -d --long={log} {}`, zstd too needs the window allowed) and give roamgap the result",
            path.display()
        )
    } else {
        "no zstd decoder accepts a window over 2^31 bytes: the file is damaged or hostile".into()
    }
}

fn spooled_what(compression: Option<Compression>) -> String {
    match compression {
        Some(c) => format!("its decompressed {} stream", c.name()),
        None => "the stream (standard input or a pipe)".into(),
    }
}

fn spool_advice(compression: Option<Compression>) -> &'static str {
    match compression {
        Some(_) => "decompress the file yourself and give roamgap the result (it is then mapped, not copied)",
        None => "save the capture to a file and give roamgap its name (it is then mapped, not copied)",
    }
}

/// A byte count as `--max-spool` reads it (K, M, G, T: powers of 1024).
pub(crate) fn human_size(bytes: u64) -> String {
    for (unit, shift) in [("T", 40), ("G", 30), ("M", 20), ("K", 10)] {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// Reads a size such as `16G`, `500M`, `1048576` (K, M, G, T: powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, shift) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown size unit {c:?}: use K, M, G or T")),
            };
            (&s[..i], shift)
        }
        _ => (s, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 16G, 500M)"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s} is too large"))
}

/// Where a walk stepped over bytes it could not read as records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// Byte offset of the skipped region in the (decompressed) file, and its length.
    pub offset: usize,
    pub len: usize,
    /// Frames read before it: the bytes lie between frame `after` and frame `after + 1`.
    pub after: u64,
    pub reason: String,
}

/// Frames that share one timestamp flaw: how many, and the first of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameRun {
    pub frames: u64,
    /// 1-based frame number of the first.
    pub(crate) first: u64,
    /// The pcapng interface of the first, when it matters.
    pub(crate) interface: Option<u32>,
}

impl FrameRun {
    fn add(&mut self, frame: u64, interface: Option<u32>) {
        if self.frames == 0 {
            self.first = frame;
            self.interface = interface;
        }
        self.frames += 1;
    }

    fn merge(&mut self, later: FrameRun) {
        if self.frames == 0 {
            *self = later;
        } else {
            self.frames += later.frames;
        }
    }

    /// "N frames (the first: frame F, interface I) have `flaw`", or None for no frame.
    fn sentence(&self, flaw: &str) -> Option<String> {
        let n = self.frames;
        (n > 0).then(|| {
            format!(
                "{n} frame{} (the first: frame {}{}) {} {flaw}",
                if n == 1 { "" } else { "s" },
                self.first,
                self.interface
                    .map(|i| format!(", interface {i}"))
                    .unwrap_or_default(),
                if n == 1 { "has" } else { "have" }
            )
        })
    }
}

/// How a pcapng interface's timestamp resolution (`if_tsresol`) spoils its times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResolutionFlaw {
    /// Units coarser than a millisecond: shorter gaps read as 0.
    Coarse,
    /// Units so fine that 2^64 of them span less than a day: with no `if_tsoffset`, every
    /// time falls in the first day of 1970.
    Collapsed,
}

/// An interface whose resolution spoils its times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InterfaceResolution {
    pub(crate) interface: u32,
    /// "10^-6 s", "2^-20 s".
    pub(crate) unit: String,
    pub(crate) flaw: ResolutionFlaw,
}

/// What a walk over the records stepped over or read doubtfully. Each kind is counted; the
/// first [`ReadNotes::KEPT`] skips and interfaces are kept in detail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadNotes {
    pub skips: Vec<Skip>,
    /// Regions skipped, and their bytes.
    pub skipped: u64,
    pub skipped_bytes: u64,
    /// Frames without a timestamp (pcapng Simple Packet Blocks): given the previous frame's.
    pub untimed: FrameRun,
    /// pcap frames whose sub-second field is a second or more (10^6 µs, 10^9 ns): read as
    /// that many sub-second units, carried into the seconds.
    pub(crate) fraction_overflow: FrameRun,
    /// Frames whose time is beyond ±[`TIME_LIMIT_NS`] (years 1824 to 2116): clamped.
    pub saturated: FrameRun,
    pub(crate) resolutions: Vec<InterfaceResolution>,
}

impl ReadNotes {
    /// Skips and interfaces kept in detail.
    pub(crate) const KEPT: usize = 16;

    fn skip(&mut self, offset: usize, len: usize, after: u64, reason: impl FnOnce() -> String) {
        self.skipped += 1;
        self.skipped_bytes += len as u64;
        if self.skips.len() < Self::KEPT {
            self.skips.push(Skip {
                offset,
                len,
                after,
                reason: reason(),
            });
        }
    }

    /// Nothing to say.
    pub fn is_empty(&self) -> bool {
        *self == ReadNotes::default()
    }

    /// The same notes for a segment whose frame 1 is frame `base + 1` of the file.
    pub fn renumbered(mut self, base: u64) -> ReadNotes {
        self.skips.iter_mut().for_each(|s| s.after += base);
        for run in [
            &mut self.untimed,
            &mut self.fraction_overflow,
            &mut self.saturated,
        ] {
            if run.frames > 0 {
                run.first += base;
            }
        }
        self
    }

    /// Adds the notes of the part of the file read after this one.
    pub fn merge(&mut self, later: ReadNotes) {
        self.skipped += later.skipped;
        self.skipped_bytes += later.skipped_bytes;
        let room = Self::KEPT.saturating_sub(self.skips.len());
        self.skips.extend(later.skips.into_iter().take(room));
        self.untimed.merge(later.untimed);
        self.fraction_overflow.merge(later.fraction_overflow);
        self.saturated.merge(later.saturated);
        let room = Self::KEPT.saturating_sub(self.resolutions.len());
        self.resolutions
            .extend(later.resolutions.into_iter().take(room));
    }

    /// One line per kind of note, for a person: `frames` is the number of frames read.
    pub fn warnings(&self, path: &Path, frames: u64) -> Vec<String> {
        let path = path.display();
        let mut out = Vec::new();
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        if self.skipped > 0 {
            let shown: Vec<String> = self
                .skips
                .iter()
                .take(5)
                .map(|s| {
                    format!(
                        "bytes {}..{} between frames {} and {}: {}",
                        s.offset,
                        s.offset + s.len,
                        s.after,
                        s.after + 1,
                        s.reason
                    )
                })
                .collect();
            out.push(format!(
                "{path}: skipped {} damaged region{} ({} bytes) and read on at the next sound record ({}{}); frames after a skipped region are numbered as Wireshark numbers the file with those bytes cut out",
                self.skipped,
                plural(self.skipped),
                self.skipped_bytes,
                shown.join("; "),
                if self.skipped > 5 { "; ..." } else { "" }
            ));
        }
        let u = &self.untimed;
        if u.frames > 0 && u.frames >= frames {
            out.push(format!(
                "{path}: no frame has a timestamp (pcapng Simple Packet Blocks only): every time is 0 and no gap can be measured"
            ));
        } else if let Some(run) = u.sentence("no timestamp (pcapng Simple Packet Blocks): each is given the time of the frame before, so gaps around them are not measured") {
            out.push(format!("{path}: {run}"));
        }
        let runs = [
            (&self.fraction_overflow, "a sub-second time field of a second or more (invalid): the excess is carried into the seconds"),
            (&self.saturated, "a time outside the years 1824 to 2116 (if_tsoffset or if_tsresol out of range): clamped there, so times and gaps are wrong"),
        ];
        for (run, flaw) in runs {
            if let Some(run) = run.sentence(flaw) {
                out.push(format!("{path}: {run}"));
            }
        }
        for r in &self.resolutions {
            out.push(match r.flaw {
                ResolutionFlaw::Coarse => format!(
                    "{path}: interface {} counts time in units of {} (if_tsresol): gaps shorter than that read as 0",
                    r.interface, r.unit
                ),
                ResolutionFlaw::Collapsed => format!(
                    "{path}: interface {} counts time in units of {} (if_tsresol): 2^64 of them span less than a day, so its times all fall on 1 January 1970 and gaps are wrong",
                    r.interface, r.unit
                ),
            });
        }
        out
    }
}

/// Damage met while walking the records; the walk stops there.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("frame {frame} is cut short by the end of the file (needs {needed} bytes at offset {offset}, {available} left): the capture is truncated; frames after it, if any, are lost")]
    Truncated {
        frame: u64,
        offset: usize,
        needed: u64,
        available: usize,
    },
    #[error("frame {frame}: damaged record at offset {offset}: {detail}; the rest of the file is skipped")]
    Corrupt {
        frame: u64,
        offset: usize,
        detail: String,
    },
}

impl RecordError {
    /// The same error for a segment whose frame 1 is frame `base + 1` of the file.
    pub fn renumbered(self, base: u64) -> RecordError {
        match self {
            RecordError::Truncated {
                frame,
                offset,
                needed,
                available,
            } => RecordError::Truncated {
                frame: frame + base,
                offset,
                needed,
                available,
            },
            RecordError::Corrupt {
                frame,
                offset,
                detail,
            } => RecordError::Corrupt {
                frame: frame + base,
                offset,
                detail,
            },
        }
    }

    /// The frame number at which reading stopped.
    pub fn frame(&self) -> u64 {
        match self {
            RecordError::Truncated { frame, .. } | RecordError::Corrupt { frame, .. } => *frame,
        }
    }
}

enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

/// An opened capture file: the bytes (memory-mapped) and the container format.
pub struct CaptureFile {
    path: PathBuf,
    bytes: Bytes,
    format: Format,
    compression: Option<Compression>,
    damage: Option<StreamDamage>,
}

/// How a capture file was compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Maps a file read-only (an empty file maps to nothing).
fn map(file: &File) -> std::io::Result<Bytes> {
    if file.metadata()?.len() == 0 {
        return Ok(Bytes::Owned(Vec::new()));
    }
    // SAFETY: the map is read-only and private to this process. Another process truncating
    // the file while we read it would fault (SIGBUS); that is the accepted cost of zero-copy
    // reading, as in every mmap-based capture tool. This is the crate's only `unsafe`.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(file) }?;
    Ok(Bytes::Mapped(map))
}

/// A stream read once and spooled (standard input, a pipe, a FIFO): opening it again maps the
/// same copy, since its bytes cannot be read a second time.
struct SpooledStream {
    path: PathBuf,
    file: File,
    compression: Option<Compression>,
    damage: Option<StreamDamage>,
}

static STREAMS: std::sync::Mutex<Vec<SpooledStream>> = std::sync::Mutex::new(Vec::new());

impl CaptureFile {
    /// Opens and memory-maps a capture file. `-` is standard input; gzip and zstd files
    /// (told by their magic, not their name) are decompressed. Standard input, pipes, FIFOs and
    /// decompressed files are first copied to an unnamed temporary file (at most
    /// [`max_spool`] bytes), which is then mapped.
    pub fn open(path: &Path) -> Result<CaptureFile, CaptureError> {
        Self::open_limited(path, max_spool())
    }

    /// [`CaptureFile::open`] with a bound on the temporary copy, in bytes.
    pub fn open_limited(path: &Path, max_spool: u64) -> Result<CaptureFile, CaptureError> {
        let to = stream::SpoolTo { limit: max_spool };
        let io = |source| CaptureError::io(path, source);
        if path == Path::new("-") {
            return Self::open_stream(path, &to, &mut || Ok(Box::new(std::io::stdin().lock())));
        }
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Err(CaptureError::IsDirectory {
                path: path.to_path_buf(),
            });
        }
        if !meta.is_file() {
            // A pipe, FIFO or device: its length says nothing; read it as a stream.
            return Self::open_stream(path, &to, &mut || Ok(Box::new(File::open(path)?)));
        }
        let file = File::open(path).map_err(io)?;
        let bytes = map(&file).map_err(io)?;
        Self::with_maybe_compressed(path, bytes, &to)
    }

    /// A gzip or zstd file held in memory, decompressed as [`CaptureFile::open`] does (for
    /// tests and fuzzing); other bytes are read as they are.
    pub fn from_compressed(
        name: impl Into<PathBuf>,
        data: Vec<u8>,
        max_spool: u64,
    ) -> Result<CaptureFile, CaptureError> {
        let path = name.into();
        Self::with_maybe_compressed(
            &path,
            Bytes::Owned(data),
            &stream::SpoolTo { limit: max_spool },
        )
    }

    fn with_maybe_compressed(
        path: &Path,
        bytes: Bytes,
        to: &stream::SpoolTo,
    ) -> Result<CaptureFile, CaptureError> {
        let data: &[u8] = match &bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        };
        match stream::compression_of(data) {
            Some(c) => {
                let spooled = stream::spool_compressed(path, data, c, to)?;
                let bytes = map(&spooled.file).map_err(|e| CaptureError::io(path, e))?;
                let mut cap = Self::with_bytes(path.to_path_buf(), bytes, Some(c))?;
                cap.damage = spooled.damage;
                Ok(cap)
            }
            None => Self::with_bytes(path.to_path_buf(), bytes, None),
        }
    }

    /// Standard input or a pipe: spooled once per process (a second opening maps the same
    /// copy), then decompressed if it is compressed.
    fn open_stream(
        path: &Path,
        to: &stream::SpoolTo,
        reader: &mut dyn FnMut() -> std::io::Result<Box<dyn std::io::Read>>,
    ) -> Result<CaptureFile, CaptureError> {
        let io = |source| CaptureError::io(path, source);
        let mut streams = STREAMS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = streams.iter().find(|s| s.path == path) {
            let bytes = map(&s.file).map_err(io)?;
            let mut cap = Self::with_bytes(path.to_path_buf(), bytes, s.compression)?;
            cap.damage = s.damage.clone();
            return Ok(cap);
        }
        let mut r = reader().map_err(io)?;
        let raw = stream::spool_plain(path, &mut r, to)?;
        let bytes = map(&raw.file).map_err(io)?;
        let (file, compression, damage) = match stream::compression_of(match &bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }) {
            Some(c) => {
                let data: &[u8] = match &bytes {
                    Bytes::Mapped(m) => m,
                    Bytes::Owned(v) => v,
                };
                let s = stream::spool_compressed(path, data, c, to)?;
                (s.file, Some(c), s.damage)
            }
            None => (raw.file, None, None),
        };
        let bytes = map(&file).map_err(io)?;
        let mut cap = Self::with_bytes(path.to_path_buf(), bytes, compression)?;
        cap.damage = damage.clone();
        streams.push(SpooledStream {
            path: path.to_path_buf(),
            file,
            compression,
            damage,
        });
        Ok(cap)
    }

    /// A capture held in memory (tests, generated captures, decompressed input).
    pub fn from_vec(name: impl Into<PathBuf>, data: Vec<u8>) -> Result<CaptureFile, CaptureError> {
        Self::with_bytes(name.into(), Bytes::Owned(data), None)
    }

    fn with_bytes(
        path: PathBuf,
        bytes: Bytes,
        compression: Option<Compression>,
    ) -> Result<CaptureFile, CaptureError> {
        let data: &[u8] = match &bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        };
        let format = detect(&path, data, compression)?;
        Ok(CaptureFile {
            path,
            bytes,
            format,
            compression,
            damage: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The compression the file was read through, if any.
    pub fn compression(&self) -> Option<Compression> {
        self.compression
    }

    /// How its compressed stream failed to end cleanly, if it did.
    pub fn stream_damage(&self) -> Option<&StreamDamage> {
        self.damage.as_ref()
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }

    /// Walks the records in file order.
    pub fn records(&self) -> Result<Records<'_>, CaptureError> {
        let data = self.bytes();
        let bad = |detail: String| CaptureError::BadHeader {
            path: self.path.clone(),
            detail,
        };
        Ok(match self.format {
            Format::Pcap { .. } => Records::Pcap(pcap::PcapRecords::new(data).map_err(bad)?),
            Format::PcapNg => Records::PcapNg(pcapng::PcapNgRecords::new(data).map_err(bad)?),
        })
    }
}

fn detect(
    path: &Path,
    data: &[u8],
    compression: Option<Compression>,
) -> Result<Format, CaptureError> {
    let magic = crate::dot11::bytes::be32_at(data, 0);
    match magic {
        Some(0xa1b2_c3d4) => Ok(Format::Pcap {
            nanosecond: false,
            big_endian: true,
        }),
        Some(0xd4c3_b2a1) => Ok(Format::Pcap {
            nanosecond: false,
            big_endian: false,
        }),
        Some(0xa1b2_3c4d) => Ok(Format::Pcap {
            nanosecond: true,
            big_endian: true,
        }),
        Some(0x4d3c_b2a1) => Ok(Format::Pcap {
            nanosecond: true,
            big_endian: false,
        }),
        Some(0x0a0d_0d0a) => Ok(Format::PcapNg),
        _ => Err(unknown_format(path, data, compression)),
    }
}

/// The error of bytes that start no capture (`compression`: what they were decompressed from).
fn unknown_format(path: &Path, data: &[u8], compression: Option<Compression>) -> CaptureError {
    let shown: Vec<String> = data.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut magic = if shown.is_empty() {
        "none: the file is empty".to_string()
    } else {
        shown.join(" ")
    };
    if let Some(c) = compression {
        magic += &format!(", once {} decompressed", c.name());
    }
    CaptureError::UnknownFormat {
        path: path.to_path_buf(),
        magic,
    }
}

/// A part of a classic pcap file that can be read on its own: records starting in
/// `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
}

impl CaptureFile {
    /// Splits a classic pcap file into segments of about `bytes` each, at record boundaries
    /// found by resynchronizing on record headers (not by walking the records). None for
    /// pcapng, or a file too small to split. A boundary is only a candidate: a reader of the
    /// segment before it must land exactly on it ([`Records::offset`]), or the split is wrong.
    pub fn pcap_segments(&self, bytes: usize) -> Option<Vec<Segment>> {
        let Ok(Records::Pcap(r)) = self.records() else {
            return None;
        };
        let len = self.bytes().len();
        let bytes = bytes.max(4096);
        let mut starts = vec![r.offset()];
        let mut at = r.offset() + bytes;
        while at < len {
            match r.resync(at, 1 << 20) {
                Some(b) if b > *starts.last()? => {
                    starts.push(b);
                    at = b + bytes;
                }
                _ => at += bytes,
            }
        }
        if starts.len() < 2 {
            return None;
        }
        let ends = starts.iter().skip(1).copied().chain([len]);
        Some(
            starts
                .iter()
                .zip(ends)
                .map(|(&start, end)| Segment { start, end })
                .collect(),
        )
    }

    /// The records of one segment, numbered from 1.
    pub fn segment_records(&self, segment: Segment) -> Result<Records<'_>, CaptureError> {
        match self.records()? {
            Records::Pcap(r) => Ok(Records::Pcap(r.segment(segment.start, segment.end))),
            other => Ok(other),
        }
    }
}

/// What a walk over the record headers alone tells.
#[derive(Clone, Debug)]
pub struct CaptureSummary {
    pub format: Format,
    pub linktypes: Vec<LinkType>,
    pub records: u64,
    pub captured_bytes: u64,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    /// Where the walk stopped early.
    pub stopped: Option<RecordError>,
    /// What it stepped over or read doubtfully.
    pub notes: ReadNotes,
}

impl CaptureFile {
    /// Walks every record header, touching no frame bytes.
    pub fn summarize(&self) -> Result<CaptureSummary, CaptureError> {
        let mut records = self.records()?;
        let mut s = CaptureSummary {
            format: self.format,
            linktypes: Vec::new(),
            records: 0,
            captured_bytes: 0,
            first_ns: None,
            last_ns: None,
            stopped: None,
            notes: ReadNotes::default(),
        };
        for r in records.by_ref() {
            match r {
                Ok(rec) => {
                    s.records += 1;
                    s.captured_bytes += rec.data.len() as u64;
                    s.first_ns = Some(s.first_ns.map_or(rec.ts_ns, |t| t.min(rec.ts_ns)));
                    s.last_ns = Some(s.last_ns.map_or(rec.ts_ns, |t| t.max(rec.ts_ns)));
                }
                Err(e) => s.stopped = Some(e),
            }
        }
        s.linktypes = records.linktypes();
        s.notes = records.notes().clone();
        Ok(s)
    }
}

/// Iterator over the records of a capture.
pub enum Records<'a> {
    Pcap(pcap::PcapRecords<'a>),
    PcapNg(pcapng::PcapNgRecords<'a>),
}

impl<'a> Records<'a> {
    /// Where the next record starts in the file.
    pub fn offset(&self) -> usize {
        match self {
            Records::Pcap(r) => r.offset(),
            Records::PcapNg(r) => r.offset(),
        }
    }

    /// What the walk stepped over or read doubtfully so far.
    pub fn notes(&self) -> &ReadNotes {
        match self {
            Records::Pcap(r) => r.notes(),
            Records::PcapNg(r) => r.notes(),
        }
    }

    /// The link types declared by the file so far (pcap: one; pcapng: one per interface).
    pub fn linktypes(&self) -> Vec<LinkType> {
        match self {
            Records::Pcap(r) => vec![r.linktype()],
            Records::PcapNg(r) => r.linktypes(),
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Records::Pcap(r) => r.next(),
            Records::PcapNg(r) => r.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_clear_error() {
        let err = CaptureFile::from_vec("x.bin", b"hello world".to_vec())
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "x.bin: not a pcap or pcapng file (first bytes 68 65 6c 6c)"
        );
        let err = CaptureFile::from_vec("e.pcap", Vec::new()).err().unwrap();
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
