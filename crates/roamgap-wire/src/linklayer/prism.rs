//! The Prism monitor-mode header (link type 119; linux-wlan-ng `p80211msg_lnxind_wlansniffrm`):
//! message code and length, device name, then ten items of DID (4), status (2), length (2)
//! and a 32-bit value, in host byte order: host time, MAC time, channel, RSSI, SQ, signal,
//! noise, rate, is-TX, frame length. A status of 0 means the value was supplied.

use super::{mhz_of_channel, LinkError, LinkFrame, RadioInfo};

const HEADER_LEN: usize = 144;
const ITEMS_AT: usize = 24;
/// Message codes of the sniff indication (`DIDmsg_lnxind_wlansniffrm`), in either of its two
/// numberings.
const MSGCODES: [u32; 2] = [0x44, 0x41];

pub fn decode(data: &[u8]) -> Result<LinkFrame<'_>, LinkError> {
    let err = |what, short| LinkError::Header {
        link: "Prism",
        what,
        short,
    };
    // A record that does not start with a Prism message code has no Prism header: some drivers
    // write frames of a Prism capture without one. Wireshark reads such a record as a bare
    // 802.11 frame, and so does roamgap.
    if let Some(code) = data.get(..4) {
        let code = [code[0], code[1], code[2], code[3]];
        let (le, be) = (u32::from_le_bytes(code), u32::from_be_bytes(code));
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
    let little = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) == HEADER_LEN as u32;
    let big = u32::from_be_bytes([data[4], data[5], data[6], data[7]]) == HEADER_LEN as u32;
    if !little && !big {
        return Err(err("message length is not 144", false));
    }
    let item = |i: usize| -> Option<u32> {
        let at = ITEMS_AT + 12 * i;
        let b = &data[at..at + 12];
        let (status, value) = if little {
            (
                u16::from_le_bytes([b[4], b[5]]),
                u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
            )
        } else {
            (
                u16::from_be_bytes([b[4], b[5]]),
                u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            )
        };
        (status == 0).then_some(value)
    };
    let radio = RadioInfo {
        tsft: item(1).map(u64::from),
        channel_mhz: item(2)
            .and_then(|c| u16::try_from(c).ok())
            .and_then(mhz_of_channel),
        signal_dbm: item(5)
            .map(|v| v as i32)
            .filter(|v| (-127..0).contains(v))
            .map(|v| v as i8),
        noise_dbm: item(6)
            .map(|v| v as i32)
            .filter(|v| (-127..0).contains(v))
            .map(|v| v as i8),
        rate_500kbps: item(7)
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
