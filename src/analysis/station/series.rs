//! What a station's frames add up to over time: the cadence of its encrypted voice and the
//! signal and rate of its last frames through one BSSID.

use crate::dot11::MacAddr;

/// The packet interval of an encrypted voice stream: the mean of the intervals between
/// consecutive frames that fall in the most common 1 ms bucket or its two neighbours
/// (20 ms for G.711 at 20 ms; the neighbours keep jitter around a bucket edge from biasing it).
pub(super) struct Cadence {
    buckets: [(u32, i64); Cadence::BUCKETS],
}

impl Cadence {
    const BUCKETS: usize = 200;

    pub(super) fn new() -> Cadence {
        Cadence {
            buckets: [(0, 0); Cadence::BUCKETS],
        }
    }

    pub(super) fn add(&mut self, interval_ns: i64) {
        let ms = interval_ns / 1_000_000;
        if (1..Cadence::BUCKETS as i64).contains(&ms) {
            let b = &mut self.buckets[ms as usize];
            b.0 += 1;
            b.1 += interval_ns;
        }
    }

    pub(super) fn interval_ns(&self) -> Option<i64> {
        let (mode, _) = self.buckets.iter().enumerate().max_by_key(|(_, b)| b.0)?;
        let near = &self.buckets[mode.saturating_sub(1)..(mode + 2).min(Cadence::BUCKETS)];
        let n: u32 = near.iter().map(|b| b.0).sum();
        let sum: i64 = near.iter().map(|b| b.1).sum();
        (n >= 3).then(|| sum / i64::from(n))
    }
}

/// The last values (signal levels, data rates) of a station's frames through one BSSID.
#[derive(Clone, Copy, Default)]
pub(super) struct Window<T> {
    pub(super) bssid: MacAddr,
    values: [T; WINDOW],
    len: usize,
    next: usize,
}

const WINDOW: usize = 16;

impl<T: Copy + Ord + Default> Window<T> {
    pub(super) fn for_bssid(bssid: MacAddr) -> Window<T> {
        Window {
            bssid,
            values: [T::default(); WINDOW],
            len: 0,
            next: 0,
        }
    }

    pub(super) fn full(&self) -> bool {
        self.len == WINDOW
    }

    pub(super) fn push(&mut self, v: T) {
        self.values[self.next] = v;
        self.next = (self.next + 1) % WINDOW;
        self.len = (self.len + 1).min(WINDOW);
    }

    pub(super) fn median(&self) -> Option<T> {
        let mut v = self.values;
        let v = &mut v[..self.len];
        v.sort_unstable();
        v.get(self.len / 2).copied()
    }
}
