//! The events a frame becomes: what the analysis reads of each frame, small and `Copy`.

use roamgap_wire::dot11::action::AddtsKind;
use roamgap_wire::dot11::data::KeyMessage;
use roamgap_wire::dot11::ie::{KeyManagement, TsDirection, Tspec};
use roamgap_wire::dot11::MacAddr;

/// A TSPEC (9.4.2.29), reduced to what the analysis reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TspecInfo {
    pub(crate) tid: u8,
    #[serde(rename = "up")]
    pub(crate) user_priority: u8,
    pub(crate) direction: TsDirection,
    /// WMM (vendor) TSPEC rather than element 13.
    pub(crate) wmm: bool,
    pub(crate) nominal_msdu_size: u16,
    pub(crate) mean_data_rate: u32,
    /// Minimum PHY rate in b/s: the AP must have this rate enabled to admit the stream.
    pub(crate) min_phy_rate: u32,
    pub(crate) surplus_bandwidth: u16,
    pub(crate) medium_time: u16,
}

impl From<Tspec<'_>> for TspecInfo {
    fn from(t: Tspec<'_>) -> TspecInfo {
        TspecInfo {
            tid: t.tid(),
            user_priority: t.user_priority(),
            direction: t.direction(),
            wmm: t.is_wmm(),
            nominal_msdu_size: t.nominal_msdu_size(),
            mean_data_rate: t.mean_data_rate(),
            min_phy_rate: t.min_phy_rate(),
            surplus_bandwidth: t.surplus_bandwidth(),
            medium_time: t.medium_time(),
        }
    }
}

/// Up to [`TspecList::CAPACITY`] TSPECs of one frame (a phone asks for one bidirectional stream,
/// or one per direction; further ones are not reported).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TspecList {
    items: [Option<TspecInfo>; TspecList::CAPACITY],
}

impl TspecList {
    pub(crate) const CAPACITY: usize = 2;

    pub(super) fn push(&mut self, t: TspecInfo) {
        if let Some(slot) = self.items.iter_mut().find(|s| s.is_none()) {
            *slot = Some(t);
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &TspecInfo> {
        self.items.iter().flatten()
    }
}

/// A set of the 802.11 legacy rates (1, 2, 5.5, 11, 6, 9, 12, 18, 24, 36, 48, 54 Mb/s), as a
/// bitmap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateSet(u16);

impl RateSet {
    /// The rates in 500 kb/s units, in bit order.
    const RATES: [u8; 12] = [2, 4, 11, 22, 12, 18, 24, 36, 48, 72, 96, 108];

    /// Adds the rates of a Supported Rates element body (9.4.2.3; the top bit marks basic rates).
    pub(crate) fn add_element(&mut self, body: &[u8]) {
        for &r in body {
            if let Some(i) = Self::RATES.iter().position(|&x| x == r & 0x7f) {
                self.0 |= 1 << i;
            }
        }
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn union(self, other: RateSet) -> RateSet {
        RateSet(self.0 | other.0)
    }

    /// The rates in Mb/s, lowest first.
    pub(crate) fn mbps(self) -> Vec<f64> {
        let mut v: Vec<f64> = Self::RATES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, &r)| f64::from(r) / 2.0)
            .collect();
        v.sort_by(f64::total_cmp);
        v
    }
}

/// An SSID, inline (at most 32 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ssid {
    bytes: [u8; 32],
    len: u8,
}

impl Ssid {
    pub(super) fn new(b: &[u8]) -> Ssid {
        let mut s = Ssid::default();
        let n = b.len().min(32);
        s.bytes[..n].copy_from_slice(&b[..n]);
        s.len = n as u8;
        s
    }

    /// The SSID's octets (9.4.2.2: 0 to 32 octets, any values).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The SSID as text that keeps every octet and is safe on a terminal: UTF-8 characters as
    /// they are, except control characters; those and octets that are not UTF-8 written
    /// `\xNN`, and a backslash `\\` (so the octets can be read back).
    pub(crate) fn to_text(self) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(usize::from(self.len));
        for chunk in self.as_bytes().utf8_chunks() {
            for c in chunk.valid().chars() {
                if c == '\\' {
                    out.push_str("\\\\");
                } else if c.is_control() {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                } else {
                    out.push(c);
                }
            }
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        out
    }
}

/// Where the SSID of a BSS was read, best first: a BSS takes its SSID from its beacons, else
/// from its probe responses, else from the (re)association requests sent to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SsidSource {
    Beacon,
    ProbeResponse,
    AssocRequest,
    /// A frame that names no SSID.
    None,
}

/// A (re)association request, as the station asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssocRequest {
    pub(crate) reassociation: bool,
    /// The Current AP field of a reassociation request.
    pub(crate) current_ap: Option<MacAddr>,
    pub(crate) key_management: Option<KeyManagement>,
    pub(crate) cckm_element: bool,
    pub(crate) pmkid: bool,
    pub(crate) mobility_domain: bool,
    pub(crate) fast_transition: bool,
    pub(crate) tspecs: TspecList,
}

impl AssocRequest {
    /// A request that offers nothing yet (elements fill it in).
    pub(crate) fn new(reassociation: bool, current_ap: Option<MacAddr>) -> AssocRequest {
        AssocRequest {
            reassociation,
            current_ap,
            key_management: None,
            cckm_element: false,
            pmkid: false,
            mobility_domain: false,
            fast_transition: false,
            tspecs: TspecList::default(),
        }
    }
}

/// What a frame tells the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    AssocRequest(AssocRequest),
    AssocResponse {
        reassociation: bool,
        status: u16,
        cckm_element: bool,
        fast_transition: bool,
    },
    Auth {
        algorithm: u16,
        sequence: u16,
        status: u16,
    },
    /// Deauthentication (`disassociation` false) or disassociation.
    Deauth {
        reason: u16,
        disassociation: bool,
    },
    Addts {
        kind: AddtsKind,
        response: bool,
        dialog_token: u8,
        status: Option<u16>,
        tspec: Option<TspecInfo>,
    },
    FtAction {
        action: u8,
        target_ap: MacAddr,
        status: Option<u16>,
    },
    EapolKey {
        message: KeyMessage,
        replay_counter: u64,
    },
    Eap {
        code: u8,
        eap_type: Option<u8>,
    },
    /// An RTP packet of the station's voice.
    Rtp {
        ssrc: u32,
        sequence: u16,
        timestamp: u32,
        payload_type: u8,
        src_port: u16,
        dst_port: u16,
    },
    /// Any other data frame between the station and an AP.
    Data {
        protected: bool,
        null: bool,
    },
    /// A probe request from the station: it is scanning for APs. `bssid` is the one it asks
    /// (broadcast for a wildcard probe).
    ProbeRequest,
    /// A frame that names a BSS but does not make a station's roam: a probe response (the
    /// SSID and DS channel it answers with), the SSID a (re)association request asks for
    /// (emitted beside the request), or any other frame that carries a BSSID (other action
    /// frames, PS-Poll, CF-End, group-addressed data, ...). `station` is the BSSID.
    Bss {
        ssid: Option<Ssid>,
        source: SsidSource,
        channel: Option<u8>,
    },
    /// A beacon: what the BSS calls itself and where it is. `station` is the BSSID.
    Beacon {
        ssid: Ssid,
        channel: Option<u8>,
        /// The AP's TSF timer when it sent the beacon (9.4.1.10): the same beacon seen by
        /// two sniffers carries the same value.
        tsf: u64,
        /// The rates the BSS supports (Supported and Extended Supported Rates elements).
        rates: RateSet,
    },
}

/// One event: a frame's meaning plus where and when it was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// 1-based frame number.
    pub frame: u64,
    pub ts_ns: i64,
    /// The non-AP station the frame is to or from.
    pub station: MacAddr,
    pub bssid: MacAddr,
    /// Sent by the station (uplink, station → AP) rather than by the AP.
    pub from_station: bool,
    pub retry: bool,
    /// 802.11 sequence number (retransmissions repeat it).
    pub dot11_seq: u16,
    /// User priority of QoS data frames.
    pub user_priority: Option<u8>,
    pub channel_mhz: Option<u16>,
    pub signal_dbm: Option<i8>,
    /// Data rate the frame was sent at, 100 kb/s units.
    pub rate_100kbps: Option<u16>,
    pub kind: EventKind,
}
