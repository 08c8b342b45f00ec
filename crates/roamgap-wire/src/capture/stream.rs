//! Captures that cannot be mapped as they are: standard input, pipes and FIFOs, gzip and
//! zstd files. Their bytes are copied ("spooled") into an unnamed temporary file, which is then
//! mapped: the contents live in the page cache, not in the process's own memory.
//!
//! The spool is bounded: the first bytes must carry a capture's (or a compressed file's) magic
//! before anything is written, the copy stops at a size limit (`--max-spool`), and a zstd frame
//! may not ask for a window larger than [`ZSTD_WINDOW_LIMIT`]. A compressed stream that ends
//! early, is damaged part-way, or is followed by bytes that are not another member/frame keeps
//! what it decoded, with a [`StreamDamage`] saying so.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{CaptureError, Compression};
use crate::dot11::bytes;

/// The largest zstd window accepted, in bytes: zstd's own default decoder limit
/// (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`, 2^27). The decoder holds one window of history, so a
/// frame header asking for more (RFC 8878 §3.1.1.1.2) would make a tiny file take gigabytes.
pub const ZSTD_WINDOW_LIMIT: u64 = 128 << 20;

/// The default bound on a spool (decompressed file or standard input), in bytes.
pub const DEFAULT_MAX_SPOOL: u64 = 16 << 30;

static MAX_SPOOL: AtomicU64 = AtomicU64::new(DEFAULT_MAX_SPOOL);

/// Sets the bound on every later spool of this process (the `--max-spool` option).
pub fn set_max_spool(bytes: u64) {
    MAX_SPOOL.store(bytes, Ordering::Relaxed);
}

/// The bound on a spool, as set by [`set_max_spool`].
pub fn max_spool() -> u64 {
    MAX_SPOOL.load(Ordering::Relaxed)
}

/// How a compressed stream failed to end cleanly. What was decoded before it is analyzed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamDamage {
    /// The stream stops in the middle of a member/frame: the file was cut.
    EndedEarly {
        compression: Compression,
        decoded: u64,
    },
    /// The compressed data is damaged (bad block, checksum mismatch) part-way.
    Damaged {
        compression: Compression,
        decoded: u64,
        detail: String,
    },
    /// Bytes after the last complete member/frame that do not start another one.
    TrailingGarbage {
        compression: Compression,
        bytes: u64,
        zeros: bool,
    },
}

impl std::fmt::Display for StreamDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamDamage::EndedEarly {
                compression,
                decoded,
            } => write!(
                f,
                "the {} stream ends early (the file is cut short) after {decoded} decompressed bytes; analyzed what it holds",
                compression.name()
            ),
            StreamDamage::Damaged {
                compression,
                decoded,
                detail,
            } => write!(
                f,
                "the {} stream is damaged after {decoded} decompressed bytes ({detail}); analyzed what came before",
                compression.name()
            ),
            StreamDamage::TrailingGarbage {
                compression,
                bytes,
                zeros,
            } => write!(
                f,
                "{bytes} bytes {}after the end of the {} stream are ignored",
                if *zeros { "of zeros " } else { "of trailing garbage " },
                compression.name()
            ),
        }
    }
}

/// A frame header asking for a larger window than [`ZSTD_WINDOW_LIMIT`] (carried through
/// `io::Error` out of the decoding reader).
#[derive(Debug)]
pub(super) struct WindowTooLarge {
    pub(crate) window: u64,
}

impl std::fmt::Display for WindowTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "zstd window of {} bytes", self.window)
    }
}

impl std::error::Error for WindowTooLarge {}

/// The window a zstd frame header asks for (RFC 8878 §3.1.1.1: Frame_Header_Descriptor,
/// Window_Descriptor, Dictionary_ID, Frame_Content_Size); None if the header is cut short.
/// With Single_Segment set, the window is the frame content size.
pub fn zstd_window(frame: &[u8]) -> Option<u64> {
    let descriptor = *frame.get(4)?;
    let fcs_flag = descriptor >> 6;
    let single_segment = descriptor & 0x20 != 0;
    if !single_segment {
        let w = *frame.get(5)?;
        let log = 10 + u32::from(w >> 3);
        let base = 1u64 << log;
        return Some(base + (base / 8) * u64::from(w & 7));
    }
    let dict_len = [0usize, 1, 2, 4][usize::from(descriptor & 3)];
    let at = 5 + dict_len;
    let fcs = match fcs_flag {
        0 => u64::from(*frame.get(at)?),
        1 => u64::from(bytes::le16_at(frame, at)?) + 256,
        2 => u64::from(bytes::le32_at(frame, at)?),
        _ => bytes::le64_at(frame, at)?,
    };
    Some(fcs)
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// What a decoding reader met at its end.
#[derive(Default)]
struct Tail {
    trailing: Option<(u64, bool)>,
}

/// The gzip members of a file, one after another (RFC 1952 §2.2), decoded as one stream.
struct GzipMembers<'a> {
    rest: &'a [u8],
    member: Option<flate2::bufread::GzDecoder<&'a [u8]>>,
    tail: Tail,
}

impl Read for GzipMembers<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(m) = &mut self.member {
                let n = m.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                self.rest = self.member.take().map_or(&[][..], |m| m.into_inner());
            }
            if self.rest.is_empty() {
                return Ok(0);
            }
            if !self.rest.starts_with(&GZIP_MAGIC) {
                let zeros = self.rest.iter().all(|&b| b == 0);
                self.tail.trailing = Some((self.rest.len() as u64, zeros));
                self.rest = &[];
                return Ok(0);
            }
            self.member = Some(flate2::bufread::GzDecoder::new(self.rest));
        }
    }
}

/// The frames of a zstd file (RFC 8878 §3.1), skippable frames stepped over, each frame's
/// window checked against [`ZSTD_WINDOW_LIMIT`] before it is decoded.
struct ZstdFrames<'a> {
    rest: &'a [u8],
    frame: Option<ruzstd::decoding::StreamingDecoder<&'a [u8], ruzstd::decoding::FrameDecoder>>,
    tail: Tail,
}

impl Read for ZstdFrames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(f) = &mut self.frame {
                // ruzstd wraps a short read in its own errors: an error with the input
                // consumed is the stream ending early.
                let n = f.read(buf).map_err(|e| {
                    if f.get_ref().is_empty() {
                        io::ErrorKind::UnexpectedEof.into()
                    } else {
                        e
                    }
                })?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                self.rest = self.frame.take().map_or(&[][..], |f| f.into_inner());
            }
            if self.rest.is_empty() {
                return Ok(0);
            }
            let magic = bytes::le32_at(self.rest, 0);
            match magic {
                // Skippable frame: magic, 4-byte size, that many bytes.
                Some(0x184D_2A50..=0x184D_2A5F) => {
                    let Some(size) = bytes::le32_at(self.rest, 4) else {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    };
                    let size = size as usize;
                    match self.rest.get(8 + size..) {
                        Some(r) => self.rest = r,
                        None => return Err(io::ErrorKind::UnexpectedEof.into()),
                    }
                    continue;
                }
                Some(_) if self.rest.starts_with(&ZSTD_MAGIC) => {}
                _ => {
                    let zeros = self.rest.iter().all(|&b| b == 0);
                    self.tail.trailing = Some((self.rest.len() as u64, zeros));
                    self.rest = &[];
                    return Ok(0);
                }
            }
            let window = zstd_window(self.rest).ok_or(io::ErrorKind::UnexpectedEof)?;
            if window > ZSTD_WINDOW_LIMIT {
                return Err(io::Error::other(WindowTooLarge { window }));
            }
            let frame = ruzstd::decoding::StreamingDecoder::new(self.rest).map_err(|e| {
                if self.rest.len() < 18 {
                    io::ErrorKind::UnexpectedEof.into()
                } else {
                    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
                }
            })?;
            self.frame = Some(frame);
        }
    }
}

/// How large a spool may grow.
pub(super) struct SpoolTo {
    pub(crate) limit: u64,
}

/// A spooled stream: the temporary file and how the stream ended.
pub(super) struct Spooled<W = File> {
    pub(crate) file: W,
    pub(crate) damage: Option<StreamDamage>,
}

/// The temporary directory spools go to (TMPDIR, else /tmp).
fn temp_dir() -> PathBuf {
    std::env::temp_dir()
}

/// Whether a stream's first bytes can start what `accept` allows: a capture (pcap, pcapng)
/// and, for raw standard input, a compressed file too.
fn known_magic(head: &[u8], compressed_too: bool) -> bool {
    let Some(be) = bytes::be32_at(head, 0) else {
        return false;
    };
    matches!(
        be,
        0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 | 0x0a0d_0d0a
    ) || (compressed_too && (head.starts_with(&GZIP_MAGIC) || head.starts_with(&ZSTD_MAGIC)))
}

/// The message of a read failure of a decoding reader.
fn damage(compression: Compression, decoded: u64, e: &io::Error) -> StreamDamage {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        StreamDamage::EndedEarly {
            compression,
            decoded,
        }
    } else {
        StreamDamage::Damaged {
            compression,
            decoded,
            detail: e.to_string(),
        }
    }
}

/// Copies `reader` into a new temporary file, checking the magic of the first bytes before
/// anything is written and stopping at `to.limit` bytes. `compression` is the decoder the
/// reader is (None: standard input or a pipe, read as it is).
fn spool_reader(
    path: &Path,
    reader: &mut dyn Read,
    compression: Option<Compression>,
    to: &SpoolTo,
) -> Result<Spooled, CaptureError> {
    spool_into(path, reader, compression, to, &temp_dir(), |d| {
        tempfile::tempfile_in(d)
    })
}

/// [`spool_reader`] into the file `create` makes in `dir`.
fn spool_into<W: Write>(
    path: &Path,
    reader: &mut dyn Read,
    compression: Option<Compression>,
    to: &SpoolTo,
    dir: &Path,
    create: impl FnOnce(&Path) -> io::Result<W>,
) -> Result<Spooled<W>, CaptureError> {
    const CHUNK: usize = 1 << 16;
    let mut buf = vec![0u8; CHUNK];
    let mut damaged: Option<StreamDamage> = None;
    let mut window = None;
    // The head: enough bytes to tell the format.
    let mut head = 0;
    while head < 24 {
        match reader.read(&mut buf[head..]) {
            Ok(0) => break,
            Ok(n) => head += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                if let Some(w) = e.get_ref().and_then(|i| i.downcast_ref::<WindowTooLarge>()) {
                    window = Some(w.window);
                    break;
                }
                match compression {
                    Some(c) => {
                        damaged = Some(damage(c, head as u64, &e));
                        break;
                    }
                    None => return Err(CaptureError::io(path, e)),
                }
            }
        }
    }
    if let Some(window) = window {
        return Err(CaptureError::ZstdWindow {
            path: path.to_path_buf(),
            window,
            limit: ZSTD_WINDOW_LIMIT,
        });
    }
    if !known_magic(&buf[..head], compression.is_none()) {
        if let (Some(d), 0) = (&damaged, head) {
            return Err(CaptureError::BadHeader {
                path: path.to_path_buf(),
                detail: d.to_string(),
            });
        }
        return Err(super::unknown_format(path, &buf[..head], compression));
    }
    let dir = dir.to_path_buf();
    let mut file = create(&dir).map_err(|source| CaptureError::TempDir {
        path: path.to_path_buf(),
        dir: dir.clone(),
        source,
    })?;
    let write_err = |source: io::Error, written: u64| {
        if source.kind() == io::ErrorKind::StorageFull {
            CaptureError::NoSpace {
                path: path.to_path_buf(),
                dir: dir.clone(),
                written,
            }
        } else {
            CaptureError::TempDir {
                path: path.to_path_buf(),
                dir: dir.clone(),
                source,
            }
        }
    };
    let mut written = 0u64;
    let mut pending = head;
    loop {
        if pending > 0 {
            if written + pending as u64 > to.limit {
                return Err(CaptureError::SpoolLimit {
                    path: path.to_path_buf(),
                    limit: to.limit,
                    compression,
                });
            }
            file.write_all(&buf[..pending])
                .map_err(|e| write_err(e, written))?;
            written += pending as u64;
        }
        if damaged.is_some() {
            break;
        }
        pending = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => {
                if let Some(w) = e.get_ref().and_then(|i| i.downcast_ref::<WindowTooLarge>()) {
                    return Err(CaptureError::ZstdWindow {
                        path: path.to_path_buf(),
                        window: w.window,
                        limit: ZSTD_WINDOW_LIMIT,
                    });
                }
                match compression {
                    Some(c) => {
                        damaged = Some(damage(c, written, &e));
                        0
                    }
                    None => return Err(CaptureError::io(path, e)),
                }
            }
        };
    }
    file.flush().map_err(|e| write_err(e, written))?;
    Ok(Spooled {
        file,
        damage: damaged,
    })
}

/// Decompresses a gzip or zstd file held in `data` into a spool.
pub(super) fn spool_compressed(
    path: &Path,
    data: &[u8],
    compression: Compression,
    to: &SpoolTo,
) -> Result<Spooled, CaptureError> {
    let (spooled, tail) = match compression {
        Compression::Gzip => {
            let mut r = GzipMembers {
                rest: data,
                member: None,
                tail: Tail::default(),
            };
            let s = spool_reader(path, &mut r, Some(compression), to)?;
            (s, r.tail)
        }
        Compression::Zstd => {
            let mut r = ZstdFrames {
                rest: data,
                frame: None,
                tail: Tail::default(),
            };
            let s = spool_reader(path, &mut r, Some(compression), to)?;
            (s, r.tail)
        }
    };
    let damage =
        spooled.damage.or(tail
            .trailing
            .map(|(bytes, zeros)| StreamDamage::TrailingGarbage {
                compression,
                bytes,
                zeros,
            }));
    Ok(Spooled {
        file: spooled.file,
        damage,
    })
}

/// Copies a stream that is read as it is (standard input, a pipe, a FIFO) into a spool.
pub(super) fn spool_plain(
    path: &Path,
    reader: &mut dyn Read,
    to: &SpoolTo,
) -> Result<Spooled, CaptureError> {
    spool_reader(path, reader, None, to)
}

/// The compression a file's first bytes announce.
pub(super) fn compression_of(data: &[u8]) -> Option<Compression> {
    if data.starts_with(&GZIP_MAGIC) {
        Some(Compression::Gzip)
    } else if data.starts_with(&ZSTD_MAGIC) {
        Some(Compression::Zstd)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose device is full.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::StorageFull.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn window_descriptor_and_single_segment() {
        // Window_Descriptor 0x58: exponent 11, mantissa 0 → 2^21.
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]),
            Some(1 << 21)
        );
        // Exponent 31, mantissa 7: the largest.
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xff]),
            Some((1u64 << 41) + 7 * (1 << 38))
        );
        // Single segment, 8-byte content size.
        let mut f = vec![0x28, 0xb5, 0x2f, 0xfd, 0xe0];
        f.extend((1u64 << 40).to_le_bytes());
        assert_eq!(zstd_window(&f), Some(1 << 40));
        // Single segment, 2-byte content size (+256).
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x60, 0, 1]),
            Some(512)
        );
        assert_eq!(zstd_window(&[0x28, 0xb5, 0x2f, 0xfd]), None);
    }

    #[test]
    fn a_full_temp_dir_is_named() {
        let mut data = vec![0xd4, 0xc3, 0xb2, 0xa1];
        data.resize(100, 0);
        let err = spool_into(
            Path::new("-"),
            &mut &data[..],
            None,
            &SpoolTo { limit: 1 << 20 },
            Path::new("/spool"),
            |_| Ok(Full),
        )
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "-: no space left in the temporary directory /spool after 0 bytes; set TMPDIR to a directory with more room (or decompress the file yourself and give roamgap the result)"
        );
    }
}
