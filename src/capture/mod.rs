//! Capture files: classic pcap and pcapng, read zero-copy from a memory map.
//!
//! A [`Record`] borrows its bytes from the mapped file; nothing here knows about 802.11.
//! Damage is reported as a [`RecordError`] carrying the 1-based frame number, after which
//! iteration ends: everything before the damage has already been yielded.

mod pcap;
mod pcapng;

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
    pub const PRISM: LinkType = LinkType(119);
    pub const RADIOTAP: LinkType = LinkType(127);
    pub const AVS: LinkType = LinkType(163);
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
    #[error("{path}: not a pcap or pcapng file (first bytes {magic})")]
    UnknownFormat { path: PathBuf, magic: String },
    #[error("{path}: damaged file header: {detail}")]
    BadHeader { path: PathBuf, detail: String },
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

impl CaptureFile {
    /// Opens and memory-maps a capture file. `-` is standard input; gzip and zstd files
    /// (told by their magic, not their name) are decompressed. Both are first written to an
    /// unnamed temporary file, which is then mapped: their contents live in the page cache, not
    /// in the process's own memory.
    pub fn open(path: &Path) -> Result<CaptureFile, CaptureError> {
        let io = |source| CaptureError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path == Path::new("-") {
            return Self::spool(path, std::io::stdin().lock(), None);
        }
        let file = File::open(path).map_err(io)?;
        let bytes = map(&file).map_err(io)?;
        let data: &[u8] = match &bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        };
        match data {
            [0x1f, 0x8b, ..] => Self::spool(
                path,
                flate2::read::MultiGzDecoder::new(data),
                Some(Compression::Gzip),
            ),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => {
                let decoder = ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| {
                    CaptureError::BadHeader {
                        path: path.to_path_buf(),
                        detail: format!("zstd: {e}"),
                    }
                })?;
                Self::spool(path, decoder, Some(Compression::Zstd))
            }
            _ => Self::with_bytes(path.to_path_buf(), bytes, None),
        }
    }

    /// Copies a stream (standard input, a decompressor) into an unnamed temporary file and
    /// maps that.
    fn spool(
        path: &Path,
        mut reader: impl std::io::Read,
        compression: Option<Compression>,
    ) -> Result<CaptureFile, CaptureError> {
        let io = |source| CaptureError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut tmp = tempfile::tempfile().map_err(io)?;
        std::io::copy(&mut reader, &mut tmp).map_err(|e| match compression {
            Some(c) => CaptureError::BadHeader {
                path: path.to_path_buf(),
                detail: format!("{} stream: {e}", c.name()),
            },
            None => io(e),
        })?;
        let bytes = map(&tmp).map_err(io)?;
        Self::with_bytes(path.to_path_buf(), bytes, compression)
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
        let format = detect(&path, data)?;
        Ok(CaptureFile {
            path,
            bytes,
            format,
            compression,
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

fn detect(path: &Path, data: &[u8]) -> Result<Format, CaptureError> {
    let magic = data
        .get(..4)
        .map(|m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]));
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
        _ => {
            let shown: Vec<String> = data.iter().take(4).map(|b| format!("{b:02x}")).collect();
            let magic = if shown.is_empty() {
                "none: the file is empty".to_string()
            } else {
                shown.join(" ")
            };
            Err(CaptureError::UnknownFormat {
                path: path.to_path_buf(),
                magic,
            })
        }
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
