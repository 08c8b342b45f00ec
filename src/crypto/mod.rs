//! Decryption of protected 802.11 frames with keys the user supplies: key derivation
//! (`kdf`), CCMP-128 (`ccmp`). Built on RustCrypto's `aes`, `ccm`, `hmac`, `sha1`, `sha2` and
//! `pbkdf2`; no cipher is written here.
//!
//! Keys are secrets: nothing here prints them; they are named by [`fingerprint`].

pub mod ccmp;
pub mod handshake;
pub mod kdf;
pub mod keys;
pub mod tkip;
pub mod wep;

use sha2::{Digest, Sha256};

/// A key's name in outputs and logs: the first 4 bytes of SHA-256("roamgap key" || key), in
/// hex. It tells two keys apart without revealing either.
pub fn fingerprint(key: &[u8]) -> String {
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
