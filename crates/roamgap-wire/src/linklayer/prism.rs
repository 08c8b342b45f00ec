//! The Prism monitor-mode header (link type 119; linux-wlan-ng `p80211msg_lnxind_wlansniffrm`):
//! message code and length, device name, then ten items of DID (4), status (2), length (2)
//! and a 32-bit value, in host byte order: host time, MAC time, channel, RSSI, SQ, signal,
//! noise, rate, is-TX, frame length. A status of 0 means the value was supplied.

use super::{mhz_of_channel, LinkError, LinkFrame, RadioInfo};
use crate::dot11::bytes::{self, Field, Rest};

/// The Prism header, in the capturing host's byte order.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::{Field, Rest};

    pub(crate) const MSGCODE: Field = 0..4;
    pub(crate) const MSGLEN: Field = 4..8;
    pub(crate) const DEVNAME: Field = 8..24;
    /// Ten items of [`super::item_field`].
    pub(crate) const ITEMS: Rest = 24..;
}

/// One item of the Prism header.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod item_field {
    use super::Field;

    pub(crate) const DID: Field = 0..4;
    /// 0: the value was supplied.
    pub(crate) const STATUS: Field = 4..6;
    pub(crate) const LEN: Field = 6..8;
    pub(crate) const DATA: Field = 8..12;
}

/// The items by index.
mod item {
    pub(crate) const MAC_TIME: usize = 1;
    pub(crate) const CHANNEL: usize = 2;
    pub(crate) const SIGNAL: usize = 5;
    pub(crate) const NOISE: usize = 6;
    pub(crate) const RATE: usize = 7;
}

const ITEM_LEN: usize = item_field::DATA.end;
const HEADER_LEN: usize = field::ITEMS.start + 10 * ITEM_LEN;
/// Message codes of the sniff indication (`DIDmsg_lnxind_wlansniffrm`), in either of its two
/// numberings.
const MSGCODES: [u32; 2] = [0x44, 0x41];

pub(crate) fn decode(data: &[u8]) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "Prism",
        what,
        short,
    };
    // A record that does not start with a Prism message code has no Prism header: some drivers
    // write frames of a Prism capture without one. Wireshark reads such a record as a bare
    // 802.11 frame, and so does roamgap.
    if let (Some(le), Some(be)) = (
        bytes::le32_at(data, field::MSGCODE.start),
        bytes::be32_at(data, field::MSGCODE.start),
    ) {
        if !MSGCODES.contains(&le) && !MSGCODES.contains(&be) {
            return Ok(LinkFrame {
                radio: RadioInfo::default(),
                dot11: data,
                header_padded: false,
                fcs_bytes: None,
            });
        }
    }
    if data.len() < HEADER_LEN {
        return Err(err("shorter than its 144-byte header", true));
    }
    // The message length says the header's byte order: 144 either way.
    let little = bytes::le32(data, field::MSGLEN) == HEADER_LEN as u32;
    let big = bytes::be32(data, field::MSGLEN) == HEADER_LEN as u32;
    if !little && !big {
        return Err(err("message length is not 144", false));
    }
    let item = |i: usize| -> Option<u32> {
        let b = &data[field::ITEMS.start + ITEM_LEN * i..];
        let (status, value) = if little {
            (
                bytes::le16(b, item_field::STATUS),
                bytes::le32(b, item_field::DATA),
            )
        } else {
            (
                bytes::be16(b, item_field::STATUS),
                bytes::be32(b, item_field::DATA),
            )
        };
        (status == 0).then_some(value)
    };
    let radio = RadioInfo {
        tsft: item(item::MAC_TIME).map(u64::from),
        channel_mhz: item(item::CHANNEL)
            .and_then(|c| u16::try_from(c).ok())
            .and_then(mhz_of_channel),
        signal_dbm: item(item::SIGNAL)
            .map(|v| v as i32)
            .filter(|v| (-127..0).contains(v))
            .map(|v| v as i8),
        noise_dbm: item(item::NOISE)
            .map(|v| v as i32)
            .filter(|v| (-127..0).contains(v))
            .map(|v| v as i8),
        rate_500kbps: item(item::RATE)
            .and_then(|r| u8::try_from(r).ok())
            .filter(|&r| r != 0),
        ..RadioInfo::default()
    };
    let frame = &data[HEADER_LEN..];
    // The header has no field that says whether the frame ends with its FCS, and drivers
    // differ: a frame whose last 4 octets are the CRC-32 of the rest carries one (a chance of
    // 2^-32 otherwise). aircrack-ng's wpa.cap keeps it on every frame: its 14-byte ACKs are 10
    // octets and an FCS, and its TKIP frames decrypt only once it is taken off.
    let with_fcs = super::split_fcs(frame)
        .filter(|(body, fcs)| body.len() >= 10 && crate::dot11::fcs::matches(body, *fcs));
    Ok(match with_fcs {
        Some((body, fcs)) => LinkFrame {
            radio: RadioInfo {
                fcs: super::Fcs::Present,
                ..radio
            },
            dot11: body,
            header_padded: false,
            fcs_bytes: Some(fcs),
        },
        None => LinkFrame {
            radio,
            dot11: frame,
            header_padded: false,
            fcs_bytes: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Prism header in the given byte order: channel 1, -40 dBm signal, -90 dBm noise,
    /// 11 Mb/s, MAC time 777; the RSSI item not supplied (status 1).
    fn header(big: bool) -> Vec<u8> {
        let u32b = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u16b = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut h = Vec::new();
        h.extend(u32b(0x44));
        h.extend(u32b(144));
        h.extend(*b"wlan0\0\0\0\0\0\0\0\0\0\0\0");
        let values: [(u16, u32); 10] = [
            (0, 1),
            (0, 777),
            (0, 1),
            (1, 0),
            (0, 0),
            (0, -40i32 as u32),
            (0, -90i32 as u32),
            (0, 22),
            (0, 0),
            (0, 24),
        ];
        for (i, (status, value)) in values.into_iter().enumerate() {
            h.extend(u32b(0x1041 + ((i as u32) << 12)));
            h.extend(u16b(status));
            h.extend(u16b(4));
            h.extend(u32b(value));
        }
        assert_eq!(h.len(), HEADER_LEN);
        h
    }

    #[test]
    fn both_byte_orders() {
        for big in [false, true] {
            let mut rec = header(big);
            rec.extend([0xd4, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
            let f = decode(&rec).unwrap();
            assert_eq!((f.radio.tsft, f.radio.channel_mhz), (Some(777), Some(2412)));
            assert_eq!(
                (f.radio.signal_dbm, f.radio.noise_dbm),
                (Some(-40), Some(-90))
            );
            assert_eq!(f.radio.rate_500kbps, Some(22));
            assert_eq!(f.dot11, &rec[144..]);
        }
    }

    #[test]
    fn damaged_headers_and_bare_frames() {
        let h = header(false);
        assert!(matches!(
            decode(&h[..100]),
            Err(LinkError::Header { short: true, .. })
        ));
        let mut len = h.clone();
        len[4] = 140;
        assert_eq!(
            decode(&len).unwrap_err().to_string(),
            "Prism header: message length is not 144"
        );
        // No Prism message code: a bare 802.11 frame.
        let ack = [0xd4u8, 0, 0, 0, 1, 2, 3, 4, 5, 6];
        let f = decode(&ack).unwrap();
        assert_eq!((f.dot11, f.radio), (&ack[..], RadioInfo::default()));
    }
}
