//! Decryption of protected 802.11 frames with keys the user supplies: key derivation
//! (`kdf`), the handshakes (`handshake`), CCMP and GCMP (`ccmp`), TKIP (`tkip`: its key mixing
//! and Michael MIC, written from IEEE 802.11-2020 12.5.2), WEP (`wep`), and the choice of
//! cipher and keys for one frame (`decrypt`). Built on RustCrypto's `aes`, `ccm`, `aes-gcm`,
//! `rc4`, `hmac`, `md-5`, `sha1`, `sha2` and `pbkdf2`.
//!
//! Keys are secrets: nothing here prints them; they are named by [`fingerprint`].

pub mod ccmp;
pub mod decrypt;
pub mod handshake;
pub mod kdf;
pub mod keys;
pub mod tkip;
pub mod wep;

use sha2::{Digest, Sha256};

/// A key's name in outputs and logs: the first 4 bytes of SHA-256("roamgap key" || key), in
/// hex. It tells two keys apart without revealing either.
pub(crate) fn fingerprint(key: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"roamgap key");
    h.update(key);
    let d = h.finalize();
    format!("{:02x}{:02x}{:02x}{:02x}", d[0], d[1], d[2], d[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_keys_apart_without_showing_them() {
        let key = [0x42u8; 16];
        let f = fingerprint(&key);
        assert_eq!(f.len(), 8);
        assert_ne!(f, fingerprint(&[0x43u8; 16]));
        assert!(!f.contains("4242"));
    }
}
