//! Link-layer headers in front of the 802.11 frame: each turns a record's bytes into the radio
//! facts the sniffer recorded ([`RadioInfo`]) and the 802.11 frame itself.

pub(crate) mod avs;
pub(crate) mod peekremote;
pub(crate) mod ppi;
pub(crate) mod prism;
pub(crate) mod radiotap;

use thiserror::Error;

use crate::capture::LinkType;

/// What the frame check sequence tells about a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fcs {
    /// No FCS in the captured bytes.
    #[default]
    Absent,
    /// An FCS was present (and has been stripped from the 802.11 slice).
    Present,
    /// The sniffer flagged the FCS as wrong: the frame's contents cannot be trusted.
    Bad,
}

/// Radio facts recorded by the sniffer for one frame; every field is optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RadioInfo {
    pub channel_mhz: Option<u16>,
    pub signal_dbm: Option<i8>,
    pub noise_dbm: Option<i8>,
    /// Legacy rate in units of 500 kb/s.
    pub rate_500kbps: Option<u8>,
    /// HT MCS index.
    pub(crate) mcs: Option<u8>,
    /// HT bandwidth 40 MHz (else 20), when the MCS is known.
    pub(crate) mcs_40mhz: bool,
    /// HT short guard interval, when the MCS is known.
    pub(crate) mcs_short_gi: bool,
    pub tsft: Option<u64>,
    pub fcs: Fcs,
}

impl RadioInfo {
    /// The data rate in units of 100 kb/s: the legacy rate, else the HT MCS rate
    /// (IEEE 802.11-2020 19.5, tables 19-27 ff.: 20/40 MHz, long/short guard interval).
    pub fn rate_100kbps(&self) -> Option<u16> {
        if let Some(r) = self.rate_500kbps {
            return Some(u16::from(r) * 5);
        }
        let m = self.mcs.filter(|&m| m < 32)?;
        // One spatial stream, long GI, 100 kb/s units.
        const HT20: [u32; 8] = [65, 130, 195, 260, 390, 520, 585, 650];
        const HT40: [u32; 8] = [135, 270, 405, 540, 810, 1080, 1215, 1350];
        let base = if self.mcs_40mhz { HT40 } else { HT20 }[usize::from(m % 8)];
        let long_gi = base * (u32::from(m / 8) + 1);
        let rate = if self.mcs_short_gi {
            (long_gi * 10 + 4) / 9
        } else {
            long_gi
        };
        u16::try_from(rate).ok()
    }

    /// The IEEE channel number of the frequency (2.4, 5 and 6 GHz bands).
    pub fn channel(&self) -> Option<u16> {
        self.channel_mhz.and_then(channel_of_mhz)
    }
}

/// Centre frequency of a channel number: 1–14 in 2.4 GHz, 32–177 in 5 GHz (the 6 GHz
/// numbers overlap 5 GHz ones and cannot be told from the number alone).
pub fn mhz_of_channel(ch: u16) -> Option<u16> {
    match ch {
        14 => Some(2484),
        1..=13 => Some(2407 + 5 * ch),
        32..=177 => Some(5000 + 5 * ch),
        _ => None,
    }
}

/// Whether a frequency is one `channel_of_mhz` knows.
pub(crate) fn channel_of_mhz_checked(mhz: u16) -> bool {
    channel_of_mhz(mhz).is_some()
}

/// Link-layer options a user can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkOptions {
    /// UDP port remote-capture (peekremote) streams are sent to.
    pub peekremote_port: u16,
    /// Whether frames with a wrong FCS are dropped.
    pub fcs: FcsPolicy,
}

impl Default for LinkOptions {
    fn default() -> LinkOptions {
        LinkOptions {
            peekremote_port: 5000,
            fcs: FcsPolicy::Auto,
        }
    }
}

/// What to do with a frame whose FCS is wrong (flagged by the capture header, or a CRC-32 that
/// does not match the FCS the frame carries).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FcsPolicy {
    /// Check, unless the FCS fails on (nearly) every frame of the capture's beginning that
    /// carries one: a tool rewrote the capture's addresses without recomputing the FCS, and
    /// the frames are sound (see `pipeline::fcs_policy`). A decoder given `Auto` checks.
    #[default]
    Auto,
    /// Drop frames with a wrong FCS (counted as `bad_fcs`).
    Check,
    /// Decode every frame whatever its FCS, as tshark does by default.
    Ignore,
}

/// Channel number for a centre frequency (IEEE 802.11-2020 clauses 15.4.4.3, 17.3.8.4.2,
/// 27.3.23.2). The numbers of different bands overlap: [`Band::of_mhz`] tells them apart.
pub fn channel_of_mhz(mhz: u16) -> Option<u16> {
    match mhz {
        2484 => Some(14),
        2412..=2472 => Some((mhz - 2407) / 5),
        // 6 GHz: 5950 + 5 n MHz (n = 1..233), and channel 2 at 5935 MHz (27.3.23.2).
        5935 => Some(2),
        5955..=7115 => Some((mhz - 5950) / 5),
        5000..=5925 => Some((mhz - 5000) / 5),
        4910..=4980 => Some((mhz - 4000) / 5),
        _ => None,
    }
}

/// The band of a channel (IEEE 802.11-2020 Annex E): channel numbers repeat across bands (6 GHz
/// channel 5 is 5975 MHz, 2.4 GHz channel 5 is 2432 MHz; channel 165 is 5825 MHz in 5 GHz and
/// 6775 MHz in 6 GHz), so a number means nothing without its band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Band {
    #[serde(rename = "2.4GHz")]
    Ghz2_4,
    #[serde(rename = "4.9GHz")]
    Ghz4_9,
    #[serde(rename = "5GHz")]
    Ghz5,
    #[serde(rename = "6GHz")]
    Ghz6,
}

impl Band {
    /// The band of a centre frequency [`channel_of_mhz`] knows.
    pub fn of_mhz(mhz: u16) -> Option<Band> {
        channel_of_mhz(mhz)?;
        Some(match mhz {
            ..=2500 => Band::Ghz2_4,
            4900..=4999 => Band::Ghz4_9,
            5935.. => Band::Ghz6,
            _ => Band::Ghz5,
        })
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Band::Ghz2_4 => "2.4 GHz",
            Band::Ghz4_9 => "4.9 GHz",
            Band::Ghz5 => "5 GHz",
            Band::Ghz6 => "6 GHz",
        })
    }
}

/// An 802.11 frame with the radio information in front of it.
#[derive(Clone, Copy, Debug)]
pub struct LinkFrame<'a> {
    pub radio: RadioInfo,
    /// The 802.11 frame, FCS stripped.
    pub dot11: &'a [u8],
    /// The radiotap "data pad" flag: padding between the 802.11 header and body to a
    /// 32-bit boundary.
    pub header_padded: bool,
    /// The FCS stripped from the end of the frame, when the header says one is there.
    pub fcs_bytes: Option<[u8; 4]>,
}

/// Splits the 4-byte FCS off the end of a frame.
pub(crate) fn split_fcs(frame: &[u8]) -> Option<(&[u8], [u8; 4])> {
    let n = frame.len().checked_sub(4)?;
    let (body, fcs) = frame.split_at(n);
    Some((body, [fcs[0], fcs[1], fcs[2], fcs[3]]))
}

#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("link type {0} is not read by roamgap (it reads 1 with remote capture, 105, 119, 127, 163 and 192)")]
    Unsupported(LinkType),
    /// An Ethernet frame that is not a remote-capture stream: not a wireless frame at all.
    #[error("not a remote-capture (peekremote) frame")]
    NotWireless,
    /// A damaged PPI, Prism, AVS or peekremote header; `short` when it needs more bytes than
    /// the record has.
    #[error("{link} header: {what}")]
    Header {
        link: &'static str,
        what: &'static str,
        short: bool,
    },
    #[error("radiotap header: {0}")]
    Radiotap(&'static str),
    /// The radiotap header needs more bytes than the record has.
    #[error("radiotap header: {0}")]
    RadiotapShort(&'static str),
}

/// A link-layer header's decoder: the record's bytes, the FCS length the capture file
/// declares for its records, the options; the radio information and the 802.11 frame.
type HeaderDecoder = for<'a> fn(&'a [u8], u8, &LinkOptions) -> Result<LinkFrame<'a>, LinkError>;

/// Every link-layer header roamgap reads, by link type: the one place a new header is
/// registered (its module decodes it; `capture::LinkType` names its number).
const HEADERS: [(LinkType, HeaderDecoder); 6] = [
    (LinkType::RADIOTAP, |d, _, _| radiotap::decode(d)),
    (LinkType::PPI, |d, _, _| ppi::decode(d)),
    (LinkType::PRISM, |d, _, _| prism::decode(d)),
    (LinkType::AVS, |d, _, _| avs::decode(d)),
    (LinkType::ETHERNET, |d, _, o| {
        peekremote::decode(d, o.peekremote_port)
    }),
    (LinkType::IEEE802_11, plain_dot11),
];

/// Splits a record of the given link type into radio information and the 802.11 frame.
/// `fcs_len` is the FCS length the capture file declares for its records (0 if none).
pub fn decode<'a>(
    linktype: LinkType,
    data: &'a [u8],
    fcs_len: u8,
    options: &LinkOptions,
) -> Result<LinkFrame<'a>, LinkError> {
    match HEADERS.iter().find(|(t, _)| *t == linktype) {
        Some((_, decoder)) => decoder(data, fcs_len, options),
        None => Err(LinkError::Unsupported(linktype)),
    }
}

/// A bare 802.11 frame (link type 105): the pcap header may declare an FCS (only the 4-byte
/// CRC-32 is checked).
fn plain_dot11<'a>(
    data: &'a [u8],
    fcs_len: u8,
    _: &LinkOptions,
) -> Result<LinkFrame<'a>, LinkError> {
    let (dot11, fcs, fcs_bytes) = match data.len().checked_sub(usize::from(fcs_len)) {
        Some(n) if fcs_len == 4 => (&data[..n], Fcs::Present, split_fcs(data).map(|(_, f)| f)),
        Some(n) if fcs_len > 0 => (&data[..n], Fcs::Present, None),
        _ => (data, Fcs::Absent, None),
    };
    Ok(LinkFrame {
        radio: RadioInfo {
            fcs,
            ..RadioInfo::default()
        },
        dot11,
        header_padded: false,
        fcs_bytes,
    })
}

/// Whether [`decode`] reads this link type.
pub fn is_supported(linktype: LinkType) -> bool {
    HEADERS.iter().any(|(t, _)| *t == linktype)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_rates() {
        let legacy = RadioInfo {
            rate_500kbps: Some(108),
            mcs: Some(7),
            ..RadioInfo::default()
        };
        assert_eq!(legacy.rate_100kbps(), Some(540));
        let ht = |mcs, mcs_40mhz, mcs_short_gi| RadioInfo {
            mcs: Some(mcs),
            mcs_40mhz,
            mcs_short_gi,
            ..RadioInfo::default()
        };
        // 802.11-2020 tables 19-27 ff.: MCS 7 = 65 / 72.2 (20 MHz), 135 / 150 (40 MHz) Mb/s.
        assert_eq!(ht(7, false, false).rate_100kbps(), Some(650));
        assert_eq!(ht(7, false, true).rate_100kbps(), Some(722));
        assert_eq!(ht(7, true, false).rate_100kbps(), Some(1350));
        assert_eq!(ht(7, true, true).rate_100kbps(), Some(1500));
        // MCS 15: two streams; MCS 31 at 40 MHz short GI is 600 Mb/s.
        assert_eq!(ht(15, false, false).rate_100kbps(), Some(1300));
        assert_eq!(ht(31, true, true).rate_100kbps(), Some(6000));
        assert_eq!(ht(32, false, false).rate_100kbps(), None);
    }

    #[test]
    fn channels() {
        assert_eq!(channel_of_mhz(2412), Some(1));
        assert_eq!(channel_of_mhz(2437), Some(6));
        assert_eq!(channel_of_mhz(2462), Some(11));
        assert_eq!(channel_of_mhz(2484), Some(14));
        assert_eq!(channel_of_mhz(5180), Some(36));
        assert_eq!(channel_of_mhz(5825), Some(165));
        assert_eq!(channel_of_mhz(5955), Some(1));
        assert_eq!(channel_of_mhz(1000), None);
        // The same numbers in different bands (wlanpi-profiler's 6 GHz captures: 5975 and
        // 6775 MHz).
        assert_eq!(channel_of_mhz(5975), Some(5));
        assert_eq!(channel_of_mhz(6775), Some(165));
        assert_eq!(channel_of_mhz(5935), Some(2));
        assert_eq!(Band::of_mhz(2432), Some(Band::Ghz2_4));
        assert_eq!(Band::of_mhz(5975), Some(Band::Ghz6));
        assert_eq!(Band::of_mhz(5825), Some(Band::Ghz5));
        assert_eq!(Band::of_mhz(6775), Some(Band::Ghz6));
        assert_eq!(Band::of_mhz(5935), Some(Band::Ghz6));
        assert_eq!(Band::of_mhz(4920), Some(Band::Ghz4_9));
        assert_eq!(Band::of_mhz(5930), None);
        assert_eq!(Band::Ghz6.to_string(), "6 GHz");
    }

    #[test]
    fn other_link_types_are_named() {
        let e = decode(LinkType(113), &[], 0, &LinkOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "link type 113 (Linux cooked (SLL)) is not read by roamgap (it reads 1 with remote capture, 105, 119, 127, 163 and 192)"
        );
    }
}
