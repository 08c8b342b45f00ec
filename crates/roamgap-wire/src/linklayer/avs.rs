//! The AVS WLAN capture header (link type 163; "AVS WLAN Monitor Header" version 2), all fields
//! big-endian: version (0x80211001), length (64), MAC time, host time, PHY type, channel, data
//! rate (100 kb/s), antenna, priority, SSI type, SSI signal, SSI noise, preamble, encoding.

use super::{mhz_of_channel, LinkError, LinkFrame, RadioInfo};

const VERSION_1: u32 = 0x8021_1001;
const VERSION_2: u32 = 0x8021_1002;
/// SSI type 2: signal and noise are in dBm.
const SSI_DBM: u32 = 2;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn decode(data: &[u8]) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "AVS",
        what,
        short,
    };
    if data.len() < 8 {
        return Err(err("shorter than its version and length", true));
    }
    if !matches!(be32(data, 0), VERSION_1 | VERSION_2) {
        return Err(err("unknown version", false));
    }
    let len = be32(data, 4) as usize;
    if len < 64 {
        return Err(err("length field below 64", false));
    }
    if len > data.len() {
        return Err(err("length field runs past the end of the record", true));
    }
    let rate = be32(data, 32);
    let dbm = be32(data, 44) == SSI_DBM;
    let radio = RadioInfo {
        tsft: Some(u64::from_be_bytes([
            data[8], data[9], data[10], data[11], data[12], data[13], data[14], data[15],
        ])),
        channel_mhz: u16::try_from(be32(data, 28)).ok().and_then(mhz_of_channel),
        // 100 kb/s units → 500 kb/s units.
        rate_500kbps: u8::try_from(rate / 5).ok().filter(|&r| r != 0),
        signal_dbm: dbm
            .then(|| be32(data, 48) as i32)
            .filter(|v| (-127..0).contains(v))
            .map(|v| v as i8),
        noise_dbm: dbm
            .then(|| be32(data, 52) as i32)
            .filter(|v| (-127..0).contains(v))
            .map(|v| v as i8),
        ..RadioInfo::default()
    };
    Ok(LinkFrame {
        radio,
        dot11: &data[len..],
        header_padded: false,
        fcs_bytes: None,
    })
}
