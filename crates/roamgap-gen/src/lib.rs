//! `roamgap gen`: writes synthetic roaming captures with their exact truth.
//!
//! A scenario is a set of phones in G.711 calls (RTP every 20 ms each way in QoS Data, UP 6)
//! that roam between APs in a given way (healthy CCKM, CCKM element missing, late EAPOL M1,
//! FT, ADDTS refused, ...). The simulator plans each roam's phases, then the voice packets
//! around the outages, then sorts every frame by time. The truth is read back from the
//! frames as written (their final numbers and quantized times), following the definitions of
//! `docs/METRICS.md`, never from the analyzer.
#![deny(unsafe_code)]

/// Frame builders (802.11 headers, elements, LLC/SNAP, IPv4/UDP/RTP, EAPOL): also used by the
/// benchmarks that write their own captures.
pub mod frames;
mod writer;

use serde::Serialize;

use frames::KeyMsg;
use roamgap_wire::dot11::subtype as st;
use roamgap_wire::dot11::MacAddr;
pub use writer::{FileFormat, Link};
use writer::{Radio, Writer};

/// Generation settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub seed: u64,
    pub format: FileFormat,
    pub link: Link,
}

/// A generated capture and its truth.
pub struct Generated {
    pub bytes: Vec<u8>,
    pub truth: Truth,
}

/// What the capture contains, in the format of the truth files (see `docs/METRICS.md`).
#[derive(Clone, Debug, Serialize)]
pub struct Truth {
    pub scenario: &'static str,
    pub frames: u64,
    pub malformed_frames: u64,
    pub linktype: u16,
    pub roams: Vec<TruthRoam>,
    pub streams: Vec<TruthStream>,
    pub format: &'static str,
    pub seed: u64,
    /// The group-addressed voice (paging) the APs send, in scenarios that have it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multicast: Option<TruthMulticast>,
    /// Set when the PSK phones' voice is really encrypted (`--passphrase`), or the WEP
    /// phones' (`--wep-key`): the roams and streams above are what the capture shows once
    /// decrypted with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<TruthEncryption>,
}

/// The keys of a really encrypted capture, and what they protect.
#[derive(Clone, Debug, Serialize)]
pub struct TruthEncryption {
    /// The WPA2 passphrase (`--passphrase`); none for a WEP network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passphrase: Option<String>,
    /// The WEP key (hex) of a WEP network (`--wep-key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wep_key: Option<String>,
    pub ssid: String,
    /// The pairwise cipher of the PSK phones' voice when it is not CCMP: `tkip`
    /// (`--cipher tkip`, IEEE 802.11-2020 12.5.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<&'static str>,
    /// 4-way handshakes, each with real nonces and MICs.
    pub handshakes: usize,
    /// Protected data frames, CCMP, TKIP or WEP (retransmissions included).
    pub protected_frames: u64,
    /// Protected Authentication frames: the third frame of each Shared Key authentication
    /// (12.3.3.3), WEP-encrypted (retransmissions included).
    #[serde(skip_serializing_if = "is_zero")]
    pub protected_auth_frames: u64,
    /// Protected group-addressed data frames, under the GTK (key ID 1) that message 3 of
    /// each 4-way handshake delivers (included in `protected_frames`).
    #[serde(skip_serializing_if = "is_zero")]
    pub protected_group_frames: u64,
    /// SAE phones' PMKs (hex), one per SAE exchange: SAE derives them from both sides'
    /// secrets, so they are given as `--pmk`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sae_pmks: Vec<String>,
}

/// A group-addressed RTP stream from the APs (FromDS, to an IPv4 multicast group): no
/// station's traffic.
#[derive(Clone, Debug, Serialize)]
pub struct TruthMulticast {
    pub ssrc: String,
    pub group: String,
    pub destination: MacAddr,
    /// Its frames (group-addressed frames are never retransmitted: no acknowledgement).
    pub frames: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthTspec {
    pub up: u8,
    pub tid: u8,
    pub direction: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthAddts {
    pub status: u16,
    pub up: u8,
    pub frame: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthEapol {
    pub m1_frame: u64,
    pub m4_frame: Option<u64>,
    pub m1_time: f64,
    pub m1_retries: u32,
    pub m4_time: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthDeauth {
    pub reason: u16,
    pub frame: u64,
    pub time: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthGap {
    pub last_before_frame: u64,
    pub first_after_frame: Option<u64>,
    pub last_before_time: f64,
    pub first_after_time: Option<f64>,
    pub gap_ms: Option<f64>,
    pub lost: Option<u64>,
    pub measured_from: &'static str,
}

/// A phase of a roam, by its first and last frame (see `docs/METRICS.md`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TruthPhase {
    pub name: &'static str,
    pub start_frame: u64,
    /// Null for an exchange the other side never answered.
    pub end_frame: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthScan {
    pub probe_requests: u32,
    pub first_frame: u64,
    pub last_frame: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthOldAp {
    pub transmissions: u32,
    pub retries: u32,
    pub failed_deliveries: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthRoam {
    pub station: MacAddr,
    pub from_bssid: MacAddr,
    pub to_bssid: MacAddr,
    pub key_management: &'static str,
    pub cckm_in_request: bool,
    pub cckm_in_response: bool,
    pub tspec_in_request: Vec<TruthTspec>,
    pub addts: Vec<TruthAddts>,
    pub eapol: Option<TruthEapol>,
    pub deauth: Option<TruthDeauth>,
    /// What the scenario made of the roam: completed, refused, unanswered or abandoned.
    pub outcome: &'static str,
    /// For a failed roam: the authentication and (re)association requests the phone sent the
    /// new AP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The phone's last voice packet before the request to its first after it, through the AP
    /// its voice resumed on (802.11 retransmissions excluded); null when it never resumed.
    pub outage_ms: Option<f64>,
    /// Null when the new AP never answered.
    pub status: Option<u16>,
    pub request_time: f64,
    pub response_time: Option<f64>,
    pub request_frame: u64,
    pub response_frame: Option<u64>,
    pub uplink: Option<TruthGap>,
    pub downlink: Option<TruthGap>,
    pub expected_findings: Vec<&'static str>,
    pub fast_path_offered: &'static str,
    pub fast_path_taken: Option<bool>,
    /// Reassociation request → the last key message (M4, else the response); null when the
    /// new AP never answered.
    pub handshake_ms: Option<f64>,
    /// Last data on the old AP → first data on the new AP.
    pub roam_time_ms: Option<f64>,
    pub phases: Vec<TruthPhase>,
    pub scanning: Option<TruthScan>,
    pub old_ap_after_leaving: Option<TruthOldAp>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TruthStream {
    pub ssrc: String,
    pub station: MacAddr,
    pub direction: &'static str,
    pub received: u64,
    pub expected: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub max_gap_ms: f64,
    pub rtp_visible: bool,
}

/// The scenarios `roamgap gen` knows, with what each shows.
pub const SCENARIOS: [(&str, &str); 27] = [
    (
        "cckm-ok",
        "one phone, two healthy CCKM roams (TSPEC in the request): gaps of tens of ms",
    ),
    (
        "cckm-missing-ie",
        "CCKM offered, the response lacks the CCKM element: full 802.1X/EAP, ~1 s gap",
    ),
    ("psk-ok", "WPA2-PSK roams with a prompt 4-way handshake"),
    (
        "encrypted-voice",
        "WPA2-PSK roams (one with a late EAPOL M1) with CCMP-encrypted voice: gaps from frame timing",
    ),
    (
        "psk-late-m1",
        "WPA2-PSK: EAPOL M1 before the phone is ready, resent after ~1 s",
    ),
    ("ft-ok", "two FT-PSK (802.11r over the air) roams"),
    (
        "addts-refused",
        "CCKM roam, the new AP refuses the ADDTS request (status 3)",
    ),
    (
        "deauth-after-roam",
        "PSK roam, the new AP deauthenticates the phone right after (reason 2, 6 or 7)",
    ),
    (
        "dot1x-full",
        "802.1X roam without key caching: full EAP exchange and 4-way handshake",
    ),
    (
        "reassoc-refused",
        "CCKM roam refused by the new AP (status 17), then a roam to a third AP",
    ),
    (
        "seq-wrap",
        "healthy CCKM roams while both RTP sequence numbers wrap past 65535",
    ),
    ("reorder", "PSK roams with RTP packets reordered on the air"),
    (
        "multi-phone",
        "six phones of mixed key management, several roaming at the same moment",
    ),
    (
        "sae-ok",
        "WPA3-Personal roams: SAE commit/confirm with the new AP, then the 4-way handshake",
    ),
    (
        "okc-ok",
        "802.1X roams with opportunistic key caching: a PMKID in the request, no EAP",
    ),
    (
        "ft-over-ds",
        "FT-PSK over the DS: FT request/response through the old AP, then the reassociation",
    ),
    ("open-ok", "roams on an open network"),
    (
        "wep",
        "roams on a static-WEP network, voice encrypted: gaps from frame timing",
    ),
    (
        "wep-shared-key",
        "roams on a static-WEP network with Shared Key authentication (challenge, encrypted \
         answer): real WEP under the truth's key with --wep-key, else WEP-shaped bytes",
    ),
    (
        "multicast-voice",
        "PSK roams while the phone's AP sends group-addressed paging RTP (FromDS, to 239.192.0.1); \
         with --passphrase under the GTK of message 3",
    ),
    (
        "scanning",
        "PSK roams after probing other channels; the old AP keeps retrying voice to the phone",
    ),
    (
        "sticky",
        "CCKM roam of a phone that stayed on its old AP down to -84 dBm",
    ),
    (
        "tspec-rate",
        "CCKM roam with a TSPEC (12 Mb/s minimum PHY rate) to an AP without 12 Mb/s: ADDTS refused",
    ),
    (
        "slow-reassoc",
        "CCKM roam whose reassociation response takes 55-75 ms: over the CCKM budget",
    ),
    (
        "many-phones",
        "32 phones on six APs, every key management, scanning and encrypted calls among them",
    ),
    (
        "unanswered-return",
        "deauthenticated by its AP, a PSK phone tries another AP for ~13.5 s (authentication, four \
         reassociation requests, Null frames); that AP never answers; the phone gives up and goes back",
    ),
    (
        "abandoned",
        "PSK roam accepted by the new AP, whose EAPOL message 1 the phone never answers: the AP \
         deauthenticates it (reason 15) and the phone goes back to its old AP",
    ),
];

/// Generates a scenario whose WPA2-PSK phones' voice is really encrypted with `passphrase`
/// (the network's SSID is `voice`): real 4-way handshakes (one at the start of each call,
/// one per roam) and CCMP. The timing is that of the same scenario in the clear.
pub fn generate_encrypted(
    scenario: &str,
    options: &Options,
    passphrase: &str,
) -> Result<Generated, String> {
    let name = scenario_name(scenario)?;
    let mut sim = Sim::new(options);
    sim.crypto = Some(SimCrypto::new(options.seed, passphrase, &sim.ssid)?);
    sim.run(name);
    if sim.phones.iter().all(|p| p.ptks.is_empty()) {
        return Err(format!(
            "scenario `{scenario}` has no WPA2-PSK phone whose voice could be encrypted"
        ));
    }
    Ok(sim.finish(name, options))
}

/// [`generate_encrypted`] with TKIP (IEEE 802.11-2020 12.5.2) in place of CCMP for the
/// WPA2-PSK phones (`--cipher tkip`): beacons and (re)association requests name TKIP as group
/// and pairwise cipher in their RSN element (9.4.2.24), the 4-way handshakes use key
/// descriptor version 1 (12.7.2: HMAC-MD5 MICs, message 3's key data RC4-encrypted with the
/// KEK, carrying a 32-octet TKIP GTK) and the PTK is TKIP's 512 bits (12.7.1.3). FT and SAE
/// phones, which need CCMP, keep it.
pub fn generate_encrypted_tkip(
    scenario: &str,
    options: &Options,
    passphrase: &str,
) -> Result<Generated, String> {
    let name = scenario_name(scenario)?;
    if name == "multicast-voice" {
        return Err(format!(
            "scenario `{scenario}` sends group-addressed voice, written with CCMP only"
        ));
    }
    let mut sim = Sim::new(options);
    let mut c = SimCrypto::new(options.seed, passphrase, &sim.ssid)?;
    let mut gtk = [0u8; 32];
    for chunk in gtk.chunks_mut(8) {
        chunk.copy_from_slice(&c.rng.next().to_le_bytes());
    }
    c.tkip_gtk = Some(gtk);
    sim.crypto = Some(c);
    sim.run(name);
    if sim.phones.iter().all(|p| p.michael.is_empty()) {
        return Err(format!(
            "scenario `{scenario}` has no WPA2-PSK phone whose voice could be TKIP-encrypted"
        ));
    }
    Ok(sim.finish(name, options))
}

/// Generates a scenario whose WEP phones' voice (and the third frame of their Shared Key
/// authentications) is really WEP-encrypted (12.3.2) with `key` (5 or 13 octets, key ID 0).
/// The timing is that of the same scenario in the clear.
pub fn generate_wep(scenario: &str, options: &Options, key: &[u8]) -> Result<Generated, String> {
    let name = scenario_name(scenario)?;
    if !matches!(key.len(), 5 | 13) {
        return Err("a WEP key is 5 or 13 octets (10 or 26 hex digits)".into());
    }
    let mut sim = Sim::new(options);
    sim.wep_key = Some(key.to_vec());
    sim.run(name);
    if !sim.phones.iter().any(|p| p.km == KeyMgmt::Wep) {
        return Err(format!(
            "scenario `{scenario}` has no WEP phone whose voice could be encrypted"
        ));
    }
    Ok(sim.finish(name, options))
}

fn scenario_name(scenario: &str) -> Result<&'static str, String> {
    SCENARIOS
        .iter()
        .find(|(n, _)| *n == scenario)
        .map(|(n, _)| *n)
        .ok_or_else(|| {
            let names: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
            format!("unknown scenario `{scenario}`; known: {}", names.join(", "))
        })
}

/// Generates a scenario.
pub fn generate(scenario: &str, options: &Options) -> Result<Generated, String> {
    let name = scenario_name(scenario)?;
    let mut sim = Sim::new(options);
    sim.run(name);
    Ok(sim.finish(name, options))
}

/// What [`generate_big`] wrote.
#[derive(Clone, Copy, Debug)]
pub struct BigSummary {
    pub frames: u64,
    pub bytes: u64,
    pub phones: usize,
    pub roams: usize,
}

/// Writes a large deterministic capture for benchmarks, streaming (memory stays small
/// whatever the size): `phones` phones in calls for `minutes`, each roaming every ~20 s with
/// the failures and successes of its key management, over 8 APs. No truth file.
pub fn generate_big(
    options: &Options,
    phones: usize,
    minutes: f64,
    out: &mut impl std::io::Write,
) -> std::io::Result<BigSummary> {
    big(Sim::new(options), options, phones, minutes, out)
}

/// [`generate_big`] with the WPA2-PSK phones' voice really encrypted with `passphrase` (SSID
/// `voice`), each call starting with a 4-way handshake: for benchmarks of decryption.
pub fn generate_big_encrypted(
    options: &Options,
    phones: usize,
    minutes: f64,
    passphrase: &str,
    out: &mut impl std::io::Write,
) -> std::io::Result<BigSummary> {
    let mut sim = Sim::new(options);
    sim.crypto = Some(
        SimCrypto::new(options.seed, passphrase, &sim.ssid)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
    );
    big(sim, options, phones, minutes, out)
}

fn big(
    mut sim: Sim,
    options: &Options,
    phones: usize,
    minutes: f64,
    out: &mut impl std::io::Write,
) -> std::io::Result<BigSummary> {
    sim.duration = (minutes * 60_000.0) as i64 * MS;
    sim.add_aps(&[1, 6, 11, 36, 40, 44, 48, 149]);
    let kms = [KeyMgmt::Cckm, KeyMgmt::Psk, KeyMgmt::FtPsk, KeyMgmt::Dot1x];
    for i in 0..phones {
        let km = kms[i % kms.len()];
        let first_ap = sim.rng.range(0, sim.aps.len() as i64) as usize;
        let p = sim.add_phone(km, first_ap);
        sim.phones[p].ip = [10, 20 + (i / 250) as u8, (i % 250) as u8, 10];
        sim.phones[p].peer_ip = [10, 90 + (i / 250) as u8, (i % 250) as u8, 10];
        let mut t = sim.start + sim.rng.range(5_000, 20_000) * MS;
        while t < sim.start + sim.duration - 5_000 * MS {
            let kinds = km.kinds();
            let kind = kinds[sim.rng.range(0, kinds.len() as i64) as usize];
            let ready = sim.roam(p, kind, t);
            t = ready + sim.rng.range(15_000, 25_000) * MS;
        }
    }
    for p in 0..phones {
        let first_ap = sim.phones[p].attachments[0].1;
        sim.initial_handshake(p, first_ap);
    }
    sim.beacons();
    let roams = sim.roams.len();
    // Management frames and beacons are planned; voice is made one window at a time.
    let mut planned = std::mem::take(&mut sim.frames);
    planned.sort_by_key(|f| (std::cmp::Reverse(f.t), std::cmp::Reverse(f.order)));
    let offsets: Vec<[i64; 2]> = (0..phones)
        .map(|_| [sim.rng.range(0, 20_000) * US, sim.rng.range(0, 20_000) * US])
        .collect();
    let mut next_k = vec![[0u64; 2]; phones];
    let mut w = Writer::new(options.format, options.link);
    let res = options.format.resolution_ns();
    let (mut frames, mut bytes) = (0u64, 0u64);
    let window = 1_000 * MS;
    let mut w1 = sim.start;
    while w1 < sim.start + sim.duration + window {
        w1 += window;
        while planned.last().is_some_and(|f| f.t < w1) {
            sim.frames.extend(planned.pop());
        }
        for (p, ks) in next_k.iter_mut().enumerate() {
            for dir in 0..2 {
                ks[dir] = sim.voice_until(p, dir, offsets[p][dir], ks[dir], w1);
            }
        }
        sim.frames.sort_by_key(|f| (f.t, f.order));
        // Frames queued past the window (retransmissions, delayed packets) wait for the next.
        let keep = sim.frames.partition_point(|f| f.t < w1);
        for f in sim.frames.drain(..keep) {
            w.frame(f.t - f.t.rem_euclid(res), f.radio, &f.bytes);
            frames += 1;
        }
        bytes += w.drain_into(out)?;
    }
    for f in sim.frames.drain(..) {
        w.frame(f.t - f.t.rem_euclid(res), f.radio, &f.bytes);
        frames += 1;
    }
    bytes += w.drain_into(out)?;
    Ok(BigSummary {
        frames,
        bytes,
        phones,
        roams,
    })
}

/// One sniffer's file of a capture split by channel.
pub struct ChannelFile {
    pub channel: u16,
    /// This sniffer's clock minus the reference clock.
    pub offset_ns: i64,
    pub bytes: Vec<u8>,
}

/// Splits a generated capture into one file per channel, as three sniffers (one per channel)
/// would have written it: each record goes to the sniffer of its channel, with that sniffer's
/// clock offset; every `leak_every`-th beacon is also heard by the sniffer of the next channel
/// (adjacent-channel leakage), which gives the merge frames both saw.
pub fn split_by_channel(
    bytes: &[u8],
    format: FileFormat,
    link: Link,
    offsets_ns: &[i64],
    leak_every: usize,
) -> Vec<ChannelFile> {
    let cap = roamgap_wire::capture::CaptureFile::from_vec("split", bytes.to_vec())
        .expect("a generated capture");
    let lt = roamgap_wire::capture::LinkType(u32::from(link.linktype()));
    let opts = roamgap_wire::linklayer::LinkOptions::default();
    let mut channels: Vec<u16> = Vec::new();
    let mut recs = Vec::new();
    for rec in cap.records().expect("records").map_while(Result::ok) {
        let frame =
            roamgap_wire::linklayer::decode(lt, rec.data, 0, &opts).expect("a generated frame");
        let ch = frame.radio.channel().unwrap_or(0);
        if !channels.contains(&ch) {
            channels.push(ch);
        }
        let beacon = frame.dot11.first() == Some(&0x80);
        recs.push((rec.ts_ns, ch, beacon, rec.data.to_vec()));
    }
    channels.sort_unstable();
    let mut writers: Vec<Writer> = channels.iter().map(|_| Writer::new(format, link)).collect();
    let offset = |i: usize| offsets_ns.get(i).copied().unwrap_or(0);
    let mut beacons = 0usize;
    for (ts, ch, beacon, data) in recs {
        let i = channels.iter().position(|&c| c == ch).unwrap_or(0);
        writers[i].record(ts + offset(i), &data);
        if beacon {
            beacons += 1;
            if leak_every > 0 && beacons % leak_every == 0 && channels.len() > 1 {
                let j = (i + 1) % channels.len();
                writers[j].record(ts + offset(j), &data);
            }
        }
    }
    channels
        .into_iter()
        .zip(writers)
        .enumerate()
        .map(|(i, (channel, w))| ChannelFile {
            channel,
            offset_ns: offset(i),
            bytes: w.finish(),
        })
        .collect()
}

/// SplitMix64: small, fast, and the same on every platform.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi` (hi exclusive; `lo` if empty).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % (hi - lo) as u64) as i64
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next() % one_in == 0
    }
    fn mac(&mut self, oui: [u8; 3]) -> MacAddr {
        let r = self.next().to_le_bytes();
        MacAddr([oui[0], oui[1], oui[2], r[0], r[1], r[2]])
    }
}

const MS: i64 = 1_000_000;
const US: i64 = 1_000;
const VOICE_PERIOD: i64 = 20 * MS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyMgmt {
    Cckm,
    Psk,
    FtPsk,
    Dot1x,
    /// WPA3-Personal: SAE authentication, then the 4-way handshake.
    Sae,
    /// 802.1X with opportunistic key caching: a PMKID in the request, no EAP.
    Okc,
    /// FT-PSK over the DS: FT action frames through the old AP instead of authentication.
    FtDs,
    Open,
    Wep,
}

impl KeyMgmt {
    fn name(self) -> &'static str {
        match self {
            KeyMgmt::Cckm => "cckm",
            KeyMgmt::Psk => "psk",
            KeyMgmt::FtPsk => "ft-psk",
            KeyMgmt::Dot1x | KeyMgmt::Okc => "802.1x",
            KeyMgmt::Sae => "sae",
            KeyMgmt::FtDs => "ft-psk",
            KeyMgmt::Open => "open",
            KeyMgmt::Wep => "wep",
        }
    }
    /// The AKM suite of its RSN element; none for open and WEP.
    fn akm(self) -> [u8; 4] {
        match self {
            KeyMgmt::Cckm => [0x00, 0x40, 0x96, 0x00],
            KeyMgmt::Psk => [0x00, 0x0f, 0xac, 2],
            KeyMgmt::FtPsk | KeyMgmt::FtDs => [0x00, 0x0f, 0xac, 4],
            KeyMgmt::Dot1x | KeyMgmt::Okc => [0x00, 0x0f, 0xac, 1],
            KeyMgmt::Sae => [0x00, 0x0f, 0xac, 8],
            KeyMgmt::Open | KeyMgmt::Wep => [0; 4],
        }
    }
    fn rsn(self) -> bool {
        !matches!(self, KeyMgmt::Open | KeyMgmt::Wep)
    }
    fn ft(self) -> bool {
        matches!(self, KeyMgmt::FtPsk | KeyMgmt::FtDs)
    }
    /// The fast path a roam offers (as the analyzer names it).
    fn fast_path(self) -> &'static str {
        match self {
            KeyMgmt::Cckm => "cckm",
            KeyMgmt::FtPsk => "ft-over-the-air",
            KeyMgmt::FtDs => "ft-over-ds",
            KeyMgmt::Okc => "pmk-caching",
            _ => "none",
        }
    }
    fn kinds(self) -> &'static [RoamKind] {
        match self {
            KeyMgmt::Cckm => &[
                RoamKind::CckmOk,
                RoamKind::CckmMissingIe,
                RoamKind::AddtsRefused,
                RoamKind::AddtsOk,
                RoamKind::ReassocRefused,
            ],
            KeyMgmt::Psk => &[
                RoamKind::PskOk,
                RoamKind::PskLateM1,
                RoamKind::DeauthAfterRoam,
            ],
            KeyMgmt::FtPsk => &[RoamKind::FtOk],
            KeyMgmt::Dot1x => &[RoamKind::Dot1xFull],
            KeyMgmt::Sae => &[RoamKind::SaeOk, RoamKind::PskLateM1],
            KeyMgmt::Okc => &[RoamKind::OkcOk],
            KeyMgmt::FtDs => &[RoamKind::FtOk],
            KeyMgmt::Open | KeyMgmt::Wep => &[RoamKind::OpenOk],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RoamKind {
    CckmOk,
    /// A healthy CCKM roam made after a refused one and a wait of 250-350 ms.
    CckmAfterWait,
    CckmMissingIe,
    PskOk,
    PskLateM1,
    FtOk,
    AddtsRefused,
    AddtsOk,
    DeauthAfterRoam,
    Dot1xFull,
    ReassocRefused,
    SaeOk,
    OkcOk,
    OpenOk,
    /// CCKM with a TSPEC to an AP without the TSPEC's 12 Mb/s: ADDTS refused.
    TspecRate,
    /// CCKM whose reassociation response comes late (a busy controller).
    SlowResponse,
    /// The new AP never answers; the phone gives up and goes back to its old AP.
    Unanswered,
    /// The new AP accepts, the phone never answers its EAPOL message 1 and goes back.
    Abandoned,
}

impl RoamKind {
    /// Timed to silence the call well past the voice budget (hundreds of ms or more): a full
    /// EAP exchange, a late EAPOL message 1, a deauthentication and a second association, a
    /// refusal and a wait. Every other kind that completes resumes the voice within tens of ms.
    fn long_silence(self) -> bool {
        matches!(
            self,
            RoamKind::CckmMissingIe
                | RoamKind::PskLateM1
                | RoamKind::Dot1xFull
                | RoamKind::DeauthAfterRoam
                | RoamKind::CckmAfterWait
        )
    }
}

struct Ap {
    bssid: MacAddr,
    channel: u8,
    freq: u16,
    seq: u16,
    /// Its rates leave out 12 Mb/s.
    no_12mbps: bool,
}

impl Ap {
    /// Its Supported Rates element (basic rates flagged), without 12 Mb/s when disabled.
    fn rates(&self) -> Vec<u8> {
        let mut r = vec![0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24];
        if self.no_12mbps {
            r.retain(|&x| x != 0x18);
        }
        r
    }
}

struct Phone {
    mac: MacAddr,
    ip: [u8; 4],
    peer_ip: [u8; 4],
    port: u16,
    peer_port: u16,
    ssrc: [u32; 2],
    /// RTP sequence number of packet 0, per direction.
    seq0: [u16; 2],
    ts0: [u32; 2],
    km: KeyMgmt,
    seq: u16,
    call: (i64, i64),
    /// Outages: (phone leaves the old AP, voice may resume on the new one).
    outages: Vec<(i64, i64)>,
    /// (time from which this AP carries the voice, AP index).
    attachments: Vec<(i64, usize)>,
    reorder_one_in: u64,
    /// Voice in CCMP-protected frames: RTP invisible, gaps measured from frame timing.
    encrypted: bool,
    pn: u64,
    signal: i8,
    /// Probes other channels before each roam.
    scans: bool,
    /// The old AP keeps trying to deliver downlink voice after the phone left.
    old_ap_retries: bool,
    /// Holds on to its AP until the signal is very low.
    sticky: bool,
    /// (from, until, AP): the phone is heard weakly through that AP.
    weak: Vec<(i64, i64, usize)>,
    /// (from, until, old AP): downlink voice the old AP fails to deliver.
    failed: Vec<(i64, i64, usize)>,
    /// Voice really CCMP-encrypted (a network with a passphrase): the PTK of each handshake
    /// (time of M4, AP) and the packet number per direction.
    ptks: Vec<(i64, usize, roamgap::crypto::kdf::Ptk)>,
    ccmp_pn: [u64; 2],
    /// With `--cipher tkip`: the Michael keys (PTK octets 48–63, 12.7.1.3) of each TKIP
    /// handshake, (time of M4, AP) as in `ptks`.
    michael: Vec<(i64, usize, [u8; 16])>,
    /// FT-PSK with real keys: the top of its key hierarchy, from its first association.
    ft_keys: Option<FtKeys>,
}

/// A phone's FT key hierarchy (12.7.1.7): R0KH-ID, PMK-R0 and PMKR0Name.
#[derive(Clone)]
struct FtKeys {
    r0kh: Vec<u8>,
    pmk_r0: [u8; 32],
    r0_name: [u8; 16],
}

/// The keys of a fast transition in progress, from its authentication to its reassociation.
struct FtPending {
    ap: usize,
    anonce: [u8; 32],
    snonce: [u8; 32],
    ptk: roamgap::crypto::kdf::Ptk,
    r1_name: [u8; 16],
}

/// The mobility domain of every FT network the generator writes.
const MDID: u16 = 0x4d2;

impl Phone {
    /// Its voice is really encrypted: a WPA2-PSK phone on a network with a passphrase.
    fn ccmp(&self) -> bool {
        matches!(
            self.km,
            KeyMgmt::Psk | KeyMgmt::FtPsk | KeyMgmt::FtDs | KeyMgmt::Sae
        ) && !self.encrypted
    }
}

impl Sim {
    /// Phone `p`'s voice is really TKIP-encrypted: a WPA2-PSK phone (not FT, not SAE: both
    /// need CCMP) on a network written with `--cipher tkip`.
    fn tkip(&self, p: usize) -> bool {
        let ph = &self.phones[p];
        ph.km == KeyMgmt::Psk
            && ph.ccmp()
            && self.crypto.as_ref().is_some_and(|c| c.tkip_gtk.is_some())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Request,
    Response,
    M1,
    M4,
    Deauth(u16),
    AddtsResponse(u16),
    AddtsRequest,
    Probe,
    AuthStart,
    AuthEnd,
    Eap,
    /// The phone's own deauthentication of the new AP: it gives up.
    GiveUp(u16),
}

#[derive(Clone, Copy, Debug)]
enum Tag {
    None,
    Rtp {
        phone: usize,
        dir: usize,
        k: u64,
        ap: usize,
    },
    Roam {
        roam: usize,
        mark: Mark,
    },
}

struct Pending {
    t: i64,
    order: u64,
    retry: bool,
    radio: Radio,
    bytes: Vec<u8>,
    tag: Tag,
}

/// What a roam's plan knows before the frames are numbered.
struct RoamPlan {
    kind: RoamKind,
    phone: usize,
    from: usize,
    to: usize,
    cckm_in_request: bool,
    cckm_in_response: bool,
    tspec: bool,
    /// The (re)association response's status; None when the AP never answers.
    status: Option<u16>,
    /// completed, refused, unanswered or abandoned: what the scenario makes of the roam.
    outcome: &'static str,
}

struct Sim {
    rng: Rng,
    aps: Vec<Ap>,
    phones: Vec<Phone>,
    frames: Vec<Pending>,
    roams: Vec<RoamPlan>,
    gateway: MacAddr,
    ssid: String,
    start: i64,
    duration: i64,
    retry_one_in: u64,
    dialog_token: u8,
    ip_id: u16,
    /// Tie-break of frames queued at the same time: queueing order.
    order: u64,
    /// Reassociation responses come 55-75 ms late.
    slow_response: bool,
    /// The AP answers no (re)association request.
    silent_ap: bool,
    /// Real WPA2-PSK protection of the PSK phones' voice (`--passphrase`).
    crypto: Option<SimCrypto>,
    /// The fast transition whose authentication was just written.
    ft_pending: Option<FtPending>,
    /// Real WEP protection of the WEP phones' frames (`--wep-key`).
    wep_key: Option<Vec<u8>>,
    /// WEP phones authenticate with Shared Key (12.3.3.3) rather than Open System.
    shared_key: bool,
    /// The WEP network's own random stream (challenge texts, IVs): the frames' timing is that
    /// of the same scenario in the clear.
    wep_rng: Rng,
    /// The next WEP IV (a 24-bit counter).
    wep_iv: u32,
    /// Group-addressed paging RTP from the phone's AP: (SSRC, frames written).
    multicast: Option<(u32, u64)>,
    /// The CCMP packet number of each AP's group-addressed frames.
    group_pn: Vec<u64>,
}

/// The keys of a network whose PSK phones' voice is really encrypted: handshakes with real
/// nonces and MICs, CCMP with the PTK of each. Its own random stream, so the frames' timing
/// is that of the same scenario in the clear.
/// The keys of one real 4-way handshake.
struct HandshakeKeys {
    anonce: [u8; 32],
    snonce: [u8; 32],
    ptk: roamgap::crypto::kdf::Ptk,
    /// The station's RSN element (M2's key data).
    rsn: Vec<u8>,
    /// M3's key data, wrapped with the KEK (RC4-encrypted with it for TKIP).
    wrapped: Vec<u8>,
    /// Key descriptor version: 2 (HMAC-SHA1, AES key wrap) or 3 (AES-CMAC, for FT); 1
    /// (HMAC-MD5, RC4) for TKIP.
    version: u8,
    /// TKIP only: the EAPOL-Key IV of message 3 and the PTK's Michael keys.
    tkip: Option<([u8; 16], [u8; 16])>,
}

struct SimCrypto {
    passphrase: String,
    pmk: [u8; 32],
    rng: Rng,
    gtk: [u8; 16],
    /// The PMK of each SAE exchange, in order.
    sae_pmks: Vec<[u8; 32]>,
    /// `--cipher tkip`: the PSK phones' voice is TKIP (12.5.2) and the network's group key
    /// this 32-octet TKIP GTK (TK, then the Michael keys).
    tkip_gtk: Option<[u8; 32]>,
}

impl SimCrypto {
    fn new(seed: u64, passphrase: &str, ssid: &str) -> Result<SimCrypto, String> {
        let pmk = roamgap::crypto::kdf::pmk_from_passphrase(passphrase.as_bytes(), ssid.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut rng = Rng(seed ^ 0x6363_6d70_6b65_7973);
        let mut gtk = [0u8; 16];
        for chunk in gtk.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next().to_le_bytes());
        }
        Ok(SimCrypto {
            passphrase: passphrase.to_string(),
            pmk,
            rng,
            gtk,
            sae_pmks: Vec::new(),
            tkip_gtk: None,
        })
    }
}

/// The keys of a real TKIP 4-way handshake (12.7.6), key descriptor version 1: the 512-bit
/// PTK (12.7.1.3), the station's RSN element with TKIP suites (M2's key data), and M3's key
/// data, the AP's RSN element and the 32-octet TKIP GTK in a GTK KDE (12.7.2, key 1, Tx),
/// RC4-encrypted with the EAPOL-Key IV and the KEK, the first 256 octets of keystream
/// discarded (12.7.2, Key Data field). `iv_seed` gives M3's EAPOL-Key IV.
#[allow(clippy::too_many_arguments)]
fn tkip_handshake_keys(
    pmk: &[u8; 32],
    aa: [u8; 6],
    spa: [u8; 6],
    anonce: [u8; 32],
    snonce: [u8; 32],
    akm: [u8; 4],
    gtk: &[u8; 32],
    iv_seed: [u8; 32],
) -> HandshakeKeys {
    use rc4::{consts::U32, KeyInit, Rc4, StreamCipher};
    let (ptk, mic) = roamgap::crypto::kdf::pairwise_ptk_tkip(pmk, aa, spa, &anonce, &snonce);
    let mut rsn = Vec::new();
    frames::rsn_element_cipher(&mut rsn, 2, akm, None);
    let mut data = rsn.clone();
    data.extend_from_slice(&[0xdd, 38, 0x00, 0x0f, 0xac, 0x01, 0x01, 0x00]);
    data.extend_from_slice(gtk);
    let mut key_iv = [0u8; 16];
    key_iv.copy_from_slice(&iv_seed[..16]);
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&key_iv);
    k[16..].copy_from_slice(&ptk.kek);
    let mut rc4 = Rc4::<U32>::new(&k.into());
    rc4.apply_keystream(&mut [0u8; 256]);
    rc4.apply_keystream(&mut data);
    HandshakeKeys {
        anonce,
        snonce,
        ptk,
        rsn,
        wrapped: data,
        version: 1,
        tkip: Some((key_iv, mic)),
    }
}

impl Sim {
    fn new(options: &Options) -> Sim {
        let mut rng = Rng(options.seed ^ 0x726f_616d_6761_7000);
        let gateway = rng.mac([0x00, 0x1b, 0x2b]);
        let start = (1_780_000_000 + rng.range(0, 10_000_000)) * 1_000_000_000
            + rng.range(0, 1_000_000) * US;
        Sim {
            rng,
            aps: Vec::new(),
            phones: Vec::new(),
            frames: Vec::new(),
            roams: Vec::new(),
            gateway,
            ssid: "voice".into(),
            start,
            duration: 12_000 * MS,
            retry_one_in: 30,
            dialog_token: 0,
            ip_id: 1,
            order: 0,
            slow_response: false,
            silent_ap: false,
            crypto: None,
            ft_pending: None,
            wep_key: None,
            shared_key: false,
            wep_rng: Rng(options.seed ^ 0x7765_705f_6b65_7973),
            wep_iv: (Rng(options.seed ^ 0x7765_705f_6976_7300).next() & 0xff_ffff) as u32,
            multicast: None,
            group_pn: Vec::new(),
        }
    }

    fn add_aps(&mut self, channels: &[u8]) {
        let base = self.rng.mac([0x00, 0x3a, 0x98]);
        for (i, &ch) in channels.iter().enumerate() {
            let mut bssid = base;
            bssid.0[5] = (bssid.0[5] & 0xf0) | (i as u8 + 1);
            let freq = if ch <= 14 {
                2407 + 5 * u16::from(ch)
            } else {
                5000 + 5 * u16::from(ch)
            };
            self.aps.push(Ap {
                bssid,
                channel: ch,
                freq,
                seq: self.rng.range(0, 4096) as u16,
                no_12mbps: false,
            });
        }
    }

    fn add_phone(&mut self, km: KeyMgmt, first_ap: usize) -> usize {
        let n = self.phones.len() as u8;
        let r = &mut self.rng;
        let mac = r.mac([0x00, 0x1b, 0xd4]);
        let phone = Phone {
            mac,
            ip: [10, 10, 20, 10 + n],
            peer_ip: [10, 10, 90, 10 + n],
            port: 16384 + 2 * r.range(0, 4000) as u16,
            peer_port: 20000 + 2 * r.range(0, 4000) as u16,
            ssrc: [r.next() as u32, r.next() as u32],
            seq0: [r.next() as u16, r.next() as u16],
            ts0: [r.next() as u32, r.next() as u32],
            km,
            seq: r.range(0, 4096) as u16,
            call: (
                self.start + r.range(50, 250) * MS,
                self.start + self.duration - r.range(50, 250) * MS,
            ),
            outages: Vec::new(),
            attachments: vec![(i64::MIN, first_ap)],
            reorder_one_in: 0,
            encrypted: false,
            pn: 1,
            signal: -(r.range(52, 68) as i8),
            scans: false,
            old_ap_retries: false,
            sticky: false,
            weak: Vec::new(),
            failed: Vec::new(),
            ptks: Vec::new(),
            ccmp_pn: [1, 1],
            michael: Vec::new(),
            ft_keys: None,
        };
        self.phones.push(phone);
        self.phones.len() - 1
    }

    fn run(&mut self, scenario: &str) {
        match scenario {
            "multi-phone" => self.multi_phone(),
            "many-phones" => self.many_phones(),
            _ => {
                self.add_aps(&[1, 6, 11]);
                let (km, kinds): (KeyMgmt, &[RoamKind]) = match scenario {
                    "cckm-ok" | "seq-wrap" => {
                        (KeyMgmt::Cckm, &[RoamKind::CckmOk, RoamKind::CckmOk])
                    }
                    "cckm-missing-ie" => (KeyMgmt::Cckm, &[RoamKind::CckmMissingIe]),
                    "psk-ok" => (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskOk]),
                    "psk-late-m1" => (KeyMgmt::Psk, &[RoamKind::PskLateM1]),
                    "ft-ok" => (KeyMgmt::FtPsk, &[RoamKind::FtOk, RoamKind::FtOk]),
                    "addts-refused" => (KeyMgmt::Cckm, &[RoamKind::AddtsRefused]),
                    "deauth-after-roam" => (KeyMgmt::Psk, &[RoamKind::DeauthAfterRoam]),
                    "dot1x-full" => (KeyMgmt::Dot1x, &[RoamKind::Dot1xFull]),
                    "reassoc-refused" => (KeyMgmt::Cckm, &[RoamKind::ReassocRefused]),
                    "reorder" => (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskOk]),
                    "encrypted-voice" => (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskLateM1]),
                    "sae-ok" => (KeyMgmt::Sae, &[RoamKind::SaeOk, RoamKind::SaeOk]),
                    "okc-ok" => (KeyMgmt::Okc, &[RoamKind::OkcOk, RoamKind::OkcOk]),
                    "ft-over-ds" => (KeyMgmt::FtDs, &[RoamKind::FtOk, RoamKind::FtOk]),
                    "open-ok" => (KeyMgmt::Open, &[RoamKind::OpenOk, RoamKind::OpenOk]),
                    "wep" | "wep-shared-key" => {
                        (KeyMgmt::Wep, &[RoamKind::OpenOk, RoamKind::OpenOk])
                    }
                    "scanning" | "multicast-voice" => {
                        (KeyMgmt::Psk, &[RoamKind::PskOk, RoamKind::PskOk])
                    }
                    "sticky" => (KeyMgmt::Cckm, &[RoamKind::CckmOk]),
                    "tspec-rate" => (KeyMgmt::Cckm, &[RoamKind::TspecRate]),
                    "slow-reassoc" => (KeyMgmt::Cckm, &[RoamKind::SlowResponse]),
                    "unanswered-return" => (KeyMgmt::Psk, &[RoamKind::Unanswered]),
                    "abandoned" => (KeyMgmt::Psk, &[RoamKind::Abandoned]),
                    _ => unreachable!("scenario names are checked by generate()"),
                };
                if scenario == "unanswered-return" {
                    // Room for the ~14 s the phone spends on the silent AP, and the call after.
                    self.duration = 24_000 * MS;
                }
                let first_ap = self.rng.range(0, 3) as usize;
                if scenario == "tspec-rate" {
                    // Only the phone's first AP has 12 Mb/s enabled.
                    for (i, ap) in self.aps.iter_mut().enumerate() {
                        ap.no_12mbps = i != first_ap;
                    }
                }
                self.shared_key = scenario == "wep-shared-key";
                let p = self.add_phone(km, first_ap);
                let real_wep = self.wep_key.is_some();
                let ph = &mut self.phones[p];
                ph.encrypted = match scenario {
                    "encrypted-voice" => true,
                    // With a key the voice is really WEP, and the truth is what it shows once
                    // decrypted.
                    "wep" | "wep-shared-key" => !real_wep,
                    _ => false,
                };
                ph.scans = scenario == "scanning";
                ph.old_ap_retries = scenario == "scanning";
                ph.sticky = scenario == "sticky";
                if scenario == "reorder" {
                    self.phones[p].reorder_one_in = 8;
                }
                let mut t = self.start + self.rng.range(2500, 4000) * MS;
                for &kind in kinds {
                    let ready = self.roam(p, kind, t);
                    t = ready + self.rng.range(3000, 4500) * MS;
                }
                if scenario == "seq-wrap" {
                    // Uplink wraps inside the first roam's outage, downlink a second earlier.
                    let ph = &mut self.phones[p];
                    let (leave, _) = ph.outages[0];
                    let k_leave = ((leave - ph.call.0) / VOICE_PERIOD) as u16;
                    ph.seq0[0] = 0u16.wrapping_sub(k_leave).wrapping_sub(2);
                    ph.seq0[1] = 0u16.wrapping_sub(k_leave).wrapping_add(50);
                }
            }
        }
        for p in 0..self.phones.len() {
            let first_ap = self.phones[p].attachments[0].1;
            self.initial_handshake(p, first_ap);
        }
        self.beacons();
        for p in 0..self.phones.len() {
            self.voice(p);
        }
        if scenario == "multicast-voice" {
            self.paging(0);
        }
    }

    /// Group-addressed paging voice (G.711 RTP every 20 ms to 239.192.0.1 from a paging
    /// server) for the length of phone `p`'s call, sent by the AP the phone is attached to
    /// (none during its outages): QoS Data, FromDS, Address 1 the group's MAC address
    /// (IEEE 802.11-2020 9.3.2.1, table 9-30), never retransmitted. With a passphrase it is
    /// CCMP-protected (12.5.3) under the GTK delivered in message 3, key ID 1, each AP with
    /// its own packet numbers.
    fn paging(&mut self, p: usize) {
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

    fn multi_phone(&mut self) {
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
    fn many_phones(&mut self) {
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

    /// The AP of a phone at time `t`.
    fn ap_at(&self, p: usize, t: i64) -> usize {
        self.phones[p]
            .attachments
            .iter()
            .rev()
            .find(|(from, _)| *from <= t)
            .map_or(0, |(_, ap)| *ap)
    }

    fn pick_other_ap(&mut self, not: &[usize]) -> usize {
        loop {
            let ap = self.rng.range(0, self.aps.len() as i64) as usize;
            if !not.contains(&ap) {
                return ap;
            }
        }
    }

    /// Queues one frame as it is (its retry bit already set or not), in queueing order.
    fn queue(&mut self, t: i64, retry: bool, radio: Radio, bytes: Vec<u8>, tag: Tag) {
        let order = self.order;
        self.order += 2;
        self.frames.push(Pending {
            t,
            order,
            retry,
            radio,
            bytes,
            tag,
        });
    }

    /// Queues one frame, and sometimes its 802.11 retransmission a moment later.
    fn push(&mut self, t: i64, radio: Radio, bytes: Vec<u8>, tag: Tag) {
        let order = self.order;
        self.order += 2;
        if self.rng.chance(self.retry_one_in) {
            let mut copy = bytes.clone();
            copy[1] |= 0x08;
            let dt = self.rng.range(150, 600) * US;
            self.frames.push(Pending {
                t: t + dt,
                order: order + 1,
                retry: true,
                radio,
                bytes: copy,
                tag,
            });
        }
        self.frames.push(Pending {
            t,
            order,
            retry: false,
            radio,
            bytes,
            tag,
        });
    }

    fn radio(&mut self, t: i64, p: usize, ap: usize, from_station: bool) -> Radio {
        let ph = &self.phones[p];
        let signal = if ph.weak.iter().any(|&(a, b, w)| w == ap && t >= a && t < b) {
            -84
        } else {
            ph.signal
        };
        let base = if from_station { signal } else { signal + 8 };
        Radio {
            freq_mhz: self.aps[ap].freq,
            signal_dbm: base - self.rng.range(0, 5) as i8,
            rate: 108,
        }
    }

    fn next_seq(&mut self, p: usize, from_station: bool, ap: usize) -> u16 {
        let s = if from_station {
            &mut self.phones[p].seq
        } else {
            &mut self.aps[ap].seq
        };
        *s = (*s + 1) % 4096;
        *s
    }

    /// A management frame between phone `p` and AP `ap`; `body` is appended to the header.
    #[allow(clippy::too_many_arguments)]
    fn mgmt(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        subtype: u8,
        from_station: bool,
        body: &[u8],
        tag: Tag,
    ) {
        let seq = self.next_seq(p, from_station, ap);
        let (sta, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
        let (da, sa) = if from_station {
            (bssid, sta)
        } else {
            (sta, bssid)
        };
        let mut f = frames::mgmt_header(subtype, false, da, sa, bssid, seq);
        f.extend_from_slice(body);
        let radio = self.radio(t, p, ap, from_station);
        self.push(t, radio, f, tag);
    }

    /// A QoS Data frame with an EAPOL payload (TID 7).
    fn eapol(&mut self, t: i64, p: usize, ap: usize, from_station: bool, payload: &[u8], tag: Tag) {
        let seq = self.next_seq(p, from_station, ap);
        let mut f = frames::qos_data_header(
            from_station,
            false,
            self.phones[p].mac,
            self.aps[ap].bssid,
            self.aps[ap].bssid,
            seq,
            7,
        );
        frames::llc_snap(&mut f, 0x888e);
        f.extend_from_slice(payload);
        let radio = self.radio(t, p, ap, from_station);
        self.push(t, radio, f, tag);
    }

    /// Authentication with the new AP: open system, FT (`ft`), or SAE for an SAE phone.
    /// Returns the time of the AP's last frame.
    fn auth(&mut self, t: i64, p: usize, ap: usize, ft: bool) -> i64 {
        self.auth_for(t, p, ap, ft, None)
    }

    fn auth_for(&mut self, t: i64, p: usize, ap: usize, ft: bool, roam: Option<usize>) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        if self.phones[p].km == KeyMgmt::Sae {
            return self.sae(t, p, ap, roam);
        }
        if self.shared_key && self.phones[p].km == KeyMgmt::Wep && !ft {
            return self.shared_key_auth(t, p, ap, roam);
        }
        let alg: u16 = if ft { 2 } else { 0 };
        let mut req = Vec::new();
        req.extend_from_slice(&alg.to_le_bytes());
        req.extend_from_slice(&1u16.to_le_bytes());
        req.extend_from_slice(&0u16.to_le_bytes());
        let mut resp = Vec::new();
        resp.extend_from_slice(&alg.to_le_bytes());
        resp.extend_from_slice(&2u16.to_le_bytes());
        resp.extend_from_slice(&0u16.to_le_bytes());
        if ft {
            self.ft_keys_for(p);
        }
        let real = ft && self.phones[p].ft_keys.is_some() && self.crypto.is_some();
        if real {
            self.ft_auth_elements(p, ap, &mut req, &mut resp);
        } else if ft {
            let km = self.phones[p].km;
            for body in [&mut req, &mut resp] {
                frames::rsn_element(body, km.akm(), Some([0x11; 16]));
                frames::mobility_domain_element(body, 0x4d2);
                frames::fast_transition_element(body, p as u8);
            }
        }
        self.mgmt(t, p, ap, st::AUTH, true, &req, mark(Mark::AuthStart));
        let t = t + self.rng.range(700, 1600) * US;
        self.mgmt(t, p, ap, st::AUTH, false, &resp, mark(Mark::AuthEnd));
        if real {
            if let Some(f) = &self.ft_pending {
                let ptk = f.ptk;
                self.phones[p].ptks.push((t, ap, ptk));
                self.phones[p].ccmp_pn = [1, 1];
            }
        }
        t
    }

    /// Shared Key authentication (12.3.3.3; frame body 9.3.3.12, algorithm 1 in 9.4.1.1): the
    /// phone's request (sequence 1), the AP's challenge text element (id 16, 128 octets,
    /// sequence 2), the phone's answer with the same challenge (sequence 3), WEP-encrypted
    /// with the Protected Frame bit set, and the AP's status (sequence 4). Returns the time of
    /// the AP's last frame.
    fn shared_key_auth(&mut self, t: i64, p: usize, ap: usize, roam: Option<usize>) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        let fixed = |seq: u16| {
            let mut b = Vec::new();
            for v in [1u16, seq, 0] {
                b.extend_from_slice(&v.to_le_bytes());
            }
            b
        };
        let mut challenge = vec![0u8; 128];
        for chunk in challenge.chunks_mut(8) {
            chunk.copy_from_slice(&self.wep_rng.next().to_le_bytes());
        }
        self.mgmt(t, p, ap, st::AUTH, true, &fixed(1), mark(Mark::AuthStart));
        let t = t + self.rng.range(700, 1600) * US;
        let mut second = fixed(2);
        frames::element(&mut second, 16, &challenge);
        self.mgmt(t, p, ap, st::AUTH, false, &second, Tag::None);
        let t = t + self.rng.range(300, 800) * US;
        let mut third = fixed(3);
        frames::element(&mut third, 16, &challenge);
        let seq = self.next_seq(p, true, ap);
        let (sta, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
        let mut f = frames::mgmt_header(st::AUTH, false, bssid, sta, bssid, seq);
        f[1] |= 0x40;
        let body = self.wep_body(&third);
        f.extend_from_slice(&body);
        let radio = self.radio(t, p, ap, true);
        self.push(t, radio, f, Tag::None);
        let t = t + self.rng.range(700, 1600) * US;
        self.mgmt(t, p, ap, st::AUTH, false, &fixed(4), mark(Mark::AuthEnd));
        t
    }

    /// A WEP body (12.3.2.2: IV, key ID 0, then RC4 of the data and its ICV) under the
    /// network's key and its next IV; without a key, bytes of the same shape.
    fn wep_body(&mut self, plain: &[u8]) -> Vec<u8> {
        let iv = self.wep_iv.to_le_bytes();
        self.wep_iv = (self.wep_iv + 1) & 0xff_ffff;
        let iv = [iv[0], iv[1], iv[2]];
        match &self.wep_key {
            Some(key) => roamgap::crypto::wep::encrypt(key, iv, 0, plain)
                .expect("WEP keys are checked by generate_wep"),
            None => {
                let mut b = vec![iv[0], iv[1], iv[2], 0];
                let n = plain.len() + roamgap::crypto::wep::ICV_LEN;
                b.extend((0..n).map(|_| self.wep_rng.next() as u8));
                b
            }
        }
    }

    /// Makes sure an FT phone with real keys has its hierarchy's top, which comes from its
    /// first association (written later, at the start of the capture, with the same R0KH).
    fn ft_keys_for(&mut self, p: usize) {
        if self.crypto.is_some()
            && self.phones[p].km.ft()
            && self.phones[p].ccmp()
            && self.phones[p].ft_keys.is_none()
        {
            let first = self.phones[p].attachments[0].1;
            self.ft_initial(p, first);
        }
    }

    /// The top of an FT-PSK phone's key hierarchy, derived at its first association with
    /// `ap` (the R0KH).
    fn ft_initial(&mut self, p: usize, ap: usize) {
        let Some(c) = &self.crypto else { return };
        let r0kh = format!("r0kh-{}", self.aps[ap].bssid).into_bytes();
        let (pmk_r0, r0_name) = roamgap::crypto::kdf::pmk_r0(
            &c.pmk,
            self.ssid.as_bytes(),
            MDID.to_le_bytes(),
            &r0kh,
            self.phones[p].mac.0,
        );
        self.phones[p].ft_keys = Some(FtKeys {
            r0kh,
            pmk_r0,
            r0_name,
        });
    }

    /// PMK-R1 and PMKR1Name of phone `p` for AP `ap` (its R1KH-ID is its BSSID).
    fn ft_r1(&self, p: usize, ap: usize) -> Option<([u8; 32], [u8; 16])> {
        let k = self.phones[p].ft_keys.as_ref()?;
        Some(roamgap::crypto::kdf::pmk_r1(
            &k.pmk_r0,
            &k.r0_name,
            self.aps[ap].bssid.0,
            self.phones[p].mac.0,
        ))
    }

    fn crypto_nonce(&mut self) -> [u8; 32] {
        let mut n = [0u8; 32];
        if let Some(c) = self.crypto.as_mut() {
            for chunk in n.chunks_mut(8) {
                chunk.copy_from_slice(&c.rng.next().to_le_bytes());
            }
        }
        n
    }

    /// FT authentication over the air (13.5.2) with real keys: the request names PMKR0Name
    /// and carries the SNonce and R0KH-ID, the response adds the ANonce and R1KH-ID. The PTK
    /// (12.7.1.7.5) waits in `ft_pending` for the reassociation.
    fn ft_auth_elements(&mut self, p: usize, ap: usize, req: &mut Vec<u8>, resp: &mut Vec<u8>) {
        let Some(k) = self.phones[p].ft_keys.clone() else {
            return;
        };
        let Some((r1, r1_name)) = self.ft_r1(p, ap) else {
            return;
        };
        let (snonce, anonce) = (self.crypto_nonce(), self.crypto_nonce());
        let (bssid, sta, akm) = (
            self.aps[ap].bssid.0,
            self.phones[p].mac.0,
            self.phones[p].km.akm(),
        );
        let ptk = roamgap::crypto::kdf::ft_ptk(&r1, &snonce, &anonce, bssid, sta);
        frames::rsn_element(req, akm, Some(k.r0_name));
        frames::mobility_domain_element(req, MDID);
        frames::FtElement {
            element_count: 0,
            mic: [0; 16],
            anonce: [0; 32],
            snonce,
            r1kh: None,
            gtk: None,
            r0kh: Some(&k.r0kh),
        }
        .write(req);
        frames::rsn_element(resp, akm, Some(k.r0_name));
        frames::mobility_domain_element(resp, MDID);
        frames::FtElement {
            element_count: 0,
            mic: [0; 16],
            anonce,
            snonce,
            r1kh: Some(bssid),
            gtk: None,
            r0kh: Some(&k.r0kh),
        }
        .write(resp);
        self.ft_pending = Some(FtPending {
            ap,
            anonce,
            snonce,
            ptk,
            r1_name,
        });
    }

    /// The RSN, mobility domain and FT elements of an FT-PSK phone's (re)association request
    /// and response with real keys. Initial association: the response names the R0KH and R1KH.
    /// Fast transition: PMKR1Name, the nonces, and the FTE MIC (12.8.4, 12.8.5: AES-CMAC with
    /// the KCK over STA, BSSID, transaction sequence 5 or 6, RSNE, MDE and FTE); the response
    /// also carries the GTK, wrapped with the KEK.
    fn ft_elements(&self, p: usize, ap: usize, pending: Option<&FtPending>) -> (Vec<u8>, Vec<u8>) {
        let (akm, sta, bssid) = (
            self.phones[p].km.akm(),
            self.phones[p].mac.0,
            self.aps[ap].bssid.0,
        );
        let r0kh = self.phones[p]
            .ft_keys
            .as_ref()
            .map(|k| k.r0kh.clone())
            .unwrap_or_default();
        let Some(f) = pending else {
            let mut req = Vec::new();
            frames::rsn_element(&mut req, akm, None);
            frames::mobility_domain_element(&mut req, MDID);
            let mut resp = Vec::new();
            frames::rsn_element(&mut resp, akm, None);
            frames::mobility_domain_element(&mut resp, MDID);
            frames::FtElement {
                element_count: 0,
                mic: [0; 16],
                anonce: [0; 32],
                snonce: [0; 32],
                r1kh: Some(bssid),
                gtk: None,
                r0kh: Some(&r0kh),
            }
            .write(&mut resp);
            return (req, resp);
        };
        let gtk = self.crypto.as_ref().map(|c| c.gtk).unwrap_or_default();
        let mut wrapped = [0u8; 24];
        let _ = aes_kw::KekAes128::from(f.ptk.kek).wrap(&gtk, &mut wrapped);
        // GTK subelement (9.4.2.47): Key Info (key ID 1), Key Length, RSC, wrapped key.
        let mut gtk_sub = vec![0x01, 0x00, 16];
        gtk_sub.extend_from_slice(&[0u8; 8]);
        gtk_sub.extend_from_slice(&wrapped);
        let build = |seq: u8, gtk: Option<&[u8]>| {
            let mut rsne = Vec::new();
            frames::rsn_element(&mut rsne, akm, Some(f.r1_name));
            let mut mde = Vec::new();
            frames::mobility_domain_element(&mut mde, MDID);
            let fte = |mic: &[u8; 16]| {
                let mut v = Vec::new();
                frames::FtElement {
                    element_count: 3,
                    mic: *mic,
                    anonce: f.anonce,
                    snonce: f.snonce,
                    r1kh: Some(bssid),
                    gtk,
                    r0kh: Some(&r0kh),
                }
                .write(&mut v);
                v
            };
            let mut macd = Vec::with_capacity(128);
            macd.extend_from_slice(&sta);
            macd.extend_from_slice(&bssid);
            macd.push(seq);
            macd.extend_from_slice(&rsne);
            macd.extend_from_slice(&mde);
            macd.extend_from_slice(&fte(&[0; 16]));
            let mic =
                roamgap::crypto::handshake::eapol_mic(&f.ptk.kck, 3, &macd).unwrap_or_default();
            let mut out = rsne;
            out.extend_from_slice(&mde);
            out.extend_from_slice(&fte(&mic));
            out
        };
        (build(5, None), build(6, Some(&gtk_sub)))
    }

    /// SAE (12.4): commit from both sides (group 19: 32-byte scalar, 64-byte element), then
    /// confirm from both. Returns the time of the AP's confirm.
    fn sae(&mut self, t: i64, p: usize, ap: usize, roam: Option<usize>) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        let mut t = t;
        for (i, (from_station, seq)) in [(true, 1u16), (false, 1), (true, 2), (false, 2)]
            .into_iter()
            .enumerate()
        {
            let mut body = Vec::new();
            body.extend_from_slice(&3u16.to_le_bytes());
            body.extend_from_slice(&seq.to_le_bytes());
            body.extend_from_slice(&0u16.to_le_bytes());
            let fill = self.rng.next();
            if seq == 1 {
                body.extend_from_slice(&19u16.to_le_bytes());
                body.extend((0..96u64).map(|j| (fill.rotate_left(j as u32 % 64) >> 7) as u8));
            } else {
                body.extend_from_slice(&1u16.to_le_bytes());
                body.extend((0..32u64).map(|j| (fill.rotate_left(j as u32 % 64) >> 5) as u8));
            }
            let tag = match i {
                0 => mark(Mark::AuthStart),
                3 => mark(Mark::AuthEnd),
                _ => Tag::None,
            };
            self.mgmt(t, p, ap, st::AUTH, from_station, &body, tag);
            if i < 3 {
                // Commits take the elliptic-curve work: a few ms each.
                t += if from_station {
                    self.rng.range(600, 1500) * US
                } else {
                    self.rng.range(3, 9) * MS
                };
            }
        }
        t
    }

    /// FT over the DS (13.8): FT Request and Response through the old AP, naming the target.
    /// Returns the response's time.
    fn ft_over_ds(&mut self, t: i64, p: usize, old: usize, target: usize, roam: usize) -> i64 {
        let (sta, target_mac) = (self.phones[p].mac, self.aps[target].bssid);
        let mut req = vec![6, 1];
        req.extend_from_slice(&sta.0);
        req.extend_from_slice(&target_mac.0);
        let mut resp = vec![6, 2];
        resp.extend_from_slice(&sta.0);
        resp.extend_from_slice(&target_mac.0);
        resp.extend_from_slice(&0u16.to_le_bytes());
        let km = self.phones[p].km;
        self.ft_keys_for(p);
        let real = self.phones[p].ft_keys.is_some() && self.crypto.is_some();
        if real {
            // The same elements as an FT authentication over the air (13.6.2).
            self.ft_auth_elements(p, target, &mut req, &mut resp);
        } else {
            for body in [&mut req, &mut resp] {
                frames::rsn_element(body, km.akm(), Some([0x11; 16]));
                frames::mobility_domain_element(body, 0x4d2);
                frames::fast_transition_element(body, p as u8);
            }
        }
        let tag = |m| Tag::Roam { roam, mark: m };
        self.mgmt(t, p, old, st::ACTION, true, &req, tag(Mark::AuthStart));
        let t = t + self.rng.range(4, 12) * MS;
        self.mgmt(t, p, old, st::ACTION, false, &resp, tag(Mark::AuthEnd));
        if real {
            if let Some(f) = &self.ft_pending {
                let ptk = f.ptk;
                self.phones[p].ptks.push((t, target, ptk));
                self.phones[p].ccmp_pn = [1, 1];
            }
        }
        t
    }

    /// The phone scans before it roams: a probe request on each of a few channels (the new
    /// AP's last), answered by the AP there. Returns when it is done.
    fn scan(&mut self, t: i64, p: usize, from: usize, to: usize, roam: usize) -> i64 {
        let mut aps: Vec<usize> = (0..self.aps.len())
            .filter(|&a| a != from && a != to)
            .collect();
        aps.truncate(self.rng.range(1, 3) as usize);
        aps.push(to);
        let mut t = t;
        for ap in aps {
            let seq = self.next_seq(p, true, ap);
            let sta = self.phones[p].mac;
            let mut f = frames::mgmt_header(
                st::PROBE_REQ,
                false,
                MacAddr::BROADCAST,
                sta,
                MacAddr::BROADCAST,
                seq,
            );
            frames::element(&mut f, 0, self.ssid.as_bytes());
            frames::element(&mut f, 1, &self.aps[ap].rates());
            let radio = self.radio(t, p, ap, true);
            self.push(
                t,
                radio,
                f,
                Tag::Roam {
                    roam,
                    mark: Mark::Probe,
                },
            );
            let t_resp = t + self.rng.range(400, 1500) * US;
            let mut body = Vec::new();
            body.extend_from_slice(&0u64.to_le_bytes());
            body.extend_from_slice(&100u16.to_le_bytes());
            body.extend_from_slice(&self.capability(p).to_le_bytes());
            frames::element(&mut body, 0, self.ssid.as_bytes());
            frames::element(&mut body, 1, &self.aps[ap].rates());
            frames::element(&mut body, 3, &[self.aps[ap].channel]);
            self.mgmt(t_resp, p, ap, st::PROBE_RESP, false, &body, Tag::None);
            t += self.rng.range(8, 20) * MS;
        }
        t
    }

    /// ESS, short preamble, short slot, and privacy unless the network is open.
    fn capability(&self, p: usize) -> u16 {
        if self.phones[p].km == KeyMgmt::Open {
            0x0421
        } else {
            0x0431
        }
    }

    /// (Re)association request and response; returns the response time.
    #[allow(clippy::too_many_arguments)]
    fn associate(
        &mut self,
        t: i64,
        p: usize,
        from: Option<usize>,
        to: usize,
        cckm_req: bool,
        cckm_resp: bool,
        tspec: bool,
        status: u16,
        roam: Option<usize>,
    ) -> i64 {
        let km = self.phones[p].km;
        let mut req = Vec::new();
        req.extend_from_slice(&self.capability(p).to_le_bytes());
        req.extend_from_slice(&10u16.to_le_bytes());
        if let Some(f) = from {
            req.extend_from_slice(&self.aps[f].bssid.0);
        }
        let ssid = self.ssid.clone();
        frames::basic_elements(&mut req, &ssid, None);
        let real_ft = km.ft() && self.crypto.is_some() && self.phones[p].ccmp();
        if real_ft && from.is_none() {
            // FT initial mobility domain association (13.4.2): the hierarchy's top is derived
            // with this AP as R0KH.
            self.ft_initial(p, to);
        }
        let pending = if real_ft && from.is_some() {
            self.ft_pending.take().filter(|f| f.ap == to)
        } else {
            None
        };
        let ft_elements = real_ft.then(|| self.ft_elements(p, to, pending.as_ref()));
        if let Some((req_ies, _)) = &ft_elements {
            req.extend_from_slice(req_ies);
        } else if km.rsn() {
            // FT and OKC name the cached key (PMKR0Name / PMKID) in the RSN element.
            let pmkid = if km.ft() {
                Some([0x11; 16])
            } else if km == KeyMgmt::Okc {
                let mut id = [0x5a; 16];
                id[0] = p as u8;
                Some(id)
            } else {
                None
            };
            if self.tkip(p) {
                frames::rsn_element_cipher(&mut req, 2, km.akm(), pmkid);
            } else {
                frames::rsn_element(&mut req, km.akm(), pmkid);
            }
        }
        if km.ft() && ft_elements.is_none() {
            frames::mobility_domain_element(&mut req, 0x4d2);
            frames::fast_transition_element(&mut req, p as u8);
        }
        if cckm_req {
            let ts = (t / 1000) as u64;
            frames::cckm_element(&mut req, Some((ts, self.roams.len() as u32 + 1)));
        }
        if tspec {
            frames::wmm_tspec_element(&mut req, 6, 6, 3);
        }
        let (req_st, resp_st) = if from.is_some() {
            (st::REASSOC_REQ, st::REASSOC_RESP)
        } else {
            (st::ASSOC_REQ, st::ASSOC_RESP)
        };
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        self.mgmt(t, p, to, req_st, true, &req, mark(Mark::Request));
        let mut resp = Vec::new();
        resp.extend_from_slice(&self.capability(p).to_le_bytes());
        resp.extend_from_slice(&status.to_le_bytes());
        resp.extend_from_slice(&(0xc000u16 | (p as u16 + 1)).to_le_bytes());
        frames::element(&mut resp, 1, &self.aps[to].rates());
        if let (Some((_, resp_ies)), 0) = (&ft_elements, status) {
            resp.extend_from_slice(resp_ies);
        } else if km.ft() && status == 0 {
            frames::rsn_element(&mut resp, km.akm(), Some([0x11; 16]));
            frames::mobility_domain_element(&mut resp, 0x4d2);
            frames::fast_transition_element(&mut resp, p as u8);
        }
        if cckm_resp {
            frames::cckm_element(&mut resp, None);
        }
        if self.silent_ap {
            return t;
        }
        let t = t + if self.slow_response {
            self.rng.range(55, 75) * MS
        } else {
            self.rng.range(1800, 3200) * US
        };
        self.mgmt(t, p, to, resp_st, false, &resp, mark(Mark::Response));
        t
    }

    /// The 4-way handshake; `late_m1_retries` M1s go unanswered first. Returns M4's time.
    fn four_way(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        roam: Option<usize>,
        late_m1_retries: u32,
    ) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        let mut t = t;
        let mut replay = self.rng.range(1, 50) as u64;
        let nonce = self.rng.next() as u8;
        let keys = self.handshake_keys(p, ap);
        let key_msg = |msg: KeyMsg, replay: u64, out: &mut Vec<u8>| {
            let Some(k) = &keys else {
                return frames::eapol_key(out, msg, replay, nonce);
            };
            // Message 2 carries the station's nonce and RSN element, message 3 the AP's nonce
            // and the wrapped key data; the others the AP's nonce and nothing.
            let (nonce, data): (&[u8; 32], &[u8]) = match msg {
                KeyMsg::M2 => (&k.snonce, &k.rsn),
                KeyMsg::M3 => (&k.anonce, &k.wrapped),
                _ => (&k.anonce, &[]),
            };
            match &k.tkip {
                // The IV is that of message 3's key data; the others carry none.
                Some((key_iv, _)) => frames::eapol_key_signed_tkip(
                    out,
                    msg,
                    replay,
                    nonce,
                    data,
                    &k.ptk.kck,
                    if msg == KeyMsg::M3 { key_iv } else { &[0; 16] },
                ),
                None => {
                    frames::eapol_key_signed(out, msg, replay, nonce, data, &k.ptk.kck, k.version)
                }
            }
        };
        for _ in 0..late_m1_retries {
            let mut m1 = Vec::new();
            key_msg(KeyMsg::M1, replay, &mut m1);
            self.eapol(t, p, ap, false, &m1, mark(Mark::M1));
            replay += 1;
            t += 1000 * MS + self.rng.range(0, 3000) * US;
        }
        for (msg, from_station, m) in [
            (KeyMsg::M1, false, Some(Mark::M1)),
            (KeyMsg::M2, true, None),
            (KeyMsg::M3, false, None),
            (KeyMsg::M4, true, Some(Mark::M4)),
        ] {
            let mut payload = Vec::new();
            // M3 and M4 carry the next replay counter (12.7.6.4); the clear scenarios keep
            // the counters they always had.
            if msg == KeyMsg::M3 && keys.is_some() {
                replay += 1;
            }
            key_msg(msg, replay, &mut payload);
            if msg == KeyMsg::M3 && keys.is_none() {
                replay += 1;
            }
            if msg == KeyMsg::M4 {
                if let Some(k) = &keys {
                    let ph = &mut self.phones[p];
                    ph.ptks.push((t, ap, k.ptk));
                    ph.ccmp_pn = [1, 1];
                    if let Some((_, mic)) = k.tkip {
                        ph.michael.push((t, ap, mic));
                    }
                }
            }
            self.eapol(t, p, ap, from_station, &payload, m.map_or(Tag::None, mark));
            if msg != KeyMsg::M4 {
                t += self.rng.range(1200, 3500) * US;
            }
        }
        t
    }

    /// The keys of a real handshake between phone `p` and AP `ap` (None in the clear): nonces
    /// from the network's own random stream, the PTK, and M3's wrapped RSN element and GTK.
    fn handshake_keys(&mut self, p: usize, ap: usize) -> Option<HandshakeKeys> {
        if !self.phones[p].ccmp() {
            return None;
        }
        let (sta, bssid, akm) = (
            self.phones[p].mac,
            self.aps[ap].bssid,
            self.phones[p].km.akm(),
        );
        let ft = self.phones[p].km.ft();
        let r1 = if ft { Some(self.ft_r1(p, ap)?) } else { None };
        let ft_resp = ft.then(|| self.ft_elements(p, ap, None).1);
        let r0kh_ok = self.phones[p].ft_keys.is_some();
        let sae = self.phones[p].km == KeyMgmt::Sae;
        let tkip = self.tkip(p);
        let c = self.crypto.as_mut()?;
        let mut nonce = || {
            let mut n = [0u8; 32];
            for chunk in n.chunks_mut(8) {
                chunk.copy_from_slice(&c.rng.next().to_le_bytes());
            }
            n
        };
        let (anonce, snonce) = (nonce(), nonce());
        if let (true, Some(gtk)) = (tkip, c.tkip_gtk) {
            return Some(tkip_handshake_keys(
                &c.pmk,
                bssid.0,
                sta.0,
                anonce,
                snonce,
                akm,
                &gtk,
                nonce(),
            ));
        }
        let (ptk, rsn) = match (r1, ft_resp) {
            // FT initial mobility domain association (13.4.2): the PTK from PMK-R1, the key
            // data naming PMKR1Name with the MDE and FTE of the association response.
            (Some((r1, r1_name)), Some(resp)) if r0kh_ok => {
                let ptk = roamgap::crypto::kdf::ft_ptk(&r1, &snonce, &anonce, bssid.0, sta.0);
                let mut kd = Vec::new();
                frames::rsn_element(&mut kd, akm, Some(r1_name));
                // The MDE and FTE as the association response gave them (after its RSNE).
                let rsne_len = 2 + usize::from(resp[1]);
                kd.extend_from_slice(&resp[rsne_len..]);
                (ptk, kd)
            }
            // SAE (12.4): each SAE exchange gives a fresh PMK (no passphrase derives it; the
            // truth lists them), and the PTK comes from KDF-SHA256.
            _ if sae => {
                let mut pmk = [0u8; 32];
                for chunk in pmk.chunks_mut(8) {
                    chunk.copy_from_slice(&c.rng.next().to_le_bytes());
                }
                c.sae_pmks.push(pmk);
                (
                    roamgap::crypto::kdf::pairwise_ptk(
                        roamgap::crypto::kdf::KeyHash::Sha256,
                        &pmk,
                        bssid.0,
                        sta.0,
                        &anonce,
                        &snonce,
                    ),
                    frames::rsn_key_data(akm),
                )
            }
            _ => (
                roamgap::crypto::kdf::pairwise_ptk(
                    roamgap::crypto::kdf::KeyHash::Sha1,
                    &c.pmk,
                    bssid.0,
                    sta.0,
                    &anonce,
                    &snonce,
                ),
                frames::rsn_key_data(akm),
            ),
        };
        // M3's key data (12.7.6.4): the AP's RSN element and the GTK KDE (key 1, Tx), padded
        // to a multiple of 8 and wrapped with the KEK (RFC 3394).
        let mut plain = rsn.clone();
        plain.extend_from_slice(&[0xdd, 22, 0x00, 0x0f, 0xac, 0x01, 0x01, 0x00]);
        plain.extend_from_slice(&c.gtk);
        if plain.len() % 8 != 0 {
            plain.push(0xdd);
            while plain.len() % 8 != 0 {
                plain.push(0);
            }
        }
        let mut wrapped = vec![0u8; plain.len() + 8];
        aes_kw::KekAes128::from(ptk.kek)
            .wrap(&plain, &mut wrapped)
            .ok()?;
        Some(HandshakeKeys {
            anonce,
            snonce,
            ptk,
            rsn,
            wrapped,
            // AES-CMAC for FT; defined by the AKM (0: AES-CMAC) for SAE.
            version: if ft {
                3
            } else if sae {
                0
            } else {
                2
            },
            tkip: None,
        })
    }

    /// An initial association and 4-way handshake with `ap` just after the capture starts, so
    /// that the voice before the first roam is under a key the capture shows. Drawn from the
    /// network's own random stream: the rest of the scenario is timed as in the clear.
    fn initial_handshake(&mut self, p: usize, ap: usize) {
        if self.crypto.is_none() || !self.phones[p].ccmp() {
            return;
        }
        let saved = self.rng.clone();
        let t = self.start + 5 * MS + p as i64 * 3 * MS;
        let t = self.associate(t, p, None, ap, false, false, false, 0, None);
        self.four_way(t + 2 * MS, p, ap, None, 0);
        self.rng = saved;
    }

    /// EAPOL-Start, EAP identity, `rounds` method round trips, EAP-Success. Returns its time.
    fn eap(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        rounds: u32,
        round_ms: (i64, i64),
        roam: usize,
    ) -> i64 {
        let mut t = t;
        let mut buf = Vec::new();
        frames::eapol_start(&mut buf);
        self.eapol(t, p, ap, true, &buf, Tag::None);
        let id = self.rng.next() as u8;
        t += self.rng.range(1500, 4000) * US;
        // (from station, code, type, data length, delay to the next packet)
        let mut steps: Vec<(bool, u8, Option<u8>, usize, i64)> = vec![
            (false, 1, Some(1), 0, self.rng.range(1500, 4000) * US),
            (true, 2, Some(1), 12, self.rng.range(10, 40) * MS),
        ];
        for _ in 0..rounds {
            steps.push((
                false,
                1,
                Some(25),
                self.rng.range(40, 1000) as usize,
                self.rng.range(2, 6) * MS,
            ));
            steps.push((
                true,
                2,
                Some(25),
                self.rng.range(40, 400) as usize,
                self.rng.range(round_ms.0, round_ms.1) * MS,
            ));
        }
        steps.push((false, 3, None, 0, 0));
        for (i, (from_station, code, eap_type, len, dt)) in steps.into_iter().enumerate() {
            let mut buf = Vec::new();
            // A request and its response share an identifier.
            frames::eap_packet(
                &mut buf,
                code,
                id.wrapping_add((i / 2) as u8),
                eap_type,
                len,
            );
            self.eapol(
                t,
                p,
                ap,
                from_station,
                &buf,
                Tag::Roam {
                    roam,
                    mark: Mark::Eap,
                },
            );
            t += dt;
        }
        t
    }

    fn addts(&mut self, t: i64, p: usize, ap: usize, status: u8, roam: usize) -> i64 {
        self.dialog_token = self.dialog_token.wrapping_add(1);
        let token = self.dialog_token;
        for (response, st_byte) in [(false, 0u8), (true, status)] {
            let mut body = vec![17, u8::from(response), token, st_byte];
            frames::wmm_tspec_element(&mut body, 6, 6, 3);
            let tag = Tag::Roam {
                roam,
                mark: if response {
                    Mark::AddtsResponse(u16::from(status))
                } else {
                    Mark::AddtsRequest
                },
            };
            let t = if response {
                t + self.rng.range(1500, 5000) * US
            } else {
                t
            };
            self.mgmt(t, p, ap, st::ACTION, !response, &body, tag);
            if response {
                return t;
            }
        }
        t
    }

    /// Plans one roam of phone `p` leaving its AP at `leave`; returns when voice may resume.
    fn roam(&mut self, p: usize, kind: RoamKind, leave: i64) -> i64 {
        let from = self.ap_at(p, leave);
        let to = self.pick_other_ap(&[from]);
        let ready = self.roam_to(p, kind, leave, from, to);
        self.phones[p].outages.push((leave, ready));
        ready
    }

    fn roam_to(&mut self, p: usize, kind: RoamKind, leave: i64, from: usize, to: usize) -> i64 {
        match kind {
            RoamKind::Unanswered => return self.roam_unanswered(p, leave, from, to),
            RoamKind::Abandoned => return self.roam_abandoned(p, leave, from, to),
            _ => {}
        }
        let km = self.phones[p].km;
        let cckm = km == KeyMgmt::Cckm;
        let roam = self.roams.len();
        if self.phones[p].sticky {
            // Heard ever more weakly on the old AP for the seconds before it gives up.
            self.phones[p]
                .weak
                .push((leave - 2500 * MS, leave + 1, from));
        }
        if km == KeyMgmt::FtDs {
            // Over the DS the phone asks its old AP while the call still flows through it.
            let ask = leave - self.rng.range(30, 60) * MS;
            self.ft_over_ds(ask, p, from, to, roam);
        }
        let mut t = leave + self.rng.range(3, 12) * MS;
        if self.phones[p].scans {
            t = self.scan(t, p, from, to, roam);
        }
        if km != KeyMgmt::FtDs {
            t = self.auth_for(t, p, to, kind == RoamKind::FtOk, Some(roam));
        }
        t += self.rng.range(800, 2000) * US;
        let refused = kind == RoamKind::ReassocRefused;
        let status = if refused { 17 } else { 0 };
        let cckm_resp = cckm && !matches!(kind, RoamKind::CckmMissingIe | RoamKind::ReassocRefused);
        let tspec = kind == RoamKind::TspecRate
            || (cckm
                && matches!(
                    kind,
                    RoamKind::CckmOk | RoamKind::CckmAfterWait | RoamKind::CckmMissingIe
                )
                && self.rng.chance(2));
        self.roams.push(RoamPlan {
            kind,
            phone: p,
            from,
            to,
            cckm_in_request: cckm,
            cckm_in_response: cckm_resp,
            tspec,
            status: Some(status),
            outcome: if refused { "refused" } else { "completed" },
        });
        self.slow_response = kind == RoamKind::SlowResponse;
        if self.phones[p].old_ap_retries {
            // The network goes on sending the phone's downlink voice to the old AP for 40 ms
            // after the request (until it learns where the phone went): undeliverable.
            self.phones[p].failed.push((t + MS, t + 41 * MS, from));
        }
        t = self.associate(
            t,
            p,
            Some(from),
            to,
            cckm,
            cckm_resp,
            tspec,
            status,
            Some(roam),
        );
        self.slow_response = false;
        t += self.rng.range(1000, 3000) * US;
        match kind {
            RoamKind::CckmOk
            | RoamKind::CckmAfterWait
            | RoamKind::FtOk
            | RoamKind::OpenOk
            | RoamKind::SlowResponse => {}
            // Written whole by `roam_unanswered` and `roam_abandoned`.
            RoamKind::Unanswered | RoamKind::Abandoned => {}
            RoamKind::SaeOk | RoamKind::OkcOk => t = self.four_way(t, p, to, Some(roam), 0),
            RoamKind::TspecRate => t = self.addts(t, p, to, 3, roam),
            RoamKind::CckmMissingIe => {
                if self.rng.chance(3) {
                    // The phone goes straight to 802.1X.
                } else {
                    // The new AP has no key context: it deauthenticates the phone, which
                    // authenticates and associates again.
                    t += self.rng.range(120, 320) * MS;
                    self.mgmt(
                        t,
                        p,
                        to,
                        st::DEAUTH,
                        false,
                        &2u16.to_le_bytes(),
                        Tag::Roam {
                            roam,
                            mark: Mark::Deauth(2),
                        },
                    );
                    t += self.rng.range(3, 20) * MS;
                    t = self.auth(t, p, to, false) + self.rng.range(800, 2000) * US;
                    t = self.associate(t, p, None, to, true, false, false, 0, None);
                    t += self.rng.range(1, 4) * MS;
                }
                let rounds = self.rng.range(6, 11) as u32;
                t = self.eap(t, p, to, rounds, (40, 90), roam);
                t += self.rng.range(2, 6) * MS;
                t = self.four_way(t, p, to, Some(roam), 0);
            }
            RoamKind::PskOk => t = self.four_way(t, p, to, Some(roam), 0),
            RoamKind::PskLateM1 => {
                let retries = if self.rng.chance(4) { 2 } else { 1 };
                t = self.four_way(t, p, to, Some(roam), retries);
            }
            RoamKind::AddtsRefused | RoamKind::AddtsOk => {
                let status = if kind == RoamKind::AddtsRefused { 3 } else { 0 };
                t = self.addts(t, p, to, status, roam);
            }
            RoamKind::DeauthAfterRoam => {
                t = self.four_way(t, p, to, Some(roam), 0);
                // The AP gives up on the station's key context a while after the handshake.
                t += self.rng.range(200, 350) * MS;
                let reason = [2u16, 6, 7][self.rng.range(0, 3) as usize];
                self.mgmt(
                    t,
                    p,
                    to,
                    st::DEAUTH,
                    false,
                    &reason.to_le_bytes(),
                    Tag::Roam {
                        roam,
                        mark: Mark::Deauth(reason),
                    },
                );
                t += self.rng.range(5, 30) * MS;
                t = self.auth(t, p, to, false) + self.rng.range(800, 2000) * US;
                t = self.associate(t, p, None, to, false, false, false, 0, None);
                t += self.rng.range(2, 6) * MS;
                t = self.four_way(t, p, to, None, 0);
            }
            RoamKind::Dot1xFull => {
                // A full EAP method (PEAP, EAP-TLS) through a RADIUS server: 6-9 round trips of
                // 30-60 ms.
                let rounds = self.rng.range(6, 10) as u32;
                t = self.eap(t, p, to, rounds, (30, 60), roam);
                t += self.rng.range(2, 6) * MS;
                t = self.four_way(t, p, to, Some(roam), 0);
            }
            RoamKind::ReassocRefused => {
                // The phone tries a third AP, which accepts: at once (the whole silence stays
                // under 110 ms, the voice budget less two packet intervals), or, a phone that
                // scanned first, after 250-350 ms more (well over the budget).
                let third = self.pick_other_ap(&[from, to]);
                let scans = std::mem::replace(&mut self.phones[p].scans, false);
                let (wait, next) = if scans {
                    ((250, 350), RoamKind::CckmAfterWait)
                } else {
                    ((20, 60), RoamKind::CckmOk)
                };
                let leave_again = t + self.rng.range(wait.0, wait.1) * MS;
                let ready = self.roam_to(p, next, leave_again, from, third);
                self.phones[p].scans = scans;
                return ready;
            }
        }
        let ready = t + self.rng.range(1000, 3000) * US;
        self.phones[p].attachments.push((ready, to));
        ready
    }

    /// A PSK phone deauthenticated by its AP (reason 1) tries another AP that never answers:
    /// one authentication request, then four reassociation requests (Current AP: the old AP)
    /// about 4.5 s apart, with Null frames (power management) to that AP in between; it gives
    /// up with a deauthentication (reason 3) and goes back: authentication, association and
    /// 4-way handshake with its old AP. Returns when its voice resumes there.
    fn roam_unanswered(&mut self, p: usize, leave: i64, from: usize, to: usize) -> i64 {
        let roam = self.plan_failed(RoamKind::Unanswered, p, (from, to), None, "unanswered");
        let mark = |m| Tag::Roam { roam, mark: m };
        self.mgmt(
            leave,
            p,
            from,
            st::DEAUTH,
            false,
            &1u16.to_le_bytes(),
            Tag::None,
        );
        let mut t = leave + self.rng.range(20, 60) * MS;
        // Open System authentication, transaction 1 (9.4.1.1, 9.4.1.2): never answered.
        self.mgmt(
            t,
            p,
            to,
            st::AUTH,
            true,
            &[0, 0, 1, 0, 0, 0],
            mark(Mark::AuthStart),
        );
        t += self.rng.range(5, 15) * MS;
        self.silent_ap = true;
        for i in 0..4 {
            if i > 0 {
                t += self.rng.range(4300, 4700) * MS;
            }
            self.associate(t, p, Some(from), to, false, false, false, 0, Some(roam));
            for _ in 0..3 {
                let n = t + self.rng.range(300, 1200) * MS;
                self.null_frame(n, p, to);
            }
        }
        self.silent_ap = false;
        t += self.rng.range(800, 1200) * MS;
        self.mgmt(
            t,
            p,
            to,
            st::DEAUTH,
            true,
            &3u16.to_le_bytes(),
            mark(Mark::GiveUp(3)),
        );
        t += self.rng.range(20, 60) * MS;
        t = self.auth(t, p, from, false) + self.rng.range(800, 2000) * US;
        t = self.associate(t, p, None, from, false, false, false, 0, None);
        self.resume_on(p, from, t)
    }

    /// The plan of a roam of a PSK phone that fails (no CCKM, no TSPEC); returns its index.
    fn plan_failed(
        &mut self,
        kind: RoamKind,
        p: usize,
        (from, to): (usize, usize),
        status: Option<u16>,
        outcome: &'static str,
    ) -> usize {
        self.roams.push(RoamPlan {
            kind,
            phone: p,
            from,
            to,
            cckm_in_request: false,
            cckm_in_response: false,
            tspec: false,
            status,
            outcome,
        });
        self.roams.len() - 1
    }

    /// After a failed roam, back on `ap` at `t` (associated): the 4-way handshake, then the
    /// voice resumes there; returns when.
    fn resume_on(&mut self, p: usize, ap: usize, t: i64) -> i64 {
        let t = t + self.rng.range(2, 6) * MS;
        let t = self.four_way(t, p, ap, None, 0);
        let ready = t + self.rng.range(1000, 3000) * US;
        self.phones[p].attachments.push((ready, ap));
        ready
    }

    /// A PSK phone roams to an AP that accepts its reassociation, then never answers the AP's
    /// EAPOL message 1 (sent three times, about a second apart); the AP deauthenticates it
    /// (reason 15, 4-way handshake timeout) and the phone reassociates with its old AP
    /// (Current AP: the one that dropped it), then the 4-way handshake there.
    fn roam_abandoned(&mut self, p: usize, leave: i64, from: usize, to: usize) -> i64 {
        let roam = self.plan_failed(RoamKind::Abandoned, p, (from, to), Some(0), "abandoned");
        let mark = |m| Tag::Roam { roam, mark: m };
        let mut t = leave + self.rng.range(3, 12) * MS;
        t = self.auth_for(t, p, to, false, Some(roam)) + self.rng.range(800, 2000) * US;
        t = self.associate(t, p, Some(from), to, false, false, false, 0, Some(roam));
        t += self.rng.range(1000, 3000) * US;
        let replay = self.rng.range(1, 50) as u64;
        let nonce = self.rng.next() as u8;
        for i in 0..3u64 {
            let mut m1 = Vec::new();
            frames::eapol_key(&mut m1, KeyMsg::M1, replay + i, nonce);
            self.eapol(t, p, to, false, &m1, mark(Mark::M1));
            t += 1000 * MS + self.rng.range(0, 3000) * US;
        }
        self.mgmt(
            t,
            p,
            to,
            st::DEAUTH,
            false,
            &15u16.to_le_bytes(),
            mark(Mark::Deauth(15)),
        );
        t += self.rng.range(20, 60) * MS;
        t = self.associate(t, p, Some(to), from, false, false, false, 0, None);
        self.resume_on(p, from, t)
    }

    /// A Null function frame (9.3.2.1, subtype 4) from the phone to `ap`, power management
    /// set: a data frame that carries no data.
    fn null_frame(&mut self, t: i64, p: usize, ap: usize) {
        let seq = self.next_seq(p, true, ap);
        let (sta, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
        let mut f = vec![0x48, 0x11];
        f.extend_from_slice(&0u16.to_le_bytes());
        for a in [bssid, sta, bssid] {
            f.extend_from_slice(&a.0);
        }
        f.extend_from_slice(&(seq << 4).to_le_bytes());
        let radio = self.radio(t, p, ap, true);
        self.push(t, radio, f, Tag::None);
    }

    fn beacons(&mut self) {
        let interval = 102_400 * US;
        for a in 0..self.aps.len() {
            let mut t = self.start + self.rng.range(0, 102) * MS;
            let mut tsf: u64 = self.rng.next() >> 20;
            while t < self.start + self.duration {
                let seq = {
                    let s = &mut self.aps[a].seq;
                    *s = (*s + 1) % 4096;
                    *s
                };
                let ap = &self.aps[a];
                let mut f = frames::mgmt_header(
                    st::BEACON,
                    false,
                    MacAddr([0xff; 6]),
                    ap.bssid,
                    ap.bssid,
                    seq,
                );
                f.extend_from_slice(&tsf.to_le_bytes());
                f.extend_from_slice(&100u16.to_le_bytes());
                f.extend_from_slice(&0x0431u16.to_le_bytes());
                let (ch, freq) = (ap.channel, ap.freq);
                frames::element(&mut f, 0, self.ssid.as_bytes());
                frames::element(&mut f, 1, &ap.rates());
                frames::element(&mut f, 3, &[ch]);
                if self.crypto.as_ref().is_some_and(|c| c.tkip_gtk.is_some()) {
                    // A TKIP network (`--cipher tkip`) says so (9.4.2.24): TKIP group and
                    // pairwise, PSK.
                    frames::rsn_element_cipher(&mut f, 2, KeyMgmt::Psk.akm(), None);
                }
                let radio = Radio {
                    freq_mhz: freq,
                    signal_dbm: -40 - self.rng.range(0, 30) as i8,
                    rate: 2,
                };
                self.queue(t, false, radio, f, Tag::None);
                t += interval;
                tsf += 102_400;
            }
        }
    }

    /// The voice packets of a phone's call, both directions, around its outages.
    fn voice(&mut self, p: usize) {
        for dir in 0..2 {
            let offset = self.rng.range(0, 20_000) * US;
            self.voice_until(p, dir, offset, 0, i64::MAX);
        }
    }

    /// Voice packets `k`.. of one direction of a phone's call whose nominal time is before
    /// `until`; returns the next `k`.
    fn voice_until(&mut self, p: usize, dir: usize, offset: i64, first_k: u64, until: i64) -> u64 {
        let uplink = dir == 0;
        let (start, end) = self.phones[p].call;
        let near_roam = |ph: &Phone, t: i64| {
            ph.outages
                .iter()
                .any(|&(a, b)| t > a - 400 * MS && t < b + 400 * MS)
        };
        let mut k = first_k;
        {
            loop {
                let nominal = start + offset + k as i64 * VOICE_PERIOD;
                if nominal >= end || nominal >= until {
                    break;
                }
                let ph = &self.phones[p];
                let silent = ph.outages.iter().any(|&(a, b)| nominal >= a && nominal < b);
                let failed = ph
                    .failed
                    .iter()
                    .find(|&&(a, b, _)| !uplink && nominal >= a && nominal < b)
                    .map(|&(_, _, ap)| ap);
                if let Some(old) = failed {
                    // The old AP tries the packet and all its retries (the phone is gone).
                    let t = nominal + self.rng.range(0, 400) * US;
                    let tries = self.rng.range(3, 8) as u32;
                    self.rtp_tries(t, p, old, uplink, k, tries);
                } else if !silent {
                    let mut t = nominal + self.rng.range(0, 400) * US;
                    let ph = &self.phones[p];
                    if ph.reorder_one_in > 0
                        && !near_roam(ph, nominal)
                        && nominal + 2 * VOICE_PERIOD < end
                        && self.rng.chance(ph.reorder_one_in)
                    {
                        // Overtaken on the air by the next packet.
                        t += VOICE_PERIOD + 500 * US;
                    }
                    let ap = self.ap_at(p, nominal);
                    self.rtp(t, p, ap, uplink, k);
                }
                k += 1;
            }
        }
        k
    }

    fn rtp(&mut self, t: i64, p: usize, ap: usize, uplink: bool, k: u64) {
        self.rtp_tries(t, p, ap, uplink, k, 0);
    }

    /// Voice packet `k`; `tries` > 0 sends it exactly that many times (retries flagged), as
    /// an AP does to a station that no longer answers; 0 lets the channel decide.
    fn rtp_tries(&mut self, t: i64, p: usize, ap: usize, uplink: bool, k: u64, tries: u32) {
        let dir = usize::from(!uplink);
        let seq80211 = self.next_seq(p, uplink, ap);
        let ph = &self.phones[p];
        let mut f = frames::qos_data_header(
            uplink,
            false,
            ph.mac,
            self.aps[ap].bssid,
            self.gateway,
            seq80211,
            6,
        );
        if self.wep_key.is_some() && ph.km == KeyMgmt::Wep {
            // Real WEP (12.3.2) under the network's key.
            f[1] |= 0x40;
            let mut plain = Vec::with_capacity(220);
            self.rtp_payload(&mut plain, p, uplink, k);
            let body = self.wep_body(&plain);
            f.extend_from_slice(&body);
        } else if ph.encrypted && ph.km == KeyMgmt::Wep {
            // WEP (12.3.2): IV and key ID, then ciphertext and a 4-byte ICV.
            f[1] |= 0x40;
            let iv = (ph.pn as u32).to_le_bytes();
            f.extend_from_slice(&[iv[0], iv[1], iv[2], 0]);
            let key = ph.ssrc[dir] ^ (k as u32).wrapping_mul(0x9e37_79b9);
            f.extend((0..208 + 4).map(|i: u32| (key.rotate_left(i % 32) >> 3) as u8));
            self.phones[p].pn += 1;
        } else if let Some(key) = self.voice_key_tkip(p, ap, t) {
            // Real TKIP (12.5.2) under the PTK of the phone's last handshake with this AP: the
            // TSC in the extended IV header, the Michael MIC over DA, SA, priority and the
            // MSDU with the direction's Michael key, the ICV, RC4 with the phase-2 key.
            f[1] |= 0x40;
            let mut plain = Vec::with_capacity(240);
            self.rtp_payload(&mut plain, p, uplink, k);
            let tsc = self.phones[p].ccmp_pn[dir];
            self.phones[p].ccmp_pn[dir] += 1;
            let (station, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
            let (ta, da, sa) = if uplink {
                (station, self.gateway, station)
            } else {
                (bssid, station, self.gateway)
            };
            let mh = roamgap::crypto::tkip::michael_header(da.0, sa.0, 6);
            let body = roamgap::crypto::tkip::encrypt(&key, ta.0, !uplink, &mh, tsc, 0, &plain);
            f.extend_from_slice(&body);
        } else if let Some(tk) = self.voice_key(p, ap, t) {
            // Real CCMP under the PTK of the phone's last handshake with this AP.
            f[1] |= 0x40;
            let mut plain = Vec::with_capacity(240);
            self.rtp_payload(&mut plain, p, uplink, k);
            let pn = self.phones[p].ccmp_pn[dir];
            self.phones[p].ccmp_pn[dir] += 1;
            let body = roamgap::crypto::ccmp::encrypt(&tk, &f, pn, 0, &plain);
            f.extend_from_slice(&body);
        } else if ph.encrypted {
            // CCMP (12.5.3.2): header with PN and key ID, then ciphertext and an 8-byte MIC.
            f[1] |= 0x40;
            let pn = ph.pn.to_le_bytes();
            f.extend_from_slice(&[pn[0], pn[1], 0, 0x20, pn[2], pn[3], pn[4], pn[5]]);
            let key = ph.ssrc[dir] ^ (k as u32).wrapping_mul(0x9e37_79b9);
            f.extend((0..208 + 8).map(|i: u32| (key.rotate_left(i % 32) >> 3) as u8));
            self.phones[p].pn += 1;
        } else {
            self.rtp_payload(&mut f, p, uplink, k);
        }
        let radio = self.radio(t, p, ap, uplink);
        let tag = Tag::Rtp {
            phone: p,
            dir,
            k,
            ap,
        };
        if tries == 0 {
            self.push(t, radio, f, tag);
            return;
        }
        let mut t = t;
        for i in 0..tries {
            let mut bytes = f.clone();
            if i > 0 {
                bytes[1] |= 0x08;
                t += self.rng.range(300, 900) * US;
            }
            self.queue(t, i > 0, radio, bytes, tag);
        }
    }

    /// The TK protecting a CCMP phone's voice through `ap` at `t`: that of its last handshake
    /// with the AP before `t`.
    fn voice_key(&self, p: usize, ap: usize, t: i64) -> Option<[u8; 16]> {
        if self.crypto.is_none() || !self.phones[p].ccmp() {
            return None;
        }
        // The handshakes are not recorded in time order (the first association is written
        // last): the newest with this AP before `t`.
        let with_ap = || self.phones[p].ptks.iter().filter(|(_, a, _)| *a == ap);
        with_ap()
            .filter(|(at, _, _)| *at <= t)
            .max_by_key(|(at, _, _)| *at)
            .or_else(|| with_ap().min_by_key(|(at, _, _)| *at))
            .map(|(_, _, ptk)| ptk.tk)
    }

    /// The TKIP key protecting a TKIP phone's voice through `ap` at `t` (12.7.1.3): the TK
    /// and Michael keys of its last handshake with the AP before `t`.
    fn voice_key_tkip(
        &self,
        p: usize,
        ap: usize,
        t: i64,
    ) -> Option<roamgap::crypto::tkip::TkipKey> {
        if !self.tkip(p) {
            return None;
        }
        let with_ap = || self.phones[p].michael.iter().filter(|(_, a, _)| *a == ap);
        let (at, _, mic) = with_ap()
            .filter(|(at, _, _)| *at <= t)
            .max_by_key(|(at, _, _)| *at)
            .or_else(|| with_ap().min_by_key(|(at, _, _)| *at))?;
        let (_, _, ptk) = self.phones[p]
            .ptks
            .iter()
            .find(|(t2, a, _)| t2 == at && *a == ap)?;
        let mut b = [0u8; 32];
        b[..16].copy_from_slice(&ptk.tk);
        b[16..].copy_from_slice(mic);
        Some(roamgap::crypto::tkip::TkipKey::from_bytes(&b))
    }

    /// LLC/SNAP, IPv4, UDP and RTP of voice packet `k` of a phone's call.
    fn rtp_payload(&mut self, f: &mut Vec<u8>, p: usize, uplink: bool, k: u64) {
        let dir = usize::from(!uplink);
        self.ip_id = self.ip_id.wrapping_add(1);
        let ph = &self.phones[p];
        frames::llc_snap(f, 0x0800);
        let (src, dst, sport, dport) = if uplink {
            (ph.ip, ph.peer_ip, ph.port, ph.peer_port)
        } else {
            (ph.peer_ip, ph.ip, ph.peer_port, ph.port)
        };
        let seq = ph.seq0[dir].wrapping_add(k as u16);
        let ts = ph.ts0[dir].wrapping_add((k as u32).wrapping_mul(160));
        let flow = frames::UdpFlow {
            src,
            dst,
            sport,
            dport,
            tos: 0xb8,
        };
        frames::ipv4_udp_rtp(f, flow, ph.ssrc[dir], seq, ts, self.ip_id, 160);
    }

    /// Sorts, numbers and writes the frames, then reads the truth back from them.
    fn finish(mut self, scenario: &'static str, options: &Options) -> Generated {
        let res = options.format.resolution_ns();
        self.frames.sort_by_key(|f| (f.t, f.order));
        let mut w = Writer::new(options.format, options.link);
        for f in &mut self.frames {
            f.t -= f.t.rem_euclid(res);
            w.frame(f.t, f.radio, &f.bytes);
        }
        let secs = |t: i64| t as f64 / 1e9;
        // (frame number, time, tag, retry) of every frame.
        let numbered: Vec<(u64, i64, Tag, bool)> = self
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| (i as u64 + 1, f.t, f.tag, f.retry))
            .collect();

        let mut roams = Vec::new();
        for (r, plan) in self.roams.iter().enumerate() {
            let marks: Vec<(u64, i64, Mark)> = numbered
                .iter()
                .filter_map(|&(n, t, tag, retry)| match tag {
                    Tag::Roam { roam, mark } if roam == r && !retry => Some((n, t, mark)),
                    _ => None,
                })
                .collect();
            let first = |m: Mark| marks.iter().find(|x| x.2 == m).map(|x| (x.0, x.1));
            let (request_frame, request_t) =
                first(Mark::Request).expect("every roam has a request");
            let response = first(Mark::Response);
            let failed = plan.outcome != "completed";
            let m1s: Vec<(u64, i64)> = marks
                .iter()
                .filter(|x| x.2 == Mark::M1)
                .map(|x| (x.0, x.1))
                .collect();
            let eapol = m1s.first().map(|&(f, t)| {
                let m4 = first(Mark::M4);
                TruthEapol {
                    m1_frame: f,
                    m4_frame: m4.map(|m| m.0),
                    m1_time: secs(t),
                    m1_retries: m1s.len() as u32 - 1,
                    m4_time: m4.map(|m| secs(m.1)),
                }
            });
            let deauth = marks.iter().find_map(|&(f, t, m)| match m {
                Mark::Deauth(reason) | Mark::GiveUp(reason) => Some(TruthDeauth {
                    reason,
                    frame: f,
                    time: secs(t),
                }),
                _ => None,
            });
            let by_ap = marks.iter().any(|x| matches!(x.2, Mark::Deauth(_)));
            let addts: Vec<TruthAddts> = marks
                .iter()
                .filter_map(|&(f, _, m)| match m {
                    Mark::AddtsResponse(status) => Some(TruthAddts {
                        status,
                        up: 6,
                        frame: f,
                    }),
                    _ => None,
                })
                .collect();
            // The next roam of the same phone bounds where this one's voice can resume.
            let next_request = self.roams[r + 1..]
                .iter()
                .position(|q| q.phone == plan.phone)
                .and_then(|i| {
                    let nr = r + 1 + i;
                    numbered
                        .iter()
                        .find(|x| {
                            matches!(x.2, Tag::Roam { roam, mark: Mark::Request } if roam == nr)
                                && !x.3
                        })
                        .map(|x| x.0)
                })
                .unwrap_or(u64::MAX);
            let gap = |dir: usize| -> Option<TruthGap> {
                let voice = |n: &&(u64, i64, Tag, bool)| {
                    matches!(n.2, Tag::Rtp { phone, dir: d, .. } if phone == plan.phone && d == dir)
                        && !n.3
                };
                let ap_of = |tag: Tag| match tag {
                    Tag::Rtp { ap, .. } => ap,
                    _ => usize::MAX,
                };
                let k_of = |tag: Tag| match tag {
                    Tag::Rtp { k, .. } => k,
                    _ => 0,
                };
                let before = numbered
                    .iter()
                    .rev()
                    .filter(voice)
                    .find(|n| n.0 < request_frame)?;
                if ap_of(before.2) != plan.from {
                    return None;
                }
                let after = numbered
                    .iter()
                    .filter(voice)
                    .find(|n| n.0 > request_frame && n.0 < next_request && ap_of(n.2) == plan.to);
                Some(TruthGap {
                    last_before_frame: before.0,
                    first_after_frame: after.map(|a| a.0),
                    last_before_time: secs(before.1),
                    first_after_time: after.map(|a| secs(a.1)),
                    gap_ms: after.map(|a| (a.1 - before.1) as f64 / 1e6),
                    lost: after.map(|a| k_of(a.2).saturating_sub(k_of(before.2) + 1)),
                    measured_from: if self.phones[plan.phone].encrypted {
                        "frames"
                    } else {
                        "rtp"
                    },
                })
            };
            // A failed roam carries no voice gap: no voice went through the new AP.
            let (uplink, downlink) = if failed {
                (None, None)
            } else {
                (gap(0), gap(1))
            };
            // The outage: the phone's last voice packet before the request to its first after,
            // sent by the phone or by the AP its voice resumed on (the old AP's attempts to
            // reach a phone that left do not end it); retransmissions excluded.
            let resume = self.phones[plan.phone]
                .attachments
                .iter()
                .filter(|(at, _)| *at > request_t)
                .min_by_key(|(at, _)| *at)
                .copied();
            let resume_ap = resume.map(|(_, ap)| ap);
            let phone_voice = |n: &&(u64, i64, Tag, bool)| {
                matches!(n.2, Tag::Rtp { phone, .. } if phone == plan.phone) && !n.3
            };
            let outage_start = numbered
                .iter()
                .rev()
                .filter(phone_voice)
                .find(|n| n.0 < request_frame);
            let outage_end = numbered.iter().filter(phone_voice).find(|n| {
                n.0 > request_frame
                    && matches!(n.2, Tag::Rtp { dir, ap, .. } if dir == 0 || Some(ap) == resume_ap)
            });
            let outage_ms = outage_start
                .zip(outage_end)
                .map(|(a, b)| ((b.1 - a.1) as f64 / 1e3).round() / 1e3);
            let attempts = failed.then(|| {
                marks
                    .iter()
                    .filter(|x| matches!(x.2, Mark::Request | Mark::AuthStart))
                    .count() as u32
            });
            let ph = &self.phones[plan.phone];
            let eap: Vec<(u64, i64)> = marks
                .iter()
                .filter(|x| x.2 == Mark::Eap)
                .map(|x| (x.0, x.1))
                .collect();
            let m4 = first(Mark::M4);
            // The last message the roam needed: M4 once a 4-way handshake began, else the
            // response; none for a roam that failed.
            let handshake_ns = if failed {
                None
            } else if m1s.is_empty() {
                response.map(|m| m.1 - request_t)
            } else {
                m4.map(|m| m.1 - request_t)
            };
            let fast_path_offered = ph.km.fast_path();
            let fast_path_taken = match (fast_path_offered, plan.status) {
                ("none", _) | (_, None) => None,
                (_, Some(s)) if s != 0 => Some(false),
                ("cckm", _) => Some(plan.cckm_in_response && eap.is_empty() && m1s.is_empty()),
                ("pmk-caching", _) => Some(eap.is_empty()),
                _ => Some(eap.is_empty() && m1s.is_empty()),
            };
            // What the scenario injected, rule by rule (in the order of docs/findings.md), never
            // the analyzer's thresholds re-applied: each kind of roam is timed so that its
            // silence is well under the voice budget (tens of ms) or well over it (a full EAP
            // exchange, a late EAPOL message 1, a deauthentication and a second association:
            // hundreds of ms or more), and only the slow-reassociation kind is made slow in its
            // key exchange alone.
            let mut findings = Vec::new();
            if failed {
                findings.push("roam-failed");
            }
            if plan.status.is_some_and(|s| s != 0) {
                findings.push("reassoc-refused");
            }
            if plan.cckm_in_request && plan.status == Some(0) && !plan.cckm_in_response {
                findings.push("cckm-ie-missing");
            }
            if by_ap {
                findings.push("deauth-after-roam");
            }
            if eapol.as_ref().is_some_and(|e| e.m1_retries > 0) {
                findings.push("eapol-m1-retry");
            }
            if plan.tspec && self.aps[plan.to].no_12mbps {
                findings.push("tspec-rate-unsupported");
            }
            if addts.iter().any(|a| a.status != 0) {
                findings.push("addts-refused");
            }
            let sticky = options.link.carries_signal()
                && ph.weak.iter().any(|&(a, b, ap)| {
                    ap == plan.from && request_t >= a && request_t <= b + 20 * MS
                });
            if sticky {
                findings.push("sticky-client");
            }
            if plan.kind == RoamKind::SlowResponse {
                findings.push("roam-over-budget");
            }
            if !failed && plan.kind.long_silence() {
                findings.push("long-gap");
            }
            // The phone's data is its voice: its last frame through the old AP before the
            // request (retransmissions included) and its first through the new one after.
            let rtp_frames = |ap: usize| {
                numbered.iter().filter(move |n| {
                    matches!(n.2, Tag::Rtp { phone, ap: a, .. } if phone == plan.phone && a == ap)
                })
            };
            let last_old = rtp_frames(plan.from)
                .rev()
                .find(|n| n.0 < request_frame)
                .map(|n| (n.0, n.1));
            let first_new = rtp_frames(plan.to)
                .find(|n| n.0 > request_frame && n.0 < next_request)
                .map(|n| (n.0, n.1));
            let phases = {
                let probes: Vec<(u64, i64)> = marks
                    .iter()
                    .filter(|x| x.2 == Mark::Probe)
                    .map(|x| (x.0, x.1))
                    .collect();
                let auth = first(Mark::AuthStart);
                let addts_req = first(Mark::AddtsRequest);
                let addts_resp = marks
                    .iter()
                    .rev()
                    .find(|x| matches!(x.2, Mark::AddtsResponse(_)))
                    .map(|x| (x.0, x.1));
                let request = (request_frame, request_t);
                // Leaving ends at the first frame to the new AP (over the DS, the FT exchange
                // goes through the old one).
                let to_new = match auth {
                    Some(a) if ph.km != KeyMgmt::FtDs => a,
                    _ => request,
                };
                // (name, (first frame, time), (last frame, time)); no last frame for an
                // exchange the other side never answered.
                type Span = (&'static str, (u64, i64), Option<(u64, i64)>);
                let mut list: Vec<Span> = Vec::new();
                if let (Some(a), Some(b)) = (probes.first(), probes.last()) {
                    list.push(("scanning", *a, Some(*b)));
                }
                if let Some(l) = last_old {
                    list.push(("leaving", l, Some(to_new)));
                }
                if let Some(a) = first(Mark::AuthStart) {
                    list.push(("authentication", a, first(Mark::AuthEnd)));
                }
                list.push(("reassociation", request, response));
                if let (Some(a), Some(b)) = (eap.first(), eap.last()) {
                    list.push(("802.1x", *a, Some(*b)));
                }
                if let Some(a) = m1s.first() {
                    list.push(("4-way-handshake", *a, m4));
                }
                if let (Some(a), Some(b)) = (addts_req, addts_resp) {
                    list.push(("addts", a, Some(b)));
                }
                list.retain(|(_, a, b)| b.is_none_or(|b| b.1 >= a.1));
                if let (Some(end), Some(f)) = (list.iter().filter_map(|x| x.2).max(), first_new) {
                    if f.1 >= end.1 {
                        list.push(("resuming", end, Some(f)));
                    }
                }
                list.sort_by_key(|x| x.1 .0);
                list.into_iter()
                    .map(|(name, a, b)| TruthPhase {
                        name,
                        start_frame: a.0,
                        end_frame: b.map(|b| b.0),
                    })
                    .collect::<Vec<_>>()
            };
            let scanning = {
                let probes: Vec<u64> = marks
                    .iter()
                    .filter(|x| x.2 == Mark::Probe)
                    .map(|x| x.0)
                    .collect();
                probes.first().map(|&f| TruthScan {
                    probe_requests: probes.len() as u32,
                    first_frame: f,
                    last_frame: *probes.last().unwrap_or(&f),
                })
            };
            let old_ap_after_leaving = {
                let tries: Vec<(u64, bool)> = numbered
                    .iter()
                    .filter_map(|n| match n.2 {
                        Tag::Rtp {
                            phone,
                            dir: 1,
                            k,
                            ap,
                        } if phone == plan.phone
                            && ap == plan.from
                            && n.0 > request_frame
                            && n.0 < next_request
                            && n.1 - request_t <= 5_000 * MS
                            // After a failed roam the phone is back: those frames reach it.
                            && !(failed && resume.is_some_and(|(at, _)| n.1 >= at)) =>
                        {
                            Some((k, n.3))
                        }
                        _ => None,
                    })
                    .collect();
                (!tries.is_empty()).then(|| TruthOldAp {
                    transmissions: tries.len() as u32,
                    retries: tries.iter().filter(|t| t.1).count() as u32,
                    failed_deliveries: tries.iter().filter(|t| !t.1).count() as u32,
                })
            };
            roams.push(TruthRoam {
                station: ph.mac,
                from_bssid: self.aps[plan.from].bssid,
                to_bssid: self.aps[plan.to].bssid,
                key_management: ph.km.name(),
                cckm_in_request: plan.cckm_in_request,
                cckm_in_response: plan.cckm_in_response,
                tspec_in_request: if plan.tspec {
                    vec![TruthTspec {
                        up: 6,
                        tid: 6,
                        direction: "bidirectional",
                    }]
                } else {
                    Vec::new()
                },
                addts,
                eapol,
                deauth,
                outcome: plan.outcome,
                attempts,
                outage_ms,
                status: plan.status,
                request_time: secs(request_t),
                response_time: response.map(|r| secs(r.1)),
                request_frame,
                response_frame: response.map(|r| r.0),
                uplink,
                downlink,
                expected_findings: findings,
                fast_path_offered,
                fast_path_taken,
                handshake_ms: handshake_ns.map(|h| (h as f64 / 1e3).round() / 1e3),
                roam_time_ms: last_old
                    .zip(first_new)
                    .map(|(a, b)| ((b.1 - a.1) as f64 / 1e3).round() / 1e3),
                phases,
                scanning,
                old_ap_after_leaving,
            });
        }
        roams.sort_by_key(|r| r.request_frame);

        let mut streams = Vec::new();
        for (p, ph) in self.phones.iter().enumerate() {
            for dir in 0..2 {
                let mut received = 0u64;
                let mut duplicates = 0u64;
                let (mut lo, mut hi) = (u64::MAX, 0u64);
                let mut last_t: Option<i64> = None;
                let mut max_gap = 0i64;
                for &(_, t, tag, retry) in &numbered {
                    let Tag::Rtp {
                        phone, dir: d, k, ..
                    } = tag
                    else {
                        continue;
                    };
                    if phone != p || d != dir {
                        continue;
                    }
                    if retry {
                        duplicates += 1;
                        continue;
                    }
                    received += 1;
                    lo = lo.min(k);
                    hi = hi.max(k);
                    if let Some(l) = last_t {
                        max_gap = max_gap.max(t - l);
                    }
                    last_t = Some(t);
                }
                if received == 0 {
                    continue;
                }
                let expected = hi - lo + 1;
                streams.push(TruthStream {
                    ssrc: format!("{:#010x}", ph.ssrc[dir]),
                    station: ph.mac,
                    direction: if dir == 0 { "uplink" } else { "downlink" },
                    received,
                    expected,
                    lost: expected - received,
                    duplicates,
                    max_gap_ms: max_gap as f64 / 1e6,
                    rtp_visible: !ph.encrypted,
                });
            }
        }
        let truth = Truth {
            scenario,
            frames: self.frames.len() as u64,
            malformed_frames: 0,
            linktype: options.link.linktype(),
            roams,
            streams,
            format: options.format.name(),
            seed: options.seed,
            multicast: self.multicast.map(|(ssrc, frames)| TruthMulticast {
                ssrc: format!("{ssrc:#010x}"),
                group: "239.192.0.1".into(),
                destination: MacAddr([0x01, 0x00, 0x5e, 0x40, 0x00, 0x01]),
                frames,
            }),
            encryption: self.truth_encryption(),
        };
        Generated {
            bytes: w.finish(),
            truth,
        }
    }

    /// The keys of a really encrypted capture (`--passphrase`, `--wep-key`), and what they
    /// protect.
    fn truth_encryption(&self) -> Option<TruthEncryption> {
        let protected = |subtype_byte: Option<u8>| {
            self.frames
                .iter()
                .filter(|f| {
                    f.bytes.len() > 1
                        && match subtype_byte {
                            Some(b) => f.bytes[0] == b,
                            None => f.bytes[0] & 0x0c == 0x08,
                        }
                        && f.bytes[1] & 0x40 != 0
                })
                .count() as u64
        };
        let group = self
            .frames
            .iter()
            .filter(|f| {
                f.bytes.len() > 4
                    && f.bytes[0] & 0x0c == 0x08
                    && f.bytes[1] & 0x40 != 0
                    && f.bytes[4] & 0x01 != 0
            })
            .count() as u64;
        if let Some(key) = &self.wep_key {
            return Some(TruthEncryption {
                passphrase: None,
                wep_key: Some(key.iter().map(|b| format!("{b:02x}")).collect()),
                ssid: self.ssid.clone(),
                cipher: None,
                handshakes: 0,
                protected_frames: protected(None),
                protected_auth_frames: protected(Some(0xb0)),
                protected_group_frames: group,
                sae_pmks: Vec::new(),
            });
        }
        self.crypto.as_ref().map(|c| TruthEncryption {
            passphrase: Some(c.passphrase.clone()),
            wep_key: None,
            protected_auth_frames: 0,
            protected_group_frames: group,
            ssid: self.ssid.clone(),
            cipher: c.tkip_gtk.map(|_| "tkip"),
            handshakes: self.phones.iter().map(|p| p.ptks.len()).sum(),
            sae_pmks: c
                .sae_pmks
                .iter()
                .map(|k| k.iter().map(|b| format!("{b:02x}")).collect())
                .collect(),
            protected_frames: protected(None),
        })
    }
}
