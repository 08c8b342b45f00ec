//! Classic pcap (tcpdump.org "pcap savefile"). The file header is parsed by the `pcap-file`
//! crate; the 16-byte record headers are read here, straight from the map: `pcap-file`'s
//! per-record parser costs about a fifth of a whole analysis (22 ns a record, measured), and
//! its validating form refuses records whose original length exceeds the snapshot length,
//! which is exactly what a snaplen-limited sniffer writes.

use pcap_file::pcap::PcapParser;
use pcap_file::{Endianness, PcapError, TsResolution};

use super::{LinkType, ReadNotes, Record, RecordError};
use crate::dot11::bytes;

const FILE_HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;
/// Two consecutive records further apart in time than this are suspect: a header read at the
/// wrong place takes a sub-second fraction or a length for its seconds.
const MAX_STEP_S: u32 = 30 * 86_400;
/// A jump in time is taken for the sniffer's clock being set only to a time after this
/// (2001-09-09): a header read 4, 8 or 12 bytes late takes a sub-second fraction (below 10^9)
/// or a length for its seconds, and such misread headers chain on.
const CLOCK_SET_S: u32 = 1_000_000_000;
/// Record headers that must follow each other, plausible, for a place to count as a record
/// boundary (or the file must end after fewer).
const CHAIN: usize = 9;

#[derive(Clone)]
pub struct PcapRecords<'a> {
    data: &'a [u8],
    offset: usize,
    /// Records starting at or after this offset belong to the next segment.
    end: usize,
    /// Largest captured length a record can have (the snapshot length, at least 64 KiB).
    max_caplen: u32,
    number: u64,
    linktype: LinkType,
    fcs_len: u8,
    ns_per_frac: i64,
    big_endian: bool,
    done: bool,
    /// Seconds of the last record read: the next must be near it.
    near: Option<u32>,
    /// A boundary already found past a damaged header at the first offset: (damaged, next).
    found: Option<(usize, Option<usize>)>,
    notes: ReadNotes,
}

impl<'a> PcapRecords<'a> {
    pub fn new(data: &'a [u8]) -> Result<Self, String> {
        let (_, parser) = PcapParser::new(data).map_err(|e| match e {
            PcapError::IncompleteBuffer => {
                format!(
                    "the 24-byte pcap file header is cut short ({} bytes in the file)",
                    data.len()
                )
            }
            other => other.to_string(),
        })?;
        let header = parser.header();
        let ns_per_frac = match header.ts_resolution {
            TsResolution::MicroSecond => 1_000,
            TsResolution::NanoSecond => 1,
        };
        let big_endian = header.endianness == Endianness::Big;
        // The header's link-type field (draft-ietf-opsawg-pcap, 4): link type in the low 16
        // bits; with the F bit (0x04000000) set, the top 4 bits give the FCS length in 16-bit
        // words. Other upper bits are reserved and ignored, as libpcap does.
        let field = bytes::le32(data, 20..24);
        let field = if big_endian {
            field.swap_bytes()
        } else {
            field
        };
        let linktype = LinkType(field & 0xffff);
        let fcs_len = if field & 0x0400_0000 != 0 {
            ((field >> 28) * 2) as u8
        } else {
            0
        };
        let snaplen = bytes::le32(data, 16..20);
        let snaplen = if big_endian {
            snaplen.swap_bytes()
        } else {
            snaplen
        };
        Ok(PcapRecords {
            data,
            offset: FILE_HEADER_LEN,
            end: data.len(),
            max_caplen: snaplen.clamp(65_535, 1 << 24),
            number: 0,
            linktype,
            fcs_len,
            ns_per_frac,
            big_endian,
            done: false,
            near: None,
            found: None,
            notes: ReadNotes::default(),
        })
    }

    /// What the walk stepped over or read doubtfully so far.
    pub fn notes(&self) -> &ReadNotes {
        &self.notes
    }

    pub fn linktype(&self) -> LinkType {
        self.linktype
    }

    /// Where the next record starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The records starting in `start..end`, numbered from 1. `start` must be a record
    /// boundary (the file header's end, or one found by [`PcapRecords::resync`]).
    pub fn segment(&self, start: usize, end: usize) -> PcapRecords<'a> {
        // The time anchor is the segment's first record, itself a chain's first (a sequential
        // walk reaching it from the record before accepts it as well).
        let near = (start + RECORD_HEADER_LEN <= self.data.len()).then(|| self.header_at(start)[0]);
        PcapRecords {
            offset: start,
            end: end.min(self.data.len()),
            number: 0,
            done: false,
            near,
            found: None,
            notes: ReadNotes::default(),
            ..self.clone()
        }
    }

    /// Whether a plausible record header starts at `at`: lengths within the snapshot length
    /// and the file (not empty), a sub-second fraction below one second, and a time within 30 days of
    /// `near` (the first record's). The time matters: a true header read 4 bytes late
    /// (fraction, lengths, then the frame's first word) has plausible lengths whenever the
    /// captured and original lengths are equal, and chains on from record to record.
    fn plausible(&self, at: usize, near: u32) -> Option<usize> {
        if at + RECORD_HEADER_LEN > self.data.len() {
            return None;
        }
        let [sec, frac, incl, orig] = self.header_at(at);
        let next = at + RECORD_HEADER_LEN + incl as usize;
        // An empty record is legal but never a run of them: zero-filled bytes would chain.
        let ok = incl <= self.max_caplen
            && incl > 0
            && orig >= incl
            && orig <= 1 << 24
            && i64::from(frac) * self.ns_per_frac < 1_000_000_000
            && next <= self.data.len()
            && sec.abs_diff(near) <= 30 * 86_400;
        ok.then_some(next)
    }

    /// The first offset at or after `from` (and before `from + window`) where a chain of
    /// plausible record headers starts that runs 8 records or to the end of the file: a record
    /// boundary, found without walking the records before it. None if there is none.
    pub fn resync(&self, from: usize, window: usize) -> Option<usize> {
        // The first record's time anchors every candidate's.
        if self.data.len() < FILE_HEADER_LEN + RECORD_HEADER_LEN {
            return None;
        }
        let t0 = self.header_at(FILE_HEADER_LEN)[0];
        self.resync_near(from, window, t0)
    }

    /// [`PcapRecords::resync`] with times anchored at `near` seconds.
    fn resync_near(&self, from: usize, window: usize, near: u32) -> Option<usize> {
        let last = from.saturating_add(window).min(self.data.len());
        (from.max(FILE_HEADER_LEN)..last).find(|&c| self.chain(c, near))
    }

    /// Whether [`CHAIN`] plausible record headers follow each other from `at` (or fewer up to
    /// the end of the file).
    fn chain(&self, at: usize, near: u32) -> bool {
        let mut at = at;
        for _ in 0..CHAIN {
            if at == self.data.len() {
                return true;
            }
            match self.plausible(at, near) {
                Some(next) => at = next,
                None => return false,
            }
        }
        true
    }

    /// Whether the record header at `at` can follow the records read so far: its captured
    /// length within the snapshot length, its time within [`MAX_STEP_S`] of the last record's,
    /// or else a chain of records agreeing with its own time, after [`CLOCK_SET_S`], starts
    /// there (the sniffer's clock was set: 1970 to today is common on devices without a
    /// battery-backed clock).
    fn sound(&self, at: usize) -> bool {
        let [sec, _, incl, _] = self.header_at(at);
        incl <= self.max_caplen
            && self.near.is_none_or(|near| {
                sec.abs_diff(near) <= MAX_STEP_S || (sec >= CLOCK_SET_S && self.chain(at, sec))
            })
    }

    /// Steps over `offset..next` (to the end of the file when None), noting it.
    fn skip(&mut self, offset: usize, next: Option<usize>, reason: impl FnOnce() -> String) {
        let to = next.unwrap_or(self.data.len());
        self.notes.skip(offset, to - offset, self.number, reason);
        self.offset = to;
        if next.is_none() {
            self.done = true;
        }
    }

    /// The four 32-bit fields of the record header at `at`: seconds, fraction (µs or ns),
    /// captured length, original length. The caller has checked that 16 bytes are there.
    fn header_at(&self, at: usize) -> [u32; 4] {
        let h = &self.data[at..at + RECORD_HEADER_LEN];
        let word = |i: usize| bytes::u32_at(h, i, self.big_endian).unwrap_or(0);
        [word(0), word(4), word(8), word(12)]
    }
}

impl<'a> Iterator for PcapRecords<'a> {
    type Item = Result<Record<'a>, RecordError>;

    /// Damage is stepped over: a record header that is not [`PcapRecords::sound`] (or a record
    /// whose end is not followed by one, while a record boundary lies inside it) starts a
    /// region skipped up to the next chain of plausible records. Only a last record cut by the
    /// end of the file ends the walk with an error.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done || self.offset >= self.end {
                return None;
            }
            let frame = self.number + 1;
            let at = self.offset;
            let available = self.data.len() - at;
            let truncated = |needed: u64| RecordError::Truncated {
                frame,
                offset: at,
                needed,
                available,
            };
            if available < RECORD_HEADER_LEN {
                self.done = true;
                return Some(Err(truncated(RECORD_HEADER_LEN as u64)));
            }
            // Record header: seconds, fraction (µs or ns), captured length, original length.
            let [sec, frac, incl_len, orig_len] = self.header_at(at);
            let start = at + RECORD_HEADER_LEN;
            let end = start as u64 + u64::from(incl_len);
            let fits = end <= self.data.len() as u64;
            if !fits || !self.sound(at) {
                let near = self.near.unwrap_or(sec);
                let next = match self.found.take() {
                    Some((damaged, next)) if damaged == at => next,
                    _ => self.resync_near(at + 1, usize::MAX, near),
                };
                if next.is_none() && !fits && self.sound(at) {
                    // A sound header whose record runs past the end: the file was cut.
                    self.done = true;
                    return Some(Err(truncated(
                        RECORD_HEADER_LEN as u64 + u64::from(incl_len),
                    )));
                }
                let max_caplen = self.max_caplen;
                self.skip(at, next, || {
                    if incl_len > max_caplen {
                        format!("captured length {incl_len} exceeds the snapshot length {max_caplen}")
                    } else if !fits {
                        format!("captured length {incl_len} runs past the end of the file")
                    } else {
                        format!("record header out of place (time {sec} s, a jump from the frame before)")
                    }
                });
                continue;
            }
            let end = end as usize;
            // The record must be followed by a sound header (or the end): otherwise either
            // its captured length is wrong (a boundary lies inside it) or the next is damaged.
            if end + RECORD_HEADER_LEN <= self.data.len() && {
                let before = self.near.replace(sec);
                let ok = self.sound(end);
                self.near = before;
                !ok
            } {
                let next = self.resync_near(start, usize::MAX, sec);
                match next {
                    Some(b) if b < end => {
                        self.skip(at, Some(b), || {
                            format!(
                                "captured length {incl_len} runs past the next record header, at offset {b}"
                            )
                        });
                        continue;
                    }
                    _ => self.found = Some((end, next)),
                }
            }
            let bytes = &self.data[start..end];
            self.offset = end;
            self.number = frame;
            self.near = Some(sec);
            if i64::from(frac) * self.ns_per_frac >= 1_000_000_000 {
                self.notes.fraction_overflow.add(frame, None);
            }
            // Cannot overflow: at most (2^32 - 1) * 10^9 + (2^32 - 1) * 10^3 < 2^63.
            let ts_ns = i64::from(sec) * 1_000_000_000 + i64::from(frac) * self.ns_per_frac;
            return Some(Ok(Record {
                number: frame,
                ts_ns,
                linktype: self.linktype,
                data: bytes,
                orig_len,
                fcs_len: self.fcs_len,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, big: bool, linktype: u32) -> Vec<u8> {
        let mut v = Vec::new();
        let w32 = |v: &mut Vec<u8>, x: u32| {
            v.extend(if big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            })
        };
        w32(&mut v, magic);
        v.extend(if big { [0u8, 2, 0, 4] } else { [2u8, 0, 4, 0] });
        w32(&mut v, 0);
        w32(&mut v, 0);
        w32(&mut v, 65535);
        w32(&mut v, linktype);
        v
    }

    fn record(v: &mut Vec<u8>, big: bool, sec: u32, frac: u32, data: &[u8]) {
        for x in [sec, frac, data.len() as u32, data.len() as u32] {
            v.extend(if big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            });
        }
        v.extend_from_slice(data);
    }

    #[test]
    fn both_byte_orders_and_resolutions() {
        for (magic, big, frac, want_ns) in [
            (0xa1b2c3d4u32, false, 250_000u32, 250_000_000i64),
            (0xa1b2c3d4, true, 250_000, 250_000_000),
            (0xa1b23c4d, false, 250_000, 250_000),
            (0xa1b23c4d, true, 7, 7),
        ] {
            let mut v = header(magic, big, 127);
            record(&mut v, big, 10, frac, b"abc");
            record(&mut v, big, 11, 0, b"de");
            let mut r = PcapRecords::new(&v).unwrap();
            assert_eq!(r.linktype(), LinkType::RADIOTAP);
            let a = r.next().unwrap().unwrap();
            assert_eq!(
                (a.number, a.ts_ns, a.data),
                (1, 10_000_000_000 + want_ns, &b"abc"[..])
            );
            let b = r.next().unwrap().unwrap();
            assert_eq!((b.number, b.ts_ns, b.data), (2, 11_000_000_000, &b"de"[..]));
            assert!(r.next().is_none());
        }
    }

    #[test]
    fn truncated_record_names_the_frame() {
        let mut v = header(0xa1b2c3d4, false, 105);
        record(&mut v, false, 1, 0, &[0u8; 40]);
        record(&mut v, false, 2, 0, &[0u8; 40]);
        v.truncate(v.len() - 10);
        let mut r = PcapRecords::new(&v).unwrap();
        assert!(r.next().unwrap().is_ok());
        let err = r.next().unwrap().unwrap_err();
        assert_eq!(
            err,
            RecordError::Truncated {
                frame: 2,
                offset: 80,
                needed: 56,
                available: 46
            }
        );
        assert!(r.next().is_none());
    }

    #[test]
    fn hostile_length_is_skipped_not_allocated() {
        let mut v = header(0xa1b2c3d4, false, 105);
        for x in [1u32, 0, u32::MAX, u32::MAX] {
            v.extend(x.to_le_bytes());
        }
        let mut r = PcapRecords::new(&v).unwrap();
        assert!(r.next().is_none());
        let n = r.notes();
        assert_eq!((n.skipped, n.skipped_bytes), (1, 16));
        assert_eq!(
            n.skips[0].reason,
            "captured length 4294967295 exceeds the snapshot length 65535"
        );
    }

    #[test]
    fn short_header_is_an_error() {
        let err = PcapRecords::new(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0])
            .err()
            .unwrap();
        assert!(err.contains("cut short"), "{err}");
    }
}
