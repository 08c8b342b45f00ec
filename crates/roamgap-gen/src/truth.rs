//! The truth of a generated capture: what it holds, read back from the frames as written (their
//! final numbers and quantized times), following `docs/METRICS.md`.

use roamgap::analysis::findings::code;
use roamgap::analysis::{Direction, FastPath, GapSource, Outcome, PhaseName};
use serde::Serialize;

use super::roam::{RoamKind, RoamPlan};
use super::scenarios::Scenario;
use super::sim::{KeyMgmt, Mark, Sim, Tag};
use super::writer::Writer;
use super::{Generated, Options};
use roamgap_wire::dot11::ie::KeyManagement;
use roamgap_wire::dot11::MacAddr;

/// What the capture contains, in the format of the truth files (`tests/data/synthetic/TRUTH.md`,
/// `docs/METRICS.md`): the answer an analysis of the capture is checked against.
#[derive(Clone, Debug, Serialize)]
pub struct Truth {
    scenario: Scenario,
    /// Records in the file.
    pub frames: u64,
    /// Deliberately damaged records: none in a generated capture.
    malformed_frames: u64,
    linktype: u16,
    /// Every roam, in the order of their reassociation requests.
    pub roams: Vec<TruthRoam>,
    streams: Vec<TruthStream>,
    format: &'static str,
    seed: u64,
    /// The group-addressed voice (paging) the APs send, in scenarios that have it.
    #[serde(skip_serializing_if = "Option::is_none")]
    multicast: Option<TruthMulticast>,
    /// Set when the PSK phones' voice is really encrypted (`--passphrase`), or the WEP
    /// phones' (`--wep-key`): the roams and streams above are what the capture shows once
    /// decrypted with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<TruthEncryption>,
}

/// The keys of a really encrypted capture, and what they protect.
#[derive(Clone, Debug, Serialize)]
pub struct TruthEncryption {
    /// The WPA2 passphrase (`--passphrase`); none for a WEP network.
    #[serde(skip_serializing_if = "Option::is_none")]
    passphrase: Option<String>,
    /// The WEP key (hex) of a WEP network (`--wep-key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    wep_key: Option<String>,
    ssid: String,
    /// The pairwise cipher of the PSK phones' voice when it is not CCMP: `tkip`
    /// (`--cipher tkip`, IEEE 802.11-2020 12.5.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<&'static str>,
    /// 4-way handshakes, each with real nonces and MICs.
    handshakes: usize,
    /// Protected data frames, CCMP, TKIP or WEP (retransmissions included).
    pub protected_frames: u64,
    /// Protected Authentication frames: the third frame of each Shared Key authentication
    /// (12.3.3.3), WEP-encrypted (retransmissions included).
    #[serde(skip_serializing_if = "is_zero")]
    protected_auth_frames: u64,
    /// Protected group-addressed data frames, under the GTK (key ID 1) that message 3 of
    /// each 4-way handshake delivers (included in `protected_frames`).
    #[serde(skip_serializing_if = "is_zero")]
    protected_group_frames: u64,
    /// SAE phones' PMKs (hex), one per SAE exchange: SAE derives them from both sides'
    /// secrets, so they are given as `--pmk`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sae_pmks: Vec<String>,
}

/// A group-addressed RTP stream from the APs (FromDS, to an IPv4 multicast group): no
/// station's traffic.
#[derive(Clone, Debug, Serialize)]
struct TruthMulticast {
    ssrc: String,
    group: String,
    destination: MacAddr,
    /// Its frames (group-addressed frames are never retransmitted: no acknowledgement).
    frames: u64,
}

/// Leaves a count of zero out of the truth.
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A WMM TSPEC element of the reassociation request.
#[derive(Clone, Debug, Serialize)]
struct TruthTspec {
    up: u8,
    tid: u8,
    direction: &'static str,
}

/// An ADDTS response of the new AP after the roam, with its status.
#[derive(Clone, Debug, Serialize)]
struct TruthAddts {
    status: u16,
    up: u8,
    frame: u64,
}

/// The 4-way handshake after the roam: its first M1 and the M4, and how often M1 was resent.
#[derive(Clone, Debug, Serialize)]
struct TruthEapol {
    m1_frame: u64,
    m4_frame: Option<u64>,
    m1_time: f64,
    m1_retries: u32,
    m4_time: Option<f64>,
}

/// A deauthentication after the roam: by the new AP, or by the phone giving up on it.
#[derive(Clone, Debug, Serialize)]
struct TruthDeauth {
    reason: u16,
    frame: u64,
    time: f64,
}

/// The voice gap of one direction: the phone's last voice packet through the old AP before
/// the request to its first through the new AP after it.
#[derive(Clone, Debug, Serialize)]
pub struct TruthGap {
    /// The last voice packet through the old AP before the request.
    pub last_before_frame: u64,
    /// The first voice packet through the new AP after the request; none when the voice
    /// never resumed there before the phone's next roam.
    pub first_after_frame: Option<u64>,
    last_before_time: f64,
    /// The time of `first_after_frame`, in seconds since the epoch.
    pub first_after_time: Option<f64>,
    /// The time between the two packets.
    pub gap_ms: Option<f64>,
    /// RTP sequence numbers missing between them: the true loss, even where the voice is
    /// encrypted and an analyzer can only estimate it.
    lost: Option<u64>,
    /// Whether an analyzer sees the RTP or only the encrypted frames' timing.
    pub measured_from: GapSource,
}

/// A phase of a roam, by its first and last frame (see `docs/METRICS.md`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TruthPhase {
    name: PhaseName,
    start_frame: u64,
    /// Null for an exchange the other side never answered.
    end_frame: Option<u64>,
}

/// The phone's probe requests before the roam.
#[derive(Clone, Debug, Serialize)]
struct TruthScan {
    probe_requests: u32,
    first_frame: u64,
    last_frame: u64,
}

/// The old AP's attempts to deliver voice to the phone after it left.
#[derive(Clone, Debug, Serialize)]
struct TruthOldAp {
    transmissions: u32,
    retries: u32,
    failed_deliveries: u32,
}

/// One roam: its frames, what the scenario injected into it and the figures it must give.
#[derive(Clone, Debug, Serialize)]
pub struct TruthRoam {
    /// The roaming phone.
    pub station: MacAddr,
    /// The AP it left (its reassociation request's Current AP).
    pub from_bssid: MacAddr,
    /// The AP it roamed to.
    pub to_bssid: MacAddr,
    key_management: KeyManagement,
    cckm_in_request: bool,
    cckm_in_response: bool,
    tspec_in_request: Vec<TruthTspec>,
    addts: Vec<TruthAddts>,
    eapol: Option<TruthEapol>,
    deauth: Option<TruthDeauth>,
    /// What the scenario made of the roam: completed, refused, unanswered or abandoned.
    outcome: Outcome,
    /// For a failed roam: the authentication and (re)association requests the phone sent the
    /// new AP.
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    /// The phone's last voice packet before the request to its first after it, through the AP
    /// its voice resumed on (802.11 retransmissions excluded); null when it never resumed.
    outage_ms: Option<f64>,
    /// Null when the new AP never answered.
    status: Option<u16>,
    request_time: f64,
    response_time: Option<f64>,
    /// The reassociation request (the first, for a phone that repeated it).
    pub request_frame: u64,
    /// The new AP's response; none when it never answered.
    pub response_frame: Option<u64>,
    /// The uplink voice gap; none for a failed roam, or when the phone's last voice before
    /// the request did not go through the old AP.
    pub uplink: Option<TruthGap>,
    downlink: Option<TruthGap>,
    /// The finding codes (`docs/findings.md`) of what the scenario built into the roam, never
    /// the analyzer's thresholds re-applied.
    pub expected_findings: Vec<&'static str>,
    fast_path_offered: FastPath,
    fast_path_taken: Option<bool>,
    /// Reassociation request → the last key message (M4, else the response); null when the
    /// new AP never answered.
    handshake_ms: Option<f64>,
    /// Last data on the old AP → first data on the new AP.
    roam_time_ms: Option<f64>,
    /// Its phases, in frame order.
    pub phases: Vec<TruthPhase>,
    scanning: Option<TruthScan>,
    old_ap_after_leaving: Option<TruthOldAp>,
}

/// One direction of a phone's call as received on the air (see TRUTH.md, "Per stream").
#[derive(Clone, Debug, Serialize)]
struct TruthStream {
    ssrc: String,
    station: MacAddr,
    direction: Direction,
    received: u64,
    expected: u64,
    lost: u64,
    duplicates: u64,
    max_gap_ms: f64,
    rtp_visible: bool,
}

/// A numbered frame as written: (frame number, time, tag, retry).
type Numbered = (u64, i64, Tag, bool);
/// A frame by its number and time.
type At = (u64, i64);

/// What one roam's frames show once numbered: the marks its plan put on them, and the frames
/// that bound where its voice can resume.
struct RoamFrames<'a> {
    plan: &'a RoamPlan,
    numbered: &'a [Numbered],
    /// (frame, time, mark) of the frames the plan marked, retransmissions excluded.
    marks: Vec<(u64, i64, Mark)>,
    request: At,
    response: Option<At>,
    /// The same phone's next (re)association request (`u64::MAX` if none): this roam's voice
    /// resumes before it.
    next_request: u64,
    /// The roam did not complete (refused, unanswered or abandoned).
    failed: bool,
}

impl RoamFrames<'_> {
    /// The first frame marked `m`.
    fn first(&self, m: Mark) -> Option<At> {
        self.marks.iter().find(|x| x.2 == m).map(|x| (x.0, x.1))
    }

    /// Every frame marked `m`, in frame order.
    fn all(&self, m: Mark) -> Vec<At> {
        self.marks
            .iter()
            .filter(|x| x.2 == m)
            .map(|x| (x.0, x.1))
            .collect()
    }

    /// The phone's own voice frames, retransmissions excluded.
    fn phone_voice(&self) -> impl DoubleEndedIterator<Item = &Numbered> + '_ {
        let phone_of = self.plan.phone;
        self.numbered
            .iter()
            .filter(move |n| matches!(n.2, Tag::Rtp { phone, .. } if phone == phone_of) && !n.3)
    }
}

impl Sim {
    /// Sorts, numbers and writes the frames, then reads the truth back from them.
    pub(super) fn finish(mut self, scenario: Scenario, options: &Options) -> Generated {
        let (w, numbered) = self.write_frames(options);
        let mut roams: Vec<TruthRoam> = (0..self.roams.len())
            .map(|r| self.truth_roam(r, &numbered, options))
            .collect();
        roams.sort_by_key(|r| r.request_frame);
        let streams = self.truth_streams(&numbered);
        let truth = Truth {
            scenario,
            frames: self.frames.len() as u64,
            malformed_frames: 0,
            linktype: options.link.linktype(),
            roams,
            streams,
            format: options.format.name(),
            seed: options.seed,
            multicast: self.multicast.map(|(ssrc, frames)| TruthMulticast {
                ssrc: format!("{ssrc:#010x}"),
                group: "239.192.0.1".into(),
                destination: MacAddr([0x01, 0x00, 0x5e, 0x40, 0x00, 0x01]),
                frames,
            }),
            encryption: self.truth_encryption(),
        };
        Generated {
            bytes: w.finish(),
            truth,
        }
    }

    /// Sorts the frames by time, quantizes their times to the format's resolution and writes
    /// them; returns the writer and every frame numbered.
    fn write_frames(&mut self, options: &Options) -> (Writer, Vec<Numbered>) {
        let res = options.format.resolution_ns();
        self.frames.sort_by_key(|f| (f.t, f.order));
        let mut w = Writer::new(options.format, options.link);
        for f in &mut self.frames {
            f.t -= f.t.rem_euclid(res);
            w.frame(f.t, f.radio, &f.bytes);
        }
        let numbered = self
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| (i as u64 + 1, f.t, f.tag, f.retry))
            .collect();
        (w, numbered)
    }

    /// The marked frames of roam `r` and the frames that bound it.
    fn roam_frames<'a>(&'a self, r: usize, numbered: &'a [Numbered]) -> RoamFrames<'a> {
        let plan = &self.roams[r];
        let is_request = |n: &Numbered, of: usize| {
            matches!(n.2, Tag::Roam { roam, mark: Mark::Request } if roam == of) && !n.3
        };
        let marks: Vec<(u64, i64, Mark)> = numbered
            .iter()
            .filter_map(|&(n, t, tag, retry)| match tag {
                Tag::Roam { roam, mark } if roam == r && !retry => Some((n, t, mark)),
                _ => None,
            })
            .collect();
        let request = numbered
            .iter()
            .find(|n| is_request(n, r))
            .map(|n| (n.0, n.1))
            .expect("every roam has a request");
        // The next roam of the same phone bounds where this one's voice can resume.
        let next_request = self.roams[r + 1..]
            .iter()
            .position(|q| q.phone == plan.phone)
            .and_then(|i| numbered.iter().find(|n| is_request(n, r + 1 + i)))
            .map_or(u64::MAX, |n| n.0);
        let response = marks
            .iter()
            .find(|x| x.2 == Mark::Response)
            .map(|x| (x.0, x.1));
        RoamFrames {
            plan,
            numbered,
            marks,
            request,
            response,
            next_request,
            failed: plan.outcome.failed(),
        }
    }

    /// The truth of roam `r`.
    fn truth_roam(&self, r: usize, numbered: &[Numbered], options: &Options) -> TruthRoam {
        let f = self.roam_frames(r, numbered);
        let (plan, ph) = (f.plan, &self.phones[f.plan.phone]);
        let (request_frame, request_t) = f.request;
        let m1s = f.all(Mark::M1);
        let eap = f.all(Mark::Eap);
        let m4 = f.first(Mark::M4);
        let eapol = m1s.first().map(|&(n, t)| TruthEapol {
            m1_frame: n,
            m4_frame: m4.map(|m| m.0),
            m1_time: secs(t),
            m1_retries: m1s.len() as u32 - 1,
            m4_time: m4.map(|m| secs(m.1)),
        });
        let deauth = f.marks.iter().find_map(|&(n, t, m)| match m {
            Mark::Deauth(reason) | Mark::GiveUp(reason) => Some(TruthDeauth {
                reason,
                frame: n,
                time: secs(t),
            }),
            _ => None,
        });
        let addts: Vec<TruthAddts> = f
            .marks
            .iter()
            .filter_map(|&(n, _, m)| match m {
                Mark::AddtsResponse(status) => Some(TruthAddts {
                    status,
                    up: 6,
                    frame: n,
                }),
                _ => None,
            })
            .collect();
        // A failed roam carries no voice gap: no voice went through the new AP.
        let (uplink, downlink) = if f.failed {
            (None, None)
        } else {
            (self.voice_gap(&f, 0), self.voice_gap(&f, 1))
        };
        let attempts = f.failed.then(|| {
            f.marks
                .iter()
                .filter(|x| matches!(x.2, Mark::Request | Mark::AuthStart))
                .count() as u32
        });
        // The last message the roam needed: M4 once a 4-way handshake began, else the
        // response; none for a roam that failed.
        let handshake_ns = if f.failed {
            None
        } else if m1s.is_empty() {
            f.response.map(|m| m.1 - request_t)
        } else {
            m4.map(|m| m.1 - request_t)
        };
        let fast_path_offered = ph.km.fast_path();
        let fast_path_taken = match (fast_path_offered, plan.status) {
            (FastPath::None, _) | (_, None) => None,
            (_, Some(s)) if s != 0 => Some(false),
            (FastPath::Cckm, _) => Some(plan.cckm_in_response && eap.is_empty() && m1s.is_empty()),
            (FastPath::PmkCaching, _) => Some(eap.is_empty()),
            (FastPath::FtOverTheAir | FastPath::FtOverDs, _) => {
                Some(eap.is_empty() && m1s.is_empty())
            }
        };
        let expected_findings = self.injected_findings(&f, eapol.as_ref(), &addts, options);
        let (last_old, first_new) = self.data_around(&f);
        let phases = self.truth_phases(&f, last_old, first_new);
        TruthRoam {
            station: ph.mac,
            from_bssid: self.aps[plan.from].bssid,
            to_bssid: self.aps[plan.to].bssid,
            key_management: ph.km.key_management(),
            cckm_in_request: plan.cckm_in_request,
            cckm_in_response: plan.cckm_in_response,
            tspec_in_request: if plan.tspec {
                vec![TruthTspec {
                    up: 6,
                    tid: 6,
                    direction: "bidirectional",
                }]
            } else {
                Vec::new()
            },
            addts,
            eapol,
            deauth,
            outcome: plan.outcome,
            attempts,
            outage_ms: self.outage_ms(&f),
            status: plan.status,
            request_time: secs(request_t),
            response_time: f.response.map(|r| secs(r.1)),
            request_frame,
            response_frame: f.response.map(|r| r.0),
            uplink,
            downlink,
            expected_findings,
            fast_path_offered,
            fast_path_taken,
            handshake_ms: handshake_ns.map(|h| (h as f64 / 1e3).round() / 1e3),
            roam_time_ms: last_old
                .zip(first_new)
                .map(|(a, b)| ((b.1 - a.1) as f64 / 1e3).round() / 1e3),
            phases,
            scanning: scanning(&f),
            old_ap_after_leaving: old_ap_after_leaving(&f),
        }
    }

    /// The voice gap of one direction (0 uplink, 1 downlink): the phone's last packet through
    /// the old AP before the request to its first through the new AP after it.
    fn voice_gap(&self, f: &RoamFrames, dir: usize) -> Option<TruthGap> {
        let plan = f.plan;
        let voice = |n: &&Numbered| {
            matches!(n.2, Tag::Rtp { phone, dir: d, .. } if phone == plan.phone && d == dir) && !n.3
        };
        let ap_of = |tag: Tag| match tag {
            Tag::Rtp { ap, .. } => ap,
            _ => usize::MAX,
        };
        let k_of = |tag: Tag| match tag {
            Tag::Rtp { k, .. } => k,
            _ => 0,
        };
        let request_frame = f.request.0;
        let before = f
            .numbered
            .iter()
            .rev()
            .filter(voice)
            .find(|n| n.0 < request_frame)?;
        if ap_of(before.2) != plan.from {
            return None;
        }
        let after = f
            .numbered
            .iter()
            .filter(voice)
            .find(|n| n.0 > request_frame && n.0 < f.next_request && ap_of(n.2) == plan.to);
        Some(TruthGap {
            last_before_frame: before.0,
            first_after_frame: after.map(|a| a.0),
            last_before_time: secs(before.1),
            first_after_time: after.map(|a| secs(a.1)),
            gap_ms: after.map(|a| (a.1 - before.1) as f64 / 1e6),
            lost: after.map(|a| k_of(a.2).saturating_sub(k_of(before.2) + 1)),
            measured_from: if self.phones[plan.phone].encrypted {
                GapSource::Frames
            } else {
                GapSource::Rtp
            },
        })
    }

    /// The outage: the phone's last voice packet before the request to its first after, sent
    /// by the phone or by the AP its voice resumed on (the old AP's attempts to reach a phone
    /// that left do not end it); retransmissions excluded.
    fn outage_ms(&self, f: &RoamFrames) -> Option<f64> {
        let (request_frame, request_t) = f.request;
        let resume_ap = self.phones[f.plan.phone]
            .attachments
            .iter()
            .filter(|(at, _)| *at > request_t)
            .min_by_key(|(at, _)| *at)
            .map(|(_, ap)| *ap);
        let start = f.phone_voice().rev().find(|n| n.0 < request_frame);
        let end = f.phone_voice().find(|n| {
            n.0 > request_frame
                && matches!(n.2, Tag::Rtp { dir, ap, .. } if dir == 0 || Some(ap) == resume_ap)
        });
        start
            .zip(end)
            .map(|(a, b)| ((b.1 - a.1) as f64 / 1e3).round() / 1e3)
    }

    /// The findings the plan injected into the roam, rule by rule in the order of
    /// docs/findings.md: what it built (a refusal, a response without the CCKM element, a
    /// deauthentication, resent EAPOL messages 1, a TSPEC rate the AP lacks, a refused ADDTS,
    /// a phone made weak on its old AP, a kind of roam timed slow or silent), never the
    /// analyzer's thresholds re-applied.
    fn injected_findings(
        &self,
        f: &RoamFrames,
        eapol: Option<&TruthEapol>,
        addts: &[TruthAddts],
        options: &Options,
    ) -> Vec<&'static str> {
        let plan = f.plan;
        let mut findings = Vec::new();
        if f.failed {
            findings.push(code::ROAM_FAILED);
        }
        if plan.status.is_some_and(|s| s != 0) {
            findings.push(code::REASSOC_REFUSED);
        }
        if plan.cckm_in_request && plan.status == Some(0) && !plan.cckm_in_response {
            findings.push(code::CCKM_IE_MISSING);
        }
        if f.marks.iter().any(|x| matches!(x.2, Mark::Deauth(_))) {
            findings.push(code::DEAUTH_AFTER_ROAM);
        }
        if eapol.is_some_and(|e| e.m1_retries > 0) {
            findings.push(code::EAPOL_M1_RETRY);
        }
        if plan.tspec && self.aps[plan.to].no_12mbps {
            findings.push(code::TSPEC_RATE_UNSUPPORTED);
        }
        if addts.iter().any(|a| a.status != 0) {
            findings.push(code::ADDTS_REFUSED);
        }
        // Only a link type that carries the signal shows how weak the phone was.
        if plan.sticky && options.link.carries_signal() {
            findings.push(code::STICKY_CLIENT);
        }
        if plan.kind == RoamKind::SlowResponse {
            findings.push(code::ROAM_OVER_BUDGET);
        }
        if !f.failed && plan.kind.long_silence() {
            findings.push(code::LONG_GAP);
        }
        findings
    }

    /// The phone's data around the roam (its data is its voice): its last frame through the
    /// old AP before the request and its first through the new one after, retransmissions
    /// included.
    fn data_around(&self, f: &RoamFrames) -> (Option<At>, Option<At>) {
        let plan = f.plan;
        let request_frame = f.request.0;
        let rtp_frames = |ap: usize| {
            f.numbered.iter().filter(move |n| {
                matches!(n.2, Tag::Rtp { phone, ap: a, .. } if phone == plan.phone && a == ap)
            })
        };
        let last_old = rtp_frames(plan.from)
            .rev()
            .find(|n| n.0 < request_frame)
            .map(|n| (n.0, n.1));
        let first_new = rtp_frames(plan.to)
            .find(|n| n.0 > request_frame && n.0 < f.next_request)
            .map(|n| (n.0, n.1));
        (last_old, first_new)
    }

    /// The roam's phases by their first and last frames (docs/METRICS.md), in frame order.
    fn truth_phases(
        &self,
        f: &RoamFrames,
        last_old: Option<At>,
        first_new: Option<At>,
    ) -> Vec<TruthPhase> {
        let probes = f.all(Mark::Probe);
        let eap = f.all(Mark::Eap);
        let auth = f.first(Mark::AuthStart);
        let addts_req = f.first(Mark::AddtsRequest);
        let addts_resp = f
            .marks
            .iter()
            .rev()
            .find(|x| matches!(x.2, Mark::AddtsResponse(_)))
            .map(|x| (x.0, x.1));
        // Leaving ends at the first frame to the new AP (over the DS, the FT exchange goes
        // through the old one).
        let to_new = match auth {
            Some(a) if self.phones[f.plan.phone].km != KeyMgmt::FtDs => a,
            _ => f.request,
        };
        // (name, first frame, last frame); no last frame for an exchange the other side
        // never answered.
        type Span = (PhaseName, At, Option<At>);
        let mut list: Vec<Span> = Vec::new();
        if let (Some(a), Some(b)) = (probes.first(), probes.last()) {
            list.push((PhaseName::Scanning, *a, Some(*b)));
        }
        if let Some(l) = last_old {
            list.push((PhaseName::Leaving, l, Some(to_new)));
        }
        if let Some(a) = auth {
            list.push((PhaseName::Authentication, a, f.first(Mark::AuthEnd)));
        }
        list.push((PhaseName::Reassociation, f.request, f.response));
        if let (Some(a), Some(b)) = (eap.first(), eap.last()) {
            list.push((PhaseName::Dot1x, *a, Some(*b)));
        }
        if let Some(a) = f.first(Mark::M1) {
            list.push((PhaseName::FourWayHandshake, a, f.first(Mark::M4)));
        }
        if let (Some(a), Some(b)) = (addts_req, addts_resp) {
            list.push((PhaseName::Addts, a, Some(b)));
        }
        list.retain(|(_, a, b)| b.is_none_or(|b| b.1 >= a.1));
        if let (Some(end), Some(n)) = (list.iter().filter_map(|x| x.2).max(), first_new) {
            if n.1 >= end.1 {
                list.push((PhaseName::Resuming, end, Some(n)));
            }
        }
        list.sort_by_key(|x| x.1 .0);
        list.into_iter()
            .map(|(name, a, b)| TruthPhase {
                name,
                start_frame: a.0,
                end_frame: b.map(|b| b.0),
            })
            .collect()
    }

    /// Each phone's RTP streams, one per direction, as received on the air.
    fn truth_streams(&self, numbered: &[Numbered]) -> Vec<TruthStream> {
        let mut streams = Vec::new();
        for (p, ph) in self.phones.iter().enumerate() {
            for dir in 0..2 {
                let mut received = 0u64;
                let mut duplicates = 0u64;
                let (mut lo, mut hi) = (u64::MAX, 0u64);
                let mut last_t: Option<i64> = None;
                let mut max_gap = 0i64;
                for &(_, t, tag, retry) in numbered {
                    let Tag::Rtp {
                        phone, dir: d, k, ..
                    } = tag
                    else {
                        continue;
                    };
                    if phone != p || d != dir {
                        continue;
                    }
                    if retry {
                        duplicates += 1;
                        continue;
                    }
                    received += 1;
                    lo = lo.min(k);
                    hi = hi.max(k);
                    if let Some(l) = last_t {
                        max_gap = max_gap.max(t - l);
                    }
                    last_t = Some(t);
                }
                if received == 0 {
                    continue;
                }
                let expected = hi - lo + 1;
                streams.push(TruthStream {
                    ssrc: format!("{:#010x}", ph.ssrc[dir]),
                    station: ph.mac,
                    direction: if dir == 0 {
                        Direction::Uplink
                    } else {
                        Direction::Downlink
                    },
                    received,
                    expected,
                    lost: expected - received,
                    duplicates,
                    max_gap_ms: max_gap as f64 / 1e6,
                    rtp_visible: !ph.encrypted,
                });
            }
        }
        streams
    }

    /// The keys of a really encrypted capture (`--passphrase`, `--wep-key`), and what they
    /// protect.
    pub(super) fn truth_encryption(&self) -> Option<TruthEncryption> {
        let protected = |subtype_byte: Option<u8>| {
            self.frames
                .iter()
                .filter(|f| {
                    f.bytes.len() > 1
                        && match subtype_byte {
                            Some(b) => f.bytes[0] == b,
                            None => f.bytes[0] & 0x0c == 0x08,
                        }
                        && f.bytes[1] & 0x40 != 0
                })
                .count() as u64
        };
        let group = self
            .frames
            .iter()
            .filter(|f| {
                f.bytes.len() > 4
                    && f.bytes[0] & 0x0c == 0x08
                    && f.bytes[1] & 0x40 != 0
                    && f.bytes[4] & 0x01 != 0
            })
            .count() as u64;
        if let Some(key) = &self.wep_key {
            return Some(TruthEncryption {
                passphrase: None,
                wep_key: Some(key.iter().map(|b| format!("{b:02x}")).collect()),
                ssid: self.ssid.clone(),
                cipher: None,
                handshakes: 0,
                protected_frames: protected(None),
                protected_auth_frames: protected(Some(0xb0)),
                protected_group_frames: group,
                sae_pmks: Vec::new(),
            });
        }
        self.crypto.as_ref().map(|c| TruthEncryption {
            passphrase: Some(c.passphrase.clone()),
            wep_key: None,
            protected_auth_frames: 0,
            protected_group_frames: group,
            ssid: self.ssid.clone(),
            cipher: c.tkip_gtk.map(|_| "tkip"),
            handshakes: self.phones.iter().map(|p| p.ptks.len()).sum(),
            sae_pmks: c
                .sae_pmks
                .iter()
                .map(|k| k.iter().map(|b| format!("{b:02x}")).collect())
                .collect(),
            protected_frames: protected(None),
        })
    }
}

/// Nanoseconds since the epoch as seconds, the truth's unit of time.
fn secs(t: i64) -> f64 {
    t as f64 / 1e9
}

/// The probe requests of the phone's scan before the roam.
fn scanning(f: &RoamFrames) -> Option<TruthScan> {
    let probes = f.all(Mark::Probe);
    probes.first().map(|&(n, _)| TruthScan {
        probe_requests: probes.len() as u32,
        first_frame: n,
        last_frame: probes.last().map_or(n, |p| p.0),
    })
}

/// The old AP's attempts to deliver the phone's downlink voice after it left: the frames the
/// plan made undeliverable, after the request and before the phone's next one.
fn old_ap_after_leaving(f: &RoamFrames) -> Option<TruthOldAp> {
    let plan = f.plan;
    let tries: Vec<bool> = f
        .numbered
        .iter()
        .filter(|n| {
            matches!(n.2, Tag::Rtp { phone, ap, undelivered: true, .. }
                if phone == plan.phone && ap == plan.from)
                && n.0 > f.request.0
                && n.0 < f.next_request
        })
        .map(|n| n.3)
        .collect();
    (!tries.is_empty()).then(|| TruthOldAp {
        transmissions: tries.len() as u32,
        retries: tries.iter().filter(|&&r| r).count() as u32,
        failed_deliveries: tries.iter().filter(|&&r| !r).count() as u32,
    })
}
