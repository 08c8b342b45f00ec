//! WEP (IEEE 802.11-2020 12.3.2): RC4 keyed with IV || key (40- or 104-bit keys), the body
//! IV (3 octets) || Key ID octet || RC4(data || ICV), the ICV a CRC-32 of the data.

use rc4::consts::{U16, U8};
use rc4::{KeyInit, Rc4, StreamCipher};

pub const HEADER_LEN: usize = 4;
pub const ICV_LEN: usize = 4;

/// Why a WEP frame did not decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WepError {
    /// Too short for the IV and ICV, or the Extended IV bit set (TKIP, CCMP or GCMP).
    NotWep,
    /// Not a 40- or 104-bit key.
    KeyLength,
    /// The ICV does not match: the wrong key, or a damaged frame.
    Icv,
}

/// The key ID of a WEP body (12.3.2.2: bits 6–7 of the fourth octet), None unless WEP-shaped.
pub(crate) fn key_id(body: &[u8]) -> Option<u8> {
    let b = *body.get(3)?;
    (b & 0x20 == 0 && body.len() >= HEADER_LEN + ICV_LEN).then_some(b >> 6)
}

fn keystream(iv: &[u8], key: &[u8], data: &mut [u8]) -> Result<(), WepError> {
    if !matches!(key.len(), 5 | 13) || iv.len() != 3 {
        return Err(WepError::KeyLength);
    }
    let mut seed = [0u8; 16];
    seed[..3].copy_from_slice(iv);
    seed[3..3 + key.len()].copy_from_slice(key);
    match key.len() {
        5 => Rc4::<U8>::new(seed[..8].into()).apply_keystream(data),
        13 => Rc4::<U16>::new(seed[..16].into()).apply_keystream(data),
        _ => return Err(WepError::KeyLength),
    }
    Ok(())
}

/// Decrypts a WEP body with `key` (5 or 13 octets), checking the ICV; the plaintext replaces
/// `out`'s contents.
pub(crate) fn decrypt(key: &[u8], body: &[u8], out: &mut Vec<u8>) -> Result<(), WepError> {
    key_id(body).ok_or(WepError::NotWep)?;
    out.clear();
    out.extend_from_slice(&body[HEADER_LEN..]);
    keystream(&body[..3], key, out)?;
    let at = out.len() - ICV_LEN;
    if out[at..] != crc32fast::hash(&out[..at]).to_le_bytes() {
        return Err(WepError::Icv);
    }
    out.truncate(at);
    Ok(())
}

/// Encrypts `data` as a WEP body with `iv` and `key_id` (for the generator and tests).
pub fn encrypt(key: &[u8], iv: [u8; 3], key_id: u8, data: &[u8]) -> Result<Vec<u8>, WepError> {
    let mut plain = data.to_vec();
    plain.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    keystream(&iv, key, &mut plain)?;
    let mut out = vec![iv[0], iv[1], iv[2], key_id << 6];
    out.extend_from_slice(&plain);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc4_is_keyed_with_the_iv_then_the_key() {
        // IV 01 02 03 with the 40-bit key 04 05 06 07 08 is RC4 keyed with 0102030405060708.
        let iv = [1u8, 2, 3];
        let key = [4u8, 5, 6, 7, 8];
        let mut a = [0u8; 8];
        keystream(&iv, &key, &mut a).unwrap();
        let mut b = [0u8; 8];
        Rc4::<U8>::new(&[1u8, 2, 3, 4, 5, 6, 7, 8].into()).apply_keystream(&mut b);
        assert_eq!(a, b);
        // RFC 6229's 64-bit key 0102030405060708: keystream 97 ab 8a 1b f0 af b9 61.
        assert_eq!(a, [0x97, 0xab, 0x8a, 0x1b, 0xf0, 0xaf, 0xb9, 0x61]);
    }

    #[test]
    fn a_body_round_trips_and_the_icv_catches_the_wrong_key() {
        for key in [&[0x1fu8; 5][..], &[0x42u8; 13][..]] {
            let body = encrypt(key, [9, 8, 7], 2, b"hello wep").unwrap();
            assert_eq!(key_id(&body), Some(2));
            let mut out = Vec::new();
            decrypt(key, &body, &mut out).unwrap();
            assert_eq!(out, b"hello wep");
            let mut wrong = key.to_vec();
            wrong[0] ^= 1;
            assert_eq!(decrypt(&wrong, &body, &mut out), Err(WepError::Icv));
        }
        assert_eq!(
            decrypt(&[1; 7], &[0; 12], &mut Vec::new()),
            Err(WepError::KeyLength)
        );
        assert_eq!(
            decrypt(&[1; 5], &[0; 7], &mut Vec::new()),
            Err(WepError::NotWep)
        );
    }
}
