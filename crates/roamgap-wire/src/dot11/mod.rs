//! IEEE 802.11 frames as typed, zero-copy views over the captured bytes
//! (IEEE Std 802.11-2020 clause 9: MAC frame formats).
//!
//! Each view has a checked constructor that verifies every fixed field it reads is present,
//! so accessors never index out of bounds; variable parts (elements, payloads) are walked
//! by iterators that stop with an error at the first overrun.

pub mod action;
pub(crate) mod bytes;
pub mod data;
pub mod fcs;
pub mod ie;
pub mod mgmt;

use std::fmt;

use thiserror::Error;

/// Why a frame or one of its parts could not be decoded.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum Dot11Error {
    #[error("{what} needs {need} bytes, the frame has {have}")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("element {id} of length {len} at offset {at} runs past the end of the frame")]
    ElementOverrun { id: u8, len: usize, at: usize },
    #[error("protocol version {0} is not 0")]
    Version(u8),
    /// A field holds a value its header cannot have (a length below the header's own, a
    /// wrong version or magic number).
    #[error("{0}")]
    Malformed(&'static str),
}

pub(crate) type Result<T> = core::result::Result<T, Dot11Error>;

/// `Err(Truncated)` unless `have` bytes hold the `need` that `what` takes.
pub fn need(what: &'static str, need: usize, have: usize) -> Result<()> {
    if have < need {
        Err(Dot11Error::Truncated { what, need, have })
    } else {
        Ok(())
    }
}

/// The fields of the MAC header (9.2.3, Figure 9-1): which of them a frame has depends on
/// its type, subtype and To DS / From DS bits.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::bytes::Field;

    pub(crate) const FRAME_CONTROL: Field = 0..2;
    pub(crate) const DURATION: Field = 2..4;
    pub(crate) const ADDR1: Field = 4..10;
    pub(crate) const ADDR2: Field = 10..16;
    pub(crate) const ADDR3: Field = 16..22;
    pub(crate) const SEQUENCE_CONTROL: Field = 22..24;
    /// Data frames with To DS and From DS both set.
    pub(crate) const ADDR4: Field = 24..30;
    /// QoS Control of a three-address QoS data frame; four-address frames carry it after
    /// Address 4 ([`QOS_CONTROL_4ADDR`]).
    pub(crate) const QOS_CONTROL: Field = 24..26;
    pub(crate) const QOS_CONTROL_4ADDR: Field = 30..32;
}

/// A 48-bit MAC address.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

/// Hashes a [`MacAddr`] with one multiply: the per-frame station lookups of the analysis are
/// keyed by addresses the capture chose, so SipHash's flood resistance buys nothing here and
/// costs a tenth of the run time.
#[derive(Clone, Copy, Default)]
pub struct MacHasher(u64);

impl std::hash::Hasher for MacHasher {
    fn finish(&self) -> u64 {
        // The product's high bits are the well-mixed ones; hash tables index by the low bits.
        self.0.rotate_left(32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl std::hash::Hash for MacAddr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.to_u64());
    }
}

/// A `HashMap` keyed by MAC addresses.
pub type MacMap<V> =
    std::collections::HashMap<MacAddr, V, std::hash::BuildHasherDefault<MacHasher>>;

impl MacAddr {
    /// The address as a 48-bit number (first octet most significant).
    #[inline]
    pub fn to_u64(self) -> u64 {
        self.0.iter().fold(0, |v, &b| v << 8 | u64::from(b))
    }

    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    #[inline]
    pub fn from_slice(b: &[u8]) -> MacAddr {
        let mut a = [0u8; 6];
        a.copy_from_slice(&b[..6]);
        MacAddr(a)
    }

    /// Group (multicast or broadcast) address: the I/G bit of the first octet.
    #[inline]
    pub fn is_group(&self) -> bool {
        self.0[0] & 1 != 0
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            a[0], a[1], a[2], a[3], a[4], a[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for MacAddr {
    type Err = String;
    fn from_str(s: &str) -> core::result::Result<MacAddr, String> {
        let mut a = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for byte in a.iter_mut() {
            let p = parts
                .next()
                .ok_or_else(|| format!("bad MAC address {s:?}"))?;
            *byte = u8::from_str_radix(p, 16).map_err(|_| format!("bad MAC address {s:?}"))?;
        }
        if parts.next().is_some() {
            return Err(format!("bad MAC address {s:?}"));
        }
        Ok(MacAddr(a))
    }
}

impl serde::Serialize for MacAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The frame type (Frame Control bits 2–3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameType {
    Management,
    Control,
    Data,
    Extension,
}

/// Management frame subtypes (Table 9-1).
pub mod subtype {
    pub const ASSOC_REQ: u8 = 0;
    pub const ASSOC_RESP: u8 = 1;
    pub const REASSOC_REQ: u8 = 2;
    pub const REASSOC_RESP: u8 = 3;
    pub const PROBE_REQ: u8 = 4;
    pub const PROBE_RESP: u8 = 5;
    pub const BEACON: u8 = 8;
    pub const DISASSOC: u8 = 10;
    pub const AUTH: u8 = 11;
    pub const DEAUTH: u8 = 12;
    pub const ACTION: u8 = 13;
    pub const ACTION_NO_ACK: u8 = 14;
}

/// The Frame Control field (9.2.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameControl(pub u16);

impl FrameControl {
    #[inline]
    pub fn version(self) -> u8 {
        (self.0 & 0x3) as u8
    }
    #[inline]
    pub fn frame_type(self) -> FrameType {
        match (self.0 >> 2) & 0x3 {
            0 => FrameType::Management,
            1 => FrameType::Control,
            2 => FrameType::Data,
            _ => FrameType::Extension,
        }
    }
    #[inline]
    pub fn subtype(self) -> u8 {
        ((self.0 >> 4) & 0xf) as u8
    }
    /// Type and subtype as Wireshark's `wlan.fc.type_subtype` (type << 4 | subtype).
    #[inline]
    pub fn type_subtype(self) -> u8 {
        (((self.0 >> 2) & 0x3) << 4) as u8 | self.subtype()
    }
    #[inline]
    pub fn to_ds(self) -> bool {
        self.0 & 0x0100 != 0
    }
    #[inline]
    pub fn from_ds(self) -> bool {
        self.0 & 0x0200 != 0
    }
    #[inline]
    pub fn more_fragments(self) -> bool {
        self.0 & 0x0400 != 0
    }
    #[inline]
    pub fn retry(self) -> bool {
        self.0 & 0x0800 != 0
    }
    #[inline]
    pub fn power_management(self) -> bool {
        self.0 & 0x1000 != 0
    }
    #[inline]
    pub fn protected(self) -> bool {
        self.0 & 0x4000 != 0
    }
    /// +HTC/Order: in QoS data and management frames it announces an HT Control field.
    #[inline]
    pub fn order(self) -> bool {
        self.0 & 0x8000 != 0
    }
    /// QoS data subtypes (bit 3 of the subtype) carry a QoS Control field.
    #[inline]
    pub fn is_qos_data(self) -> bool {
        self.frame_type() == FrameType::Data && self.subtype() & 0x8 != 0
    }
    /// Null-data subtypes carry no frame body (subtype bit 2).
    #[inline]
    pub fn is_null_data(self) -> bool {
        self.frame_type() == FrameType::Data && self.subtype() & 0x4 != 0
    }
}

/// Who is who in a frame, resolved from To DS / From DS (Table 9-26).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addresses {
    pub receiver: MacAddr,
    pub transmitter: Option<MacAddr>,
    pub destination: MacAddr,
    pub source: Option<MacAddr>,
    /// Absent in mesh/WDS frames (To DS and From DS both set) and most control frames.
    pub bssid: Option<MacAddr>,
}

/// A view of an 802.11 MAC frame (9.2.3).
#[derive(Clone, Copy, Debug)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
    header_len: usize,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// A view without checks: accessors read zeros where the buffer is short. For buffers
    /// built here (the emitters); anything captured goes through [`Frame::new_checked`].
    pub fn new_unchecked(buffer: T, padded: bool) -> Frame<T> {
        let b = buffer.as_ref();
        let fc = FrameControl(bytes::le16(b, field::FRAME_CONTROL));
        let mut header_len = Self::mac_header_len(fc);
        if padded && fc.frame_type() == FrameType::Data {
            header_len = header_len.next_multiple_of(4).min(b.len());
        }
        Frame { buffer, header_len }
    }

    /// Checks that the whole MAC header for this frame's type is present. `padded` is the
    /// radiotap data-pad flag: the body then starts at the next 4-byte boundary.
    pub fn new_checked(buffer: T, padded: bool) -> Result<Frame<T>> {
        let frame = Self::new_unchecked(buffer, padded);
        frame.check_len()?;
        Ok(frame)
    }

    /// Checks the protocol version and that the buffer holds the whole MAC header.
    pub fn check_len(&self) -> Result<()> {
        let b = self.b();
        need("frame control", field::FRAME_CONTROL.end, b.len())?;
        let fc = self.frame_control();
        if fc.version() != 0 {
            return Err(Dot11Error::Version(fc.version()));
        }
        need("MAC header", Self::mac_header_len(fc), b.len())
    }

    /// Length of the MAC header (before any data padding) a frame control calls for.
    fn mac_header_len(fc: FrameControl) -> usize {
        match fc.frame_type() {
            FrameType::Management => 24 + if fc.order() { 4 } else { 0 },
            FrameType::Data => {
                let mut n = 24;
                if fc.to_ds() && fc.from_ds() {
                    n += 6;
                }
                if fc.is_qos_data() {
                    n += 2;
                    if fc.order() {
                        n += 4;
                    }
                }
                n
            }
            FrameType::Control => match fc.subtype() {
                // CTS, ACK: receiver address only.
                12 | 13 => 10,
                // Control wrapper: receiver, carried frame control, HT control.
                _ => 16,
            },
            FrameType::Extension => 10,
        }
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn frame_control(&self) -> FrameControl {
        FrameControl(bytes::le16(self.b(), field::FRAME_CONTROL))
    }

    pub fn duration(&self) -> u16 {
        bytes::le16(self.b(), field::DURATION)
    }

    pub fn addr1(&self) -> MacAddr {
        MacAddr(bytes::array(self.b(), field::ADDR1))
    }

    /// Address 2, absent in CTS and ACK frames.
    pub fn addr2(&self) -> Option<MacAddr> {
        (self.b().len() >= 16 && self.header_len >= 16)
            .then(|| MacAddr(bytes::array(self.b(), field::ADDR2)))
    }

    fn addr3(&self) -> Option<MacAddr> {
        (self.header_len >= 24).then(|| MacAddr(bytes::array(self.b(), field::ADDR3)))
    }

    /// Address 4, in data frames with To DS and From DS both set.
    pub fn addr4(&self) -> Option<MacAddr> {
        let fc = self.frame_control();
        (fc.frame_type() == FrameType::Data && fc.to_ds() && fc.from_ds())
            .then(|| MacAddr(bytes::array(self.b(), field::ADDR4)))
    }

    /// Addresses by role (Table 9-26 for data frames; management frames are DA, SA, BSSID).
    pub fn addresses(&self) -> Addresses {
        let fc = self.frame_control();
        let a1 = self.addr1();
        let a2 = self.addr2();
        let a3 = self.addr3();
        match fc.frame_type() {
            FrameType::Data => match (fc.to_ds(), fc.from_ds()) {
                (false, false) => Addresses {
                    receiver: a1,
                    transmitter: a2,
                    destination: a1,
                    source: a2,
                    bssid: a3,
                },
                (true, false) => Addresses {
                    receiver: a1,
                    transmitter: a2,
                    destination: a3.unwrap_or(a1),
                    source: a2,
                    bssid: Some(a1),
                },
                (false, true) => Addresses {
                    receiver: a1,
                    transmitter: a2,
                    destination: a1,
                    source: a3,
                    bssid: a2,
                },
                (true, true) => Addresses {
                    receiver: a1,
                    transmitter: a2,
                    destination: a3.unwrap_or(a1),
                    source: self.addr4(),
                    bssid: None,
                },
            },
            FrameType::Management => Addresses {
                receiver: a1,
                transmitter: a2,
                destination: a1,
                source: a2,
                bssid: a3,
            },
            // PS-Poll carries the BSSID as Address 1 (9.3.1.5), CF-End and CF-End +CF-Ack as
            // Address 2 (9.3.1.6, 9.3.1.7), a DMG Beacon as its only address (9.3.4.2).
            FrameType::Control | FrameType::Extension => Addresses {
                receiver: a1,
                transmitter: a2,
                destination: a1,
                source: a2,
                bssid: match (fc.frame_type(), fc.subtype()) {
                    (FrameType::Control, 10) | (FrameType::Extension, 0) => Some(a1),
                    (FrameType::Control, 14 | 15) => a2,
                    _ => None,
                },
            },
        }
    }

    /// Sequence number (9.2.4.4), for frames that carry a Sequence Control field.
    pub fn sequence_number(&self) -> Option<u16> {
        (self.header_len >= 24).then(|| bytes::le16(self.b(), field::SEQUENCE_CONTROL) >> 4)
    }

    pub fn fragment_number(&self) -> Option<u8> {
        (self.header_len >= 24)
            .then(|| (bytes::le16(self.b(), field::SEQUENCE_CONTROL) & 0xf) as u8)
    }

    /// The QoS Control field (9.2.4.5) of QoS data frames.
    pub fn qos_control(&self) -> Option<QosControl> {
        let fc = self.frame_control();
        fc.is_qos_data().then(|| {
            let at = if fc.to_ds() && fc.from_ds() {
                field::QOS_CONTROL_4ADDR
            } else {
                field::QOS_CONTROL
            };
            QosControl(bytes::le16(self.b(), at))
        })
    }

    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The whole frame as captured (MAC header, any padding, body).
    pub fn as_bytes(&self) -> &[u8] {
        self.b()
    }

    /// The frame body (after the MAC header; the FCS is already stripped by the link layer).
    pub fn body(&self) -> &[u8] {
        &self.b()[self.header_len..]
    }
}

/// QoS Control (9.2.4.5): traffic identifier and A-MSDU flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QosControl(pub u16);

impl QosControl {
    pub fn tid(self) -> u8 {
        (self.0 & 0xf) as u8
    }
    /// User priority (TIDs 0–7 are user priorities).
    pub fn user_priority(self) -> u8 {
        (self.0 & 0x7) as u8
    }
    pub fn amsdu_present(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// The MAC header of a management or data frame (9.3.3.2, 9.3.2.1) as values: what the
/// generator writes and [`Frame`] reads back. Frames with an HT Control field and control
/// frames are outside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderRepr {
    pub frame_control: FrameControl,
    pub duration: u16,
    pub addr1: MacAddr,
    pub addr2: MacAddr,
    pub addr3: MacAddr,
    pub sequence_number: u16,
    pub fragment_number: u8,
    /// Data frames with To DS and From DS both set.
    pub addr4: Option<MacAddr>,
    /// QoS data frames.
    pub qos_control: Option<QosControl>,
}

impl HeaderRepr {
    /// Reads the header of a checked frame.
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame<T>) -> Result<HeaderRepr> {
        let fc = frame.frame_control();
        let data = fc.frame_type() == FrameType::Data;
        if !(data || fc.frame_type() == FrameType::Management) || fc.order() {
            return Err(Dot11Error::Malformed(
                "not a management or data header without HT Control",
            ));
        }
        let b = frame.as_bytes();
        Ok(HeaderRepr {
            frame_control: fc,
            duration: frame.duration(),
            addr1: frame.addr1(),
            addr2: MacAddr(bytes::array(b, field::ADDR2)),
            addr3: MacAddr(bytes::array(b, field::ADDR3)),
            sequence_number: frame.sequence_number().unwrap_or(0),
            fragment_number: frame.fragment_number().unwrap_or(0),
            addr4: frame.addr4(),
            qos_control: frame.qos_control(),
        })
    }

    /// The header's length in bytes.
    pub fn buffer_len(&self) -> usize {
        24 + if self.addr4.is_some() { 6 } else { 0 }
            + if self.qos_control.is_some() { 2 } else { 0 }
    }

    /// Appends the header to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let at = out.len();
        out.resize(at + self.buffer_len(), 0);
        let b = &mut out[at..];
        bytes::put(b, field::FRAME_CONTROL, &self.frame_control.0.to_le_bytes());
        bytes::put(b, field::DURATION, &self.duration.to_le_bytes());
        bytes::put(b, field::ADDR1, &self.addr1.0);
        bytes::put(b, field::ADDR2, &self.addr2.0);
        bytes::put(b, field::ADDR3, &self.addr3.0);
        let seq = self.sequence_number << 4 | u16::from(self.fragment_number & 0xf);
        bytes::put(b, field::SEQUENCE_CONTROL, &seq.to_le_bytes());
        let qos = match self.addr4 {
            Some(a4) => {
                bytes::put(b, field::ADDR4, &a4.0);
                field::QOS_CONTROL_4ADDR
            }
            None => field::QOS_CONTROL,
        };
        if let Some(q) = self.qos_control {
            bytes::put(b, qos, &q.0.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STA: [u8; 6] = [0x00, 0x22, 0x55, 0xd4, 0xb4, 0x80];
    const AP: [u8; 6] = [0x00, 0x23, 0xea, 0, 0, 1];
    const DST: [u8; 6] = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50];

    fn qos_data(fc: u16, a1: [u8; 6], a2: [u8; 6], a3: [u8; 6]) -> Vec<u8> {
        let mut f = fc.to_le_bytes().to_vec();
        f.extend([0, 0]);
        f.extend(a1);
        f.extend(a2);
        f.extend(a3);
        f.extend((0x0abcu16 << 4 | 3).to_le_bytes());
        f.extend(0x0026u16.to_le_bytes()); // TID 6, ack policy bit
        f.extend(b"body");
        f
    }

    #[test]
    fn uplink_qos_data() {
        // QoS data, To DS, retry.
        let bytes = qos_data(0x0188 | 0x0800, AP, STA, DST);
        let f = Frame::new_checked(&bytes[..], false).unwrap();
        let fc = f.frame_control();
        assert_eq!(fc.type_subtype(), 0x28);
        assert!(fc.to_ds() && !fc.from_ds() && fc.retry() && !fc.protected());
        let a = f.addresses();
        assert_eq!(a.bssid, Some(MacAddr(AP)));
        assert_eq!(a.source, Some(MacAddr(STA)));
        assert_eq!(a.destination, MacAddr(DST));
        assert_eq!(f.sequence_number(), Some(0xabc));
        assert_eq!(f.fragment_number(), Some(3));
        assert_eq!(f.qos_control().unwrap().tid(), 6);
        assert_eq!(f.body(), b"body");
    }

    #[test]
    fn downlink_and_padding() {
        let bytes = qos_data(0x0288, STA, AP, DST);
        let f = Frame::new_checked(&bytes[..], true).unwrap();
        let a = f.addresses();
        assert_eq!(
            (a.bssid, a.receiver, a.source),
            (Some(MacAddr(AP)), MacAddr(STA), Some(MacAddr(DST)))
        );
        // 26-byte header padded to 28.
        assert_eq!(f.body(), b"dy");
    }

    #[test]
    fn short_frames_are_errors() {
        assert!(Frame::new_checked(&[0x80u8][..], false).is_err());
        assert_eq!(
            Frame::new_checked(&[0x80u8, 0, 0, 0, 1, 2, 3, 4, 5, 6][..], false).unwrap_err(),
            Dot11Error::Truncated {
                what: "MAC header",
                need: 24,
                have: 10
            }
        );
        // An ACK is 10 bytes.
        let ack = [0xd4u8, 0, 0, 0, 1, 2, 3, 4, 5, 6];
        let f = Frame::new_checked(&ack[..], false).unwrap();
        assert_eq!(f.frame_control().type_subtype(), 0x1d);
        assert_eq!(f.addr2(), None);
        assert_eq!(f.sequence_number(), None);
    }

    #[test]
    fn header_bytes_and_round_trip() {
        // QoS data, To DS, retry: duration 44, sequence 0x123 fragment 0, TID 6.
        let bytes: [u8; 26] = [
            0x88, 0x09, 0x2c, 0x00, // frame control, duration
            0x00, 0x23, 0xea, 0, 0, 1, // BSSID
            0x00, 0x22, 0x55, 0xd4, 0xb4, 0x80, // station
            0x00, 0x10, 0x20, 0x30, 0x40, 0x50, // destination
            0x30, 0x12, 0x06, 0x00, // sequence control, QoS control
        ];
        let f = Frame::new_checked(&bytes[..], false).unwrap();
        let h = HeaderRepr::parse(&f).unwrap();
        assert_eq!(h.frame_control.type_subtype(), 0x28);
        assert!(h.frame_control.to_ds() && h.frame_control.retry());
        assert_eq!(
            (h.duration, h.sequence_number, h.fragment_number),
            (44, 0x123, 0)
        );
        assert_eq!(
            (h.addr1, h.addr2, h.addr3),
            (MacAddr(AP), MacAddr(STA), MacAddr(DST))
        );
        assert_eq!((h.addr4, h.qos_control), (None, Some(QosControl(6))));
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out, bytes);
        // A management header: 24 bytes, no QoS Control.
        let beacon = [&[0x80u8, 0, 0, 0][..], &[0xff; 6], &AP, &AP, &[0x10, 0]].concat();
        let h = HeaderRepr::parse(&Frame::new_checked(&beacon[..], false).unwrap()).unwrap();
        assert_eq!(
            (h.sequence_number, h.qos_control, h.buffer_len()),
            (1, None, 24)
        );
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out, beacon);
        let ack = [0xd4u8, 0, 0, 0, 1, 2, 3, 4, 5, 6];
        let ack = Frame::new_checked(&ack[..], false).unwrap();
        assert!(matches!(
            HeaderRepr::parse(&ack),
            Err(Dot11Error::Malformed(_))
        ));
    }

    #[test]
    fn mac_parse_and_print() {
        let m: MacAddr = "00:22:55:D4:b4:80".parse().unwrap();
        assert_eq!(m.to_string(), "00:22:55:d4:b4:80");
        assert!("00:22:55".parse::<MacAddr>().is_err());
        assert!(MacAddr::BROADCAST.is_group() && !m.is_group());
    }
}
