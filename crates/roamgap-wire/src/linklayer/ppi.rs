//! PPI, the Per-Packet Information header (link type 192; CACE "PPI Header Format" 1.0.10):
//! version, flags, length and the link type behind it, then typed fields; the 802.11-Common
//! field (type 2) carries the radio facts.

use super::{channel_of_mhz_checked, split_fcs, Fcs, LinkError, LinkFrame, RadioInfo};
use crate::dot11::bytes::{self, Field, Rest};

/// The PPI packet header (little-endian).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::{Field, Rest};

    pub(crate) const VERSION: Field = 0..1;
    pub(crate) const FLAGS: Field = 1..2;
    pub(crate) const LENGTH: Field = 2..4;
    pub(crate) const DLT: Field = 4..8;
    pub(crate) const FIELDS: Rest = 8..;
}

/// The header of each PPI field: type and data length.
pub(crate) mod field_header {
    use super::{Field, Rest};

    pub(crate) const TYPE: Field = 0..2;
    pub(crate) const SIZE: Field = 2..4;
    pub(crate) const DATA: Rest = 4..;
}

/// The 802.11-Common field's data (PPI 1.0.10, 4.1.2).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod common_field {
    use super::Field;

    pub(crate) const TSF_TIMER: Field = 0..8;
    pub(crate) const FLAGS: Field = 8..10;
    /// Rate in 500 kb/s.
    pub(crate) const RATE: Field = 10..12;
    pub(crate) const FREQUENCY: Field = 12..14;
    pub(crate) const CHANNEL_FLAGS: Field = 14..16;
    pub(crate) const FHSS_HOPSET: Field = 16..17;
    pub(crate) const FHSS_PATTERN: Field = 17..18;
    pub(crate) const SIGNAL_DBM: Field = 18..19;
    pub(crate) const NOISE_DBM: Field = 19..20;
}

/// Link type 105: IEEE 802.11 without radio header.
const DLT_IEEE802_11: u32 = 105;

const FIELD_80211_COMMON: u16 = 2;
/// 802.11-Common flags: FCS present, FCS invalid.
const FLAG_FCS: u16 = 0x0001;
const FLAG_FCS_BAD: u16 = 0x0004;

pub(crate) fn decode(data: &[u8]) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "PPI",
        what,
        short,
    };
    if data.len() < field::FIELDS.start {
        return Err(err("shorter than its 8-byte fixed part", true));
    }
    if data[field::VERSION.start] != 0 {
        return Err(err("version is not 0", false));
    }
    let len = usize::from(bytes::le16(data, field::LENGTH));
    if len < field::FIELDS.start {
        return Err(err("length field below 8", false));
    }
    if len > data.len() {
        return Err(err("length field runs past the end of the record", true));
    }
    if bytes::le32(data, field::DLT) != DLT_IEEE802_11 {
        return Err(err(
            "carries a link type other than 105 (IEEE 802.11)",
            false,
        ));
    }
    let mut radio = RadioInfo::default();
    let mut at = field::FIELDS.start;
    while at + field_header::DATA.start <= len {
        let h = &data[at..];
        let kind = bytes::le16(h, field_header::TYPE);
        let size = usize::from(bytes::le16(h, field_header::SIZE));
        let body = at + field_header::DATA.start;
        if body + size > len {
            return Err(err("a field runs past the header length", false));
        }
        if kind == FIELD_80211_COMMON && size >= common_field::NOISE_DBM.end {
            let f = &data[body..body + size];
            radio.tsft = Some(bytes::le64(f, common_field::TSF_TIMER));
            let flags = bytes::le16(f, common_field::FLAGS);
            let rate = bytes::le16(f, common_field::RATE);
            radio.rate_500kbps = (rate != 0 && rate <= 255).then_some(rate as u8);
            radio.channel_mhz = Some(bytes::le16(f, common_field::FREQUENCY))
                .filter(|&m| channel_of_mhz_checked(m));
            let dbm = |field: Field| Some(f[field.start] as i8).filter(|&s| s != -128 && s != 0);
            radio.signal_dbm = dbm(common_field::SIGNAL_DBM);
            radio.noise_dbm = dbm(common_field::NOISE_DBM);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A PPI header with one 802.11-Common field: TSF 0x55aa, FCS present, 24 Mb/s,
    /// 5180 MHz, -58 / -95 dBm.
    const HEADER: [u8; 32] = [
        0, 0, 32, 0, 105, 0, 0, 0, // version, flags, length 32, DLT 105
        2, 0, 20, 0, // field type 2 (802.11-Common), 20 bytes
        0xaa, 0x55, 0, 0, 0, 0, 0, 0, // TSF timer
        0x01, 0x00, 48, 0, 0x3c, 0x14, 0x40, 0x01, // flags (FCS), rate, frequency, flags
        0, 0, 0xc6, 0xa1, // FHSS hopset, pattern, signal, noise
    ];

    #[test]
    fn common_field_and_fcs() {
        let mut rec = HEADER.to_vec();
        rec.extend([0xd4, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0xa, 0xb, 0xc, 0xd]);
        let f = decode(&rec).unwrap();
        assert_eq!(
            (f.radio.tsft, f.radio.rate_500kbps),
            (Some(0x55aa), Some(48))
        );
        assert_eq!(f.radio.channel_mhz, Some(5180));
        assert_eq!(
            (f.radio.signal_dbm, f.radio.noise_dbm),
            (Some(-58), Some(-95))
        );
        assert_eq!(
            (f.radio.fcs, f.fcs_bytes),
            (Fcs::Present, Some([0xa, 0xb, 0xc, 0xd]))
        );
        assert_eq!(f.dot11, &rec[32..42]);
        // FCS invalid (flags bit 2).
        rec[20] = 0x05;
        assert_eq!(decode(&rec).unwrap().radio.fcs, Fcs::Bad);
    }

    #[test]
    fn damaged_headers_are_errors() {
        let mut dlt = HEADER;
        dlt[4] = 127;
        assert_eq!(
            decode(&dlt).unwrap_err().to_string(),
            "PPI header: carries a link type other than 105 (IEEE 802.11)"
        );
        let mut field = HEADER;
        field[10] = 21;
        assert_eq!(
            decode(&field).unwrap_err().to_string(),
            "PPI header: a field runs past the header length"
        );
        assert!(matches!(
            decode(&HEADER[..20]),
            Err(LinkError::Header { short: true, .. })
        ));
        let mut v1 = HEADER;
        v1[0] = 1;
        assert!(matches!(
            decode(&v1),
            Err(LinkError::Header { short: false, .. })
        ));
    }
}
