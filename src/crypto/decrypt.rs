//! One protected frame, decrypted with the keys of a capture: the cipher read from its header
//! (WEP 12.3.2, TKIP 12.5.2, CCMP 12.5.3, GCMP 12.5.5), the keys looked up by its addresses
//! (the PTKs of its station and AP, the AP's GTKs for a group-addressed frame, the keys given
//! directly), each checked by its integrity check (ICV, Michael MIC, CCMP/GCMP MIC).

use super::ccmp::{self, CcmpError, TemporalKey};
use super::handshake::KeySchedule;
use super::tkip::{self, MichaelHeader, TkipError, TkipKey};
use super::wep;
use crate::dot11::{Frame, FrameType, MacAddr};

thread_local! {
    /// Each decoding thread's plaintext buffer, reused from frame to frame.
    pub static PLAINTEXT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
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

impl Outcome {
    pub fn is_decrypted(self) -> bool {
        self == Outcome::Decrypted
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
        if body.len() < 4 {
            return Outcome::NotDecryptable(Reason::TooShort);
        }
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
        // WEP (no Extended IV): every WEP key given (the ICV tells which).
        if body[3] & 0x20 == 0 {
            if body.len() < wep::HEADER_LEN + wep::ICV_LEN {
                return Outcome::NotDecryptable(Reason::TooShort);
            }
            for key in self.wep_keys() {
                if wep::decrypt(key, body, out).is_ok() {
                    return Outcome::Decrypted;
                }
                t.tried = true;
            }
            return finish(t);
        }
        // TKIP repeats TSC1 in the second octet (with bit 5 set, bit 7 clear); CCMP and GCMP
        // have a reserved third octet. A header can have both shapes: both are tried.
        let is_tkip = body[1] == (body[0] | 0x20) & 0x7f;
        let is_ccmp = body[2] == 0;
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
        for key in self.given_tks() {
            if is_ccmp && t.ccmp(key, frame, out) {
                return Outcome::Decrypted;
            }
            if let (true, Ok(b)) = (is_tkip, <[u8; 32]>::try_from(key.tk())) {
                if key.cipher() == ccmp::Cipher::Ccmp256 {
                    let k = TkipKey::from_bytes(&b);
                    let from_ap = frame.frame_control().from_ds();
                    if t.tkip(&k, ta, from_ap, body, michael.as_ref(), out) {
                        return Outcome::Decrypted;
                    }
                }
            }
        }
        finish(t)
    }
}
