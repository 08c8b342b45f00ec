//! Frames → events: the only place that decides which frames matter to a roam analysis.
//!
//! Each record becomes zero or more small `Copy` [`Event`]s (more than one only for an
//! A-MSDU carrying several voice packets), tagged with frame number, time, station and BSSID.
//! Decoding is a pure function of one record, so chunks of records decode in parallel; the
//! per-chunk [`FrameCounters`] add up.

use crate::crypto::decrypt::{Outcome, Reason, PLAINTEXT};
use crate::crypto::handshake::KeySchedule;
use roamgap_wire::capture::{LinkType, Record};
use roamgap_wire::dot11::action::{Addts, AddtsKind, FtAction};
use roamgap_wire::dot11::data::{self, Eapol, KeyMessage};
use roamgap_wire::dot11::ie::{self, Cckm, Element, KeyManagement, Rsn, TsDirection, Tspec};
use roamgap_wire::dot11::mgmt::{self, MgmtBody};
use roamgap_wire::dot11::{subtype, Dot11Error, Frame, FrameType, MacAddr};
use roamgap_wire::linklayer::{self, Fcs, LinkError, LinkOptions, RadioInfo};

/// A TSPEC (9.4.2.29), reduced to what the analysis reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TspecInfo {
    pub tid: u8,
    #[serde(rename = "up")]
    pub user_priority: u8,
    pub direction: TsDirection,
    /// WMM (vendor) TSPEC rather than element 13.
    pub wmm: bool,
    pub nominal_msdu_size: u16,
    pub mean_data_rate: u32,
    /// Minimum PHY rate in b/s: the AP must have this rate enabled to admit the stream.
    pub min_phy_rate: u32,
    pub surplus_bandwidth: u16,
    pub medium_time: u16,
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
    pub const CAPACITY: usize = 2;

    fn push(&mut self, t: TspecInfo) {
        if let Some(slot) = self.items.iter_mut().find(|s| s.is_none()) {
            *slot = Some(t);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &TspecInfo> {
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
    pub fn add_element(&mut self, body: &[u8]) {
        for &r in body {
            if let Some(i) = Self::RATES.iter().position(|&x| x == r & 0x7f) {
                self.0 |= 1 << i;
            }
        }
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: RateSet) -> RateSet {
        RateSet(self.0 | other.0)
    }

    /// The rates in Mb/s, lowest first.
    pub fn mbps(self) -> Vec<f64> {
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
    fn new(b: &[u8]) -> Ssid {
        let mut s = Ssid::default();
        let n = b.len().min(32);
        s.bytes[..n].copy_from_slice(&b[..n]);
        s.len = n as u8;
        s
    }

    /// The SSID's octets (9.4.2.2: 0 to 32 octets, any values).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The SSID as text that keeps every octet and is safe on a terminal: UTF-8 characters as
    /// they are, except control characters; those and octets that are not UTF-8 written
    /// `\xNN`, and a backslash `\\` (so the octets can be read back).
    pub fn to_text(&self) -> String {
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
    pub reassociation: bool,
    /// The Current AP field of a reassociation request.
    pub current_ap: Option<MacAddr>,
    pub key_management: Option<KeyManagement>,
    pub cckm_element: bool,
    pub pmkid: bool,
    pub mobility_domain: bool,
    pub fast_transition: bool,
    pub tspecs: TspecList,
}

impl AssocRequest {
    /// A request that offers nothing yet (elements fill it in).
    pub fn new(reassociation: bool, current_ap: Option<MacAddr>) -> AssocRequest {
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

/// What went wrong with one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("802.11: {0}")]
    Dot11(#[from] Dot11Error),
}

impl FrameError {
    /// The frame ended before a part that had to be there: damage, unless the sniffer's
    /// snapshot length cut the frame.
    fn ran_out(&self) -> bool {
        matches!(
            self,
            FrameError::Link(LinkError::RadiotapShort(_) | LinkError::Header { short: true, .. })
                | FrameError::Dot11(
                    Dot11Error::Truncated { .. } | Dot11Error::ElementOverrun { .. }
                )
        )
    }
}

/// A frame that could not be (fully) decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameIssue {
    pub frame: u64,
    pub error: FrameError,
}

/// Protected frames that cannot be decrypted whatever the keys, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NotDecryptable {
    /// Too short for the cipher's header and integrity check (a protected null frame, a body
    /// cut by the snapshot length).
    pub too_short: u64,
    /// A header of no cipher roamgap knows (none of WEP, TKIP, CCMP, GCMP).
    pub unknown_cipher: u64,
    /// Received with a bad FCS: its bytes cannot be trusted.
    pub bad_fcs: u64,
    /// Its 802.11 header is damaged, or the bit is set where no protection can be (a control
    /// frame, a management frame without addresses).
    pub damaged: u64,
}

impl NotDecryptable {
    /// The reasons, as words: ` (3 too short, 1 bad FCS)`, or nothing.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.too_short, "too short"),
            (self.unknown_cipher, "of an unknown cipher"),
            (self.bad_fcs, "with a bad FCS"),
            (self.damaged, "damaged"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }
}

impl NotDecryptable {
    pub fn total(&self) -> u64 {
        self.too_short + self.unknown_cipher + self.bad_fcs + self.damaged
    }

    fn merge(&mut self, o: &NotDecryptable) {
        self.too_short += o.too_short;
        self.unknown_cipher += o.unknown_cipher;
        self.bad_fcs += o.bad_fcs;
        self.damaged += o.damaged;
    }
}

/// Counts over all frames, per capture; per-chunk counters add up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameCounters {
    pub frames: u64,
    /// Frames by `type << 4 | subtype` (Wireshark's `wlan.fc.type_subtype`).
    pub type_subtype: [u64; 64],
    pub bad_fcs: u64,
    pub malformed: u64,
    /// Records that carry no 802.11 frame (Ethernet traffic other than remote capture).
    pub not_wireless: u64,
    /// Frames whose Frame Control protocol version is not 0 (9.2.4.1.2): not decoded as 802.11
    /// (version 1 is the PV1 frame format of 802.11ah, 2 and 3 are reserved), and, as
    /// Wireshark does, not counted by type, retry or protected bit either.
    pub unknown_version: u64,
    /// Frames that end early because the sniffer's snapshot length cut them (not malformed).
    pub cut_by_snaplen: u64,
    pub retries: u64,
    pub protected: u64,
    /// EAPOL-Key frames by Wireshark message number 1–4 (index 0 unused).
    pub eapol_key: [u64; 5],
    pub rtp_packets: u64,
    /// With keys, every protected frame lands in exactly one of the next four counters.
    /// Protected frames a key opened (its ICV, Michael MIC or CCMP/GCMP MIC checked):
    /// unicast, group-addressed and protected management frames, retransmissions included.
    pub decrypted: u64,
    /// Protected frames whose every candidate key failed the integrity check.
    pub decrypt_failed: u64,
    /// Protected frames with no key (no handshake of their station and AP reproduced, no
    /// group key, no key given of their cipher).
    pub no_key: u64,
    /// Protected frames no key could open, by reason.
    pub not_decryptable: NotDecryptable,
    /// Records of link types roamgap does not read, by type.
    pub unsupported: Vec<(LinkType, u64)>,
    /// The first issues met, in frame order (at most [`FrameCounters::MAX_ISSUES`]).
    pub issues: Vec<FrameIssue>,
}

impl Default for FrameCounters {
    fn default() -> FrameCounters {
        FrameCounters {
            frames: 0,
            type_subtype: [0; 64],
            bad_fcs: 0,
            malformed: 0,
            not_wireless: 0,
            unknown_version: 0,
            cut_by_snaplen: 0,
            retries: 0,
            protected: 0,
            eapol_key: [0; 5],
            rtp_packets: 0,
            decrypted: 0,
            decrypt_failed: 0,
            no_key: 0,
            not_decryptable: NotDecryptable::default(),
            unsupported: Vec::new(),
            issues: Vec::new(),
        }
    }
}

impl FrameCounters {
    pub const MAX_ISSUES: usize = 100;

    /// Records damage in a frame. A frame the sniffer cut at its snapshot length is not
    /// malformed: decoding simply stops where the captured bytes end.
    fn issue(&mut self, rec: &Record<'_>, error: FrameError) {
        let frame = rec.number;
        if error.ran_out() && (rec.data.len() as u64) < u64::from(rec.orig_len) {
            self.cut_by_snaplen += 1;
            return;
        }
        self.malformed += 1;
        if self.issues.len() < Self::MAX_ISSUES {
            self.issues.push(FrameIssue { frame, error });
        }
    }

    /// Shifts the frame numbers of the issues by `base` (a segment numbered from 1).
    pub fn renumber(&mut self, base: u64) {
        self.issues.iter_mut().for_each(|i| i.frame += base);
    }

    /// Adds the counts of the chunk that follows this one.
    pub fn merge(&mut self, other: FrameCounters) {
        self.frames += other.frames;
        for (a, b) in self.type_subtype.iter_mut().zip(other.type_subtype) {
            *a += b;
        }
        self.bad_fcs += other.bad_fcs;
        self.malformed += other.malformed;
        self.not_wireless += other.not_wireless;
        self.unknown_version += other.unknown_version;
        self.cut_by_snaplen += other.cut_by_snaplen;
        self.retries += other.retries;
        self.protected += other.protected;
        for (a, b) in self.eapol_key.iter_mut().zip(other.eapol_key) {
            *a += b;
        }
        self.rtp_packets += other.rtp_packets;
        self.decrypted += other.decrypted;
        self.decrypt_failed += other.decrypt_failed;
        self.no_key += other.no_key;
        self.not_decryptable.merge(&other.not_decryptable);
        for (lt, n) in other.unsupported {
            match self.unsupported.iter_mut().find(|(l, _)| *l == lt) {
                Some(e) => e.1 += n,
                None => self.unsupported.push((lt, n)),
            }
        }
        let room = Self::MAX_ISSUES.saturating_sub(self.issues.len());
        self.issues.extend(other.issues.into_iter().take(room));
    }
}

/// How records are decoded: the link-layer options and, when decrypting, the capture's keys.
#[derive(Clone, Copy, Debug)]
pub struct Decoding<'a> {
    pub link: &'a LinkOptions,
    pub keys: Option<&'a KeySchedule>,
    /// Decrypt only the protected unicast data frames from an AP that may be an EAPOL-Key
    /// message under a PTK already known ([`KeySchedule::may_be_key_message`]): the key
    /// schedule's second pass, which looks for the group keys of rekeys and would waste its
    /// time opening the voice.
    pub only_key_messages: bool,
}

impl<'a> Decoding<'a> {
    /// Decoding without keys.
    pub fn plain(link: &'a LinkOptions) -> Decoding<'a> {
        Decoding::keyed(link, None)
    }

    /// Decoding that decrypts every protected frame it can with `keys`.
    pub fn keyed(link: &'a LinkOptions, keys: Option<&'a KeySchedule>) -> Decoding<'a> {
        Decoding {
            link,
            keys,
            only_key_messages: false,
        }
    }
}

/// What the key schedule reads of a frame, borrowed from the record (or from the decrypted
/// plaintext) for the duration of one call: handed to [`EventSink::key_material`] beside the
/// frame's event, so that the key schedule sees the frames this decoder accepts (bad FCS
/// dropped, station and BSSID resolved as for the analysis) without decoding records itself.
#[derive(Clone, Copy, Debug)]
pub enum KeyMaterial<'a> {
    /// An EAPOL-Key PDU (from the EAPOL header on) and whether it arrived in a protected frame
    /// (then the bytes are the decrypted plaintext's).
    EapolKey { pdu: &'a [u8], protected: bool },
    /// A clear management frame's body (fixed fields, then elements), and its subtype: the
    /// SSIDs, PMKIDs and FT elements (MDE, FTE) of beacons, probes, (re)association requests,
    /// FT authentications and FT action frames.
    Management { subtype: u8, body: &'a [u8] },
}

/// Where a decoder puts what a record holds: every event, in frame order, and the key
/// material of the frames that carry some (most sinks ignore it: closures taking an
/// [`Event`] are sinks that do).
pub trait EventSink {
    /// The next event, in frame order.
    fn event(&mut self, e: Event);
    /// Key material of the frame of `e`, which was just handed to [`EventSink::event`].
    fn key_material(&mut self, _e: &Event, _m: KeyMaterial<'_>) {}
}

impl<F: FnMut(Event)> EventSink for F {
    fn event(&mut self, e: Event) {
        self(e)
    }
}

/// Decodes one record into events.
pub fn decode_record(
    rec: &Record<'_>,
    options: &LinkOptions,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
) {
    decode_record_with(rec, &Decoding::plain(options), counters, out)
}

/// Decodes one record into events, decrypting protected data frames with `decoding.keys`.
pub fn decode_record_with(
    rec: &Record<'_>,
    decoding: &Decoding<'_>,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
) {
    let options = decoding.link;
    counters.frames += 1;
    if !linklayer::is_supported(rec.linktype) {
        match counters
            .unsupported
            .iter_mut()
            .find(|(l, _)| *l == rec.linktype)
        {
            Some(e) => e.1 += 1,
            None => counters.unsupported.push((rec.linktype, 1)),
        }
        return;
    }
    let link = match linklayer::decode(rec.linktype, rec.data, rec.fcs_len, options) {
        Ok(l) => l,
        Err(LinkError::NotWireless) => {
            counters.not_wireless += 1;
            return;
        }
        Err(e) => return counters.issue(rec, e.into()),
    };
    let mut protected = false;
    let version = match link.dot11 {
        [lo, hi, ..] => {
            let fc = roamgap_wire::dot11::FrameControl(u16::from_le_bytes([*lo, *hi]));
            // Counted for every frame of protocol version 0, as Wireshark counts them,
            // whatever its FCS.
            if fc.version() == 0 {
                protected = fc.protected();
                counters.type_subtype[usize::from(fc.type_subtype() & 0x3f)] += 1;
                counters.retries += u64::from(fc.retry());
                counters.protected += u64::from(fc.protected());
            }
            fc.version()
        }
        _ => 0,
    };
    // A frame whose FCS is there (and not cut off by the snapshot length) but wrong is as
    // untrustworthy as one the sniffer flagged.
    let check = options.fcs != linklayer::FcsPolicy::Ignore;
    let complete = rec.data.len() as u64 >= u64::from(rec.orig_len);
    let computed_bad = check
        && complete
        && link.radio.fcs == Fcs::Present
        && link
            .fcs_bytes
            .is_some_and(|f| !roamgap_wire::dot11::fcs::matches(link.dot11, f));
    if check && (link.radio.fcs == Fcs::Bad || computed_bad) {
        // A frame the sniffer received with a wrong checksum: its bytes cannot be trusted,
        // and a corrupted address could fake a roam.
        counters.bad_fcs += 1;
        if protected && decoding.keys.is_some() {
            counters.not_decryptable.bad_fcs += 1;
        }
        return;
    }
    if version != 0 {
        counters.unknown_version += 1;
        return;
    }
    if protected
        && decoding.keys.is_some()
        && Frame::new_checked(link.dot11, link.header_padded).is_err()
    {
        counters.not_decryptable.damaged += 1;
    }
    if let Err(e) = decode_dot11(
        rec,
        &link.radio,
        link.dot11,
        link.header_padded,
        decoding,
        counters,
        out,
    ) {
        counters.issue(rec, e.into());
    }
}

fn decode_dot11(
    rec: &Record<'_>,
    radio: &RadioInfo,
    bytes: &[u8],
    padded: bool,
    decoding: &Decoding<'_>,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
) -> Result<(), Dot11Error> {
    let frame = Frame::new_checked(bytes, padded)?;
    let fc = frame.frame_control();
    // The key schedule's second pass opens only the frames that may be key messages.
    let (keys, key_scan) = match decoding.only_key_messages {
        false => (decoding.keys, None),
        true => (None, decoding.keys),
    };
    let base = |station: MacAddr, bssid: MacAddr, from_station: bool, kind: EventKind| Event {
        frame: rec.number,
        ts_ns: rec.ts_ns,
        station,
        bssid,
        from_station,
        retry: fc.retry(),
        dot11_seq: frame.sequence_number().unwrap_or(0),
        user_priority: frame.qos_control().map(|q| q.user_priority()),
        channel_mhz: radio.channel_mhz,
        signal_dbm: radio.signal_dbm,
        rate_100kbps: radio.rate_100kbps(),
        kind,
    };
    match fc.frame_type() {
        FrameType::Management => management_frame(rec, &frame, keys, counters, out, &base)?,
        FrameType::Data => {
            let a = frame.addresses();
            let (station, bssid, from_station) =
                match (fc.to_ds(), fc.from_ds(), a.bssid, a.transmitter) {
                    (true, false, Some(bssid), Some(ta)) => (ta, bssid, true),
                    (false, true, Some(bssid), _) => (a.receiver, bssid, false),
                    _ => {
                        // 4-address (WDS, mesh) and IBSS frames are no AP's station's: with
                        // keys they are decrypted and counted, nothing more; between stations
                        // (IBSS, direct link) Address 3 still names the BSS.
                        if let (true, Some(keys)) = (fc.protected(), keys) {
                            decrypt_counted(keys, &frame, rec.ts_ns, counters, |_, _| {});
                        }
                        if let (false, false, Some(bssid)) = (fc.to_ds(), fc.from_ds(), a.bssid) {
                            out.event(base(bssid, bssid, false, BSS_SEEN));
                        }
                        return Ok(());
                    }
                };
            if station.is_group() {
                // Multicast and broadcast from the AP: no station's traffic (as in the clear,
                // no event), but decrypted with the group key and counted.
                if let (true, Some(keys)) = (fc.protected(), keys) {
                    decrypt_counted(keys, &frame, rec.ts_ns, counters, |_, _| {});
                }
                out.event(base(bssid, bssid, from_station, BSS_SEEN));
                return Ok(());
            }
            let mut emit = |kind, m: Option<KeyMaterial<'_>>| {
                let e = base(station, bssid, from_station, kind);
                out.event(e);
                if let Some(m) = m {
                    out.key_material(&e, m);
                }
            };
            if fc.protected() && !fc.is_null_data() {
                if let Err(e) = protected_body_fits(frame.body()) {
                    // Damage, and (with keys) not decryptable: too short for any cipher.
                    if keys.is_some() {
                        counters.not_decryptable.too_short += 1;
                    }
                    return Err(e);
                }
            }
            let amsdu = frame.qos_control().is_some_and(|q| q.amsdu_present());
            let keys = keys.or(key_scan.filter(|k| {
                !from_station && k.may_be_key_message(&frame, station, bssid, rec.ts_ns)
            }));
            if let (true, Some(keys)) = (fc.protected(), keys) {
                let null = fc.is_null_data();
                let opened = decrypt_counted(keys, &frame, rec.ts_ns, counters, |plain, c| {
                    msdus(plain, amsdu, c, &mut |kind, m: Option<KeyMaterial<'_>>| {
                        emit(kind, m.map(KeyMaterial::decrypted))
                    })
                });
                if opened && !null {
                    return Ok(());
                }
            }
            if fc.protected() || fc.is_null_data() {
                let kind = EventKind::Data {
                    protected: fc.protected(),
                    null: fc.is_null_data(),
                };
                emit(kind, None);
                return Ok(());
            }
            msdus(frame.body(), amsdu, counters, &mut emit);
        }
        FrameType::Control | FrameType::Extension => {
            // No control frame is ever protected: the bit is damage.
            if fc.protected() && keys.is_some() {
                counters.not_decryptable.damaged += 1;
            }
            if let Some(bssid) = frame.addresses().bssid {
                out.event(base(bssid, bssid, false, BSS_SEEN));
            }
        }
    }
    Ok(())
}

/// A management frame's events: what it tells of its station, or of its BSS (decrypted first
/// when protected and keys are given), and its key material when it carries some.
fn management_frame(
    rec: &Record<'_>,
    frame: &Frame<&[u8]>,
    keys: Option<&KeySchedule>,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
    base: &impl Fn(MacAddr, MacAddr, bool, EventKind) -> Event,
) -> Result<(), Dot11Error> {
    let fc = frame.frame_control();
    let a = frame.addresses();
    let (Some(bssid), Some(ta)) = (a.bssid, a.transmitter) else {
        if fc.protected() && keys.is_some() {
            counters.not_decryptable.damaged += 1;
        }
        return Ok(());
    };
    let from_station = ta != bssid;
    let station = if from_station { ta } else { a.receiver };
    // What a management frame tells: its event for the station, or what it says of
    // its BSS.
    let mut management = |kind: Option<EventKind>| {
        let e = match kind {
            Some(kind @ (EventKind::Beacon { .. } | EventKind::Bss { .. })) => {
                base(bssid, bssid, from_station, kind)
            }
            Some(kind) => base(station, bssid, from_station, kind),
            None => base(bssid, bssid, from_station, BSS_SEEN),
        };
        out.event(e);
        e
    };
    // A protected management frame (802.11w unicast action, deauthentication and
    // disassociation; the third frame of a WEP shared key authentication), decrypted.
    if let (true, Some(keys)) = (fc.protected(), keys) {
        let mut result = Ok(());
        let opened = decrypt_counted(keys, frame, rec.ts_ns, counters, |plain, c| {
            result = management_event(fc.subtype(), plain, false, c, rec, &mut None).map(|kind| {
                management(kind);
            });
        });
        if opened {
            return result;
        }
    }
    let mut requested_ssid = None;
    let event = management_event(
        fc.subtype(),
        frame.body(),
        fc.protected(),
        counters,
        rec,
        &mut requested_ssid,
    );
    let kind = event.as_ref().ok().copied().flatten();
    let e = management(kind);
    event?;
    if kind.is_some() && !fc.protected() {
        let m = KeyMaterial::Management {
            subtype: fc.subtype(),
            body: frame.body(),
        };
        out.key_material(&e, m);
    }
    if let Some(ssid) = requested_ssid {
        let kind = EventKind::Bss {
            ssid: Some(ssid),
            source: SsidSource::AssocRequest,
            channel: None,
        };
        out.event(base(bssid, bssid, from_station, kind));
    }

    Ok(())
}

/// Tries the keys on a protected frame and counts the outcome in exactly one counter; on
/// success hands the plaintext body (in the thread's reused buffer) to `opened`.
fn decrypt_counted<T: AsRef<[u8]>>(
    keys: &KeySchedule,
    frame: &Frame<T>,
    ts_ns: i64,
    counters: &mut FrameCounters,
    opened: impl FnOnce(&[u8], &mut FrameCounters),
) -> bool {
    PLAINTEXT.with(|buf| {
        let mut buf = buf.borrow_mut();
        match keys.decrypt_frame(frame, ts_ns, &mut buf) {
            Outcome::Decrypted => {
                counters.decrypted += 1;
                opened(&buf, counters);
                return true;
            }
            Outcome::Failed => counters.decrypt_failed += 1,
            Outcome::NoKey => counters.no_key += 1,
            Outcome::NotDecryptable(Reason::TooShort) => counters.not_decryptable.too_short += 1,
            Outcome::NotDecryptable(Reason::UnknownCipher) => {
                counters.not_decryptable.unknown_cipher += 1
            }
        }
        false
    })
}

/// Checks that a protected data frame's body holds its cipher's header and integrity check:
/// WEP (12.3.2.2) an IV and Key ID (4 octets) and an ICV (4); with the Ext IV bit of the Key
/// ID octet set, TKIP or CCMP/GCMP (12.5.2.2, 12.5.3.2, 12.5.5.2) an 8-octet header and a MIC
/// of at least 8 octets. A frame shorter than that is damage, not ciphertext: it must not
/// count as an encrypted voice frame.
fn protected_body_fits(body: &[u8]) -> Result<(), Dot11Error> {
    let need = match body.get(3) {
        None => 4,
        Some(key_id) if key_id & 0x20 != 0 => 16,
        Some(_) => 8,
    };
    roamgap_wire::dot11::need(
        if need == 16 {
            "protected frame's cipher header and MIC"
        } else {
            "protected frame's WEP IV and ICV"
        },
        need,
        body.len(),
    )
}

/// A data frame's body: one MSDU, or the subframes of an A-MSDU; a body that is none of
/// EAPOL, EAP or RTP is one plain data event.
fn msdus(body: &[u8], amsdu: bool, counters: &mut FrameCounters, emit: &mut impl Emit) {
    let any = if amsdu {
        let mut any = false;
        for (_, _, msdu) in data::AmsduSubframes::new(body) {
            any |= data_payload(msdu, counters, emit);
        }
        any
    } else {
        data_payload(body, counters, emit)
    };
    if !any {
        let kind = EventKind::Data {
            protected: false,
            null: false,
        };
        emit(kind, None);
    }
}

/// Decodes an MSDU (LLC/SNAP onwards); emits and returns true if it is EAPOL, EAP or RTP.
fn data_payload(msdu: &[u8], counters: &mut FrameCounters, emit: &mut impl Emit) -> bool {
    let Some((ethertype, payload)) = data::llc_snap(msdu) else {
        return false;
    };
    match ethertype {
        data::ETHERTYPE_EAPOL => match data::eapol(payload) {
            Some(Eapol::Key(k)) => {
                if let Some(n) = k.wireshark_number() {
                    counters.eapol_key[usize::from(n)] += 1;
                }
                let kind = EventKind::EapolKey {
                    message: k.message,
                    replay_counter: k.replay_counter,
                };
                let pdu = KeyMaterial::EapolKey {
                    pdu: payload,
                    protected: false,
                };
                emit(kind, Some(pdu));
                true
            }
            Some(Eapol::Eap { code, eap_type }) => {
                emit(EventKind::Eap { code, eap_type }, None);
                true
            }
            // EAPOL-Start, -Logoff and the like: port control, not user data.
            _ => true,
        },
        data::ETHERTYPE_IPV4 | data::ETHERTYPE_IPV6 => {
            let Some(udp) = data::udp(ethertype, payload) else {
                return false;
            };
            let Some(rtp) = data::rtp(&udp) else {
                return false;
            };
            counters.rtp_packets += 1;
            let kind = EventKind::Rtp {
                ssrc: rtp.ssrc,
                sequence: rtp.sequence,
                timestamp: rtp.timestamp,
                payload_type: rtp.payload_type,
                src_port: udp.src_port,
                dst_port: udp.dst_port,
            };
            emit(kind, None);
            true
        }
        _ => false,
    }
}

/// How a data frame's payloads are handed on: their event, with key material when they are
/// EAPOL-Key messages.
trait Emit: FnMut(EventKind, Option<KeyMaterial<'_>>) {}
impl<F: FnMut(EventKind, Option<KeyMaterial<'_>>)> Emit for F {}

impl KeyMaterial<'_> {
    /// The same material, found in a frame that was decrypted.
    fn decrypted(self) -> Self {
        match self {
            KeyMaterial::EapolKey { pdu, .. } => KeyMaterial::EapolKey {
                pdu,
                protected: true,
            },
            m => m,
        }
    }
}

/// A frame that only tells that its BSS exists.
const BSS_SEEN: EventKind = EventKind::Bss {
    ssid: None,
    source: SsidSource::None,
    channel: None,
};

/// Authentication algorithm number of Shared Key authentication (9.4.1.1).
const AUTH_SHARED_KEY: u16 = 1;

fn management_event(
    st: u8,
    body: &[u8],
    protected: bool,
    counters: &mut FrameCounters,
    rec: &Record<'_>,
    requested_ssid: &mut Option<Ssid>,
) -> Result<Option<EventKind>, Dot11Error> {
    if st == subtype::ACTION || st == subtype::ACTION_NO_ACK {
        return if protected {
            Ok(None)
        } else {
            action_event(body)
        };
    }
    if !mgmt::has_elements(st) && !matches!(st, subtype::DEAUTH | subtype::DISASSOC) {
        return Ok(None);
    }
    if protected && matches!(st, subtype::DEAUTH | subtype::DISASSOC) {
        // Protected (802.11w) deauthentication: the reason code is encrypted.
        return Ok(None);
    }
    if protected {
        // The only protected Authentication frame is the third of Shared Key authentication
        // (9.2.4.1.9, 12.3.3.3): the station's answer to the AP's challenge, its body WEP
        // ciphertext (IV, then algorithm, sequence, status and challenge encrypted, ICV).
        // What it is follows from the bit alone; its body is never read.
        return Ok((st == subtype::AUTH).then_some(EventKind::Auth {
            algorithm: AUTH_SHARED_KEY,
            sequence: 3,
            status: 0,
        }));
    }
    let m = MgmtBody::new_checked(st, body)?;
    // A damaged element chain makes the frame malformed; what precedes the damage is used.
    let mut damage = None;
    let elements = m
        .elements()
        .map_while(|e| e.map_err(|err| damage = Some(err)).ok());
    let kind = match st {
        subtype::ASSOC_REQ | subtype::REASSOC_REQ => {
            Some(assoc_request_event(st, &m, elements, requested_ssid))
        }
        subtype::ASSOC_RESP | subtype::REASSOC_RESP => {
            let (mut cckm, mut ft) = (false, false);
            for e in elements {
                cckm |= Cckm::from_element(&e).is_some();
                ft |= e.id == ie::id::FAST_TRANSITION;
            }
            Some(EventKind::AssocResponse {
                reassociation: st == subtype::REASSOC_RESP,
                status: m.status().unwrap_or(0),
                cckm_element: cckm,
                fast_transition: ft,
            })
        }
        subtype::AUTH => {
            // SAE (algorithm 3) carries its own fields (group, scalar, element; send-confirm,
            // confirm) after the fixed ones, not elements (9.3.3.12, table 9-41).
            if m.auth_algorithm() != Some(3) {
                elements.for_each(drop);
            }
            Some(EventKind::Auth {
                algorithm: m.auth_algorithm().unwrap_or(0),
                sequence: m.auth_sequence().unwrap_or(0),
                status: m.status().unwrap_or(0),
            })
        }
        subtype::DEAUTH | subtype::DISASSOC => Some(EventKind::Deauth {
            reason: m.reason().unwrap_or(0),
            disassociation: st == subtype::DISASSOC,
        }),
        subtype::PROBE_REQ => {
            elements.for_each(drop);
            Some(EventKind::ProbeRequest)
        }
        subtype::PROBE_RESP => {
            let (mut ssid, mut channel) = (None, None);
            for e in elements {
                match e.id {
                    ie::id::SSID if ssid.is_none() => ssid = Some(Ssid::new(e.body)),
                    ie::id::DS_PARAMETER_SET if !e.body.is_empty() => channel = Some(e.body[0]),
                    _ => {}
                }
            }
            Some(EventKind::Bss {
                ssid,
                source: SsidSource::ProbeResponse,
                channel,
            })
        }
        subtype::BEACON => Some(beacon_event(body, elements)),
        _ => {
            elements.for_each(drop);
            None
        }
    };
    if let Some(err) = damage {
        counters.issue(rec, err.into());
    }
    Ok(kind)
}

/// An action frame's event: ADDTS (its elements checked) or FT over the DS.
fn action_event(body: &[u8]) -> Result<Option<EventKind>, Dot11Error> {
    if let Some(a) = Addts::parse(body)? {
        a.elements().validate()?;
        return Ok(Some(EventKind::Addts {
            kind: a.kind,
            response: a.response,
            dialog_token: a.dialog_token,
            status: a.status,
            tspec: a.tspec().map(TspecInfo::from),
        }));
    }
    Ok(FtAction::parse(body)?.map(|f| EventKind::FtAction {
        action: f.action,
        target_ap: f.target_ap,
        status: f.status,
    }))
}

/// A (re)association request's event from its elements; the first SSID it asks for goes to
/// `requested_ssid`.
fn assoc_request_event<'a>(
    st: u8,
    m: &MgmtBody<'_>,
    elements: impl Iterator<Item = Element<'a>>,
    requested_ssid: &mut Option<Ssid>,
) -> EventKind {
    // A Current AP of 00:00:00:00:00:00 (anonymized captures, some stacks) or a group
    // address names no AP: unknown.
    let current_ap = m
        .current_ap()
        .filter(|ap| !ap.is_group() && *ap != MacAddr::ZERO);
    let mut req = AssocRequest::new(st == subtype::REASSOC_REQ, current_ap);
    let mut wpa = None;
    for e in elements {
        if e.id == ie::id::SSID && requested_ssid.is_none() {
            *requested_ssid = Some(Ssid::new(e.body));
        }
        request_element(&e, &mut req, &mut wpa);
    }
    req.key_management = req.key_management.or(wpa).or(if req.cckm_element {
        Some(KeyManagement::Cckm)
    } else if m.privacy() {
        Some(KeyManagement::Wep)
    } else {
        Some(KeyManagement::Open)
    });
    EventKind::AssocRequest(req)
}

/// A beacon's event: its SSID, channel, rates, and the TSF of its first fixed field.
fn beacon_event<'a>(body: &[u8], elements: impl Iterator<Item = Element<'a>>) -> EventKind {
    let (mut ssid, mut channel, mut rates) = (Ssid::default(), None, RateSet::default());
    for e in elements {
        match e.id {
            ie::id::SSID => ssid = Ssid::new(e.body),
            1 | 50 => rates.add_element(e.body),
            ie::id::DS_PARAMETER_SET if !e.body.is_empty() => channel = Some(e.body[0]),
            _ => {}
        }
    }
    let tsf = body.get(..8).map_or(0, |b| {
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    });
    EventKind::Beacon {
        ssid,
        channel,
        tsf,
        rates,
    }
}

fn request_element(e: &Element<'_>, req: &mut AssocRequest, wpa: &mut Option<KeyManagement>) {
    if let Some(rsn) = Rsn::from_element(e) {
        let km = rsn.key_management();
        if e.id == ie::id::RSN {
            req.key_management = req.key_management.or(km);
            req.pmkid |= rsn.pmkid_count() > 0;
        } else {
            *wpa = wpa.or(km);
        }
    } else if Cckm::from_element(e).is_some() {
        req.cckm_element = true;
    } else if let Some(t) = Tspec::from_element(e) {
        req.tspecs.push(t.into());
    } else if e.id == ie::id::MOBILITY_DOMAIN {
        req.mobility_domain = true;
    } else if e.id == ie::id::FAST_TRANSITION {
        req.fast_transition = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssid_text_keeps_every_octet_and_no_control_character() {
        let text = |b: &[u8]| Ssid::new(b).to_text();
        assert_eq!(text(b"voice"), "voice");
        assert_eq!(text("café ☕".as_bytes()), "café ☕");
        // wlanpi-profiler 0xc6.pcapng: a beacon's SSID starting with octet 0xc6.
        assert_eq!(text(b"\xc6TME Enterprise"), "\\xc6TME Enterprise");
        assert_eq!(text(b"a\x1b[2Jb\n\x7f"), "a\\x1b[2Jb\\x0a\\x7f");
        assert_eq!(text("x\u{85}y".as_bytes()), "x\\xc2\\x85y");
        assert_eq!(text(b"back\\slash"), "back\\\\slash");
        assert_eq!(text(&[0; 32]), "\\x00".repeat(32));
    }
}
