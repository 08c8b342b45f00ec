//! CCMP (IEEE 802.11-2020 12.5.3) and GCMP (12.5.5): the 8-octet header they share (PN, Key
//! ID, ExtIV), the additional authentication data and nonce built from the MAC header
//! (12.5.3.3.3–4, 12.5.5.3.3–4), and AES-CCM (CCMP-128: 8-octet MIC; CCMP-256: 16) or
//! AES-GCM (GCMP-128/256: 16-octet MIC), from RustCrypto's `ccm` and `aes-gcm`.

use aes::{Aes128, Aes256};
use ccm::aead::generic_array::GenericArray;
use ccm::aead::{AeadInPlace, KeyInit};
use ccm::consts::{U13, U16, U8};

use roamgap_wire::dot11::{Frame, FrameType};

type Aes128Ccm = ccm::Ccm<Aes128, U8, U13>;
type Aes256Ccm = ccm::Ccm<Aes256, U16, U13>;

/// CCMP/GCMP header length, and CCMP-128's MIC length.
pub(crate) const HEADER_LEN: usize = 8;
pub(crate) const MIC_LEN: usize = 8;

/// The pairwise cipher suites decrypted (Table 9-180: 00-0F-AC:4, 10, 8, 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cipher {
    Ccmp128,
    Ccmp256,
    Gcmp128,
    Gcmp256,
}

impl Cipher {
    pub(crate) fn mic_len(self) -> usize {
        match self {
            Cipher::Ccmp128 => 8,
            _ => 16,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Cipher::Ccmp128 => "CCMP-128",
            Cipher::Ccmp256 => "CCMP-256",
            Cipher::Gcmp128 => "GCMP-128",
            Cipher::Gcmp256 => "GCMP-256",
        }
    }

    /// The ciphers a temporal key of `len` bytes can be for.
    pub(crate) fn for_key_len(len: usize) -> &'static [Cipher] {
        match len {
            16 => &[Cipher::Ccmp128, Cipher::Gcmp128],
            32 => &[Cipher::Ccmp256, Cipher::Gcmp256],
            _ => &[],
        }
    }
}

/// Why a frame could not be decrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CcmpError {
    #[error("protected frame too short for a CCMP/GCMP header and MIC ({0} bytes of body)")]
    Short(usize),
    #[error("CCMP header without the Extended IV bit (a WEP or TKIP frame)")]
    NotCcmp,
    #[error("CCMP MIC check failed (wrong key, or a damaged frame)")]
    Mic,
}

/// A view of the CCMP header at the start of a protected frame's body (12.5.3.2):
/// PN0 PN1 reserved (Key ID << 6 | ExtIV) PN2 PN3 PN4 PN5.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CcmpHeader<'a>(&'a [u8]);

impl<'a> CcmpHeader<'a> {
    fn with_mic(body: &'a [u8], mic_len: usize) -> Result<CcmpHeader<'a>, CcmpError> {
        if body.len() < HEADER_LEN + mic_len {
            return Err(CcmpError::Short(body.len()));
        }
        if body[3] & 0x20 == 0 {
            return Err(CcmpError::NotCcmp);
        }
        Ok(CcmpHeader(body))
    }

    /// The 48-bit packet number.
    pub(crate) fn pn(&self) -> u64 {
        let b = self.0;
        u64::from(b[0])
            | u64::from(b[1]) << 8
            | u64::from(b[4]) << 16
            | u64::from(b[5]) << 24
            | u64::from(b[6]) << 32
            | u64::from(b[7]) << 40
    }

    pub(crate) fn key_id(&self) -> u8 {
        self.0[3] >> 6
    }
}

/// Writes the CCMP header for `pn` and `key_id`.
pub(crate) fn header(pn: u64, key_id: u8) -> [u8; HEADER_LEN] {
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

#[derive(Clone)]
enum Engine {
    Ccm128(Aes128Ccm),
    Ccm256(Aes256Ccm),
    Gcm128(aes_gcm::Aes128Gcm),
    Gcm256(aes_gcm::Aes256Gcm),
}

/// A temporal key ready for use with its cipher: the AES key schedule is expanded once, not
/// per frame.
#[derive(Clone)]
pub struct TemporalKey {
    engine: Engine,
    cipher: Cipher,
    tk: Vec<u8>,
}

impl TemporalKey {
    /// None when `tk` is not the cipher's key length (16 or 32 bytes).
    pub(crate) fn new(cipher: Cipher, tk: &[u8]) -> Option<TemporalKey> {
        let engine = match (cipher, tk.len()) {
            (Cipher::Ccmp128, 16) => Engine::Ccm128(Aes128Ccm::new(GenericArray::from_slice(tk))),
            (Cipher::Ccmp256, 32) => Engine::Ccm256(Aes256Ccm::new(GenericArray::from_slice(tk))),
            (Cipher::Gcmp128, 16) => {
                Engine::Gcm128(aes_gcm::Aes128Gcm::new(GenericArray::from_slice(tk)))
            }
            (Cipher::Gcmp256, 32) => {
                Engine::Gcm256(aes_gcm::Aes256Gcm::new(GenericArray::from_slice(tk)))
            }
            _ => return None,
        };
        Some(TemporalKey {
            engine,
            cipher,
            tk: tk.to_vec(),
        })
    }

    /// A CCMP-128 key (what every RSNA PTK of the AKMs roamgap derives gives).
    pub(crate) fn ccmp128(tk: &[u8; 16]) -> TemporalKey {
        TemporalKey {
            engine: Engine::Ccm128(Aes128Ccm::new(GenericArray::from_slice(tk))),
            cipher: Cipher::Ccmp128,
            tk: tk.to_vec(),
        }
    }

    pub fn tk(&self) -> &[u8] {
        &self.tk
    }

    pub(crate) fn cipher(&self) -> Cipher {
        self.cipher
    }
}

impl std::fmt::Debug for TemporalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TemporalKey({} {})",
            self.cipher.name(),
            super::fingerprint(&self.tk)
        )
    }
}

impl PartialEq for TemporalKey {
    fn eq(&self, other: &TemporalKey) -> bool {
        self.cipher == other.cipher && self.tk == other.tk
    }
}

/// GCMP's 12-octet nonce (12.5.5.3.4): A2, then the PN, most significant octet first.
fn gcm_nonce(ccm_nonce: &[u8; 13]) -> [u8; 12] {
    let mut n = [0u8; 12];
    n.copy_from_slice(&ccm_nonce[1..13]);
    n
}

/// What a decrypted frame carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decrypted {
    pub(crate) pn: u64,
    pub(crate) key_id: u8,
}

/// Decrypts a protected data or management frame with the temporal key `key`, checking its
/// MIC; the plaintext body replaces the contents of `out` (a buffer reused across frames).
pub(crate) fn decrypt<T: AsRef<[u8]>>(
    key: &TemporalKey,
    frame: &Frame<T>,
    out: &mut Vec<u8>,
) -> Result<Decrypted, CcmpError> {
    let body = frame.body();
    let mic_len = key.cipher.mic_len();
    let h = CcmpHeader::with_mic(body, mic_len)?;
    let pn = h.pn();
    let mac = mac_header(frame);
    if mac.len() < 24 {
        return Err(CcmpError::Short(body.len()));
    }
    let mut aad = [0u8; 30];
    let (aad_len, nonce) = aad_and_nonce(mac, pn, &mut aad);
    let (cipher, mic) = body[HEADER_LEN..].split_at(body.len() - HEADER_LEN - mic_len);
    out.clear();
    out.extend_from_slice(cipher);
    let aad = &aad[..aad_len];
    let (ccm_nonce, gcm_nonce) = (GenericArray::from_slice(&nonce), gcm_nonce(&nonce));
    let gcm_nonce = GenericArray::from_slice(&gcm_nonce);
    let ok = match &key.engine {
        Engine::Ccm128(c) => {
            c.decrypt_in_place_detached(ccm_nonce, aad, out, GenericArray::from_slice(mic))
        }
        Engine::Ccm256(c) => {
            c.decrypt_in_place_detached(ccm_nonce, aad, out, GenericArray::from_slice(mic))
        }
        Engine::Gcm128(c) => {
            c.decrypt_in_place_detached(gcm_nonce, aad, out, GenericArray::from_slice(mic))
        }
        Engine::Gcm256(c) => {
            c.decrypt_in_place_detached(gcm_nonce, aad, out, GenericArray::from_slice(mic))
        }
    };
    ok.map_err(|_| CcmpError::Mic)?;
    Ok(Decrypted {
        pn,
        key_id: h.key_id(),
    })
}

/// The first 16 octets of a CCMP-128 frame's plaintext, without the MIC check: CCM's
/// counter block 1 (flags 1, the nonce, counter 1; RFC 3610 2.3) encrypted with the TK, XOR
/// the ciphertext. One AES block: enough to tell an EAPOL-Key frame (its LLC/SNAP header)
/// from voice before decrypting it whole. None when the body is too short or not CCMP.
pub(crate) fn first_block<T: AsRef<[u8]>>(tk: &[u8], frame: &Frame<T>) -> Option<[u8; 16]> {
    use aes::cipher::{BlockEncrypt, KeyInit as _};
    let body = frame.body();
    let h = CcmpHeader::with_mic(body, MIC_LEN).ok()?;
    let data = body.get(HEADER_LEN..HEADER_LEN + 16)?;
    let mac = mac_header(frame);
    if mac.len() < 24 || tk.len() != 16 {
        return None;
    }
    let mut aad = [0u8; 30];
    let (_, nonce) = aad_and_nonce(mac, h.pn(), &mut aad);
    let mut block = [0u8; 16];
    block[0] = 0x01;
    block[1..14].copy_from_slice(&nonce);
    block[15] = 1;
    let mut b = GenericArray::from(block);
    Aes128::new(GenericArray::from_slice(tk)).encrypt_block(&mut b);
    let mut out = [0u8; 16];
    for (o, (k, c)) in out.iter_mut().zip(b.iter().zip(data)) {
        *o = k ^ c;
    }
    Some(out)
}

/// Encrypts a frame body with CCMP-128 (for the generator): returns CCMP header ||
/// ciphertext || MIC for the MAC header `mac` (unpadded, its Protected bit set).
pub fn encrypt(tk: &[u8; 16], mac: &[u8], pn: u64, key_id: u8, plaintext: &[u8]) -> Vec<u8> {
    encrypt_with(&TemporalKey::ccmp128(tk), mac, pn, key_id, plaintext)
}

/// Encrypts a frame body with `key`'s cipher: header || ciphertext || MIC.
pub(crate) fn encrypt_with(
    key: &TemporalKey,
    mac: &[u8],
    pn: u64,
    key_id: u8,
    plaintext: &[u8],
) -> Vec<u8> {
    let mut aad = [0u8; 30];
    let (aad_len, nonce) = aad_and_nonce(mac, pn, &mut aad);
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + 16);
    out.extend_from_slice(&header(pn, key_id));
    let mut body = plaintext.to_vec();
    let aad = &aad[..aad_len];
    let (ccm_nonce, gcm_nonce) = (GenericArray::from_slice(&nonce), gcm_nonce(&nonce));
    let gcm_nonce = GenericArray::from_slice(&gcm_nonce);
    // Encryption into a Vec of the right length cannot fail.
    let tag: Vec<u8> = match &key.engine {
        Engine::Ccm128(c) => c
            .encrypt_in_place_detached(ccm_nonce, aad, &mut body)
            .map(|t| t.to_vec()),
        Engine::Ccm256(c) => c
            .encrypt_in_place_detached(ccm_nonce, aad, &mut body)
            .map(|t| t.to_vec()),
        Engine::Gcm128(c) => c
            .encrypt_in_place_detached(gcm_nonce, aad, &mut body)
            .map(|t| t.to_vec()),
        Engine::Gcm256(c) => c
            .encrypt_in_place_detached(gcm_nonce, aad, &mut body)
            .map(|t| t.to_vec()),
    }
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

    fn key() -> TemporalKey {
        TemporalKey::ccmp128(&tk())
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
            decrypt(&TemporalKey::ccmp128(&other), &frame, &mut out),
            Err(CcmpError::Mic)
        );
    }

    // CCMP-256, GCMP-128 and GCMP-256 of the same MPDU (the Annex J.6.4 header, PN and
    // plaintext; TK-256 = the J.6.4 TK then 00..0f): computed with Python's `cryptography`
    // (AES-CCM, AES-GCM) and decrypted by tshark 4.0.17 with "tk" keys
    // (tests/data/encrypted/ciphers.pcap holds the four frames).
    const TK256: &str = "c97c1f67ce371185514a8a19f2bdd52f000102030405060708090a0b0c0d0e0f";
    const OTHER_CIPHERS: [(Cipher, &str); 3] = [
        (
            Cipher::Ccmp256,
            "0ce70020769703b56d155d8832668256d6a92b78e11d8e54495dd17480aa56c9492e882b97642f80d50fe97b",
        ),
        (
            Cipher::Gcmp128,
            "0ce70020769703b5c594945c1b95f512addaa2cefb00b09f708e841be6be03ee750e2f4f93c09dce371418b0",
        ),
        (
            Cipher::Gcmp256,
            "0ce70020769703b5d79fc4fce47eb168df0f1d37e4d31ede188a181312f6abc0f157b55a7ea05d2774e56847",
        ),
    ];

    #[test]
    fn ccmp_256_and_gcmp_match_independent_vectors() {
        for (cipher, body) in OTHER_CIPHERS {
            let tk = if cipher == Cipher::Gcmp128 {
                hex(TK)
            } else {
                hex(TK256)
            };
            let key = TemporalKey::new(cipher, &tk).unwrap();
            let got = encrypt_with(&key, &hex(HEADER), 0xB503_9776_E70C, 0, &hex(PLAINTEXT));
            assert_eq!(got, hex(body), "{}", cipher.name());
            let mut mpdu = hex(HEADER);
            mpdu.extend(hex(body));
            let frame = Frame::new_checked(&mpdu[..], false).unwrap();
            let mut out = Vec::new();
            assert!(decrypt(&key, &frame, &mut out).is_ok(), "{}", cipher.name());
            assert_eq!(out, hex(PLAINTEXT));
            // The other cipher of the same key length fails its MIC check.
            let other = Cipher::for_key_len(tk.len())
                .iter()
                .find(|&&c| c != cipher)
                .unwrap();
            let wrong = TemporalKey::new(*other, &tk).unwrap();
            assert_eq!(decrypt(&wrong, &frame, &mut out), Err(CcmpError::Mic));
        }
        assert!(TemporalKey::new(Cipher::Gcmp256, &hex(TK)).is_none());
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
    fn the_first_block_is_the_plaintexts() {
        let tk = [0x42u8; 16];
        let mut mac = vec![0x88, 0x42, 0, 0];
        mac.extend([
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0, 0, 5, 0,
        ]);
        let plain: Vec<u8> = (0..40).collect();
        let mut frame = mac.clone();
        frame.extend(encrypt(&tk, &mac, 77, 0, &plain));
        let f = Frame::new_checked(&frame[..], false).unwrap();
        assert_eq!(first_block(&tk, &f).unwrap()[..], plain[..16]);
        assert_ne!(first_block(&[0x43; 16], &f).unwrap()[..], plain[..16]);
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
