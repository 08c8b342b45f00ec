//! Data frame payloads: LLC/SNAP (IEEE 802.2 + RFC 1042), EAPOL (IEEE 802.1X-2020 clause 11,
//! key frames per 802.11 12.7.2), IPv4/IPv6 → UDP, and RTP (RFC 3550 5.1).
//!
//! Each header is a view (`new_checked` → `Result`) with a `field` module of byte ranges; the
//! functions [`llc_snap`], [`eapol`], [`udp`] and [`rtp`] classify a payload on top of them and
//! give `None` for one that is not (a usable instance of) that protocol.

mod eapol;
mod ip;
mod rtp;

pub use eapol::*;
pub use ip::*;
pub use rtp::*;

use super::bytes::{self, Field, Rest};
use super::{need, Dot11Error, MacAddr, Result};

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const ETHERTYPE_EAPOL: u16 = 0x888e;

/// The LLC/SNAP header (IEEE 802.2 + RFC 1042, 802.1H).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod llc_field {
    use super::{Field, Rest};

    /// DSAP, SSAP (both AA: SNAP) and Control (03: UI).
    pub(crate) const LLC: Field = 0..3;
    pub(crate) const OUI: Field = 3..6;
    pub(crate) const ETHERTYPE: Field = 6..8;
    pub(crate) const PAYLOAD: Rest = 8..;
}

const LLC_SNAP: [u8; 3] = [0xaa, 0xaa, 0x03];
/// RFC 1042 encapsulation.
const OUI_RFC1042: [u8; 3] = [0, 0, 0];
/// 802.1H bridge tunnel encapsulation.
const OUI_BRIDGE_TUNNEL: [u8; 3] = [0, 0, 0xf8];

/// A view of an LLC/SNAP header and its payload.
#[derive(Clone, Copy, Debug)]
pub struct LlcSnap<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> LlcSnap<T> {
    pub fn new_unchecked(buffer: T) -> LlcSnap<T> {
        LlcSnap { buffer }
    }

    /// Checks the header: AA AA 03 and the RFC 1042 or bridge tunnel OUI.
    pub fn new_checked(buffer: T) -> Result<LlcSnap<T>> {
        let b = buffer.as_ref();
        need("LLC/SNAP header", llc_field::PAYLOAD.start, b.len())?;
        if b[llc_field::LLC] != LLC_SNAP || !matches!(b[llc_field::OUI], [0, 0, 0] | [0, 0, 0xf8]) {
            return Err(Dot11Error::Malformed("not an RFC 1042 LLC/SNAP header"));
        }
        Ok(LlcSnap { buffer })
    }

    pub fn oui(&self) -> [u8; 3] {
        bytes::array(self.buffer.as_ref(), llc_field::OUI)
    }

    pub fn ethertype(&self) -> u16 {
        bytes::be16(self.buffer.as_ref(), llc_field::ETHERTYPE)
    }

    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[llc_field::PAYLOAD]
    }
}

/// An LLC/SNAP header as values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LlcSnapRepr {
    /// 802.1H bridge tunnel OUI (00:00:F8) rather than RFC 1042 (00:00:00).
    pub bridge_tunnel: bool,
    pub ethertype: u16,
}

impl LlcSnapRepr {
    pub fn parse<T: AsRef<[u8]>>(p: &LlcSnap<T>) -> LlcSnapRepr {
        LlcSnapRepr {
            bridge_tunnel: p.oui() == OUI_BRIDGE_TUNNEL,
            ethertype: p.ethertype(),
        }
    }

    /// Appends the 8-byte header to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&LLC_SNAP);
        out.extend_from_slice(if self.bridge_tunnel {
            &OUI_BRIDGE_TUNNEL
        } else {
            &OUI_RFC1042
        });
        out.extend_from_slice(&self.ethertype.to_be_bytes());
    }
}

/// LLC/SNAP header (AA AA 03, OUI 00:00:00 or 00:00:F8): returns the EtherType and payload.
pub fn llc_snap(body: &[u8]) -> Option<(u16, &[u8])> {
    let p = LlcSnap::new_checked(body).ok()?;
    Some((p.ethertype(), &body[llc_field::PAYLOAD]))
}

/// An A-MSDU subframe header (9.3.2.2.2): DA, SA, length (big-endian).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod amsdu_field {
    use super::{Field, Rest};

    pub(crate) const DA: Field = 0..6;
    pub(crate) const SA: Field = 6..12;
    pub(crate) const LENGTH: Field = 12..14;
    pub(crate) const MSDU: Rest = 14..;
}

/// Iterator over the subframes of an A-MSDU (9.3.2.2.2): (DA, SA, LLC payload).
pub struct AmsduSubframes<'a> {
    data: &'a [u8],
}

impl<'a> AmsduSubframes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        AmsduSubframes { data }
    }
}

impl<'a> Iterator for AmsduSubframes<'a> {
    type Item = (MacAddr, MacAddr, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let len = usize::from(bytes::be16_at(self.data, amsdu_field::LENGTH.start)?);
        let Some(msdu) = self.data[amsdu_field::MSDU].get(..len) else {
            self.data = &[];
            return None;
        };
        let item = (
            MacAddr(bytes::array(self.data, amsdu_field::DA)),
            MacAddr(bytes::array(self.data, amsdu_field::SA)),
            msdu,
        );
        let end = amsdu_field::MSDU.start + len;
        self.data = self.data.get(end.next_multiple_of(4)..).unwrap_or(&[]);
        Some(item)
    }
}

/// The UDP datagram in an IP packet of the given EtherType, if it is one and is the first
/// (or only) fragment.
pub fn udp(ethertype: u16, ip: &[u8]) -> Option<Udp<'_>> {
    match ethertype {
        ETHERTYPE_IPV4 => Udp::in_ipv4(ip),
        ETHERTYPE_IPV6 => Udp::in_ipv6(ip),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
