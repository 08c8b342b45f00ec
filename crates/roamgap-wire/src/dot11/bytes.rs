//! Fixed-size integer fields in either byte order: the one place every wire view (802.11,
//! its payloads, the link-layer headers and the capture records) reads and writes them.
//!
//! A view names its fields as byte ranges ([`Field`], [`Rest`]) and checks once, in its
//! `new_checked`, that the buffer holds them; its accessors then read through those ranges.
//! The readers never panic: a read past the end gives `None` (the `*_at` forms) or zero (the
//! field forms, which a checked view never reaches).

use core::ops::{Range, RangeFrom};

/// A field at a fixed place in a header: its byte range.
pub(crate) type Field = Range<usize>;
/// The variable part that runs from a fixed offset to the end of the buffer.
pub(crate) type Rest = RangeFrom<usize>;

/// The `N` bytes at `at`, if the buffer holds them.
#[inline]
pub(crate) fn array_at<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// The bytes of `field`, or zeros when the buffer is too short (a checked view never is).
#[inline]
pub(crate) fn array<const N: usize>(b: &[u8], field: Field) -> [u8; N] {
    b.get(field)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0; N])
}

macro_rules! readers {
    ($($at:ident, $field:ident, $t:ty, $from:ident;)*) => {$(
        #[doc = concat!("A `", stringify!($t), "` (", stringify!($from),
            ") at `at`, if the buffer holds it.")]
        #[inline]
        pub(crate) fn $at(b: &[u8], at: usize) -> Option<$t> {
            array_at(b, at).map(<$t>::$from)
        }
        #[doc = concat!("The `", stringify!($t), "` (", stringify!($from),
            ") in `field` of a view whose length is checked.")]
        #[inline]
        pub(crate) fn $field(b: &[u8], field: Field) -> $t {
            <$t>::$from(array(b, field))
        }
    )*};
}

readers! {
    le16_at, le16, u16, from_le_bytes;
    be16_at, be16, u16, from_be_bytes;
    le32_at, le32, u32, from_le_bytes;
    be32_at, be32, u32, from_be_bytes;
    le64_at, le64, u64, from_le_bytes;
    be64_at, be64, u64, from_be_bytes;
}

/// A `u16` at `at` in the byte order a capture file's header chose.
#[inline]
pub(crate) fn u16_at(b: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    if big_endian {
        be16_at(b, at)
    } else {
        le16_at(b, at)
    }
}

/// A `u32` at `at` in the byte order a capture file's header chose.
#[inline]
pub(crate) fn u32_at(b: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    if big_endian {
        be32_at(b, at)
    } else {
        le32_at(b, at)
    }
}

/// A `u64` at `at` in the byte order a capture file's header chose.
#[inline]
pub(crate) fn u64_at(b: &[u8], at: usize, big_endian: bool) -> Option<u64> {
    if big_endian {
        be64_at(b, at)
    } else {
        le64_at(b, at)
    }
}

/// Writes `bytes` into `field` of `b` (an emitter sizes its buffer from its `buffer_len`).
#[inline]
pub(crate) fn put(b: &mut [u8], field: Field, bytes: &[u8]) {
    b[field].copy_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_byte_orders_and_short_buffers() {
        let b = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(le16_at(&b, 1), Some(0x0302));
        assert_eq!(be16_at(&b, 1), Some(0x0203));
        assert_eq!(le32_at(&b, 0), Some(0x0403_0201));
        assert_eq!(be32_at(&b, 5), Some(0x0607_0809));
        assert_eq!(le64_at(&b, 1), Some(0x0908_0706_0504_0302));
        assert_eq!(be64_at(&b, 0), Some(0x0102_0304_0506_0708));
        assert_eq!(be32_at(&b, 6), None);
        assert_eq!(le16_at(&b, usize::MAX), None);
        assert_eq!(be16(&b, 7..9), 0x0809);
        assert_eq!(le16(&b, 8..10), 0);
        assert_eq!(u16_at(&b, 0, true), Some(0x0102));
        assert_eq!(u32_at(&b, 0, false), Some(0x0403_0201));
        assert_eq!(u64_at(&b, 1, true), Some(0x0203_0405_0607_0809));
        assert_eq!(u64_at(&b, 2, false), None);
        let mut w = [0u8; 4];
        put(&mut w, 1..3, &0xabcdu16.to_be_bytes());
        assert_eq!(w, [0, 0xab, 0xcd, 0]);
    }
}
