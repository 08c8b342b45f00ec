//! EAPOL (IEEE 802.1X-2020 clause 11) and its EAPOL-Key frames (802.11 12.7.2, Figure 12-32)
//! as views; the header values of the EAPOL-Key frames the generator writes.

use crate::dot11::bytes::{self, Field, Rest};
use crate::dot11::{need, Dot11Error, Result};

/// The EAPOL header (802.1X-2020 11.3).
pub mod eapol_field {
    use super::{Field, Rest};

    pub const PROTOCOL_VERSION: Field = 0..1;
    pub const PACKET_TYPE: Field = 1..2;
    pub const BODY_LENGTH: Field = 2..4;
    pub const BODY: Rest = 4..;
}

/// EAPOL packet types (802.1X-2020 Table 11-3).
pub mod packet_type {
    pub const EAP: u8 = 0;
    pub const START: u8 = 1;
    pub const LOGOFF: u8 = 2;
    pub(crate) const KEY: u8 = 3;
}

/// The EAPOL-Key descriptor (802.11 Figure 12-32), within the EAPOL body: the fields before
/// the MIC, whose length (16 or 24 octets) the AKM sets; Key Data Length and Key Data follow it.
pub mod key_field {
    use super::{Field, Rest};

    pub const DESCRIPTOR_TYPE: Field = 0..1;
    pub const KEY_INFORMATION: Field = 1..3;
    pub const KEY_LENGTH: Field = 3..5;
    pub const REPLAY_COUNTER: Field = 5..13;
    pub const KEY_NONCE: Field = 13..45;
    pub const KEY_IV: Field = 45..61;
    pub const KEY_RSC: Field = 61..69;
    pub const RESERVED: Field = 69..77;
    pub const MIC: Rest = 77..;
    /// MIC lengths: HMAC-SHA1-128 / AES-CMAC-128 (and every 128-bit AKM), and the 192-bit
    /// (SHA-384) AKMs.
    pub const MIC_LENGTHS: [usize; 2] = [16, 24];

    /// Key Data Length after a MIC of `mic_len` octets.
    pub const fn key_data_length(mic_len: usize) -> Field {
        MIC.start + mic_len..MIC.start + mic_len + 2
    }
}

/// The shortest EAPOL-Key body: a 16-octet MIC and the Key Data Length.
const MIN_KEY_BODY: usize = key_field::key_data_length(16).end;

/// The MIC length (of [`key_field::MIC_LENGTHS`]) whose Key Data Length field names exactly the
/// rest of the body.
fn agreeing_mic_len(body: &[u8]) -> Option<usize> {
    key_field::MIC_LENGTHS.into_iter().find(|&mic| {
        let f = key_field::key_data_length(mic);
        bytes::be16_at(body, f.start).is_some_and(|n| usize::from(n) == body.len() - f.end)
    })
}

/// A view of an EAPOL frame (the payload after the LLC/SNAP header).
#[derive(Clone, Copy, Debug)]
pub struct EapolPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EapolPacket<T> {
    pub fn new_unchecked(buffer: T) -> EapolPacket<T> {
        EapolPacket { buffer }
    }

    pub fn new_checked(buffer: T) -> Result<EapolPacket<T>> {
        let p = Self::new_unchecked(buffer);
        need("EAPOL header", eapol_field::BODY.start, p.b().len())?;
        Ok(p)
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn protocol_version(&self) -> u8 {
        self.b()[eapol_field::PROTOCOL_VERSION.start]
    }

    pub fn packet_type(&self) -> u8 {
        self.b()[eapol_field::PACKET_TYPE.start]
    }

    pub fn body_len(&self) -> u16 {
        bytes::be16(self.b(), eapol_field::BODY_LENGTH)
    }

    /// The body the Body Length names, or all that follows the header when the frame is
    /// shorter.
    pub fn body(&self) -> &[u8] {
        let rest = &self.b()[eapol_field::BODY];
        rest.get(..usize::from(self.body_len())).unwrap_or(rest)
    }
}

/// Offset of the EAPOL body in the PDU.
const BODY: usize = eapol_field::BODY.start;

/// What an EAPOL frame is (802.1X-2020 Table 11-3 packet types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eapol {
    /// An EAP packet: code (1 request, 2 response, 3 success, 4 failure) and, for requests
    /// and responses, the EAP method type.
    Eap {
        code: u8,
        eap_type: Option<u8>,
    },
    Start,
    Logoff,
    Key(EapolKey),
    Other(u8),
}

/// Which message of the 4-way or group key handshake an EAPOL-Key frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum KeyMessage {
    M1,
    M2,
    M3,
    M4,
    /// Group key handshake message 1 / 2.
    G1,
    G2,
    /// A supplicant's request (Request bit): not part of a handshake.
    Request,
}

impl KeyMessage {
    /// Message number as Wireshark numbers it (`wlan_rsna_eapol.keydes.msgnr`).
    pub fn wireshark_number(self) -> Option<u8> {
        match self {
            KeyMessage::M1 | KeyMessage::G1 => Some(1),
            KeyMessage::M2 | KeyMessage::G2 => Some(2),
            KeyMessage::M3 => Some(3),
            KeyMessage::M4 => Some(4),
            KeyMessage::Request => None,
        }
    }
}

/// The fields of an EAPOL-Key frame a roam analysis needs (12.7.2, Figure 12-32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EapolKey {
    pub(crate) descriptor_type: u8,
    pub(crate) key_info: u16,
    pub replay_counter: u64,
    pub(crate) key_data_len: u16,
    pub message: KeyMessage,
}

const KEY_INFO_PAIRWISE: u16 = 1 << 3;
const KEY_INFO_INSTALL: u16 = 1 << 6;
const KEY_INFO_ACK: u16 = 1 << 7;
const KEY_INFO_MIC: u16 = 1 << 8;
const KEY_INFO_REQUEST: u16 = 1 << 11;

impl EapolKey {
    /// Message number as Wireshark numbers it (`wlan_rsna_eapol.keydes.msgnr`): as
    /// [`KeyMessage::wireshark_number`], except that tshark 4.0 calls a pairwise message
    /// without Key Ack message 2 whenever it carries key data, so a message 4 with key data
    /// is its "message 2".
    pub fn wireshark_number(&self) -> Option<u8> {
        match self.message {
            KeyMessage::M4 if self.key_data_len != 0 => Some(2),
            m => m.wireshark_number(),
        }
    }

    /// Reads the EAPOL-Key body (after the EAPOL header).
    pub fn parse(body: &[u8]) -> Result<EapolKey> {
        need("EAPOL-Key frame", MIN_KEY_BODY, body.len())?;
        let key_info = bytes::be16(body, key_field::KEY_INFORMATION);
        // The MIC is 16 bytes except for the 192-bit AKMs (24): take the length that makes
        // the key data length field agree with the frame.
        let mic_len = agreeing_mic_len(body).unwrap_or(16);
        let key_data_len = bytes::be16(body, key_field::key_data_length(mic_len));
        let message = if key_info & KEY_INFO_REQUEST != 0 {
            KeyMessage::Request
        } else if key_info & KEY_INFO_PAIRWISE == 0 {
            if key_info & KEY_INFO_ACK != 0 {
                KeyMessage::G1
            } else {
                KeyMessage::G2
            }
        } else if key_info & KEY_INFO_ACK != 0 {
            if key_info & (KEY_INFO_MIC | KEY_INFO_INSTALL) == 0 {
                KeyMessage::M1
            } else {
                KeyMessage::M3
            }
        } else if key_data_len == 0 || body[key_field::KEY_NONCE].iter().all(|&b| b == 0) {
            // 12.7.6.3 and 12.7.6.5: message 2 carries the station's SNonce and its RSN
            // element as key data; message 4 carries a zero Key Nonce, and key data only from
            // some stacks. The nonce tells them apart: not the Secure bit, which a station
            // sets in message 2 of a rekey (aircrack-ng's wpa2-psk-linksys.cap, frame 90), nor
            // the key data alone, which tshark 4.0 goes by (it calls a message 4 with key data
            // "message 2"). WPA (pre-RSN) stacks leave message 4 without key data.
            KeyMessage::M4
        } else {
            KeyMessage::M2
        };
        Ok(EapolKey {
            descriptor_type: body[key_field::DESCRIPTOR_TYPE.start],
            key_info,
            replay_counter: bytes::be64(body, key_field::REPLAY_COUNTER),
            key_data_len,
            message,
        })
    }
}

/// A borrowed view of a whole EAPOL-Key PDU (802.1X header included), for the key handshake:
/// the fields key derivation and MIC checking read (12.7.2, Figure 12-32).
#[derive(Clone, Copy, Debug)]
pub struct EapolKeyFrame<'a> {
    pdu: &'a [u8],
    mic_len: usize,
}

impl<'a> EapolKeyFrame<'a> {
    /// `pdu` starts at the 802.1X header (version, type 3, length). The MIC is 16 octets, or 24
    /// for the 192-bit AKMs (taken when only that length makes the key data length agree).
    pub fn new_checked(pdu: &'a [u8]) -> Result<EapolKeyFrame<'a>> {
        let p = EapolPacket::new_checked(pdu)?;
        need("EAPOL-Key frame", BODY + MIN_KEY_BODY, pdu.len())?;
        if p.packet_type() != packet_type::KEY {
            return Err(Dot11Error::Malformed(
                "EAPOL frame is not an EAPOL-Key frame",
            ));
        }
        let end = BODY + usize::from(p.body_len());
        let pdu = pdu.get(..end).ok_or(Dot11Error::Truncated {
            what: "EAPOL-Key body",
            need: end,
            have: pdu.len(),
        })?;
        let mic_len = agreeing_mic_len(&pdu[BODY..]).ok_or(Dot11Error::Malformed(
            "EAPOL-Key Key Data Length agrees with no MIC length",
        ))?;
        Ok(EapolKeyFrame { pdu, mic_len })
    }

    fn body(&self) -> &'a [u8] {
        &self.pdu[BODY..]
    }

    /// The whole PDU, as the MIC covers it (with the MIC field zeroed: [`Self::mic_range`]).
    pub fn pdu(&self) -> &'a [u8] {
        self.pdu
    }

    pub fn key_info(&self) -> u16 {
        bytes::be16(self.body(), key_field::KEY_INFORMATION)
    }

    pub fn key_length(&self) -> u16 {
        bytes::be16(self.body(), key_field::KEY_LENGTH)
    }

    /// Key Descriptor Version (bits 0–2): 1 HMAC-MD5/RC4, 2 HMAC-SHA1/AES key wrap,
    /// 3 AES-CMAC/AES key wrap, 0 defined by the AKM.
    pub fn descriptor_version(&self) -> u8 {
        (self.key_info() & 7) as u8
    }

    pub fn replay_counter(&self) -> u64 {
        bytes::be64(self.body(), key_field::REPLAY_COUNTER)
    }

    pub fn nonce(&self) -> &'a [u8; 32] {
        self.body()[key_field::KEY_NONCE]
            .try_into()
            .unwrap_or(&[0; 32])
    }

    pub fn key_iv(&self) -> [u8; 16] {
        bytes::array(self.body(), key_field::KEY_IV)
    }

    pub fn mic(&self) -> &'a [u8] {
        &self.pdu[self.mic_range()]
    }

    /// Where the MIC lies in [`Self::pdu`].
    pub fn mic_range(&self) -> std::ops::Range<usize> {
        BODY + key_field::MIC.start..BODY + key_field::MIC.start + self.mic_len
    }

    pub fn key_data(&self) -> &'a [u8] {
        &self.body()[key_field::key_data_length(self.mic_len).end..]
    }

    /// Encrypted Key Data bit (bit 12).
    pub fn key_data_encrypted(&self) -> bool {
        self.key_info() & (1 << 12) != 0
    }
}

/// Decodes an EAPOL frame (the payload after the LLC/SNAP header); `None` when it is too
/// short for its header, or an EAPOL-Key frame too short for its descriptor.
pub fn eapol(payload: &[u8]) -> Option<Eapol> {
    let p = EapolPacket::new_checked(payload).ok()?;
    let body = p.body();
    Some(match p.packet_type() {
        packet_type::EAP => {
            let code = *body.first()?;
            Eapol::Eap {
                code,
                eap_type: if matches!(code, 1 | 2) {
                    body.get(4).copied()
                } else {
                    None
                },
            }
        }
        packet_type::START => Eapol::Start,
        packet_type::LOGOFF => Eapol::Logoff,
        packet_type::KEY => Eapol::Key(EapolKey::parse(body).ok()?),
        other => Eapol::Other(other),
    })
}

/// The EAPOL header as values (802.1X-2020 11.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EapolRepr {
    pub protocol_version: u8,
    pub packet_type: u8,
    pub body_len: u16,
}

impl EapolRepr {
    pub fn parse<T: AsRef<[u8]>>(p: &EapolPacket<T>) -> EapolRepr {
        EapolRepr {
            protocol_version: p.protocol_version(),
            packet_type: p.packet_type(),
            body_len: p.body_len(),
        }
    }

    /// Appends the 4-byte header to `out`; the caller appends the body.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.protocol_version);
        out.push(self.packet_type);
        out.extend_from_slice(&self.body_len.to_be_bytes());
    }
}

/// An EAPOL-Key frame up to its Key Data Length, as values (the Key RSC and reserved octets
/// zero): what the generator writes before the key data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EapolKeyRepr<'a> {
    /// 802.1X protocol version (2: 802.1X-2004).
    pub protocol_version: u8,
    /// 2: the RSN key descriptor.
    pub descriptor_type: u8,
    pub key_info: u16,
    pub key_length: u16,
    pub replay_counter: u64,
    pub nonce: [u8; 32],
    pub key_iv: [u8; 16],
    /// 16 or 24 octets.
    pub mic: &'a [u8],
    pub key_data_len: usize,
}

impl<'a> EapolKeyRepr<'a> {
    pub fn parse(k: &EapolKeyFrame<'a>) -> EapolKeyRepr<'a> {
        EapolKeyRepr {
            protocol_version: k.pdu[eapol_field::PROTOCOL_VERSION.start],
            descriptor_type: k.body()[key_field::DESCRIPTOR_TYPE.start],
            key_info: k.key_info(),
            key_length: k.key_length(),
            replay_counter: k.replay_counter(),
            nonce: *k.nonce(),
            key_iv: k.key_iv(),
            mic: k.mic(),
            key_data_len: k.key_data().len(),
        }
    }

    /// Appends the EAPOL header and the key descriptor up to Key Data Length to `out`; the
    /// caller appends the key data.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let kdl = key_field::key_data_length(self.mic.len());
        EapolRepr {
            protocol_version: self.protocol_version,
            packet_type: packet_type::KEY,
            body_len: (kdl.end + self.key_data_len) as u16,
        }
        .emit(out);
        let at = out.len();
        out.resize(at + kdl.end, 0);
        let b = &mut out[at..];
        b[key_field::DESCRIPTOR_TYPE.start] = self.descriptor_type;
        bytes::put(b, key_field::KEY_INFORMATION, &self.key_info.to_be_bytes());
        bytes::put(b, key_field::KEY_LENGTH, &self.key_length.to_be_bytes());
        bytes::put(
            b,
            key_field::REPLAY_COUNTER,
            &self.replay_counter.to_be_bytes(),
        );
        bytes::put(b, key_field::KEY_NONCE, &self.nonce);
        bytes::put(b, key_field::KEY_IV, &self.key_iv);
        b[key_field::MIC][..self.mic.len()].copy_from_slice(self.mic);
        bytes::put(b, kdl, &(self.key_data_len as u16).to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Message 1 of a 4-way handshake (key info 0x008a), key length 16, replay counter 1, a
    /// 16-octet MIC and no key data, as bytes.
    fn message_1(mic_len: usize) -> Vec<u8> {
        let mut f = vec![2, 3, 0, (77 + mic_len + 2) as u8]; // 802.1X header
        f.extend([2, 0x00, 0x8a, 0x00, 0x10]); // descriptor, key info, key length
        f.extend([0, 0, 0, 0, 0, 0, 0, 1]); // replay counter
        f.extend([0x11; 32]); // ANonce
        f.extend([0x22; 16]); // IV
        f.extend([0; 16]); // RSC, reserved
        f.extend(vec![0x33; mic_len]);
        f.extend([0, 0]);
        f
    }

    #[test]
    fn key_frame_bytes_and_round_trip() {
        for mic_len in key_field::MIC_LENGTHS {
            let bytes = message_1(mic_len);
            let k = EapolKeyFrame::new_checked(&bytes).unwrap();
            assert_eq!((k.key_info(), k.key_length()), (0x008a, 16));
            assert_eq!((k.replay_counter(), k.nonce()[0]), (1, 0x11));
            assert_eq!((k.mic().len(), k.mic_range()), (mic_len, 81..81 + mic_len));
            assert!(k.key_data().is_empty());
            let r = EapolKeyRepr::parse(&k);
            assert_eq!((r.protocol_version, r.descriptor_type), (2, 2));
            assert_eq!((r.key_iv, r.key_data_len), ([0x22; 16], 0));
            let mut out = Vec::new();
            r.emit(&mut out);
            assert_eq!(out, bytes, "MIC of {mic_len} octets");
        }
    }

    #[test]
    fn malformed_key_frames_are_errors() {
        let m1 = message_1(16);
        assert!(matches!(
            EapolKeyFrame::new_checked(&m1[..50]),
            Err(Dot11Error::Truncated { need: 99, .. })
        ));
        let mut start = m1.clone();
        start[1] = packet_type::START;
        let p = EapolPacket::new_checked(&start[..]).unwrap();
        let mut out = Vec::new();
        EapolRepr::parse(&p).emit(&mut out);
        assert_eq!(out, start[..4]);
        assert!(matches!(
            EapolKeyFrame::new_checked(&start),
            Err(Dot11Error::Malformed(_))
        ));
        // A Key Data Length that agrees with neither MIC length.
        let mut bad = m1.clone();
        bad[98] = 7;
        assert!(matches!(
            EapolKeyFrame::new_checked(&bad),
            Err(Dot11Error::Malformed(_))
        ));
        // A Body Length past the frame.
        let mut long = m1;
        long[3] = 200;
        assert!(matches!(
            EapolKeyFrame::new_checked(&long),
            Err(Dot11Error::Truncated { need: 204, .. })
        ));
    }
}
