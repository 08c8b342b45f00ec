//! What the analyzer holds of each address it has seen: probe requests only, or a whole
//! station.

use super::*;

/// A station as the analyzer keeps it. Phones with randomized addresses send a few probe
/// requests under each address and are never heard from again: until a station sends anything
/// else, its probe requests are all it holds (a few dozen bytes for one); its roam state
/// machine comes with its first other frame.
pub(in crate::analysis) enum Known {
    /// Only probe requests so far: the latest, and up to `PROBE_MEMORY` − 1 before it.
    Scanning {
        latest: Option<ProbePoint>,
        earlier: Vec<ProbePoint>,
    },
    Active(Box<Station>),
}

impl Known {
    pub(in crate::analysis) fn new() -> Known {
        Known::Scanning {
            latest: None,
            earlier: Vec::new(),
        }
    }

    /// Takes the station's next event (frame order).
    pub(in crate::analysis) fn event(&mut self, e: &Event, capture: usize, config: Config) {
        match self {
            Known::Active(st) => st.event(e),
            // What `Station::event` does with a probe request of a station that did nothing
            // else.
            Known::Scanning { latest, earlier } if matches!(e.kind, EventKind::ProbeRequest) => {
                if !e.from_station || e.retry {
                    return;
                }
                if let Some(p) = latest.replace(ProbePoint::of(e)) {
                    if earlier.len() == PROBE_MEMORY - 1 {
                        earlier.remove(0);
                    }
                    earlier.push(p);
                }
            }
            Known::Scanning { latest, earlier } => {
                let mut st = Station::new(capture, e.station, config);
                st.probes = std::mem::take(earlier);
                st.probes.extend(latest.take());
                st.event(e);
                *self = Known::Active(Box::new(st));
            }
        }
    }

    /// BSSIDs the station exchanged data through, with the channel first seen.
    pub(in crate::analysis) fn data_bss(&self) -> &[(MacAddr, Option<u16>)] {
        match self {
            Known::Active(st) => &st.data_bss,
            Known::Scanning { .. } => &[],
        }
    }

    /// The station's roams and streams (a scanning station has none).
    pub(in crate::analysis) fn finish(
        self,
        channels: &HashMap<MacAddr, crate::analysis::ChannelInfo>,
        rates: &HashMap<MacAddr, crate::events::RateSet>,
        coverage: &crate::analysis::Coverage,
        named: &crate::analysis::Named,
        end_ns: i64,
    ) -> StationResult {
        match self {
            Known::Active(st) => (*st).finish(channels, rates, coverage, named, end_ns),
            Known::Scanning { .. } => StationResult {
                roams: Vec::new(),
                streams: Vec::new(),
                notes: Vec::new(),
                missed_roams: Vec::new(),
            },
        }
    }

    /// Bytes it holds on the heap.
    pub(in crate::analysis) fn heap_bytes(&self) -> usize {
        match self {
            Known::Active(st) => std::mem::size_of::<Station>() + st.heap_bytes(),
            Known::Scanning { earlier, .. } => earlier.capacity() * size_of::<ProbePoint>(),
        }
    }
}
