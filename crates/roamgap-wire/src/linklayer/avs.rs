//! The AVS WLAN capture header (link type 163; "AVS WLAN Monitor Header" version 2), all fields
//! big-endian: version (0x80211001), length (64), MAC time, host time, PHY type, channel, data
//! rate (100 kb/s), antenna, priority, SSI type, SSI signal, SSI noise, preamble, encoding.

use super::{mhz_of_channel, LinkError, LinkFrame, RadioInfo};
use crate::dot11::bytes::{self, Field};

/// The AVS header fields (all big-endian).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::Field;

    pub(crate) const VERSION: Field = 0..4;
    pub(crate) const LENGTH: Field = 4..8;
    pub(crate) const MAC_TIME: Field = 8..16;
    pub(crate) const HOST_TIME: Field = 16..24;
    pub(crate) const PHY_TYPE: Field = 24..28;
    pub(crate) const CHANNEL: Field = 28..32;
    /// Data rate in 100 kb/s.
    pub(crate) const DATA_RATE: Field = 32..36;
    pub(crate) const ANTENNA: Field = 36..40;
    pub(crate) const PRIORITY: Field = 40..44;
    pub(crate) const SSI_TYPE: Field = 44..48;
    pub(crate) const SSI_SIGNAL: Field = 48..52;
    pub(crate) const SSI_NOISE: Field = 52..56;
    pub(crate) const PREAMBLE: Field = 56..60;
    pub(crate) const ENCODING: Field = 60..64;
}

/// The length of a version 2 header, the least a Length field may say.
const HEADER_LEN: usize = field::ENCODING.end;

const VERSION_1: u32 = 0x8021_1001;
const VERSION_2: u32 = 0x8021_1002;
/// SSI type 2: signal and noise are in dBm.
const SSI_DBM: u32 = 2;

/// A signal or noise level in dBm, if within the plausible range.
fn dbm(raw: u32) -> Option<i8> {
    Some(raw as i32)
        .filter(|v| (-127..0).contains(v))
        .map(|v| v as i8)
}

pub(crate) fn decode(data: &[u8]) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "AVS",
        what,
        short,
    };
    if data.len() < field::LENGTH.end {
        return Err(err("shorter than its version and length", true));
    }
    if !matches!(bytes::be32(data, field::VERSION), VERSION_1 | VERSION_2) {
        return Err(err("unknown version", false));
    }
    let len = bytes::be32(data, field::LENGTH) as usize;
    if len < HEADER_LEN {
        return Err(err("length field below 64", false));
    }
    if len > data.len() {
        return Err(err("length field runs past the end of the record", true));
    }
    let rate = bytes::be32(data, field::DATA_RATE);
    let in_dbm = bytes::be32(data, field::SSI_TYPE) == SSI_DBM;
    let radio = RadioInfo {
        tsft: Some(bytes::be64(data, field::MAC_TIME)),
        channel_mhz: u16::try_from(bytes::be32(data, field::CHANNEL))
            .ok()
            .and_then(mhz_of_channel),
        // 100 kb/s units → 500 kb/s units.
        rate_500kbps: u8::try_from(rate / 5).ok().filter(|&r| r != 0),
        signal_dbm: in_dbm
            .then(|| dbm(bytes::be32(data, field::SSI_SIGNAL)))
            .flatten(),
        noise_dbm: in_dbm
            .then(|| dbm(bytes::be32(data, field::SSI_NOISE)))
            .flatten(),
        ..RadioInfo::default()
    };
    Ok(LinkFrame {
        radio,
        dot11: &data[len..],
        header_padded: false,
        fcs_bytes: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 2 header: MAC time 0x1234, channel 11, 54 Mb/s, SSI in dBm (-48, -92).
    const HEADER: [u8; 64] = [
        0x80, 0x21, 0x10, 0x02, 0, 0, 0, 64, // version, length
        0, 0, 0, 0, 0, 0, 0x12, 0x34, // MAC time
        0, 0, 0, 0, 0, 0, 0, 9, // host time
        0, 0, 0, 4, 0, 0, 0, 11, // PHY type (OFDM), channel
        0, 0, 0x02, 0x1c, 0, 0, 0, 1, // data rate 540 × 100 kb/s, antenna
        0, 0, 0, 0, 0, 0, 0, 2, // priority, SSI type (dBm)
        0xff, 0xff, 0xff, 0xd0, 0xff, 0xff, 0xff, 0xa4, // signal, noise
        0, 0, 0, 1, 0, 0, 0, 1, // preamble, encoding
    ];

    #[test]
    fn header_fields() {
        let mut rec = HEADER.to_vec();
        rec.extend([0xd4, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
        let f = decode(&rec).unwrap();
        assert_eq!(f.radio.tsft, Some(0x1234));
        assert_eq!(
            (f.radio.channel_mhz, f.radio.rate_500kbps),
            (Some(2462), Some(108))
        );
        assert_eq!(
            (f.radio.signal_dbm, f.radio.noise_dbm),
            (Some(-48), Some(-92))
        );
        assert_eq!(f.dot11, &rec[64..]);
        // SSI type 1 (normalized RSSI): no dBm.
        rec[47] = 1;
        assert_eq!(decode(&rec).unwrap().radio.signal_dbm, None);
    }

    #[test]
    fn damaged_headers_are_errors() {
        let mut v = HEADER;
        v[3] = 0x07;
        assert_eq!(
            decode(&v).unwrap_err().to_string(),
            "AVS header: unknown version"
        );
        let mut short_len = HEADER;
        short_len[7] = 60;
        assert!(matches!(
            decode(&short_len),
            Err(LinkError::Header { short: false, .. })
        ));
        assert!(matches!(
            decode(&HEADER[..40]),
            Err(LinkError::Header { short: true, .. })
        ));
        assert!(matches!(
            decode(&HEADER[..6]),
            Err(LinkError::Header { short: true, .. })
        ));
    }
}
