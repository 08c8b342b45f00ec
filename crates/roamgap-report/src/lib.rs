//! roamgap's analysis → what a person reads: a terminal table, a summary, JSON, CSV and JSON
//! lines for tools (the contracts are `docs/JSON.md` and `docs/EXPORTS.md`), and the HTML
//! report directory with its plots (a second pass over the capture collects what they draw).
//!
//! ```
//! use roamgap::analysis::Config;
//! use roamgap::pipeline::{Outcome, Pipeline};
//! use roamgap_report::{render_table, Report};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/cckm-ok.pcap");
//! let run = Pipeline::new(&Config::default()).run(&[path.into()]);
//! let Outcome::Separate(analyses) = run.outcome else { unreachable!("not merged") };
//! let report = Report::new(analyses);
//! assert!(render_table(&report).contains("Roams (2):"));
//! let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
//! assert_eq!(json["roams"][0]["outcome"], "completed");
//! ```
#![deny(unsafe_code)]

mod export;
pub mod html;
pub mod plot;
pub mod progress;
pub mod summary;
mod table;
pub mod text;
pub mod time;
pub mod traces;

use std::collections::BTreeMap;

use serde::Serialize;

use roamgap::analysis::Analysis;
use roamgap::analysis::{BssReport, MissedRoam, Note, Roam, StreamReport};
use roamgap::pipeline::{CaptureAnalysis, CaptureSummary, MergeInfo, MergedAnalysis};
use roamgap_wire::dot11::MacAddr;

pub use export::{findings_csv, roams_csv, roams_jsonl, FINDING_COLUMNS, ROAM_COLUMNS};
pub use table::{render_table, render_table_with};

/// Rows a list for a person (the terminal table, `summary`, the HTML page) shows in full:
/// roams, findings, roams not captured, stations, AP pairs, RTP streams, BSSs, notes. Beyond
/// it the list says how many it left out and where they all are: the data files (JSON, JSON
/// lines, CSV) keep everything. `docs/EXPORTS.md`, "Limits".
pub const MAX_LISTED: usize = 200;

/// How a list that stops at [`MAX_LISTED`] ends: `None` when nothing was left out.
pub(crate) fn left_out(total: usize, what: &str, all_in: &str) -> Option<String> {
    (total > MAX_LISTED).then(|| {
        format!(
            "{} more {what} not listed here ({MAX_LISTED} of {total} shown); all of them are in {all_in}",
            total - MAX_LISTED
        )
    })
}

/// Items joined by `sep`, at most [`MAX_LISTED`] of them, then how many more there are.
pub fn join_listed(items: impl ExactSizeIterator<Item = String>, sep: &str) -> String {
    let total = items.len();
    let mut out: Vec<String> = items.take(MAX_LISTED).collect();
    if total > MAX_LISTED {
        out.push(format!("{} more", total - MAX_LISTED));
    }
    out.join(sep)
}

/// The roams a list for a person shows, as indices into `report.roams` in the report's order:
/// all of them up to [`MAX_LISTED`]; beyond, the worst ones: the most severe findings first,
/// then failed roams, then the longest voice gaps (a later roam never displaces an earlier one
/// of the same rank).
pub(crate) fn listed_roams(report: &Report) -> Vec<usize> {
    let mut order: Vec<usize> = (0..report.roams.len()).collect();
    if order.len() <= MAX_LISTED {
        return order;
    }
    let rank = |r: &Roam| {
        (
            r.findings
                .iter()
                .map(|f| f.severity as u8 + 1)
                .max()
                .unwrap_or(0),
            r.outcome.failed(),
        )
    };
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&report.roams[a], &report.roams[b]);
        rank(rb).cmp(&rank(ra)).then_with(|| {
            let g = |r: &Roam| roam_gap(r).unwrap_or(f64::NEG_INFINITY);
            g(rb).total_cmp(&g(ra))
        })
    });
    order.truncate(MAX_LISTED);
    order.sort_unstable();
    order
}

/// A finding with the roam it belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FindingRef<'a> {
    pub(crate) capture: usize,
    pub(crate) station: MacAddr,
    /// The roam's request frame; null for a roam seen only by its effect.
    pub(crate) roam_frame: Option<u64>,
    pub(crate) from_bssid: MacAddr,
    pub to_bssid: MacAddr,
    pub finding: &'a roamgap::analysis::findings::Finding,
}

/// A link type as reported: number and name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct LinkTypeReport {
    pub(crate) linktype: u32,
    pub(crate) name: &'static str,
    /// Records of this link type in the capture.
    pub(crate) frames: Option<u64>,
}

/// A frame roamgap could not (fully) decode, or where reading stopped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct IssueReport {
    pub(crate) frame: u64,
    pub(crate) message: String,
}

/// What one capture file contained.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaptureReport {
    pub file: String,
    /// `pcap`, `pcap (ns)` or `pcapng`.
    pub(crate) format: String,
    pub(crate) linktypes: Vec<LinkTypeReport>,
    /// Records read (damaged ones included; a record cut by the end of the file is not).
    pub frames: u64,
    pub(crate) first_time: Option<f64>,
    pub(crate) last_time: Option<f64>,
    pub(crate) duration_s: Option<f64>,
    /// Frames per `wlan.fc.type_subtype` (`"0x%04x"`), as Wireshark counts them.
    pub(crate) type_subtype: BTreeMap<String, u64>,
    pub(crate) retries: u64,
    pub(crate) protected: u64,
    /// Frames the sniffer marked with a bad FCS: counted and skipped.
    pub(crate) bad_fcs: u64,
    /// Frames (or parts of them) that could not be decoded.
    pub(crate) malformed: u64,
    /// Frames cut short by the sniffer's snapshot length, decoded as far as they go.
    pub(crate) cut_by_snaplen: u64,
    /// EAPOL-Key frames per message number 1–4.
    pub(crate) eapol_key_msg: BTreeMap<String, u64>,
    pub(crate) rtp_packets: u64,
    pub(crate) stations: usize,
    pub bss: Vec<BssReport>,
    /// Records of link types roamgap does not read (skipped).
    pub(crate) unsupported_frames: u64,
    /// Ethernet records that are not remote capture (skipped).
    pub(crate) not_wireless_frames: u64,
    /// Frames of an 802.11 protocol version other than 0 (skipped, not typed).
    pub(crate) unknown_version_frames: u64,
    /// Set when `--fcs auto` found the FCS wrong on (nearly) every frame that carries one at
    /// the start of the capture and analyzed it with the FCS ignored.
    pub(crate) fcs_ignored: Option<FcsIgnored>,
    /// Set when frames are timestamped earlier than a frame before them (`METRICS.md`, "Time
    /// going backwards").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_steps_back: Option<roamgap::pipeline::TimeStepsBack>,
    /// What reading stepped over or read doubtfully: damaged records and blocks (each region
    /// named with its offset, length and the frames around it), a compressed stream cut short
    /// or followed by other bytes, timestamps missing, clamped or of a doubtful resolution.
    /// One line each, for a person; the frames read past the damage are analyzed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) reading: Vec<String>,
    /// Regions of the file stepped over, and their bytes.
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) skipped_regions: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) skipped_bytes: u64,
    /// Set when the file ends (or is damaged) in the middle of a record.
    pub(crate) truncated: Option<IssueReport>,
    /// The first malformed frames, with what is wrong.
    pub(crate) issues: Vec<IssueReport>,
    pub(crate) notes: Vec<Note>,
    /// When merged with other captures: added to this file's timestamps to put them on the
    /// first file's clock.
    pub(crate) clock_offset_ms: Option<f64>,
    /// Beacons this file shares with the files it was aligned to.
    pub(crate) clock_anchors: Option<usize>,
    /// Frames dropped as copies of frames another sniffer captured.
    pub(crate) duplicates_removed: Option<u64>,
    /// When keys were given: what they decrypted.
    pub(crate) decryption: Option<DecryptionReport>,
}

/// Why the FCS of a capture was ignored: `wrong` of the first `checked` frames that carry one
/// failed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct FcsIgnored {
    pub(crate) wrong: u32,
    pub(crate) checked: u32,
}

/// What decryption did for one capture (`--psk`, `--pmk`, `--tk`, `--keys`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct DecryptionReport {
    /// The keys given, by kind and fingerprint (the keys themselves never appear).
    pub(crate) keys: Vec<String>,
    /// 4-way handshakes in the capture (message 2 with its message 1), and those a key given
    /// reproduces (their PTK verified by the message 2 MIC).
    pub(crate) handshakes: usize,
    pub(crate) handshakes_with_key: usize,
    /// FT authentications (over the air) seen, and those whose PTK a key given derives.
    pub(crate) fast_transitions: usize,
    pub(crate) fast_transitions_with_key: usize,
    /// Group keys recovered from message 3 or group key handshakes.
    pub(crate) group_keys: usize,
    /// Every protected frame is counted in exactly one of `decrypted`, `mic_failures`,
    /// `no_key` and `not_decryptable` (they add up to `protected`).
    pub(crate) protected: u64,
    /// Protected frames a key opened (WEP, TKIP, CCMP or GCMP, their integrity check passed):
    /// unicast and group-addressed data, protected management frames, retransmissions.
    pub(crate) decrypted: u64,
    /// Protected frames every candidate key failed the integrity check on (ICV, Michael,
    /// CCMP/GCMP MIC): counted, never guessed.
    pub(crate) mic_failures: u64,
    /// Protected frames with no key: their station and AP's handshake reproduced by no key
    /// given (or not captured), no group key of their AP, no key of their cipher given.
    pub(crate) no_key: u64,
    /// Protected frames no key can open, and why (`not_decryptable_reasons`).
    pub(crate) not_decryptable: u64,
    pub not_decryptable_reasons: roamgap::events::NotDecryptable,
    /// SSIDs of the handshakes' BSSs (to check a passphrase's SSID against).
    pub(crate) handshake_ssids: Vec<String>,
    /// SAE handshakes no key matched (a passphrase cannot key SAE: `--pmk`).
    pub(crate) sae_without_key: usize,
}

impl DecryptionReport {
    /// What to check when keys were given and nothing matched.
    pub(crate) fn advice(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.sae_without_key > 0 && self.handshakes_with_key < self.handshakes {
            out.push(format!(
                "{} SAE (WPA3-Personal) without a key: each SAE exchange makes its own PMK, which no passphrase gives; decrypt with --pmk (the PMK from the AP's or the phone's log)",
                if self.sae_without_key == 1 {
                    "1 handshake is".to_string()
                } else {
                    format!("{} handshakes are", self.sae_without_key)
                }
            ));
        }
        let any_key = self.handshakes_with_key + self.fast_transitions_with_key > 0;
        if !any_key && self.handshakes > self.sae_without_key {
            let ssids = if self.handshake_ssids.is_empty() {
                "whose SSIDs the capture does not name".to_string()
            } else {
                let quoted: Vec<String> = self
                    .handshake_ssids
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect();
                format!("for SSID {}", quoted.join(", "))
            };
            out.push(format!(
                "no key given matched any of the {} handshakes ({ssids}): check the passphrase, and that the SSID given with it is spelled exactly as the network's (case, spaces)",
                self.handshakes
            ));
        }
        out
    }
}

/// The whole report: the JSON document's top level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub version: &'static str,
    pub captures: Vec<CaptureReport>,
    pub roams: Vec<Roam>,
    /// Roams seen only by their effect (the station's data moved to another AP with no
    /// (re)association captured).
    pub(crate) missed_roams: Vec<MissedRoam>,
    pub(crate) streams: Vec<StreamReport>,
    /// Per station: its roams, gaps and findings.
    pub(crate) stations: Vec<StationSummary>,
    /// Per (old AP, new AP): the roams between them, so that a site-wide problem stands out.
    pub(crate) ap_pairs: Vec<ApPairSummary>,
}

/// A station's roams at a glance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct StationSummary {
    pub(crate) station: MacAddr,
    pub(crate) roams: usize,
    /// Of them, roams that failed (refused, unanswered, abandoned).
    pub(crate) failed_roams: usize,
    /// Roams the sniffer did not capture (see `missed_roams`).
    pub(crate) missed_roams: usize,
    /// Of the roams' voice gaps (each roam's larger direction); null without voice.
    pub(crate) gap_ms_median: Option<f64>,
    pub(crate) gap_ms_p95: Option<f64>,
    pub(crate) gap_ms_max: Option<f64>,
    /// RTP packets lost across its roams, both directions.
    pub(crate) lost: u64,
    /// Findings by code.
    pub(crate) findings: BTreeMap<&'static str, usize>,
}

/// The roams from one AP to another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ApPairSummary {
    pub(crate) from_bssid: MacAddr,
    pub(crate) to_bssid: MacAddr,
    pub(crate) roams: usize,
    /// Of them, roams that failed.
    pub(crate) failed_roams: usize,
    pub(crate) gap_ms_median: Option<f64>,
    pub(crate) gap_ms_max: Option<f64>,
    pub(crate) findings: BTreeMap<&'static str, usize>,
}

/// A roam's voice gap: the larger of its two directions.
pub fn roam_gap(r: &Roam) -> Option<f64> {
    [&r.uplink, &r.downlink]
        .into_iter()
        .flatten()
        .filter_map(|g| g.gap_ms)
        .reduce(f64::max)
}

/// The value at rank ceil(p * n) of sorted values (nearest-rank percentile).
pub(crate) fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    (n > 0).then(|| sorted[((p * n as f64).ceil() as usize).clamp(1, n) - 1])
}

fn summarize(roams: &[Roam], missed: &[MissedRoam]) -> (Vec<StationSummary>, Vec<ApPairSummary>) {
    let mut by_station: BTreeMap<MacAddr, Vec<&Roam>> = BTreeMap::new();
    for m in missed {
        by_station.entry(m.station).or_default();
    }
    let mut by_pair: BTreeMap<(MacAddr, MacAddr), Vec<&Roam>> = BTreeMap::new();
    for r in roams {
        by_station.entry(r.station).or_default().push(r);
        by_pair
            .entry((r.from_bssid, r.to_bssid))
            .or_default()
            .push(r);
    }
    let gaps = |rs: &[&Roam]| {
        let mut g: Vec<f64> = rs.iter().filter_map(|r| roam_gap(r)).collect();
        g.sort_by(f64::total_cmp);
        g
    };
    let failed = |rs: &[&Roam]| rs.iter().filter(|r| r.outcome.failed()).count();
    let findings = |rs: &[&Roam]| {
        let mut m: BTreeMap<&'static str, usize> = BTreeMap::new();
        for f in rs.iter().flat_map(|r| &r.findings) {
            *m.entry(f.code).or_default() += 1;
        }
        m
    };
    let stations = by_station
        .into_iter()
        .map(|(station, rs)| {
            let g = gaps(&rs);
            let missed: Vec<&MissedRoam> = missed.iter().filter(|m| m.station == station).collect();
            let mut findings = findings(&rs);
            for f in missed.iter().flat_map(|m| &m.findings) {
                *findings.entry(f.code).or_default() += 1;
            }
            StationSummary {
                station,
                roams: rs.len(),
                failed_roams: failed(&rs),
                missed_roams: missed.len(),
                gap_ms_median: percentile(&g, 0.5),
                gap_ms_p95: percentile(&g, 0.95),
                gap_ms_max: g.last().copied(),
                lost: rs
                    .iter()
                    .flat_map(|r| [&r.uplink, &r.downlink])
                    .flatten()
                    .filter_map(|g| g.lost)
                    .sum(),
                findings,
            }
        })
        .collect();
    let pairs = by_pair
        .into_iter()
        .map(|((from_bssid, to_bssid), rs)| {
            let g = gaps(&rs);
            ApPairSummary {
                from_bssid,
                to_bssid,
                roams: rs.len(),
                failed_roams: failed(&rs),
                gap_ms_median: percentile(&g, 0.5),
                gap_ms_max: g.last().copied(),
                findings: findings(&rs),
            }
        })
        .collect();
    (stations, pairs)
}

impl Report {
    pub fn new(analyses: Vec<CaptureAnalysis>) -> Report {
        let (mut captures, mut roams, mut streams) = (Vec::new(), Vec::new(), Vec::new());
        let mut missed = Vec::new();
        for a in analyses {
            captures.push(capture_report(&a.summary, &a.analysis, None));
            roams.extend(a.analysis.roams);
            missed.extend(a.analysis.missed_roams);
            streams.extend(a.analysis.streams);
        }
        Report::assemble(captures, roams, missed, streams)
    }

    /// The report of captures merged into one analysis (`pipeline::analyze_merged`).
    pub fn merged(m: MergedAnalysis) -> Report {
        let captures = m
            .summaries
            .iter()
            .map(|c| capture_report(&c.summary, &m.analysis, Some(&c.merge)))
            .collect();
        Report::assemble(
            captures,
            m.analysis.roams,
            m.analysis.missed_roams,
            m.analysis.streams,
        )
    }

    /// The report with its summaries drawn from the roams.
    fn assemble(
        captures: Vec<CaptureReport>,
        roams: Vec<Roam>,
        missed_roams: Vec<MissedRoam>,
        streams: Vec<StreamReport>,
    ) -> Report {
        let (stations, ap_pairs) = summarize(&roams, &missed_roams);
        Report {
            version: env!("CARGO_PKG_VERSION"),
            captures,
            roams,
            missed_roams,
            streams,
            stations,
            ap_pairs,
        }
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data structures to a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Every finding, most severe first; within a severity, in the order of the roams (then
    /// the roams seen only by their effect).
    pub(crate) fn findings_by_severity(&self) -> Vec<FindingRef<'_>> {
        let mut all: Vec<FindingRef<'_>> = self
            .roams
            .iter()
            .flat_map(|r| {
                r.findings.iter().map(|f| FindingRef {
                    capture: r.capture,
                    station: r.station,
                    roam_frame: Some(r.request_frame),
                    from_bssid: r.from_bssid,
                    to_bssid: r.to_bssid,
                    finding: f,
                })
            })
            .chain(self.missed_roams.iter().flat_map(|m| {
                m.findings.iter().map(|f| FindingRef {
                    capture: m.capture,
                    station: m.station,
                    roam_frame: None,
                    from_bssid: m.from_bssid,
                    to_bssid: m.to_bssid,
                    finding: f,
                })
            }))
            .collect();
        // Stable: equal severities keep the order of the roams.
        all.sort_by_key(|f| std::cmp::Reverse(f.finding.severity));
        all
    }

    /// Whether any roam has a finding.
    pub fn has_findings(&self) -> bool {
        self.roams.iter().any(|r| !r.findings.is_empty())
            || self.missed_roams.iter().any(|m| !m.findings.is_empty())
    }

    /// Warnings a person must see: truncation, malformed frames, skipped link types, voice
    /// that could not be decrypted.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let from_frames = self
            .roams
            .iter()
            .flat_map(|r| [&r.uplink, &r.downlink])
            .flatten()
            .filter(|g| g.measured_from == roamgap::analysis::GapSource::Frames)
            .count();
        if from_frames > 0 {
            let keys = self.captures.iter().any(|c| c.decryption.is_some());
            out.push(format!(
                "the voice of {from_frames} roam direction{} is encrypted: {} gaps are measured from frame timing and lost packets estimated{}",
                if from_frames == 1 { "" } else { "s" },
                if from_frames == 1 { "its" } else { "their" },
                if keys {
                    " (no key given reproduces their handshakes)"
                } else {
                    "; give the network's key (--psk passphrase:SSID, --pmk, --tk, --wep or --keys) to decrypt it and count RTP packets"
                }
            ));
        }
        for c in &self.captures {
            out.extend(c.reading.iter().cloned());
            if let Some(t) = &c.truncated {
                out.push(format!(
                    "{}: {}; analyzed the {} frames before it",
                    c.file, t.message, c.frames
                ));
            }
            if c.malformed > 0 {
                let shown: Vec<String> =
                    c.issues.iter().take(5).map(|i| i.message.clone()).collect();
                out.push(format!(
                    "{}: {} malformed frame{} decoded as far as possible ({}{})",
                    c.file,
                    c.malformed,
                    if c.malformed == 1 { "" } else { "s" },
                    shown.join("; "),
                    if c.malformed > 5 { "; ..." } else { "" }
                ));
            }
            if let Some(t) = c.time_steps_back.as_ref().and_then(|t| t.describe()) {
                out.push(format!("{}: {t}", c.file));
            }
            if c.cut_by_snaplen > 0 {
                out.push(format!(
                    "{}: {} frames were cut short by the sniffer's snapshot length and decoded only as far as captured",
                    c.file, c.cut_by_snaplen
                ));
            }
            if c.not_wireless_frames > 0 {
                out.push(format!(
                    "{}: {} Ethernet frames are not remote capture on the peekremote port and were skipped",
                    c.file, c.not_wireless_frames
                ));
            }
            if let Some(d) = &c.decryption {
                if d.mic_failures + d.no_key + d.not_decryptable > 0 {
                    out.push(format!(
                        "{}: {} protected frames not decrypted ({} failed the integrity check with every key, {} had no key, {} cannot be decrypted{}: {} of {} handshakes and {} of {} fast transitions matched a key given)",
                        c.file,
                        d.mic_failures + d.no_key + d.not_decryptable,
                        d.mic_failures,
                        d.no_key,
                        d.not_decryptable,
                        d.not_decryptable_reasons.describe(),
                        d.handshakes_with_key,
                        d.handshakes,
                        d.fast_transitions_with_key,
                        d.fast_transitions
                    ));
                }
                out.extend(d.advice().into_iter().map(|a| format!("{}: {a}", c.file)));
            }
            if let Some(f) = c.fcs_ignored {
                out.push(format!(
                    "{}: the FCS is wrong on {} of the first {} frames that carry one: the capture looks rewritten (addresses changed without recomputing the FCS), so it was analyzed with the FCS ignored (--fcs check drops such frames)",
                    c.file, f.wrong, f.checked
                ));
            }
            if c.bad_fcs > 0 {
                out.push(format!(
                    "{}: {} frames with a bad FCS skipped",
                    c.file, c.bad_fcs
                ));
            }
            if c.unsupported_frames > 0 {
                let types: Vec<String> = c
                    .linktypes
                    .iter()
                    .filter(|l| l.frames.is_some())
                    .map(|l| {
                        format!(
                            "{} ({}): {} frames",
                            l.linktype,
                            l.name,
                            l.frames.unwrap_or(0)
                        )
                    })
                    .collect();
                out.push(format!(
                    "{}: {} frames of link types roamgap does not read were skipped [{}]",
                    c.file,
                    c.unsupported_frames,
                    join_listed(types.into_iter(), ", ")
                ));
            }
        }
        out
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The report of one capture file; `merge` when it was merged with others (then the analysis
/// is the merged one).
fn capture_report(
    s: &CaptureSummary,
    analysis: &Analysis,
    merge: Option<&MergeInfo>,
) -> CaptureReport {
    let c = &s.counters;
    let type_subtype = c
        .type_subtype
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(ts, &n)| (format!("{ts:#06x}"), n))
        .collect();
    let eapol_key_msg = (1..=4)
        .filter(|&i| c.eapol_key[i] > 0)
        .map(|i| (i.to_string(), c.eapol_key[i]))
        .collect();
    // Each link type once, however many interfaces (pcapng) declare it.
    let unsupported: std::collections::HashMap<u32, u64> =
        c.unsupported.iter().map(|(lt, n)| (lt.0, *n)).collect();
    let mut seen = std::collections::HashSet::new();
    let linktypes: Vec<LinkTypeReport> = s
        .linktypes
        .iter()
        .filter(|lt| seen.insert(lt.0))
        .map(|lt| LinkTypeReport {
            linktype: lt.0,
            name: lt.name(),
            frames: unsupported.get(&lt.0).copied(),
        })
        .collect();
    CaptureReport {
        file: s.path.display().to_string(),
        format: match s.compression {
            Some(c) => format!("{} ({})", s.format, c.name()),
            None => s.format.to_string(),
        },
        linktypes,
        frames: c.frames,
        first_time: s.first_ns.map(roamgap::analysis::secs),
        last_time: s.last_ns.map(roamgap::analysis::secs),
        duration_s: s
            .first_ns
            .zip(s.last_ns)
            .map(|(a, b)| roamgap::analysis::secs(b - a)),
        type_subtype,
        retries: c.retries,
        protected: c.protected,
        bad_fcs: c.bad_fcs,
        malformed: c.malformed,
        cut_by_snaplen: c.cut_by_snaplen,
        eapol_key_msg,
        rtp_packets: c.rtp_packets,
        stations: analysis.stations,
        bss: analysis.bss.clone(),
        unsupported_frames: c.unsupported.iter().map(|(_, n)| n).sum(),
        not_wireless_frames: c.not_wireless,
        unknown_version_frames: c.unknown_version,
        fcs_ignored: s.fcs_rewritten.map(|f| FcsIgnored {
            wrong: f.wrong,
            checked: f.checked,
        }),
        time_steps_back: (s.time_steps_back.frames > 0).then(|| s.time_steps_back.clone()),
        reading: s.reading_warnings(),
        skipped_regions: s.reading.skipped,
        skipped_bytes: s.reading.skipped_bytes,
        truncated: s.truncated.as_ref().map(|e| IssueReport {
            frame: e.frame(),
            message: e.to_string(),
        }),
        issues: c
            .issues
            .iter()
            .map(|i| IssueReport {
                frame: i.frame,
                message: format!("frame {}: {}", i.frame, i.error),
            })
            .collect(),
        notes: analysis.notes.clone(),
        clock_offset_ms: merge.map(|m| roamgap::analysis::ms(m.offset_ns)),
        clock_anchors: merge.map(|m| m.anchors),
        duplicates_removed: merge.map(|m| m.duplicates),
        decryption: s.decryption.as_ref().map(|d| DecryptionReport {
            keys: d.keys.clone(),
            handshakes: d.handshakes,
            handshakes_with_key: d.handshakes_with_key,
            fast_transitions: d.fast_transitions,
            fast_transitions_with_key: d.fast_transitions_with_key,
            group_keys: d.group_keys,
            protected: c.protected,
            decrypted: c.decrypted,
            mic_failures: c.decrypt_failed,
            no_key: c.no_key,
            not_decryptable: c.not_decryptable.total(),
            not_decryptable_reasons: c.not_decryptable,
            handshake_ssids: d.handshake_ssids.clone(),
            sae_without_key: d.sae_without_key,
        }),
    }
}
