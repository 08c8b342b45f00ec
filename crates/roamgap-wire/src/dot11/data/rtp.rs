//! The RTP fixed header (RFC 3550 5.1) as a view, the header values the analysis reads and the
//! generator writes, and the heuristic that tells RTP from other UDP.

use crate::dot11::bytes::{self, Field, Rest};
use crate::dot11::{need, Dot11Error, Result};

use super::Udp;

/// The RTP fixed header (RFC 3550 5.1).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod rtp_field {
    use super::{Field, Rest};

    /// Version (2 bits), padding, extension, CSRC count (4 bits).
    pub(crate) const VER_P_X_CC: Field = 0..1;
    /// Marker and payload type (7 bits).
    pub(crate) const M_PT: Field = 1..2;
    pub(crate) const SEQUENCE: Field = 2..4;
    pub(crate) const TIMESTAMP: Field = 4..8;
    pub(crate) const SSRC: Field = 8..12;
    /// CSRC list, header extension, payload, padding.
    pub(crate) const CSRC: Rest = 12..;
}

/// Length of the RTP fixed header.
pub const RTP_HEADER_LEN: usize = rtp_field::SSRC.end;

/// A view of an RTP packet (the UDP payload).
#[derive(Clone, Copy, Debug)]
pub struct RtpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RtpPacket<T> {
    pub fn new_unchecked(buffer: T) -> RtpPacket<T> {
        RtpPacket { buffer }
    }

    /// Checks version 2 and that the CSRC list, header extension and padding the header
    /// announces fit the packet.
    pub fn new_checked(buffer: T) -> Result<RtpPacket<T>> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<()> {
        let b = self.b();
        need("RTP header", RTP_HEADER_LEN, b.len())?;
        if self.version() != 2 {
            return Err(Dot11Error::Malformed("RTP version is not 2"));
        }
        let mut header = RTP_HEADER_LEN + 4 * self.csrc_count();
        if self.extension() {
            let profile_len = bytes::be16_at(b, header + 2).ok_or(Dot11Error::Malformed(
                "RTP header extension runs past the packet",
            ))?;
            header += 4 + 4 * usize::from(profile_len);
        }
        need("RTP header", header, b.len())?;
        if self.padding() {
            let pad = usize::from(b[b.len() - 1]);
            if pad == 0 || header + pad > b.len() {
                return Err(Dot11Error::Malformed("RTP padding count does not fit"));
            }
        }
        Ok(())
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn version(&self) -> u8 {
        self.b()[rtp_field::VER_P_X_CC.start] >> 6
    }

    pub fn padding(&self) -> bool {
        self.b()[rtp_field::VER_P_X_CC.start] & 0x20 != 0
    }

    pub fn extension(&self) -> bool {
        self.b()[rtp_field::VER_P_X_CC.start] & 0x10 != 0
    }

    pub fn csrc_count(&self) -> usize {
        usize::from(self.b()[rtp_field::VER_P_X_CC.start] & 0x0f)
    }

    pub fn marker(&self) -> bool {
        self.b()[rtp_field::M_PT.start] & 0x80 != 0
    }

    pub fn payload_type(&self) -> u8 {
        self.b()[rtp_field::M_PT.start] & 0x7f
    }

    pub fn sequence(&self) -> u16 {
        bytes::be16(self.b(), rtp_field::SEQUENCE)
    }

    pub fn timestamp(&self) -> u32 {
        bytes::be32(self.b(), rtp_field::TIMESTAMP)
    }

    pub fn ssrc(&self) -> u32 {
        bytes::be32(self.b(), rtp_field::SSRC)
    }
}

/// An RTP header (RFC 3550 5.1) as values: version 2, no padding, extension or CSRCs when
/// emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rtp {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

impl Rtp {
    pub fn parse<T: AsRef<[u8]>>(p: &RtpPacket<T>) -> Rtp {
        Rtp {
            marker: p.marker(),
            payload_type: p.payload_type(),
            sequence: p.sequence(),
            timestamp: p.timestamp(),
            ssrc: p.ssrc(),
        }
    }

    /// Appends the 12-byte fixed header to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut h = [0u8; RTP_HEADER_LEN];
        h[rtp_field::VER_P_X_CC.start] = 2 << 6;
        h[rtp_field::M_PT.start] = u8::from(self.marker) << 7 | self.payload_type & 0x7f;
        bytes::put(&mut h, rtp_field::SEQUENCE, &self.sequence.to_be_bytes());
        bytes::put(&mut h, rtp_field::TIMESTAMP, &self.timestamp.to_be_bytes());
        bytes::put(&mut h, rtp_field::SSRC, &self.ssrc.to_be_bytes());
        out.extend_from_slice(&h);
    }
}

/// Ports whose traffic is never RTP, however its first bytes look.
fn is_non_rtp_port(port: u16) -> bool {
    port < 1024
        || matches!(
            port,
            1194 | 1645
                | 1646
                | 1812
                | 1813
                | 1900
                | 3478
                | 3702
                | 4500
                | 5246
                | 5247
                | 5353
                | 5355
                | 5683
                | 16666
                | 16667
        )
}

/// Recognizes RTP on any UDP port, as Wireshark's RTP heuristic does, but stricter: version 2,
/// a payload type that is a defined or dynamic media type (never the RTCP range 72–76), the
/// CSRC list, extension and padding consistent with the datagram length, and neither port a
/// well-known non-RTP service (DNS, DHCP, NTP, RADIUS, mDNS, CAPWAP, ...). Streams are further
/// confirmed by the analysis (several packets of one SSRC).
pub fn rtp(udp: &Udp<'_>) -> Option<Rtp> {
    if is_non_rtp_port(udp.src_port) || is_non_rtp_port(udp.dst_port) {
        return None;
    }
    let p = RtpPacket::new_checked(udp.payload).ok()?;
    matches!(p.payload_type(), 0..=34 | 96..=127).then(|| Rtp::parse(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bytes_and_round_trip() {
        // Marker set, PT 8 (PCMA), sequence 0x1234, timestamp 160, SSRC 0x1a2b3c4d.
        let bytes = [0x80, 0x88, 0x12, 0x34, 0, 0, 0, 160, 0x1a, 0x2b, 0x3c, 0x4d];
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        let r = Rtp::parse(&p);
        assert_eq!(
            r,
            Rtp {
                marker: true,
                payload_type: 8,
                sequence: 0x1234,
                timestamp: 160,
                ssrc: 0x1a2b_3c4d
            }
        );
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn inconsistent_headers_are_errors() {
        let short = [0x80u8, 0, 0, 1];
        assert_eq!(
            RtpPacket::new_checked(&short[..]).unwrap_err(),
            Dot11Error::Truncated {
                what: "RTP header",
                need: 12,
                have: 4
            }
        );
        let mut v1 = [0u8; 12];
        v1[0] = 0x40;
        assert!(matches!(
            RtpPacket::new_checked(&v1[..]),
            Err(Dot11Error::Malformed(_))
        ));
        // Two CSRCs announced, one present.
        let mut cc = [0u8; 16];
        cc[0] = 0x82;
        assert!(matches!(
            RtpPacket::new_checked(&cc[..]),
            Err(Dot11Error::Truncated { need: 20, .. })
        ));
        // Padding of 0 octets.
        let mut pad = [0u8; 13];
        pad[0] = 0xa0;
        assert!(matches!(
            RtpPacket::new_checked(&pad[..]),
            Err(Dot11Error::Malformed(_))
        ));
    }
}
