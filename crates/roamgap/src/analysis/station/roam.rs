//! The roam state machine: a roam in progress takes the new AP's answers, the key exchanges
//! and the station's own frames until its outcome is decided (`docs/METRICS.md`, "Roam
//! outcomes"); authentication attempts that never became a roam end as notes.

use super::{
    is_user_data, vec_bytes, FramePoint, FrameTime, OldApState, Station, VoicePoint, Window,
    MAX_NOTES,
};
use crate::analysis::{ms, secs, AddtsReport, ChannelInfo, DeauthReport, Note, Outcome, Roam};
use crate::events::{Event, EventKind};
use roamgap_wire::dot11::action::{wmm_status_name, AddtsKind};
use roamgap_wire::dot11::data::KeyMessage;
use roamgap_wire::dot11::mgmt::{reason_name, status_name};
use roamgap_wire::dot11::MacAddr;

/// Most authentication frames kept per station (for the next roam's authentication phase).
const AUTH_MEMORY: usize = 16;

/// The 4-way handshake of a roam.
#[derive(Default)]
pub(super) struct EapolState {
    /// Message 1 (the first, when the AP sent it again).
    pub(super) m1: Option<FrameTime>,
    /// Time of the latest message 1.
    pub(super) last_m1_ns: i64,
    /// Messages 1 sent again (802.11 retransmissions excluded), and the delay before each.
    pub(super) m1_retries: u32,
    pub(super) delays_ms: Vec<f64>,
    pub(super) m2: Option<u64>,
    pub(super) m3: Option<u64>,
    /// Message 4.
    pub(super) m4: Option<FrameTime>,
}

/// A traffic stream an ADDTS exchange names: its TID and user priority.
#[derive(Clone, Copy, Debug)]
pub(super) struct TrafficStream {
    pub(super) tid: u8,
    pub(super) up: u8,
}

/// An ADDTS request awaiting its response.
#[derive(Clone, Copy, Debug)]
pub(super) struct AddtsRequest {
    pub(super) kind: AddtsKind,
    /// What the response repeats to name the request it answers.
    pub(super) dialog_token: u8,
    pub(super) frame: u64,
    pub(super) ts_ns: i64,
    /// The traffic stream of its TSPEC, if it has one.
    pub(super) tspec: Option<TrafficStream>,
}

/// The new AP's answer to a request of the roam (authentication or (re)association).
#[derive(Clone, Copy, Debug)]
pub(super) struct Answer {
    pub(super) at: FramePoint,
    /// Its status code (0: success).
    pub(super) status: u16,
}

/// Where the station went after a failed roam: its first frame through another BSSID.
#[derive(Clone, Copy, Debug)]
pub(super) struct NextBss {
    pub(super) bssid: MacAddr,
    pub(super) frame: u64,
}

/// The 802.1X/EAP exchange of a roam, from its first EAP packet to its last.
#[derive(Clone, Copy, Debug)]
pub(super) struct EapState {
    pub(super) first: FrameTime,
    pub(super) last: FrameTime,
    /// EAP packets, 802.11 retransmissions excluded.
    pub(super) packets: u32,
    /// An EAP-Success (code 3) was seen.
    pub(super) success: bool,
}

/// User data through a third BSSID while a roam is undecided: the first such frame, and how
/// many came in a row.
#[derive(Clone, Copy, Debug)]
pub(super) struct Elsewhere {
    pub(super) first: FramePoint,
    /// One frame could be a damaged address, two are the station elsewhere.
    pub(super) frames: u32,
}

/// A roam in progress or decided: its report so far and what deciding and assembling it need.
pub(super) struct RoamState {
    pub(super) roam: Roam,
    pub(super) request_ns: i64,
    pub(super) response_seen: bool,
    /// How the roam ended; None while it is in progress (see [`Station::settle`]).
    pub(super) outcome: Option<Outcome>,
    /// The station's latest request to the new AP (authentication or (re)association), and
    /// the new AP's latest answer with its status: what decides a failure's outcome.
    pub(super) last_request: FramePoint,
    pub(super) last_answer: Option<Answer>,
    /// Requests sent to the new AP (authentication and (re)association, retransmissions
    /// excluded), and the first and last frame exchanged with it while the roam was undecided.
    pub(super) attempts: u32,
    pub(super) first_exchange: FramePoint,
    pub(super) last_exchange: FramePoint,
    /// The station's deauthentication or disassociation of the new AP while undecided.
    pub(super) gave_up: Option<u64>,
    /// Where the station went after a failure.
    pub(super) next: Option<NextBss>,
    /// User data through a third BSSID while the roam is undecided.
    pub(super) elsewhere: Option<Elsewhere>,
    /// The station's last user data before the request and its first after the roam, through
    /// any AP (retransmissions excluded): the outage.
    pub(super) outage_start: Option<FramePoint>,
    pub(super) outage_end: Option<FramePoint>,
    /// The last packet of each of the station's streams when the request was sent.
    pub(super) before: Vec<VoicePoint>,
    /// The first packet of each stream through the new BSSID after the request.
    pub(super) after: Vec<VoicePoint>,
    /// Channel the request was captured on (when the BSS table has none for the new BSSID).
    pub(super) request_channel: Option<ChannelInfo>,
    /// The station's signal and data rate through the new BSSID, from its first frames after
    /// the request.
    pub(super) signal_after: Window<i8>,
    pub(super) rate_after: Window<u16>,
    /// The old AP's frames to the station after the request.
    pub(super) old_ap: OldApState,
    /// Its last data frame through the old BSSID before the request, first through the new
    /// one after.
    pub(super) last_data_old: Option<FramePoint>,
    pub(super) first_data_new: Option<FramePoint>,
    /// Per direction, its last encrypted voice frame through the old BSSID before the request
    /// and its first through the new one after.
    pub(super) before_frames: [Option<FramePoint>; 2],
    pub(super) after_frames: [Option<FramePoint>; 2],
    pub(super) eapol: EapolState,
    pub(super) eap: Option<EapState>,
    pub(super) addts_requests: Vec<AddtsRequest>,
}

impl RoamState {
    /// The new AP's last answer accepted the station.
    fn accepted(&self) -> bool {
        matches!(self.last_answer, Some(Answer { status: 0, .. }))
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
            Some(a) if a.at.frame > self.last_request.frame => {
                if a.status == 0 {
                    Outcome::Abandoned
                } else {
                    Outcome::Refused
                }
            }
            _ => Outcome::Unanswered,
        }
    }

    /// Bytes it holds on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        vec_bytes(&self.before)
            + vec_bytes(&self.after)
            + vec_bytes(&self.addts_requests)
            + vec_bytes(&self.eapol.delays_ms)
            + vec_bytes(&self.roam.addts)
            + vec_bytes(&self.roam.tspec)
    }
}

/// Authentication frames with an AP the station is not on, before any (re)association request
/// to it.
#[derive(Clone, Copy)]
pub(super) struct AuthOnly {
    pub(super) bssid: MacAddr,
    first: u64,
    last: u64,
    requests: u32,
    /// The AP's last answer's status.
    answer: Option<u16>,
}

impl Station {
    /// Decides the roam in progress from the station's next frame: user data through the
    /// new AP completes it; a (re)association request elsewhere, user data through the AP it
    /// came from, or two user data frames in a row through a third AP mean the station turned
    /// elsewhere, so the roam failed (`docs/METRICS.md`, "Roam outcomes").
    pub(super) fn settle(&mut self, e: &Event) {
        let turned = e.from_station
            && (is_user_data(&e.kind)
                || matches!(e.kind, EventKind::AssocRequest(_) | EventKind::Auth { .. }));
        if turned {
            if let Some(j) = self.awaiting_next.take() {
                self.roams[j].next = Some(NextBss {
                    bssid: e.bssid,
                    frame: e.frame,
                });
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
        if !turned_elsewhere(r, e) {
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
            Some(w) if w.first.bssid == e.bssid => w.first,
            _ => FramePoint::of(e),
        };
        r.next = Some(NextBss {
            bssid: first.bssid,
            frame: first.frame,
        });
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
    pub(super) fn outage_data(&mut self, e: &Event) {
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

    pub(super) fn response(&mut self, e: &Event, status: u16, cckm: bool) {
        let mut in_progress = false;
        if let Some(r) = self.roam_of(e).filter(|r| r.outcome.is_none()) {
            in_progress = true;
            r.last_answer = Some(Answer {
                at: FramePoint::of(e),
                status,
            });
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
    pub(super) fn auth(&mut self, e: &Event, status: u16) {
        if self.auths.len() == AUTH_MEMORY {
            self.auths.pop_front();
        }
        self.auths.push_back(*e);
        if let Some(r) = self.roam_of(e).filter(|r| r.outcome.is_none()) {
            let point = FramePoint::of(e);
            if e.from_station {
                r.attempts += 1;
                r.last_request = point;
            } else {
                r.last_answer = Some(Answer { at: point, status });
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
    pub(super) fn flush_auth_only(&mut self) {
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
    pub(super) fn deauth(&mut self, e: &Event, reason: u16, disassociation: bool) {
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

    pub(super) fn eapol(&mut self, e: &Event, message: KeyMessage) {
        let Some(r) = self.roam_of(e) else { return };
        let k = &mut r.eapol;
        if k.m4.is_some() {
            // A later rekey is not part of the roam.
            return;
        }
        match message {
            KeyMessage::M1 => match k.m1 {
                None => {
                    k.m1 = Some(FrameTime::of(e));
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
            KeyMessage::M4 if k.m1.is_some() => k.m4 = Some(FrameTime::of(e)),
            _ => {}
        }
    }

    pub(super) fn eap(&mut self, e: &Event, code: u8) {
        let Some(r) = self.roam_of(e) else { return };
        let s = r.eap.get_or_insert(EapState {
            first: FrameTime::of(e),
            last: FrameTime::of(e),
            packets: 0,
            success: false,
        });
        s.last = FrameTime::of(e);
        s.packets += 1;
        s.success |= code == 3;
    }

    pub(super) fn addts(
        &mut self,
        e: &Event,
        kind: AddtsKind,
        response: bool,
        dialog_token: u8,
        status: Option<u16>,
        tspec: Option<TrafficStream>,
    ) {
        let Some(r) = self.roam_of(e) else { return };
        if !response {
            r.addts_requests.push(AddtsRequest {
                kind,
                dialog_token,
                frame: e.frame,
                ts_ns: e.ts_ns,
                tspec,
            });
            return;
        }
        let request = r
            .addts_requests
            .iter()
            .rev()
            .find(|q| q.kind == kind && q.dialog_token == dialog_token)
            .copied();
        let status = status.unwrap_or(0);
        let tspec = tspec.or(request.and_then(|q| q.tspec));
        r.roam.addts.push(AddtsReport {
            kind,
            status,
            status_name: match kind {
                AddtsKind::Wmm => wmm_status_name(status),
                AddtsKind::Qos => status_name(status),
            },
            frame: e.frame,
            time: secs(e.ts_ns),
            request_frame: request.map(|q| q.frame),
            request_time: request.map(|q| secs(q.ts_ns)),
            dialog_token,
            tid: tspec.map(|t| t.tid),
            up: tspec.map(|t| t.up),
        });
    }
}

/// Whether the station's frame away from the new AP shows it turned elsewhere (a
/// (re)association request, user data through the AP it came from, or two user data frames in
/// a row through a third AP); an authentication elsewhere only announces where it is going.
fn turned_elsewhere(r: &mut RoamState, e: &Event) -> bool {
    match e.kind {
        EventKind::AssocRequest(_) => e.from_station,
        // An authentication elsewhere announces where the station is going; the request
        // that follows decides.
        EventKind::Auth { .. } if e.from_station => {
            if r.elsewhere.is_none_or(|w| w.first.bssid != e.bssid) {
                r.elsewhere = Some(Elsewhere {
                    first: FramePoint::of(e),
                    frames: 0,
                });
            }
            false
        }
        _ if e.from_station && is_user_data(&e.kind) && !e.retry => {
            let seen = match r.elsewhere {
                Some(w) if w.first.bssid == e.bssid => Elsewhere {
                    frames: w.frames + 1,
                    ..w
                },
                _ => Elsewhere {
                    first: FramePoint::of(e),
                    frames: 1,
                },
            };
            r.elsewhere = Some(seen);
            e.bssid == r.roam.from_bssid || seen.frames >= 2
        }
        _ => false,
    }
}
