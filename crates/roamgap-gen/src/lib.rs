//! `roamgap gen`: writes synthetic roaming captures with their exact truth.
//!
//! A scenario is a set of phones in G.711 calls (RTP every 20 ms each way in QoS Data, UP 6)
//! that roam between APs in a given way (healthy CCKM, CCKM element missing, late EAPOL M1,
//! FT, ADDTS refused, ...). The simulator plans each roam's phases, then the voice packets
//! around the outages, then sorts every frame by time. The truth is read back from the
//! frames as written (their final numbers and quantized times), following the definitions of
//! `docs/METRICS.md`, never from the analyzer.
//!
//! The modules follow the simulator's jobs: `scenarios` (what each scenario sets up),
//! `sim` (the network, its phones and the frame queue), `roam` (the kinds of roam),
//! `exchange` (the management and EAPOL exchanges a roam is made of), `keys` (the real
//! cryptography of encrypted captures), `voice` (the RTP calls) and `truth` (what the capture
//! holds, read back from the frames as written).
//!
//! ```
//! use roamgap_gen::{generate, FileFormat, Link, Options};
//!
//! let options = Options { seed: 1, format: FileFormat::Pcap, link: Link::Radiotap };
//! let generated = generate("cckm-missing-ie", &options).unwrap();
//! assert_eq!(&generated.bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]); // pcap, little-endian µs
//! // The truth lists what the scenario injected, not what an analyzer would conclude.
//! let roams = &generated.truth.roams;
//! assert!(!roams.is_empty());
//! assert!(roams.iter().all(|r| r.expected_findings.contains(&"cckm-ie-missing")));
//! ```
#![deny(unsafe_code)]

mod exchange;
/// Frame builders (802.11 headers, elements, LLC/SNAP, IPv4/UDP/RTP, EAPOL): also used by the
/// benchmarks that write their own captures.
pub mod frames;
mod keys;
mod roam;
mod scenarios;
mod sim;
mod truth;
mod voice;
mod writer;

use keys::SimCrypto;
use roamgap_wire::dot11::MacAddr;
use scenarios::Scenario;
pub use scenarios::SCENARIOS;
use sim::{KeyMgmt, Sim};
use truth::Truth;
use writer::Writer;
pub use writer::{FileFormat, Link};

/// Generation settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Seed of the randomized timings, addresses and retransmissions: the same seed writes
    /// the same bytes.
    pub seed: u64,
    /// The capture container.
    pub format: FileFormat,
    /// The link layer each frame is written with.
    pub link: Link,
}

/// A generated capture and its truth.
pub struct Generated {
    /// The capture file, whole.
    pub bytes: Vec<u8>,
    /// What it holds, read back from the frames as written.
    pub truth: Truth,
}

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
    if name == Scenario::MulticastVoice {
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

/// The scenario of that name, or an error that lists the known ones.
fn scenario_name(scenario: &str) -> Result<Scenario, String> {
    Scenario::from_name(scenario).ok_or_else(|| {
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
    /// Records written.
    pub frames: u64,
    /// Bytes written, headers included.
    pub bytes: u64,
    /// Phones in calls.
    pub phones: usize,
    /// Roams planned.
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

/// The `big` capture on `sim` (clear or encrypted): roams planned for the whole capture,
/// then voice made and written one second at a time so that memory stays small.
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
    /// The channel this sniffer listened on.
    pub channel: u16,
    /// This sniffer's clock minus the reference clock.
    pub offset_ns: i64,
    /// Its capture file, whole.
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
    /// The next 64 random bits.
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
    /// True one time in `one_in`.
    fn chance(&mut self, one_in: u64) -> bool {
        self.next() % one_in == 0
    }
    /// A random address under the vendor's OUI.
    fn mac(&mut self, oui: [u8; 3]) -> MacAddr {
        let r = self.next().to_le_bytes();
        MacAddr([oui[0], oui[1], oui[2], r[0], r[1], r[2]])
    }
}

/// A millisecond in the simulator's unit, nanoseconds.
const MS: i64 = 1_000_000;

/// A microsecond in nanoseconds.
const US: i64 = 1_000;

/// G.711 packetization: one RTP packet each way every 20 ms.
const VOICE_PERIOD: i64 = 20 * MS;
