//! The frame check sequence (802.11-2020 9.2.4.8): CRC-32 of the MAC header and body, the
//! IEEE 802.3 polynomial, sent least significant byte first.

const fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u32; 256] = table();

/// CRC-32 (reflected, initial and final XOR all ones) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    !data
        .iter()
        .fold(!0u32, |c, &b| TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8))
}

/// Whether `frame` (MAC header and body) ends in its correct 4-byte FCS.
pub fn fcs_ok(frame_with_fcs: &[u8]) -> bool {
    let Some(n) = frame_with_fcs.len().checked_sub(4) else {
        return false;
    };
    let (frame, fcs) = frame_with_fcs.split_at(n);
    crc32(frame).to_le_bytes() == fcs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        let mut f = b"roamgap".to_vec();
        f.extend(crc32(b"roamgap").to_le_bytes());
        assert!(fcs_ok(&f));
        f[0] ^= 1;
        assert!(!fcs_ok(&f));
    }
}
