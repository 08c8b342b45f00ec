//! Classic pcap (tcpdump.org "pcap savefile"). The file header is parsed by the `pcap-file`
//! crate; the 16-byte record headers are read here, straight from the map: `pcap-file`'s
//! per-record parser costs about a fifth of a whole analysis (22 ns a record, measured), and
//! its validating form refuses records whose original length exceeds the snapshot length,
//! which is exactly what a snaplen-limited sniffer writes.

use pcap_file::pcap::PcapParser;
use pcap_file::{Endianness, PcapError, TsResolution};

use super::{LinkType, Record, RecordError};

const FILE_HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;

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
        let field = u32::from_le_bytes([data[20], data[21], data[22], data[23]]);
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
        let snaplen = u32::from_le_bytes([data[16], data[17], data[18], data[19]]);
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
        })
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
        PcapRecords {
            offset: start,
            end: end.min(self.data.len()),
            number: 0,
            done: false,
            ..self.clone()
        }
    }

    /// Whether a plausible record header starts at `at`: lengths within the snapshot length
    /// and the file, a sub-second fraction below one second, and a time within 30 days of
    /// `near` (the first record's). The time matters: a true header read 4 bytes late
    /// (fraction, lengths, then the frame's first word) has plausible lengths whenever the
    /// captured and original lengths are equal, and chains on from record to record.
    fn plausible(&self, at: usize, near: u32) -> Option<usize> {
        if at + RECORD_HEADER_LEN > self.data.len() {
            return None;
        }
        let [sec, frac, incl, orig] = self.header_at(at);
        let next = at + RECORD_HEADER_LEN + incl as usize;
        let ok = incl <= self.max_caplen
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
        let last = from.saturating_add(window).min(self.data.len());
        (from.max(FILE_HEADER_LEN)..last).find(|&c| {
            let mut at = c;
            for _ in 0..9 {
                if at == self.data.len() {
                    return true;
                }
                match self.plausible(at, t0) {
                    Some(next) => at = next,
                    None => return false,
                }
            }
            true
        })
    }

    /// The four 32-bit fields of the record header at `at`: seconds, fraction (µs or ns),
    /// captured length, original length. The caller has checked that 16 bytes are there.
    fn header_at(&self, at: usize) -> [u32; 4] {
        let h = &self.data[at..at + RECORD_HEADER_LEN];
        let word = |i: usize| {
            let b = [h[i], h[i + 1], h[i + 2], h[i + 3]];
            if self.big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        [word(0), word(4), word(8), word(12)]
    }
}

impl<'a> Iterator for PcapRecords<'a> {
    type Item = Result<Record<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
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
        let Some(bytes) = usize::try_from(incl_len)
            .ok()
            .and_then(|n| self.data.get(start..start.checked_add(n)?))
        else {
            self.done = true;
            return Some(Err(truncated(
                RECORD_HEADER_LEN as u64 + u64::from(incl_len),
            )));
        };
        self.offset = start + bytes.len();
        self.number = frame;
        let ts_ns = i64::from(sec) * 1_000_000_000 + i64::from(frac) * self.ns_per_frac;
        Some(Ok(Record {
            number: frame,
            ts_ns,
            linktype: self.linktype,
            data: bytes,
            orig_len,
            fcs_len: self.fcs_len,
        }))
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
    fn hostile_length_is_truncation_not_allocation() {
        let mut v = header(0xa1b2c3d4, false, 105);
        for x in [1u32, 0, u32::MAX, u32::MAX] {
            v.extend(x.to_le_bytes());
        }
        let mut r = PcapRecords::new(&v).unwrap();
        assert!(matches!(
            r.next(),
            Some(Err(RecordError::Truncated { frame: 1, .. }))
        ));
    }

    #[test]
    fn short_header_is_an_error() {
        let err = PcapRecords::new(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0])
            .err()
            .unwrap();
        assert!(err.contains("cut short"), "{err}");
    }
}
