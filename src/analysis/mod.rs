//! Per-station roam analysis: events (in frame order) → roams with their phases, voice gaps,
//! RTP losses and findings, plus per-stream statistics.
//!
//! Stations are independent, so they are analyzed in parallel. The definitions of every
//! reported figure are in `docs/METRICS.md`.

pub mod findings;
mod station;
pub mod stream;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::dot11::action::AddtsKind;
use crate::dot11::data::KeyMessage;
use crate::dot11::ie::KeyManagement;
use crate::dot11::MacAddr;
use crate::events::{Event, EventKind, TspecInfo};

pub use findings::Finding;

/// Tunable thresholds of the analysis.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// A voice gap above this (either direction) is a `long-gap` finding.
    pub gap_budget_ms: f64,
    /// Deauthentication/disassociation this soon after a roam's request belongs to the roam.
    pub deauth_window_ms: f64,
    /// An RTP stream needs at least this many packets to count (rejects look-alikes).
    pub min_stream_packets: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            gap_budget_ms: 150.0,
            deauth_window_ms: 5000.0,
            min_stream_packets: 4,
        }
    }
}

/// Voice direction: uplink = station → AP, downlink = AP → station.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Uplink,
    Downlink,
}

impl Direction {
    pub fn of(from_station: bool) -> Direction {
        if from_station {
            Direction::Uplink
        } else {
            Direction::Downlink
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

pub(crate) fn secs(ts_ns: i64) -> f64 {
    ts_ns as f64 / 1e9
}

pub(crate) fn ms(d_ns: i64) -> f64 {
    // Rounded to the microsecond, the resolution of most captures.
    (d_ns as f64 / 1e3).round() / 1e3
}

/// The authentication exchange with the new AP before the reassociation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuthReport {
    /// open, shared-key, ft, sae, ...
    pub algorithm: &'static str,
    pub request_frame: Option<u64>,
    pub response_frame: Option<u64>,
    pub status: Option<u16>,
    pub time: f64,
}

/// The EAPOL 4-way handshake after the roam.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EapolReport {
    pub m1_frame: u64,
    pub m1_time: f64,
    pub m2_frame: Option<u64>,
    pub m3_frame: Option<u64>,
    pub m4_frame: Option<u64>,
    pub m4_time: Option<f64>,
    /// How many times M1 was sent again (802.11 retransmissions excluded).
    pub m1_retries: u32,
    /// Delay from each M1 to the next one (the WPA-PSK retry timer, typically ~1 s).
    pub m1_retry_delays_ms: Vec<f64>,
    /// Reassociation request → M4.
    pub duration_ms: Option<f64>,
}

/// 802.1X/EAP after the roam: a full authentication where a fast roam should have needed none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EapReport {
    pub first_frame: u64,
    pub last_frame: u64,
    pub packets: u32,
    /// EAP-Success seen.
    pub success: bool,
    pub duration_ms: f64,
}

/// An ADDTS response after the roam, with the request it answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AddtsReport {
    pub kind: AddtsKind,
    pub status: u16,
    pub status_name: &'static str,
    /// The response frame.
    pub frame: u64,
    pub time: f64,
    pub request_frame: Option<u64>,
    pub dialog_token: u8,
    pub tid: Option<u8>,
    pub up: Option<u8>,
}

/// A deauthentication or disassociation of the station by (or from) the new AP.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeauthReport {
    pub reason: u16,
    pub reason_name: &'static str,
    pub frame: u64,
    pub time: f64,
    pub disassociation: bool,
    /// Sent by the station rather than by the AP.
    pub by_station: bool,
    /// Time after the reassociation request.
    pub after_ms: f64,
}

/// The voice gap of one direction across a roam.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VoiceGap {
    pub gap_ms: Option<f64>,
    pub lost: Option<u64>,
    pub last_before_frame: Option<u64>,
    pub first_after_frame: Option<u64>,
    pub last_before_time: Option<f64>,
    pub first_after_time: Option<f64>,
    /// The stream (SSRC) the gap is measured on; null when measured from frames.
    pub ssrc: Option<String>,
    /// `rtp`, or `frames` when the voice is encrypted: then the gap is between voice-priority
    /// (UP 6/7) data frames and `lost` is estimated from the stream's cadence.
    pub measured_from: &'static str,
    /// `lost` is an estimate (encrypted voice), not a count of sequence numbers.
    pub lost_estimated: bool,
}

/// One roam: a (re)association of a station to a BSSID other than the one it was using.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Roam {
    /// Index of the capture in the report's `captures`.
    pub capture: usize,
    pub station: MacAddr,
    pub from_bssid: MacAddr,
    pub to_bssid: MacAddr,
    pub from_channel: Option<u16>,
    pub to_channel: Option<u16>,
    /// Reassociation (true) or association (false) request.
    pub reassociation: bool,
    /// Time of the request, seconds since the epoch.
    pub time: f64,
    pub request_frame: u64,
    pub request_time: f64,
    pub response_frame: Option<u64>,
    pub response_time: Option<f64>,
    /// Status of the response; null when no response was captured.
    pub status: Option<u16>,
    pub status_name: Option<&'static str>,
    /// Request → response.
    pub reassoc_latency_ms: Option<f64>,
    /// Requests sent again (with a new sequence number) before a response came.
    pub request_retries: u32,
    pub cckm_in_request: bool,
    pub cckm_in_response: bool,
    pub key_management: Option<KeyManagement>,
    /// PMKID in the request (PMK caching / opportunistic key caching).
    pub pmkid_in_request: bool,
    /// TSPECs in the request.
    pub tspec: Vec<TspecInfo>,
    pub authentication: Option<AuthReport>,
    pub eap: Option<EapReport>,
    pub eapol: Option<EapolReport>,
    pub addts: Vec<AddtsReport>,
    pub deauth: Option<DeauthReport>,
    pub uplink: Option<VoiceGap>,
    pub downlink: Option<VoiceGap>,
    pub findings: Vec<Finding>,
    /// Shows the roam's frames in Wireshark.
    pub wireshark_filter: String,
}

/// Statistics of one RTP stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamReport {
    pub capture: usize,
    pub ssrc: String,
    pub station: MacAddr,
    pub direction: Direction,
    pub payload_type: u8,
    pub src_port: u16,
    pub dst_port: u16,
    /// Packets received, 802.11 retransmissions excluded.
    pub received: u64,
    pub expected: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub max_gap_ms: f64,
    pub first_frame: u64,
    pub last_frame: u64,
}

/// A BSS seen in the capture.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BssReport {
    pub bssid: MacAddr,
    pub ssid: Option<String>,
    pub channel: Option<u16>,
}

/// A station whose roam could not be seen whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub station: MacAddr,
    pub frame: u64,
    pub message: String,
}

/// The analysis of one capture.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub roams: Vec<Roam>,
    pub streams: Vec<StreamReport>,
    pub bss: Vec<BssReport>,
    pub stations: usize,
    pub notes: Vec<Note>,
}

pub(crate) fn hex_ssrc(ssrc: u32) -> String {
    format!("{ssrc:#010x}")
}

/// Channel of each BSSID: from its beacons (DS Parameter Set), else from the radio channel
/// its frames were captured on.
fn bss_table(events: &[Event]) -> Vec<BssReport> {
    // Per BSSID: SSID and channel from beacons, frames seen per radio channel.
    type Seen = (Option<String>, Option<u16>, HashMap<u16, u32>);
    let mut table: HashMap<MacAddr, Seen> = HashMap::new();
    for e in events {
        if e.bssid.is_group() {
            continue;
        }
        let entry = table.entry(e.bssid).or_default();
        if let EventKind::Beacon { ssid, channel } = e.kind {
            if entry.0.is_none() {
                entry.0 = Some(ssid.to_text());
            }
            if entry.1.is_none() {
                entry.1 = channel.map(u16::from);
            }
        }
        if let Some(ch) = e.channel_mhz.and_then(crate::linklayer::channel_of_mhz) {
            *entry.2.entry(ch).or_default() += 1;
        }
    }
    let mut out: Vec<BssReport> = table
        .into_iter()
        .map(|(bssid, (ssid, beacon_ch, seen))| {
            let radio_ch = seen
                .into_iter()
                .max_by_key(|&(ch, n)| (n, std::cmp::Reverse(ch)))
                .map(|(ch, _)| ch);
            BssReport {
                bssid,
                ssid,
                channel: beacon_ch.or(radio_ch),
            }
        })
        .collect();
    out.sort_by_key(|b| b.bssid);
    out
}

/// Analyzes the events of one capture (in frame order).
pub fn analyze(capture: usize, events: Vec<Event>, config: &Config) -> Analysis {
    let bss = bss_table(&events);
    let channels: HashMap<MacAddr, u16> = bss
        .iter()
        .filter_map(|b| b.channel.map(|c| (b.bssid, c)))
        .collect();

    let mut by_station: HashMap<MacAddr, Vec<Event>> = HashMap::new();
    for e in events {
        if matches!(e.kind, EventKind::Beacon { .. }) || e.station.is_group() {
            continue;
        }
        by_station.entry(e.station).or_default().push(e);
    }
    // Stations that only ever appear as BSSIDs are APs, not stations.
    let aps: std::collections::HashSet<MacAddr> = bss.iter().map(|b| b.bssid).collect();
    let mut stations: Vec<(MacAddr, Vec<Event>)> = by_station
        .into_iter()
        .filter(|(s, _)| !aps.contains(s))
        .collect();
    stations.sort_by_key(|(s, _)| *s);

    let results: Vec<station::StationResult> = stations
        .par_iter()
        .map(|(sta, evs)| station::analyze_station(capture, *sta, evs, config, &channels))
        .collect();

    let mut analysis = Analysis {
        bss,
        stations: results.len(),
        ..Analysis::default()
    };
    for r in results {
        analysis.roams.extend(r.roams);
        analysis.streams.extend(r.streams);
        analysis.notes.extend(r.notes);
    }
    analysis.roams.sort_by_key(|r| r.request_frame);
    analysis
        .streams
        .sort_by_key(|s| (s.first_frame, s.direction));
    analysis.notes.sort_by_key(|n| n.frame);
    analysis
}

/// Human name of a key message for tables.
pub fn key_message_name(m: KeyMessage) -> &'static str {
    match m {
        KeyMessage::M1 => "M1",
        KeyMessage::M2 => "M2",
        KeyMessage::M3 => "M3",
        KeyMessage::M4 => "M4",
        KeyMessage::G1 => "G1",
        KeyMessage::G2 => "G2",
        KeyMessage::Request => "request",
    }
}
