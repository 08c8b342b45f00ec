//! Radiotap (<https://www.radiotap.org>): a version, a length and a chain of "present"
//! bitmaps, then the fields in bit order, each aligned to its natural size relative to the
//! start of the header.
//!
//! Walked here without allocating (the `radiotap` crate collects the present bits into a `Vec`
//! per frame); the crate is used in the tests as an independent cross-check.

use super::{split_fcs, Fcs, LinkError, LinkFrame, RadioInfo};
use crate::dot11::bytes::{self, Field};

/// The radiotap header's fixed part (little-endian).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::Field;

    pub(crate) const VERSION: Field = 0..1;
    pub(crate) const PAD: Field = 1..2;
    pub(crate) const LENGTH: Field = 2..4;
    /// The first present bitmap; bit 31 chains another.
    pub(crate) const PRESENT: Field = 4..8;
}

/// Alignment and size of the fields of the default namespace, by bit number, up to the last
/// one roamgap reads (MCS).
const FIELDS: [(usize, usize); 20] = [
    (8, 8), // 0 TSFT
    (1, 1), // 1 Flags
    (1, 1), // 2 Rate
    (2, 4), // 3 Channel: frequency, flags
    (2, 2), // 4 FHSS
    (1, 1), // 5 dBm antenna signal
    (1, 1), // 6 dBm antenna noise
    (2, 2), // 7 Lock quality
    (2, 2), // 8 TX attenuation
    (2, 2), // 9 dB TX attenuation
    (1, 1), // 10 dBm TX power
    (1, 1), // 11 Antenna
    (1, 1), // 12 dB antenna signal
    (1, 1), // 13 dB antenna noise
    (2, 2), // 14 RX flags
    (2, 2), // 15 TX flags
    (1, 1), // 16 RTS retries
    (1, 1), // 17 data retries
    (4, 8), // 18 XChannel: flags, frequency, channel, max power
    (1, 3), // 19 MCS: known, flags, index
];

const FLAG_FCS_AT_END: u8 = 0x10;
const FLAG_DATA_PAD: u8 = 0x20;
const FLAG_BAD_FCS: u8 = 0x40;

/// Present-word bit that chains another word.
const BIT_EXT: u32 = 1 << 31;
/// Bound on the present-word chain, so a hostile header cannot make us walk far.
const MAX_PRESENT_WORDS: usize = 64;

/// Decodes a radiotap header and returns the 802.11 frame behind it.
///
/// The header itself must be sound (version 0, length within the record, present words
/// within the length); a field that runs past the header only ends the field walk, as the
/// 802.11 frame is still where the length says.
pub(crate) fn decode(data: &[u8]) -> Result<LinkFrame<'_>, LinkError> {
    if data.len() < field::PRESENT.end {
        return Err(LinkError::RadiotapShort(
            "shorter than its 8-byte fixed part",
        ));
    }
    if data[field::VERSION.start] != 0 {
        return Err(LinkError::Radiotap("version is not 0"));
    }
    let len = usize::from(bytes::le16(data, field::LENGTH));
    if len < field::PRESENT.end {
        return Err(LinkError::Radiotap("length field below 8"));
    }
    if len > data.len() {
        return Err(LinkError::RadiotapShort(
            "length field runs past the end of the record",
        ));
    }
    let header = &data[..len];

    let mut words_end = field::PRESENT.start;
    loop {
        if words_end + 4 > len {
            return Err(LinkError::Radiotap(
                "present bitmaps run past the header length",
            ));
        }
        let word = bytes::le32(header, words_end..words_end + 4);
        words_end += 4;
        if word & BIT_EXT == 0 {
            break;
        }
        if (words_end - 4) / 4 >= MAX_PRESENT_WORDS {
            return Err(LinkError::Radiotap("more than 64 present bitmaps"));
        }
    }

    let mut radio = RadioInfo::default();
    let mut flags = 0u8;
    walk_fields(header, words_end, &mut radio, &mut flags);

    let mut dot11 = &data[len..];
    let mut fcs_bytes = None;
    if flags & FLAG_FCS_AT_END != 0 {
        if let Some((frame, fcs)) = split_fcs(dot11) {
            (dot11, fcs_bytes) = (frame, Some(fcs));
            radio.fcs = Fcs::Present;
        }
    }
    if flags & FLAG_BAD_FCS != 0 {
        radio.fcs = Fcs::Bad;
    }
    Ok(LinkFrame {
        radio,
        dot11,
        header_padded: flags & FLAG_DATA_PAD != 0,
        fcs_bytes,
    })
}

/// Reads the fields roamgap uses: all are bits 0–19 of the first present word, whose fields
/// come first in the data area (later words describe further fields, vendor namespaces or the
/// same fields per antenna, none of which is needed). Stops quietly at a field that runs past
/// the header. Only the set bits are visited.
fn walk_fields(header: &[u8], words_end: usize, radio: &mut RadioInfo, flags: &mut u8) {
    let len = header.len();
    let mut bits = bytes::le32(header, field::PRESENT) & ((1 << FIELDS.len()) - 1);
    let mut cursor = words_end;
    while bits != 0 {
        let bit = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        let (align, size) = FIELDS[bit];
        // Alignments are powers of two.
        cursor = (cursor + align - 1) & !(align - 1);
        if cursor + size > len {
            return;
        }
        read_field(bit, &header[cursor..cursor + size], radio, flags);
        cursor += size;
    }
}

fn read_field(index: usize, v: &[u8], radio: &mut RadioInfo, flags: &mut u8) {
    match index {
        0 => radio.tsft = Some(bytes::le64(v, 0..8)),
        1 => *flags = v[0],
        2 => radio.rate_500kbps = Some(v[0]),
        3 => radio.channel_mhz = Some(bytes::le16(v, 0..2)).filter(|&f| f != 0),
        5 => radio.signal_dbm = Some(v[0] as i8),
        6 => radio.noise_dbm = Some(v[0] as i8),
        // XChannel: used when the Channel field is absent.
        18 if radio.channel_mhz.is_none() => {
            radio.channel_mhz = Some(bytes::le16(v, 4..6)).filter(|&f| f != 0)
        }
        // MCS (known, flags, index): known bit 1 = index known, bit 0 = bandwidth known
        // (flags bits 0-1, 1 = 40 MHz), bit 2 = guard interval known (flags bit 2 = short).
        19 if v[0] & 0x02 != 0 => {
            radio.mcs = Some(v[2]);
            radio.mcs_40mhz = v[0] & 0x01 != 0 && v[1] & 0x03 == 1;
            radio.mcs_short_gi = v[0] & 0x04 != 0 && v[1] & 0x04 != 0;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Present-word bits that switch to the radiotap or a vendor namespace.
    const BIT_RADIOTAP_NS: u32 = 1 << 29;
    const BIT_VENDOR_NS: u32 = 1 << 30;

    /// A radiotap header as our generator writes it: TSFT, flags, rate, channel, signal.
    fn header(flags: u8) -> Vec<u8> {
        let mut h = vec![0, 0, 0, 0];
        h.extend(0x0000_002fu32.to_le_bytes());
        h.extend(123_456u64.to_le_bytes());
        h.extend([flags, 24]);
        h.extend(2437u16.to_le_bytes());
        h.extend(0x00a0u16.to_le_bytes());
        h.push(-61i8 as u8);
        let len = h.len() as u16;
        h[2..4].copy_from_slice(&len.to_le_bytes());
        h
    }

    #[test]
    fn fields_and_fcs() {
        let mut rec = header(FLAG_FCS_AT_END);
        rec.extend([0x80, 0, 1, 2, 3, 4, 5, 6]);
        let f = decode(&rec).unwrap();
        assert_eq!(f.radio.tsft, Some(123_456));
        assert_eq!(f.radio.rate_500kbps, Some(24));
        assert_eq!(f.radio.channel_mhz, Some(2437));
        assert_eq!(f.radio.channel(), Some(6));
        assert_eq!(f.radio.signal_dbm, Some(-61));
        assert_eq!(f.radio.fcs, Fcs::Present);
        assert_eq!(f.dot11, &[0x80, 0, 1, 2]);
        let bad = header(FLAG_FCS_AT_END | FLAG_BAD_FCS);
        assert_eq!(decode(&bad).unwrap().radio.fcs, Fcs::Bad);
    }

    #[test]
    fn extended_bitmaps_and_vendor_namespace() {
        // word 0: flags + ext + vendor ns next; word 1 (vendor): ext + radiotap ns next;
        // word 2 (radiotap ns again): antenna signal (per antenna: ignored).
        let mut h = vec![0, 0, 0, 0];
        h.extend((1u32 << 1 | BIT_VENDOR_NS | BIT_EXT).to_le_bytes());
        h.extend((1u32 | BIT_RADIOTAP_NS | BIT_EXT).to_le_bytes());
        h.extend((1u32 << 5).to_le_bytes());
        h.push(FLAG_DATA_PAD); // flags at 16
        h.push(0); // align 2
        h.extend([0x00, 0x11, 0x22, 0x01, 3, 0]); // vendor header, 3 bytes follow
        h.extend([9, 9, 9]);
        h.push(-40i8 as u8);
        let len = h.len() as u16;
        h[2..4].copy_from_slice(&len.to_le_bytes());
        let f = decode(&h).unwrap();
        assert!(f.header_padded);
        assert_eq!(f.radio.signal_dbm, None);
        assert!(f.dot11.is_empty());
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(decode(&[0, 0, 8]).is_err());
        assert!(decode(&[1, 0, 8, 0, 0, 0, 0, 0]).is_err());
        assert!(decode(&[0, 0, 200, 0, 0, 0, 0, 0]).is_err());
        assert!(decode(&[0, 0, 4, 0, 0, 0, 0, 0]).is_err());
        // An endless chain of present words.
        let mut h = vec![0, 0, 0, 0];
        for _ in 0..100 {
            h.extend(BIT_EXT.to_le_bytes());
        }
        let len = h.len() as u16;
        h[2..4].copy_from_slice(&len.to_le_bytes());
        assert!(decode(&h).is_err());
        // A field running past the header ends the walk, not the frame.
        let mut h = vec![0, 0, 8 + 4, 0];
        h.extend(1u32.to_le_bytes());
        h.extend([1, 2, 3, 4, 0xc0]);
        let f = decode(&h).unwrap();
        assert_eq!(f.radio.tsft, None);
        assert_eq!(f.dot11, &[0xc0]);
    }
}
