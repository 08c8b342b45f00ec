//! A [`Roam`] built by hand, so that one finding rule can be tried on exactly the roam that
//! shows its problem, without a capture.

use super::{
    AddtsReport, DeauthReport, Direction, EapReport, EapolReport, FailureReport, FastPath, Outcome,
    Roam, VoiceGap,
};
use crate::events::TspecInfo;
use roamgap_wire::dot11::ie::KeyManagement;
use roamgap_wire::dot11::MacAddr;

/// Builds a [`Roam`]: by default a completed reassociation (request in frame 1 at 0 s,
/// response with status 0 in frame 2 at 5 ms) with no key management, fast path, key exchange,
/// voice or finding; each setter adds one part.
#[derive(Clone, Debug)]
pub(crate) struct RoamBuilder {
    roam: Roam,
}

impl Roam {
    /// A roam of `station` from `from` to `to`, to fill in with [`RoamBuilder`]'s setters.
    pub(crate) fn builder(station: MacAddr, from: MacAddr, to: MacAddr) -> RoamBuilder {
        RoamBuilder {
            roam: Roam {
                capture: 0,
                station,
                from_bssid: from,
                to_bssid: to,
                from_channel: None,
                to_channel: None,
                from_band: None,
                to_band: None,
                outcome: Outcome::Completed,
                failure: None,
                outage_ms: None,
                outage: None,
                signal_before_dbm: None,
                signal_after_dbm: None,
                rate_before_mbps: None,
                rate_after_mbps: None,
                scanning: None,
                old_ap_after_leaving: None,
                last_data_frame_old: None,
                first_data_frame_new: None,
                roam_time_ms: None,
                handshake_ms: None,
                phases: Vec::new(),
                reassociation: true,
                time: 0.0,
                request_frame: 1,
                request_time: 0.0,
                response_frame: Some(2),
                response_time: Some(0.005),
                status: Some(0),
                status_name: Some(roamgap_wire::dot11::mgmt::status_name(0)),
                reassoc_latency_ms: Some(5.0),
                request_retries: 0,
                cckm_in_request: false,
                cckm_in_response: false,
                key_management: None,
                pmkid_in_request: false,
                fast_path_offered: FastPath::None,
                fast_path_taken: None,
                new_ap_rates_mbps: Vec::new(),
                tspec: Vec::new(),
                authentication: None,
                eap: None,
                eapol: None,
                addts: Vec::new(),
                deauth: None,
                uplink: None,
                downlink: None,
                findings: Vec::new(),
                wireshark_filter: String::new(),
            },
        }
    }
}

impl RoamBuilder {
    /// The response: its frame, time and status (its name filled in).
    pub(crate) fn response(mut self, frame: u64, time: f64, status: u16) -> Self {
        let r = &mut self.roam;
        (r.response_frame, r.response_time) = (Some(frame), Some(time));
        r.status = Some(status);
        r.status_name = Some(roamgap_wire::dot11::mgmt::status_name(status));
        self.latency()
    }

    /// No response was captured.
    pub(crate) fn no_response(mut self) -> Self {
        let r = &mut self.roam;
        (r.response_frame, r.response_time, r.status, r.status_name) = (None, None, None, None);
        r.reassoc_latency_ms = None;
        self
    }

    fn latency(mut self) -> Self {
        let r = &mut self.roam;
        r.reassoc_latency_ms = r.response_time.map(|t| (t - r.request_time) * 1e3);
        self
    }

    /// An association rather than a reassociation.
    pub(crate) fn association(mut self) -> Self {
        self.roam.reassociation = false;
        self
    }

    /// The key management the request selected.
    pub(crate) fn key_management(mut self, km: KeyManagement) -> Self {
        self.roam.key_management = Some(km);
        self
    }

    /// The fast path the request offered.
    pub(crate) fn fast_path(mut self, fast_path: FastPath) -> Self {
        self.roam.fast_path_offered = fast_path;
        self
    }

    /// The CCKM element in the request and in the response.
    pub(crate) fn cckm(mut self, in_request: bool, in_response: bool) -> Self {
        (self.roam.cckm_in_request, self.roam.cckm_in_response) = (in_request, in_response);
        self
    }

    /// A full 802.1X/EAP exchange after the request.
    pub(crate) fn eap(mut self, eap: EapReport) -> Self {
        self.roam.eap = Some(eap);
        self
    }

    /// The 4-way handshake after the request.
    pub(crate) fn eapol(mut self, eapol: EapolReport) -> Self {
        self.roam.eapol = Some(eapol);
        self
    }

    /// A deauthentication or disassociation after the request.
    pub(crate) fn deauth(mut self, deauth: DeauthReport) -> Self {
        self.roam.deauth = Some(deauth);
        self
    }

    /// One more ADDTS response after the roam.
    pub(crate) fn addts(mut self, addts: AddtsReport) -> Self {
        self.roam.addts.push(addts);
        self
    }

    /// One more TSPEC in the request.
    pub(crate) fn tspec(mut self, tspec: TspecInfo) -> Self {
        self.roam.tspec.push(tspec);
        self
    }

    /// The rates the new AP's beacons list, Mb/s.
    pub(crate) fn new_ap_rates(mut self, mbps: &[f64]) -> Self {
        self.roam.new_ap_rates_mbps = mbps.to_vec();
        self
    }

    /// The station's signal on the old AP before it roamed, and its last data frame there.
    pub(crate) fn signal_before(mut self, dbm: i8, last_data_frame: u64) -> Self {
        self.roam.signal_before_dbm = Some(dbm);
        self.roam.last_data_frame_old = Some(last_data_frame);
        self
    }

    /// Request → last key message.
    pub(crate) fn handshake_ms(mut self, ms: f64) -> Self {
        self.roam.handshake_ms = Some(ms);
        self
    }

    /// The voice gap of one direction: `ms` between frames `before` and `after`, RTP-measured
    /// with no loss.
    pub(crate) fn gap(mut self, direction: Direction, ms: f64, before: u64, after: u64) -> Self {
        let g = VoiceGap {
            gap_ms: Some(ms),
            lost: Some(0),
            last_before_frame: Some(before),
            first_after_frame: Some(after),
            last_before_time: None,
            first_after_time: None,
            ssrc: None,
            measured_from: super::GapSource::Rtp,
            lost_estimated: false,
        };
        match direction {
            Direction::Uplink => self.roam.uplink = Some(g),
            Direction::Downlink => self.roam.downlink = Some(g),
        }
        self
    }

    /// A failed roam: how it ended and what it cost.
    pub(crate) fn failed(mut self, outcome: Outcome, failure: FailureReport) -> Self {
        self.roam.outcome = outcome;
        self.roam.failure = Some(failure);
        self
    }

    /// The roam.
    pub(crate) fn build(self) -> Roam {
        self.roam
    }
}
