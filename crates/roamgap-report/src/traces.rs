//! What the plots draw that the analysis does not keep: each roam's RTP packets around it, and
//! each roaming station's signal over time. Collected in a second, streaming pass over the
//! capture once the roams are known (driven by the pipeline, with the keys the analysis
//! derived), so the analysis itself stays lean.

use std::collections::HashMap;

use super::Report;
use roamgap::events::{Event, EventKind};
use roamgap::pipeline::{Captures, EventBuffer, PassConsumer, PipelineError, Progress};
use roamgap_wire::dot11::MacAddr;

/// Marks kept per roam and direction: a plot of more says nothing more (and a hostile capture
/// cannot make the report grow without bound).
pub const MAX_MARKS: usize = 5_000;
/// Signal points per station: the capture is divided into at most this many time bins.
pub(crate) const SIGNAL_BINS: i64 = 1_500;
/// No bin is shorter than this.
const MIN_BIN_NS: i64 = 100_000_000;
/// Stations whose signal is followed (those with roams first).
pub(crate) const MAX_SIGNAL_STATIONS: usize = 200;

/// One RTP packet of the roaming station (the first copy: 802.11 retransmissions are dropped),
/// or, when its voice is encrypted, one voice-priority (UP 6/7) protected data frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RtpMark {
    pub frame: u64,
    pub ts_ns: i64,
    /// The RTP SSRC; 0 for an encrypted voice frame.
    pub ssrc: u32,
    /// The RTP sequence number, or the frame's 802.11 sequence number (12 bits) when encrypted.
    pub sequence: u16,
}

/// The RTP packets of one roam's station in a window around the roam.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoamTrace {
    /// Index in the report's `roams`.
    pub(crate) roam: usize,
    pub start_ns: i64,
    pub end_ns: i64,
    pub uplink: Vec<RtpMark>,
    pub downlink: Vec<RtpMark>,
    /// More packets than [`MAX_MARKS`] fell in the window; the rest were not kept.
    pub(crate) truncated: bool,
    /// Per direction (uplink, downlink): the voice is encrypted, the marks are voice frames.
    pub encrypted: [bool; 2],
}

/// One point of a station's signal: the mean over a time bin of the frames it sent through
/// one BSSID, as the sniffer heard them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignalPoint {
    /// The middle of the bin.
    pub(crate) ts_ns: i64,
    pub bssid: MacAddr,
    pub dbm: f32,
    pub(crate) frames: u32,
}

/// A station's signal over the capture.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SignalTrace {
    pub(crate) capture: usize,
    pub station: MacAddr,
    pub(crate) bin_ns: i64,
    pub points: Vec<SignalPoint>,
}

/// Everything the plots need beyond the report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traces {
    /// In the order of the report's roams.
    pub(crate) roams: Vec<RoamTrace>,
    pub signal: Vec<SignalTrace>,
}

impl Traces {
    pub fn roam(&self, index: usize) -> Option<&RoamTrace> {
        self.roams
            .binary_search_by_key(&index, |t| t.roam)
            .ok()
            .map(|i| &self.roams[i])
    }
}

fn ns(t: f64) -> i64 {
    (t * 1e9).round() as i64
}

/// The window a roam's timeline shows: from the station's last voice before (or the first
/// phase) to its first voice after (or the last phase), padded on both sides.
pub fn roam_window(r: &roamgap::analysis::Roam) -> (i64, i64) {
    let mut start = r.request_time;
    let mut end = r.response_time.unwrap_or(r.request_time);
    for p in &r.phases {
        start = start.min(p.start_time);
        end = end.max(p.end_time.unwrap_or(p.start_time));
    }
    for g in [&r.uplink, &r.downlink].into_iter().flatten() {
        if let Some(t) = g.last_before_time {
            start = start.min(t);
        }
        if let Some(t) = g.first_after_time {
            end = end.max(t);
        }
    }
    // A failed roam has no gap: its outage, to where the station's data resumed, and its
    // last attempt.
    if r.outcome.failed() {
        if let Some(o) = &r.outage {
            start = start.min(o.last_data_time);
            end = end.max(o.first_data_time.unwrap_or(end));
        }
        if let Some(f) = &r.failure {
            end = end.max(f.last_time);
        }
    }
    // A roam with no voice after it, or one that took minutes, is shown for at most 60 s.
    end = end.min(start + 60.0);
    let pad = ((end - start) * 0.3).clamp(0.3, 2.0);
    (ns(start - pad), ns(end + pad))
}

/// Per station being followed: the signal accumulated over the current bin.
struct SignalState {
    trace: SignalTrace,
    bin: i64,
    /// (BSSID, sum of dBm, frames) in the current bin.
    acc: Vec<(MacAddr, i64, u32)>,
}

impl SignalState {
    fn flush(&mut self, start_ns: i64) {
        let mid = start_ns + self.bin * self.trace.bin_ns + self.trace.bin_ns / 2;
        for (bssid, sum, n) in self.acc.drain(..) {
            self.trace.points.push(SignalPoint {
                ts_ns: mid,
                bssid,
                dbm: sum as f32 / n as f32,
                frames: n,
            });
        }
    }
}

/// Collects the traces of one capture of a report from its events.
pub(crate) struct TraceCollector {
    /// Per station: its roams (index, window).
    windows: HashMap<MacAddr, Vec<(usize, i64, i64)>>,
    roams: Vec<RoamTrace>,
    /// Index in `roams` of each roam followed.
    slot: HashMap<usize, usize>,
    /// The SSRC each roam's gap was measured on, per direction (None: any).
    ssrc: Vec<[Option<u32>; 2]>,
    signal: HashMap<MacAddr, SignalState>,
    start_ns: i64,
}

impl TraceCollector {
    /// Follows the roams of capture `capture` (all of them in a merged report).
    pub(crate) fn new(report: &Report, capture: usize) -> TraceCollector {
        let mut windows: HashMap<MacAddr, Vec<(usize, i64, i64)>> = HashMap::new();
        let mut roams = Vec::new();
        let mut slot = HashMap::new();
        let mut ssrc = Vec::new();
        for (i, r) in report.roams.iter().enumerate() {
            if r.capture != capture {
                continue;
            }
            let (start_ns, end_ns) = roam_window(r);
            windows
                .entry(r.station)
                .or_default()
                .push((i, start_ns, end_ns));
            slot.insert(i, roams.len());
            let parse = |g: &Option<roamgap::analysis::VoiceGap>| {
                g.as_ref()
                    .and_then(|g| g.ssrc.as_deref())
                    .and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            };
            ssrc.push([parse(&r.uplink), parse(&r.downlink)]);
            let frames = |g: &Option<roamgap::analysis::VoiceGap>| {
                g.as_ref()
                    .is_some_and(|g| g.measured_from == roamgap::analysis::GapSource::Frames)
            };
            roams.push(RoamTrace {
                roam: i,
                start_ns,
                end_ns,
                encrypted: [frames(&r.uplink), frames(&r.downlink)],
                ..RoamTrace::default()
            });
        }
        let c = report.captures.get(capture);
        let first = c.and_then(|c| c.first_time).unwrap_or(0.0);
        let span_ns = c.and_then(|c| c.duration_s).map_or(0, ns);
        let bin_ns = (span_ns / SIGNAL_BINS).max(MIN_BIN_NS);
        // Stations with roams first, then those with roams not captured.
        let mut followed: Vec<MacAddr> = Vec::new();
        let stations = report
            .roams
            .iter()
            .filter(|r| r.capture == capture)
            .map(|r| r.station)
            .chain(
                report
                    .missed_roams
                    .iter()
                    .filter(|m| m.capture == capture)
                    .map(|m| m.station),
            );
        for s in stations {
            if !followed.contains(&s) && followed.len() < MAX_SIGNAL_STATIONS {
                followed.push(s);
            }
        }
        let signal = followed
            .into_iter()
            .map(|station| {
                (
                    station,
                    SignalState {
                        trace: SignalTrace {
                            capture,
                            station,
                            bin_ns,
                            points: Vec::new(),
                        },
                        bin: i64::MIN,
                        acc: Vec::new(),
                    },
                )
            })
            .collect();
        TraceCollector {
            windows,
            roams,
            slot,
            ssrc,
            signal,
            start_ns: ns(first),
        }
    }

    pub fn visit(&mut self, e: &Event) {
        if e.from_station {
            if let (Some(dbm), Some(st)) = (e.signal_dbm, self.signal.get_mut(&e.station)) {
                let bin = (e.ts_ns - self.start_ns).div_euclid(st.trace.bin_ns);
                if bin != st.bin {
                    st.flush(self.start_ns);
                    st.bin = bin;
                }
                match st.acc.iter().position(|a| a.0 == e.bssid) {
                    Some(i) => {
                        st.acc[i].1 += i64::from(dbm);
                        st.acc[i].2 += 1;
                    }
                    // At most a few BSSIDs per bin: a station talks through one AP at a time.
                    None if st.acc.len() < 8 => st.acc.push((e.bssid, i64::from(dbm), 1)),
                    None => {}
                }
            }
        }
        // An RTP packet, or a frame of encrypted voice (as the analysis counts them).
        let (ssrc, sequence, encrypted) = match e.kind {
            EventKind::Rtp { ssrc, sequence, .. } => (ssrc, sequence, false),
            EventKind::Data {
                protected: true,
                null: false,
            } if matches!(e.user_priority, Some(6 | 7)) => (0, e.dot11_seq, true),
            _ => return,
        };
        let Some(windows) = self.windows.get(&e.station) else {
            return;
        };
        for &(roam, start, end) in windows {
            if e.ts_ns < start || e.ts_ns > end {
                continue;
            }
            let Some(&k) = self.slot.get(&roam) else {
                continue;
            };
            let dir = usize::from(!e.from_station);
            if self.roams[k].encrypted[dir] != encrypted
                || (!encrypted && self.ssrc[k][dir].is_some_and(|s| s != ssrc))
            {
                continue;
            }
            let t = &mut self.roams[k];
            let marks = if e.from_station {
                &mut t.uplink
            } else {
                &mut t.downlink
            };
            if marks
                .last()
                .is_some_and(|m| m.ssrc == ssrc && m.sequence == sequence)
            {
                continue; // an 802.11 retransmission of the packet just kept
            }
            if marks.len() >= MAX_MARKS {
                t.truncated = true;
                continue;
            }
            marks.push(RtpMark {
                frame: e.frame,
                ts_ns: e.ts_ns,
                ssrc,
                sequence,
            });
        }
    }

    pub(crate) fn finish(mut self) -> Traces {
        let mut signal: Vec<SignalTrace> = self
            .signal
            .into_values()
            .map(|mut s| {
                s.flush(self.start_ns);
                s.trace
            })
            .collect();
        signal.sort_by_key(|s| s.station);
        self.roams.sort_by_key(|t| t.roam);
        Traces {
            roams: self.roams,
            signal,
        }
    }
}

/// The traces as a consumer of a second pass over a capture (each part's events visited in
/// frame order).
impl PassConsumer for TraceCollector {
    type Part = EventBuffer;

    fn part(&self) -> EventBuffer {
        EventBuffer::default()
    }

    fn place(part: &mut EventBuffer, base: u64, floor_ns: i64) {
        part.place(base, floor_ns)
    }

    fn consume(&mut self, parts: &mut [EventBuffer]) {
        for p in parts {
            p.0.iter().for_each(|e| self.visit(e));
            p.0.clear();
        }
    }
}

/// Collects the traces of the report's roams in a second pass over its captures (with the
/// keys the analysis derived; the merged events of all when the report is of files merged).
/// `progress` learns how far the reading has got.
pub fn collect(
    report: &Report,
    captures: &Captures,
    progress: Option<&Progress>,
) -> Result<Traces, PipelineError> {
    let mut all = Traces::default();
    for c in captures.pass(progress, |i| TraceCollector::new(report, i))? {
        let t = c.finish();
        all.roams.extend(t.roams);
        all.signal.extend(t.signal);
    }
    all.roams.sort_by_key(|t| t.roam);
    Ok(all)
}
