//! The truth of a generated capture: what it holds, read back from the frames as written (their
//! final numbers and quantized times), following `docs/METRICS.md`.

use serde::Serialize;

use super::roam::RoamKind;
use super::sim::{KeyMgmt, Mark, Sim, Tag};
use super::writer::Writer;
use super::{Generated, Options, MS};
use crate::dot11::MacAddr;

/// What the capture contains, in the format of the truth files (see `docs/METRICS.md`).
#[derive(Clone, Debug, Serialize)]
pub struct Truth {
    pub scenario: &'static str,
    pub frames: u64,
    pub malformed_frames: u64,
    pub linktype: u16,
    pub roams: Vec<TruthRoam>,
    pub streams: Vec<TruthStream>,
    pub format: &'static str,
    pub seed: u64,
    /// The group-addressed voice (paging) the APs send, in scenarios that have it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multicast: Option<TruthMulticast>,
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
    pub passphrase: Option<String>,
    /// The WEP key (hex) of a WEP network (`--wep-key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wep_key: Option<String>,
    pub ssid: String,
    /// The pairwise cipher of the PSK phones' voice when it is not CCMP: `tkip`
    /// (`--cipher tkip`, IEEE 802.11-2020 12.5.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<&'static str>,
    /// 4-way handshakes, each with real nonces and MICs.
    pub handshakes: usize,
    /// Protected data frames, CCMP, TKIP or WEP (retransmissions included).
    pub protected_frames: u64,
    /// Protected Authentication frames: the third frame of each Shared Key authentication
    /// (12.3.3.3), WEP-encrypted (retransmissions included).
    #[serde(skip_serializing_if = "is_zero")]
    pub protected_auth_frames: u64,
    /// Protected group-addressed data frames, under the GTK (key ID 1) that message 3 of
    /// each 4-way handshake delivers (included in `protected_frames`).
    #[serde(skip_serializing_if = "is_zero")]
    pub protected_group_frames: u64,
    /// SAE phones' PMKs (hex), one per SAE exchange: SAE derives them from both sides'
    /// secrets, so they are given as `--pmk`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sae_pmks: Vec<String>,
}

/// A group-addressed RTP stream from the APs (FromDS, to an IPv4 multicast group): no
/// station's traffic.
#[derive(Clone, Debug, Serialize)]
pub struct TruthMulticast {
    pub ssrc: String,
    pub group: String,
    pub destination: MacAddr,
    /// Its frames (group-addressed frames are never retransmitted: no acknowledgement).
    pub frames: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthTspec {
    pub up: u8,
    pub tid: u8,
    pub direction: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthAddts {
    pub status: u16,
    pub up: u8,
    pub frame: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthEapol {
    pub m1_frame: u64,
    pub m4_frame: Option<u64>,
    pub m1_time: f64,
    pub m1_retries: u32,
    pub m4_time: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthDeauth {
    pub reason: u16,
    pub frame: u64,
    pub time: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthGap {
    pub last_before_frame: u64,
    pub first_after_frame: Option<u64>,
    pub last_before_time: f64,
    pub first_after_time: Option<f64>,
    pub gap_ms: Option<f64>,
    pub lost: Option<u64>,
    pub measured_from: &'static str,
}

/// A phase of a roam, by its first and last frame (see `docs/METRICS.md`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TruthPhase {
    pub name: &'static str,
    pub start_frame: u64,
    /// Null for an exchange the other side never answered.
    pub end_frame: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthScan {
    pub probe_requests: u32,
    pub first_frame: u64,
    pub last_frame: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthOldAp {
    pub transmissions: u32,
    pub retries: u32,
    pub failed_deliveries: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthRoam {
    pub station: MacAddr,
    pub from_bssid: MacAddr,
    pub to_bssid: MacAddr,
    pub key_management: &'static str,
    pub cckm_in_request: bool,
    pub cckm_in_response: bool,
    pub tspec_in_request: Vec<TruthTspec>,
    pub addts: Vec<TruthAddts>,
    pub eapol: Option<TruthEapol>,
    pub deauth: Option<TruthDeauth>,
    /// What the scenario made of the roam: completed, refused, unanswered or abandoned.
    pub outcome: &'static str,
    /// For a failed roam: the authentication and (re)association requests the phone sent the
    /// new AP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The phone's last voice packet before the request to its first after it, through the AP
    /// its voice resumed on (802.11 retransmissions excluded); null when it never resumed.
    pub outage_ms: Option<f64>,
    /// Null when the new AP never answered.
    pub status: Option<u16>,
    pub request_time: f64,
    pub response_time: Option<f64>,
    pub request_frame: u64,
    pub response_frame: Option<u64>,
    pub uplink: Option<TruthGap>,
    pub downlink: Option<TruthGap>,
    pub expected_findings: Vec<&'static str>,
    pub fast_path_offered: &'static str,
    pub fast_path_taken: Option<bool>,
    /// Reassociation request → the last key message (M4, else the response); null when the
    /// new AP never answered.
    pub handshake_ms: Option<f64>,
    /// Last data on the old AP → first data on the new AP.
    pub roam_time_ms: Option<f64>,
    pub phases: Vec<TruthPhase>,
    pub scanning: Option<TruthScan>,
    pub old_ap_after_leaving: Option<TruthOldAp>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthStream {
    pub ssrc: String,
    pub station: MacAddr,
    pub direction: &'static str,
    pub received: u64,
    pub expected: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub max_gap_ms: f64,
    pub rtp_visible: bool,
}

impl Sim {
    /// Sorts, numbers and writes the frames, then reads the truth back from them.
    pub(super) fn finish(mut self, scenario: &'static str, options: &Options) -> Generated {
        let res = options.format.resolution_ns();
        self.frames.sort_by_key(|f| (f.t, f.order));
        let mut w = Writer::new(options.format, options.link);
        for f in &mut self.frames {
            f.t -= f.t.rem_euclid(res);
            w.frame(f.t, f.radio, &f.bytes);
        }
        let secs = |t: i64| t as f64 / 1e9;
        // (frame number, time, tag, retry) of every frame.
        let numbered: Vec<(u64, i64, Tag, bool)> = self
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| (i as u64 + 1, f.t, f.tag, f.retry))
            .collect();

        let mut roams = Vec::new();
        for (r, plan) in self.roams.iter().enumerate() {
            let marks: Vec<(u64, i64, Mark)> = numbered
                .iter()
                .filter_map(|&(n, t, tag, retry)| match tag {
                    Tag::Roam { roam, mark } if roam == r && !retry => Some((n, t, mark)),
                    _ => None,
                })
                .collect();
            let first = |m: Mark| marks.iter().find(|x| x.2 == m).map(|x| (x.0, x.1));
            let (request_frame, request_t) =
                first(Mark::Request).expect("every roam has a request");
            let response = first(Mark::Response);
            let failed = plan.outcome != "completed";
            let m1s: Vec<(u64, i64)> = marks
                .iter()
                .filter(|x| x.2 == Mark::M1)
                .map(|x| (x.0, x.1))
                .collect();
            let eapol = m1s.first().map(|&(f, t)| {
                let m4 = first(Mark::M4);
                TruthEapol {
                    m1_frame: f,
                    m4_frame: m4.map(|m| m.0),
                    m1_time: secs(t),
                    m1_retries: m1s.len() as u32 - 1,
                    m4_time: m4.map(|m| secs(m.1)),
                }
            });
            let deauth = marks.iter().find_map(|&(f, t, m)| match m {
                Mark::Deauth(reason) | Mark::GiveUp(reason) => Some(TruthDeauth {
                    reason,
                    frame: f,
                    time: secs(t),
                }),
                _ => None,
            });
            let by_ap = marks.iter().any(|x| matches!(x.2, Mark::Deauth(_)));
            let addts: Vec<TruthAddts> = marks
                .iter()
                .filter_map(|&(f, _, m)| match m {
                    Mark::AddtsResponse(status) => Some(TruthAddts {
                        status,
                        up: 6,
                        frame: f,
                    }),
                    _ => None,
                })
                .collect();
            // The next roam of the same phone bounds where this one's voice can resume.
            let next_request = self.roams[r + 1..]
                .iter()
                .position(|q| q.phone == plan.phone)
                .and_then(|i| {
                    let nr = r + 1 + i;
                    numbered
                        .iter()
                        .find(|x| {
                            matches!(x.2, Tag::Roam { roam, mark: Mark::Request } if roam == nr)
                                && !x.3
                        })
                        .map(|x| x.0)
                })
                .unwrap_or(u64::MAX);
            let gap = |dir: usize| -> Option<TruthGap> {
                let voice = |n: &&(u64, i64, Tag, bool)| {
                    matches!(n.2, Tag::Rtp { phone, dir: d, .. } if phone == plan.phone && d == dir)
                        && !n.3
                };
                let ap_of = |tag: Tag| match tag {
                    Tag::Rtp { ap, .. } => ap,
                    _ => usize::MAX,
                };
                let k_of = |tag: Tag| match tag {
                    Tag::Rtp { k, .. } => k,
                    _ => 0,
                };
                let before = numbered
                    .iter()
                    .rev()
                    .filter(voice)
                    .find(|n| n.0 < request_frame)?;
                if ap_of(before.2) != plan.from {
                    return None;
                }
                let after = numbered
                    .iter()
                    .filter(voice)
                    .find(|n| n.0 > request_frame && n.0 < next_request && ap_of(n.2) == plan.to);
                Some(TruthGap {
                    last_before_frame: before.0,
                    first_after_frame: after.map(|a| a.0),
                    last_before_time: secs(before.1),
                    first_after_time: after.map(|a| secs(a.1)),
                    gap_ms: after.map(|a| (a.1 - before.1) as f64 / 1e6),
                    lost: after.map(|a| k_of(a.2).saturating_sub(k_of(before.2) + 1)),
                    measured_from: if self.phones[plan.phone].encrypted {
                        "frames"
                    } else {
                        "rtp"
                    },
                })
            };
            // A failed roam carries no voice gap: no voice went through the new AP.
            let (uplink, downlink) = if failed {
                (None, None)
            } else {
                (gap(0), gap(1))
            };
            // The outage: the phone's last voice packet before the request to its first after,
            // sent by the phone or by the AP its voice resumed on (the old AP's attempts to
            // reach a phone that left do not end it); retransmissions excluded.
            let resume = self.phones[plan.phone]
                .attachments
                .iter()
                .filter(|(at, _)| *at > request_t)
                .min_by_key(|(at, _)| *at)
                .copied();
            let resume_ap = resume.map(|(_, ap)| ap);
            let phone_voice = |n: &&(u64, i64, Tag, bool)| {
                matches!(n.2, Tag::Rtp { phone, .. } if phone == plan.phone) && !n.3
            };
            let outage_start = numbered
                .iter()
                .rev()
                .filter(phone_voice)
                .find(|n| n.0 < request_frame);
            let outage_end = numbered.iter().filter(phone_voice).find(|n| {
                n.0 > request_frame
                    && matches!(n.2, Tag::Rtp { dir, ap, .. } if dir == 0 || Some(ap) == resume_ap)
            });
            let outage_ms = outage_start
                .zip(outage_end)
                .map(|(a, b)| ((b.1 - a.1) as f64 / 1e3).round() / 1e3);
            let attempts = failed.then(|| {
                marks
                    .iter()
                    .filter(|x| matches!(x.2, Mark::Request | Mark::AuthStart))
                    .count() as u32
            });
            let ph = &self.phones[plan.phone];
            let eap: Vec<(u64, i64)> = marks
                .iter()
                .filter(|x| x.2 == Mark::Eap)
                .map(|x| (x.0, x.1))
                .collect();
            let m4 = first(Mark::M4);
            // The last message the roam needed: M4 once a 4-way handshake began, else the
            // response; none for a roam that failed.
            let handshake_ns = if failed {
                None
            } else if m1s.is_empty() {
                response.map(|m| m.1 - request_t)
            } else {
                m4.map(|m| m.1 - request_t)
            };
            let fast_path_offered = ph.km.fast_path();
            let fast_path_taken = match (fast_path_offered, plan.status) {
                ("none", _) | (_, None) => None,
                (_, Some(s)) if s != 0 => Some(false),
                ("cckm", _) => Some(plan.cckm_in_response && eap.is_empty() && m1s.is_empty()),
                ("pmk-caching", _) => Some(eap.is_empty()),
                _ => Some(eap.is_empty() && m1s.is_empty()),
            };
            // What the scenario injected, rule by rule (in the order of docs/findings.md), never
            // the analyzer's thresholds re-applied: each kind of roam is timed so that its
            // silence is well under the voice budget (tens of ms) or well over it (a full EAP
            // exchange, a late EAPOL message 1, a deauthentication and a second association:
            // hundreds of ms or more), and only the slow-reassociation kind is made slow in its
            // key exchange alone.
            let mut findings = Vec::new();
            if failed {
                findings.push("roam-failed");
            }
            if plan.status.is_some_and(|s| s != 0) {
                findings.push("reassoc-refused");
            }
            if plan.cckm_in_request && plan.status == Some(0) && !plan.cckm_in_response {
                findings.push("cckm-ie-missing");
            }
            if by_ap {
                findings.push("deauth-after-roam");
            }
            if eapol.as_ref().is_some_and(|e| e.m1_retries > 0) {
                findings.push("eapol-m1-retry");
            }
            if plan.tspec && self.aps[plan.to].no_12mbps {
                findings.push("tspec-rate-unsupported");
            }
            if addts.iter().any(|a| a.status != 0) {
                findings.push("addts-refused");
            }
            let sticky = options.link.carries_signal()
                && ph.weak.iter().any(|&(a, b, ap)| {
                    ap == plan.from && request_t >= a && request_t <= b + 20 * MS
                });
            if sticky {
                findings.push("sticky-client");
            }
            if plan.kind == RoamKind::SlowResponse {
                findings.push("roam-over-budget");
            }
            if !failed && plan.kind.long_silence() {
                findings.push("long-gap");
            }
            // The phone's data is its voice: its last frame through the old AP before the
            // request (retransmissions included) and its first through the new one after.
            let rtp_frames = |ap: usize| {
                numbered.iter().filter(move |n| {
                    matches!(n.2, Tag::Rtp { phone, ap: a, .. } if phone == plan.phone && a == ap)
                })
            };
            let last_old = rtp_frames(plan.from)
                .rev()
                .find(|n| n.0 < request_frame)
                .map(|n| (n.0, n.1));
            let first_new = rtp_frames(plan.to)
                .find(|n| n.0 > request_frame && n.0 < next_request)
                .map(|n| (n.0, n.1));
            let phases = {
                let probes: Vec<(u64, i64)> = marks
                    .iter()
                    .filter(|x| x.2 == Mark::Probe)
                    .map(|x| (x.0, x.1))
                    .collect();
                let auth = first(Mark::AuthStart);
                let addts_req = first(Mark::AddtsRequest);
                let addts_resp = marks
                    .iter()
                    .rev()
                    .find(|x| matches!(x.2, Mark::AddtsResponse(_)))
                    .map(|x| (x.0, x.1));
                let request = (request_frame, request_t);
                // Leaving ends at the first frame to the new AP (over the DS, the FT exchange
                // goes through the old one).
                let to_new = match auth {
                    Some(a) if ph.km != KeyMgmt::FtDs => a,
                    _ => request,
                };
                // (name, (first frame, time), (last frame, time)); no last frame for an
                // exchange the other side never answered.
                type Span = (&'static str, (u64, i64), Option<(u64, i64)>);
                let mut list: Vec<Span> = Vec::new();
                if let (Some(a), Some(b)) = (probes.first(), probes.last()) {
                    list.push(("scanning", *a, Some(*b)));
                }
                if let Some(l) = last_old {
                    list.push(("leaving", l, Some(to_new)));
                }
                if let Some(a) = first(Mark::AuthStart) {
                    list.push(("authentication", a, first(Mark::AuthEnd)));
                }
                list.push(("reassociation", request, response));
                if let (Some(a), Some(b)) = (eap.first(), eap.last()) {
                    list.push(("802.1x", *a, Some(*b)));
                }
                if let Some(a) = m1s.first() {
                    list.push(("4-way-handshake", *a, m4));
                }
                if let (Some(a), Some(b)) = (addts_req, addts_resp) {
                    list.push(("addts", a, Some(b)));
                }
                list.retain(|(_, a, b)| b.is_none_or(|b| b.1 >= a.1));
                if let (Some(end), Some(f)) = (list.iter().filter_map(|x| x.2).max(), first_new) {
                    if f.1 >= end.1 {
                        list.push(("resuming", end, Some(f)));
                    }
                }
                list.sort_by_key(|x| x.1 .0);
                list.into_iter()
                    .map(|(name, a, b)| TruthPhase {
                        name,
                        start_frame: a.0,
                        end_frame: b.map(|b| b.0),
                    })
                    .collect::<Vec<_>>()
            };
            let scanning = {
                let probes: Vec<u64> = marks
                    .iter()
                    .filter(|x| x.2 == Mark::Probe)
                    .map(|x| x.0)
                    .collect();
                probes.first().map(|&f| TruthScan {
                    probe_requests: probes.len() as u32,
                    first_frame: f,
                    last_frame: *probes.last().unwrap_or(&f),
                })
            };
            let old_ap_after_leaving = {
                let tries: Vec<(u64, bool)> = numbered
                    .iter()
                    .filter_map(|n| match n.2 {
                        Tag::Rtp {
                            phone,
                            dir: 1,
                            k,
                            ap,
                        } if phone == plan.phone
                            && ap == plan.from
                            && n.0 > request_frame
                            && n.0 < next_request
                            && n.1 - request_t <= 5_000 * MS
                            // After a failed roam the phone is back: those frames reach it.
                            && !(failed && resume.is_some_and(|(at, _)| n.1 >= at)) =>
                        {
                            Some((k, n.3))
                        }
                        _ => None,
                    })
                    .collect();
                (!tries.is_empty()).then(|| TruthOldAp {
                    transmissions: tries.len() as u32,
                    retries: tries.iter().filter(|t| t.1).count() as u32,
                    failed_deliveries: tries.iter().filter(|t| !t.1).count() as u32,
                })
            };
            roams.push(TruthRoam {
                station: ph.mac,
                from_bssid: self.aps[plan.from].bssid,
                to_bssid: self.aps[plan.to].bssid,
                key_management: ph.km.name(),
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
                outage_ms,
                status: plan.status,
                request_time: secs(request_t),
                response_time: response.map(|r| secs(r.1)),
                request_frame,
                response_frame: response.map(|r| r.0),
                uplink,
                downlink,
                expected_findings: findings,
                fast_path_offered,
                fast_path_taken,
                handshake_ms: handshake_ns.map(|h| (h as f64 / 1e3).round() / 1e3),
                roam_time_ms: last_old
                    .zip(first_new)
                    .map(|(a, b)| ((b.1 - a.1) as f64 / 1e3).round() / 1e3),
                phases,
                scanning,
                old_ap_after_leaving,
            });
        }
        roams.sort_by_key(|r| r.request_frame);

        let mut streams = Vec::new();
        for (p, ph) in self.phones.iter().enumerate() {
            for dir in 0..2 {
                let mut received = 0u64;
                let mut duplicates = 0u64;
                let (mut lo, mut hi) = (u64::MAX, 0u64);
                let mut last_t: Option<i64> = None;
                let mut max_gap = 0i64;
                for &(_, t, tag, retry) in &numbered {
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
                    direction: if dir == 0 { "uplink" } else { "downlink" },
                    received,
                    expected,
                    lost: expected - received,
                    duplicates,
                    max_gap_ms: max_gap as f64 / 1e6,
                    rtp_visible: !ph.encrypted,
                });
            }
        }
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
