//! Diagnosis: rules that read a finished [`Roam`] and name what went wrong, with the frames
//! that show it and the fix. Every rule is documented in `docs/findings.md`; codes are stable.

use serde::Serialize;

use super::{Config, MissedRoam, Outcome, Roam, VoiceGap};
use crate::dot11::ie::KeyManagement;

/// How much a finding hurts the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no audible effect by itself.
    Info,
    /// Degrades roaming; may be audible.
    Warning,
    /// Causes an audible gap or a dropped call.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One diagnosis of a roam.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable identifier, e.g. `cckm-ie-missing`.
    pub code: &'static str,
    pub severity: Severity,
    /// What happened, with frame numbers and figures.
    pub message: String,
    /// The frames that show it (1-based).
    pub evidence: Vec<u64>,
    /// What to change.
    pub fix: &'static str,
    /// Shows the evidence in Wireshark: the station's frames from the first evidence frame to
    /// the last.
    pub wireshark_filter: String,
}

pub mod code {
    pub const ROAM_FAILED: &str = "roam-failed";
    pub const CCKM_IE_MISSING: &str = "cckm-ie-missing";
    pub const DEAUTH_AFTER_ROAM: &str = "deauth-after-roam";
    pub const EAPOL_M1_RETRY: &str = "eapol-m1-retry";
    pub const ADDTS_REFUSED: &str = "addts-refused";
    pub const LONG_GAP: &str = "long-gap";
    pub const REASSOC_REFUSED: &str = "reassoc-refused";
    pub const FULL_REAUTH: &str = "full-reauth";
    pub const TSPEC_RATE_UNSUPPORTED: &str = "tspec-rate-unsupported";
    pub const STICKY_CLIENT: &str = "sticky-client";
    pub const ROAM_OVER_BUDGET: &str = "roam-over-budget";
    pub const UNCOVERED_CHANNEL: &str = "uncovered-channel";

    /// Every code, in the order rules run.
    pub const ALL: [&str; 12] = [
        ROAM_FAILED,
        REASSOC_REFUSED,
        CCKM_IE_MISSING,
        FULL_REAUTH,
        DEAUTH_AFTER_ROAM,
        EAPOL_M1_RETRY,
        TSPEC_RATE_UNSUPPORTED,
        ADDTS_REFUSED,
        STICKY_CLIENT,
        ROAM_OVER_BUDGET,
        LONG_GAP,
        UNCOVERED_CHANNEL,
    ];
}

const FIX_CCKM: &str =
    "Enable Call Admission Control on the SSID of the new AP (`admit-traffic` under \
     the SSID of an autonomous IOS AP; WMM/CAC on a controller), so that the AP answers the CCKM \
     reassociation with its CCKM element and the phone need not re-authenticate.";
const FIX_DEAUTH: &str =
    "Check the AP/controller log for the station at that time. Reason 2 (previous \
     authentication no longer valid) right after a reassociation usually means the new AP did not \
     get the station's key context (CCKM/OKC/FT key distribution between APs, WDS/controller \
     mobility); make sure both APs share it.";
const FIX_M1: &str =
    "The station was not ready for EAPOL message 1 and the AP waited for its retry \
     timer (~1 s by default). Lower the EAPOL-Key timeout on the AP/controller (e.g. 200-400 ms), \
     or use a fast-roaming key management (CCKM, FT) so that no 4-way handshake is needed.";
const FIX_ADDTS: &str = "The AP refused the TSPEC: check Call Admission Control on the AP (voice \
     bandwidth/max calls), and that the PHY rate the TSPEC asks for (its minimum PHY rate, often \
     12 Mb/s or 6 Mb/s) is enabled as a supported/mandatory rate.";
const FIX_GAP: &str = "Look at the roam's phases: which one took the time (authentication, \
     reassociation, 802.1X/EAP, EAPOL, ADDTS) is named in the other findings; without one, check \
     the station's scanning and the overlap of the APs' coverage.";
const FIX_FULL_REAUTH: &str = "The station offered a fast roam but still had to authenticate from \
     scratch: the new AP did not have its key. Make the key reach every AP: CCKM keys through the \
     WLC/WDS, FT (802.11r) enabled on the WLAN with the same mobility domain on both APs, OKC or \
     PMK caching enabled, the APs in the same mobility group.";
const FIX_TSPEC_RATE: &str =
    "The new AP does not list the PHY rate the TSPEC requires: enable that \
     rate (12 Mb/s is often disabled) as a supported rate on the AP's radio, or configure the \
     phone's TSPEC / admission control to a rate the AP offers.";
const FIX_STICKY: &str = "The phone held on to its old AP far below a usable signal before it \
     roamed: review its roaming trigger (scan threshold, roam delta) and the APs' coverage overlap \
     (cells should overlap by 15-20 % at -67 dBm for voice).";
const FIX_REFUSED: &str = "The new AP refused the reassociation: see the status code. Check the \
     station's security settings match the SSID's on the new AP, the AP's client limit, and \
     whether admission control refused the TSPEC in the request.";

const FIX_UNANSWERED: &str = "The new AP never answered the station. Check that the AP hears the \
     station at all (an AP whose beacons reach the phone while it cannot hear the phone's \
     weaker transmitter: compare the AP's transmit power with the phone's), the AP's client \
     limit, MAC filter or band steering (some APs ignore a station instead of refusing it), and \
     whether its radio is hung; on the phone, a shorter association timeout brings it back sooner.";
const FIX_REFUSED_ROAM: &str = "The station could not join the new AP, so every roam to it costs \
     this outage: the refusal's status code says why (an authentication refused: the algorithm \
     or key the station offered; a reassociation refused: see reassoc-refused). Until it is \
     fixed, keep the phones off that AP (its SSID, band or client limit).";
const FIX_ABANDONED: &str = "The new AP accepted the station, but it left before its keys were \
     installed or its voice flowed: look at the key exchange in the roam's phases (EAPOL messages \
     unanswered: a passphrase or PMK that differs between the APs, a RADIUS server that did not \
     answer) and at the reason of any deauthentication the AP sent.";

const FIX_BUDGET: &str = "The key exchange took longer than this key management should: look at \
     the slow step in the roam's phases (a late EAPOL message, a slow RADIUS server behind an \
     802.1X exchange, a busy controller answering the reassociation). For voice, use a fast \
     roaming key management (FT or CCKM) and keep the AAA server close to the controller.";
const FIX_UNCOVERED: &str = "The sniffer was not listening on the new AP's channel when the phone \
     roamed, so the roam's frames are missing. Capture every channel the phones roam between (one \
     sniffer per channel, merged with `roamgap analyze --merge`), or lock a sniffer to the channel \
     of each AP of interest.";

/// The budget of a roam's key management and its name, for the rule `roam-over-budget`.
pub fn budget(roam: &Roam, config: &Config) -> Option<(f64, &'static str)> {
    use KeyManagement as K;
    Some(match roam.key_management? {
        K::Cckm | K::FtPsk | K::FtDot1x | K::FtSae => (config.budget_fast_ms, "CCKM/FT"),
        K::Open | K::Wep => (config.budget_fast_ms, "open/WEP"),
        K::Dot1x if roam.eap.is_some() => (config.budget_dot1x_ms, "802.1X"),
        K::Dot1x => (config.budget_psk_ms, "802.1X with a cached PMK"),
        K::Psk | K::Sae | K::Owe => (config.budget_psk_ms, "PSK/SAE"),
    })
}

/// Rules for a roam the sniffer saw only by its effect.
pub fn evaluate_missed(m: &MissedRoam) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(false), Some(_)) = (m.channel_captured, m.to_channel) {
        let ch = super::channel_text(m.to_channel, m.to_band);
        out.push(Finding {
            code: code::UNCOVERED_CHANNEL,
            severity: Severity::Warning,
            message: format!(
                "the station's data moved from {}{} (frame {}) to {} on channel {ch} (frame {}, {:.1} ms later) \
                 with no reassociation captured: the sniffer captured nothing on channel {ch} in between",
                m.from_bssid,
                m.from_channel
                    .map(|_| format!(" on channel {}", super::channel_text(m.from_channel, m.from_band)))
                    .unwrap_or_default(),
                m.last_frame_old,
                m.to_bssid,
                m.first_frame_new,
                m.gap_ms
            ),
            evidence: vec![m.last_frame_old, m.first_frame_new],
            fix: FIX_UNCOVERED,
            wireshark_filter: String::new(),
        });
    }
    out
}

/// `roam-failed`: the attempt to join the new AP failed; what it cost and where the station
/// went.
fn roam_failed(roam: &Roam) -> Option<Finding> {
    let f = roam.failure.as_ref()?;
    let how = match roam.outcome {
        Outcome::Unanswered => "the new AP never answered".to_string(),
        Outcome::Refused => format!(
            "the new AP refused it (status {}{})",
            f.last_status.map_or_else(|| "?".into(), |s| s.to_string()),
            f.last_status
                .map(|s| format!(", {}", crate::dot11::mgmt::status_name(s)))
                .unwrap_or_default()
        ),
        _ => "the new AP accepted it, but the station left before its keys or data".to_string(),
    };
    let gave_up = f
        .gave_up_frame
        .map(|g| format!(", then gave up with a deauthentication (frame {g})"))
        .unwrap_or_default();
    let next = match (f.next_bssid, f.next_frame) {
        (Some(b), Some(n)) if b == roam.from_bssid => {
            format!("the station went back to {b} (frame {n})")
        }
        (Some(b), Some(n)) => format!("the station went on to {b} (frame {n})"),
        _ => "the capture shows no further frame of the station".to_string(),
    };
    let outage = match (roam.outage_ms, &roam.outage) {
        (Some(ms), Some(o)) => format!(
            "; its user data stopped for {ms:.1} ms (frames {}-{})",
            o.last_data_frame,
            o.first_data_frame.unwrap_or(0)
        ),
        (None, Some(o)) => o
            .capture_ended_after_ms
            .map(|ms| {
                format!(
                    "; its user data stopped at frame {} and had not resumed {ms:.1} ms later, when the capture ended",
                    o.last_data_frame
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut evidence = vec![f.first_frame, roam.request_frame, f.last_frame];
    evidence.extend(f.next_frame);
    evidence.sort_unstable();
    evidence.dedup();
    Some(Finding {
        code: code::ROAM_FAILED,
        severity: Severity::Error,
        message: format!(
            "the roam to {} failed ({}): {how} after {} request{} over {:.1} ms (frames {}-{}){gave_up}; {next}{outage}",
            roam.to_bssid,
            roam.outcome.as_str(),
            f.attempts,
            if f.attempts == 1 { "" } else { "s" },
            f.duration_ms,
            f.first_frame,
            f.last_frame,
        ),
        evidence,
        fix: match roam.outcome {
            Outcome::Unanswered => FIX_UNANSWERED,
            Outcome::Refused => FIX_REFUSED_ROAM,
            _ => FIX_ABANDONED,
        },
        wireshark_filter: String::new(),
    })
}

/// Runs every rule on a roam.
pub fn evaluate(roam: &Roam, config: &Config) -> Vec<Finding> {
    let mut out: Vec<Finding> = roam_failed(roam).into_iter().collect();
    let frames = |list: &[Option<u64>]| list.iter().flatten().copied().collect::<Vec<u64>>();

    if let Some(status) = roam.status.filter(|&s| s != 0) {
        out.push(Finding {
            code: code::REASSOC_REFUSED,
            severity: Severity::Error,
            message: format!(
                "{} to {} refused with status {status} ({}) in frame {}",
                if roam.reassociation {
                    "reassociation"
                } else {
                    "association"
                },
                roam.to_bssid,
                roam.status_name.unwrap_or("unknown"),
                roam.response_frame.unwrap_or(0),
            ),
            evidence: frames(&[Some(roam.request_frame), roam.response_frame]),
            fix: FIX_REFUSED,
            wireshark_filter: String::new(),
        });
    }

    if roam.cckm_in_request && roam.status == Some(0) && !roam.cckm_in_response {
        let mut message = format!(
            "the reassociation request (frame {}) offers CCKM but the response (frame {}) has no CCKM element",
            roam.request_frame,
            roam.response_frame.unwrap_or(0)
        );
        let mut evidence = frames(&[Some(roam.request_frame), roam.response_frame]);
        match (&roam.eap, &roam.eapol) {
            (Some(eap), _) => {
                message.push_str(&format!(
                    ": the phone fell back to a full 802.1X/EAP authentication (frames {}-{}, {:.1} ms)",
                    eap.first_frame, eap.last_frame, eap.duration_ms
                ));
                evidence.push(eap.first_frame);
            }
            (None, Some(k)) => {
                message.push_str(&format!(
                    ": a 4-way handshake followed (M1 in frame {})",
                    k.m1_frame
                ));
                evidence.push(k.m1_frame);
            }
            (None, None) => message.push_str(": the phone cannot use the fast (CCKM) path"),
        }
        out.push(Finding {
            code: code::CCKM_IE_MISSING,
            severity: Severity::Error,
            message,
            evidence,
            fix: FIX_CCKM,
            wireshark_filter: String::new(),
        });
    }

    // A fast path offered, and a full authentication all the same (unless the missing CCKM
    // element above already explains it).
    let cckm_missing = roam.cckm_in_request && roam.status == Some(0) && !roam.cckm_in_response;
    if let (false, Some(eap)) = (
        roam.fast_path_offered == super::FastPath::None || cckm_missing,
        &roam.eap,
    ) {
        out.push(Finding {
            code: code::FULL_REAUTH,
            severity: Severity::Error,
            message: format!(
                "the station offered a fast roam ({}) but a full 802.1X/EAP authentication followed (frames {}-{}, {:.1} ms)",
                roam.fast_path_offered, eap.first_frame, eap.last_frame, eap.duration_ms
            ),
            evidence: vec![roam.request_frame, eap.first_frame, eap.last_frame],
            fix: FIX_FULL_REAUTH,
            wireshark_filter: String::new(),
        });
    }

    // The AP's deauthentication: the station's own is the station leaving (a failed roam says
    // so).
    if let Some(d) = roam.deauth.as_ref().filter(|d| !d.by_station) {
        out.push(Finding {
            code: code::DEAUTH_AFTER_ROAM,
            severity: Severity::Error,
            message: format!(
                "the new AP sent a {} {:.1} ms after the reassociation request, reason {} ({}), frame {}",
                if d.disassociation {
                    "disassociation"
                } else {
                    "deauthentication"
                },
                d.after_ms,
                d.reason,
                d.reason_name,
                d.frame
            ),
            evidence: vec![d.frame],
            fix: FIX_DEAUTH,
            wireshark_filter: String::new(),
        });
    }

    if let Some(k) = roam.eapol.as_ref().filter(|k| k.m1_retries > 0) {
        let delays: Vec<String> = k
            .m1_retry_delays_ms
            .iter()
            .map(|d| format!("{d:.1} ms"))
            .collect();
        let mut evidence = vec![k.m1_frame];
        evidence.extend(k.m4_frame);
        out.push(Finding {
            code: code::EAPOL_M1_RETRY,
            severity: if k.m1_retry_delays_ms.iter().any(|&d| d >= 500.0) {
                Severity::Error
            } else {
                Severity::Warning
            },
            message: format!(
                "EAPOL message 1 (first in frame {}) was sent {} more time{} after {}{}",
                k.m1_frame,
                k.m1_retries,
                if k.m1_retries == 1 { "" } else { "s" },
                delays.join(", "),
                if roam.key_management == Some(KeyManagement::Psk) {
                    " (the WPA-PSK EAPOL retry timer)"
                } else {
                    ""
                }
            ),
            evidence,
            fix: FIX_M1,
            wireshark_filter: String::new(),
        });
    }

    if !roam.new_ap_rates_mbps.is_empty() {
        for t in roam.tspec.iter().filter(|t| t.min_phy_rate > 0) {
            let mbps = f64::from(t.min_phy_rate) / 1e6;
            if !roam
                .new_ap_rates_mbps
                .iter()
                .any(|&r| (r - mbps).abs() < 0.01)
            {
                let listed: Vec<String> = roam
                    .new_ap_rates_mbps
                    .iter()
                    .map(|r| format!("{r}"))
                    .collect();
                out.push(Finding {
                    code: code::TSPEC_RATE_UNSUPPORTED,
                    severity: Severity::Error,
                    message: format!(
                        "the TSPEC (TID {}) in the request (frame {}) asks for a minimum PHY rate of {mbps} Mb/s, which {} does not offer (its beacons list {} Mb/s)",
                        t.tid,
                        roam.request_frame,
                        roam.to_bssid,
                        listed.join(", ")
                    ),
                    evidence: vec![roam.request_frame],
                    fix: FIX_TSPEC_RATE,
                    wireshark_filter: String::new(),
                });
            }
        }
    }

    for a in roam.addts.iter().filter(|a| a.status != 0) {
        out.push(Finding {
            code: code::ADDTS_REFUSED,
            severity: Severity::Error,
            message: format!(
                "ADDTS response (frame {}) refused the traffic stream{}: status {} ({})",
                a.frame,
                a.tid.map(|t| format!(" TID {t}")).unwrap_or_default(),
                a.status,
                a.status_name
            ),
            evidence: frames(&[a.request_frame, Some(a.frame)]),
            fix: FIX_ADDTS,
            wireshark_filter: String::new(),
        });
    }

    if let Some(dbm) = roam.signal_before_dbm.filter(|&d| d < config.sticky_dbm) {
        let mut evidence: Vec<u64> = roam.last_data_frame_old.into_iter().collect();
        evidence.push(roam.request_frame);
        out.push(Finding {
            code: code::STICKY_CLIENT,
            severity: Severity::Warning,
            message: format!(
                "the station was heard at {dbm} dBm on {} before it roamed (below {} dBm): it stayed too long",
                roam.from_bssid, config.sticky_dbm
            ),
            evidence,
            fix: FIX_STICKY,
            wireshark_filter: String::new(),
        });
    }

    // The key exchange over its key management's budget, unless a rule above already names
    // the cause; when the voice gap is over its own budget too, `long-gap` says it instead.
    let explained = out.iter().any(|f| {
        [
            code::REASSOC_REFUSED,
            code::CCKM_IE_MISSING,
            code::FULL_REAUTH,
            code::DEAUTH_AFTER_ROAM,
            code::EAPOL_M1_RETRY,
        ]
        .contains(&f.code)
    });
    let slow_keys = budget(roam, config)
        .zip(roam.handshake_ms)
        .filter(|&((b, _), ms)| {
            roam.status == Some(0) && !roam.outcome.failed() && ms > b && !explained
        })
        .map(|((b, name), ms)| (b, name, ms));
    let key_evidence = || -> Vec<u64> {
        let mut e = vec![roam.request_frame];
        e.extend(
            roam.eapol
                .as_ref()
                .and_then(|k| k.m4_frame)
                .or(roam.response_frame),
        );
        e
    };

    fn over(g: &Option<VoiceGap>, budget: f64) -> Option<(f64, &VoiceGap)> {
        g.as_ref()
            .and_then(|g| g.gap_ms.filter(|&ms| ms > budget).map(|ms| (ms, g)))
    }
    let long: Vec<(&str, f64, &VoiceGap)> = [
        ("uplink", over(&roam.uplink, config.gap_budget_ms)),
        ("downlink", over(&roam.downlink, config.gap_budget_ms)),
    ]
    .into_iter()
    .filter_map(|(d, g)| g.map(|(ms, g)| (d, ms, g)))
    .collect();
    if let (true, Some((b, name, ms))) = (long.is_empty(), slow_keys) {
        out.push(Finding {
            code: code::ROAM_OVER_BUDGET,
            severity: Severity::Warning,
            message: format!(
                "the key exchange took {ms:.1} ms (reassociation request in frame {} to the last key message), over the {b} ms budget of {name} roams",
                roam.request_frame
            ),
            evidence: key_evidence(),
            fix: FIX_BUDGET,
            wireshark_filter: String::new(),
        });
    }
    if !long.is_empty() {
        let parts: Vec<String> = long
            .iter()
            .map(|(d, ms, g)| {
                format!(
                    "{d} {ms:.1} ms (frames {}-{}{})",
                    g.last_before_frame.unwrap_or(0),
                    g.first_after_frame.unwrap_or(0),
                    g.lost
                        .map(|l| if g.lost_estimated { format!(", ~{l} packets lost, estimated from the cadence of the encrypted voice") } else { format!(", {l} RTP packets lost") })
                        .unwrap_or_default()
                )
            })
            .collect();
        let mut evidence: Vec<u64> = long
            .iter()
            .flat_map(|(_, _, g)| [g.last_before_frame, g.first_after_frame])
            .flatten()
            .collect();
        let keys = slow_keys
            .map(|(b, name, ms)| {
                evidence.extend(key_evidence());
                format!("; the key exchange alone took {ms:.1} ms, over the {b} ms budget of {name} roams")
            })
            .unwrap_or_default();
        out.push(Finding {
            code: code::LONG_GAP,
            severity: Severity::Error,
            message: format!(
                "voice gap over the {} ms budget: {}{keys}",
                config.gap_budget_ms,
                parts.join("; ")
            ),
            evidence,
            fix: FIX_GAP,
            wireshark_filter: String::new(),
        });
    }
    out
}

/// Why a frame is suspect: it names an address nothing else in the capture corroborates
/// (`docs/METRICS.md`, "Suspect frames").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suspect {
    /// A (re)association request to a BSSID no other frame names.
    Request,
    /// A (re)association request, the only frame of its station.
    Station,
    /// The station's data through a BSSID no other frame names.
    Data,
}

/// The note that names a suspect frame.
pub(crate) fn suspect_frame(kind: Suspect, frame: u64, bssid: crate::dot11::MacAddr) -> String {
    const UNNAMED: &str =
        "which no other frame of the capture names (no beacon, answer, data or second request)";
    match kind {
        Suspect::Request => format!(
            "suspect frame {frame}: a (re)association request to {bssid}, {UNNAMED}: a damaged address, not a roam"
        ),
        Suspect::Station => format!(
            "suspect frame {frame}: a (re)association request to {bssid}, the only frame of this station: possibly a damaged station address, not counted as a roam"
        ),
        Suspect::Data => format!(
            "suspect frame {frame}: data through {bssid}, {UNNAMED}: a damaged address, not a roam the sniffer missed"
        ),
    }
}
