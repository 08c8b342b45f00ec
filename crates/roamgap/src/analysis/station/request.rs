//! A (re)association request: another of the roam in progress, or a new roam with what led to
//! it (the station's last scan, its authentication with the new AP, the fast path it offered,
//! its signal, rate and voice just before).

use super::assemble::with_new_ap;
use super::observe::FtOverDs;
use super::roam::{EapolState, RoamState};
use super::{FramePoint, OldApState, ProbePoint, Station, VoicePoint, Window};
use crate::analysis::{
    ms, secs, AuthAlgorithm, AuthReport, ChannelInfo, Direction, FastPath, Outcome, Roam,
    ScanReport,
};
use crate::events::{AssocRequest, Event, EventKind};
use roamgap_wire::dot11::MacAddr;

/// How far before a request its authentication, FT exchange over the DS and scan may lie.
const AUTH_LOOKBACK_NS: i64 = 5_000_000_000;
/// Probe requests further apart than this belong to different scans.
const SCAN_BREAK_NS: i64 = 1_000_000_000;

/// The authentication a new roam reports, and whether the station offered FT over the DS.
struct Offered {
    authentication: Option<AuthReport>,
    over_ds: bool,
}

impl Station {
    /// A (re)association request from the station.
    pub(super) fn request(&mut self, e: &Event, req: &AssocRequest) {
        let point = FramePoint::of(e);
        if let Some(r) = self.roams.last_mut() {
            if r.roam.to_bssid == e.bssid && r.outcome.is_none() {
                if !r.response_seen {
                    r.roam.request_retries += 1;
                }
                r.attempts += 1;
                r.last_request = point;
                r.last_exchange = point;
                return;
            }
        }
        let Some(from) = self.current.or(req.current_ap) else {
            return;
        };
        if from == e.bssid {
            return;
        }
        let roam = self.new_roam(e, req, from);
        let state = self.roam_state(e, roam);
        self.roams.push(state);
    }

    /// The report of a roam from `from` that the request starts, as far as the request and
    /// what came before it tell.
    fn new_roam(&self, e: &Event, req: &AssocRequest, from: MacAddr) -> Roam {
        let previous_request = self.roams.last().map_or(i64::MIN, |r| r.request_ns);
        let Offered {
            authentication,
            over_ds,
        } = self.offered(e, previous_request);
        let signal_before = (self.signal.bssid == from)
            .then(|| self.signal.median())
            .flatten();
        let rate_before = (self.rate.bssid == from)
            .then(|| self.rate.median())
            .flatten();
        let first_to_new =
            with_new_ap(authentication.as_ref()).map_or(e.frame, |start| start.frame);
        Roam {
            signal_before_dbm: signal_before,
            signal_after_dbm: None,
            rate_before_mbps: rate_before.map(|r| f64::from(r) / 10.0),
            rate_after_mbps: None,
            scanning: self.scan(first_to_new, e.ts_ns, previous_request),
            old_ap_after_leaving: None,
            fast_path_offered: fast_path_offered(over_ds, req),
            fast_path_taken: None,
            new_ap_rates_mbps: Vec::new(),
            last_data_frame_old: None,
            first_data_frame_new: None,
            roam_time_ms: None,
            handshake_ms: None,
            phases: Vec::new(),
            capture: self.capture,
            station: self.station,
            from_bssid: from,
            to_bssid: e.bssid,
            from_channel: None,
            to_channel: None,
            from_band: None,
            to_band: None,
            // Decided by the frames that follow (`settle`), or at the end of the capture.
            outcome: Outcome::CaptureEnded,
            failure: None,
            outage_ms: None,
            outage: None,
            reassociation: req.reassociation,
            time: secs(e.ts_ns),
            request_frame: e.frame,
            request_time: secs(e.ts_ns),
            response_frame: None,
            response_time: None,
            status: None,
            status_name: None,
            reassoc_latency_ms: None,
            request_retries: 0,
            cckm_in_request: req.cckm_element,
            cckm_in_response: false,
            key_management: req.key_management,
            pmkid_in_request: req.pmkid,
            tspec: req.tspecs.iter().copied().collect(),
            authentication,
            eap: None,
            eapol: None,
            addts: Vec::new(),
            deauth: None,
            uplink: None,
            downlink: None,
            findings: Vec::new(),
            wireshark_filter: String::new(),
        }
    }

    /// The state of the roam the request starts: the station's voice and data just before it,
    /// its exchanges with the new AP so far.
    fn roam_state(&self, e: &Event, roam: Roam) -> RoamState {
        let point = FramePoint::of(e);
        let from = roam.from_bssid;
        // Which streams are voice is known only at the end; keep each stream's last packet
        // (and of each source on probation: it may become one).
        let before: Vec<VoicePoint> = self
            .streams
            .iter()
            .chain(&self.on_probation)
            .map(|s| s.last)
            .collect();
        let before_frames = [Direction::Uplink, Direction::Downlink].map(|d| {
            self.last_voice_frame[d.index()].filter(|p| p.bssid == from && p.ts_ns <= e.ts_ns)
        });
        let first_exchange =
            with_new_ap(roam.authentication.as_ref()).map_or(point, |start| FramePoint {
                frame: start.frame,
                ts_ns: (start.time * 1e9).round() as i64,
                bssid: e.bssid,
            });
        // Its authentication requests to the new AP count as attempts too.
        let auth_requests = self
            .auths
            .iter()
            .filter(|a| a.from_station && a.bssid == e.bssid && a.frame >= first_exchange.frame)
            .count() as u32;
        RoamState {
            roam,
            request_ns: e.ts_ns,
            response_seen: false,
            outcome: None,
            last_request: point,
            last_answer: None,
            attempts: auth_requests + 1,
            first_exchange,
            last_exchange: point,
            gave_up: None,
            next: None,
            elsewhere: None,
            outage_start: self.last_user_data.filter(|p| p.ts_ns <= e.ts_ns),
            outage_end: None,
            before,
            after: Vec::new(),
            request_channel: e.channel_mhz.and_then(ChannelInfo::of_mhz),
            signal_after: Window::for_bssid(e.bssid),
            rate_after: Window::for_bssid(e.bssid),
            old_ap: OldApState::default(),
            last_data_old: self
                .last_data
                .filter(|p| p.bssid == from && p.ts_ns <= e.ts_ns),
            first_data_new: None,
            before_frames,
            after_frames: [None; 2],
            eapol: EapolState::default(),
            eap: None,
            addts_requests: Vec::new(),
        }
    }

    /// The authentication the request follows: its exchange with the new AP, else over the DS
    /// the FT request/response through the old AP; and whether it used FT over the DS (an FT
    /// request through the old AP for this target since the previous request).
    fn offered(&self, e: &Event, previous_request: i64) -> Offered {
        let ds: Vec<&FtOverDs> = self
            .ft_over_ds
            .iter()
            .filter(|f| {
                f.target == e.bssid
                    && f.ts_ns <= e.ts_ns
                    && f.ts_ns > previous_request
                    && e.ts_ns - f.ts_ns <= AUTH_LOOKBACK_NS
            })
            .collect();
        let over_ds = ds.iter().any(|f| f.status.is_none());
        let authentication = self.authentication(e, previous_request).or_else(|| {
            let req = ds.iter().rev().find(|f| f.status.is_none())?;
            let resp = ds
                .iter()
                .find(|f| f.status.is_some() && f.frame > req.frame);
            Some(AuthReport {
                algorithm: AuthAlgorithm::FtOverDs,
                request_frame: Some(req.frame),
                response_frame: resp.map(|r| r.frame),
                status: resp.and_then(|r| r.status),
                time: secs(req.ts_ns),
                response_time: resp.map(|r| secs(r.ts_ns)),
            })
        });
        Offered {
            authentication,
            over_ds,
        }
    }

    /// The station's last scan before it turned to the new AP (frame `first_to_new`): its
    /// probe requests since the previous roam, back to the first break of a second or more.
    fn scan(&self, first_to_new: u64, request_ns: i64, after_ns: i64) -> Option<ScanReport> {
        let mut burst: Vec<&ProbePoint> = Vec::new();
        for p in self.probes.iter().rev().filter(|p| {
            p.frame < first_to_new && p.ts_ns > after_ns && request_ns - p.ts_ns <= AUTH_LOOKBACK_NS
        }) {
            if burst
                .last()
                .is_some_and(|later| later.ts_ns - p.ts_ns > SCAN_BREAK_NS)
            {
                break;
            }
            burst.push(p);
        }
        let (first, last) = (*burst.last()?, *burst.first()?);
        let mut channels: Vec<u16> = burst.iter().filter_map(|p| p.channel).collect();
        channels.sort_unstable();
        channels.dedup();
        Some(ScanReport {
            probe_requests: burst.len() as u32,
            channels,
            first_frame: first.frame,
            last_frame: last.frame,
            start_time: secs(first.ts_ns),
            end_time: secs(last.ts_ns),
            duration_ms: ms(last.ts_ns - first.ts_ns),
        })
    }

    /// The authentication exchange with the new AP just before the request.
    fn authentication(&self, e: &Event, after_ns: i64) -> Option<AuthReport> {
        let window = self.auths.iter().filter(|a| {
            a.bssid == e.bssid
                && a.ts_ns <= e.ts_ns
                && a.ts_ns > after_ns
                && e.ts_ns - a.ts_ns <= AUTH_LOOKBACK_NS
        });
        let mut report: Option<AuthReport> = None;
        for a in window {
            let EventKind::Auth {
                algorithm,
                status,
                sequence,
            } = a.kind
            else {
                continue;
            };
            if a.from_station {
                // A new exchange starts with the station's first frame (transaction sequence
                // 1) after an answered one; an SAE confirm (sequence 2) continues its exchange.
                if report
                    .as_ref()
                    .is_none_or(|r| r.response_frame.is_some() && sequence <= 1)
                {
                    report = Some(AuthReport {
                        algorithm: AuthAlgorithm::of_number(algorithm),
                        request_frame: Some(a.frame),
                        response_frame: None,
                        status: None,
                        time: secs(a.ts_ns),
                        response_time: None,
                    });
                }
            } else {
                let r = report.get_or_insert(AuthReport {
                    algorithm: AuthAlgorithm::of_number(algorithm),
                    request_frame: None,
                    response_frame: None,
                    status: None,
                    time: secs(a.ts_ns),
                    response_time: None,
                });
                // The exchange ends with the AP's last frame (SAE: commit, then confirm).
                r.response_frame = Some(a.frame);
                r.response_time = Some(secs(a.ts_ns));
                r.status = Some(status);
            }
        }
        report
    }
}

/// The fast path the station offered: FT over the DS (an FT request through the old AP for
/// this target), FT over the air, CCKM, PMK caching / OKC (a PMKID), or none.
fn fast_path_offered(over_ds: bool, req: &AssocRequest) -> FastPath {
    if over_ds {
        FastPath::FtOverDs
    } else if req.fast_transition {
        FastPath::FtOverTheAir
    } else if req.cckm_element {
        FastPath::Cckm
    } else if req.pmkid {
        FastPath::PmkCaching
    } else {
        FastPath::None
    }
}
