//! The scenarios `roamgap gen` knows, and what each sets up: its APs, phones and roams.

use super::frames;
use super::roam::RoamKind;
use super::sim::{KeyMgmt, Sim, Tag};
use super::writer::Radio;
use super::{MS, US, VOICE_PERIOD};
use roamgap_wire::dot11::MacAddr;
use serde::{Serialize, Serializer};

/// A scenario `roamgap gen` knows: what its network, phones and roams are set up to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scenario {
    CckmOk,
    CckmMissingIe,
    PskOk,
    EncryptedVoice,
    PskLateM1,
    FtOk,
    AddtsRefused,
    DeauthAfterRoam,
    Dot1xFull,
    ReassocRefused,
    SeqWrap,
    Reorder,
    MultiPhone,
    SaeOk,
    OkcOk,
    FtOverDs,
    OpenOk,
    Wep,
    WepSharedKey,
    MulticastVoice,
    Scanning,
    Sticky,
    TspecRate,
    SlowReassoc,
    ManyPhones,
    UnansweredReturn,
    Abandoned,
}

impl Scenario {
    /// Every scenario, in the order `roamgap gen --list` gives them.
    pub(crate) const ALL: [Scenario; 27] = [
        Scenario::CckmOk,
        Scenario::CckmMissingIe,
        Scenario::PskOk,
        Scenario::EncryptedVoice,
        Scenario::PskLateM1,
        Scenario::FtOk,
        Scenario::AddtsRefused,
        Scenario::DeauthAfterRoam,
        Scenario::Dot1xFull,
        Scenario::ReassocRefused,
        Scenario::SeqWrap,
        Scenario::Reorder,
        Scenario::MultiPhone,
        Scenario::SaeOk,
        Scenario::OkcOk,
        Scenario::FtOverDs,
        Scenario::OpenOk,
        Scenario::Wep,
        Scenario::WepSharedKey,
        Scenario::MulticastVoice,
        Scenario::Scanning,
        Scenario::Sticky,
        Scenario::TspecRate,
        Scenario::SlowReassoc,
        Scenario::ManyPhones,
        Scenario::UnansweredReturn,
        Scenario::Abandoned,
    ];

    /// Its name (on the command line and in the truth) and what it shows.
    const fn describe(self) -> (&'static str, &'static str) {
        match self {
            Scenario::CckmOk => (
                "cckm-ok",
                "one phone, two healthy CCKM roams (TSPEC in the request): gaps of tens of ms",
            ),
            Scenario::CckmMissingIe => (
                "cckm-missing-ie",
                "CCKM offered, the response lacks the CCKM element: full 802.1X/EAP, ~1 s gap",
            ),
            Scenario::PskOk => (
                "psk-ok",
                "WPA2-PSK roams with a prompt 4-way handshake",
            ),
            Scenario::EncryptedVoice => (
                "encrypted-voice",
                "WPA2-PSK roams (one with a late EAPOL M1) with CCMP-encrypted voice: gaps from frame timing",
            ),
            Scenario::PskLateM1 => (
                "psk-late-m1",
                "WPA2-PSK: EAPOL M1 before the phone is ready, resent after ~1 s",
            ),
            Scenario::FtOk => (
                "ft-ok",
                "two FT-PSK (802.11r over the air) roams",
            ),
            Scenario::AddtsRefused => (
                "addts-refused",
                "CCKM roam, the new AP refuses the ADDTS request (status 3)",
            ),
            Scenario::DeauthAfterRoam => (
                "deauth-after-roam",
                "PSK roam, the new AP deauthenticates the phone right after (reason 2, 6 or 7)",
            ),
            Scenario::Dot1xFull => (
                "dot1x-full",
                "802.1X roam without key caching: full EAP exchange and 4-way handshake",
            ),
            Scenario::ReassocRefused => (
                "reassoc-refused",
                "CCKM roam refused by the new AP (status 17), then a roam to a third AP",
            ),
            Scenario::SeqWrap => (
                "seq-wrap",
                "healthy CCKM roams while both RTP sequence numbers wrap past 65535",
            ),
            Scenario::Reorder => (
                "reorder",
                "PSK roams with RTP packets reordered on the air",
            ),
            Scenario::MultiPhone => (
                "multi-phone",
                "six phones of mixed key management, several roaming at the same moment",
            ),
            Scenario::SaeOk => (
                "sae-ok",
                "WPA3-Personal roams: SAE commit/confirm with the new AP, then the 4-way handshake",
            ),
            Scenario::OkcOk => (
                "okc-ok",
                "802.1X roams with opportunistic key caching: a PMKID in the request, no EAP",
            ),
            Scenario::FtOverDs => (
                "ft-over-ds",
                "FT-PSK over the DS: FT request/response through the old AP, then the reassociation",
            ),
            Scenario::OpenOk => (
                "open-ok",
                "roams on an open network",
            ),
            Scenario::Wep => (
                "wep",
                "roams on a static-WEP network, voice encrypted: gaps from frame timing",
            ),
            Scenario::WepSharedKey => (
                "wep-shared-key",
                "roams on a static-WEP network with Shared Key authentication (challenge, encrypted \
         answer): real WEP under the truth's key with --wep-key, else WEP-shaped bytes",
            ),
            Scenario::MulticastVoice => (
                "multicast-voice",
                "PSK roams while the phone's AP sends group-addressed paging RTP (FromDS, to 239.192.0.1); \
         with --passphrase under the GTK of message 3",
            ),
            Scenario::Scanning => (
                "scanning",
                "PSK roams after probing other channels; the old AP keeps retrying voice to the phone",
            ),
            Scenario::Sticky => (
                "sticky",
                "CCKM roam of a phone that stayed on its old AP down to -84 dBm",
            ),
            Scenario::TspecRate => (
                "tspec-rate",
                "CCKM roam with a TSPEC (12 Mb/s minimum PHY rate) to an AP without 12 Mb/s: ADDTS refused",
            ),
            Scenario::SlowReassoc => (
                "slow-reassoc",
                "CCKM roam whose reassociation response takes 55-75 ms: over the CCKM budget",
            ),
            Scenario::ManyPhones => (
                "many-phones",
                "32 phones on six APs, every key management, scanning and encrypted calls among them",
            ),
            Scenario::UnansweredReturn => (
                "unanswered-return",
                "deauthenticated by its AP, a PSK phone tries another AP for ~13.5 s (authentication, four \
         reassociation requests, Null frames); that AP never answers; the phone gives up and goes back",
            ),
            Scenario::Abandoned => (
                "abandoned",
                "PSK roam accepted by the new AP, whose EAPOL message 1 the phone never answers: the AP \
         deauthenticates it (reason 15) and the phone goes back to its old AP",
            ),
        }
    }

    /// Its name, on the command line and in the truth.
    pub(crate) const fn name(self) -> &'static str {
        self.describe().0
    }

    /// The scenario of that name.
    pub(crate) fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The truth names its scenario.
impl Serialize for Scenario {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The scenarios `roamgap gen` knows: (name, what it shows).
pub const SCENARIOS: [(&str, &str); Scenario::ALL.len()] = {
    let mut all = [("", ""); Scenario::ALL.len()];
    let mut i = 0;
    while i < all.len() {
        all[i] = Scenario::ALL[i].describe();
        i += 1;
    }
    all
};

impl Sim {
    /// Sets up the scenario's network, phones and roams, then the voice and beacons around
    /// them.
    pub(super) fn run(&mut self, scenario: Scenario) {
        match scenario {
            Scenario::MultiPhone => self.multi_phone(),
            Scenario::ManyPhones => self.many_phones(),
            _ => self.one_phone(scenario),
        }
        for p in 0..self.phones.len() {
            let first_ap = self.phones[p].attachments[0].1;
            self.initial_handshake(p, first_ap);
        }
        self.beacons();
        for p in 0..self.phones.len() {
            self.voice(p);
        }
        if scenario == Scenario::MulticastVoice {
            self.paging(0);
        }
    }

    /// One phone on three APs, roaming as the scenario says.
    fn one_phone(&mut self, scenario: Scenario) {
        self.add_aps(&[1, 6, 11]);
        let (km, kinds): (KeyMgmt, &[RoamKind]) = match scenario {
            Scenario::CckmOk | Scenario::SeqWrap => {
                (KeyMgmt::Cckm, &[RoamKind::CckmOk, RoamKind::CckmOk])
            }
            Scenario::CckmMissingIe => (KeyMgmt::Cckm, &[RoamKind::CckmMissingIe]),
            Scenario::PskOk => (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskOk]),
            Scenario::PskLateM1 => (KeyMgmt::Psk, &[RoamKind::PskLateM1]),
            Scenario::FtOk => (KeyMgmt::FtPsk, &[RoamKind::FtOk, RoamKind::FtOk]),
            Scenario::AddtsRefused => (KeyMgmt::Cckm, &[RoamKind::AddtsRefused]),
            Scenario::DeauthAfterRoam => (KeyMgmt::Psk, &[RoamKind::DeauthAfterRoam]),
            Scenario::Dot1xFull => (KeyMgmt::Dot1x, &[RoamKind::Dot1xFull]),
            Scenario::ReassocRefused => (KeyMgmt::Cckm, &[RoamKind::ReassocRefused]),
            Scenario::Reorder => (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskOk]),
            Scenario::EncryptedVoice => (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskLateM1]),
            Scenario::SaeOk => (KeyMgmt::Sae, &[RoamKind::SaeOk, RoamKind::SaeOk]),
            Scenario::OkcOk => (KeyMgmt::Okc, &[RoamKind::OkcOk, RoamKind::OkcOk]),
            Scenario::FtOverDs => (KeyMgmt::FtDs, &[RoamKind::FtOk, RoamKind::FtOk]),
            Scenario::OpenOk => (KeyMgmt::Open, &[RoamKind::OpenOk, RoamKind::OpenOk]),
            Scenario::Wep | Scenario::WepSharedKey => {
                (KeyMgmt::Wep, &[RoamKind::OpenOk, RoamKind::OpenOk])
            }
            Scenario::Scanning | Scenario::MulticastVoice => {
                (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskOk])
            }
            Scenario::Sticky => (KeyMgmt::Cckm, &[RoamKind::CckmOk]),
            Scenario::TspecRate => (KeyMgmt::Cckm, &[RoamKind::TspecRate]),
            Scenario::SlowReassoc => (KeyMgmt::Cckm, &[RoamKind::SlowResponse]),
            Scenario::UnansweredReturn => (KeyMgmt::Psk, &[RoamKind::Unanswered]),
            Scenario::Abandoned => (KeyMgmt::Psk, &[RoamKind::Abandoned]),
            Scenario::MultiPhone | Scenario::ManyPhones => {
                unreachable!("set up by multi_phone and many_phones")
            }
        };
        if scenario == Scenario::UnansweredReturn {
            // Room for the ~14 s the phone spends on the silent AP, and the call after.
            self.duration = 24_000 * MS;
        }
        let first_ap = self.rng.range(0, 3) as usize;
        if scenario == Scenario::TspecRate {
            // Only the phone's first AP has 12 Mb/s enabled.
            for (i, ap) in self.aps.iter_mut().enumerate() {
                ap.no_12mbps = i != first_ap;
            }
        }
        self.shared_key = scenario == Scenario::WepSharedKey;
        let p = self.add_phone(km, first_ap);
        let real_wep = self.wep_key.is_some();
        let ph = &mut self.phones[p];
        ph.encrypted = match scenario {
            Scenario::EncryptedVoice => true,
            // With a key the voice is really WEP, and the truth is what it shows once
            // decrypted.
            Scenario::Wep | Scenario::WepSharedKey => !real_wep,
            _ => false,
        };
        ph.scans = scenario == Scenario::Scanning;
        ph.old_ap_retries = scenario == Scenario::Scanning;
        ph.sticky = scenario == Scenario::Sticky;
        if scenario == Scenario::Reorder {
            self.phones[p].reorder_one_in = 8;
        }
        let mut t = self.start + self.rng.range(2500, 4000) * MS;
        for &kind in kinds {
            let ready = self.roam(p, kind, t);
            t = ready + self.rng.range(3000, 4500) * MS;
        }
        if scenario == Scenario::SeqWrap {
            // Uplink wraps inside the first roam's outage, downlink a second earlier.
            let ph = &mut self.phones[p];
            let (leave, _) = ph.outages[0];
            let k_leave = ((leave - ph.call.0) / VOICE_PERIOD) as u16;
            ph.seq0[0] = 0u16.wrapping_sub(k_leave).wrapping_sub(2);
            ph.seq0[1] = 0u16.wrapping_sub(k_leave).wrapping_add(50);
        }
    }

    /// Group-addressed paging voice (G.711 RTP every 20 ms to 239.192.0.1 from a paging
    /// server) for the length of phone `p`'s call, sent by the AP the phone is attached to
    /// (none during its outages): QoS Data, FromDS, Address 1 the group's MAC address
    /// (IEEE 802.11-2020 9.3.2.1, table 9-30), never retransmitted. With a passphrase it is
    /// CCMP-protected (12.5.3) under the GTK delivered in message 3, key ID 1, each AP with
    /// its own packet numbers.
    pub(super) fn paging(&mut self, p: usize) {
        let group_ip = [239, 192, 0, 1];
        let group_mac = MacAddr([0x01, 0x00, 0x5e, 0x40, 0x00, 0x01]);
        let server_ip = [10, 10, 90, 200];
        let ssrc = self.rng.next() as u32;
        let seq0 = self.rng.next() as u16;
        let ts0 = self.rng.next() as u32;
        let offset = self.rng.range(0, 20_000) * US;
        let (start, end) = self.phones[p].call;
        self.group_pn = vec![1; self.aps.len()];
        let mut frames_written = 0;
        let mut k: u64 = 0;
        loop {
            let nominal = start + offset + k as i64 * VOICE_PERIOD;
            if nominal >= end {
                break;
            }
            let silent = self.phones[p]
                .outages
                .iter()
                .any(|&(a, b)| nominal >= a && nominal < b);
            if !silent {
                let t = nominal + self.rng.range(0, 400) * US;
                let ap = self.ap_at(p, nominal);
                let seq = {
                    let s = &mut self.aps[ap].seq;
                    *s = (*s + 1) % 4096;
                    *s
                };
                let bssid = self.aps[ap].bssid;
                let mut f =
                    frames::qos_data_header(false, false, group_mac, bssid, self.gateway, seq, 5);
                // No acknowledgement, so no NAV to set (9.2.5.2).
                f[2] = 0;
                f[3] = 0;
                let mut plain = Vec::with_capacity(220);
                frames::llc_snap(&mut plain, 0x0800);
                let flow = frames::UdpFlow {
                    src: server_ip,
                    dst: group_ip,
                    sport: 5004,
                    dport: 5004,
                    tos: 0xb8,
                };
                frames::ipv4_udp_rtp(
                    &mut plain,
                    flow,
                    ssrc,
                    seq0.wrapping_add(k as u16),
                    ts0.wrapping_add((k as u32).wrapping_mul(160)),
                    (k as u16).wrapping_add(0x4000),
                    160,
                );
                match &self.crypto {
                    Some(c) => {
                        f[1] |= 0x40;
                        let pn = self.group_pn[ap];
                        self.group_pn[ap] += 1;
                        let body = roamgap::crypto::ccmp::encrypt(&c.gtk, &f, pn, 1, &plain);
                        f.extend_from_slice(&body);
                    }
                    None => f.extend_from_slice(&plain),
                }
                let radio = Radio {
                    freq_mhz: self.aps[ap].freq,
                    signal_dbm: self.phones[p].signal + 8 - self.rng.range(0, 5) as i8,
                    rate: 108,
                };
                self.queue(t, false, radio, f, Tag::None);
                frames_written += 1;
            }
            k += 1;
        }
        self.multicast = Some((ssrc, frames_written));
    }

    /// Six phones of mixed key management on four APs, the first three roaming within a few
    /// ms of each other, one call encrypted.
    pub(super) fn multi_phone(&mut self) {
        self.add_aps(&[1, 6, 11, 36]);
        self.duration = 20_000 * MS;
        let kms = [
            KeyMgmt::Cckm,
            KeyMgmt::Psk,
            KeyMgmt::FtPsk,
            KeyMgmt::Dot1x,
            KeyMgmt::Cckm,
            KeyMgmt::Psk,
        ];
        let together = self.start + self.rng.range(2500, 3500) * MS;
        for (i, &km) in kms.iter().enumerate() {
            let first_ap = self.rng.range(0, 4) as usize;
            let p = self.add_phone(km, first_ap);
            // One call is encrypted end to end on the air.
            self.phones[p].encrypted = i == 5;
            // The first three phones roam within a few ms of each other.
            let mut t = if i < 3 {
                together + self.rng.range(0, 15) * MS
            } else {
                self.start + self.rng.range(2000, 6000) * MS
            };
            let roams = self.rng.range(1, 4);
            for _ in 0..roams {
                if t > self.start + self.duration - 4000 * MS {
                    break;
                }
                let kinds = km.kinds();
                let kind = kinds[self.rng.range(0, kinds.len() as i64) as usize];
                let ready = self.roam(p, kind, t);
                t = ready + self.rng.range(3000, 6000) * MS;
            }
        }
    }

    /// Many phones at once: 32 calls over six APs, every key management, some phones scanning,
    /// some sticky, some encrypted, several roaming in the same second.
    pub(super) fn many_phones(&mut self) {
        self.add_aps(&[1, 6, 11, 36, 40, 44]);
        self.duration = 24_000 * MS;
        let kms = [
            KeyMgmt::Cckm,
            KeyMgmt::Psk,
            KeyMgmt::FtPsk,
            KeyMgmt::Dot1x,
            KeyMgmt::Sae,
            KeyMgmt::Okc,
            KeyMgmt::FtDs,
            KeyMgmt::Open,
        ];
        let rush = self.start + self.rng.range(4000, 6000) * MS;
        for i in 0..32 {
            let km = kms[i % kms.len()];
            let first_ap = self.rng.range(0, 6) as usize;
            let p = self.add_phone(km, first_ap);
            let ph = &mut self.phones[p];
            ph.encrypted = i % 5 == 4;
            ph.scans = i % 3 == 0;
            ph.old_ap_retries = i % 4 == 1;
            ph.sticky = i == 7;
            // A third of the phones roam within a second of each other (a walk down a corridor).
            let mut t = if i % 3 == 2 {
                rush + self.rng.range(0, 1000) * MS
            } else {
                self.start + self.rng.range(2000, 9000) * MS
            };
            for _ in 0..self.rng.range(1, 4) {
                if t > self.start + self.duration - 4000 * MS {
                    break;
                }
                let kinds = km.kinds();
                let kind = kinds[self.rng.range(0, kinds.len() as i64) as usize];
                let ready = self.roam(p, kind, t);
                t = ready + self.rng.range(3000, 7000) * MS;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scenario_is_found_by_its_own_name_and_only_by_it() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
        }
        assert_eq!(SCENARIOS.map(|(n, _)| n), Scenario::ALL.map(Scenario::name));
        assert_eq!(SCENARIOS[15].0, "ft-over-ds");
        assert_eq!(Scenario::from_name("ft-over-ds"), Some(Scenario::FtOverDs));
        assert_eq!(Scenario::from_name("big"), None);
        assert_eq!(Scenario::from_name("FT-OK"), None);
    }
}
