//! The roam state machine of one station, fed its events in frame order. Its state is bounded
//! by the station's streams and roams, never by the number of frames.

use std::collections::HashMap;

use super::stream::{Arrival, StreamState};
use super::{
    ms, secs, AddtsReport, AuthAlgorithm, AuthReport, Config, DeauthReport, Direction, FastPath,
    MissedRoam, Note, Outcome, Roam, ScanReport, StreamReport,
};
use crate::events::{AssocRequest, Event, EventKind};
use roamgap_wire::dot11::action::{wmm_status_name, AddtsKind};
use roamgap_wire::dot11::data::KeyMessage;
use roamgap_wire::dot11::mgmt::{reason_name, status_name};
use roamgap_wire::dot11::MacAddr;

mod assemble;
mod known;
mod series;
mod voice;
use assemble::with_new_ap;
pub(super) use known::Known;
use series::{Cadence, Window};
use voice::{RtpSetAside, StreamEntry, StreamIndex};

pub(super) struct StationResult {
    pub roams: Vec<Roam>,
    pub streams: Vec<StreamReport>,
    pub notes: Vec<Note>,
    pub missed_roams: Vec<MissedRoam>,
}

/// A received (not duplicate) voice packet.
#[derive(Clone, Copy, Debug)]
struct VoicePoint {
    dir: Direction,
    frame: u64,
    ts_ns: i64,
    bssid: MacAddr,
    ssrc: u32,
    ext: i64,
}

/// A voice-priority data frame whose payload is encrypted.
#[derive(Clone, Copy, Debug)]
struct FramePoint {
    frame: u64,
    ts_ns: i64,
    bssid: MacAddr,
}

impl FramePoint {
    fn of(e: &Event) -> FramePoint {
        FramePoint {
            frame: e.frame,
            ts_ns: e.ts_ns,
            bssid: e.bssid,
        }
    }
}

/// An FT action frame over the DS: a request (no status) or a response.
#[derive(Clone, Copy, Debug)]
struct FtOverDs {
    frame: u64,
    ts_ns: i64,
    target: MacAddr,
    status: Option<u16>,
}

/// A probe request of the station (it is scanning).
#[derive(Clone, Copy, Debug)]
pub(super) struct ProbePoint {
    frame: u64,
    ts_ns: i64,
    channel: Option<u16>,
}

impl ProbePoint {
    fn of(e: &Event) -> ProbePoint {
        ProbePoint {
            frame: e.frame,
            ts_ns: e.ts_ns,
            channel: e
                .channel_mhz
                .and_then(roamgap_wire::linklayer::channel_of_mhz),
        }
    }
}

/// Frames the old AP still sends the station after it left: each a delivery that fails.
#[derive(Default)]
struct OldApState {
    transmissions: u32,
    retries: u32,
    msdus: u32,
    last_seq: Option<u16>,
    first: Option<FramePoint>,
    last: Option<FramePoint>,
}

#[derive(Default)]
struct EapolState {
    m1: Option<(u64, i64)>,
    last_m1_ns: i64,
    m1_retries: u32,
    delays_ms: Vec<f64>,
    m2: Option<u64>,
    m3: Option<u64>,
    m4: Option<(u64, i64)>,
}

/// An ADDTS request awaiting its response: kind, dialog token, frame, (TID, UP), time.
type AddtsRequest = (AddtsKind, u8, u64, Option<(u8, u8)>, i64);

struct RoamState {
    roam: Roam,
    request_ns: i64,
    response_seen: bool,
    /// How the roam ended; None while it is in progress (see [`Station::settle`]).
    outcome: Option<Outcome>,
    /// The station's latest request to the new AP (authentication or (re)association), and
    /// the new AP's latest answer with its status: what decides a failure's outcome.
    last_request: FramePoint,
    last_answer: Option<(FramePoint, u16)>,
    /// Requests sent to the new AP (authentication and (re)association, retransmissions
    /// excluded), and the first and last frame exchanged with it while the roam was undecided.
    attempts: u32,
    first_exchange: FramePoint,
    last_exchange: FramePoint,
    /// The station's deauthentication or disassociation of the new AP while undecided.
    gave_up: Option<u64>,
    /// Where the station went after a failure: (BSSID, frame).
    next: Option<(MacAddr, u64)>,
    /// User data through a third BSSID while the roam is undecided, and how many such frames
    /// in a row: one frame could be a damaged address, two are the station elsewhere.
    elsewhere: Option<(FramePoint, u32)>,
    /// The station's last user data before the request and its first after the roam, through
    /// any AP (retransmissions excluded): the outage.
    outage_start: Option<FramePoint>,
    outage_end: Option<FramePoint>,
    /// The last packet of each of the station's streams when the request was sent.
    before: Vec<VoicePoint>,
    /// The first packet of each stream through the new BSSID after the request.
    after: Vec<VoicePoint>,
    /// Channel the request was captured on (when the BSS table has none for the new BSSID).
    request_channel: Option<super::ChannelInfo>,
    /// The station's signal and data rate through the new BSSID, from its first frames after
    /// the request.
    signal_after: Window<i8>,
    rate_after: Window<u16>,
    /// The old AP's frames to the station after the request.
    old_ap: OldApState,
    /// Its last data frame through the old BSSID before the request, first through the new
    /// one after.
    last_data_old: Option<FramePoint>,
    first_data_new: Option<FramePoint>,
    before_frames: [Option<FramePoint>; 2],
    after_frames: [Option<FramePoint>; 2],
    eapol: EapolState,
    eap: Option<(u64, u64, u32, bool, i64, i64)>,
    addts_requests: Vec<AddtsRequest>,
}

impl RoamState {
    /// The new AP's last answer accepted the station.
    fn accepted(&self) -> bool {
        matches!(self.last_answer, Some((_, 0)))
    }

    /// The key exchange the roam's key management needs is done: a 4-way handshake that
    /// started has reached message 4; without one, only key managements that need none (open,
    /// WEP, CCKM, FT: their keys come with the reassociation).
    fn keys_done(&self) -> bool {
        use roamgap_wire::dot11::ie::KeyManagement as K;
        match self.eapol.m1 {
            Some(_) => self.eapol.m4.is_some(),
            None => matches!(
                self.roam.key_management,
                Some(K::Open | K::Wep | K::Cckm | K::FtPsk | K::FtDot1x | K::FtSae)
            ),
        }
    }

    /// Why the roam failed, from its last exchange: its last request unanswered, refused, or
    /// accepted and left.
    fn failure_outcome(&self) -> Outcome {
        match self.last_answer {
            Some((a, status)) if a.frame > self.last_request.frame => {
                if status == 0 {
                    Outcome::Abandoned
                } else {
                    Outcome::Refused
                }
            }
            _ => Outcome::Unanswered,
        }
    }
}

/// User data: what a call carries, RTP or any other data frame but Null and QoS Null (which
/// carry nothing). EAPOL and EAP are events of their own, never user data.
fn is_user_data(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Rtp { .. } | EventKind::Data { null: false, .. }
    )
}

/// Events of one kind whose 802.11 retransmissions must not count twice.
fn retransmission_class(kind: &EventKind) -> Option<usize> {
    Some(match kind {
        EventKind::AssocRequest(_) => 0,
        EventKind::AssocResponse { .. } => 1,
        EventKind::Auth { .. } => 2,
        EventKind::Deauth { .. } => 3,
        EventKind::Addts { .. } => 4,
        EventKind::FtAction { .. } => 5,
        EventKind::EapolKey { .. } => 6,
        EventKind::Eap { .. } => 7,
        _ => return None,
    })
}

const AUTH_LOOKBACK_NS: i64 = 5_000_000_000;
const AUTH_MEMORY: usize = 16;
const PROBE_MEMORY: usize = 32;
/// Probe requests further apart than this belong to different scans.
const SCAN_BREAK_NS: i64 = 1_000_000_000;

/// Most notes kept per station (a station the sniffer keeps losing would repeat itself).
const MAX_NOTES: usize = 20;
impl Station {
    pub(super) fn new(capture: usize, station: MacAddr, config: Config) -> Station {
        Station {
            capture,
            station,
            config,
            current: None,
            roams: Vec::new(),
            streams: Vec::new(),
            stream_index: StreamIndex::default(),
            on_probation: Vec::new(),
            rtp_set_aside: RtpSetAside::default(),
            last_voice_frame: [None; 2],
            voice_frame_seq: [None; 2],
            cadence: [Cadence::new(), Cadence::new()],
            data_bss: Vec::new(),
            signal: Window::default(),
            rate: Window::default(),
            probes: Vec::new(),
            last_on_current: None,
            first_elsewhere: None,
            last_user_data: None,
            outage_open: 0,
            awaiting_next: None,
            auth_only: None,
            missed: Vec::new(),
            elsewhere: Vec::new(),
            last_data: None,
            ft_over_ds: Vec::new(),
            auths: Vec::new(),
            last_seq: [[None; 2]; 8],
            notes: Vec::new(),
        }
    }

    /// Takes the station's next event (frame order).
    pub(super) fn event(&mut self, e: &Event) {
        let dir = Direction::of(e.from_station);
        self.settle(e);
        let user_data = is_user_data(&e.kind);
        if user_data && !e.retry {
            self.outage_data(e);
        }
        if user_data {
            let point = FramePoint::of(e);
            self.last_data = Some(point);
            if let Some(r) = self
                .roams
                .last_mut()
                .filter(|r| r.roam.to_bssid == e.bssid && e.frame > r.roam.request_frame)
            {
                r.first_data_new.get_or_insert(point);
            }
        }
        let data = matches!(e.kind, EventKind::Rtp { .. } | EventKind::Data { .. });
        if e.from_station {
            // Data frames say where the station is; its authentication and reassociation
            // frames to a new AP must not hide how it was heard on the old one.
            if data {
                if self.signal.bssid != e.bssid {
                    self.signal = Window::for_bssid(e.bssid);
                }
                if self.rate.bssid != e.bssid {
                    self.rate = Window::for_bssid(e.bssid);
                }
                if let Some(dbm) = e.signal_dbm {
                    self.signal.push(dbm);
                }
                if let Some(rate) = e.rate_100kbps {
                    self.rate.push(rate);
                }
            }
            if let Some(r) = self
                .roams
                .last_mut()
                .filter(|r| r.roam.to_bssid == e.bssid && e.frame > r.roam.request_frame)
            {
                if let Some(dbm) = e.signal_dbm.filter(|_| data && !r.signal_after.full()) {
                    r.signal_after.push(dbm);
                }
                if let Some(rate) = e.rate_100kbps.filter(|_| data && !r.rate_after.full()) {
                    r.rate_after.push(rate);
                }
            }
        } else if data {
            // The old AP still sending to a station that has left: deliveries that fail
            // ("max retries" in the AP's log).
            let window_ns = (self.config.deauth_window_ms * 1e6) as i64;
            // Only while the station is away: after a failed roam it is back, and the old AP's
            // frames reach it.
            if let Some(r) = self.roams.last_mut().filter(|r| {
                r.roam.from_bssid == e.bssid
                    && e.frame > r.roam.request_frame
                    && e.ts_ns - r.request_ns <= window_ns
                    && r.outcome.is_none_or(|o| !o.failed())
            }) {
                let o = &mut r.old_ap;
                let point = FramePoint::of(e);
                o.transmissions += 1;
                o.retries += u32::from(e.retry);
                if !(e.retry && o.last_seq == Some(e.dot11_seq)) {
                    o.msdus += 1;
                }
                o.last_seq = Some(e.dot11_seq);
                o.first.get_or_insert(point);
                o.last = Some(point);
            }
        }
        if user_data && e.from_station {
            let point = FramePoint::of(e);
            if Some(e.bssid) == self.current {
                self.last_on_current = Some(point);
                self.first_elsewhere = None;
            } else if self.current.is_some() && self.first_elsewhere.is_none() {
                self.first_elsewhere = Some(point);
            }
        }
        // BSSs seen only through data frames still belong in the BSS table.
        if data
            && self.data_bss.last().is_none_or(|b| b.0 != e.bssid)
            && !self.data_bss.iter().any(|b| b.0 == e.bssid)
            && self.data_bss.len() < 16
        {
            self.data_bss.push((
                e.bssid,
                e.channel_mhz
                    .filter(|&m| roamgap_wire::linklayer::channel_of_mhz(m).is_some()),
            ));
        }
        if let Some(class) = retransmission_class(&e.kind) {
            let last = &mut self.last_seq[class][dir.index()];
            if e.retry && *last == Some(e.dot11_seq) {
                return;
            }
            *last = Some(e.dot11_seq);
        }
        match e.kind {
            EventKind::AssocRequest(req) if e.from_station => {
                // A request to the AP it authenticated with makes the attempt a roam; one
                // elsewhere leaves that attempt behind.
                if self.auth_only.is_some_and(|a| a.bssid == e.bssid) {
                    self.auth_only = None;
                } else {
                    self.flush_auth_only();
                }
                self.request(e, &req)
            }
            EventKind::AssocResponse {
                status,
                cckm_element,
                ..
            } if !e.from_station => self.response(e, status, cckm_element),
            EventKind::ProbeRequest if e.from_station && !e.retry => {
                if self.probes.len() == PROBE_MEMORY {
                    self.probes.remove(0);
                }
                self.probes.push(ProbePoint::of(e));
            }
            EventKind::Auth { status, .. } => self.auth(e, status),
            EventKind::Deauth {
                reason,
                disassociation,
            } => self.deauth(e, reason, disassociation),
            EventKind::EapolKey { message, .. } => self.eapol(e, message),
            EventKind::Eap { code, .. } => self.eap(e, code),
            // FT Request (action 1) from the station through its current AP, and the AP's FT
            // Response (action 2): the authentication of FT over the DS.
            EventKind::FtAction {
                action: action @ (1 | 2),
                target_ap,
                status,
            } if e.from_station == (action == 1) => {
                if self.ft_over_ds.len() == 8 {
                    self.ft_over_ds.remove(0);
                }
                self.ft_over_ds.push(FtOverDs {
                    frame: e.frame,
                    ts_ns: e.ts_ns,
                    target: target_ap,
                    status,
                });
            }
            EventKind::Addts {
                kind,
                response,
                dialog_token,
                status,
                tspec,
            } => {
                let ts = tspec.map(|t| (t.tid, t.user_priority));
                self.addts(e, kind, response, dialog_token, status, ts)
            }
            EventKind::Rtp {
                ssrc,
                sequence,
                payload_type,
                src_port,
                dst_port,
                ..
            } => self.rtp(e, dir, ssrc, sequence, payload_type, (src_port, dst_port)),
            EventKind::Data {
                protected: true,
                null: false,
            } if matches!(e.user_priority, Some(6 | 7)) => {
                self.encrypted_voice(e, dir);
                if e.from_station {
                    self.uplink_data(e);
                }
            }
            EventKind::Data { null: false, .. } if e.from_station => self.uplink_data(e),
            _ => {}
        }
    }
}

/// Authentication frames with an AP the station is not on, before any (re)association request
/// to it.
#[derive(Clone, Copy)]
struct AuthOnly {
    bssid: MacAddr,
    first: u64,
    last: u64,
    requests: u32,
    /// The AP's last answer's status.
    answer: Option<u16>,
}

/// Bytes of a vector's buffer.
fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

pub(super) struct Station {
    capture: usize,
    station: MacAddr,
    config: Config,
    /// The BSSID the station was last associated to or sending data through.
    current: Option<MacAddr>,
    roams: Vec<RoamState>,
    /// Its RTP streams, in the order they passed probation, indexed by direction and SSRC.
    streams: Vec<StreamEntry>,
    stream_index: StreamIndex,
    /// RTP sources not yet streams (RFC 3550 A.1 probation).
    on_probation: Vec<StreamEntry>,
    rtp_set_aside: RtpSetAside,
    last_voice_frame: [Option<FramePoint>; 2],
    /// 802.11 sequence number of the last encrypted voice frame, per direction.
    voice_frame_seq: [Option<u16>; 2],
    cadence: [Cadence; 2],
    /// BSSIDs the station exchanged data through, with the channel first seen.
    pub(super) data_bss: Vec<(MacAddr, Option<u16>)>,
    /// Signal and data rate of the station's recent data frames through the BSSID it last
    /// sent through.
    signal: Window<i8>,
    rate: Window<u16>,
    /// Its recent probe requests.
    probes: Vec<ProbePoint>,
    /// Its last data frame through the BSSID it is using, and the first through another one
    /// since (a roam the sniffer missed, when no (re)association is seen).
    last_on_current: Option<FramePoint>,
    first_elsewhere: Option<FramePoint>,
    /// Its last user data frame, either direction, retransmissions excluded.
    last_user_data: Option<FramePoint>,
    /// The first roam whose outage has not ended (its station's user data has not resumed).
    outage_open: usize,
    /// A failed roam that does not know yet where the station went next.
    awaiting_next: Option<usize>,
    /// An authentication attempt not (yet) followed by a (re)association request.
    auth_only: Option<AuthOnly>,
    /// Roams seen only by their effect: (old BSSID, new BSSID, last data old, first data new).
    missed: Vec<(MacAddr, MacAddr, FramePoint, FramePoint)>,
    /// Data through another BSSID than the one in use, with no (re)association and no data
    /// through the old one before to pair it with: (frame, new BSSID, BSSID in use). Named in
    /// a note once the capture tells whether both BSSIDs are corroborated.
    elsewhere: Vec<(u64, MacAddr, MacAddr)>,
    /// The station's last data frame (user data: not EAPOL), either direction.
    last_data: Option<FramePoint>,
    /// Recent FT requests and responses over the DS (through the current AP).
    ft_over_ds: Vec<FtOverDs>,
    auths: Vec<Event>,
    last_seq: [[Option<u16>; 2]; 8],
    notes: Vec<Note>,
}

impl Station {
    /// Bytes it holds on the heap: its containers and what they hold in turn (the state its
    /// memory bound is stated in; a roam's report is counted by its fixed part).
    fn heap_bytes(&self) -> usize {
        let roams: usize = self
            .roams
            .iter()
            .map(|r| {
                vec_bytes(&r.before)
                    + vec_bytes(&r.after)
                    + vec_bytes(&r.addts_requests)
                    + vec_bytes(&r.eapol.delays_ms)
                    + vec_bytes(&r.roam.addts)
                    + vec_bytes(&r.roam.tspec)
            })
            .sum();
        let notes: usize = self.notes.iter().map(|n| n.message.capacity()).sum();
        let index = self.stream_index.capacity() * (size_of::<((Direction, u32), usize)>() + 1);
        vec_bytes(&self.roams)
            + roams
            + vec_bytes(&self.streams)
            + vec_bytes(&self.on_probation)
            + index
            + self.cadence.iter().map(Cadence::heap_bytes).sum::<usize>()
            + vec_bytes(&self.data_bss)
            + vec_bytes(&self.probes)
            + vec_bytes(&self.missed)
            + vec_bytes(&self.elsewhere)
            + vec_bytes(&self.ft_over_ds)
            + vec_bytes(&self.auths)
            + vec_bytes(&self.notes)
            + notes
    }

    /// The latest roam, if the event belongs to it: from its new AP and after its request.
    fn roam_of(&mut self, e: &Event) -> Option<&mut RoamState> {
        self.roams
            .last_mut()
            .filter(|r| r.roam.to_bssid == e.bssid && e.frame > r.roam.request_frame)
    }

    /// Decides the roam in progress from the station's next frame: user data through the
    /// new AP completes it; a (re)association request elsewhere, user data through the AP it
    /// came from, or two user data frames in a row through a third AP mean the station turned
    /// elsewhere, so the roam failed (`docs/METRICS.md`, "Roam outcomes").
    fn settle(&mut self, e: &Event) {
        let turned = e.from_station
            && (is_user_data(&e.kind)
                || matches!(e.kind, EventKind::AssocRequest(_) | EventKind::Auth { .. }));
        if turned {
            if let Some(j) = self.awaiting_next.take() {
                self.roams[j].next = Some((e.bssid, e.frame));
            }
        }
        let Some(i) = self.roams.len().checked_sub(1) else {
            return;
        };
        let r = &mut self.roams[i];
        if r.outcome.is_some() || e.frame <= r.roam.request_frame {
            return;
        }
        if e.bssid == r.roam.to_bssid {
            if is_user_data(&e.kind) {
                self.decide(i, Outcome::Completed);
            } else {
                r.last_exchange = FramePoint::of(e);
            }
            return;
        }
        let moved = match e.kind {
            EventKind::AssocRequest(_) => e.from_station,
            // An authentication elsewhere announces where the station is going; the request
            // that follows decides.
            EventKind::Auth { .. } if e.from_station => {
                if r.elsewhere.is_none_or(|(p, _)| p.bssid != e.bssid) {
                    r.elsewhere = Some((FramePoint::of(e), 0));
                }
                false
            }
            _ if e.from_station && is_user_data(&e.kind) && !e.retry => {
                let point = FramePoint::of(e);
                let seen = match r.elsewhere {
                    Some((first, n)) if first.bssid == e.bssid => (first, n + 1),
                    _ => (point, 1),
                };
                r.elsewhere = Some(seen);
                e.bssid == r.roam.from_bssid || seen.1 >= 2
            }
            _ => false,
        };
        if !moved {
            return;
        }
        // A request naming the new AP as the station's Current AP, after that AP accepted it
        // and the keys its key management needs were exchanged: the station was on it (its
        // data went by unseen).
        let names_new_ap = matches!(e.kind, EventKind::AssocRequest(req)
            if req.current_ap == Some(r.roam.to_bssid));
        if names_new_ap && r.accepted() && r.keys_done() {
            self.decide(i, Outcome::Completed);
            return;
        }
        let first = match r.elsewhere {
            Some((p, _)) if p.bssid == e.bssid => p,
            _ => FramePoint::of(e),
        };
        r.next = Some((first.bssid, first.frame));
        let outcome = r.failure_outcome();
        self.decide(i, outcome);
    }

    /// Records the outcome of roam `i`: a completed roam puts the station on the new AP; a
    /// failed one leaves it on the AP it came from.
    fn decide(&mut self, i: usize, outcome: Outcome) {
        let r = &mut self.roams[i];
        r.outcome = Some(outcome);
        self.current = Some(if outcome == Outcome::Completed {
            r.roam.to_bssid
        } else {
            r.roam.from_bssid
        });
        if outcome.failed() && r.next.is_none() {
            self.awaiting_next = Some(i);
        }
    }

    /// User data (not a retransmission): it ends the outage of every roam waiting for it, when
    /// the station sent it, or when the AP the station is on sent it once no roam is in
    /// progress (an AP still sending to a station that is trying another one proves nothing).
    fn outage_data(&mut self, e: &Event) {
        let in_progress = self.roams.last().is_some_and(|r| r.outcome.is_none());
        if self.outage_open < self.roams.len()
            && (e.from_station || (!in_progress && Some(e.bssid) == self.current))
        {
            let point = FramePoint::of(e);
            for r in &mut self.roams[self.outage_open..] {
                r.outage_end.get_or_insert(point);
            }
            self.outage_open = self.roams.len();
        }
        self.last_user_data = Some(FramePoint::of(e));
    }

    fn request(&mut self, e: &Event, req: &AssocRequest) {
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
        let previous_request = self.roams.last().map_or(i64::MIN, |r| r.request_ns);
        // The fast path the station offered: FT over the DS (an FT request through the old AP
        // for this target), FT over the air, CCKM, PMK caching / OKC (a PMKID), or none.
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
        // Over the DS, the FT request/response through the old AP is the authentication.
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
        let fast_path_offered = if over_ds {
            FastPath::FtOverDs
        } else if req.fast_transition {
            FastPath::FtOverTheAir
        } else if req.cckm_element {
            FastPath::Cckm
        } else if req.pmkid {
            FastPath::PmkCaching
        } else {
            FastPath::None
        };
        let signal_before = (self.signal.bssid == from)
            .then(|| self.signal.median())
            .flatten();
        let rate_before = (self.rate.bssid == from)
            .then(|| self.rate.median())
            .flatten();
        let first_to_new = with_new_ap(authentication.as_ref()).map_or(e.frame, |(frame, _)| frame);
        let scanning = self.scan(first_to_new, e.ts_ns, previous_request);
        let roam = Roam {
            signal_before_dbm: signal_before,
            signal_after_dbm: None,
            rate_before_mbps: rate_before.map(|r| f64::from(r) / 10.0),
            rate_after_mbps: None,
            scanning,
            old_ap_after_leaving: None,
            fast_path_offered,
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
        };
        let first_exchange =
            with_new_ap(roam.authentication.as_ref()).map_or(point, |(frame, time)| FramePoint {
                frame,
                ts_ns: (time * 1e9).round() as i64,
                bssid: e.bssid,
            });
        // Its authentication requests to the new AP count as attempts too.
        let auth_requests = self
            .auths
            .iter()
            .filter(|a| a.from_station && a.bssid == e.bssid && a.frame >= first_exchange.frame)
            .count() as u32;
        self.roams.push(RoamState {
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
            request_channel: e.channel_mhz.and_then(super::ChannelInfo::of_mhz),
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
        });
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

    fn response(&mut self, e: &Event, status: u16, cckm: bool) {
        let mut in_progress = false;
        if let Some(r) = self.roam_of(e).filter(|r| r.outcome.is_none()) {
            in_progress = true;
            r.last_answer = Some((FramePoint::of(e), status));
            if !r.response_seen {
                r.response_seen = true;
                r.roam.response_frame = Some(e.frame);
                r.roam.response_time = Some(secs(e.ts_ns));
                r.roam.status = Some(status);
                r.roam.status_name = Some(status_name(status));
                r.roam.reassoc_latency_ms = Some(ms(e.ts_ns - r.request_ns));
                r.roam.cckm_in_response = cckm;
            }
        }
        // Outside a roam (a first association, or again with its own AP) an accepted
        // association puts the station on the AP; within one, only its completion does.
        if status == 0 && !in_progress {
            self.current = Some(e.bssid);
        }
    }

    /// An authentication frame: kept for the next roam's authentication phase; within a roam
    /// in progress, a new request or answer of the attempt.
    fn auth(&mut self, e: &Event, status: u16) {
        if self.auths.len() == AUTH_MEMORY {
            self.auths.remove(0);
        }
        self.auths.push(*e);
        if let Some(r) = self.roam_of(e).filter(|r| r.outcome.is_none()) {
            let point = FramePoint::of(e);
            if e.from_station {
                r.attempts += 1;
                r.last_request = point;
            } else {
                r.last_answer = Some((point, status));
            }
            return;
        }
        // With an AP the station is not on, outside a roam: an attempt that becomes a roam
        // only with a (re)association request.
        if self.current.is_none_or(|c| c == e.bssid) {
            return;
        }
        match &mut self.auth_only {
            Some(a) if a.bssid == e.bssid => {
                a.last = e.frame;
                if e.from_station {
                    a.requests += 1;
                } else {
                    a.answer = Some(status);
                }
            }
            _ if e.from_station => {
                self.flush_auth_only();
                self.auth_only = Some(AuthOnly {
                    bssid: e.bssid,
                    first: e.frame,
                    last: e.frame,
                    requests: 1,
                    answer: None,
                });
            }
            _ => {}
        }
    }

    /// An authentication attempt that never came to a (re)association request: a note.
    fn flush_auth_only(&mut self) {
        let Some(a) = self.auth_only.take() else {
            return;
        };
        if self.notes.len() >= MAX_NOTES {
            return;
        }
        let how = match a.answer {
            None => "never answered".to_string(),
            Some(0) => "accepted".to_string(),
            Some(s) => format!("refused with status {s} ({})", status_name(s)),
        };
        self.notes.push(Note {
            station: self.station,
            frame: a.first,
            message: format!(
                "authenticated with {} (frames {}-{}, {} request{}, {how}) but sent it no \
                 (re)association request: an attempt to join it that failed before it became a roam",
                a.bssid,
                a.first,
                a.last,
                a.requests,
                if a.requests == 1 { "" } else { "s" }
            ),
        });
    }

    /// A deauthentication or disassociation between the station and the new AP, measured
    /// from the station's last request of the roam; the station's own, while the roam is
    /// undecided, is the station giving up.
    fn deauth(&mut self, e: &Event, reason: u16, disassociation: bool) {
        let window_ns = (self.config.deauth_window_ms * 1e6) as i64;
        let Some(i) = self.roams.len().checked_sub(1) else {
            return;
        };
        let Some(r) = self.roam_of(e) else { return };
        let since = r.last_request.ts_ns.min(e.ts_ns);
        if r.roam.deauth.is_none() && e.ts_ns - since <= window_ns {
            r.roam.deauth = Some(DeauthReport {
                reason,
                reason_name: reason_name(reason),
                frame: e.frame,
                time: secs(e.ts_ns),
                disassociation,
                by_station: e.from_station,
                after_ms: ms(e.ts_ns - since),
            });
        }
        if !(e.from_station && r.outcome.is_none()) {
            return;
        }
        r.gave_up = Some(e.frame);
        r.last_exchange = FramePoint::of(e);
        let outcome = r.failure_outcome();
        self.decide(i, outcome);
    }

    fn eapol(&mut self, e: &Event, message: KeyMessage) {
        let Some(r) = self.roam_of(e) else { return };
        let k = &mut r.eapol;
        if k.m4.is_some() {
            // A later rekey is not part of the roam.
            return;
        }
        match message {
            KeyMessage::M1 => match k.m1 {
                None => {
                    k.m1 = Some((e.frame, e.ts_ns));
                    k.last_m1_ns = e.ts_ns;
                }
                Some(_) => {
                    k.m1_retries += 1;
                    k.delays_ms.push(ms(e.ts_ns - k.last_m1_ns));
                    k.last_m1_ns = e.ts_ns;
                }
            },
            KeyMessage::M2 if k.m1.is_some() => {
                k.m2.get_or_insert(e.frame);
            }
            KeyMessage::M3 if k.m1.is_some() => {
                k.m3.get_or_insert(e.frame);
            }
            KeyMessage::M4 if k.m1.is_some() => k.m4 = Some((e.frame, e.ts_ns)),
            _ => {}
        }
    }

    fn eap(&mut self, e: &Event, code: u8) {
        let Some(r) = self.roam_of(e) else { return };
        let s = r
            .eap
            .get_or_insert((e.frame, e.frame, 0, false, e.ts_ns, e.ts_ns));
        s.1 = e.frame;
        s.2 += 1;
        s.3 |= code == 3;
        s.5 = e.ts_ns;
    }

    fn addts(
        &mut self,
        e: &Event,
        kind: AddtsKind,
        response: bool,
        token: u8,
        status: Option<u16>,
        ts: Option<(u8, u8)>,
    ) {
        let Some(r) = self.roam_of(e) else { return };
        if !response {
            r.addts_requests.push((kind, token, e.frame, ts, e.ts_ns));
            return;
        }
        let request = r
            .addts_requests
            .iter()
            .rev()
            .find(|q| q.0 == kind && q.1 == token)
            .copied();
        let status = status.unwrap_or(0);
        let tspec = ts.or(request.and_then(|q| q.3));
        r.roam.addts.push(AddtsReport {
            kind,
            status,
            status_name: match kind {
                AddtsKind::Wmm => wmm_status_name(status),
                AddtsKind::Qos => status_name(status),
            },
            frame: e.frame,
            time: secs(e.ts_ns),
            request_frame: request.map(|q| q.2),
            request_time: request.map(|q| secs(q.4)),
            dialog_token: token,
            tid: tspec.map(|t| t.0),
            up: tspec.map(|t| t.1),
        });
    }

    /// The station sending data through a BSSID shows it is using that BSSID.
    fn uplink_data(&mut self, e: &Event) {
        if self.auth_only.is_some_and(|a| a.bssid != e.bssid) {
            self.flush_auth_only();
        }
        if let Some(cur) = self.current {
            if cur != e.bssid {
                match (self.last_on_current, self.first_elsewhere) {
                    (Some(old), Some(new)) if self.missed.len() < MAX_NOTES => {
                        self.missed.push((cur, e.bssid, old, new))
                    }
                    _ if self.notes.len() + self.elsewhere.len() < MAX_NOTES => {
                        self.elsewhere.push((e.frame, e.bssid, cur))
                    }
                    _ => {}
                }
            }
        }
        self.current = Some(e.bssid);
    }
}

#[cfg(test)]
mod tests;
