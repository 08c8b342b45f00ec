//! What a station's frames show besides its roam exchanges: the old AP's failed deliveries
//! after it left, roams seen only through its data (missed by the sniffer), the signal and
//! rate of its recent frames, the BSSs it sent data through, its probe requests and FT
//! exchanges over the DS.

use super::{
    is_data, is_user_data, DataElsewhere, FramePoint, Missed, ProbePoint, Station, Window,
    MAX_NOTES, PROBE_MEMORY,
};
use crate::events::Event;
use roamgap_wire::dot11::MacAddr;

/// Most BSSs kept per station from its data frames alone.
const MAX_DATA_BSS: usize = 16;
/// Most FT exchanges over the DS kept per station (the last before a roam is the one).
const FT_OVER_DS_MEMORY: usize = 8;

/// Frames the old AP still sends the station after it left: each a delivery that fails.
#[derive(Default)]
pub(super) struct OldApState {
    /// Transmissions, retries included.
    pub(super) transmissions: u32,
    /// Transmissions with the retry bit.
    pub(super) retries: u32,
    /// Distinct frames (802.11 sequence numbers) it tried to deliver.
    pub(super) msdus: u32,
    /// The 802.11 sequence number of its last transmission.
    pub(super) last_seq: Option<u16>,
    pub(super) first: Option<FramePoint>,
    pub(super) last: Option<FramePoint>,
}

impl OldApState {
    /// Counts one more transmission of the old AP to the station.
    fn add(&mut self, e: &Event) {
        let point = FramePoint::of(e);
        self.transmissions += 1;
        self.retries += u32::from(e.retry);
        if !(e.retry && self.last_seq == Some(e.dot11_seq)) {
            self.msdus += 1;
        }
        self.last_seq = Some(e.dot11_seq);
        self.first.get_or_insert(point);
        self.last = Some(point);
    }
}

/// An FT action frame over the DS: a request (no status) or a response.
#[derive(Clone, Copy, Debug)]
pub(super) struct FtOverDs {
    pub(super) frame: u64,
    pub(super) ts_ns: i64,
    /// The AP the station means to roam to.
    pub(super) target: MacAddr,
    /// The response's status; none in a request.
    pub(super) status: Option<u16>,
}

/// A BSS the station exchanged data through: BSSs seen only through data frames still belong
/// in the BSS table.
#[derive(Clone, Copy, Debug)]
pub(in crate::analysis) struct DataBss {
    pub(in crate::analysis) bssid: MacAddr,
    /// The centre frequency (MHz) of its first frame with a known channel.
    pub(in crate::analysis) mhz: Option<u16>,
}

impl Station {
    /// What every event shows besides its own exchange: the station's last data, its signal
    /// and rate, the old AP's frames to it after it left, the BSSID it is using.
    pub(super) fn observe(&mut self, e: &Event) {
        let user_data = is_user_data(&e.kind);
        let data = is_data(&e.kind);
        if user_data {
            let point = FramePoint::of(e);
            self.last_data = Some(point);
            if let Some(r) = self.roam_of(e) {
                r.first_data_new.get_or_insert(point);
            }
        }
        if e.from_station {
            self.signal_and_rate(e, data);
        } else if data {
            self.old_ap_delivery(e);
        }
        if user_data && e.from_station {
            self.track_bssid(e);
        }
        if data {
            self.data_bss(e);
        }
    }

    /// The signal and rate of the station's frames: data frames say where the station is; its
    /// authentication and reassociation frames to a new AP must not hide how it was heard on
    /// the old one.
    fn signal_and_rate(&mut self, e: &Event, data: bool) {
        if data {
            if self.signal.bssid != e.bssid {
                self.signal = Window::for_bssid(e.bssid);
            }
            if self.rate.bssid != e.bssid {
                self.rate = Window::for_bssid(e.bssid);
            }
            if let Some(dbm) = e.signal_dbm {
                self.signal.push(dbm);
            }
            if let Some(rate) = e.rate_100kbps {
                self.rate.push(rate);
            }
        }
        if let Some(r) = self.roam_of(e) {
            if let Some(dbm) = e.signal_dbm.filter(|_| data && !r.signal_after.full()) {
                r.signal_after.push(dbm);
            }
            if let Some(rate) = e.rate_100kbps.filter(|_| data && !r.rate_after.full()) {
                r.rate_after.push(rate);
            }
        }
    }

    /// The old AP still sending to a station that has left: deliveries that fail ("max
    /// retries" in the AP's log).
    fn old_ap_delivery(&mut self, e: &Event) {
        let window_ns = (self.config.deauth_window_ms * 1e6) as i64;
        // Only while the station is away: after a failed roam it is back, and the old AP's
        // frames reach it.
        if let Some(r) = self.roams.last_mut().filter(|r| {
            r.roam.from_bssid == e.bssid
                && e.frame > r.roam.request_frame
                && e.ts_ns - r.request_ns <= window_ns
                && r.outcome.is_none_or(|o| !o.failed())
        }) {
            r.old_ap.add(e);
        }
    }

    /// The station's user data through the BSSID it is using, or the first through another.
    fn track_bssid(&mut self, e: &Event) {
        let point = FramePoint::of(e);
        if Some(e.bssid) == self.current {
            self.last_on_current = Some(point);
            self.first_elsewhere = None;
        } else if self.current.is_some() && self.first_elsewhere.is_none() {
            self.first_elsewhere = Some(point);
        }
    }

    /// A BSS seen through the station's data, kept with its channel.
    fn data_bss(&mut self, e: &Event) {
        if self.data_bss.last().is_none_or(|b| b.bssid != e.bssid)
            && !self.data_bss.iter().any(|b| b.bssid == e.bssid)
            && self.data_bss.len() < MAX_DATA_BSS
        {
            self.data_bss.push(DataBss {
                bssid: e.bssid,
                mhz: e
                    .channel_mhz
                    .filter(|&m| roamgap_wire::linklayer::channel_of_mhz(m).is_some()),
            });
        }
    }

    /// A probe request of the station's (not a retransmission).
    pub(super) fn probe(&mut self, e: &Event) {
        if self.probes.len() == PROBE_MEMORY {
            self.probes.pop_front();
        }
        self.probes.push_back(ProbePoint::of(e));
    }

    /// An FT request or response over the DS, through the station's current AP.
    pub(super) fn ft_action(&mut self, e: &Event, target: MacAddr, status: Option<u16>) {
        if self.ft_over_ds.len() == FT_OVER_DS_MEMORY {
            self.ft_over_ds.pop_front();
        }
        self.ft_over_ds.push_back(FtOverDs {
            frame: e.frame,
            ts_ns: e.ts_ns,
            target,
            status,
        });
    }

    /// The station sending data through a BSSID shows it is using that BSSID: through another
    /// than the one it was on, with no roam seen, a roam the sniffer missed.
    pub(super) fn uplink_data(&mut self, e: &Event) {
        if self.auth_only.is_some_and(|a| a.bssid != e.bssid) {
            self.flush_auth_only();
        }
        if let Some(cur) = self.current {
            if cur != e.bssid {
                match (self.last_on_current, self.first_elsewhere) {
                    (Some(old), Some(new)) if self.missed.len() < MAX_NOTES => {
                        self.missed.push(Missed {
                            from: cur,
                            to: e.bssid,
                            last_old: old,
                            first_new: new,
                        })
                    }
                    _ if self.notes.len() + self.elsewhere.len() < MAX_NOTES => {
                        self.elsewhere.push(DataElsewhere {
                            frame: e.frame,
                            to: e.bssid,
                            in_use: cur,
                        })
                    }
                    _ => {}
                }
            }
        }
        self.current = Some(e.bssid);
    }
}
