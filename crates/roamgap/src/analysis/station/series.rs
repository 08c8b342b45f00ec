//! What a station's frames add up to over time: the cadence of its encrypted voice and the
//! signal and rate of its last frames through one BSSID.

use roamgap_wire::dot11::MacAddr;

/// The packet interval of an encrypted voice stream: the mean of the intervals between
/// consecutive frames that fall in the most common 1 ms bucket or its two neighbours
/// (20 ms for G.711 at 20 ms; the neighbours keep jitter around a bucket edge from biasing it).
/// Buckets are kept only once an interval falls in them: most stations never send encrypted
/// voice, and a voice stream's intervals fill a few.
#[derive(Default)]
pub(super) struct Cadence {
    /// Ordered by bucket.
    buckets: Vec<Bucket>,
}

/// The intervals of one millisecond.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// The interval's whole milliseconds.
    ms: u16,
    /// Intervals that fell in it.
    intervals: u32,
    /// Their sum, in ns.
    sum_ns: i64,
}

impl Cadence {
    const BUCKETS: i64 = 200;

    pub(super) fn new() -> Cadence {
        Cadence::default()
    }

    pub(super) fn add(&mut self, interval_ns: i64) {
        let ms = interval_ns / 1_000_000;
        if !(1..Cadence::BUCKETS).contains(&ms) {
            return;
        }
        let ms = ms as u16;
        let i = match self.buckets.binary_search_by_key(&ms, |b| b.ms) {
            Ok(i) => i,
            Err(i) => {
                let empty = Bucket {
                    ms,
                    intervals: 0,
                    sum_ns: 0,
                };
                self.buckets.insert(i, empty);
                i
            }
        };
        let b = &mut self.buckets[i];
        b.intervals += 1;
        b.sum_ns += interval_ns;
    }

    pub(super) fn interval_ns(&self) -> Option<i64> {
        // The most common bucket, the highest of equals.
        let mode = self.buckets.iter().max_by_key(|b| b.intervals)?.ms;
        let near = self.buckets.iter().filter(|b| b.ms.abs_diff(mode) <= 1);
        let (n, sum) = near.fold((0u32, 0i64), |(n, s), b| (n + b.intervals, s + b.sum_ns));
        (n >= 3).then(|| sum / i64::from(n))
    }

    /// Bytes it holds on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
    }
}

/// The last values (signal levels, data rates) of a station's frames through one BSSID.
#[derive(Clone, Copy, Default)]
pub(super) struct Window<T> {
    pub(super) bssid: MacAddr,
    values: [T; WINDOW],
    /// Values held, and the slot of the next (a byte each: a station's state is mostly these).
    len: u8,
    next: u8,
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
        usize::from(self.len) == WINDOW
    }

    pub(super) fn push(&mut self, v: T) {
        self.values[usize::from(self.next)] = v;
        self.next = (self.next + 1) % WINDOW as u8;
        self.len = (self.len + 1).min(WINDOW as u8);
    }

    pub(super) fn median(&self) -> Option<T> {
        let mut v = self.values;
        let v = &mut v[..usize::from(self.len)];
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    }
}
