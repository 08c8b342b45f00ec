//! IPv4 (RFC 791 3.1), IPv6 (RFC 8200 3) and UDP (RFC 768) headers as views, and the
//! IPv4/UDP headers the generator writes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::dot11::bytes::{self, Field, Rest};
use crate::dot11::{need, Dot11Error, Result};

/// IP protocol number of UDP.
pub const PROTOCOL_UDP: u8 = 17;

/// The IPv4 header (RFC 791 3.1).
pub(crate) mod ipv4_field {
    use super::Field;

    pub(crate) const VER_IHL: Field = 0..1;
    pub(crate) const DSCP_ECN: Field = 1..2;
    pub(crate) const TOTAL_LENGTH: Field = 2..4;
    pub(crate) const IDENTIFICATION: Field = 4..6;
    pub(crate) const FLAGS_FRAGMENT_OFFSET: Field = 6..8;
    pub(crate) const TTL: Field = 8..9;
    pub(crate) const PROTOCOL: Field = 9..10;
    pub(crate) const CHECKSUM: Field = 10..12;
    pub(crate) const SRC_ADDR: Field = 12..16;
    pub(crate) const DST_ADDR: Field = 16..20;
}

/// Length of an IPv4 header without options.
pub(crate) const IPV4_HEADER_LEN: usize = ipv4_field::DST_ADDR.end;

/// A view of an IPv4 packet.
#[derive(Clone, Copy, Debug)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    pub fn new_unchecked(buffer: T) -> Ipv4Packet<T> {
        Ipv4Packet { buffer }
    }

    /// Checks version 4 and that the header, options included, is present.
    pub fn new_checked(buffer: T) -> Result<Ipv4Packet<T>> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("IPv4 header", IPV4_HEADER_LEN, len)?;
        if self.version() != 4 {
            return Err(Dot11Error::Malformed("IPv4 version is not 4"));
        }
        if self.header_len() < IPV4_HEADER_LEN {
            return Err(Dot11Error::Malformed("IPv4 header length below 20"));
        }
        need("IPv4 options", self.header_len(), len)
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn version(&self) -> u8 {
        self.b()[ipv4_field::VER_IHL.start] >> 4
    }

    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.b()[ipv4_field::VER_IHL.start] & 0x0f) * 4
    }

    /// The DiffServ field and ECN (the former Type of Service).
    pub fn dscp_ecn(&self) -> u8 {
        self.b()[ipv4_field::DSCP_ECN.start]
    }

    pub fn total_len(&self) -> u16 {
        bytes::be16(self.b(), ipv4_field::TOTAL_LENGTH)
    }

    pub fn ident(&self) -> u16 {
        bytes::be16(self.b(), ipv4_field::IDENTIFICATION)
    }

    pub fn dont_fragment(&self) -> bool {
        bytes::be16(self.b(), ipv4_field::FLAGS_FRAGMENT_OFFSET) & 0x4000 != 0
    }

    /// Fragment offset in 8-byte units: only the first fragment (0) carries the UDP header.
    pub fn fragment_offset(&self) -> u16 {
        bytes::be16(self.b(), ipv4_field::FLAGS_FRAGMENT_OFFSET) & 0x1fff
    }

    pub fn ttl(&self) -> u8 {
        self.b()[ipv4_field::TTL.start]
    }

    pub fn protocol(&self) -> u8 {
        self.b()[ipv4_field::PROTOCOL.start]
    }

    pub fn checksum(&self) -> u16 {
        bytes::be16(self.b(), ipv4_field::CHECKSUM)
    }

    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(bytes::array::<4>(self.b(), ipv4_field::SRC_ADDR))
    }

    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(bytes::array::<4>(self.b(), ipv4_field::DST_ADDR))
    }

    /// Where the payload the Total Length names lies, cut to what was captured.
    pub fn payload_range(&self) -> Field {
        let ihl = self.header_len();
        ihl..usize::from(self.total_len()).clamp(ihl, self.b().len())
    }

    pub fn payload(&self) -> &[u8] {
        &self.b()[self.payload_range()]
    }
}

/// RFC 1071 Internet checksum of a header.
fn internet_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(bytes::be16(c, 0..2)))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 header without options, as values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Repr {
    pub src_addr: Ipv4Addr,
    pub dst_addr: Ipv4Addr,
    pub protocol: u8,
    /// DiffServ field (0xb8: EF, voice) and ECN.
    pub dscp_ecn: u8,
    pub ident: u16,
    pub dont_fragment: bool,
    pub ttl: u8,
    pub payload_len: usize,
}

impl Ipv4Repr {
    /// Reads an unfragmented IPv4 header without options; a wrong checksum is `Malformed`.
    pub fn parse<T: AsRef<[u8]>>(p: &Ipv4Packet<T>) -> Result<Ipv4Repr> {
        if p.header_len() != IPV4_HEADER_LEN || p.fragment_offset() != 0 {
            return Err(Dot11Error::Malformed(
                "IPv4 header with options or a fragment",
            ));
        }
        if internet_checksum(&p.b()[..IPV4_HEADER_LEN]) != 0 {
            return Err(Dot11Error::Malformed("IPv4 header checksum is wrong"));
        }
        Ok(Ipv4Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            protocol: p.protocol(),
            dscp_ecn: p.dscp_ecn(),
            ident: p.ident(),
            dont_fragment: p.dont_fragment(),
            ttl: p.ttl(),
            payload_len: usize::from(p.total_len()).saturating_sub(IPV4_HEADER_LEN),
        })
    }

    /// Appends the 20-byte header, its checksum computed, to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut h = [0u8; IPV4_HEADER_LEN];
        h[ipv4_field::VER_IHL.start] = 0x45;
        h[ipv4_field::DSCP_ECN.start] = self.dscp_ecn;
        let total = (IPV4_HEADER_LEN + self.payload_len) as u16;
        bytes::put(&mut h, ipv4_field::TOTAL_LENGTH, &total.to_be_bytes());
        bytes::put(
            &mut h,
            ipv4_field::IDENTIFICATION,
            &self.ident.to_be_bytes(),
        );
        let flags = if self.dont_fragment { 0x4000u16 } else { 0 };
        bytes::put(
            &mut h,
            ipv4_field::FLAGS_FRAGMENT_OFFSET,
            &flags.to_be_bytes(),
        );
        h[ipv4_field::TTL.start] = self.ttl;
        h[ipv4_field::PROTOCOL.start] = self.protocol;
        bytes::put(&mut h, ipv4_field::SRC_ADDR, &self.src_addr.octets());
        bytes::put(&mut h, ipv4_field::DST_ADDR, &self.dst_addr.octets());
        let sum = internet_checksum(&h);
        bytes::put(&mut h, ipv4_field::CHECKSUM, &sum.to_be_bytes());
        out.extend_from_slice(&h);
    }
}

/// The fixed IPv6 header (RFC 8200 3).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod ipv6_field {
    use super::Field;

    pub(crate) const VER_TC_FLOW: Field = 0..4;
    pub(crate) const PAYLOAD_LENGTH: Field = 4..6;
    pub(crate) const NEXT_HEADER: Field = 6..7;
    pub(crate) const HOP_LIMIT: Field = 7..8;
    pub(crate) const SRC_ADDR: Field = 8..24;
    pub(crate) const DST_ADDR: Field = 24..40;
}

/// Extension headers stepped over on the way to UDP, at most.
const MAX_EXTENSION_HEADERS: usize = 8;

/// A view of an IPv6 packet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    pub fn new_unchecked(buffer: T) -> Ipv6Packet<T> {
        Ipv6Packet { buffer }
    }

    /// Checks version 6 and that the fixed header is present.
    pub fn new_checked(buffer: T) -> Result<Ipv6Packet<T>> {
        let p = Self::new_unchecked(buffer);
        need("IPv6 header", ipv6_field::DST_ADDR.end, p.b().len())?;
        if p.b()[0] >> 4 != 6 {
            return Err(Dot11Error::Malformed("IPv6 version is not 6"));
        }
        Ok(p)
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn payload_len(&self) -> u16 {
        bytes::be16(self.b(), ipv6_field::PAYLOAD_LENGTH)
    }

    pub fn next_header(&self) -> u8 {
        self.b()[ipv6_field::NEXT_HEADER.start]
    }

    pub fn src_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(bytes::array::<16>(self.b(), ipv6_field::SRC_ADDR))
    }

    pub fn dst_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(bytes::array::<16>(self.b(), ipv6_field::DST_ADDR))
    }

    /// Where the UDP datagram lies after a bounded number of Hop-by-Hop, Routing, Destination
    /// Options and (first) Fragment headers; `None` when the packet carries no UDP header there.
    pub fn udp_range(&self) -> Option<Field> {
        let ip = self.b();
        let end = (ipv6_field::DST_ADDR.end + usize::from(self.payload_len())).min(ip.len());
        let mut next = self.next_header();
        let mut at = ipv6_field::DST_ADDR.end;
        for _ in 0..MAX_EXTENSION_HEADERS {
            match next {
                PROTOCOL_UDP => break,
                0 | 43 | 60 => {
                    let h = ip.get(at..at + 2)?;
                    next = h[0];
                    at += (usize::from(h[1]) + 1) * 8;
                }
                44 => {
                    let h = ip.get(at..at + 8)?;
                    if bytes::be16(h, 2..4) & 0xfff8 != 0 {
                        return None;
                    }
                    next = h[0];
                    at += 8;
                }
                _ => return None,
            }
        }
        if next != PROTOCOL_UDP || at > end {
            return None;
        }
        Some(at..end)
    }
}

/// The UDP header (RFC 768).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod udp_field {
    use super::{Field, Rest};

    pub(crate) const SRC_PORT: Field = 0..2;
    pub(crate) const DST_PORT: Field = 2..4;
    pub(crate) const LENGTH: Field = 4..6;
    pub(crate) const CHECKSUM: Field = 6..8;
    pub(crate) const PAYLOAD: Rest = 8..;
}

/// A view of a UDP datagram.
#[derive(Clone, Copy, Debug)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    pub fn new_unchecked(buffer: T) -> UdpPacket<T> {
        UdpPacket { buffer }
    }

    pub fn new_checked(buffer: T) -> Result<UdpPacket<T>> {
        let p = Self::new_unchecked(buffer);
        need("UDP header", udp_field::PAYLOAD.start, p.b().len())?;
        Ok(p)
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn src_port(&self) -> u16 {
        bytes::be16(self.b(), udp_field::SRC_PORT)
    }

    pub fn dst_port(&self) -> u16 {
        bytes::be16(self.b(), udp_field::DST_PORT)
    }

    pub fn len(&self) -> u16 {
        bytes::be16(self.b(), udp_field::LENGTH)
    }

    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= udp_field::PAYLOAD.start
    }

    pub fn checksum(&self) -> u16 {
        bytes::be16(self.b(), udp_field::CHECKSUM)
    }

    /// Where the payload the Length names lies, cut to what was captured.
    pub fn payload_range(&self) -> Field {
        let start = udp_field::PAYLOAD.start;
        start..usize::from(self.len()).clamp(start, self.b().len())
    }

    pub fn payload(&self) -> &[u8] {
        &self.b()[self.payload_range()]
    }
}

/// A UDP header as values (checksum 0: none, as RFC 768 allows over IPv4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload_len: usize,
}

impl UdpRepr {
    pub fn parse<T: AsRef<[u8]>>(p: &UdpPacket<T>) -> UdpRepr {
        UdpRepr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            payload_len: usize::from(p.len()).saturating_sub(udp_field::PAYLOAD.start),
        }
    }

    /// Appends the 8-byte header to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut h = [0u8; udp_field::PAYLOAD.start];
        bytes::put(&mut h, udp_field::SRC_PORT, &self.src_port.to_be_bytes());
        bytes::put(&mut h, udp_field::DST_PORT, &self.dst_port.to_be_bytes());
        let len = (udp_field::PAYLOAD.start + self.payload_len) as u16;
        bytes::put(&mut h, udp_field::LENGTH, &len.to_be_bytes());
        out.extend_from_slice(&h);
    }
}

/// A UDP datagram inside IPv4 or IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Udp<'a> {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub(crate) payload: &'a [u8],
}

impl<'a> Udp<'a> {
    /// The UDP datagram of an IPv4 packet, if it is one and the first (or only) fragment.
    pub fn in_ipv4(ip: &'a [u8]) -> Option<Udp<'a>> {
        let p = Ipv4Packet::new_checked(ip).ok()?;
        if p.fragment_offset() != 0 || p.protocol() != PROTOCOL_UDP {
            return None;
        }
        Self::in_payload(
            p.src_addr().into(),
            p.dst_addr().into(),
            &ip[p.payload_range()],
        )
    }

    /// The UDP datagram of an IPv6 packet, after its extension headers.
    pub fn in_ipv6(ip: &'a [u8]) -> Option<Udp<'a>> {
        let p = Ipv6Packet::new_checked(ip).ok()?;
        let l4 = &ip[p.udp_range()?];
        Self::in_payload(p.src_addr().into(), p.dst_addr().into(), l4)
    }

    fn in_payload(src: IpAddr, dst: IpAddr, l4: &'a [u8]) -> Option<Udp<'a>> {
        let u = UdpPacket::new_checked(l4).ok()?;
        Some(Udp {
            src,
            dst,
            src_port: u.src_port(),
            dst_port: u.dst_port(),
            payload: &l4[u.payload_range()],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 header with Don't Fragment (RFC 1071's worked checksum example: 0xb1e6).
    const IPV4: [u8; 20] = [
        0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0xb1, 0xe6, 0xac, 0x10, 0x0a,
        0x63, 0xac, 0x10, 0x0a, 0x0c,
    ];

    #[test]
    fn ipv4_bytes_and_round_trip() {
        let p = Ipv4Packet::new_checked(&IPV4[..]).unwrap();
        assert_eq!((p.version(), p.header_len(), p.total_len()), (4, 20, 60));
        assert_eq!(
            (p.ident(), p.dont_fragment(), p.fragment_offset()),
            (0x1c46, true, 0)
        );
        assert_eq!((p.ttl(), p.protocol(), p.checksum()), (64, 6, 0xb1e6));
        assert_eq!(p.src_addr(), Ipv4Addr::new(172, 16, 10, 99));
        assert_eq!(p.dst_addr(), Ipv4Addr::new(172, 16, 10, 12));
        assert!(p.payload().is_empty());
        let r = Ipv4Repr::parse(&p).unwrap();
        assert_eq!(r.payload_len, 40);
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(out, IPV4);
        let mut bad = IPV4;
        bad[11] ^= 1;
        assert_eq!(
            Ipv4Repr::parse(&Ipv4Packet::new_checked(&bad[..]).unwrap()),
            Err(Dot11Error::Malformed("IPv4 header checksum is wrong"))
        );
    }

    #[test]
    fn ipv4_damage_is_an_error() {
        let mut v6 = IPV4;
        v6[0] = 0x65;
        assert_eq!(
            Ipv4Packet::new_checked(&v6[..]).unwrap_err(),
            Dot11Error::Malformed("IPv4 version is not 4")
        );
        let mut ihl = IPV4;
        ihl[0] = 0x44;
        assert_eq!(
            Ipv4Packet::new_checked(&ihl[..]).unwrap_err(),
            Dot11Error::Malformed("IPv4 header length below 20")
        );
        let mut options = IPV4;
        options[0] = 0x46;
        assert_eq!(
            Ipv4Packet::new_checked(&options[..]).unwrap_err(),
            Dot11Error::Truncated {
                what: "IPv4 options",
                need: 24,
                have: 20
            }
        );
        assert!(matches!(
            Ipv4Packet::new_checked(&IPV4[..19]),
            Err(Dot11Error::Truncated { need: 20, .. })
        ));
    }

    #[test]
    fn udp_bytes_and_round_trip() {
        // 5000 → 20000, length 12, no checksum, 4 payload bytes and 2 bytes of trailer.
        let bytes = [0x13, 0x88, 0x4e, 0x20, 0, 12, 0, 0, 1, 2, 3, 4, 0xee, 0xee];
        let u = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!((u.src_port(), u.dst_port(), u.len()), (5000, 20000, 12));
        assert_eq!(u.payload(), [1, 2, 3, 4]);
        let r = UdpRepr::parse(&u);
        assert_eq!(r.payload_len, 4);
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(out, bytes[..8]);
        assert!(UdpPacket::new_checked(&bytes[..7]).is_err());
    }

    #[test]
    fn ipv6_fixed_header() {
        let mut ip = vec![0x60, 0, 0, 0, 0, 8, PROTOCOL_UDP, 64];
        ip.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 11]).chain(&[1]));
        ip.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 11]).chain(&[2]));
        ip.extend([0x13, 0x8c, 0x13, 0x8e, 0, 8, 0, 0]);
        let p = Ipv6Packet::new_checked(&ip[..]).unwrap();
        assert_eq!((p.payload_len(), p.next_header()), (8, PROTOCOL_UDP));
        assert_eq!(p.src_addr().to_string(), "2001:db8::1");
        assert_eq!(p.udp_range(), Some(40..48));
        let u = Udp::in_ipv6(&ip).unwrap();
        assert_eq!((u.src_port, u.dst_port, u.payload.len()), (5004, 5006, 0));
        ip[0] = 0x40;
        assert!(Ipv6Packet::new_checked(&ip[..]).is_err());
    }
}
