//! What the analyzer holds of each address it has seen: probe requests only, or a whole
//! station.

use std::collections::{HashMap, VecDeque};

use super::{observe::DataBss, ProbePoint, Station, StationResult, PROBE_MEMORY};
use crate::analysis::Config;
use crate::events::{Event, EventKind};
use roamgap_wire::dot11::MacAddr;

/// A station as the analyzer keeps it. Phones with randomized addresses send a few probe
/// requests under each address and are never heard from again: until a station sends anything
/// else, its probe requests are all it holds (a few dozen bytes for one); its roam state
/// machine comes with its first other frame.
pub(in crate::analysis) enum Known {
    /// Only probe requests so far: none yet or one, held inline.
    Probed(Option<ProbePoint>),
    /// Only probe requests so far, two or more: the latest [`PROBE_MEMORY`], oldest first.
    Scanning(VecDeque<ProbePoint>),
    Active(Box<Station>),
}

impl Known {
    pub(in crate::analysis) fn new() -> Known {
        Known::Probed(None)
    }

    /// Takes the station's next event (frame order).
    pub(in crate::analysis) fn event(&mut self, e: &Event, capture: usize, config: Config) {
        match self {
            Known::Active(st) => st.event(e),
            // What `Station::event` does with a probe request of a station that did nothing
            // else.
            Known::Probed(_) | Known::Scanning(_) if matches!(e.kind, EventKind::ProbeRequest) => {
                if !e.from_station || e.retry {
                    return;
                }
                let p = ProbePoint::of(e);
                match self {
                    Known::Probed(latest @ None) => *latest = Some(p),
                    Known::Probed(Some(first)) => {
                        let mut probes = VecDeque::new();
                        probes.push_back(*first);
                        probes.push_back(p);
                        *self = Known::Scanning(probes);
                    }
                    Known::Scanning(probes) => {
                        if probes.len() == PROBE_MEMORY {
                            probes.pop_front();
                        }
                        probes.push_back(p);
                    }
                    Known::Active(_) => {}
                }
            }
            Known::Probed(_) | Known::Scanning(_) => {
                let mut st = Station::new(capture, e.station, config);
                match std::mem::replace(self, Known::Probed(None)) {
                    Known::Probed(latest) => st.probes.extend(latest),
                    Known::Scanning(probes) => st.probes = probes,
                    Known::Active(_) => {}
                }
                st.event(e);
                *self = Known::Active(Box::new(st));
            }
        }
    }

    /// BSSs the station exchanged data through, with the channel first seen.
    pub(in crate::analysis) fn data_bss(&self) -> &[DataBss] {
        match self {
            Known::Active(st) => &st.data_bss,
            Known::Probed(_) | Known::Scanning(_) => &[],
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
            Known::Probed(_) | Known::Scanning(_) => StationResult {
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
            Known::Probed(_) => 0,
            Known::Scanning(probes) => probes.capacity() * size_of::<ProbePoint>(),
        }
    }
}
