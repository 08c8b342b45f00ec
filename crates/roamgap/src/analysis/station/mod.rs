//! One station's analysis, fed its events in frame order. Its state is bounded by the
//! station's streams and roams, never by the number of frames.
//!
//! Each job has its module: the roam state machine (`roam`: outcomes, answers, key exchanges;
//! `request`: what a (re)association request starts), the station's voice (`voice`), what its
//! frames show besides (`observe`: the old AP's failed deliveries, roams seen only through
//! data, signal and rate windows), what the analyzer holds of an address (`known`) and the
//! report assembled at the end (`assemble`).

use std::collections::VecDeque;

use super::{Config, Direction, MissedRoam, Note, Roam, StreamReport};
use crate::events::{Event, EventKind};
use roamgap_wire::dot11::MacAddr;

mod assemble;
mod known;
mod observe;
mod request;
mod roam;
mod series;
mod voice;
pub(super) use known::Known;
use observe::{DataBss, FtOverDs, OldApState};
use roam::{AuthOnly, RoamState};
use series::{Cadence, Window};
use voice::{RtpPacket, RtpSetAside, StreamEntry, StreamIndex, StreamKey};

pub(super) struct StationResult {
    pub(crate) roams: Vec<Roam>,
    pub(crate) streams: Vec<StreamReport>,
    pub(crate) notes: Vec<Note>,
    pub(crate) missed_roams: Vec<MissedRoam>,
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

/// A frame of the station's: where and when.
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

/// A frame and its time, ns since the epoch: a message of an exchange whose BSSID is known.
#[derive(Clone, Copy, Debug)]
struct FrameTime {
    frame: u64,
    ts_ns: i64,
}

impl FrameTime {
    fn of(e: &Event) -> FrameTime {
        FrameTime {
            frame: e.frame,
            ts_ns: e.ts_ns,
        }
    }
}

/// A roam seen only by its effect (`docs/METRICS.md`, "Roams the sniffer missed"): the BSSID the station
/// left, the one it turned up on, and its last data frame through the first and first through
/// the second.
#[derive(Clone, Copy, Debug)]
struct Missed {
    from: MacAddr,
    to: MacAddr,
    last_old: FramePoint,
    first_new: FramePoint,
}

/// Data from the station through another BSSID than the one in use, with no data through the
/// one in use to pair it with as a missed roam.
#[derive(Clone, Copy, Debug)]
struct DataElsewhere {
    frame: u64,
    /// The BSSID the frame went through.
    to: MacAddr,
    /// The BSSID the station was using.
    in_use: MacAddr,
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

/// User data: what a call carries, RTP or any other data frame but Null and QoS Null (which
/// carry nothing). EAPOL and EAP are events of their own, never user data.
fn is_user_data(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Rtp { .. } | EventKind::Data { null: false, .. }
    )
}

/// Data of any kind (Null frames included): what says which BSSID the station is using.
fn is_data(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Rtp { .. } | EventKind::Data { .. })
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

/// Most probe requests kept per station (its last scan is what a roam reports).
const PROBE_MEMORY: usize = 32;
/// Most notes kept per station (a station the sniffer keeps losing would repeat itself).
const MAX_NOTES: usize = 20;

/// Bytes of a vector's buffer.
fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

/// Bytes of a ring's buffer.
fn ring_bytes<T>(v: &VecDeque<T>) -> usize {
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
    data_bss: Vec<DataBss>,
    /// Signal and data rate of the station's recent data frames through the BSSID it last
    /// sent through.
    signal: Window<i8>,
    rate: Window<u16>,
    /// Its recent probe requests, oldest first (at most [`PROBE_MEMORY`]).
    probes: VecDeque<ProbePoint>,
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
    /// Roams seen only by their effect.
    missed: Vec<Missed>,
    /// Data through another BSSID than the one in use, with no (re)association and no data
    /// through the old one before to pair it with. Named in a note once the capture tells
    /// whether both BSSIDs are corroborated.
    elsewhere: Vec<DataElsewhere>,
    /// The station's last data frame (user data: not EAPOL), either direction.
    last_data: Option<FramePoint>,
    /// Recent FT requests and responses over the DS (through the current AP), oldest first.
    ft_over_ds: VecDeque<FtOverDs>,
    /// Its recent authentication frames, either way, oldest first.
    auths: VecDeque<Event>,
    /// The 802.11 sequence number of the last event of each retransmission class, per
    /// direction.
    last_seq: [[Option<u16>; 2]; 8],
    notes: Vec<Note>,
}

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
            probes: VecDeque::new(),
            last_on_current: None,
            first_elsewhere: None,
            last_user_data: None,
            outage_open: 0,
            awaiting_next: None,
            auth_only: None,
            missed: Vec::new(),
            elsewhere: Vec::new(),
            last_data: None,
            ft_over_ds: VecDeque::new(),
            auths: VecDeque::new(),
            last_seq: [[None; 2]; 8],
            notes: Vec::new(),
        }
    }

    /// Bytes it holds on the heap: its containers and what they hold in turn (the state its
    /// memory bound is stated in; a roam's report is counted by its fixed part).
    fn heap_bytes(&self) -> usize {
        let roams: usize = self.roams.iter().map(RoamState::heap_bytes).sum();
        let notes: usize = self.notes.iter().map(|n| n.message.capacity()).sum();
        let index = self.stream_index.capacity() * (size_of::<(StreamKey, usize)>() + 1);
        vec_bytes(&self.roams)
            + roams
            + vec_bytes(&self.streams)
            + vec_bytes(&self.on_probation)
            + index
            + self.cadence.iter().map(Cadence::heap_bytes).sum::<usize>()
            + vec_bytes(&self.data_bss)
            + ring_bytes(&self.probes)
            + vec_bytes(&self.missed)
            + vec_bytes(&self.elsewhere)
            + ring_bytes(&self.ft_over_ds)
            + ring_bytes(&self.auths)
            + vec_bytes(&self.notes)
            + notes
    }

    /// The latest roam, if the event belongs to it: from its new AP and after its request.
    fn roam_of(&mut self, e: &Event) -> Option<&mut RoamState> {
        self.roams
            .last_mut()
            .filter(|r| r.roam.to_bssid == e.bssid && e.frame > r.roam.request_frame)
    }

    /// Whether the event repeats the last of its kind in its direction (an 802.11
    /// retransmission), which must not count twice; remembers its sequence number.
    fn retransmitted(&mut self, e: &Event) -> bool {
        let Some(class) = retransmission_class(&e.kind) else {
            return false;
        };
        let last = &mut self.last_seq[class][Direction::of(e.from_station).index()];
        if e.retry && *last == Some(e.dot11_seq) {
            return true;
        }
        *last = Some(e.dot11_seq);
        false
    }

    /// Takes the station's next event (frame order).
    pub(super) fn event(&mut self, e: &Event) {
        let dir = Direction::of(e.from_station);
        self.settle(e);
        if is_user_data(&e.kind) && !e.retry {
            self.outage_data(e);
        }
        self.observe(e);
        if self.retransmitted(e) {
            return;
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
            EventKind::ProbeRequest if e.from_station && !e.retry => self.probe(e),
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
            } if e.from_station == (action == 1) => self.ft_action(e, target_ap, status),
            EventKind::Addts {
                kind,
                response,
                dialog_token,
                status,
                tspec,
            } => {
                let ts = tspec.map(|t| roam::TrafficStream {
                    tid: t.tid,
                    up: t.user_priority,
                });
                self.addts(e, kind, response, dialog_token, status, ts)
            }
            EventKind::Rtp {
                ssrc,
                sequence,
                payload_type,
                src_port,
                dst_port,
                ..
            } => {
                let packet = RtpPacket {
                    ssrc,
                    sequence,
                    payload_type,
                    src_port,
                    dst_port,
                };
                self.rtp(e, dir, packet)
            }
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

#[cfg(test)]
mod tests;
