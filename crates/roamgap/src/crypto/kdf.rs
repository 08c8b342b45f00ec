//! Key derivation (IEEE 802.11-2020 12.7.1): the PMK from a passphrase, the PRF and KDF, the
//! pairwise key expansion from a 4-way handshake, and the FT key hierarchy (12.7.1.7).

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Why a key could not be derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a WPA passphrase is 8 to 63 printable ASCII characters (this one has {0})")]
    Passphrase(usize),
    #[error("an SSID is at most 32 bytes (this one has {0})")]
    Ssid(usize),
}

/// Whether a passphrase and SSID can make a PMK (J.4.1: 8 to 63 printable ASCII characters;
/// an SSID of at most 32 octets), without the 4096 rounds of deriving it.
pub(crate) fn check_passphrase(passphrase: &[u8], ssid: &[u8]) -> Result<(), KeyError> {
    if !(8..=63).contains(&passphrase.len()) || !passphrase.iter().all(|b| (32..=126).contains(b)) {
        return Err(KeyError::Passphrase(passphrase.len()));
    }
    if ssid.len() > 32 {
        return Err(KeyError::Ssid(ssid.len()));
    }
    Ok(())
}

/// PSK/PMK from a passphrase (J.4; 12.7.1.3 and the RSNA PSK mapping):
/// PBKDF2-HMAC-SHA1(passphrase, SSID, 4096 iterations, 256 bits).
pub fn pmk_from_passphrase(passphrase: &[u8], ssid: &[u8]) -> Result<[u8; 32], KeyError> {
    check_passphrase(passphrase, ssid)?;
    let mut pmk = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha1>(passphrase, ssid, 4096, &mut pmk);
    Ok(pmk)
}

/// PRF-n (12.7.1.2): HMAC-SHA1(K, A || 0 || B || i) for i = 0, 1, ... concatenated and cut to
/// the length of `out`.
pub fn prf_sha1(key: &[u8], label: &[u8], data: &[u8], out: &mut [u8]) {
    for (i, chunk) in out.chunks_mut(20).enumerate() {
        // HMAC takes keys of any length.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
            return;
        };
        mac.update(label);
        mac.update(&[0]);
        mac.update(data);
        mac.update(&[i as u8]);
        let block = mac.finalize().into_bytes();
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
}

/// KDF-Hash-Length with SHA-256 (12.7.1.6.2): HMAC-SHA256(K, i || label || context || length)
/// for i = 1, 2, ... (16-bit little-endian counters; length in bits), cut to `out`.
pub(crate) fn kdf_sha256(key: &[u8], label: &[u8], context: &[u8], out: &mut [u8]) {
    let bits = (out.len() * 8) as u16;
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
            return;
        };
        mac.update(&(i as u16 + 1).to_le_bytes());
        mac.update(label);
        mac.update(context);
        mac.update(&bits.to_le_bytes());
        let block = mac.finalize().into_bytes();
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
}

/// The hash an AKM derives its keys with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyHash {
    /// PRF-SHA1: PSK (AKM 2) and 802.1X (AKM 1).
    Sha1,
    /// KDF-SHA256: PSK-SHA256 (AKM 6), 802.1X-SHA256 (AKM 5), SAE (AKM 8), FT (AKM 3, 4, 9).
    Sha256,
}

/// A PTK for CCMP-128: KCK (EAPOL-Key MIC), KEK (key data), TK (the frames).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ptk {
    pub kck: [u8; 16],
    pub kek: [u8; 16],
    pub tk: [u8; 16],
}

impl std::fmt::Debug for Ptk {
    // Key material never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ptk({})", super::fingerprint(&self.tk))
    }
}

impl Ptk {
    fn from_bytes(b: &[u8; 48]) -> Ptk {
        let mut p = Ptk {
            kck: [0; 16],
            kek: [0; 16],
            tk: [0; 16],
        };
        p.kck.copy_from_slice(&b[..16]);
        p.kek.copy_from_slice(&b[16..32]);
        p.tk.copy_from_slice(&b[32..48]);
        p
    }
}

fn ordered<'a>(a: &'a [u8], b: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Min(AA, SPA) || Max(AA, SPA) || Min(ANonce, SNonce) || Max(ANonce, SNonce) (12.7.1.3).
fn expansion_data(aa: [u8; 6], spa: [u8; 6], anonce: &[u8; 32], snonce: &[u8; 32]) -> [u8; 76] {
    let (a1, a2) = ordered(&aa, &spa);
    let (n1, n2) = ordered(anonce, snonce);
    let mut data = [0u8; 76];
    data[..6].copy_from_slice(a1);
    data[6..12].copy_from_slice(a2);
    data[12..44].copy_from_slice(n1);
    data[44..].copy_from_slice(n2);
    data
}

/// Pairwise key expansion (12.7.1.3): PTK = PRF(PMK, "Pairwise key expansion",
/// Min(AA, SPA) || Max(AA, SPA) || Min(ANonce, SNonce) || Max(ANonce, SNonce)), 384 bits for
/// CCMP-128.
pub fn pairwise_ptk(
    hash: KeyHash,
    pmk: &[u8],
    aa: [u8; 6],
    spa: [u8; 6],
    anonce: &[u8; 32],
    snonce: &[u8; 32],
) -> Ptk {
    let data = expansion_data(aa, spa, anonce, snonce);
    let mut out = [0u8; 48];
    match hash {
        KeyHash::Sha1 => prf_sha1(pmk, b"Pairwise key expansion", &data, &mut out),
        KeyHash::Sha256 => kdf_sha256(pmk, b"Pairwise key expansion", &data, &mut out),
    }
    Ptk::from_bytes(&out)
}

/// The 512-bit PTK of TKIP (12.7.1.3, PRF-512): KCK, KEK and TK as [`pairwise_ptk`] with
/// PRF-SHA1 (PRF-512 begins with PRF-384's output), then octets 48–63, the authenticator's
/// transmit and receive Michael keys.
pub fn pairwise_ptk_tkip(
    pmk: &[u8],
    aa: [u8; 6],
    spa: [u8; 6],
    anonce: &[u8; 32],
    snonce: &[u8; 32],
) -> (Ptk, [u8; 16]) {
    let data = expansion_data(aa, spa, anonce, snonce);
    let mut out = [0u8; 64];
    prf_sha1(pmk, b"Pairwise key expansion", &data, &mut out);
    let mut head = [0u8; 48];
    head.copy_from_slice(&out[..48]);
    let mut mic = [0u8; 16];
    mic.copy_from_slice(&out[48..]);
    (Ptk::from_bytes(&head), mic)
}

/// The FT key hierarchy's top (12.7.1.7.3): PMK-R0 and PMKR0Name from the XXKey (the PSK for
/// FT-PSK, the second half of the MSK for FT-802.1X).
pub fn pmk_r0(
    xxkey: &[u8],
    ssid: &[u8],
    mdid: [u8; 2],
    r0kh_id: &[u8],
    s0kh_id: [u8; 6],
) -> ([u8; 32], [u8; 16]) {
    let mut context = Vec::with_capacity(1 + ssid.len() + 2 + 1 + r0kh_id.len() + 6);
    context.push(ssid.len() as u8);
    context.extend_from_slice(ssid);
    context.extend_from_slice(&mdid);
    context.push(r0kh_id.len() as u8);
    context.extend_from_slice(r0kh_id);
    context.extend_from_slice(&s0kh_id);
    let mut data = [0u8; 48];
    kdf_sha256(xxkey, b"FT-R0", &context, &mut data);
    let mut r0 = [0u8; 32];
    r0.copy_from_slice(&data[..32]);
    let mut h = Sha256::new();
    h.update(b"FT-R0N");
    h.update(&data[32..48]);
    let mut name = [0u8; 16];
    name.copy_from_slice(&h.finalize()[..16]);
    (r0, name)
}

/// PMK-R1 and PMKR1Name (12.7.1.7.4) for the AP whose R1KH-ID is `r1kh_id` (its MAC address
/// by default).
pub fn pmk_r1(
    pmk_r0: &[u8; 32],
    pmk_r0_name: &[u8; 16],
    r1kh_id: [u8; 6],
    s1kh_id: [u8; 6],
) -> ([u8; 32], [u8; 16]) {
    let mut context = [0u8; 12];
    context[..6].copy_from_slice(&r1kh_id);
    context[6..].copy_from_slice(&s1kh_id);
    let mut r1 = [0u8; 32];
    kdf_sha256(pmk_r0, b"FT-R1", &context, &mut r1);
    let mut h = Sha256::new();
    h.update(b"FT-R1N");
    h.update(pmk_r0_name);
    h.update(r1kh_id);
    h.update(s1kh_id);
    let mut name = [0u8; 16];
    name.copy_from_slice(&h.finalize()[..16]);
    (r1, name)
}

/// The PTK of a fast transition (12.7.1.7.5): KDF-SHA256(PMK-R1, "FT-PTK",
/// SNonce || ANonce || BSSID || STA-ADDR), 384 bits for CCMP-128.
pub fn ft_ptk(
    pmk_r1: &[u8; 32],
    snonce: &[u8; 32],
    anonce: &[u8; 32],
    bssid: [u8; 6],
    sta: [u8; 6],
) -> Ptk {
    let mut context = [0u8; 76];
    context[..32].copy_from_slice(snonce);
    context[32..64].copy_from_slice(anonce);
    context[64..70].copy_from_slice(&bssid);
    context[70..].copy_from_slice(&sta);
    let mut out = [0u8; 48];
    kdf_sha256(pmk_r1, b"FT-PTK", &context, &mut out);
    Ptk::from_bytes(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // IEEE 802.11-2020 J.4.2: passphrase-to-PSK mapping.
    #[test]
    fn pmk_matches_annex_j4() {
        for (pass, ssid, want) in [
            (
                &b"password"[..],
                &b"IEEE"[..],
                "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e",
            ),
            (
                b"ThisIsAPassword",
                b"ThisIsASSID",
                "0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af",
            ),
            (
                &[b'a'; 32][..],
                &[b'Z'; 32][..],
                "becb93866bb8c3832cb777c2f559807c8c59afcb6eae734885001300a981cc62",
            ),
        ] {
            assert_eq!(pmk_from_passphrase(pass, ssid).unwrap().to_vec(), hex(want));
        }
    }

    #[test]
    fn bad_passphrases_and_ssids_are_refused() {
        assert_eq!(
            pmk_from_passphrase(b"short", b"x"),
            Err(KeyError::Passphrase(5))
        );
        assert!(pmk_from_passphrase(&[b'a'; 64], b"x").is_err());
        assert!(pmk_from_passphrase(b"pass\x01word", b"x").is_err());
        assert_eq!(
            pmk_from_passphrase(b"password", &[b'x'; 33]),
            Err(KeyError::Ssid(33))
        );
    }

    // IEEE 802.11-2020 J.3.2: PRF test vectors.
    #[test]
    fn prf_matches_annex_j3() {
        for (key, data, want) in [
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                "bcd4c650b30b9684951829e0d75f9d54b862175ed9f00606e17d8da35402ffee
                 75df78c3d31e0f889f012120c0862beb67753e7439ae242edb8373698356cf5a",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "51f4de5b33f249adf81aeb713a3c20f4fe631446fabdfa58244759ae58ef9009
                 a99abf4eac2ca5fa87e692c440eb40023e7babb206d61de7b92f41529092b8fc",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "e1ac546ec4cb636f9976487be5c86be17a0252ca5d8d8df12cfb0473525249ce
                 9dd8d177ead710bc9b590547239107aef7b4abd43d87f0a68f1cbd9e2b6f7607",
            ),
        ] {
            let mut out = [0u8; 64];
            prf_sha1(&key, b"prefix", &data, &mut out);
            assert_eq!(out.to_vec(), hex(want));
            // A shorter PRF is a prefix of the longer one.
            let mut short = [0u8; 48];
            prf_sha1(&key, b"prefix", &data, &mut short);
            assert_eq!(short[..], out[..48]);
        }
    }

    #[test]
    fn the_ptk_does_not_depend_on_which_side_is_which() {
        let pmk = [7u8; 32];
        let (aa, spa) = ([0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 6]);
        let (an, sn) = ([1u8; 32], [2u8; 32]);
        let p = pairwise_ptk(KeyHash::Sha1, &pmk, aa, spa, &an, &sn);
        assert_eq!(p, pairwise_ptk(KeyHash::Sha1, &pmk, spa, aa, &sn, &an));
        assert_ne!(p, pairwise_ptk(KeyHash::Sha256, &pmk, aa, spa, &an, &sn));
        // Its Debug form names the key without showing it.
        let tk_hex: String = p.tk.iter().map(|b| format!("{b:02x}")).collect();
        let shown = format!("{p:?}");
        assert!(shown.starts_with("Ptk(") && !shown.contains(&tk_hex[..8]));
    }
}
