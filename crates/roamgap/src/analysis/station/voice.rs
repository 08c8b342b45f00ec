//! A station's voice: its RTP streams (indexed by direction and SSRC, validated as RFC 3550
//! A.1 does, bounded per station) and the frame timing of its encrypted voice.

use std::collections::HashMap;

use super::{FramePoint, Station, VoicePoint, MAX_NOTES};
use crate::analysis::stream::{Arrival, StreamState};
use crate::analysis::{Direction, Note};
use crate::events::Event;

/// Most RTP sources of a station on probation at once: a source per packet (never a stream)
/// must not make each packet a search through all the others.
const MAX_ON_PROBATION: usize = 8;
/// Most RTP streams kept per station: far more than the calls of a phone, few enough for a
/// report to list.
const MAX_STREAMS: usize = 256;

/// One RTP stream of the station (or source on probation), with its last new packet.
pub(super) struct StreamEntry {
    pub(super) dir: Direction,
    pub(super) ssrc: u32,
    pub(super) state: StreamState,
    pub(super) last: VoicePoint,
    /// The number of roams when its first packet through the latest roam's new AP was kept
    /// (so that it is kept once).
    pub(super) after_of: usize,
}

/// A station's streams by direction and SSRC. Its hasher has no per-map keys (whose 16 bytes
/// every station would carry): the map holds at most [`MAX_STREAMS`], so colliding SSRCs cost
/// little.
pub(super) type StreamIndex = HashMap<
    StreamKey,
    usize,
    std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>,
>;

/// What tells a station's streams apart: their direction and SSRC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct StreamKey {
    pub(super) dir: Direction,
    pub(super) ssrc: u32,
}

/// The RTP header fields (and UDP ports) of a packet the station sent or received.
#[derive(Clone, Copy, Debug)]
pub(super) struct RtpPacket {
    pub(super) ssrc: u32,
    pub(super) sequence: u16,
    pub(super) payload_type: u8,
    pub(super) src_port: u16,
    pub(super) dst_port: u16,
}

/// RTP sources dropped for want of room (see [`MAX_ON_PROBATION`], [`MAX_STREAMS`]): how
/// many, their packets, the first of them.
#[derive(Clone, Copy, Default)]
pub(super) struct RtpSetAside {
    pub(super) sources: u64,
    pub(super) packets: u64,
    pub(super) first_frame: Option<u64>,
}

impl RtpSetAside {
    pub(super) fn add(&mut self, s: &StreamEntry) {
        self.sources += 1;
        self.packets += s.state.received + s.state.set_aside;
        let first = s.state.first_frame;
        self.first_frame = Some(self.first_frame.map_or(first, |f| f.min(first)));
    }
}

impl Station {
    /// An RTP packet of the station's, either way.
    pub(super) fn rtp(&mut self, e: &Event, dir: Direction, packet: RtpPacket) {
        let RtpPacket {
            ssrc,
            sequence: seq,
            ..
        } = packet;
        let key = StreamKey { dir, ssrc };
        if dir == Direction::Uplink {
            self.uplink_data(e);
        }
        let point = |ext| VoicePoint {
            dir,
            frame: e.frame,
            ts_ns: e.ts_ns,
            bssid: e.bssid,
            ssrc,
            ext,
        };
        // The stream's packet, and on the packet that ends its probation the one before it
        // (the first of its run, which may be its first through a new AP).
        let (i, first) = match self.stream_index.get(&key) {
            Some(&i) => {
                let s = &mut self.streams[i];
                match s.state.packet(seq, e.frame, e.ts_ns) {
                    Arrival::New(ext) => s.last = point(ext),
                    _ => return,
                }
                (i, None)
            }
            None => {
                let Some(at) = self
                    .on_probation
                    .iter()
                    .position(|s| s.dir == dir && s.ssrc == ssrc)
                else {
                    self.new_source(e, dir, packet);
                    return;
                };
                let s = &mut self.on_probation[at];
                let before = s.last;
                match s.state.packet(seq, e.frame, e.ts_ns) {
                    Arrival::New(ext) => s.last = point(ext),
                    Arrival::Probation(ext) => {
                        s.last = point(ext);
                        return;
                    }
                    Arrival::Duplicate | Arrival::SetAside => return,
                }
                // Past its probation with no room left, it stays where it is until it makes
                // way for another source or the capture ends: set aside.
                if self.streams.len() == MAX_STREAMS {
                    return;
                }
                let s = self.on_probation.swap_remove(at);
                self.stream_index.insert(key, self.streams.len());
                self.streams.push(s);
                (self.streams.len() - 1, Some(before))
            }
        };
        let roams = self.roams.len();
        if let Some(r) = self
            .roams
            .last_mut()
            .filter(|r| r.roam.to_bssid == e.bssid && e.frame > r.roam.request_frame)
        {
            let s = &mut self.streams[i];
            if s.after_of != roams {
                s.after_of = roams;
                let first = first.filter(|p| p.bssid == e.bssid && p.frame > r.roam.request_frame);
                r.after.push(first.unwrap_or(s.last));
            }
        }
    }

    /// A source's first packet: it goes on probation, in place of the one on probation heard
    /// from least recently when there is no room.
    fn new_source(&mut self, e: &Event, dir: Direction, packet: RtpPacket) {
        let ssrc = packet.ssrc;
        if self.on_probation.len() == MAX_ON_PROBATION {
            if let Some(oldest) =
                (0..self.on_probation.len()).min_by_key(|&j| self.on_probation[j].last.frame)
            {
                let s = self.on_probation.swap_remove(oldest);
                self.rtp_set_aside.add(&s);
            }
        }
        let state = StreamState::new(
            packet.sequence,
            e.frame,
            e.ts_ns,
            packet.payload_type,
            packet.src_port,
            packet.dst_port,
        );
        self.on_probation.push(StreamEntry {
            dir,
            ssrc,
            last: VoicePoint {
                dir,
                frame: e.frame,
                ts_ns: e.ts_ns,
                bssid: e.bssid,
                ssrc,
                ext: state.max_ext,
            },
            state,
            after_of: 0,
        });
    }

    /// A note of the sources set aside for want of room, if any.
    pub(super) fn note_rtp_set_aside(&mut self) {
        let mut a = self.rtp_set_aside;
        // Sources past their probation that found no room.
        for s in self.on_probation.iter().filter(|s| s.state.valid()) {
            a.add(s);
        }
        let Some(frame) = a.first_frame.filter(|_| self.notes.len() < MAX_NOTES) else {
            return;
        };
        self.notes.push(Note {
            station: self.station,
            frame,
            message: format!(
                "sends RTP under more SSRCs than can be followed ({MAX_ON_PROBATION} on probation \
                 at once, {MAX_STREAMS} streams): {} source{} set aside with {} packet{}, from frame {frame}",
                a.sources,
                if a.sources == 1 { "" } else { "s" },
                a.packets,
                if a.packets == 1 { "" } else { "s" },
            ),
        });
    }

    /// A voice-priority data frame with an encrypted payload: the voice of encrypted calls.
    pub(super) fn encrypted_voice(&mut self, e: &Event, dir: Direction) {
        let d = dir.index();
        if e.retry && self.voice_frame_seq[d] == Some(e.dot11_seq) {
            return;
        }
        self.voice_frame_seq[d] = Some(e.dot11_seq);
        if let Some(last) = self.last_voice_frame[d].filter(|p| p.bssid == e.bssid) {
            self.cadence[d].add(e.ts_ns - last.ts_ns);
        }
        let point = FramePoint::of(e);
        self.last_voice_frame[d] = Some(point);
        if let Some(r) = self.roam_of(e) {
            r.after_frames[d].get_or_insert(point);
        }
    }
}
