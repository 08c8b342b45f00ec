//! PPI, the Per-Packet Information header (link type 192; CACE "PPI Header Format" 1.0.10):
//! version, flags, length and the link type behind it, then typed fields; the 802.11-Common
//! field (type 2) carries the radio facts.

use super::{channel_of_mhz_checked, split_fcs, Fcs, LinkError, LinkFrame, RadioInfo};

const FIELD_80211_COMMON: u16 = 2;
/// 802.11-Common flags: FCS present, FCS invalid.
const FLAG_FCS: u16 = 0x0001;
const FLAG_FCS_BAD: u16 = 0x0004;

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub fn decode(data: &[u8]) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "PPI",
        what,
        short,
    };
    if data.len() < 8 {
        return Err(err("shorter than its 8-byte fixed part", true));
    }
    if data[0] != 0 {
        return Err(err("version is not 0", false));
    }
    let len = usize::from(le16(data, 2));
    if len < 8 {
        return Err(err("length field below 8", false));
    }
    if len > data.len() {
        return Err(err("length field runs past the end of the record", true));
    }
    let dlt = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
    if dlt != 105 {
        return Err(err(
            "carries a link type other than 105 (IEEE 802.11)",
            false,
        ));
    }
    let mut radio = RadioInfo::default();
    let mut at = 8;
    while at + 4 <= len {
        let (kind, size) = (le16(data, at), usize::from(le16(data, at + 2)));
        let body = at + 4;
        if body + size > len {
            return Err(err("a field runs past the header length", false));
        }
        if kind == FIELD_80211_COMMON && size >= 20 {
            // TSF timer (8), flags (2), rate (2, 500 kb/s), frequency (2), channel flags (2),
            // FHSS hopset and pattern (1 each), dBm signal, dBm noise.
            let f = &data[body..body + size];
            radio.tsft = Some(u64::from_le_bytes([
                f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
            ]));
            let flags = le16(f, 8);
            let rate = le16(f, 10);
            radio.rate_500kbps = (rate != 0 && rate <= 255).then_some(rate as u8);
            radio.channel_mhz = Some(le16(f, 12)).filter(|&m| channel_of_mhz_checked(m));
            radio.signal_dbm = Some(f[18] as i8).filter(|&s| s != -128 && s != 0);
            radio.noise_dbm = Some(f[19] as i8).filter(|&s| s != -128 && s != 0);
            if flags & FLAG_FCS != 0 {
                radio.fcs = Fcs::Present;
            }
            if flags & FLAG_FCS_BAD != 0 {
                radio.fcs = Fcs::Bad;
            }
        }
        at = body + size;
    }
    let mut dot11 = &data[len..];
    let mut fcs_bytes = None;
    if radio.fcs != Fcs::Absent {
        if let Some((frame, fcs)) = split_fcs(dot11) {
            (dot11, fcs_bytes) = (frame, Some(fcs));
        }
    }
    Ok(LinkFrame {
        radio,
        dot11,
        header_padded: false,
        fcs_bytes,
    })
}
