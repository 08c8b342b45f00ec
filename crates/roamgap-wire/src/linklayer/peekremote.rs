//! 802.11 frames streamed by an AP in sniffer mode (Cisco, Aruba): Ethernet II (optionally one
//! 802.1Q tag) → IPv4 → UDP to the collector's port (5000 by default) → the "peekremote"
//! header of AiroPeek/OmniPeek remote capture → the 802.11 frame.
//!
//! Two headers exist. The legacy one (20 bytes): signal dBm, noise dBm, packet length (BE),
//! slice length (BE), flags, status, timestamp (8, BE), rate (500 kb/s), channel, signal %,
//! noise %; the frame that follows ends in its 4-byte FCS. Peekremote-NG: magic 00 FF AB CD,
//! header version 2, header size (4, BE, 55), type (4), MCS (2), channel (2), frequency (4, MHz),
//! band (4), extended flags (4), signal %, noise %, signal dBm, noise dBm, four per-chain signals
//! and four noises, packet length (2), slice length (2), flags, status, timestamp (8, BE); the
//! frame follows, also with its FCS (as Wireshark reads it).

use super::{mhz_of_channel, split_fcs, Fcs, LinkError, LinkFrame, RadioInfo};
use crate::dot11::bytes::{self, Field, Rest};
use crate::dot11::data::{Udp, ETHERTYPE_IPV4};

/// The Ethernet II header, and the 802.1Q tag that may follow the source address.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod ethernet_field {
    use super::{Field, Rest};

    pub(crate) const DESTINATION: Field = 0..6;
    pub(crate) const SOURCE: Field = 6..12;
    pub(crate) const ETHERTYPE: Field = 12..14;
    pub(crate) const PAYLOAD: Rest = 14..;
    /// With an 802.1Q tag: the tag control information, then the EtherType.
    pub(crate) const VLAN_TCI: Field = 14..16;
    pub(crate) const VLAN_ETHERTYPE: Field = 16..18;
    pub(crate) const VLAN_PAYLOAD: Rest = 18..;
}

const ETHERTYPE_VLAN: u16 = 0x8100;

/// The legacy peekremote header (20 bytes).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod legacy_field {
    use super::{Field, Rest};

    pub(crate) const SIGNAL_DBM: Field = 0..1;
    pub(crate) const NOISE_DBM: Field = 1..2;
    pub(crate) const PACKET_LENGTH: Field = 2..4;
    pub(crate) const SLICE_LENGTH: Field = 4..6;
    pub(crate) const FLAGS: Field = 6..7;
    pub(crate) const STATUS: Field = 7..8;
    pub(crate) const TIMESTAMP: Field = 8..16;
    pub(crate) const RATE: Field = 16..17;
    pub(crate) const CHANNEL: Field = 17..18;
    pub(crate) const SIGNAL_PERCENT: Field = 18..19;
    pub(crate) const NOISE_PERCENT: Field = 19..20;
    pub(crate) const FRAME: Rest = 20..;
}

/// The peekremote-NG header (55 bytes).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod ng_field {
    use super::{Field, Rest};

    pub(crate) const MAGIC: Field = 0..4;
    pub(crate) const VERSION: Field = 4..5;
    pub(crate) const HEADER_SIZE: Field = 5..9;
    pub(crate) const TYPE: Field = 9..13;
    pub(crate) const MCS: Field = 13..15;
    pub(crate) const CHANNEL: Field = 15..17;
    pub(crate) const FREQUENCY: Field = 17..21;
    pub(crate) const BAND: Field = 21..25;
    pub(crate) const EXTENDED_FLAGS: Field = 25..29;
    pub(crate) const SIGNAL_PERCENT: Field = 29..30;
    pub(crate) const NOISE_PERCENT: Field = 30..31;
    pub(crate) const SIGNAL_DBM: Field = 31..32;
    pub(crate) const NOISE_DBM: Field = 32..33;
    /// Per-chain signals (4) and noises (4), dBm.
    pub(crate) const CHAINS: Field = 33..41;
    pub(crate) const PACKET_LENGTH: Field = 41..43;
    pub(crate) const SLICE_LENGTH: Field = 43..45;
    pub(crate) const FLAGS: Field = 45..46;
    pub(crate) const STATUS: Field = 46..47;
    pub(crate) const TIMESTAMP: Field = 47..55;
    pub(crate) const FRAME: Rest = 55..;
}

const LEGACY_LEN: usize = legacy_field::FRAME.start;
const NG_MAGIC: [u8; 4] = [0x00, 0xff, 0xab, 0xcd];
const NG_VERSION: u8 = 2;
const NG_LEN: usize = ng_field::FRAME.start;
/// Peekremote flags: the AP saw a bad CRC.
const FLAG_CRC_ERROR: u8 = 0x02;
/// The frame after either header ends in its FCS.
const FCS_LEN: usize = 4;

/// The UDP payload of an Ethernet frame to or from `port`, if it is one.
fn udp_payload(data: &[u8], port: u16) -> Option<&[u8]> {
    let mut ethertype = bytes::be16_at(data, ethernet_field::ETHERTYPE.start)?;
    let mut ip = ethernet_field::PAYLOAD;
    if ethertype == ETHERTYPE_VLAN {
        ethertype = bytes::be16_at(data, ethernet_field::VLAN_ETHERTYPE.start)?;
        ip = ethernet_field::VLAN_PAYLOAD;
    }
    if ethertype != ETHERTYPE_IPV4 {
        return None;
    }
    let udp = Udp::in_ipv4(&data[ip])?;
    (udp.src_port == port || udp.dst_port == port).then_some(udp.payload)
}

fn fcs_of(flags: u8) -> Fcs {
    if flags & FLAG_CRC_ERROR != 0 {
        Fcs::Bad
    } else {
        Fcs::Present
    }
}

/// Decodes an Ethernet record; `Err(NotWireless)` for traffic that is not remote capture.
pub(crate) fn decode(data: &[u8], port: u16) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "peekremote",
        what,
        short,
    };
    let p = udp_payload(data, port).ok_or(LinkError::NotWireless)?;
    if p.len() >= ng_field::HEADER_SIZE.end && p[ng_field::MAGIC] == NG_MAGIC {
        if p[ng_field::VERSION.start] != NG_VERSION {
            return Err(err("unknown peekremote-NG header version", false));
        }
        if bytes::be32(p, ng_field::HEADER_SIZE) as usize != NG_LEN {
            return Err(err("peekremote-NG header size is not 55", false));
        }
        if p.len() < NG_LEN {
            return Err(err("peekremote-NG header cut short", true));
        }
        let freq = bytes::be32(p, ng_field::FREQUENCY);
        let radio = RadioInfo {
            channel_mhz: u16::try_from(freq)
                .ok()
                .filter(|&f| f != 0)
                .or_else(|| mhz_of_channel(bytes::be16(p, ng_field::CHANNEL))),
            signal_dbm: Some(p[ng_field::SIGNAL_DBM.start] as i8),
            noise_dbm: Some(p[ng_field::NOISE_DBM.start] as i8),
            tsft: Some(bytes::be64(p, ng_field::TIMESTAMP)),
            mcs: u8::try_from(bytes::be16(p, ng_field::MCS)).ok(),
            fcs: fcs_of(p[ng_field::FLAGS.start]),
            ..RadioInfo::default()
        };
        let short = err("peekremote-NG frame shorter than its FCS", true);
        if p.len() < NG_LEN + FCS_LEN {
            return Err(short);
        }
        let (dot11, fcs) = split_fcs(&p[ng_field::FRAME]).ok_or(short)?;
        return Ok(LinkFrame {
            radio,
            dot11,
            header_padded: false,
            fcs_bytes: Some(fcs),
        });
    }
    let short = err("peekremote header and FCS cut short", true);
    if p.len() < LEGACY_LEN + FCS_LEN {
        return Err(short);
    }
    let radio = RadioInfo {
        signal_dbm: Some(p[legacy_field::SIGNAL_DBM.start] as i8),
        noise_dbm: Some(p[legacy_field::NOISE_DBM.start] as i8),
        tsft: Some(bytes::be64(p, legacy_field::TIMESTAMP)),
        rate_500kbps: Some(p[legacy_field::RATE.start]).filter(|&r| r != 0),
        channel_mhz: mhz_of_channel(u16::from(p[legacy_field::CHANNEL.start])),
        fcs: fcs_of(p[legacy_field::FLAGS.start]),
        ..RadioInfo::default()
    };
    let (dot11, fcs) = split_fcs(&p[legacy_field::FRAME]).ok_or(short)?;
    Ok(LinkFrame {
        radio,
        dot11,
        header_padded: false,
        fcs_bytes: Some(fcs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dot11::data::{Ipv4Repr, UdpRepr, PROTOCOL_UDP};

    /// An ACK to 00:22:55:d4:b4:80 and a 4-byte FCS.
    const ACK_AND_FCS: [u8; 14] = [
        0xd4, 0, 0, 0, 0x00, 0x22, 0x55, 0xd4, 0xb4, 0x80, 0xde, 0xad, 0xbe, 0xef,
    ];

    /// Ethernet (with a VLAN tag when asked) → IPv4 → UDP 5555 → 5000 → `payload`.
    fn stream(payload: &[u8], vlan: bool) -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x00, 0x23, 0xea, 0, 0, 1];
        if vlan {
            f.extend([0x81, 0x00, 0x00, 0x0a]);
        }
        f.extend([0x08, 0x00]);
        let udp = UdpRepr {
            src_port: 5555,
            dst_port: 5000,
            payload_len: payload.len(),
        };
        Ipv4Repr {
            src_addr: [10, 0, 0, 2].into(),
            dst_addr: [10, 0, 0, 9].into(),
            protocol: PROTOCOL_UDP,
            dscp_ecn: 0,
            ident: 1,
            dont_fragment: false,
            ttl: 64,
            payload_len: 8 + payload.len(),
        }
        .emit(&mut f);
        udp.emit(&mut f);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn legacy_header() {
        let mut p = vec![
            0xce, 0xa6, // signal -50 dBm, noise -90 dBm
            0x00, 0x0e, 0x00, 0x0e, // packet and slice length
            0x00, 0x00, // flags, status
            0, 0, 0, 0, 0, 0x01, 0x23, 0x45, // timestamp
            24, 6, 60, 10, // rate (12 Mb/s), channel, signal %, noise %
        ];
        p.extend(ACK_AND_FCS);
        for vlan in [false, true] {
            let rec = stream(&p, vlan);
            let f = decode(&rec, 5000).unwrap();
            assert_eq!(
                (f.radio.signal_dbm, f.radio.noise_dbm, f.radio.tsft),
                (Some(-50), Some(-90), Some(0x012345))
            );
            assert_eq!(
                (f.radio.rate_500kbps, f.radio.channel_mhz, f.radio.fcs),
                (Some(24), Some(2437), Fcs::Present)
            );
            assert_eq!(f.dot11, &ACK_AND_FCS[..10]);
            assert_eq!(f.fcs_bytes, Some([0xde, 0xad, 0xbe, 0xef]));
        }
        // Another port: not remote capture. A header without the FCS: cut short.
        assert_eq!(
            decode(&stream(&p, false), 5001).unwrap_err(),
            LinkError::NotWireless
        );
        assert!(matches!(
            decode(&stream(&p[..23], false), 5000),
            Err(LinkError::Header { short: true, .. })
        ));
    }

    #[test]
    fn ng_header() {
        let mut p = vec![
            0x00, 0xff, 0xab, 0xcd, 2, 0, 0, 0, 55, // magic, version, header size
            0, 0, 0, 1, 0x00, 0x07, 0x00, 0x24, // type, MCS 7, channel 36
            0, 0, 0x14, 0x3c, 0, 0, 0, 2, 0, 0, 0, 0, // 5180 MHz, band, extended flags
            70, 5, 0xc4, 0xa1, // signal %, noise %, signal -60 dBm, noise -95 dBm
            0xc4, 0xc5, 0x80, 0x80, 0xa1, 0xa1, 0x80, 0x80, // per-chain signal, noise
            0x00, 0x0e, 0x00, 0x0e, 0x02, 0x00, // lengths, flags (CRC error), status
            0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d, // timestamp
        ];
        assert_eq!(p.len(), NG_LEN);
        p.extend(ACK_AND_FCS);
        let rec = stream(&p, false);
        let f = decode(&rec, 5000).unwrap();
        assert_eq!(
            (f.radio.channel_mhz, f.radio.mcs, f.radio.tsft),
            (Some(5180), Some(7), Some(0x0a0b_0c0d))
        );
        assert_eq!(
            (f.radio.signal_dbm, f.radio.noise_dbm),
            (Some(-60), Some(-95))
        );
        assert_eq!((f.radio.fcs, f.dot11), (Fcs::Bad, &ACK_AND_FCS[..10]));
        let mut v3 = p.clone();
        v3[4] = 3;
        assert_eq!(
            decode(&stream(&v3, false), 5000).unwrap_err().to_string(),
            "peekremote header: unknown peekremote-NG header version"
        );
        assert!(matches!(
            decode(&stream(&p[..NG_LEN + 3], false), 5000),
            Err(LinkError::Header { short: true, .. })
        ));
    }
}
