//! CCMP-128 (IEEE 802.11-2020 12.5.3): the 8-octet CCMP header (12.5.3.2), the additional
//! authentication data and nonce built from the MAC header (12.5.3.3.3–4), and AES-CCM with an
//! 8-octet MIC (RustCrypto `ccm`).

use aes::Aes128;
use ccm::aead::generic_array::GenericArray;
use ccm::aead::{AeadInPlace, KeyInit};
use ccm::consts::{U13, U8};

use crate::dot11::{Frame, FrameType};

type Aes128Ccm = ccm::Ccm<Aes128, U8, U13>;

/// CCMP header and MIC lengths.
pub const HEADER_LEN: usize = 8;
pub const MIC_LEN: usize = 8;

/// Why a frame could not be decrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CcmpError {
    #[error("protected frame too short for a CCMP header and MIC ({0} bytes of body)")]
    Short(usize),
    #[error("CCMP header without the Extended IV bit (a WEP or TKIP frame)")]
    NotCcmp,
    #[error("CCMP MIC check failed (wrong key, or a damaged frame)")]
    Mic,
}

/// A view of the CCMP header at the start of a protected frame's body (12.5.3.2):
/// PN0 PN1 reserved (Key ID << 6 | ExtIV) PN2 PN3 PN4 PN5.
#[derive(Clone, Copy, Debug)]
pub struct CcmpHeader<'a>(&'a [u8]);

impl<'a> CcmpHeader<'a> {
    pub fn new_checked(body: &'a [u8]) -> Result<CcmpHeader<'a>, CcmpError> {
        if body.len() < HEADER_LEN + MIC_LEN {
            return Err(CcmpError::Short(body.len()));
        }
        if body[3] & 0x20 == 0 {
            return Err(CcmpError::NotCcmp);
        }
        Ok(CcmpHeader(body))
    }

    /// The 48-bit packet number.
    pub fn pn(&self) -> u64 {
        let b = self.0;
        u64::from(b[0])
            | u64::from(b[1]) << 8
            | u64::from(b[4]) << 16
            | u64::from(b[5]) << 24
            | u64::from(b[6]) << 32
            | u64::from(b[7]) << 40
    }

    pub fn key_id(&self) -> u8 {
        self.0[3] >> 6
    }
}

/// Writes the CCMP header for `pn` and `key_id`.
pub fn header(pn: u64, key_id: u8) -> [u8; HEADER_LEN] {
    let p = pn.to_le_bytes();
    [p[0], p[1], 0, 0x20 | (key_id << 6), p[2], p[3], p[4], p[5]]
}

/// AAD and nonce from the MAC header (12.5.3.3.3, 12.5.3.3.4). `mac` is the header without
/// padding: FC, duration, A1–A3, sequence control, A4 if present, QoS control if present.
fn aad_and_nonce(mac: &[u8], pn: u64, aad: &mut [u8; 30]) -> (usize, [u8; 13]) {
    let fc0 = mac[0];
    let fc1 = mac[1];
    let ftype = (fc0 >> 2) & 3;
    let data = ftype == 2;
    let qos = data && fc0 & 0x80 != 0;
    let a4 = data && fc1 & 0x03 == 0x03;
    // Subtype bits 4–6 of a data frame, Retry, Power Management and More Data masked to 0;
    // Protected set; Order masked in QoS data frames.
    aad[0] = if data { fc0 & 0x8f } else { fc0 };
    aad[1] = (fc1 & !(0x08 | 0x10 | 0x20)) | 0x40;
    if qos {
        aad[1] &= !0x80;
    }
    aad[2..20].copy_from_slice(&mac[4..22]);
    // Sequence Control: the fragment number only.
    aad[20] = mac[22] & 0x0f;
    aad[21] = 0;
    let mut n = 22;
    if a4 {
        aad[n..n + 6].copy_from_slice(&mac[24..30]);
        n += 6;
    }
    let mut priority = 0;
    if qos {
        let at = if a4 { 30 } else { 24 };
        priority = mac[at] & 0x0f;
        aad[n] = priority;
        aad[n + 1] = 0;
        n += 2;
    }
    let mut nonce = [0u8; 13];
    // Nonce flags: priority, and the management bit for robust management frames.
    nonce[0] = priority | if ftype == 0 { 0x10 } else { 0 };
    nonce[1..7].copy_from_slice(&mac[10..16]);
    let p = pn.to_be_bytes();
    nonce[7..13].copy_from_slice(&p[2..8]);
    (n, nonce)
}

/// The MAC header without radiotap padding, from the frame's flags.
fn mac_header<T: AsRef<[u8]>>(frame: &Frame<T>) -> &[u8] {
    let b = frame.as_bytes();
    let fc = frame.frame_control();
    let mut n = 24;
    if fc.frame_type() == FrameType::Data {
        if fc.to_ds() && fc.from_ds() {
            n += 6;
        }
        if fc.is_qos_data() {
            n += 2;
        }
    }
    &b[..n.min(b.len())]
}

/// A temporal key ready for use: its AES key schedule is expanded once, not per frame.
#[derive(Clone)]
pub struct CcmpKey {
    cipher: Aes128Ccm,
    tk: [u8; 16],
}

impl CcmpKey {
    pub fn new(tk: &[u8; 16]) -> CcmpKey {
        CcmpKey {
            cipher: Aes128Ccm::new(GenericArray::from_slice(tk)),
            tk: *tk,
        }
    }

    pub fn tk(&self) -> &[u8; 16] {
        &self.tk
    }
}

impl std::fmt::Debug for CcmpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CcmpKey({})", super::fingerprint(&self.tk))
    }
}

impl PartialEq for CcmpKey {
    fn eq(&self, other: &CcmpKey) -> bool {
        self.tk == other.tk
    }
}

/// What a decrypted frame carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decrypted {
    pub pn: u64,
    pub key_id: u8,
}

/// Decrypts a protected data or management frame with the temporal key `tk`, checking its MIC;
/// the plaintext body replaces the contents of `out` (a buffer reused across frames).
pub fn decrypt<T: AsRef<[u8]>>(
    key: &CcmpKey,
    frame: &Frame<T>,
    out: &mut Vec<u8>,
) -> Result<Decrypted, CcmpError> {
    let body = frame.body();
    let h = CcmpHeader::new_checked(body)?;
    let pn = h.pn();
    let mac = mac_header(frame);
    if mac.len() < 24 {
        return Err(CcmpError::Short(body.len()));
    }
    let mut aad = [0u8; 30];
    let (aad_len, nonce) = aad_and_nonce(mac, pn, &mut aad);
    let (cipher, mic) = body[HEADER_LEN..].split_at(body.len() - HEADER_LEN - MIC_LEN);
    out.clear();
    out.extend_from_slice(cipher);
    key.cipher
        .decrypt_in_place_detached(
            GenericArray::from_slice(&nonce),
            &aad[..aad_len],
            out,
            GenericArray::from_slice(mic),
        )
        .map_err(|_| CcmpError::Mic)?;
    Ok(Decrypted {
        pn,
        key_id: h.key_id(),
    })
}

/// Encrypts a frame body (for the generator): returns CCMP header || ciphertext || MIC for the
/// MAC header `mac` (unpadded, its Protected bit set).
pub fn encrypt(tk: &[u8; 16], mac: &[u8], pn: u64, key_id: u8, plaintext: &[u8]) -> Vec<u8> {
    let mut aad = [0u8; 30];
    let (aad_len, nonce) = aad_and_nonce(mac, pn, &mut aad);
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + MIC_LEN);
    out.extend_from_slice(&header(pn, key_id));
    let mut body = plaintext.to_vec();
    let ccm = Aes128Ccm::new(GenericArray::from_slice(tk));
    // Encryption into a Vec of the right length cannot fail.
    let tag = ccm
        .encrypt_in_place_detached(GenericArray::from_slice(&nonce), &aad[..aad_len], &mut body)
        .unwrap_or_default();
    out.extend_from_slice(&body);
    out.extend_from_slice(&tag);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // IEEE 802.11-2020 J.6.4 (CCMP test MPDU 1).
    const TK: &str = "c9 7c 1f 67 ce 37 11 85 51 4a 8a 19 f2 bd d5 2f";
    const HEADER: &str = "08 48 c3 2c 0f d2 e1 28 a5 7c 50 30 f1 84 44 08 ab ae a5 b8 fc ba 80 33";
    const PLAINTEXT: &str = "f8 ba 1a 55 d0 2f 85 ae 96 7b b6 2f b6 cd a8 eb 7e 78 a0 50";
    const ENCRYPTED: &str = "08 48 c3 2c 0f d2 e1 28 a5 7c 50 30 f1 84 44 08 ab ae a5 b8 fc ba
        80 33 0c e7 00 20 76 97 03 b5 f3 d0 a2 fe 9a 3d bf 23 42 a6 43 e4 32 46 e8 0c 3c 04
        d0 19 78 45 ce 0b 16 f9 76 23";

    fn tk() -> [u8; 16] {
        hex(TK).try_into().unwrap()
    }

    fn key() -> CcmpKey {
        CcmpKey::new(&tk())
    }

    #[test]
    fn aad_and_nonce_match_annex_j6() {
        let mut aad = [0u8; 30];
        let (n, nonce) = aad_and_nonce(&hex(HEADER), 0xB503_9776_E70C, &mut aad);
        assert_eq!(
            aad[..n].to_vec(),
            hex("08 40 0f d2 e1 28 a5 7c 50 30 f1 84 44 08 ab ae a5 b8 fc ba 00 00")
        );
        assert_eq!(
            nonce.to_vec(),
            hex("00 50 30 f1 84 44 08 b5 03 97 76 e7 0c")
        );
    }

    #[test]
    fn encryption_matches_annex_j6() {
        let got = encrypt(&tk(), &hex(HEADER), 0xB503_9776_E70C, 0, &hex(PLAINTEXT));
        let mut mpdu = hex(HEADER);
        mpdu.extend(got);
        assert_eq!(mpdu, hex(ENCRYPTED));
    }

    #[test]
    fn decryption_matches_annex_j6_and_checks_the_mic() {
        let mpdu = hex(ENCRYPTED);
        let frame = Frame::new_checked(&mpdu[..], false).unwrap();
        let mut out = Vec::new();
        let d = decrypt(&key(), &frame, &mut out).unwrap();
        assert_eq!(
            d,
            Decrypted {
                pn: 0xB503_9776_E70C,
                key_id: 0
            }
        );
        assert_eq!(out, hex(PLAINTEXT));
        // One bit changed anywhere, or another key: the MIC fails.
        for at in [1usize, 4, 22, 30, mpdu.len() - 1] {
            let mut bad = mpdu.clone();
            bad[at] ^= 0x01;
            let frame = Frame::new_checked(&bad[..], false).unwrap();
            // Flipping the retry bit (byte 1, bit 0x08) is masked; bit 0x01 (To DS) is not.
            assert_eq!(
                decrypt(&key(), &frame, &mut out),
                Err(CcmpError::Mic),
                "byte {at}"
            );
        }
        let mut other = tk();
        other[0] ^= 1;
        assert_eq!(
            decrypt(&CcmpKey::new(&other), &frame, &mut out),
            Err(CcmpError::Mic)
        );
    }

    #[test]
    fn retransmissions_decrypt_alike() {
        // The Retry bit is masked in the AAD: a retransmission decrypts with the same MIC.
        let mut mpdu = hex(ENCRYPTED);
        mpdu[1] ^= 0x08;
        let frame = Frame::new_checked(&mpdu[..], false).unwrap();
        assert!(decrypt(&key(), &frame, &mut Vec::new()).is_ok());
    }

    #[test]
    fn short_and_non_ccmp_bodies_are_refused() {
        let mut mpdu = hex(HEADER);
        mpdu.extend([0u8; 10]);
        let frame = Frame::new_checked(&mpdu[..], false).unwrap();
        assert_eq!(
            decrypt(&key(), &frame, &mut Vec::new()),
            Err(CcmpError::Short(10))
        );
        let mut mpdu = hex(ENCRYPTED);
        mpdu[27] &= !0x20;
        let frame = Frame::new_checked(&mpdu[..], false).unwrap();
        assert_eq!(
            decrypt(&key(), &frame, &mut Vec::new()),
            Err(CcmpError::NotCcmp)
        );
    }
}
