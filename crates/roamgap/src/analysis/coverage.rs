//! When the sniffer listened on each channel: what tells a roam to a channel nobody captured
//! from one the sniffer merely missed.

/// When the sniffer listened on each channel: per channel, the intervals in which its frames
/// came less than [`Coverage::JOIN_NS`] apart. Tells a roam to a channel nobody captured from
/// one the sniffer merely missed.
#[derive(Default)]
pub(crate) struct Coverage {
    channels: Vec<ChannelCoverage>,
}

/// The intervals the sniffer was on one channel.
struct ChannelCoverage {
    /// The channel's centre frequency (numbers repeat across bands).
    mhz: u16,
    intervals: Vec<Interval>,
}

/// From the first to the last frame of a run on one channel, none further apart than
/// [`Coverage::JOIN_NS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Interval {
    start_ns: i64,
    end_ns: i64,
}

impl Coverage {
    /// Beacons come every ~102 ms: 250 ms without a frame on a channel means the sniffer was
    /// elsewhere (a shorter silence cannot be told from a quiet channel).
    const JOIN_NS: i64 = 250_000_000;
    /// Bound per channel (a sniffer hopping every 100 ms for hours); past it the last interval
    /// grows.
    const MAX_INTERVALS: usize = 50_000;

    /// A frame captured at `mhz`.
    pub(super) fn add(&mut self, mhz: u16, ts_ns: i64) {
        let i = match self.channels.iter().position(|c| c.mhz == mhz) {
            Some(i) => i,
            None => {
                self.channels.push(ChannelCoverage {
                    mhz,
                    intervals: Vec::new(),
                });
                self.channels.len() - 1
            }
        };
        let list = &mut self.channels[i].intervals;
        let full = list.len() >= Self::MAX_INTERVALS;
        match list.last_mut() {
            Some(last) if ts_ns <= last.end_ns + Self::JOIN_NS || full => {
                last.start_ns = last.start_ns.min(ts_ns);
                last.end_ns = last.end_ns.max(ts_ns);
            }
            _ => list.push(Interval {
                start_ns: ts_ns,
                end_ns: ts_ns,
            }),
        }
    }

    /// Adds another shard's intervals (see [`Coverage::normalize`]).
    pub(super) fn merge(&mut self, other: &Coverage) {
        for theirs in &other.channels {
            match self.channels.iter_mut().find(|c| c.mhz == theirs.mhz) {
                Some(mine) => mine.intervals.extend_from_slice(&theirs.intervals),
                None => self.channels.push(ChannelCoverage {
                    mhz: theirs.mhz,
                    intervals: theirs.intervals.clone(),
                }),
            }
        }
    }

    /// Sorts and joins each channel's intervals (after merging shards).
    pub(super) fn normalize(&mut self) {
        for c in &mut self.channels {
            let list = &mut c.intervals;
            list.sort_unstable();
            let mut out: Vec<Interval> = Vec::with_capacity(list.len());
            for &i in list.iter() {
                match out.last_mut() {
                    Some(last) if i.start_ns <= last.end_ns + Self::JOIN_NS => {
                        last.end_ns = last.end_ns.max(i.end_ns)
                    }
                    _ => out.push(i),
                }
            }
            *list = out;
        }
    }

    /// Whether the sniffer was on the channel of centre frequency `mhz` at some moment strictly
    /// between the two times (within an interval of its frames there); null when the capture
    /// carries no channel information at all. Channels are told by frequency: their numbers
    /// repeat across bands.
    pub(crate) fn captured(&self, mhz: u16, from_ns: i64, to_ns: i64) -> Option<bool> {
        if self.channels.is_empty() {
            return None;
        }
        Some(
            self.channels
                .iter()
                .filter(|c| c.mhz == mhz)
                .flat_map(|c| &c.intervals)
                .any(|i| i.start_ns < to_ns && i.end_ns > from_ns),
        )
    }
}
