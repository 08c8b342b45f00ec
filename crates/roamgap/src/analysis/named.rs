//! What corroborates a BSSID (`docs/METRICS.md`, "Suspect frames"): a roam or a station's
//! data through a BSSID is believed only when enough distinct frames name it.

use crate::events::{Event, EventKind};
use roamgap_wire::dot11::{MacAddr, MacMap};

/// What corroborates a BSSID (`docs/METRICS.md`, "Suspect frames"): in a capture without FCS
/// a bit error in an address makes a BSSID one frame names, and in a long capture two damaged
/// frames may even name the same one; a BSS shows itself in its own management frames (beacons,
/// probe responses, answers), a station's use of it in several frames.
#[derive(Default)]
pub(crate) struct Named {
    /// Per BSSID: distinct frames it sent other than data (beacons, probe responses,
    /// authentication and association answers, EAPOL-Key), counted up to 2.
    answers: MacMap<FrameCount>,
    /// Per station, per BSSID: distinct frames between them, counted up to 3.
    pairs: MacMap<MacMap<FrameCount>>,
    /// Entries in `answers` and `pairs`.
    entries: usize,
    /// More BSSIDs than [`Named::MAX`]: those not counted are taken as corroborated.
    overflow: bool,
}

/// Distinct frames that name an address, counted up to a bound, and the last of them (one
/// frame's several events count once).
#[derive(Clone, Copy, Debug, Default)]
struct FrameCount {
    frames: u8,
    last: u64,
}

impl FrameCount {
    /// Adds frame `frame` to a count kept up to `max`.
    fn add(&mut self, frame: u64, max: u8) {
        if self.frames == 0 || self.last != frame {
            *self = FrameCount {
                frames: self.frames.saturating_add(1).min(max),
                last: frame,
            };
        }
    }

    /// Adds another shard's count (`other`, ending with its frame): a frame both counted
    /// (one frame's events in two shards) counts once.
    fn merge(&mut self, other: FrameCount, max: u8) {
        let shared = u8::from(self.frames > 0 && self.last == other.last);
        *self = FrameCount {
            frames: self.frames.saturating_add(other.frames - shared).min(max),
            last: self.last.max(other.last),
        };
    }

    /// The count of a first frame.
    fn first(frame: u64) -> FrameCount {
        FrameCount {
            frames: 1,
            last: frame,
        }
    }
}

impl Named {
    /// Entries counted per shard: bounds the memory a capture of random addresses takes.
    const MAX: usize = 1 << 18;
    /// Answers that show a BSS.
    const ANSWERS: u8 = 2;
    /// Frames between a station and a BSSID that show the station used it: with a request to
    /// it among them (a roam), or data only (a roam the sniffer missed).
    const WITH_REQUEST: u8 = 2;
    const DATA_ONLY: u8 = 3;

    /// Every address taken as corroborated (a station's state machine tested on its own).
    #[cfg(test)]
    pub(crate) fn every() -> Named {
        Named {
            overflow: true,
            ..Named::default()
        }
    }

    /// Counts the addresses the event names.
    pub(super) fn add(&mut self, e: &Event) {
        if e.bssid == MacAddr::BROADCAST {
            return;
        }
        // Counts go on; only new addresses are refused once full.
        let full = self.entries >= Self::MAX;
        let data = matches!(e.kind, EventKind::Rtp { .. } | EventKind::Data { .. });
        if !e.from_station && !data {
            match self.answers.get_mut(&e.bssid) {
                Some(n) => n.add(e.frame, Self::ANSWERS),
                None if !full => {
                    self.answers.insert(e.bssid, FrameCount::first(e.frame));
                    self.entries += 1;
                }
                None => self.overflow = true,
            }
        }
        match self
            .pairs
            .get_mut(&e.station)
            .and_then(|p| p.get_mut(&e.bssid))
        {
            Some(n) => n.add(e.frame, Self::DATA_ONLY),
            None if !full => {
                let per = self.pairs.entry(e.station).or_default();
                per.insert(e.bssid, FrameCount::first(e.frame));
                self.entries += 1;
            }
            None => self.overflow = true,
        }
    }

    /// Adds another shard's counts.
    pub(super) fn merge(&mut self, other: &Named) {
        self.overflow |= other.overflow;
        for (&bssid, &n) in &other.answers {
            self.answers
                .entry(bssid)
                .or_default()
                .merge(n, Self::ANSWERS);
        }
        for (&station, per) in &other.pairs {
            let mine = self.pairs.entry(station).or_default();
            for (&bssid, &n) in per {
                mine.entry(bssid).or_default().merge(n, Self::DATA_ONLY);
            }
        }
    }

    /// `bssid` answered in at least two frames, or `station` exchanged at least `frames`
    /// frames with it.
    fn shown(&self, station: MacAddr, bssid: MacAddr, frames: u8) -> bool {
        if self
            .answers
            .get(&bssid)
            .is_some_and(|n| n.frames >= Self::ANSWERS)
        {
            return true;
        }
        match self.pairs.get(&station).and_then(|p| p.get(&bssid)) {
            Some(n) => n.frames >= frames,
            None => self.overflow,
        }
    }

    /// Whether only one frame names `station` (with a BSSID): as likely a damaged address.
    pub(crate) fn lone(&self, station: MacAddr) -> bool {
        match self.pairs.get(&station) {
            Some(per) => per.values().map(|n| u32::from(n.frames)).sum::<u32>() <= 1,
            None => !self.overflow,
        }
    }

    /// Whether `station`'s request to `bssid` (a roam) is corroborated.
    pub(crate) fn requested(&self, station: MacAddr, bssid: MacAddr) -> bool {
        self.shown(station, bssid, Self::WITH_REQUEST)
    }

    /// Whether `station`'s data through `bssid` shows it was there (a roam the sniffer missed).
    pub(crate) fn used(&self, station: MacAddr, bssid: MacAddr) -> bool {
        self.shown(station, bssid, Self::DATA_ONLY)
    }
}
