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

const LEGACY_LEN: usize = 20;
const NG_MAGIC: [u8; 4] = [0x00, 0xff, 0xab, 0xcd];
const NG_LEN: usize = 55;
/// Peekremote flags: the AP saw a bad CRC.
const FLAG_CRC_ERROR: u8 = 0x02;

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(x)
}

/// The UDP payload of an Ethernet frame to or from `port`, if it is one.
fn udp_payload(data: &[u8], port: u16) -> Option<&[u8]> {
    let mut at = 12;
    let mut ethertype = be16(data.get(..14)?, 12);
    if ethertype == 0x8100 {
        ethertype = be16(data.get(..18)?, 16);
        at += 4;
    }
    if ethertype != 0x0800 {
        return None;
    }
    let ip = data.get(at + 2..)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    if ip.first()? >> 4 != 4 || ihl < 20 || ip.len() < ihl + 8 || *ip.get(9)? != 17 {
        return None;
    }
    // Only the first fragment carries the UDP header.
    if be16(ip, 6) & 0x1fff != 0 {
        return None;
    }
    let total = usize::from(be16(ip, 2)).clamp(ihl, ip.len());
    let udp = &ip[ihl..total];
    if udp.len() < 8 {
        return None;
    }
    let (src, dst) = (be16(udp, 0), be16(udp, 2));
    if src != port && dst != port {
        return None;
    }
    let len = usize::from(be16(udp, 4)).clamp(8, udp.len());
    Some(&udp[8..len])
}

/// Decodes an Ethernet record; `Err(NotWireless)` for traffic that is not remote capture.
pub fn decode(data: &[u8], port: u16) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "peekremote",
        what,
        short,
    };
    let p = udp_payload(data, port).ok_or(LinkError::NotWireless)?;
    if p.len() >= 9 && p[..4] == NG_MAGIC {
        if p[4] != 2 {
            return Err(err("unknown peekremote-NG header version", false));
        }
        let size = u32::from_be_bytes([p[5], p[6], p[7], p[8]]) as usize;
        if size != NG_LEN {
            return Err(err("peekremote-NG header size is not 55", false));
        }
        if p.len() < NG_LEN {
            return Err(err("peekremote-NG header cut short", true));
        }
        let freq = u32::from_be_bytes([p[17], p[18], p[19], p[20]]);
        let radio = RadioInfo {
            channel_mhz: u16::try_from(freq)
                .ok()
                .filter(|&f| f != 0)
                .or_else(|| mhz_of_channel(be16(p, 15))),
            signal_dbm: Some(p[31] as i8),
            noise_dbm: Some(p[32] as i8),
            tsft: Some(be64(p, 47)),
            mcs: u8::try_from(be16(p, 13)).ok(),
            fcs: if p[45] & FLAG_CRC_ERROR != 0 {
                Fcs::Bad
            } else {
                Fcs::Present
            },
            ..RadioInfo::default()
        };
        if p.len() < NG_LEN + 4 {
            return Err(err("peekremote-NG frame shorter than its FCS", true));
        }
        let (dot11, fcs) =
            split_fcs(&p[NG_LEN..]).ok_or(err("peekremote-NG frame shorter than its FCS", true))?;
        return Ok(LinkFrame {
            radio,
            dot11,
            header_padded: false,
            fcs_bytes: Some(fcs),
        });
    }
    if p.len() < LEGACY_LEN + 4 {
        return Err(err("peekremote header and FCS cut short", true));
    }
    let radio = RadioInfo {
        signal_dbm: Some(p[0] as i8),
        noise_dbm: Some(p[1] as i8),
        tsft: Some(be64(p, 8)),
        rate_500kbps: Some(p[16]).filter(|&r| r != 0),
        channel_mhz: mhz_of_channel(u16::from(p[17])),
        fcs: if p[6] & FLAG_CRC_ERROR != 0 {
            Fcs::Bad
        } else {
            Fcs::Present
        },
        ..RadioInfo::default()
    };
    let (dot11, fcs) =
        split_fcs(&p[LEGACY_LEN..]).ok_or(err("peekremote header and FCS cut short", true))?;
    Ok(LinkFrame {
        radio,
        dot11,
        header_padded: false,
        fcs_bytes: Some(fcs),
    })
}
