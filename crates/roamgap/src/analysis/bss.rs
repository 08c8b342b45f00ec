//! What the capture shows of each BSS: its SSID, channel and rates, from its own frames and
//! those sent to it.

use crate::events::{Event, EventKind, RateSet, Ssid, SsidSource};
use roamgap_wire::linklayer::{channel_of_mhz, mhz_of_channel};

/// What is known of a BSS: its SSID and channel, and the radio channels its management and
/// control-plane frames were captured on. Each shard keeps its own; they merge.
#[derive(Default)]
pub(super) struct BssState {
    /// From the first beacon, else the first probe response, else the first (re)association
    /// request to it that names one.
    pub(super) ssid: Option<SsidSeen>,
    /// The DS Parameter Set channel of the first beacon that has one, else of the first probe
    /// response.
    beacon_channel: Option<DsChannel>,
    /// Rates its beacons list.
    pub(super) rates: RateSet,
    /// Frames per centre frequency: a BSS is seen on one channel, or a few with
    /// adjacent-channel leakage.
    radio: Vec<RadioCount>,
}

/// An SSID and the frame it was read from.
#[derive(Clone, Copy, Debug)]
pub(super) struct SsidSeen {
    source: SsidSource,
    frame: u64,
    pub(super) ssid: Ssid,
}

/// A DS Parameter Set channel and the frame it was read from.
#[derive(Clone, Copy, Debug)]
struct DsChannel {
    source: SsidSource,
    frame: u64,
    channel: u8,
    /// The radio frequency the frame was captured on.
    frame_mhz: Option<u16>,
}

/// Frames of a BSS captured at one centre frequency.
#[derive(Clone, Copy, Debug)]
struct RadioCount {
    mhz: u16,
    frames: u64,
}

/// A BSS's channel number and centre frequency, each when known.
#[derive(Clone, Copy, Debug)]
pub(super) struct BssChannel {
    pub(super) number: Option<u16>,
    pub(super) mhz: Option<u16>,
}

/// Most radio frequencies counted per BSS.
const MAX_RADIO: usize = 16;

impl BssState {
    /// A management or control-plane frame of the BSS, or one sent to it.
    pub(super) fn event(&mut self, e: &Event) {
        let (ssid, channel, source) = match e.kind {
            EventKind::Beacon {
                ssid,
                channel,
                rates,
                ..
            } => {
                self.rates = self.rates.union(rates);
                (Some(ssid), channel, SsidSource::Beacon)
            }
            EventKind::Bss {
                ssid,
                source,
                channel,
            } => (ssid, channel, source),
            _ => (None, None, SsidSource::None),
        };
        if let Some(ssid) = ssid {
            self.name(SsidSeen {
                source,
                frame: e.frame,
                ssid,
            });
        }
        if let Some(channel) = channel {
            self.channel_from(DsChannel {
                source,
                frame: e.frame,
                channel,
                frame_mhz: e.channel_mhz,
            });
        }
        if let Some(mhz) = e.channel_mhz.filter(|&m| channel_of_mhz(m).is_some()) {
            self.count(mhz, 1);
        }
    }

    /// Keeps the best SSID: by source, then the earliest frame.
    fn name(&mut self, named: SsidSeen) {
        if self
            .ssid
            .is_none_or(|s| (named.source, named.frame) < (s.source, s.frame))
        {
            self.ssid = Some(named);
        }
    }

    /// Keeps the best channel: by source, then the earliest frame.
    fn channel_from(&mut self, ch: DsChannel) {
        if self
            .beacon_channel
            .is_none_or(|c| (ch.source, ch.frame) < (c.source, c.frame))
        {
            self.beacon_channel = Some(ch);
        }
    }

    fn count(&mut self, mhz: u16, n: u64) {
        if let Some(r) = self.radio.iter_mut().find(|r| r.mhz == mhz) {
            r.frames += n;
        } else if self.radio.len() < MAX_RADIO {
            self.radio.push(RadioCount { mhz, frames: n });
        }
    }

    /// Adds what another shard knows of the BSS.
    pub(super) fn merge(&mut self, other: &BssState) {
        if let Some(named) = other.ssid {
            self.name(named);
        }
        if let Some(ch) = other.beacon_channel {
            self.channel_from(ch);
        }
        for r in &other.radio {
            self.count(r.mhz, r.frames);
        }
        self.rates = self.rates.union(other.rates);
    }

    /// The DS Parameter Set channel of its beacons (else probe responses), in the band of the
    /// frame that carried it (without radio information, the 2.4 or 5 GHz channel of that
    /// number: the element is not used in 6 GHz, 27.3.23.2), else the radio frequency most of
    /// its frames came on.
    pub(super) fn channel(&self) -> BssChannel {
        if let Some(c) = self.beacon_channel {
            let ch = u16::from(c.channel);
            let mhz = c
                .frame_mhz
                .filter(|&m| channel_of_mhz(m) == Some(ch))
                .or_else(|| mhz_of_channel(ch));
            return BssChannel {
                number: Some(ch),
                mhz,
            };
        }
        let radio = self
            .radio
            .iter()
            .max_by_key(|r| (r.frames, std::cmp::Reverse(r.mhz)))
            .map(|r| r.mhz);
        BssChannel {
            number: radio.and_then(channel_of_mhz),
            mhz: radio,
        }
    }
}
