//! pcapng (draft-ietf-opsawg-pcapng): Section Header, Interface Description, Enhanced Packet,
//! Simple Packet and the obsolete Packet block; every other block is stepped over.
//!
//! Written here rather than taken from `pcap-file` 2.x, whose Enhanced Packet Block timestamps
//! ignore the interface's `if_tsresol` (the raw count is taken as nanoseconds) and whose option
//! parsing allocates per packet.

use crate::dot11::bytes;

use super::{InterfaceResolution, LinkType, ReadNotes, Record, RecordError, ResolutionFlaw};

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const PB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
/// Block types a resynchronization may land on: SHB, IDB, PB, SPB, NRB, ISB, EPB, DSB.
const KNOWN_BLOCKS: [u32; 8] = [SHB, IDB, PB, SPB, 4, 5, EPB, 0x0a];

/// Timestamp resolution of an interface (`if_tsresol`, option 9): units of 10^-n or 2^-n s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    Decimal(u8),
    Binary(u8),
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    linktype: LinkType,
    snaplen: u32,
    resolution: Resolution,
    /// `if_tsoffset` (option 14): seconds added to every timestamp.
    offset_s: i64,
}

pub struct PcapNgRecords<'a> {
    data: &'a [u8],
    offset: usize,
    number: u64,
    big_endian: bool,
    interfaces: Vec<Interface>,
    last_ts_ns: i64,
    done: bool,
    notes: ReadNotes,
}

impl Resolution {
    /// "10^-6 s", "2^-20 s".
    fn unit(self) -> String {
        match self {
            Resolution::Decimal(r) => format!("10^-{r} s"),
            Resolution::Binary(r) => format!("2^-{r} s"),
        }
    }

    /// How this resolution spoils times, if it does: coarser than 1 ms, or so fine that 2^64
    /// units span less than a day (10^-15, 2^-48 and finer).
    fn flaw(self) -> Option<ResolutionFlaw> {
        match self {
            Resolution::Decimal(r) if r < 3 => Some(ResolutionFlaw::Coarse),
            Resolution::Binary(r) if r < 10 => Some(ResolutionFlaw::Coarse),
            Resolution::Decimal(r) if r >= 15 => Some(ResolutionFlaw::Collapsed),
            Resolution::Binary(r) if r >= 48 => Some(ResolutionFlaw::Collapsed),
            _ => None,
        }
    }
}

impl<'a> PcapNgRecords<'a> {
    pub fn new(data: &'a [u8]) -> Result<Self, String> {
        if data.len() < 28 {
            return Err(format!(
                "the pcapng section header block is cut short ({} bytes in the file)",
                data.len()
            ));
        }
        let big_endian = match bytes::le32(data, 8..12) {
            BYTE_ORDER_MAGIC => false,
            0x4d3c_2b1a => true,
            other => {
                return Err(format!(
                    "bad byte-order magic {other:#010x} in the section header block"
                ))
            }
        };
        Ok(PcapNgRecords {
            data,
            offset: 0,
            number: 0,
            big_endian,
            interfaces: Vec::new(),
            last_ts_ns: 0,
            done: false,
            notes: ReadNotes::default(),
        })
    }

    /// What the walk stepped over or read doubtfully so far.
    pub fn notes(&self) -> &ReadNotes {
        &self.notes
    }

    /// Whether a well-formed block of a known type starts at `at`: its length a multiple of 4
    /// of at least 12, within the file, repeated at its end. Returns where it ends.
    fn block_at(&self, at: usize) -> Option<usize> {
        let rest = self.data.get(at..)?;
        let kind = self.u32_at(rest, 0)?;
        let total = self.u32_at(rest, 4)? as usize;
        let ok = KNOWN_BLOCKS.contains(&kind)
            && total >= 12
            && total % 4 == 0
            && total <= rest.len()
            && self.u32_at(rest, total - 4)? as usize == total;
        ok.then_some(at + total)
    }

    /// The first offset after `from`, 4-aligned with it, where two well-formed blocks follow
    /// each other (or one ends the file).
    fn resync(&self, from: usize) -> Option<usize> {
        (from + 4..self.data.len().saturating_sub(11))
            .step_by(4)
            .find(|&c| match self.block_at(c) {
                Some(next) => next == self.data.len() || self.block_at(next).is_some(),
                None => false,
            })
    }

    /// Steps over the damaged block at the current offset: up to the next well-formed blocks,
    /// or to the end of the file (None).
    fn skip_to(&mut self, next: Option<usize>, reason: impl FnOnce() -> String) {
        let at = self.offset;
        let to = next.unwrap_or(self.data.len());
        self.notes.skip(at, to - at, self.number, reason);
        self.offset = to;
        if next.is_none() {
            self.done = true;
        }
    }
    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn linktypes(&self) -> Vec<LinkType> {
        let mut v: Vec<LinkType> = self.interfaces.iter().map(|i| i.linktype).collect();
        v.dedup();
        v
    }

    fn u16_at(&self, b: &[u8], at: usize) -> Option<u16> {
        bytes::u16_at(b, at, self.big_endian)
    }

    fn u32_at(&self, b: &[u8], at: usize) -> Option<u32> {
        bytes::u32_at(b, at, self.big_endian)
    }

    fn corrupt(&mut self, detail: impl Into<String>) -> Option<Result<Record<'a>, RecordError>> {
        self.done = true;
        Some(Err(RecordError::Corrupt {
            frame: self.number + 1,
            offset: self.offset,
            detail: detail.into(),
        }))
    }

    fn truncated(&mut self, needed: u64) -> Option<Result<Record<'a>, RecordError>> {
        self.done = true;
        let available = self.data.len() - self.offset;
        Some(Err(RecordError::Truncated {
            frame: self.number + 1,
            offset: self.offset,
            needed,
            available,
        }))
    }

    fn read_idb(&mut self, body: &[u8]) -> Result<(), String> {
        let linktype = self
            .u16_at(body, 0)
            .ok_or("interface description block shorter than 8 bytes")?;
        let snaplen = self
            .u32_at(body, 4)
            .ok_or("interface description block shorter than 8 bytes")?;
        let mut iface = Interface {
            linktype: LinkType(u32::from(linktype)),
            snaplen,
            resolution: Resolution::Decimal(6),
            offset_s: 0,
        };
        let mut at = 8;
        while let (Some(code), Some(len)) = (self.u16_at(body, at), self.u16_at(body, at + 2)) {
            let value = body
                .get(at + 4..at + 4 + len as usize)
                .ok_or("interface option runs past its block")?;
            match (code, len) {
                (0, _) => break,
                (9, 1) => {
                    let v = value[0];
                    iface.resolution = if v & 0x80 == 0 {
                        Resolution::Decimal(v)
                    } else {
                        Resolution::Binary(v & 0x7f)
                    };
                }
                (14, 8) => {
                    // The option's length is 8: the read cannot fail.
                    let v = bytes::u64_at(value, 0, self.big_endian).unwrap_or(0);
                    iface.offset_s = v as i64;
                }
                _ => {}
            }
            at += 4 + (len as usize).div_ceil(4) * 4;
        }
        if let Some(flaw) = iface.resolution.flaw() {
            let collapsed_but_offset = flaw == ResolutionFlaw::Collapsed && iface.offset_s != 0;
            if !collapsed_but_offset && self.notes.resolutions.len() < ReadNotes::KEPT {
                self.notes.resolutions.push(InterfaceResolution {
                    interface: self.interfaces.len() as u32,
                    unit: iface.resolution.unit(),
                    flaw,
                });
            }
        }
        self.interfaces.push(iface);
        Ok(())
    }

    /// Nanoseconds since the epoch of a timestamp of `units`, and whether it had to be
    /// clamped to ±[`super::TIME_LIMIT_NS`] (computed exactly in i128: at most
    /// 2^64 * 10^9 + 2^63 * 10^9 < 2^127).
    fn timestamp(iface: &Interface, units: u64) -> (i64, bool) {
        let units = u128::from(units);
        let ns: u128 = match iface.resolution {
            Resolution::Decimal(r) if r <= 9 => units * 10u128.pow(u32::from(9 - r)),
            Resolution::Decimal(r) => 10u128
                .checked_pow(u32::from(r - 9))
                .map_or(0, |d| units / d),
            Resolution::Binary(r) => (units * 1_000_000_000) >> r,
        };
        let ns =
            i128::try_from(ns).unwrap_or(i128::MAX) + i128::from(iface.offset_s) * 1_000_000_000;
        let limit = i128::from(super::TIME_LIMIT_NS);
        let clamped = ns.clamp(-limit, limit);
        // In range by the clamp.
        (clamped as i64, clamped != ns)
    }

    /// Builds the record of an EPB/PB/SPB body.
    fn packet(&mut self, kind: u32, body: &'a [u8]) -> Result<Record<'a>, String> {
        let short = || {
            format!(
                "packet block body of {} bytes is too short for its header",
                body.len()
            )
        };
        let (iface_id, ts_units, data, orig_len) = match kind {
            EPB | PB => {
                let iface_id = if kind == EPB {
                    self.u32_at(body, 0).ok_or_else(short)?
                } else {
                    u32::from(self.u16_at(body, 0).ok_or_else(short)?)
                };
                let hi = self.u32_at(body, 4).ok_or_else(short)?;
                let lo = self.u32_at(body, 8).ok_or_else(short)?;
                let caplen = self.u32_at(body, 12).ok_or_else(short)?;
                let orig_len = self.u32_at(body, 16).ok_or_else(short)?;
                let data = body.get(20..20 + caplen as usize).ok_or_else(|| {
                    format!(
                        "captured length {caplen} runs past its block ({} bytes of data)",
                        body.len() - 20
                    )
                })?;
                (
                    iface_id,
                    Some((u64::from(hi) << 32) | u64::from(lo)),
                    data,
                    orig_len,
                )
            }
            _ => {
                let orig_len = self.u32_at(body, 0).ok_or_else(short)?;
                let snap = self.interfaces.first().map_or(0, |i| i.snaplen);
                let mut caplen = (orig_len as usize).min(body.len() - 4);
                if snap != 0 {
                    caplen = caplen.min(snap as usize);
                }
                (0, None, &body[4..4 + caplen], orig_len)
            }
        };
        let iface = *self.interfaces.get(iface_id as usize).ok_or_else(|| {
            format!(
                "packet names interface {iface_id}, but only {} are described",
                self.interfaces.len()
            )
        })?;
        let frame = self.number + 1;
        let ts_ns = match ts_units {
            Some(units) => {
                let (ns, clamped) = Self::timestamp(&iface, units);
                if clamped {
                    self.notes.saturated.add(frame, Some(iface_id));
                }
                ns
            }
            // A Simple Packet Block has no timestamp: it inherits the previous record's.
            None => {
                self.notes.untimed.add(frame, None);
                self.last_ts_ns
            }
        };
        self.last_ts_ns = ts_ns;
        self.number = frame;
        Ok(Record {
            number: self.number,
            ts_ns,
            linktype: iface.linktype,
            fcs_len: 0,
            data,
            orig_len,
        })
    }
}

impl<'a> Iterator for PcapNgRecords<'a> {
    type Item = Result<Record<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && self.offset < self.data.len() {
            let rest = &self.data[self.offset..];
            if rest.len() < 12 {
                return self.truncated(12);
            }
            let kind = self.u32_at(rest, 0)?;
            if kind == SHB {
                match bytes::le32(rest, 8..12) {
                    BYTE_ORDER_MAGIC => self.big_endian = false,
                    0x4d3c_2b1a => self.big_endian = true,
                    other => {
                        return self.corrupt(format!(
                            "bad byte-order magic {other:#010x} in a section header"
                        ))
                    }
                }
                self.interfaces.clear();
            }
            let total = self.u32_at(rest, 4)? as usize;
            if total < 12 || total % 4 != 0 {
                let next = self.resync(self.offset);
                if next.is_none() {
                    return self.corrupt(format!(
                        "block length {total} is not a multiple of 4 of at least 12"
                    ));
                }
                self.skip_to(next, || {
                    format!("block length {total} is not a multiple of 4 of at least 12")
                });
                continue;
            }
            if total > rest.len() {
                match self.resync(self.offset) {
                    None => return self.truncated(total as u64),
                    next => {
                        self.skip_to(next, || {
                            format!("block length {total} runs past the end of the file")
                        });
                        continue;
                    }
                }
            }
            if self.u32_at(rest, total - 4)? as usize != total {
                let next = self.resync(self.offset);
                if next.is_none() {
                    return self.corrupt("block's trailing length differs from its leading length");
                }
                self.skip_to(next, || {
                    "block's trailing length differs from its leading length".into()
                });
                continue;
            }
            let body = &rest[8..total - 4];
            let start = self.offset;
            self.offset += total;
            match kind {
                IDB => {
                    if let Err(detail) = self.read_idb(body) {
                        self.offset = start;
                        return self.corrupt(detail);
                    }
                }
                EPB | PB | SPB => match self.packet(kind, body) {
                    Ok(record) => return Some(Ok(record)),
                    // The block's framing is sound: step over it alone.
                    Err(detail) => {
                        self.offset = start;
                        self.skip_to(Some(start + total), || format!("packet block: {detail}"));
                    }
                },
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct W {
        v: Vec<u8>,
        big: bool,
    }

    impl W {
        fn u16(&mut self, x: u16) {
            self.v.extend(if self.big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            });
        }
        fn u32(&mut self, x: u32) {
            self.v.extend(if self.big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            });
        }
        fn block(&mut self, kind: u32, body: &[u8]) {
            let total = 12 + body.len().div_ceil(4) * 4;
            self.u32(kind);
            self.u32(total as u32);
            self.v.extend_from_slice(body);
            self.v.resize(self.v.len() + (total - 12 - body.len()), 0);
            self.u32(total as u32);
        }
        fn body(&self, f: impl FnOnce(&mut W)) -> Vec<u8> {
            let mut w = W {
                v: Vec::new(),
                big: self.big,
            };
            f(&mut w);
            w.v
        }
    }

    fn capture(big: bool, tsresol: Option<u8>) -> Vec<u8> {
        let mut w = W { v: Vec::new(), big };
        let shb = w.body(|b| {
            b.u32(BYTE_ORDER_MAGIC);
            b.u16(1);
            b.u16(0);
            b.u32(u32::MAX);
            b.u32(u32::MAX);
        });
        w.block(SHB, &shb);
        let idb = w.body(|b| {
            b.u16(127);
            b.u16(0);
            b.u32(0);
            if let Some(r) = tsresol {
                b.u16(9);
                b.u16(1);
                b.v.extend([r, 0, 0, 0]);
            }
            b.u16(0);
            b.u16(0);
        });
        w.block(IDB, &idb);
        let idb2 = w.body(|b| {
            b.u16(105);
            b.u16(0);
            b.u32(0);
        });
        w.block(IDB, &idb2);
        let epb = w.body(|b| {
            b.u32(0);
            b.u32(0);
            b.u32(1_500_000);
            b.u32(3);
            b.u32(3);
            b.v.extend(b"xyz\0");
        });
        w.block(EPB, &epb);
        w.block(5, &[0u8; 8]); // interface statistics: stepped over
        let spb = w.body(|b| {
            b.u32(2);
            b.v.extend(b"ab\0\0");
        });
        w.block(SPB, &spb);
        let epb2 = w.body(|b| {
            b.u32(1);
            b.u32(0);
            b.u32(2_000_000);
            b.u32(1);
            b.u32(100);
            b.v.extend(b"q\0\0\0");
        });
        w.block(EPB, &epb2);
        w.v
    }

    #[test]
    fn blocks_interfaces_and_resolutions() {
        for big in [false, true] {
            for (resol, want) in [
                (None, 1_500_000_000i64),
                (Some(9), 1_500_000),
                (Some(0x80 | 20), 1_430_511_474),
            ] {
                let data = capture(big, resol);
                let recs: Vec<_> = PcapNgRecords::new(&data)
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                assert_eq!(recs.len(), 3);
                assert_eq!(
                    (recs[0].number, recs[0].ts_ns, recs[0].data),
                    (1, want, &b"xyz"[..])
                );
                assert_eq!(recs[0].linktype, LinkType::RADIOTAP);
                assert_eq!(
                    (recs[1].number, recs[1].ts_ns, recs[1].data),
                    (2, want, &b"ab"[..])
                );
                assert_eq!(
                    (recs[2].linktype, recs[2].orig_len, recs[2].data),
                    (LinkType::IEEE802_11, 100, &b"q"[..])
                );
            }
        }
    }

    #[test]
    fn truncation_and_corruption_name_the_frame() {
        let data = capture(false, None);
        let cut = &data[..data.len() - 6];
        let out: Vec<_> = PcapNgRecords::new(cut).unwrap().collect();
        assert_eq!(out.len(), 3);
        assert!(
            matches!(out[2], Err(RecordError::Truncated { frame: 3, .. })),
            "{:?}",
            out[2]
        );

        let mut bad = data.clone();
        let n = bad.len();
        bad[n - 4] ^= 1; // trailing length of the last block
        let out: Vec<_> = PcapNgRecords::new(&bad).unwrap().collect();
        assert!(
            matches!(out[2], Err(RecordError::Corrupt { frame: 3, .. })),
            "{:?}",
            out[2]
        );
    }

    #[test]
    fn unknown_interface_is_stepped_over() {
        let mut w = W {
            v: capture(false, None),
            big: false,
        };
        let epb = w.body(|b| {
            for x in [7u32, 0, 0, 0, 0] {
                b.u32(x);
            }
        });
        w.block(EPB, &epb);
        let ok = w.body(|b| {
            for x in [1u32, 0, 5, 1, 1] {
                b.u32(x);
            }
            b.v.extend(b"k\0\0\0");
        });
        w.block(EPB, &ok);
        let mut r = PcapNgRecords::new(&w.v).unwrap();
        let out: Vec<_> = r.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(out.len(), 4);
        assert_eq!((out[3].number, out[3].data), (4, &b"k"[..]));
        let n = r.notes();
        assert_eq!((n.skipped, n.skipped_bytes), (1, 32));
        assert_eq!(n.skips[0].after, 3);
        assert_eq!(
            n.skips[0].reason,
            "packet block: packet names interface 7, but only 2 are described"
        );
    }
}
