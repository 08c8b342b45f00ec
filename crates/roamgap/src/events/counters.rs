//! What the decoder counts over all frames: frame types, damage, decryption outcomes.

use roamgap_wire::capture::{LinkType, Record};
use roamgap_wire::dot11::Dot11Error;
use roamgap_wire::linklayer::LinkError;

/// What went wrong with one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("802.11: {0}")]
    Dot11(#[from] Dot11Error),
}

impl FrameError {
    /// The frame ended before a part that had to be there: damage, unless the sniffer's
    /// snapshot length cut the frame.
    fn ran_out(&self) -> bool {
        matches!(
            self,
            FrameError::Link(LinkError::RadiotapShort(_) | LinkError::Header { short: true, .. })
                | FrameError::Dot11(
                    Dot11Error::Truncated { .. } | Dot11Error::ElementOverrun { .. }
                )
        )
    }
}

/// A frame that could not be (fully) decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameIssue {
    pub frame: u64,
    pub error: FrameError,
}

/// Protected frames that cannot be decrypted whatever the keys, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NotDecryptable {
    /// Too short for the cipher's header and integrity check (a protected null frame, a body
    /// cut by the snapshot length).
    pub(crate) too_short: u64,
    /// A header of no cipher roamgap knows (none of WEP, TKIP, CCMP, GCMP).
    pub(crate) unknown_cipher: u64,
    /// Received with a bad FCS: its bytes cannot be trusted.
    pub(crate) bad_fcs: u64,
    /// Its 802.11 header is damaged, or the bit is set where no protection can be (a control
    /// frame, a management frame without addresses).
    pub damaged: u64,
}

impl NotDecryptable {
    /// The reasons, as words: ` (3 too short, 1 bad FCS)`, or nothing.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.too_short, "too short"),
            (self.unknown_cipher, "of an unknown cipher"),
            (self.bad_fcs, "with a bad FCS"),
            (self.damaged, "damaged"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }
}

impl NotDecryptable {
    pub fn total(&self) -> u64 {
        self.too_short + self.unknown_cipher + self.bad_fcs + self.damaged
    }

    fn merge(&mut self, o: &NotDecryptable) {
        self.too_short += o.too_short;
        self.unknown_cipher += o.unknown_cipher;
        self.bad_fcs += o.bad_fcs;
        self.damaged += o.damaged;
    }
}

/// Counts over all frames, per capture; per-chunk counters add up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameCounters {
    pub frames: u64,
    /// Frames by `type << 4 | subtype` (Wireshark's `wlan.fc.type_subtype`).
    pub type_subtype: [u64; 64],
    pub bad_fcs: u64,
    pub malformed: u64,
    /// Records that carry no 802.11 frame (Ethernet traffic other than remote capture).
    pub not_wireless: u64,
    /// Frames whose Frame Control protocol version is not 0 (9.2.4.1.2): not decoded as 802.11
    /// (version 1 is the PV1 frame format of 802.11ah, 2 and 3 are reserved), and, as
    /// Wireshark does, not counted by type, retry or protected bit either.
    pub unknown_version: u64,
    /// Frames that end early because the sniffer's snapshot length cut them (not malformed).
    pub cut_by_snaplen: u64,
    pub retries: u64,
    pub protected: u64,
    /// EAPOL-Key frames by Wireshark message number 1–4 (index 0 unused).
    pub eapol_key: [u64; 5],
    pub rtp_packets: u64,
    /// With keys, every protected frame lands in exactly one of the next four counters.
    /// Protected frames a key opened (its ICV, Michael MIC or CCMP/GCMP MIC checked):
    /// unicast, group-addressed and protected management frames, retransmissions included.
    pub decrypted: u64,
    /// Protected frames whose every candidate key failed the integrity check.
    pub decrypt_failed: u64,
    /// Protected frames with no key (no handshake of their station and AP reproduced, no
    /// group key, no key given of their cipher).
    pub no_key: u64,
    /// Protected frames no key could open, by reason.
    pub not_decryptable: NotDecryptable,
    /// Records of link types roamgap does not read, by type.
    pub unsupported: Vec<(LinkType, u64)>,
    /// The first issues met, in frame order (at most [`FrameCounters::MAX_ISSUES`]).
    pub issues: Vec<FrameIssue>,
}

impl Default for FrameCounters {
    fn default() -> FrameCounters {
        FrameCounters {
            frames: 0,
            type_subtype: [0; 64],
            bad_fcs: 0,
            malformed: 0,
            not_wireless: 0,
            unknown_version: 0,
            cut_by_snaplen: 0,
            retries: 0,
            protected: 0,
            eapol_key: [0; 5],
            rtp_packets: 0,
            decrypted: 0,
            decrypt_failed: 0,
            no_key: 0,
            not_decryptable: NotDecryptable::default(),
            unsupported: Vec::new(),
            issues: Vec::new(),
        }
    }
}

impl FrameCounters {
    pub(crate) const MAX_ISSUES: usize = 100;

    /// Records damage in a frame. A frame the sniffer cut at its snapshot length is not
    /// malformed: decoding simply stops where the captured bytes end.
    pub(super) fn issue(&mut self, rec: &Record<'_>, error: FrameError) {
        let frame = rec.number;
        if error.ran_out() && (rec.data.len() as u64) < u64::from(rec.orig_len) {
            self.cut_by_snaplen += 1;
            return;
        }
        self.malformed += 1;
        if self.issues.len() < Self::MAX_ISSUES {
            self.issues.push(FrameIssue { frame, error });
        }
    }

    /// Shifts the frame numbers of the issues by `base` (a segment numbered from 1).
    pub(crate) fn renumber(&mut self, base: u64) {
        self.issues.iter_mut().for_each(|i| i.frame += base);
    }

    /// Adds the counts of the chunk that follows this one.
    pub(crate) fn merge(&mut self, other: FrameCounters) {
        self.frames += other.frames;
        for (a, b) in self.type_subtype.iter_mut().zip(other.type_subtype) {
            *a += b;
        }
        self.bad_fcs += other.bad_fcs;
        self.malformed += other.malformed;
        self.not_wireless += other.not_wireless;
        self.unknown_version += other.unknown_version;
        self.cut_by_snaplen += other.cut_by_snaplen;
        self.retries += other.retries;
        self.protected += other.protected;
        for (a, b) in self.eapol_key.iter_mut().zip(other.eapol_key) {
            *a += b;
        }
        self.rtp_packets += other.rtp_packets;
        self.decrypted += other.decrypted;
        self.decrypt_failed += other.decrypt_failed;
        self.no_key += other.no_key;
        self.not_decryptable.merge(&other.not_decryptable);
        for (lt, n) in other.unsupported {
            match self.unsupported.iter_mut().find(|(l, _)| *l == lt) {
                Some(e) => e.1 += n,
                None => self.unsupported.push((lt, n)),
            }
        }
        let room = Self::MAX_ISSUES.saturating_sub(self.issues.len());
        self.issues.extend(other.issues.into_iter().take(room));
    }
}
