//! TKIP (IEEE 802.11-2020 12.5.2): the per-packet key mixing of 12.5.2.5 (phase 1 from the
//! temporal key, transmitter address and the upper 32 bits of the TKIP sequence counter; phase
//! 2 from its lower 16 bits), RC4 from RustCrypto's `rc4` with the ICV (CRC-32) checked, and
//! the Michael MIC of 12.5.2.3 over the MSDU. The key mixing and Michael are small algorithms
//! the standard specifies exactly; they are written here from it.

use rc4::consts::U16;
use rc4::{KeyInit, Rc4, StreamCipher};

/// TKIP's IV/Extended IV header and its ICV and Michael MIC lengths.
pub(crate) const HEADER_LEN: usize = 8;
pub const ICV_LEN: usize = 4;
pub(crate) const MIC_LEN: usize = 8;

/// The AES S-box (FIPS 197 5.1.1): the multiplicative inverse in GF(2^8) then the affine map,
/// computed at compile time.
const fn aes_sbox() -> [u8; 256] {
    const fn mul(mut a: u8, mut b: u8) -> u8 {
        let mut p = 0u8;
        while b != 0 {
            if b & 1 != 0 {
                p ^= a;
            }
            let hi = a & 0x80;
            a <<= 1;
            if hi != 0 {
                a ^= 0x1b;
            }
            b >>= 1;
        }
        p
    }
    let mut s = [0u8; 256];
    let mut x = 0usize;
    while x < 256 {
        // The inverse: x^254.
        let mut inv = 1u8;
        let mut k = 0;
        while k < 254 {
            inv = mul(inv, x as u8);
            k += 1;
        }
        if x == 0 {
            inv = 0;
        }
        let b = inv;
        s[x] = b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63;
        x += 1;
    }
    s
}

/// TKIP's 16-bit S-box (12.5.2.5.2): entry i is (2·S[i]) << 8 | 3·S[i], S the AES S-box.
const TKIP_SBOX: [u16; 256] = {
    let s = aes_sbox();
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let x = s[i];
        let x2 = (x << 1) ^ if x & 0x80 != 0 { 0x1b } else { 0 };
        t[i] = (x2 as u16) << 8 | (x2 ^ x) as u16;
        i += 1;
    }
    t
};

/// S(v) of 12.5.2.5.2: the table at the low byte, XOR the byte-swapped table at the high one.
fn sbox(v: u16) -> u16 {
    TKIP_SBOX[usize::from(v as u8)] ^ TKIP_SBOX[usize::from(v >> 8)].swap_bytes()
}

fn mk16(hi: u8, lo: u8) -> u16 {
    u16::from(hi) << 8 | u16::from(lo)
}

/// Phase 1 (12.5.2.5.3): TTAK from TK, TA and IV32 (the TSC's upper 32 bits).
pub(crate) fn phase1(tk: &[u8; 16], ta: [u8; 6], iv32: u32) -> [u16; 5] {
    let mut p = [
        iv32 as u16,
        (iv32 >> 16) as u16,
        mk16(ta[1], ta[0]),
        mk16(ta[3], ta[2]),
        mk16(ta[5], ta[4]),
    ];
    for i in 0..8u16 {
        let j = 2 * usize::from(i & 1);
        p[0] = p[0].wrapping_add(sbox(p[4] ^ mk16(tk[1 + j], tk[j])));
        p[1] = p[1].wrapping_add(sbox(p[0] ^ mk16(tk[5 + j], tk[4 + j])));
        p[2] = p[2].wrapping_add(sbox(p[1] ^ mk16(tk[9 + j], tk[8 + j])));
        p[3] = p[3].wrapping_add(sbox(p[2] ^ mk16(tk[13 + j], tk[12 + j])));
        p[4] = p[4]
            .wrapping_add(sbox(p[3] ^ mk16(tk[1 + j], tk[j])))
            .wrapping_add(i);
    }
    p
}

/// Phase 2 (12.5.2.5.4): the 128-bit WEP seed (the RC4 key) from TTAK, TK and IV16 (the TSC's
/// lower 16 bits).
pub(crate) fn phase2(tk: &[u8; 16], ttak: &[u16; 5], iv16: u16) -> [u8; 16] {
    let k = |i: usize| mk16(tk[2 * i + 1], tk[2 * i]);
    let mut p = [ttak[0], ttak[1], ttak[2], ttak[3], ttak[4], 0];
    p[5] = ttak[4].wrapping_add(iv16);
    p[0] = p[0].wrapping_add(sbox(p[5] ^ k(0)));
    p[1] = p[1].wrapping_add(sbox(p[0] ^ k(1)));
    p[2] = p[2].wrapping_add(sbox(p[1] ^ k(2)));
    p[3] = p[3].wrapping_add(sbox(p[2] ^ k(3)));
    p[4] = p[4].wrapping_add(sbox(p[3] ^ k(4)));
    p[5] = p[5].wrapping_add(sbox(p[4] ^ k(5)));
    p[0] = p[0].wrapping_add((p[5] ^ k(6)).rotate_right(1));
    p[1] = p[1].wrapping_add((p[0] ^ k(7)).rotate_right(1));
    p[2] = p[2].wrapping_add(p[1].rotate_right(1));
    p[3] = p[3].wrapping_add(p[2].rotate_right(1));
    p[4] = p[4].wrapping_add(p[3].rotate_right(1));
    p[5] = p[5].wrapping_add(p[4].rotate_right(1));
    let [hi, lo] = iv16.to_be_bytes();
    let mut seed = [0u8; 16];
    seed[0] = hi;
    seed[1] = (hi | 0x20) & 0x7f;
    seed[2] = lo;
    seed[3] = ((p[5] ^ k(0)) >> 1) as u8;
    for (i, v) in p.iter().enumerate() {
        seed[4 + 2 * i..6 + 2 * i].copy_from_slice(&v.to_le_bytes());
    }
    seed
}

/// Michael's block function b(L, R) (12.5.2.3.3).
fn michael_block(mut l: u32, mut r: u32) -> (u32, u32) {
    r ^= l.rotate_left(17);
    l = l.wrapping_add(r);
    r ^= ((l & 0xff00_ff00) >> 8) | ((l & 0x00ff_00ff) << 8);
    l = l.wrapping_add(r);
    r ^= l.rotate_left(3);
    l = l.wrapping_add(r);
    r ^= l.rotate_right(2);
    l = l.wrapping_add(r);
    (l, r)
}

/// Michael (12.5.2.3.3) over the concatenation of `parts`, padded with 0x5a and 4 to 7 zero
/// octets to a multiple of 4.
pub(crate) fn michael(key: &[u8; 8], parts: &[&[u8]]) -> [u8; 8] {
    struct State {
        l: u32,
        r: u32,
        word: [u8; 4],
        n: usize,
    }
    impl State {
        fn feed(&mut self, b: u8) {
            self.word[self.n] = b;
            self.n += 1;
            if self.n == 4 {
                self.l ^= u32::from_le_bytes(self.word);
                (self.l, self.r) = michael_block(self.l, self.r);
                self.n = 0;
            }
        }
    }
    let mut s = State {
        l: u32::from_le_bytes([key[0], key[1], key[2], key[3]]),
        r: u32::from_le_bytes([key[4], key[5], key[6], key[7]]),
        word: [0; 4],
        n: 0,
    };
    parts.iter().flat_map(|p| p.iter()).for_each(|&b| s.feed(b));
    s.feed(0x5a);
    // Four zeros, then more until the length is a multiple of four.
    for _ in 0..4 {
        s.feed(0);
    }
    while s.n != 0 {
        s.feed(0);
    }
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&s.l.to_le_bytes());
    out[4..].copy_from_slice(&s.r.to_le_bytes());
    out
}

/// A TKIP key: the temporal key and the Michael key of each direction (12.7.1.3: PTK octets
/// 32–47 the TK, 48–55 the authenticator's transmit MIC key, 56–63 its receive key; a TKIP
/// GTK is laid out the same way from octet 0).
#[derive(Clone, PartialEq, Eq)]
pub struct TkipKey {
    pub tk: [u8; 16],
    /// Michael key of frames the authenticator (the AP) sends.
    pub(crate) mic_from_ap: [u8; 8],
    /// Michael key of frames the supplicant (the station) sends.
    pub(crate) mic_to_ap: [u8; 8],
}

impl TkipKey {
    /// From 32 octets: TK, then the authenticator's Tx and Rx Michael keys.
    pub fn from_bytes(b: &[u8; 32]) -> TkipKey {
        let mut k = TkipKey {
            tk: [0; 16],
            mic_from_ap: [0; 8],
            mic_to_ap: [0; 8],
        };
        k.tk.copy_from_slice(&b[..16]);
        k.mic_from_ap.copy_from_slice(&b[16..24]);
        k.mic_to_ap.copy_from_slice(&b[24..32]);
        k
    }
}

impl std::fmt::Debug for TkipKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TkipKey({})", super::fingerprint(&self.tk))
    }
}

/// Why a TKIP frame did not decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TkipError {
    /// Too short for the header, MIC and ICV, or no Extended IV.
    NotTkip,
    /// The ICV does not match: the wrong key (or a damaged frame).
    Icv,
    /// The ICV matches but the Michael MIC does not: a forged or damaged MSDU.
    Michael,
}

/// The 48-bit TSC and key ID of a TKIP header (12.5.2.2): TSC1, WEPSeed[1], TSC0, Key ID
/// octet (Extended IV bit 5), TSC2–TSC5. None unless it has TKIP's shape.
pub(crate) fn header(body: &[u8]) -> Option<(u64, u8)> {
    let h = body.get(..HEADER_LEN)?;
    if h[3] & 0x20 == 0 || h[1] != (h[0] | 0x20) & 0x7f {
        return None;
    }
    let tsc = u64::from(h[2])
        | u64::from(h[0]) << 8
        | u64::from(h[4]) << 16
        | u64::from(h[5]) << 24
        | u64::from(h[6]) << 32
        | u64::from(h[7]) << 40;
    Some((tsc, h[3] >> 6))
}

/// The header for `tsc` and `key_id`.
pub(crate) fn write_header(tsc: u64, key_id: u8) -> [u8; HEADER_LEN] {
    let t = tsc.to_le_bytes();
    [
        t[1],
        (t[1] | 0x20) & 0x7f,
        t[0],
        0x20 | key_id << 6,
        t[2],
        t[3],
        t[4],
        t[5],
    ]
}

/// The addresses and priority Michael covers (12.5.2.3.2): DA, SA, priority, three zeros.
pub(crate) type MichaelHeader = [u8; 16];

pub fn michael_header(da: [u8; 6], sa: [u8; 6], priority: u8) -> MichaelHeader {
    let mut h = [0u8; 16];
    h[..6].copy_from_slice(&da);
    h[6..12].copy_from_slice(&sa);
    h[12] = priority;
    h
}

/// Decrypts a TKIP MPDU body (header, encrypted MSDU || MIC || ICV) sent by `ta`, checking the
/// ICV, and for a whole MSDU (`michael` Some: the Michael key and header) the Michael MIC. The
/// plaintext MSDU replaces `out`'s contents.
pub(crate) fn decrypt(
    tk: &[u8; 16],
    ta: [u8; 6],
    body: &[u8],
    michael_check: Option<(&[u8; 8], &MichaelHeader)>,
    out: &mut Vec<u8>,
) -> Result<u64, TkipError> {
    let (tsc, _) = header(body).ok_or(TkipError::NotTkip)?;
    // A fragment carries no MIC of its own; a whole MSDU at least its MIC.
    let min = HEADER_LEN + ICV_LEN + if michael_check.is_some() { MIC_LEN } else { 0 };
    if body.len() < min {
        return Err(TkipError::NotTkip);
    }
    let seed = phase2(tk, &phase1(tk, ta, (tsc >> 16) as u32), tsc as u16);
    out.clear();
    out.extend_from_slice(&body[HEADER_LEN..]);
    Rc4::<U16>::new(&seed.into()).apply_keystream(out);
    let icv_at = out.len() - ICV_LEN;
    let icv = crc32fast::hash(&out[..icv_at]).to_le_bytes();
    if out[icv_at..] != icv {
        return Err(TkipError::Icv);
    }
    out.truncate(icv_at);
    if let Some((key, mh)) = michael_check {
        let mic_at = out.len() - MIC_LEN;
        if michael(key, &[mh, &out[..mic_at]]) != out[mic_at..] {
            return Err(TkipError::Michael);
        }
        out.truncate(mic_at);
    }
    Ok(tsc)
}

/// Encrypts an MSDU as one TKIP MPDU body (for the generator and the tests): header ||
/// RC4(MSDU || Michael MIC || ICV).
pub fn encrypt(
    key: &TkipKey,
    ta: [u8; 6],
    from_ap: bool,
    mh: &MichaelHeader,
    tsc: u64,
    key_id: u8,
    msdu: &[u8],
) -> Vec<u8> {
    let mic_key = if from_ap {
        &key.mic_from_ap
    } else {
        &key.mic_to_ap
    };
    let mut out = Vec::with_capacity(HEADER_LEN + msdu.len() + MIC_LEN + ICV_LEN);
    out.extend_from_slice(&write_header(tsc, key_id));
    let mut plain = msdu.to_vec();
    plain.extend_from_slice(&michael(mic_key, &[mh, msdu]));
    plain.extend_from_slice(&crc32fast::hash(&plain).to_le_bytes());
    let seed = phase2(
        &key.tk,
        &phase1(&key.tk, ta, (tsc >> 16) as u32),
        tsc as u16,
    );
    Rc4::<U16>::new(&seed.into()).apply_keystream(&mut plain);
    out.extend_from_slice(&plain);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn the_sbox_is_the_standards() {
        // 12.5.2.5.2's table starts C6A5 F884 EE99 F68D and ends 7BCB A8FC 6DD6 2C3A.
        assert_eq!(&TKIP_SBOX[..4], &[0xc6a5, 0xf884, 0xee99, 0xf68d]);
        assert_eq!(&TKIP_SBOX[252..], &[0x7bcb, 0xa8fc, 0x6dd6, 0x2c3a]);
    }

    #[test]
    fn key_mixing_gives_the_standards_vectors() {
        // The TKIP mixing function test vectors of IEEE 802.11i (carried into IEEE 802.11
        // Annex J): TK, TA, IV32, IV16, phase 1 output (P1K, when given) and RC4 key.
        let cases = [
            (
                "000102030405060708090a0b0c0d0e0f",
                "102233445566",
                0u32,
                0u16,
                None,
                "00200033ea8d2f60ca6d1374234a660b",
            ),
            (
                "63893b250840b8ae0bd0fa7e61d2783e",
                "64f2eaeddc25",
                0x20dc_fd43,
                0xffff,
                None,
                "ff7fff93810fc6e58f5dd326251544ce",
            ),
            (
                "983a16ef4facb351aa9ecc271d7309e2",
                "509c4b1727d9",
                0xf0a4_10fc,
                0x058c,
                Some([0xf2df, 0xebb1, 0x88d3, 0x5923, 0xa07c]),
                "05258cf4d85152f4d9af1a64f1d07021",
            ),
            (
                "983a16ef4facb351aa9ecc271d7309e2",
                "509c4b1727d9",
                0xf0a4_10fc,
                0x058d,
                Some([0xf2df, 0xebb1, 0x88d3, 0x5923, 0xa07c]),
                "05258d09f81543b76a596fc2c6738b30",
            ),
            (
                "c8adc16a8b4dda3b4dd5b65438359b05",
                "945e244e4d6e",
                0x8b15_73b7,
                0x30f8,
                Some([0xeff1, 0x3f38, 0xa364, 0x60a9, 0x76f3]),
                "3030f8650da073ea614ea8f474ee0319",
            ),
            (
                "c8adc16a8b4dda3b4dd5b65438359b05",
                "945e244e4d6e",
                0x8b15_73b7,
                0x30f9,
                Some([0xeff1, 0x3f38, 0xa364, 0x60a9, 0x76f3]),
                "3030f93155ce293437cc76712716ab8f",
            ),
        ];
        for (tk, ta, iv32, iv16, p1k, rc4key) in cases {
            let tk: [u8; 16] = hex(tk).try_into().unwrap();
            let ta: [u8; 6] = hex(ta).try_into().unwrap();
            let ttak = phase1(&tk, ta, iv32);
            if let Some(p1k) = p1k {
                assert_eq!(ttak, p1k);
            }
            assert_eq!(phase2(&tk, &ttak, iv16).to_vec(), hex(rc4key), "{iv16:04x}");
        }
    }

    #[test]
    fn michael_gives_the_standards_vectors() {
        // IEEE 802.11-2020 Annex J (Michael test vectors): each output keys the next.
        let cases = [
            ("0000000000000000", "", "82925c1ca1d130b8"),
            ("82925c1ca1d130b8", "M", "434721ca40639b3f"),
            ("434721ca40639b3f", "Mi", "e8f9becae97e5d29"),
            ("e8f9becae97e5d29", "Mic", "90038fc6cf13c1db"),
            ("90038fc6cf13c1db", "Mich", "d55e100510128986"),
            ("d55e100510128986", "Michael", "0a942b124ecaa546"),
        ];
        for (key, msg, want) in cases {
            let key: [u8; 8] = hex(key).try_into().unwrap();
            assert_eq!(
                michael(&key, &[msg.as_bytes()]).to_vec(),
                hex(want),
                "{msg}"
            );
            // Split anywhere, the same MIC.
            let (a, b) = msg.as_bytes().split_at(msg.len() / 2);
            assert_eq!(michael(&key, &[a, b]).to_vec(), hex(want));
        }
    }

    #[test]
    fn an_encrypted_msdu_decrypts_and_a_flipped_bit_fails() {
        let key = TkipKey::from_bytes(&std::array::from_fn(|i| i as u8 * 7));
        let ta = [0x00, 0x1b, 0xd4, 1, 2, 3];
        let mh = michael_header([0x00, 0x3a, 0x98, 4, 5, 6], ta, 6);
        let msdu = b"\xaa\xaa\x03\x00\x00\x00\x08\x00voice";
        let body = encrypt(&key, ta, false, &mh, 0x0001_0002_fffe, 1, msdu);
        assert_eq!(header(&body), Some((0x0001_0002_fffe, 1)));
        let mut out = Vec::new();
        let check = Some((&key.mic_to_ap, &mh));
        assert_eq!(
            decrypt(&key.tk, ta, &body, check, &mut out),
            Ok(0x0001_0002_fffe)
        );
        assert_eq!(out, msdu);
        // Another transmitter address mixes another key: the ICV fails.
        let mut other = ta;
        other[5] ^= 1;
        assert_eq!(
            decrypt(&key.tk, other, &body, check, &mut out),
            Err(TkipError::Icv)
        );
        // The other direction's Michael key: ICV right, MIC wrong.
        assert_eq!(
            decrypt(&key.tk, ta, &body, Some((&key.mic_from_ap, &mh)), &mut out),
            Err(TkipError::Michael)
        );
        assert_eq!(
            decrypt(&key.tk, ta, &body[..10], check, &mut out),
            Err(TkipError::NotTkip)
        );
    }
}
