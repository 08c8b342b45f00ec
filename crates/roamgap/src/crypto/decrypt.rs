//! One protected frame, decrypted with the keys of a capture: the cipher read from its header
//! (WEP 12.3.2, TKIP 12.5.2, CCMP 12.5.3, GCMP 12.5.5), the keys looked up by its addresses
//! (the PTKs of its station and AP, the AP's GTKs for a group-addressed frame, the keys given
//! directly), each checked by its integrity check (ICV, Michael MIC, CCMP/GCMP MIC).

use super::ccmp::{self, CcmpError, TemporalKey};
use super::handshake::KeySchedule;
use super::tkip::{self, MichaelHeader, TkipError, TkipKey};
use super::wep;
use rayon::prelude::*;
use roamgap_wire::capture::Record;
use roamgap_wire::dot11::{Frame, FrameType, MacAddr};
use roamgap_wire::linklayer::{self, LinkOptions};
use std::collections::HashMap;

/// Keys given directly (TKs, WEP keys) up to this many are tried on every frame; beyond it,
/// each link is matched to the keys that open its first frames ([`KeySchedule::index_given_keys`]),
/// so that a frame costs the keys of its link, not every key of a long key file.
pub(crate) const GIVEN_KEYS_TRIED_EVERYWHERE: usize = 8;
/// Frames of a link on which every key given is tried, at most, until one opens (a damaged
/// first frame is not the link's last chance).
const GIVEN_KEY_SAMPLES: usize = 2;

/// The frames one set of keys given directly may open: a station and its AP (or an AP's
/// group frames) with one key ID and cipher family, between two of the link's 4-way
/// handshakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct GivenLink {
    holder: (MacAddr, MacAddr),
    group: bool,
    key_id: u8,
    wep: bool,
    /// The link's 4-way handshakes begun at or before the frame.
    epoch: u32,
}

/// For each link, the indices of the keys given directly that opened one of its first
/// frames ([`GIVEN_KEY_SAMPLES`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct GivenIndex {
    links: HashMap<GivenLink, Vec<u32>>,
}

thread_local! {
    /// Each decoding thread's plaintext buffer, reused from frame to frame.
    pub(crate) static PLAINTEXT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Why a protected frame cannot be decrypted whatever the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Too short for its cipher's header and integrity check (a protected null frame, a
    /// body cut short).
    TooShort,
    /// A header that is none of WEP, TKIP, CCMP or GCMP.
    UnknownCipher,
}

/// What trying the keys on a protected frame gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A key opened it: the plaintext body is in the buffer.
    Decrypted,
    /// Every key tried failed its integrity check (ICV, Michael or CCMP/GCMP MIC), one of
    /// them a key in force at the frame's time (or given directly).
    Failed,
    /// No key of its station and AP (or its group) in force at its time, and none given
    /// directly (keys derived later, tried in case the sniffer's clock is off, failed too: the
    /// frame belongs to a handshake that was not captured).
    NoKey,
    NotDecryptable(Reason),
}

impl Outcome {}

/// The cipher a protected frame's body header shows: WEP when the Extended IV bit is clear
/// (12.3.2); with it, TKIP when TSC1 is repeated in the second octet with bit 5 set and bit 7
/// clear (12.5.2.2), CCMP or GCMP when the reserved third octet is zero (12.5.3.2). A header
/// can have both extended shapes: both are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CipherShape {
    pub(super) wep: bool,
    pub(super) tkip: bool,
    pub(super) ccmp: bool,
}

impl CipherShape {
    /// None for a body too short for any cipher's header.
    pub(super) fn of(body: &[u8]) -> Option<CipherShape> {
        let h = body.get(..4)?;
        let wep = h[3] & 0x20 == 0;
        Some(CipherShape {
            wep,
            tkip: !wep && h[1] == (h[0] | 0x20) & 0x7f,
            ccmp: !wep && h[2] == 0,
        })
    }
}

/// The key holders a frame's keys belong to.
struct Holders {
    /// (station, AP) pairs whose PTKs may apply (a 4-address frame: either way round).
    pairs: [Option<(MacAddr, MacAddr)>; 2],
    /// The AP whose group keys apply (group-addressed frames).
    group: Option<MacAddr>,
}

fn holders<T: AsRef<[u8]>>(frame: &Frame<T>) -> Holders {
    let fc = frame.frame_control();
    let a = frame.addresses();
    let (ra, ta) = (a.receiver, a.transmitter);
    let none = Holders {
        pairs: [None, None],
        group: None,
    };
    let Some(ta) = ta else { return none };
    let by_bss = |bssid: Option<MacAddr>| match bssid {
        Some(b) if ra.is_group() => Holders {
            pairs: [None, None],
            group: Some(b),
        },
        Some(b) => Holders {
            pairs: [Some((if ta == b { ra } else { ta }, b)), None],
            group: None,
        },
        None => Holders {
            pairs: [None, None],
            group: None,
        },
    };
    match (fc.frame_type(), fc.to_ds(), fc.from_ds()) {
        (FrameType::Data, true, true) if ra.is_group() => Holders {
            pairs: [None, None],
            group: Some(ta),
        },
        // A 4-address (WDS) frame: the PTK is that of its transmitter and receiver, whichever
        // was the authenticator.
        (FrameType::Data, true, true) => Holders {
            pairs: [Some((ta, ra)), Some((ra, ta))],
            group: None,
        },
        (FrameType::Data | FrameType::Management, _, _) => by_bss(a.bssid),
        _ => none,
    }
}

/// The addresses and priority Michael covers (12.5.2.3.2), and whether the frame carries a
/// whole MSDU (a fragment carries part of one; its MIC is checked on reassembly).
fn michael_of<T: AsRef<[u8]>>(frame: &Frame<T>) -> Option<MichaelHeader> {
    let fc = frame.frame_control();
    if fc.more_fragments() || frame.fragment_number().unwrap_or(0) != 0 {
        return None;
    }
    let a = frame.addresses();
    let priority = frame.qos_control().map_or(0, |q| q.tid());
    Some(tkip::michael_header(a.destination.0, a.source?.0, priority))
}

/// The state of trying keys: whether a key in force failed, whether the frame was too
/// short for a cipher tried.
struct Trial {
    tried: bool,
    short: bool,
}

/// Marks a failure as one of a key in force (`Trial::tried`) or not.
fn in_force(t: &mut Trial, was: bool, tried_before: bool) {
    if !was {
        t.tried = tried_before;
    }
}

impl Trial {
    fn ccmp<T: AsRef<[u8]>>(
        &mut self,
        key: &TemporalKey,
        frame: &Frame<T>,
        out: &mut Vec<u8>,
    ) -> bool {
        match ccmp::decrypt(key, frame, out) {
            Ok(_) => true,
            Err(CcmpError::Mic) => {
                self.tried = true;
                false
            }
            Err(CcmpError::Short(_) | CcmpError::NotCcmp) => {
                self.short = true;
                false
            }
        }
    }

    fn tkip(
        &mut self,
        key: &TkipKey,
        ta: MacAddr,
        from_ap: bool,
        body: &[u8],
        michael: Option<&MichaelHeader>,
        out: &mut Vec<u8>,
    ) -> bool {
        let mic_key = if from_ap {
            &key.mic_from_ap
        } else {
            &key.mic_to_ap
        };
        match tkip::decrypt(&key.tk, ta.0, body, michael.map(|m| (mic_key, m)), out) {
            Ok(_) => true,
            Err(TkipError::Icv | TkipError::Michael) => {
                self.tried = true;
                false
            }
            Err(TkipError::NotTkip) => {
                self.short = true;
                false
            }
        }
    }
}

impl KeySchedule {
    /// Decrypts a protected data or management frame captured at `ts_ns` with the keys that
    /// may be its: the plaintext body replaces `out`'s contents when it says
    /// [`Outcome::Decrypted`]. At most a bounded number of keys is tried (see
    /// [`KeySchedule::link_keys`]).
    pub fn decrypt_frame<T: AsRef<[u8]>>(
        &self,
        frame: &Frame<T>,
        ts_ns: i64,
        out: &mut Vec<u8>,
    ) -> Outcome {
        let body = frame.body();
        let Some(shape) = CipherShape::of(body) else {
            return Outcome::NotDecryptable(Reason::TooShort);
        };
        let Some(ta) = frame.addresses().transmitter else {
            return Outcome::NotDecryptable(Reason::TooShort);
        };
        let mut t = Trial {
            tried: false,
            short: false,
        };
        let finish = |t: Trial| {
            if t.tried {
                Outcome::Failed
            } else if t.short {
                Outcome::NotDecryptable(Reason::TooShort)
            } else {
                Outcome::NoKey
            }
        };
        // WEP: every WEP key given (the ICV tells which).
        if shape.wep {
            if body.len() < wep::HEADER_LEN + wep::ICV_LEN {
                return Outcome::NotDecryptable(Reason::TooShort);
            }
            let h = holders(frame);
            let (all, some) = self.given_for(frame, &h, true, ts_ns, self.wep.len());
            if all.is_none() && !self.wep.is_empty() {
                // Those that failed on the link's first frames are not tried again.
                t.tried = true;
            }
            for i in all
                .into_iter()
                .flatten()
                .chain(some.iter().map(|&i| i as usize))
            {
                if wep::decrypt(&self.wep[i], body, out).is_ok() {
                    return Outcome::Decrypted;
                }
                t.tried = true;
            }
            return finish(t);
        }
        let (is_tkip, is_ccmp) = (shape.tkip, shape.ccmp);
        if !is_tkip && !is_ccmp {
            return Outcome::NotDecryptable(Reason::UnknownCipher);
        }
        let michael = if is_tkip { michael_of(frame) } else { None };
        let h = holders(frame);
        for (station, bssid) in h.pairs.into_iter().flatten() {
            for (k, force) in self.link_keys(station, bssid, ts_ns) {
                let before = t.tried;
                if is_tkip {
                    if let Some(key) = &k.tkip {
                        if t.tkip(key, ta, ta == bssid, body, michael.as_ref(), out) {
                            return Outcome::Decrypted;
                        }
                    }
                }
                if is_ccmp && t.ccmp(&k.ccmp, frame, out) {
                    return Outcome::Decrypted;
                }
                in_force(&mut t, force, before);
            }
        }
        if let Some(bssid) = h.group {
            for (g, force) in self.group_keys(bssid, body[3] >> 6, ts_ns) {
                let before = t.tried;
                if let (true, Some(key)) = (is_tkip, g.tkip()) {
                    if t.tkip(key, ta, true, body, michael.as_ref(), out) {
                        return Outcome::Decrypted;
                    }
                }
                if let (true, Some(key)) = (is_ccmp, g.ccmp()) {
                    if t.ccmp(key, frame, out) {
                        return Outcome::Decrypted;
                    }
                }
                in_force(&mut t, force, before);
            }
        }
        // Temporal keys given directly: as CCMP/GCMP, and a 32-octet one as TKIP (TK and
        // Michael keys, as Wireshark reads a TKIP "tk").
        let (all, some) = self.given_for(frame, &h, false, ts_ns, self.tks.len());
        if all.is_none() && some.is_empty() && !self.tks.is_empty() {
            // Every key given failed on this link's first frames.
            t.tried = true;
        }
        for i in all
            .into_iter()
            .flatten()
            .chain(some.iter().map(|&i| i as usize))
        {
            if self.given_tk(
                i,
                &mut t,
                frame,
                ta,
                is_tkip,
                is_ccmp,
                michael.as_ref(),
                out,
            ) {
                return Outcome::Decrypted;
            }
        }
        finish(t)
    }

    /// Tries the `i`th temporal key given directly on a CCMP/GCMP or TKIP frame.
    #[allow(clippy::too_many_arguments)]
    fn given_tk<T: AsRef<[u8]>>(
        &self,
        i: usize,
        t: &mut Trial,
        frame: &Frame<T>,
        ta: MacAddr,
        is_tkip: bool,
        is_ccmp: bool,
        michael: Option<&MichaelHeader>,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(key) = self.tks.get(i) else {
            return false;
        };
        if is_ccmp && t.ccmp(key, frame, out) {
            return true;
        }
        if let (true, Ok(b)) = (is_tkip, <[u8; 32]>::try_from(key.tk())) {
            if key.cipher() == ccmp::Cipher::Ccmp256 {
                let k = TkipKey::from_bytes(&b);
                let from_ap = frame.frame_control().from_ds();
                return t.tkip(&k, ta, from_ap, frame.body(), michael, out);
            }
        }
        false
    }

    /// The link of a protected frame, for the keys given directly.
    fn given_link<T: AsRef<[u8]>>(
        &self,
        frame: &Frame<T>,
        h: &Holders,
        wep: bool,
        ts_ns: i64,
    ) -> Option<GivenLink> {
        let key_id = frame.body().get(3)? >> 6;
        let (holder, group) = match (h.pairs[0], h.group) {
            (Some(pair), _) => (pair, false),
            (None, Some(bssid)) => ((bssid, bssid), true),
            (None, None) => return None,
        };
        let epoch = if group {
            0
        } else {
            let starts = self
                .handshake_starts
                .get(&holder)
                .map_or(&[][..], |v| v.as_slice());
            starts.partition_point(|&t| t <= ts_ns) as u32
        };
        Some(GivenLink {
            holder,
            group,
            key_id,
            wep,
            epoch,
        })
    }

    /// The keys given directly to try on a frame: all of them (`n`), when few were given or
    /// the frame's link was not indexed; else those that opened its link's first frames.
    fn given_for<T: AsRef<[u8]>>(
        &self,
        frame: &Frame<T>,
        h: &Holders,
        wep: bool,
        ts_ns: i64,
        n: usize,
    ) -> (Option<std::ops::Range<usize>>, &[u32]) {
        let Some(index) = &self.given_index else {
            return (Some(0..n), &[]);
        };
        match self
            .given_link(frame, h, wep, ts_ns)
            .and_then(|l| index.links.get(&l))
        {
            Some(keys) => (None, keys.as_slice()),
            None => (Some(0..n), &[]),
        }
    }

    /// When more keys were given directly than [`GIVEN_KEYS_TRIED_EVERYWHERE`], matches each
    /// link of the capture's protected frames to the keys that open its first frames (in frame
    /// order, up to [`GIVEN_KEY_SAMPLES`] of them until one opens): every key is then tried on
    /// a few frames per link instead of on every frame. The records are the capture's, in
    /// frame order.
    pub fn index_given_keys<'a>(
        &mut self,
        records: impl Iterator<Item = Record<'a>>,
        options: &LinkOptions,
    ) {
        if self.tks.len() + self.wep.len() <= GIVEN_KEYS_TRIED_EVERYWHERE {
            return;
        }
        let mut samples: HashMap<GivenLink, Vec<Record<'a>>> = HashMap::new();
        for rec in records {
            let Some(link) = self.protected_link(&rec, options) else {
                continue;
            };
            let v = samples.entry(link).or_default();
            if v.len() < GIVEN_KEY_SAMPLES {
                v.push(rec);
            }
        }
        let this = &*self;
        let links = samples
            .into_par_iter()
            .map(|(link, recs)| (link, this.keys_opening(&recs, options)))
            .collect();
        self.given_index = Some(GivenIndex { links });
    }

    /// How many links were matched to the keys given directly, when there were too many to
    /// try on every frame.
    pub fn given_key_links(&self) -> Option<usize> {
        self.given_index.as_ref().map(|i| i.links.len())
    }

    /// A record's protected data or management frame and its link for the keys given.
    fn protected_link(&self, rec: &Record<'_>, options: &LinkOptions) -> Option<GivenLink> {
        if !linklayer::is_supported(rec.linktype) {
            return None;
        }
        let link = linklayer::decode(rec.linktype, rec.data, rec.fcs_len, options).ok()?;
        let frame = Frame::new_checked(link.dot11, link.header_padded).ok()?;
        if !frame.frame_control().protected() {
            return None;
        }
        let shape = CipherShape::of(frame.body())?;
        let h = holders(&frame);
        self.given_link(&frame, &h, shape.wep, rec.ts_ns)
    }

    /// The indices of the keys given directly that open the first of `recs` any of them opens.
    fn keys_opening(&self, recs: &[Record<'_>], options: &LinkOptions) -> Vec<u32> {
        let mut plain = Vec::new();
        for rec in recs {
            let Ok(link) = linklayer::decode(rec.linktype, rec.data, rec.fcs_len, options) else {
                continue;
            };
            let Ok(frame) = Frame::new_checked(link.dot11, link.header_padded) else {
                continue;
            };
            let body = frame.body();
            let Some(ta) = frame.addresses().transmitter else {
                continue;
            };
            let mut t = Trial {
                tried: false,
                short: false,
            };
            let Some(shape) = CipherShape::of(body) else {
                continue;
            };
            let opened: Vec<u32> = if shape.wep {
                (0..self.wep.len())
                    .filter(|&i| wep::decrypt(&self.wep[i], body, &mut plain).is_ok())
                    .map(|i| i as u32)
                    .collect()
            } else {
                let (is_tkip, is_ccmp) = (shape.tkip, shape.ccmp);
                let michael = if is_tkip { michael_of(&frame) } else { None };
                (0..self.tks.len())
                    .filter(|&i| {
                        self.given_tk(
                            i,
                            &mut t,
                            &frame,
                            ta,
                            is_tkip,
                            is_ccmp,
                            michael.as_ref(),
                            &mut plain,
                        )
                    })
                    .map(|i| i as u32)
                    .collect()
            };
            if !opened.is_empty() {
                return opened;
            }
        }
        Vec::new()
    }
}
