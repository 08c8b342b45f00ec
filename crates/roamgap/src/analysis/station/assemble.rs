//! A finished roam's report, assembled from what the state machine kept: its phases, voice
//! gaps and outage, its outcome's report, the old AP's failed deliveries, the findings and the
//! Wireshark filters.

use std::collections::HashMap;

use super::voice::StreamKey;
use super::{
    DataElsewhere, FramePoint, Missed, OldApState, StationResult, StreamEntry, VoicePoint,
    MAX_NOTES,
};
use crate::analysis::{
    findings, hex_ssrc, ms, secs, AuthAlgorithm, AuthReport, Direction, EapReport, EapolReport,
    FailureReport, FastPath, GapSource, MissedRoam, Named, Note, OldApReport, OutageReport,
    Outcome, Phase, PhaseName, Roam, StreamReport, VoiceGap,
};
use roamgap_wire::dot11::MacAddr;

/// Where a phase starts or ends: a frame and its time, s since the epoch (the report's times).
#[derive(Clone, Copy, Debug)]
pub(super) struct PhaseEdge {
    pub(super) frame: u64,
    pub(super) time: f64,
}

impl PhaseEdge {
    fn at(frame: u64, time: f64) -> PhaseEdge {
        PhaseEdge { frame, time }
    }

    /// The edge at a report's frame and time, when it has both.
    fn of(frame: Option<u64>, time: Option<f64>) -> Option<PhaseEdge> {
        frame
            .zip(time)
            .map(|(frame, time)| PhaseEdge { frame, time })
    }
}

/// The roam's phases, in order: each an interval with its first and last frame.
pub(super) fn phases(
    roam: &Roam,
    last_old: Option<FramePoint>,
    first_new: Option<FramePoint>,
) -> Vec<Phase> {
    let mut out: Vec<Phase> = Vec::new();
    fn push(
        out: &mut Vec<Phase>,
        name: PhaseName,
        start: Option<PhaseEdge>,
        end: Option<PhaseEdge>,
    ) {
        let (Some(start), Some(end)) = (start, end) else {
            return;
        };
        push_open(out, name, start, Some(end));
    }
    /// A phase that may have no end: an exchange the other side never answered.
    fn push_open(out: &mut Vec<Phase>, name: PhaseName, start: PhaseEdge, end: Option<PhaseEdge>) {
        // A phase that would end before it starts did not happen in this order (data resumed
        // before an ADDTS exchange finished, say): it is left out.
        if end.is_some_and(|e| e.time < start.time) {
            return;
        }
        out.push(Phase {
            name,
            start_frame: start.frame,
            end_frame: end.map(|e| e.frame),
            start_time: start.time,
            end_time: end.map(|e| e.time),
            duration_ms: end.map(|e| ms(((e.time - start.time) * 1e9).round() as i64)),
        });
    }
    let point = |p: Option<FramePoint>| p.map(|p| PhaseEdge::at(p.frame, secs(p.ts_ns)));
    let request = PhaseEdge::at(roam.request_frame, roam.request_time);
    let response = PhaseEdge::of(roam.response_frame, roam.response_time);
    let auth = roam.authentication.as_ref();
    let auth_start = auth.and_then(|a| {
        let first = a.request_frame.or(a.response_frame);
        first.map(|f| PhaseEdge::at(f, a.time))
    });
    if let Some(sc) = &roam.scanning {
        push(
            &mut out,
            PhaseName::Scanning,
            Some(PhaseEdge::at(sc.first_frame, sc.start_time)),
            Some(PhaseEdge::at(sc.last_frame, sc.end_time)),
        );
    }
    // Leaving the old AP: its last data frame until the first frame to the new one.
    push(
        &mut out,
        PhaseName::Leaving,
        point(last_old),
        with_new_ap(auth).or(Some(request)),
    );
    if let (Some(a), Some(start)) = (auth, auth_start) {
        let end = PhaseEdge::of(a.response_frame, a.response_time);
        push_open(&mut out, PhaseName::Authentication, start, end);
    }
    push_open(&mut out, PhaseName::Reassociation, request, response);
    if let Some(e) = &roam.eap {
        push(
            &mut out,
            PhaseName::Dot1x,
            Some(PhaseEdge::at(e.first_frame, e.first_time)),
            Some(PhaseEdge::at(e.last_frame, e.last_time)),
        );
    }
    if let Some(k) = &roam.eapol {
        push_open(
            &mut out,
            PhaseName::FourWayHandshake,
            PhaseEdge::at(k.m1_frame, k.m1_time),
            PhaseEdge::of(k.m4_frame, k.m4_time),
        );
    }
    if let (Some(first), Some(last)) = (roam.addts.first(), roam.addts.last()) {
        let start = PhaseEdge::of(first.request_frame, first.request_time)
            .unwrap_or(PhaseEdge::at(first.frame, first.time));
        push(
            &mut out,
            PhaseName::Addts,
            Some(start),
            Some(PhaseEdge::at(last.frame, last.time)),
        );
    }
    // Resuming: from the end of the last phase to the first data frame through the new AP.
    let last_end = out
        .iter()
        .filter_map(|p| PhaseEdge::of(p.end_frame, p.end_time))
        .max_by_key(|e| e.frame);
    push(&mut out, PhaseName::Resuming, last_end, point(first_new));
    // A station may scan before or after its voice stops: phases in the order they began.
    out.sort_by_key(|p| p.start_frame);
    out
}

/// The first frame (and its time) of an authentication exchange held with the new AP itself:
/// none over the DS, where the FT exchange goes through the old AP and the request is the first
/// frame to the new one.
pub(super) fn with_new_ap(auth: Option<&AuthReport>) -> Option<PhaseEdge> {
    let a = auth.filter(|a| a.algorithm != AuthAlgorithm::FtOverDs)?;
    let first = a.request_frame.or(a.response_frame);
    first.map(|f| PhaseEdge::at(f, a.time))
}

/// A Wireshark display filter for the station's frames `first..=last`.
pub(super) fn frame_range_filter(station: MacAddr, first: u64, last: u64) -> String {
    format!("wlan.addr=={station} && frame.number>={first} && frame.number<={last}")
}

/// A finding's frames in Wireshark: the station's frames from its first to its last evidence
/// frame (the roam's own filter when it names none).
pub(super) fn finding_filter(station: MacAddr, f: &findings::Finding, roam_filter: &str) -> String {
    match (f.evidence.iter().min(), f.evidence.iter().max()) {
        (Some(&first), Some(&last)) if first == last => format!("frame.number=={first}"),
        (Some(&first), Some(&last)) => frame_range_filter(station, first, last),
        _ => roam_filter.to_string(),
    }
}

/// What the old AP sent the station after the request (null when nothing).
pub(super) fn old_ap_report(o: &OldApState, request_ns: i64) -> Option<OldApReport> {
    let (first, last) = (o.first?, o.last?);
    Some(OldApReport {
        transmissions: o.transmissions,
        retries: o.retries,
        failed_deliveries: o.msdus,
        first_frame: first.frame,
        last_frame: last.frame,
        last_after_ms: ms(last.ts_ns - request_ns),
    })
}

/// The gap of one direction: null when the station had no voice in that direction before
/// the roam.
pub(super) fn voice_gap(before: Option<VoicePoint>, after: Option<VoicePoint>) -> Option<VoiceGap> {
    let b = before?;
    Some(VoiceGap {
        gap_ms: after.map(|a| ms(a.ts_ns - b.ts_ns)),
        lost: after
            .filter(|a| a.ssrc == b.ssrc)
            .map(|a| (a.ext - b.ext - 1).max(0) as u64),
        last_before_frame: Some(b.frame),
        first_after_frame: after.map(|a| a.frame),
        last_before_time: Some(secs(b.ts_ns)),
        first_after_time: after.map(|a| secs(a.ts_ns)),
        ssrc: Some(hex_ssrc(after.map_or(b.ssrc, |a| a.ssrc))),
        measured_from: GapSource::Rtp,
        lost_estimated: false,
    })
}

/// The gap of one direction of encrypted voice, from voice-priority data frames; the loss is
/// estimated as the packet intervals that fit in the gap, less one.
pub(super) fn frames_gap(
    before: Option<FramePoint>,
    after: Option<FramePoint>,
    cadence_ns: Option<i64>,
) -> Option<VoiceGap> {
    let b = before?;
    let gap_ns = after.map(|a| a.ts_ns - b.ts_ns);
    Some(VoiceGap {
        gap_ms: gap_ns.map(ms),
        lost: gap_ns
            .zip(cadence_ns)
            .map(|(g, c)| ((g as f64 / c as f64).round() as i64 - 1).max(0) as u64),
        last_before_frame: Some(b.frame),
        first_after_frame: after.map(|a| a.frame),
        last_before_time: Some(secs(b.ts_ns)),
        first_after_time: after.map(|a| secs(a.ts_ns)),
        ssrc: None,
        measured_from: GapSource::Frames,
        lost_estimated: true,
    })
}

/// A Wireshark display filter showing the station's frames from the first that belongs to the
/// roam (its scan, an FT exchange over the DS, its last voice before) to the last.
pub(super) fn wireshark_filter(
    roam: &Roam,
    before: &[Option<VoicePoint>; 2],
    after: &[Option<VoicePoint>; 2],
) -> String {
    let mut first = roam.request_frame;
    let mut last = roam.request_frame;
    let frames = before
        .iter()
        .chain(after)
        .flatten()
        .map(|p| p.frame)
        .chain(roam.response_frame)
        .chain(
            roam.authentication
                .as_ref()
                .and_then(|a| a.request_frame.or(a.response_frame)),
        )
        .chain(roam.eapol.as_ref().and_then(|k| k.m4_frame))
        .chain(roam.eap.as_ref().map(|k| k.last_frame))
        .chain(roam.addts.iter().map(|a| a.frame))
        .chain(roam.deauth.as_ref().map(|d| d.frame))
        // Phases reach where the frames above do not: the scan, an FT exchange over the DS
        // before the phone left, and the old AP's last failed delivery.
        .chain(
            roam.phases
                .iter()
                .flat_map(|p| [Some(p.start_frame), p.end_frame])
                .flatten(),
        )
        .chain(roam.old_ap_after_leaving.as_ref().map(|o| o.last_frame))
        // A failed roam: every attempt, and where the station went next.
        .chain(
            roam.failure
                .iter()
                .flat_map(|f| [Some(f.last_frame), f.next_frame])
                .flatten(),
        );
    for f in frames {
        first = first.min(f);
        last = last.max(f);
    }
    frame_range_filter(roam.station, first, last)
}

/// A frame naming a BSSID nothing else corroborates (`docs/METRICS.md`, "Suspect frames").
#[derive(Clone, Copy, Debug)]
struct SuspectFrame {
    frame: u64,
    bssid: MacAddr,
    kind: findings::Suspect,
}

/// The BSSID a station left and its last data frame through it.
#[derive(Clone, Copy, Debug)]
struct Left {
    bssid: MacAddr,
    last: FramePoint,
}

/// Missed roams with the suspect BSSIDs taken out: the station never left for a BSSID nothing
/// corroborates, so A → X → B is the roam A → B and A → X → A none. Each suspect frame is
/// named in `suspect`.
fn corroborated_missed(
    missed: &[Missed],
    ok: &dyn Fn(MacAddr) -> bool,
    suspect: &mut Vec<SuspectFrame>,
) -> Vec<Missed> {
    let mut out = Vec::new();
    // The BSSID (and its last data frame) the station was on before a suspect one.
    let mut held: Option<Left> = None;
    for m in missed {
        let left = if ok(m.from) {
            Left {
                bssid: m.from,
                last: m.last_old,
            }
        } else {
            match held.take() {
                Some(h) => h,
                None => continue,
            }
        };
        if !ok(m.to) {
            suspect.push(SuspectFrame {
                frame: m.first_new.frame,
                bssid: m.to,
                kind: findings::Suspect::Data,
            });
            held = Some(left);
            continue;
        }
        if left.bssid != m.to {
            out.push(Missed {
                from: left.bssid,
                last_old: left.last,
                ..*m
            });
        }
    }
    out
}

/// What [`super::Station::corroborate`] keeps of a station's roams and missed roams, and its
/// notes.
struct Corroborated {
    roams: Vec<super::RoamState>,
    missed: Vec<Missed>,
    notes: Vec<Note>,
}

/// Per direction (uplink, downlink), the station's last voice packet before a roam's request
/// through the old BSSID, and its first through the new one after.
struct VoiceEnds {
    before: [Option<VoicePoint>; 2],
    after: [Option<VoicePoint>; 2],
}

/// What every roam of a station is assembled with.
struct RoamContext<'a> {
    channels: &'a HashMap<MacAddr, crate::analysis::ChannelInfo>,
    rates: &'a HashMap<MacAddr, crate::events::RateSet>,
    named: &'a Named,
    end_ns: i64,
    /// The voice streams: those with enough packets.
    confirmed: &'a [StreamKey],
}

impl super::Station {
    /// The station's roams and streams; `channels` gives each BSSID's channel, `named` tells
    /// which BSSIDs more than one frame names, `end_ns` is the time of the capture's last frame.
    pub(in crate::analysis) fn finish(
        mut self,
        channels: &HashMap<MacAddr, crate::analysis::ChannelInfo>,
        rates: &HashMap<MacAddr, crate::events::RateSet>,
        coverage: &crate::analysis::Coverage,
        named: &Named,
        end_ns: i64,
    ) -> StationResult {
        self.flush_auth_only();
        self.note_rtp_set_aside();
        let Corroborated {
            roams: kept,
            missed,
            notes,
        } = self.corroborate(named);
        // Voice streams: those with enough packets to be told from look-alike datagrams.
        let min = self.config.min_stream_packets;
        let confirmed: Vec<StreamKey> = self
            .streams
            .iter()
            .filter(|s| s.state.received + s.state.duplicates >= min)
            .map(|s| StreamKey {
                dir: s.dir,
                ssrc: s.ssrc,
            })
            .collect();
        let context = RoamContext {
            channels,
            rates,
            named,
            end_ns,
            confirmed: &confirmed,
        };
        let roams = kept
            .into_iter()
            .map(|s| self.finish_roam(s, &context))
            .collect();
        let (capture, station) = (self.capture, self.station);
        let streams = stream_reports(self.streams, capture, station, &confirmed);
        let missed_roams = missed
            .iter()
            .map(|&m| missed_roam(capture, station, m, channels, coverage))
            .collect();
        StationResult {
            roams,
            streams,
            notes,
            missed_roams,
        }
    }

    /// The roams and missed roams whose BSSIDs other frames corroborate, and the notes: the
    /// station's own, and one per suspect frame.
    fn corroborate(&mut self, named: &Named) -> Corroborated {
        // A roam needs corroboration: a station one frame names, or a new BSSID no other frame
        // names, is a damaged address (`docs/METRICS.md`, "Suspect frames"). The state machine
        // left the station on its AP (such a roam fails: nothing answers), so only the report
        // changes.
        let station = self.station;
        let ok = |b: MacAddr| named.requested(station, b);
        let used = |b: MacAddr| named.used(station, b);
        let mut suspect: Vec<SuspectFrame> = Vec::new();
        let lone = named.lone(station);
        let mut kept = Vec::with_capacity(self.roams.len());
        for s in std::mem::take(&mut self.roams) {
            let kind = if lone {
                findings::Suspect::Station
            } else if !ok(s.roam.to_bssid) {
                findings::Suspect::Request
            } else {
                kept.push(s);
                continue;
            };
            suspect.push(SuspectFrame {
                frame: s.roam.request_frame,
                bssid: s.roam.to_bssid,
                kind,
            });
        }
        let missed = corroborated_missed(&self.missed, &used, &mut suspect);
        let mut notes = std::mem::take(&mut self.notes);
        // A roam the sniffer missed, seen through data only, needs its BSSIDs corroborated.
        for &DataElsewhere {
            frame,
            to: new,
            in_use: cur,
        } in &self.elsewhere
        {
            match [new, cur].into_iter().find(|&b| !used(b)) {
                Some(bssid) => suspect.push(SuspectFrame {
                    frame,
                    bssid,
                    kind: findings::Suspect::Data,
                }),
                None => notes.push(Note {
                    station,
                    frame,
                    message: format!(
                        "sends data through {new} (frame {frame}) after using {cur}, with no (re)association in the capture: a roam the sniffer did not see"
                    ),
                }),
            }
        }
        suspect.sort_by_key(|s| (s.frame, s.bssid));
        suspect.dedup_by_key(|s| (s.frame, s.bssid));
        notes.extend(suspect.into_iter().take(MAX_NOTES).map(|s| Note {
            station,
            frame: s.frame,
            message: findings::suspect_frame(s.kind, s.frame, s.bssid),
        }));
        Corroborated {
            roams: kept,
            missed,
            notes,
        }
    }

    /// A finished roam's report: what the state machine kept, with its outcome, key exchange,
    /// channels, voice gaps, phases, findings and Wireshark filters.
    fn finish_roam(&self, mut s: super::RoamState, cx: &RoamContext) -> Roam {
        // A roam from a BSSID nothing corroborates (the station's current AP taken from
        // one damaged frame) comes from the AP of its last user data.
        let ok = |b: MacAddr| cx.named.requested(self.station, b);
        if !ok(s.roam.from_bssid) {
            let before = self
                .missed
                .iter()
                .rev()
                .find(|m| m.to == s.roam.from_bssid && m.first_new.frame < s.roam.request_frame)
                .map(|m| m.from)
                .or(s.outage_start.map(|p| p.bssid));
            if let Some(b) = before.filter(|&b| ok(b) && b != s.roam.to_bssid) {
                s.roam.from_bssid = b;
            }
        }
        let outcome = s.outcome.unwrap_or(Outcome::CaptureEnded);
        s.roam.outcome = outcome;
        s.outcome_reports(cx.end_ns);
        s.key_exchange_reports();
        let VoiceEnds { before, after } = self.voice_gaps(&mut s, cx.confirmed);
        let roam = &mut s.roam;
        roam.signal_after_dbm = s.signal_after.median();
        roam.rate_after_mbps = s.rate_after.median().map(|r| f64::from(r) / 10.0);
        roam.old_ap_after_leaving = old_ap_report(&s.old_ap, s.request_ns);
        roam.new_ap_rates_mbps = cx
            .rates
            .get(&roam.to_bssid)
            .map(|r| r.mbps())
            .unwrap_or_default();
        let from_channel = cx.channels.get(&roam.from_bssid).copied();
        let to_channel = cx
            .channels
            .get(&roam.to_bssid)
            .copied()
            .or(s.request_channel);
        (roam.from_channel, roam.from_band) = (
            from_channel.map(|c| c.number),
            from_channel.and_then(|c| c.band),
        );
        (roam.to_channel, roam.to_band) = (
            to_channel.map(|c| c.number),
            to_channel.and_then(|c| c.band),
        );
        roam.last_data_frame_old = s.last_data_old.map(|p| p.frame);
        roam.first_data_frame_new = s.first_data_new.map(|p| p.frame);
        roam.roam_time_ms = s
            .last_data_old
            .zip(s.first_data_new)
            .map(|(a, b)| ms(b.ts_ns - a.ts_ns));
        roam.phases = phases(roam, s.last_data_old, s.first_data_new);
        // The last message the roam needed: M4 once a 4-way handshake began, else the
        // response; none when the roam failed.
        let handshake_end = match &roam.eapol {
            _ if outcome.failed() => None,
            Some(k) => k.m4_time,
            None => roam.response_time,
        };
        roam.handshake_ms =
            handshake_end.map(|t| ms(((t - roam.request_time) * 1e9).round() as i64));
        roam.fast_path_taken = fast_path_taken(roam);
        roam.findings = findings::evaluate(roam, &self.config);
        roam.wireshark_filter = wireshark_filter(roam, &before, &after);
        for f in &mut roam.findings {
            f.wireshark_filter = finding_filter(roam.station, f, &roam.wireshark_filter);
        }
        s.roam
    }

    /// Sets the roam's voice gaps; returns the voice packets they are measured between.
    fn voice_gaps(&self, s: &mut super::RoamState, confirmed: &[StreamKey]) -> VoiceEnds {
        let is_voice = |p: &&VoicePoint| {
            confirmed.contains(&StreamKey {
                dir: p.dir,
                ssrc: p.ssrc,
            })
        };
        let (from, request_ns) = (s.roam.from_bssid, s.request_ns);
        let before = [Direction::Uplink, Direction::Downlink].map(|d| {
            s.before
                .iter()
                .filter(is_voice)
                .filter(|p| p.dir == d)
                .max_by_key(|p| p.frame)
                .filter(|p| p.bssid == from && p.ts_ns <= request_ns)
                .copied()
        });
        let after = [Direction::Uplink, Direction::Downlink].map(|d| {
            s.after
                .iter()
                .filter(is_voice)
                .filter(|p| p.dir == d)
                .min_by_key(|p| p.frame)
                .copied()
        });
        let cadence = [self.cadence[0].interval_ns(), self.cadence[1].interval_ns()];
        // A failed roam has no voice gap of its own: no voice went through the new AP
        // (what it cost is its outage).
        if !s.roam.outcome.failed() {
            s.roam.uplink = voice_gap(before[0], after[0])
                .or_else(|| frames_gap(s.before_frames[0], s.after_frames[0], cadence[0]));
            s.roam.downlink = voice_gap(before[1], after[1])
                .or_else(|| frames_gap(s.before_frames[1], s.after_frames[1], cadence[1]));
        }
        VoiceEnds { before, after }
    }
}

impl super::RoamState {
    /// A failed roam's report, and the station's outage around the roam.
    fn outcome_reports(&mut self, end_ns: i64) {
        let s = &*self;
        let failure = s.roam.outcome.failed().then(|| FailureReport {
            attempts: s.attempts,
            first_frame: s.first_exchange.frame,
            last_frame: s.last_exchange.frame,
            first_time: secs(s.first_exchange.ts_ns),
            last_time: secs(s.last_exchange.ts_ns),
            duration_ms: ms(s.last_exchange.ts_ns - s.first_exchange.ts_ns),
            last_status: s.last_answer.map(|a| a.status),
            gave_up_frame: s.gave_up,
            next_bssid: s.next.map(|n| n.bssid),
            next_frame: s.next.map(|n| n.frame),
        });
        let outage = s.outage_start.map(|a| OutageReport {
            last_data_frame: a.frame,
            last_data_time: secs(a.ts_ns),
            first_data_frame: s.outage_end.map(|b| b.frame),
            first_data_time: s.outage_end.map(|b| secs(b.ts_ns)),
            first_data_bssid: s.outage_end.map(|b| b.bssid),
            capture_ended_after_ms: s
                .outage_end
                .is_none()
                .then(|| ms(end_ns.max(a.ts_ns) - a.ts_ns)),
        });
        let outage_ms = s
            .outage_start
            .zip(s.outage_end)
            .map(|(a, b)| ms(b.ts_ns - a.ts_ns));
        (self.roam.failure, self.roam.outage, self.roam.outage_ms) = (failure, outage, outage_ms);
    }

    /// The 4-way handshake and the 802.1X/EAP exchange after the request.
    fn key_exchange_reports(&mut self) {
        let k = std::mem::take(&mut self.eapol);
        let request_ns = self.request_ns;
        self.roam.eapol = k.m1.map(|m1| EapolReport {
            m1_frame: m1.frame,
            m1_time: secs(m1.ts_ns),
            m2_frame: k.m2,
            m3_frame: k.m3,
            m4_frame: k.m4.map(|m| m.frame),
            m4_time: k.m4.map(|m| secs(m.ts_ns)),
            m1_retries: k.m1_retries,
            m1_retry_delays_ms: k.delays_ms,
            duration_ms: k.m4.map(|m| ms(m.ts_ns - request_ns)),
        });
        self.roam.eap = self.eap.map(|e| EapReport {
            first_frame: e.first.frame,
            last_frame: e.last.frame,
            packets: e.packets,
            success: e.success,
            first_time: secs(e.first.ts_ns),
            last_time: secs(e.last.ts_ns),
            duration_ms: ms(e.last.ts_ns - e.first.ts_ns),
        });
    }
}

/// Whether the fast path offered was taken: the roam completed without the full
/// authentication it avoids (no EAP; for FT and CCKM, no 4-way handshake either). None when
/// none was offered or no response was captured.
fn fast_path_taken(roam: &Roam) -> Option<bool> {
    match (roam.fast_path_offered, roam.status) {
        (FastPath::None, _) | (_, None) => None,
        (_, Some(s)) if s != 0 => Some(false),
        (FastPath::Cckm, _) => {
            Some(roam.cckm_in_response && roam.eap.is_none() && roam.eapol.is_none())
        }
        (FastPath::PmkCaching, _) => Some(roam.eap.is_none()),
        (FastPath::FtOverDs | FastPath::FtOverTheAir, _) => {
            Some(roam.eap.is_none() && roam.eapol.is_none())
        }
    }
}

/// The reports of the station's voice streams.
fn stream_reports(
    streams: Vec<StreamEntry>,
    capture: usize,
    station: MacAddr,
    confirmed: &[StreamKey],
) -> Vec<StreamReport> {
    streams
        .into_iter()
        .filter(|e| {
            confirmed.contains(&StreamKey {
                dir: e.dir,
                ssrc: e.ssrc,
            })
        })
        .map(
            |StreamEntry {
                 dir,
                 ssrc,
                 state: s,
                 ..
             }| StreamReport {
                capture,
                ssrc: hex_ssrc(ssrc),
                station,
                direction: dir,
                payload_type: s.payload_type,
                src_port: s.src_port,
                dst_port: s.dst_port,
                received: s.received,
                expected: s.expected(),
                lost: s.lost(),
                duplicates: s.duplicates,
                set_aside: s.set_aside,
                gaps_beyond_cadence: s.gaps_beyond_cadence,
                max_gap_ms: ms(s.max_gap_ns),
                first_frame: s.first_frame,
                last_frame: s.last_frame,
            },
        )
        .collect()
}

/// A missed roam's report, with its findings.
fn missed_roam(
    capture: usize,
    station: MacAddr,
    Missed {
        from,
        to,
        last_old: old,
        first_new: new,
    }: Missed,
    channels: &HashMap<MacAddr, crate::analysis::ChannelInfo>,
    coverage: &crate::analysis::Coverage,
) -> MissedRoam {
    let (from_channel, to_channel) = (channels.get(&from), channels.get(&to));
    let mut m = MissedRoam {
        capture,
        station,
        from_bssid: from,
        to_bssid: to,
        from_channel: from_channel.map(|c| c.number),
        to_channel: to_channel.map(|c| c.number),
        from_band: from_channel.and_then(|c| c.band),
        to_band: to_channel.and_then(|c| c.band),
        last_frame_old: old.frame,
        first_frame_new: new.frame,
        last_time_old: secs(old.ts_ns),
        first_time_new: secs(new.ts_ns),
        gap_ms: ms(new.ts_ns - old.ts_ns),
        channel_captured: to_channel
            .and_then(|c| c.mhz)
            .and_then(|mhz| coverage.captured(mhz, old.ts_ns, new.ts_ns)),
        findings: Vec::new(),
        wireshark_filter: frame_range_filter(station, old.frame, new.frame),
    };
    m.findings = findings::evaluate_missed(&m);
    for f in &mut m.findings {
        f.wireshark_filter = finding_filter(station, f, &m.wireshark_filter);
    }
    m
}
