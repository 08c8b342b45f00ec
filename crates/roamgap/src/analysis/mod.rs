//! Per-station roam analysis: events (in frame order) → roams with their phases, voice gaps,
//! RTP losses and findings, plus per-stream statistics.
//!
//! Stations are independent, so they are analyzed in parallel. The definitions of every
//! reported figure are in `docs/METRICS.md`.

mod bss;
#[cfg(test)]
mod builder;
mod coverage;
pub mod findings;
mod kinds;
mod named;
pub mod quality;
mod station;
pub(crate) mod stream;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::events::{Event, EventKind, TspecInfo};
use roamgap_wire::dot11::action::AddtsKind;
use roamgap_wire::dot11::ie::KeyManagement;
use roamgap_wire::dot11::{MacAddr, MacMap};

use bss::BssState;
#[cfg(test)]
pub(crate) use builder::RoamBuilder;
pub(crate) use coverage::Coverage;
pub(crate) use findings::Finding;
pub(crate) use kinds::AuthAlgorithm;
pub use kinds::{FastPath, GapSource, PhaseName};
pub(crate) use named::Named;

/// Tunable thresholds of the analysis.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// A voice gap above this (either direction) is a `long-gap` finding.
    pub gap_budget_ms: f64,
    /// Deauthentication/disassociation this soon after a roam's request belongs to the roam.
    pub deauth_window_ms: f64,
    /// An RTP stream needs at least this many packets to count (rejects look-alikes).
    pub min_stream_packets: u64,
    /// A station still on its old AP below this signal (dBm) when it roams is a sticky client.
    pub sticky_dbm: i8,
    /// Budgets of a roam's key management (reassociation request → last key message): CCKM, FT
    /// and open/WEP roams; PSK, SAE, OWE and PMK-cached roams (one 4-way handshake); 802.1X
    /// roams with a full EAP authentication.
    pub budget_fast_ms: f64,
    /// The budget of PSK, SAE, OWE and PMK-cached roams, ms.
    pub budget_psk_ms: f64,
    /// The budget of 802.1X roams with a full EAP authentication, ms.
    pub budget_dot1x_ms: f64,
    /// How link-layer headers are read (the remote-capture UDP port).
    pub link: roamgap_wire::linklayer::LinkOptions,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            gap_budget_ms: 150.0,
            deauth_window_ms: 5000.0,
            min_stream_packets: 4,
            sticky_dbm: -80,
            budget_fast_ms: 50.0,
            budget_psk_ms: 150.0,
            budget_dot1x_ms: 300.0,
            link: roamgap_wire::linklayer::LinkOptions::default(),
        }
    }
}

/// Voice direction: uplink = station → AP, downlink = AP → station.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Station → AP.
    Uplink,
    /// AP → station.
    Downlink,
}

impl Direction {
    pub(crate) fn of(from_station: bool) -> Direction {
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

/// Nanoseconds since the epoch as seconds, the unit of every time in the report.
pub fn secs(ts_ns: i64) -> f64 {
    ts_ns as f64 / 1e9
}

/// A duration in nanoseconds as milliseconds, the unit of every duration in the report.
pub fn ms(d_ns: i64) -> f64 {
    // Rounded to the microsecond, the resolution of most captures.
    (d_ns as f64 / 1e3).round() / 1e3
}

/// The authentication exchange with the new AP before the reassociation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct AuthReport {
    /// open, shared-key, ft, sae, ..., or ft-over-ds.
    pub(crate) algorithm: AuthAlgorithm,
    pub(crate) request_frame: Option<u64>,
    pub(crate) response_frame: Option<u64>,
    pub(crate) status: Option<u16>,
    /// Time of the first frame of the exchange.
    pub(crate) time: f64,
    pub(crate) response_time: Option<f64>,
}

/// The EAPOL 4-way handshake after the roam.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EapolReport {
    /// Message 1 (the first, when the AP sent it again).
    pub m1_frame: u64,
    /// Its time, s since the epoch.
    pub m1_time: f64,
    /// Message 2 (the first after message 1).
    pub m2_frame: Option<u64>,
    /// Message 3 (the first after message 1).
    pub m3_frame: Option<u64>,
    /// Message 4; null when the handshake never completed.
    pub m4_frame: Option<u64>,
    /// Its time, s since the epoch.
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
    /// The first EAP packet after the request.
    pub first_frame: u64,
    /// The last EAP packet of the exchange.
    pub last_frame: u64,
    /// EAP packets, 802.11 retransmissions excluded.
    pub packets: u32,
    /// EAP-Success seen.
    pub success: bool,
    /// Time of `first_frame`, s since the epoch.
    pub first_time: f64,
    /// Time of `last_frame`, s since the epoch.
    pub last_time: f64,
    /// First → last packet: the time the authentication server took.
    pub duration_ms: f64,
}

/// An ADDTS response after the roam, with the request it answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AddtsReport {
    /// WMM (WMM-AC action frame) or 802.11 QoS ADDTS.
    pub kind: AddtsKind,
    /// The response's status code.
    pub status: u16,
    /// Its name, in the standard of `kind`.
    pub status_name: &'static str,
    /// The response frame.
    pub frame: u64,
    /// Time of the response, s since the epoch.
    pub time: f64,
    /// The request it answers (same kind and dialog token); null when not captured.
    pub request_frame: Option<u64>,
    /// Time of the request, s since the epoch.
    pub request_time: Option<f64>,
    /// What pairs a response with its request.
    pub dialog_token: u8,
    /// The TSPEC's traffic stream ID (the request's TSPEC when the response has none).
    pub tid: Option<u8>,
    /// The TSPEC's user priority (6 or 7 for voice).
    pub up: Option<u8>,
}

/// A deauthentication or disassociation of the station by (or from) the new AP.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeauthReport {
    /// 802.11 reason code.
    pub reason: u16,
    /// Its name.
    pub reason_name: &'static str,
    /// The deauthentication or disassociation frame.
    pub frame: u64,
    /// Its time, s since the epoch.
    pub time: f64,
    /// A disassociation rather than a deauthentication.
    pub disassociation: bool,
    /// Sent by the station rather than by the AP.
    pub by_station: bool,
    /// Time after the reassociation request.
    pub after_ms: f64,
}

/// A BSS's channel: its number, band and centre frequency (a number alone is ambiguous: they
/// repeat across bands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChannelInfo {
    pub(crate) number: u16,
    pub band: Option<roamgap_wire::linklayer::Band>,
    pub(crate) mhz: Option<u16>,
}

impl ChannelInfo {
    /// The channel of a frame captured at `mhz`.
    pub(crate) fn of_mhz(mhz: u16) -> Option<ChannelInfo> {
        Some(ChannelInfo {
            number: roamgap_wire::linklayer::channel_of_mhz(mhz)?,
            band: roamgap_wire::linklayer::Band::of_mhz(mhz),
            mhz: Some(mhz),
        })
    }
}

/// A channel for people: `6 (2.4 GHz)`, its number alone when the band is unknown, `?` when
/// nothing is known.
pub fn channel_text(channel: Option<u16>, band: Option<roamgap_wire::linklayer::Band>) -> String {
    match (channel, band) {
        (Some(c), Some(b)) => format!("{c} ({b})"),
        (Some(c), None) => c.to_string(),
        _ => "?".to_string(),
    }
}

/// A roam's outage for people: `X ms`, `>= X ms` when the capture ended first, `-` when
/// unknown (no user data before the roam).
pub fn outage_text(r: &Roam) -> String {
    match (
        r.outage_ms,
        r.outage.as_ref().and_then(|o| o.capture_ended_after_ms),
    ) {
        (Some(ms), _) => format!("{ms:.1} ms"),
        (None, Some(ms)) => format!(">= {ms:.1} ms (capture ended)"),
        _ => "-".to_string(),
    }
}

/// The voice gap of one direction across a roam.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VoiceGap {
    /// First after − last before, ms (`docs/METRICS.md`, "Voice and the gap of a roam"); null
    /// when no voice came through the new AP.
    pub gap_ms: Option<f64>,
    /// Packets lost in the gap: missing RTP sequence numbers, or estimated from the cadence
    /// (`lost_estimated`).
    pub lost: Option<u64>,
    /// The station's last voice packet (or frame) through the old BSSID before the request.
    pub last_before_frame: Option<u64>,
    /// Its first through the new BSSID after the request.
    pub first_after_frame: Option<u64>,
    /// Time of `last_before_frame`, s since the epoch.
    pub last_before_time: Option<f64>,
    /// Time of `first_after_frame`, s since the epoch.
    pub first_after_time: Option<f64>,
    /// The stream (SSRC) the gap is measured on; null when measured from frames.
    pub ssrc: Option<String>,
    /// `rtp`, or `frames` when the voice is encrypted: then the gap is between voice-priority
    /// (UP 6/7) data frames and `lost` is estimated from the stream's cadence.
    pub measured_from: GapSource,
    /// `lost` is an estimate (encrypted voice), not a count of sequence numbers.
    pub lost_estimated: bool,
}

/// How a roam ended (`docs/METRICS.md`, "Roam outcomes").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The new AP accepted the station, and user data went through it.
    Completed,
    /// The new AP answered the station's last request with a non-zero status.
    Refused,
    /// The new AP never answered the station's last request before it gave up or moved on.
    Unanswered,
    /// The new AP accepted, but the station left before its keys or data.
    Abandoned,
    /// The capture ended before the roam was decided: no user data through the new AP yet,
    /// and the station had not turned elsewhere.
    CaptureEnded,
}

impl Outcome {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Refused => "refused",
            Outcome::Unanswered => "unanswered",
            Outcome::Abandoned => "abandoned",
            Outcome::CaptureEnded => "capture-ended",
        }
    }

    /// The station did not get onto the new AP: it stays on its previous one.
    pub fn failed(self) -> bool {
        matches!(
            self,
            Outcome::Refused | Outcome::Unanswered | Outcome::Abandoned
        )
    }
}

/// What a failed roam cost: the station's attempts with the new AP and where it went next.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailureReport {
    /// Authentication and (re)association requests the station sent the new AP, 802.11
    /// retransmissions excluded.
    pub attempts: u32,
    /// The first and last frame exchanged with the new AP (either way) during the roam.
    pub first_frame: u64,
    /// The last such frame.
    pub last_frame: u64,
    /// Time of `first_frame`, s since the epoch.
    pub first_time: f64,
    /// Time of `last_frame`, s since the epoch.
    pub last_time: f64,
    /// First → last frame: how long the station tried.
    pub duration_ms: f64,
    /// The status of the new AP's last answer (authentication or (re)association response);
    /// null when it never answered.
    pub last_status: Option<u16>,
    /// The station's own deauthentication or disassociation of the new AP, when it gave up
    /// with one.
    pub gave_up_frame: Option<u64>,
    /// Where the station went next: the BSSID of its next (re)association request,
    /// authentication or user data, and that frame (null when the capture shows none).
    pub next_bssid: Option<MacAddr>,
    /// That frame.
    pub next_frame: Option<u64>,
}

/// The station's silence around a roam: its last user data before the request to its first
/// user data after it, through any AP (`docs/METRICS.md`, "Outage").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutageReport {
    /// The station's last user data frame before the request.
    pub last_data_frame: u64,
    /// Its time, s since the epoch.
    pub last_data_time: f64,
    /// Its first user data frame after the request; null when the capture ended first.
    pub first_data_frame: Option<u64>,
    /// Its time, s since the epoch.
    pub first_data_time: Option<f64>,
    /// The BSSID the first user data after the roam went through.
    pub first_data_bssid: Option<MacAddr>,
    /// When the capture ended before the station's user data resumed: the time from its last
    /// user data to the last frame of the capture (the outage lasted at least this long).
    pub capture_ended_after_ms: Option<f64>,
}

/// One roam: a station's attempt to join a BSS other than the one it was on, from its
/// (re)association request to the outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Roam {
    /// Index of the capture in the report's `captures`.
    pub capture: usize,
    /// The station (client) that roamed.
    pub station: MacAddr,
    /// The BSSID it was on.
    pub from_bssid: MacAddr,
    /// The BSSID it asked to join.
    pub to_bssid: MacAddr,
    /// The old BSS's channel number, as the BSS table has it.
    pub from_channel: Option<u16>,
    /// The new BSS's channel number (the request's channel when the BSS table has none).
    pub to_channel: Option<u16>,
    /// The bands of those channels (a channel number repeats across bands).
    pub from_band: Option<roamgap_wire::linklayer::Band>,
    /// The new BSS's band.
    pub to_band: Option<roamgap_wire::linklayer::Band>,
    /// How the attempt ended.
    pub outcome: Outcome,
    /// Set when the roam failed (refused, unanswered, abandoned).
    pub failure: Option<FailureReport>,
    /// Last user data before the roam → first user data after it on any AP; null when either
    /// is missing (`outage` says when the capture ended first).
    pub outage_ms: Option<f64>,
    /// Where `outage_ms` is measured from (`docs/METRICS.md`, "Outage").
    pub outage: Option<OutageReport>,
    /// Median signal (dBm) of the station's last 16 frames through the old BSSID before the
    /// request, as the sniffer heard them.
    pub signal_before_dbm: Option<i8>,
    /// Median signal of its first 16 frames through the new BSSID after the request.
    pub signal_after_dbm: Option<i8>,
    /// Median data rate (Mb/s) of the station's last 16 data frames through the old BSSID
    /// before the request, and of its first 16 through the new one after.
    pub rate_before_mbps: Option<f64>,
    /// Median data rate (Mb/s) of its first 16 data frames through the new BSSID.
    pub rate_after_mbps: Option<f64>,
    /// The station's probe requests just before it turned to the new AP.
    pub scanning: Option<ScanReport>,
    /// Data frames the old AP still sent the station after it left.
    pub old_ap_after_leaving: Option<OldApReport>,
    /// The station's last data frame (not EAPOL) through the old BSSID before the request,
    /// and its first through the new BSSID after it.
    pub(crate) last_data_frame_old: Option<u64>,
    pub(crate) first_data_frame_new: Option<u64>,
    /// Last data on the old AP → first data on the new AP.
    pub roam_time_ms: Option<f64>,
    /// Reassociation request → the last message the roam needed (EAPOL M4, else the response).
    pub handshake_ms: Option<f64>,
    /// The roam's phases in order (see `docs/METRICS.md`).
    pub phases: Vec<Phase>,
    /// Reassociation (true) or association (false) request.
    pub reassociation: bool,
    /// Time of the request, seconds since the epoch.
    pub time: f64,
    /// The (re)association request.
    pub request_frame: u64,
    /// Its time, s since the epoch.
    pub request_time: f64,
    /// The new AP's (re)association response; null when none was captured.
    pub response_frame: Option<u64>,
    /// Its time, s since the epoch.
    pub response_time: Option<f64>,
    /// Status of the response; null when no response was captured.
    pub status: Option<u16>,
    /// The status's name (IEEE 802.11 status codes).
    pub status_name: Option<&'static str>,
    /// Request → response.
    pub reassoc_latency_ms: Option<f64>,
    /// Requests sent again (with a new sequence number) before a response came.
    pub(crate) request_retries: u32,
    /// A CCKM element in the request: the Cisco fast roam offered.
    pub cckm_in_request: bool,
    /// A CCKM element in the response: the fast roam granted.
    pub cckm_in_response: bool,
    /// The request's key management: its RSN (or WPA) element's AKM, else what its other
    /// elements and capabilities say (`key_management` in `docs/METRICS.md`).
    pub key_management: Option<KeyManagement>,
    /// PMKID in the request (PMK caching / opportunistic key caching).
    pub(crate) pmkid_in_request: bool,
    /// The fast path the station offered: ft-over-ds, ft-over-the-air, cckm, pmk-caching, none.
    pub fast_path_offered: FastPath,
    /// Whether it was taken (no full authentication followed); null when none was offered or
    /// no response was captured.
    pub fast_path_taken: Option<bool>,
    /// Rates the new AP's beacons list, Mb/s (empty when none was captured).
    pub new_ap_rates_mbps: Vec<f64>,
    /// TSPECs in the request.
    pub tspec: Vec<TspecInfo>,
    pub(crate) authentication: Option<AuthReport>,
    /// The 802.1X/EAP exchange after the request (`docs/METRICS.md`, "Fast path").
    pub eap: Option<EapReport>,
    /// The 4-way handshake after the request.
    pub eapol: Option<EapolReport>,
    /// ADDTS exchanges after the request (WMM-AC or 802.11 QoS admission).
    pub addts: Vec<AddtsReport>,
    /// A deauthentication or disassociation between the station and the new AP within
    /// `deauth_window_ms` of its last request.
    pub deauth: Option<DeauthReport>,
    /// The voice gap station → AP; null without voice before the roam (`docs/METRICS.md`, "Voice
    /// and the gap of a roam").
    pub uplink: Option<VoiceGap>,
    /// The voice gap AP → station, likewise.
    pub downlink: Option<VoiceGap>,
    /// What went wrong, by rule (`docs/findings.md`).
    pub findings: Vec<Finding>,
    /// Shows the roam's frames in Wireshark.
    pub wireshark_filter: String,
}

/// The station's last scan before a roam: its probe requests (off-channel scanning).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScanReport {
    /// Probe requests of the scan.
    pub probe_requests: u32,
    /// Channels the probes were captured on.
    pub(crate) channels: Vec<u16>,
    pub(crate) first_frame: u64,
    pub(crate) last_frame: u64,
    pub(crate) start_time: f64,
    pub(crate) end_time: f64,
    /// First → last probe request.
    pub duration_ms: f64,
}

/// Data frames the old AP sent the station after it had left (within the deauthentication
/// window after the request): each distinct frame is a failed delivery, its retries wasted
/// airtime; the AP logs them as "max retries".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OldApReport {
    /// Transmissions, retries included.
    pub transmissions: u32,
    /// Transmissions with the retry bit.
    pub retries: u32,
    /// Distinct frames (802.11 sequence numbers) the AP tried to deliver.
    pub failed_deliveries: u32,
    pub(crate) first_frame: u64,
    pub(crate) last_frame: u64,
    /// How long after the request the old AP kept trying.
    pub last_after_ms: f64,
}

/// A roam the capture shows only by its effect: the station's data moves from one BSSID to
/// another with no (re)association captured in between.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MissedRoam {
    /// Index of the capture in the report's `captures`.
    pub capture: usize,
    /// The station whose data moved.
    pub station: MacAddr,
    /// The BSSID its data left.
    pub from_bssid: MacAddr,
    /// The BSSID its data turned up on.
    pub to_bssid: MacAddr,
    /// The old BSS's channel number, when the BSS table has it.
    pub from_channel: Option<u16>,
    /// The new BSS's channel number.
    pub to_channel: Option<u16>,
    /// The old BSS's band.
    pub from_band: Option<roamgap_wire::linklayer::Band>,
    /// The new BSS's band.
    pub to_band: Option<roamgap_wire::linklayer::Band>,
    /// The station's last data frame through the old BSSID and first through the new one.
    pub last_frame_old: u64,
    /// Its first data frame through the new BSSID.
    pub first_frame_new: u64,
    /// Time of `last_frame_old`, s since the epoch.
    pub last_time_old: f64,
    pub(crate) first_time_new: f64,
    /// First frame new − last frame old, ms (`docs/METRICS.md`, "Roams the sniffer missed").
    pub gap_ms: f64,
    /// Whether the sniffer captured anything on the new AP's channel during the gap; null when
    /// the capture has no channel information.
    pub channel_captured: Option<bool>,
    /// What the missed roam suggests, by rule (`docs/findings.md`).
    pub findings: Vec<Finding>,
    /// Shows the station's frames from `last_frame_old` to `first_frame_new` in Wireshark.
    pub wireshark_filter: String,
}

/// One phase of a roam: an interval between two frames.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Phase {
    /// scanning, leaving, authentication, reassociation, 802.1x, 4-way-handshake, addts,
    /// resuming.
    pub name: PhaseName,
    /// The phase's first frame.
    pub start_frame: u64,
    /// The phase's last frame; null when the exchange got no answer (an authentication or
    /// reassociation the AP never answered, a 4-way handshake without its message 4): such a
    /// phase has a start and no duration.
    pub end_frame: Option<u64>,
    /// Time of `start_frame`, s since the epoch.
    pub start_time: f64,
    /// Time of `end_frame`.
    pub end_time: Option<f64>,
    /// Start → end; null without an end.
    pub duration_ms: Option<f64>,
}

/// Statistics of one RTP stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamReport {
    /// Index of the capture in the report's `captures`.
    pub capture: usize,
    /// Synchronization source as Wireshark writes it (`0x` and 8 hex digits).
    pub ssrc: String,
    /// The station that sent or received it.
    pub station: MacAddr,
    /// Uplink: sent by the station.
    pub direction: Direction,
    /// RTP payload type (RFC 3551: 0 PCMU, 8 PCMA, 18 G.729, ...).
    pub payload_type: u8,
    /// UDP source port.
    pub src_port: u16,
    /// UDP destination port.
    pub dst_port: u16,
    /// Packets received, 802.11 retransmissions excluded.
    pub received: u64,
    /// Packets the sequence numbers span, over each run (`docs/METRICS.md`, "RTP streams").
    pub expected: u64,
    /// `expected` − `received`.
    pub lost: u64,
    /// Packets repeating a sequence number already received (not 802.11 retransmissions).
    pub duplicates: u64,
    /// Packets whose sequence number RFC 3550 A.1 rejects (`docs/METRICS.md`).
    pub(crate) set_aside: u64,
    /// Gaps whose loss exceeds what their duration holds at the stream's packet interval.
    pub(crate) gaps_beyond_cadence: u32,
    /// The largest time between consecutive received packets, ms.
    pub max_gap_ms: f64,
    /// The first packet of the run that passed probation.
    pub first_frame: u64,
    /// The last packet received.
    pub last_frame: u64,
}

/// A BSS seen in the capture.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BssReport {
    /// The BSSID, as Wireshark's `wlan.bssid` lists it.
    pub bssid: MacAddr,
    /// The network name its beacons or probe responses carry (null when none was captured).
    pub ssid: Option<String>,
    /// Channel number, within `band`.
    pub channel: Option<u16>,
    /// The channel's band and centre frequency: null when the capture tells no frequency
    /// (no radio header) and the number alone cannot name it.
    pub band: Option<roamgap_wire::linklayer::Band>,
    pub(crate) frequency_mhz: Option<u16>,
    /// Rates its beacons list, Mb/s (empty when no beacon was captured).
    pub rates_mbps: Vec<f64>,
}

/// A station whose roam could not be seen whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    /// The station the note is about.
    pub station: MacAddr,
    /// The frame the note starts at.
    pub frame: u64,
    /// What could not be seen, and why.
    pub message: String,
}

/// The analysis of one capture.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Roams, in the order of their requests.
    pub roams: Vec<Roam>,
    /// Voice streams (RTP streams with enough packets).
    pub streams: Vec<StreamReport>,
    /// BSSs seen in the capture.
    pub bss: Vec<BssReport>,
    /// Stations the analysis followed: the client addresses of the frames, those a frame names
    /// as a BSSID (APs) left out.
    pub stations: usize,
    /// Stations whose roams could not be seen whole.
    pub notes: Vec<Note>,
    /// Roams seen only through data (`docs/METRICS.md`, "Roams the sniffer missed").
    pub missed_roams: Vec<MissedRoam>,
}

/// An RTP synchronization source as Wireshark writes it (`0x` and 8 hex digits).
pub fn hex_ssrc(ssrc: u32) -> String {
    format!("{ssrc:#010x}")
}

/// One share of the stations, by address hash: shards run in parallel.
#[derive(Default)]
struct Shard {
    stations: MacMap<station::Known>,
    bss: MacMap<BssState>,
    named: Named,
    coverage: Coverage,
    /// Time of the latest event: where the capture ends, for roams it cut short.
    last_ns: i64,
}

/// Streaming roam analysis of one capture: feed it the events in frame order, in batches;
/// its state is bounded by the stations, streams, roams and BSSs, not by the frames.
pub struct Analyzer {
    capture: usize,
    config: Config,
    shards: Vec<Shard>,
}

/// Events of one batch, split by shard (see [`Analyzer::shard_of`]), each in frame order.
pub(crate) type ShardedEvents = Vec<Vec<Event>>;

impl Analyzer {
    /// `shards` > 1 analyzes stations in parallel (rayon); results do not depend on it.
    pub fn new(capture: usize, config: Config, shards: usize) -> Analyzer {
        let shards = shards.max(1);
        Analyzer {
            capture,
            config,
            shards: (0..shards).map(|_| Shard::default()).collect(),
        }
    }

    /// Bytes the analyzer holds for its stations: their map entries and what each owns (the
    /// state its memory bound is stated in, per station; BSSs and coverage are left out).
    pub fn station_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.stations.capacity() * (std::mem::size_of::<(MacAddr, station::Known)>() + 1)
                    + s.stations
                        .values()
                        .map(station::Known::heap_bytes)
                        .sum::<usize>()
            })
            .sum()
    }

    /// Stations the analyzer holds.
    pub fn station_count(&self) -> usize {
        self.shards.iter().map(|s| s.stations.len()).sum()
    }

    /// The shard an event belongs to: its station's (or, for frames to a group address, its
    /// BSS's). Decoders split events by it so that shards never look at each other's.
    pub(crate) fn shard_of(e: &Event, shards: usize) -> usize {
        let key = if e.station.is_group() {
            e.bssid
        } else {
            e.station
        };
        ((key.to_u64().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % shards as u64) as usize
    }

    /// Splits events by shard.
    pub fn split(events: impl IntoIterator<Item = Event>, shards: usize) -> ShardedEvents {
        let mut out: ShardedEvents = (0..shards).map(|_| Vec::new()).collect();
        for e in events {
            out[Analyzer::shard_of(&e, shards)].push(e);
        }
        out
    }

    /// Takes the next events: consecutive batches, each split by shard with [`Analyzer::split`]
    /// (or the same rule) for this analyzer's number of shards.
    pub fn feed(&mut self, batches: &[ShardedEvents]) {
        let (capture, config) = (self.capture, self.config);
        let run = |(i, shard): (usize, &mut Shard)| {
            for e in batches.iter().flat_map(|b| &b[i]) {
                shard.last_ns = shard.last_ns.max(e.ts_ns);
                shard.named.add(e);
                if let Some(mhz) = e
                    .channel_mhz
                    .filter(|&m| roamgap_wire::linklayer::channel_of_mhz(m).is_some())
                {
                    shard.coverage.add(mhz, e.ts_ns);
                }
                // Voice frames tell nothing of a BSS that its other frames do not; a probe
                // request is sent on whatever channel the station is scanning.
                // The broadcast BSSID (wildcard probe requests, public action frames) is no
                // BSS; any other is, group addresses included (Wireshark lists them too).
                if e.bssid != MacAddr::BROADCAST
                    && !matches!(
                        e.kind,
                        EventKind::Rtp { .. } | EventKind::Data { .. } | EventKind::ProbeRequest
                    )
                {
                    shard.bss.entry(e.bssid).or_default().event(e);
                }
                if matches!(e.kind, EventKind::Beacon { .. } | EventKind::Bss { .. })
                    || e.station.is_group()
                {
                    continue;
                }
                shard
                    .stations
                    .entry(e.station)
                    .or_insert_with(station::Known::new)
                    .event(e, capture, config);
            }
        };
        if self.shards.len() == 1 {
            self.shards.iter_mut().enumerate().for_each(run);
        } else {
            self.shards.par_iter_mut().enumerate().for_each(run);
        }
    }

    /// The roams, streams, BSSs and notes, in frame order.
    pub fn finish(self) -> Analysis {
        let self_parallel = self.shards.len() > 1;
        let end_ns = self.shards.iter().map(|s| s.last_ns).max().unwrap_or(0);
        let mut coverage = Coverage::default();
        for s in &self.shards {
            coverage.merge(&s.coverage);
        }
        coverage.normalize();
        let mut named = Named::default();
        for s in &self.shards {
            named.merge(&s.named);
        }
        let mut merged: MacMap<BssState> = MacMap::default();
        for (&bssid, b) in self.shards.iter().flat_map(|s| &s.bss) {
            merged.entry(bssid).or_default().merge(b);
        }
        let mut bss: Vec<BssReport> = merged
            .iter()
            .map(|(&bssid, b)| {
                let channel = b.channel();
                BssReport {
                    bssid,
                    ssid: b.ssid.map(|s| s.ssid.to_text()),
                    channel: channel.number,
                    band: channel.mhz.and_then(roamgap_wire::linklayer::Band::of_mhz),
                    frequency_mhz: channel.mhz,
                    rates_mbps: b.rates.mbps(),
                }
            })
            .collect();
        let rates: HashMap<MacAddr, crate::events::RateSet> = merged
            .iter()
            .filter(|(_, b)| !b.rates.is_empty())
            .map(|(&bssid, b)| (bssid, b.rates))
            .collect();
        // BSSs seen only in data frames (no beacon or management frame captured); the lowest
        // frequency any station saw one on, so that the result does not depend on the order.
        let mut data_only: Vec<_> = self
            .shards
            .iter()
            .flat_map(|s| s.stations.values())
            .flat_map(|st| st.data_bss().iter().copied())
            .filter(|b| b.bssid != MacAddr::BROADCAST && !merged.contains_key(&b.bssid))
            .collect();
        data_only.sort_by_key(|b| (b.bssid, b.mhz.is_none(), b.mhz));
        data_only.dedup_by_key(|b| b.bssid);
        bss.extend(data_only.into_iter().map(|b| BssReport {
            bssid: b.bssid,
            ssid: None,
            channel: b.mhz.and_then(roamgap_wire::linklayer::channel_of_mhz),
            band: b.mhz.and_then(roamgap_wire::linklayer::Band::of_mhz),
            frequency_mhz: b.mhz,
            rates_mbps: Vec::new(),
        }));
        bss.sort_by_key(|b| b.bssid);
        let channels: HashMap<MacAddr, ChannelInfo> = bss
            .iter()
            .filter_map(|b| {
                b.channel.map(|number| {
                    let info = ChannelInfo {
                        number,
                        band: b.band,
                        mhz: b.frequency_mhz,
                    };
                    (b.bssid, info)
                })
            })
            .collect();
        // Addresses that act as BSSIDs are APs, not stations.
        let aps: std::collections::HashSet<MacAddr> = bss.iter().map(|b| b.bssid).collect();
        let stations: Vec<station::Known> = self
            .shards
            .into_iter()
            .flat_map(|s| s.stations.into_iter())
            .filter(|(mac, _)| !aps.contains(mac))
            .map(|(_, st)| st)
            .collect();
        let results: Vec<station::StationResult> = if self_parallel {
            stations
                .into_par_iter()
                .map(|st| st.finish(&channels, &rates, &coverage, &named, end_ns))
                .collect()
        } else {
            stations
                .into_iter()
                .map(|st| st.finish(&channels, &rates, &coverage, &named, end_ns))
                .collect()
        };
        let mut analysis = Analysis {
            bss,
            stations: results.len(),
            ..Analysis::default()
        };
        for r in results {
            analysis.roams.extend(r.roams);
            analysis.streams.extend(r.streams);
            analysis.notes.extend(r.notes);
            analysis.missed_roams.extend(r.missed_roams);
        }
        analysis.roams.sort_by_key(|r| (r.request_frame, r.station));
        analysis
            .streams
            .sort_by_key(|s| (s.first_frame, s.direction, s.station));
        analysis.notes.sort_by_key(|n| (n.frame, n.station));
        analysis
            .missed_roams
            .sort_by_key(|m| (m.first_frame_new, m.station));
        analysis
    }
}
