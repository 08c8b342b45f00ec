//! The key schedule of a decryption, built from the key frames of a first pass over the
//! capture (EAPOL-Key messages, FT exchanges, requests and SSIDs: what `events` hands on as
//! key material, [`frames`]): per station and AP, the PTK of each 4-way handshake (derived
//! from each PMK the user gave and kept only when it reproduces the handshake's MIC) and fast
//! transition, and the GTKs the handshakes carry.

use std::collections::HashMap;

use aes::Aes128;
use hmac::{Hmac, Mac};
use rayon::prelude::*;
use sha1::Sha1;

use super::ccmp::{Cipher, TemporalKey};
use super::kdf::{
    ft_ptk, pairwise_ptk, pairwise_ptk_tkip, pmk_from_passphrase, pmk_r0, pmk_r1, KeyHash, Ptk,
};
use super::keys::{KeyRing, Pmk};
use super::tkip::TkipKey;
use roamgap_wire::dot11::data::KeyMessage;
use roamgap_wire::dot11::{Frame, MacAddr};

mod frames;
use frames::{mde_fte, FtParts};
pub use frames::{AssocRequest, FtExchange, HandshakeMessage, KeyFrame, NetworkNames};

/// The MIC of an EAPOL-Key PDU (12.7.2): HMAC-MD5 for descriptor version 1 (TKIP, and WPA),
/// HMAC-SHA1-128 for version 2, AES-128-CMAC for version 3 and for the AKM-defined version 0
/// of SAE and OWE.
pub fn eapol_mic(kck: &[u8; 16], version: u8, pdu: &[u8]) -> Option<[u8; 16]> {
    match version {
        1 => {
            let mut m = Hmac::<md5::Md5>::new_from_slice(kck).ok()?;
            m.update(pdu);
            Some(m.finalize().into_bytes().into())
        }
        2 => {
            let mut m = Hmac::<Sha1>::new_from_slice(kck).ok()?;
            m.update(pdu);
            let d = m.finalize().into_bytes();
            let mut out = [0u8; 16];
            out.copy_from_slice(&d[..16]);
            Some(out)
        }
        0 | 3 => {
            let mut m = <cmac::Cmac<Aes128> as cmac::Mac>::new_from_slice(kck).ok()?;
            cmac::Mac::update(&mut m, pdu);
            Some(cmac::Mac::finalize(m).into_bytes().into())
        }
        _ => None,
    }
}

/// Whether `ptk` reproduces the message's MIC.
fn mic_matches(ptk: &Ptk, m: &HandshakeMessage) -> bool {
    eapol_mic(&ptk.kck, m.version, &m.pdu_zeroed)
        .is_some_and(|x| m.mic.len() == 16 && x[..] == m.mic[..])
}

/// Messages searched back for a message 2's message 1 (and forward for its message 3).
const MAX_LOOKBACK: usize = 64;
/// SSIDs per station FT keys are derived for.
const MAX_SSIDS_PER_STATION: usize = 4;
/// Derived keys tried on a frame before its time (two more after it).
pub(super) const MAX_TRIED: usize = 8;
/// SSIDs a passphrase given without one is tried with, per handshake, and PMKs derived that
/// way in all (PBKDF2 is slow on purpose: a hostile capture naming thousands of SSIDs must not
/// make the first pass run for hours).
const MAX_SSIDS_PER_HANDSHAKE: usize = 8;
const MAX_DERIVED_PMKS: usize = 64;

/// The keys of one 4-way handshake or fast transition: the PTK's temporal key as CCMP-128
/// and, for PRF-SHA1 handshakes, as TKIP (12.7.1.3), and the KCK and KEK that open the group
/// key messages it protects.
#[derive(Clone, Debug)]
pub(crate) struct LinkKey {
    pub(crate) ccmp: TemporalKey,
    pub(crate) tkip: Option<TkipKey>,
    kck: [u8; 16],
    kek: [u8; 16],
}

/// A group key (GTK) and when it starts: 16 octets (CCMP-128) or 32 (TKIP: TK then the
/// Michael keys, 12.7.1.4).
#[derive(Clone, PartialEq)]
pub(crate) struct GroupKey {
    /// Time (ns) of the message that carried it.
    pub(crate) from_ns: i64,
    pub(crate) key_id: u8,
    key: Vec<u8>,
    ccmp: Option<TemporalKey>,
    tkip: Option<TkipKey>,
}

impl GroupKey {
    fn new(from_ns: i64, key_id: u8, key: &[u8]) -> GroupKey {
        let (ccmp, tkip) = match key.len() {
            16 => (key.try_into().ok().map(|k| TemporalKey::ccmp128(&k)), None),
            32 => (
                None,
                key.try_into()
                    .ok()
                    .map(|k: [u8; 32]| TkipKey::from_bytes(&k)),
            ),
            _ => (None, None),
        };
        GroupKey {
            from_ns,
            key_id,
            key: key.to_vec(),
            ccmp,
            tkip,
        }
    }

    #[cfg(test)]
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }

    pub fn ccmp(&self) -> Option<&TemporalKey> {
        self.ccmp.as_ref()
    }

    pub fn tkip(&self) -> Option<&TkipKey> {
        self.tkip.as_ref()
    }
}

impl std::fmt::Debug for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GroupKey(at {} ns, id {}, {})",
            self.from_ns,
            self.key_id,
            super::fingerprint(&self.key)
        )
    }
}

/// What the first pass found.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScheduleSummary {
    /// The keys given, by kind and fingerprint (never the keys).
    pub keys: Vec<String>,
    /// FT authentications seen (the AP's response), and those whose PTK a key given derives
    /// (its PMKR1Name the one the reassociation request names, when captured).
    pub fast_transitions: usize,
    pub fast_transitions_with_key: usize,
    /// 4-way handshakes seen (message 2 with its message 1).
    pub handshakes: usize,
    /// Of them, those one of the keys given reproduces (their PTK is known).
    pub handshakes_with_key: usize,
    /// Group keys recovered from messages 3 and group key handshakes (clear or protected).
    pub group_keys: usize,
    /// The SSIDs of the handshakes' BSSs (from beacons, probe responses and association
    /// requests), to tell the user what a passphrase must be for.
    pub handshake_ssids: Vec<String>,
    /// Handshakes of SAE (WPA3-Personal, AKM 8, 9, 24, 25) that no key matched: a passphrase
    /// cannot key them, only the PMK of each SAE exchange.
    pub sae_without_key: usize,
    /// Whether a passphrase was given (for the advice when nothing matched).
    pub(crate) passphrase_given: bool,
}

/// The keys of a capture, in frame order, per station and AP.
#[derive(Clone, Debug, Default)]
pub struct KeySchedule {
    /// (station, BSSID) → (time the key was derived, its keys), ascending.
    pairwise: HashMap<(MacAddr, MacAddr), Vec<(i64, LinkKey)>>,
    /// BSSID → group keys, ascending.
    group: HashMap<MacAddr, Vec<GroupKey>>,
    /// Temporal keys given directly, tried on every frame without a derived key.
    pub(super) tks: Vec<TemporalKey>,
    /// WEP keys given, tried on every WEP frame.
    pub(super) wep: Vec<Vec<u8>>,
    /// (station, BSSID) → the times of its 4-way handshakes' message 1, ascending: a link's
    /// key may change at each, so keys given directly are matched to it again after each.
    pub(super) handshake_starts: HashMap<(MacAddr, MacAddr), Vec<i64>>,
    /// Which keys given directly open which links, when more were given than are tried on
    /// every frame (`decrypt::GivenKeys`).
    pub(super) given_index: Option<super::decrypt::GivenIndex>,
    pub(crate) summary: ScheduleSummary,
}

/// AES key unwrap (RFC 3394) of EAPOL key data with the KEK.
fn unwrap_key_data(kek: &[u8; 16], wrapped: &[u8]) -> Option<Vec<u8>> {
    if wrapped.len() < 24 || wrapped.len() % 8 != 0 {
        return None;
    }
    let kw = aes_kw::KekAes128::from(*kek);
    let mut out = vec![0u8; wrapped.len() - 8];
    kw.unwrap(wrapped, &mut out).ok()?;
    Some(out)
}

/// Key data of descriptor version 1 (12.7.2, and WPA's): RC4 keyed with the EAPOL-Key IV
/// followed by the KEK, its first 256 octets of keystream discarded.
fn rc4_key_data(key_iv: &[u8; 16], kek: &[u8; 16], data: &[u8]) -> Vec<u8> {
    use rc4::{consts::U32, KeyInit, Rc4, StreamCipher};
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(key_iv);
    k[16..].copy_from_slice(kek);
    let mut rc4 = Rc4::<U32>::new(&k.into());
    rc4.apply_keystream(&mut [0u8; 256]);
    let mut out = data.to_vec();
    rc4.apply_keystream(&mut out);
    out
}

/// The GTK KDE (12.7.2, Table 12-9: OUI 00-0F-AC type 1) in decrypted key data: its key ID
/// and the GTK (16 octets for CCMP-128, 32 for TKIP).
fn gtk_kde(key_data: &[u8]) -> Option<(u8, &[u8])> {
    let mut rest = key_data;
    while rest.len() >= 2 {
        let (id, len) = (rest[0], usize::from(rest[1]));
        let body = rest.get(2..2 + len)?;
        if id == 0xdd && matches!(len, 22 | 38) && body[..4] == [0x00, 0x0f, 0xac, 0x01] {
            return Some((body[4] & 0x03, &body[6..]));
        }
        if id == 0xdd && len == 0 {
            break; // padding
        }
        rest = &rest[2 + len..];
    }
    None
}

/// The GTK a message 3 or group message 1 carries, opened with `kek`: AES key wrap (versions
/// 2, 3 and 0) or RC4 (version 1); WPA's group message 1 carries the bare GTK, its key ID in
/// the Key Information field (bits 4–5).
fn group_key_of(m: &HandshakeMessage, kek: &[u8; 16]) -> Option<(u8, Vec<u8>)> {
    let plain = match m.version {
        1 => rc4_key_data(&m.key_iv, kek, &m.key_data),
        _ => unwrap_key_data(kek, &m.key_data)?,
    };
    if m.descriptor_type == 254 {
        let len = plain.len();
        return matches!(len, 16 | 32).then(|| (((m.key_info >> 4) & 3) as u8, plain));
    }
    gtk_kde(&plain).map(|(id, k)| (id, k.to_vec()))
}

/// Whether message 2's key data (the station's RSNE) names an SAE AKM (8, 9, 24, 25).
fn is_sae(m2: &HandshakeMessage) -> bool {
    roamgap_wire::dot11::ie::Elements::new(&m2.key_data, 0)
        .flatten()
        .filter_map(|e| roamgap_wire::dot11::ie::Rsn::from_element(&e).filter(|_| e.id == 48))
        .any(|r| {
            r.akm_suites()
                .any(|a| a[..3] == [0x00, 0x0f, 0xac] && matches!(a[3], 8 | 9 | 24 | 25))
        })
}

/// The SSIDs a capture names, by BSS (what it announces, what stations ask it for) and by
/// station (what it asks for, what it probes for), at most a few each: the SSIDs a
/// passphrase is tried with and FT keys are derived for.
#[derive(Default)]
struct Names {
    bss: HashMap<MacAddr, Vec<Vec<u8>>>,
    asked: HashMap<MacAddr, Vec<Vec<u8>>>,
    probed: HashMap<MacAddr, Vec<Vec<u8>>>,
}

impl Names {
    fn add(m: &mut HashMap<MacAddr, Vec<Vec<u8>>>, k: MacAddr, ssid: &[u8]) {
        let v = m.entry(k).or_default();
        if !v.iter().any(|x| x == ssid) && v.len() < MAX_SSIDS_PER_STATION {
            v.push(ssid.to_vec());
        }
    }

    /// The SSIDs to derive a station's FT keys for: what it asked for, then the PMK's own.
    fn ssids_of(&self, station: MacAddr, pmk: &Pmk) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = self.asked.get(&station).cloned().unwrap_or_default();
        if let Some(s) = &pmk.ssid {
            if !v.contains(s) {
                v.push(s.clone());
            }
        }
        v
    }

    /// The SSIDs a handshake may be for: its BSS's, then those its station asked for.
    fn candidates(&self, station: MacAddr, bssid: MacAddr) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = Vec::new();
        for ssid in [
            self.bss.get(&bssid),
            self.asked.get(&station),
            self.probed.get(&station),
        ]
        .into_iter()
        .flatten()
        .flatten()
        {
            if !v.contains(ssid) && v.len() < MAX_SSIDS_PER_HANDSHAKE {
                v.push(ssid.clone());
            }
        }
        v
    }
}

/// The PMKs of the passphrases given without an SSID, derived once per SSID a handshake may
/// be for, and at most [`MAX_DERIVED_PMKS`] in all.
struct PassphrasePmks<'r> {
    ring: &'r KeyRing,
    derived: HashMap<Vec<u8>, Vec<Pmk>>,
    derivations: usize,
}

impl PassphrasePmks<'_> {
    /// The PMKs, beyond the ring's own, for the SSIDs a handshake of `station` and `bssid`
    /// may be for (each PMK once).
    fn extra(&mut self, names: &Names, station: MacAddr, bssid: MacAddr) -> Vec<Pmk> {
        let ring = self.ring;
        let mut v: Vec<Pmk> = Vec::new();
        if ring.passphrases.is_empty() {
            return v;
        }
        let mut seen: std::collections::HashSet<[u8; 32]> = Default::default();
        for ssid in names.candidates(station, bssid) {
            if !self.derived.contains_key(&ssid) {
                if self.derivations >= MAX_DERIVED_PMKS {
                    continue;
                }
                self.derivations += ring.passphrases.len();
                let pmks = ring
                    .passphrases
                    .par_iter()
                    .filter_map(|p| pmk_from_passphrase(p, &ssid).ok())
                    .map(|key| Pmk {
                        key,
                        ssid: Some(ssid.clone()),
                        source: "passphrase",
                    })
                    .collect();
                self.derived.insert(ssid.clone(), pmks);
            }
            for p in &self.derived[&ssid] {
                if !ring.has_pmk(&p.key) && seen.insert(p.key) {
                    v.push(p.clone());
                }
            }
        }
        v
    }
}

/// The key frames of a capture sorted for the derivations: EAPOL-Key messages per link, the
/// requests per link in time order, the FT exchanges, and the SSIDs named.
#[derive(Default)]
struct Gathered<'f> {
    by_link: HashMap<(MacAddr, MacAddr), Vec<&'f HandshakeMessage>>,
    requests_of: HashMap<(MacAddr, MacAddr), Vec<&'f AssocRequest>>,
    exchanges: Vec<&'f FtExchange>,
    names: Names,
}

impl<'f> Gathered<'f> {
    fn new(frames: &'f [KeyFrame]) -> Gathered<'f> {
        let mut g = Gathered::default();
        for f in frames {
            match f {
                KeyFrame::Eapol(m) => g.by_link.entry((m.station, m.bssid)).or_default().push(m),
                KeyFrame::Request(r) => {
                    if let Some(ssid) = &r.ssid {
                        Names::add(&mut g.names.bss, r.bssid, ssid);
                        Names::add(&mut g.names.asked, r.station, ssid);
                    }
                    g.requests_of
                        .entry((r.station, r.bssid))
                        .or_default()
                        .push(r);
                }
                KeyFrame::Ft(x) => g.exchanges.push(x),
                KeyFrame::Network { bssid, ssid } => Names::add(&mut g.names.bss, *bssid, ssid),
                KeyFrame::Probe { station, ssid } => {
                    Names::add(&mut g.names.probed, *station, ssid)
                }
            }
        }
        for v in g.requests_of.values_mut() {
            v.sort_by_key(|r| r.ts_ns);
        }
        // A message seen twice (an 802.11 retransmission, or two sniffers) is one message.
        for msgs in g.by_link.values_mut() {
            msgs.dedup_by(|b, a| {
                a.message == b.message
                    && a.replay_counter == b.replay_counter
                    && a.nonce == b.nonce
                    && a.mic == b.mic
            });
        }
        g
    }
}

/// The message that gave a message 2 its ANonce: the latest message 1 (or 3) with the same
/// replay counter among the few messages before (a bounded search, whatever the capture), or
/// else the message 3 that answers it (replay counter one more: message 3 repeats message
/// 1's ANonce, 12.7.6.4) when message 1 was not captured.
fn anonce_message<'m>(msgs: &[&'m HandshakeMessage], i: usize) -> Option<&'m HandshakeMessage> {
    let m2 = msgs[i];
    msgs[i.saturating_sub(MAX_LOOKBACK)..i]
        .iter()
        .rev()
        .find(|m| {
            matches!(m.message, KeyMessage::M1 | KeyMessage::M3)
                && m.replay_counter == m2.replay_counter
        })
        .or_else(|| {
            msgs[i + 1..].iter().take(MAX_LOOKBACK).find(|m| {
                m.message == KeyMessage::M3 && m.replay_counter == m2.replay_counter.wrapping_add(1)
            })
        })
        .copied()
}

/// The PTK `pmk` gives the handshake of `m1` and `m2`, when it reproduces message 2's MIC,
/// with TKIP's Michael keys for a PRF-SHA1 handshake.
fn handshake_ptk(
    pmk: &Pmk,
    names: &Names,
    (station, bssid): (MacAddr, MacAddr),
    m1: &HandshakeMessage,
    m2: &HandshakeMessage,
) -> Option<(Ptk, Option<[u8; 16]>)> {
    // An FT initial mobility domain association names its key holders in message 2's key
    // data (13.4.2).
    if let (
        Some(mdid),
        Some(FtParts {
            r0kh: Some(r0kh),
            r1kh: Some(r1kh),
            ..
        }),
    ) = mde_fte(roamgap_wire::dot11::ie::Elements::new(&m2.key_data, 0))
    {
        for ssid in names.ssids_of(station, pmk) {
            let (r0, r0_name) = pmk_r0(&pmk.key, &ssid, mdid, &r0kh, station.0);
            let (r1, _) = pmk_r1(&r0, &r0_name, r1kh, station.0);
            let ptk = ft_ptk(&r1, &m2.nonce, &m1.nonce, bssid.0, station.0);
            if mic_matches(&ptk, m2) {
                return Some((ptk, None));
            }
        }
    }
    // Descriptor versions 1 and 2 (TKIP, CCMP with PRF-SHA1): PRF-512, whose first 384 bits
    // are the CCMP PTK and the rest TKIP's Michael keys.
    if matches!(m2.version, 1 | 2) {
        let (ptk, mic) = pairwise_ptk_tkip(&pmk.key, bssid.0, station.0, &m1.nonce, &m2.nonce);
        return mic_matches(&ptk, m2).then_some((ptk, Some(mic)));
    }
    let ptk = pairwise_ptk(
        KeyHash::Sha256,
        &pmk.key,
        bssid.0,
        station.0,
        &m1.nonce,
        &m2.nonce,
    );
    mic_matches(&ptk, m2).then_some((ptk, None))
}

impl KeySchedule {
    /// Derives the keys of every handshake and fast transition in `frames` (in frame order)
    /// with the PMKs of `ring` (and those of its passphrases given without an SSID, for the
    /// SSIDs the capture names).
    pub fn build(frames: &[KeyFrame], ring: &KeyRing) -> KeySchedule {
        let mut s = KeySchedule {
            tks: ring
                .tks
                .iter()
                .flat_map(|tk| {
                    Cipher::for_key_len(tk.len())
                        .iter()
                        .filter_map(|&c| TemporalKey::new(c, tk))
                })
                .collect(),
            wep: ring.wep.clone(),
            ..KeySchedule::default()
        };
        s.summary.keys = ring.describe();
        s.summary.passphrase_given =
            !ring.passphrases.is_empty() || ring.pmks.iter().any(|p| p.ssid.is_some());
        let g = Gathered::new(frames);
        let mut pmks = PassphrasePmks {
            ring,
            derived: HashMap::new(),
            derivations: 0,
        };
        let mut links: Vec<_> = g.by_link.iter().collect();
        links.sort_by_key(|(k, _)| **k);
        let mut handshake_ssids: Vec<Vec<u8>> = Vec::new();
        for (&link, msgs) in links {
            s.link_handshakes(link, msgs, &g.names, &mut pmks, &mut handshake_ssids);
        }
        s.summary.handshake_ssids = handshake_ssids
            .iter()
            .map(|x| String::from_utf8_lossy(x).into_owned())
            .collect();
        s.fast_transitions(&g, &mut pmks);
        for v in s.pairwise.values_mut() {
            v.sort_by_key(|(t, _)| *t);
        }
        for v in s.group.values_mut() {
            v.sort_by_key(|g| g.from_ns);
        }
        s
    }

    /// The 4-way handshakes of one link (its EAPOL-Key messages in frame order): each
    /// message 2 with the message that gave its ANonce, its PTK (every PMK tried, the MIC
    /// telling which, if any), and the GTKs sent under it.
    fn link_handshakes(
        &mut self,
        (station, bssid): (MacAddr, MacAddr),
        msgs: &[&HandshakeMessage],
        names: &Names,
        pmks: &mut PassphrasePmks<'_>,
        handshake_ssids: &mut Vec<Vec<u8>>,
    ) {
        let ring = pmks.ring;
        let mut starts: Vec<i64> = msgs
            .iter()
            .filter(|m| m.message == KeyMessage::M1)
            .map(|m| m.ts_ns)
            .collect();
        starts.sort_unstable();
        if !starts.is_empty() {
            self.handshake_starts.insert((station, bssid), starts);
        }
        for (i, m2) in msgs.iter().enumerate() {
            if m2.message != KeyMessage::M2 {
                continue;
            }
            let Some(m1) = anonce_message(msgs, i) else {
                continue;
            };
            self.summary.handshakes += 1;
            for ssid in names.bss.get(&bssid).into_iter().flatten() {
                if !handshake_ssids.contains(ssid) && handshake_ssids.len() < 16 {
                    handshake_ssids.push(ssid.clone());
                }
            }
            // Every PMK is tried: on every core, the first in the ring's order winning.
            let extra = pmks.extra(names, station, bssid);
            let found = ring
                .pmks
                .par_iter()
                .chain(extra.par_iter())
                .find_map_first(|pmk| {
                    handshake_ptk(pmk, names, (station, bssid), m1, m2)
                        .map(|(ptk, mic)| (ptk, mic, pmk))
                });
            let Some((ptk, mic, pmk)) = found else {
                if is_sae(m2) {
                    self.summary.sae_without_key += 1;
                }
                continue;
            };
            self.summary.handshakes_with_key += 1;
            // A passphrase given without an SSID: say which SSID it matched for.
            if !ring.has_pmk(&pmk.key) {
                let d = format!(
                    "PMK {} (from a passphrase for SSID \"{}\", named by the capture)",
                    super::fingerprint(&pmk.key),
                    String::from_utf8_lossy(pmk.ssid.as_deref().unwrap_or_default())
                );
                if !self.summary.keys.contains(&d) {
                    self.summary.keys.push(d);
                }
            }
            self.add_link_key(station, bssid, m2.ts_ns, &ptk, mic);
            // The GTK in message 3 (or a later group key handshake) under this PTK.
            for m in msgs[i + 1..].iter().take(MAX_LOOKBACK).filter(|m| {
                matches!(m.message, KeyMessage::M3 | KeyMessage::G1)
                    && (m.key_data_encrypted || m.descriptor_type == 254)
                    && !m.key_data.is_empty()
            }) {
                if m.message == KeyMessage::M3 && m.replay_counter < m2.replay_counter {
                    continue;
                }
                if let Some((key_id, gtk)) = group_key_of(m, &ptk.kek) {
                    self.add_group_key(bssid, m.ts_ns, key_id, &gtk);
                }
            }
        }
    }

    /// Fast transitions over the air (13.5.2): the PTK from PMK-R1 and the authentication
    /// nonces, kept when its PMKR1Name is the one the reassociation request names.
    fn fast_transitions(&mut self, g: &Gathered<'_>, pmks: &mut PassphrasePmks<'_>) {
        let ring = pmks.ring;
        for x in &g.exchanges {
            self.summary.fast_transitions += 1;
            let request = g
                .requests_of
                .get(&(x.station, x.bssid))
                .and_then(|v| v.get(v.partition_point(|r| r.ts_ns < x.ts_ns)).copied());
            let extra = pmks.extra(&g.names, x.station, x.bssid);
            let found = ring
                .pmks
                .par_iter()
                .chain(extra.par_iter())
                .find_map_first(|pmk| {
                    g.names
                        .ssids_of(x.station, pmk)
                        .into_iter()
                        .find_map(|ssid| {
                            let (r0, r0_name) =
                                pmk_r0(&pmk.key, &ssid, x.mdid, &x.r0kh, x.station.0);
                            let (r1, r1_name) = pmk_r1(&r0, &r0_name, x.r1kh, x.station.0);
                            let named = request.is_none_or(|r| r.pmkids.contains(&r1_name));
                            named.then(|| ft_ptk(&r1, &x.snonce, &x.anonce, x.bssid.0, x.station.0))
                        })
                });
            if let Some(ptk) = found {
                self.summary.fast_transitions_with_key += 1;
                self.add_link_key(x.station, x.bssid, x.ts_ns, &ptk, None);
            }
        }
    }
    fn add_link_key(
        &mut self,
        station: MacAddr,
        bssid: MacAddr,
        ts_ns: i64,
        ptk: &Ptk,
        mic: Option<[u8; 16]>,
    ) {
        let tkip = mic.map(|m| {
            let mut b = [0u8; 32];
            b[..16].copy_from_slice(&ptk.tk);
            b[16..].copy_from_slice(&m);
            TkipKey::from_bytes(&b)
        });
        self.pairwise.entry((station, bssid)).or_default().push((
            ts_ns,
            LinkKey {
                ccmp: TemporalKey::ccmp128(&ptk.tk),
                tkip,
                kck: ptk.kck,
                kek: ptk.kek,
            },
        ));
    }

    fn add_group_key(&mut self, bssid: MacAddr, ts_ns: i64, key_id: u8, gtk: &[u8]) {
        let g = self.group.entry(bssid).or_default();
        if !g.iter().any(|x| x.key == gtk && x.key_id == key_id) {
            g.push(GroupKey::new(ts_ns, key_id, gtk));
            self.summary.group_keys += 1;
        }
    }

    /// Whether any PTK is known: then the group key messages sent under one are worth a
    /// second look ([`Self::may_be_key_message`]).
    pub(crate) fn has_link_keys(&self) -> bool {
        !self.pairwise.is_empty()
    }

    /// Whether a protected unicast data frame from an AP to `station` may be an EAPOL-Key
    /// message under a PTK already known (a group key handshake's message 1, or a message 3
    /// sent again): the only frames the key schedule's second pass decrypts. Header, LLC/SNAP,
    /// EAPOL-Key with a GTK's key data, MIC and ICV make 120 to 220 octets of body; a CCMP
    /// frame qualifies only when one AES block of it, under one of the link's keys, starts
    /// with the LLC/SNAP header of EAPOL, so voice of the same size costs one block, not a
    /// whole decryption.
    pub(crate) fn may_be_key_message<T: AsRef<[u8]>>(
        &self,
        frame: &Frame<T>,
        station: MacAddr,
        bssid: MacAddr,
        ts_ns: i64,
    ) -> bool {
        const EAPOL_SNAP: [u8; 8] = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e];
        if !(120..=220).contains(&frame.body().len())
            || !self.pairwise.contains_key(&(station, bssid))
        {
            return false;
        }
        let Some(shape) = super::decrypt::CipherShape::of(frame.body()) else {
            return false;
        };
        !shape.ccmp
            || shape.tkip
            || self.link_keys(station, bssid, ts_ns).any(|(k, _)| {
                super::ccmp::first_block(k.ccmp.tk(), frame).is_some_and(|b| b[..8] == EAPOL_SNAP)
            })
    }
    /// Adds the group keys of the protected messages of the second pass
    /// ([`KeyFrame::protected`]), each
    /// opened with the KEK of the link's PTK whose KCK reproduces its MIC.
    pub(crate) fn add_protected(&mut self, frames: &[KeyFrame]) {
        for f in frames {
            let KeyFrame::Eapol(m) = f else { continue };
            let Some(keys) = self.pairwise.get(&(m.station, m.bssid)) else {
                continue;
            };
            let upto = keys.partition_point(|(t, _)| *t <= m.ts_ns);
            let Some(kek) = keys[upto.saturating_sub(MAX_TRIED)..upto]
                .iter()
                .rev()
                .map(|(_, k)| k)
                .find(|k| {
                    eapol_mic(&k.kck, m.version, &m.pdu_zeroed)
                        .is_some_and(|x| m.mic.len() == 16 && x[..] == m.mic[..])
                })
                .map(|k| k.kek)
            else {
                continue;
            };
            if let Some((key_id, gtk)) = group_key_of(m, &kek) {
                self.add_group_key(m.bssid, m.ts_ns, key_id, &gtk);
            }
        }
        for v in self.group.values_mut() {
            v.sort_by_key(|g| g.from_ns);
        }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.pairwise.is_empty()
            && self.group.is_empty()
            && self.tks.is_empty()
            && self.wep.is_empty()
    }

    /// The keys of `station` and `bssid` to try on a frame captured at `ts_ns`: the newest
    /// handshake's before it first, then older ones (at most [`MAX_TRIED`]), then the two
    /// after it (a sniffer's clock can put a frame a little before the message that keyed it).
    /// With whether each was in force at `ts_ns` (derived before it).
    pub(crate) fn link_keys(
        &self,
        station: MacAddr,
        bssid: MacAddr,
        ts_ns: i64,
    ) -> impl Iterator<Item = (&LinkKey, bool)> {
        let derived = self
            .pairwise
            .get(&(station, bssid))
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        let upto = derived.partition_point(|(t, _)| *t <= ts_ns);
        // A frame no key opens costs a bounded number of MIC checks, however many
        // handshakes the pair had.
        derived[upto.saturating_sub(MAX_TRIED)..upto]
            .iter()
            .rev()
            .map(|(_, k)| (k, true))
            .chain(derived[upto..].iter().take(2).map(|(_, k)| (k, false)))
    }

    /// The CCMP temporal keys to try on a unicast frame between `station` and `bssid` at
    /// `ts_ns`: those of [`Self::link_keys`], then the keys given directly.
    pub fn pairwise_keys(
        &self,
        station: MacAddr,
        bssid: MacAddr,
        ts_ns: i64,
    ) -> impl Iterator<Item = &TemporalKey> {
        self.link_keys(station, bssid, ts_ns)
            .map(|(k, _)| &k.ccmp)
            .chain(self.tks.iter())
    }

    /// The group keys of `bssid` with `key_id` to try on a frame at `ts_ns`: those in force
    /// then, newest first (at most [`MAX_TRIED`]), then the next one after it (an AP keeps
    /// its GTK until it rekeys: the group frames captured before a station's handshake are
    /// sent under the GTK that handshake delivers). With whether each was in force.
    pub(crate) fn group_keys(
        &self,
        bssid: MacAddr,
        key_id: u8,
        ts_ns: i64,
    ) -> impl Iterator<Item = (&GroupKey, bool)> {
        let keys = self.group.get(&bssid).map(|v| v.as_slice()).unwrap_or(&[]);
        let upto = keys.partition_point(|g| g.from_ns <= ts_ns);
        let before = keys[..upto]
            .iter()
            .rev()
            .filter(move |g| g.key_id == key_id)
            .take(MAX_TRIED)
            .map(|g| (g, true));
        let after = keys[upto..]
            .iter()
            .filter(move |g| g.key_id == key_id)
            .take(1)
            .map(|g| (g, false));
        before.chain(after)
    }
}

#[cfg(test)]
mod tests;
