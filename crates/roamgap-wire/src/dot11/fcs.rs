//! The frame check sequence (802.11-2020 9.2.4.8): CRC-32 of the MAC header and body, the
//! IEEE 802.3 polynomial, sent least significant byte first.

/// CRC-32 (reflected, initial and final XOR all ones) of `data`, by the `crc32fast` crate
/// (carry-less multiplication where the CPU has it: the check costs a few ns a frame).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// Whether `fcs` (as captured, least significant byte first) is the FCS of `frame`.
pub fn matches(frame: &[u8], fcs: [u8; 4]) -> bool {
    crc32(frame).to_le_bytes() == fcs
}

/// Whether `frame_with_fcs` (MAC header and body) ends in its correct 4-byte FCS.
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
