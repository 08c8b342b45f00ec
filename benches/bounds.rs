//! Memory and time against hostile-but-ordinary input: many distinct stations, many RTP SSRCs,
//! many keys. Writes the captures and key files itself (deterministic, the same bytes on every
//! run) to `target/bench/`, runs `roamgap analyze --format json` on each under
//! `/usr/bin/time`, a timeout and a cap on the address space, and prints a markdown table
//! (also written to `target/bench/bounds.md`).
//!
//!     cargo bench --bench bounds                          # the binary cargo just built
//!     BIN=target/bench/roamgap-before cargo bench --bench bounds
//!     SIZES=10000,100000 CASES=probe,rtp TIMEOUT=60 cargo bench --bench bounds
//!
//! Cases (`CASES`, comma-separated; all by default), each at every count of `SIZES`
//! (10000,100000,1000000 by default):
//!
//! - `probe`: N probe requests, each from a different randomized (locally administered) MAC
//!   address, 50 µs apart;
//! - `data`: an AP beaconing every 102.4 ms and N stations (randomized MACs) sending it three
//!   QoS data frames (UDP, not RTP) each, 20 ms apart, about 670 stations active at once;
//! - `rtp`: one station sending G.711 RTP every 20 ms (radiotap, QoS data, LLC/SNAP, IPv4, UDP,
//!   RTP, unencrypted) through a beaconing AP, a new SSRC in every packet: N SSRCs;
//! - `pmk`, `tk`, `passphrase`: a Wireshark `80211_keys` file of N random PMKs (`wpa-psk`),
//!   temporal keys (`tk`) or passphrases for SSID `voice` (`wpa-pwd`), none of which matches,
//!   given with `--keys` against a small WPA2-PSK capture (`ENC`, by default
//!   `tests/data/encrypted/psk-late-m1.pcap`).
//!
//! Each run: `prlimit --as=MEM_CAP_MB` (8192 by default: an allocation past it fails, the run
//! is reported as `> cap`, the machine never swaps), `timeout -s KILL TIMEOUT` (120 s by
//! default: reported as `> timeout`), peak RSS from `/usr/bin/time -f '%M %e'`, peak anonymous
//! memory from `RssAnon` sampled every 5 ms. `RUNS` (1 by default) runs of each: the fastest
//! time, the largest memory. Needs Linux, `/usr/bin/time` (Debian package `time`), `prlimit`
//! and `timeout`. Never part of `cargo test`.

use roamgap_gen::frames;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bumped whenever the generator writes other bytes, so stale captures are not reused.
const VERSION: u32 = 2;
/// 802.11 link type with a radiotap header (LINKTYPE_IEEE802_11_RADIOTAP).
const LINKTYPE_RADIOTAP: u32 = 127;
/// A beacon interval of 100 TU.
const BEACON_US: u64 = 102_400;
/// G.711 at 20 ms a packet: 160 samples of 8 kHz.
const PTIME_US: u64 = 20_000;
const G711_OCTETS: usize = 160;
const BSSID: [u8; 6] = [0x00, 0x1a, 0x1e, 0x42, 0x00, 0x10];
const GATEWAY: [u8; 6] = [0x00, 0x1a, 0x1e, 0x00, 0x00, 0x01];
const PHONE: [u8; 6] = [0x00, 0x1b, 0x63, 0x12, 0x34, 0x56];
const SSID: &[u8] = b"voice";

/// SplitMix64: a fixed seed gives the same captures and keys on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits + 16);
        while s.len() < digits {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(digits);
        s
    }
}

/// A bijection of u32 (odd multiplications and xor-shifts), so index i gives a distinct,
/// random-looking value: distinct MAC addresses and SSRCs without a set to check them.
fn scramble(i: u32) -> u32 {
    let mut x = i.wrapping_mul(0x9e37_79b1);
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^ (x >> 16)
}

/// A randomized MAC address as phones use for privacy: locally administered, individual
/// (IEEE 802c), distinct for each index.
fn randomized_mac(rng: &mut Rng, i: u32) -> [u8; 6] {
    let r = rng.next();
    let s = scramble(i).to_be_bytes();
    [
        (r as u8 & 0xfc) | 0x02,
        (r >> 8) as u8,
        s[0],
        s[1],
        s[2],
        s[3],
    ]
}

/// A classic pcap file (microsecond timestamps) of radiotap frames.
struct Pcap {
    out: BufWriter<File>,
    frames: u64,
    /// Time of the next beacon, when the capture has an AP.
    next_beacon: Option<u64>,
    beacon_seq: u16,
}

impl Pcap {
    fn create(path: &Path, beacons: bool) -> std::io::Result<Self> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        out.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&65_535u32.to_le_bytes())?;
        out.write_all(&LINKTYPE_RADIOTAP.to_le_bytes())?;
        Ok(Pcap {
            out,
            frames: 0,
            next_beacon: beacons.then_some(0),
            beacon_seq: 0,
        })
    }

    /// Writes a frame at `t_us` after the AP's beacons due before it.
    fn frame(&mut self, t_us: u64, signal_dbm: i8, dot11: &[u8]) -> std::io::Result<()> {
        while let Some(b) = self.next_beacon.filter(|&b| b <= t_us) {
            let beacon = beacon(self.beacon_seq, b);
            self.beacon_seq = self.beacon_seq.wrapping_add(1);
            self.next_beacon = Some(b + BEACON_US);
            self.record(b, -50, &beacon)?;
        }
        self.record(t_us, signal_dbm, dot11)
    }

    fn record(&mut self, t_us: u64, signal_dbm: i8, dot11: &[u8]) -> std::io::Result<()> {
        let rt = radiotap(signal_dbm);
        let len = (rt.len() + dot11.len()) as u32;
        // Starts at 2026-01-01 00:00:00 UTC.
        let t = 1_767_225_600_000_000 + t_us;
        self.out
            .write_all(&((t / 1_000_000) as u32).to_le_bytes())?;
        self.out
            .write_all(&((t % 1_000_000) as u32).to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&rt)?;
        self.out.write_all(dot11)?;
        self.frames += 1;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<u64> {
        self.out.flush()?;
        Ok(self.frames)
    }
}

/// Radiotap: flags, rate 24 Mb/s, channel 36 (5180 MHz, OFDM), antenna signal.
fn radiotap(signal_dbm: i8) -> [u8; 15] {
    let present: u32 = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5);
    let p = present.to_le_bytes();
    let freq = 5180u16.to_le_bytes();
    let chan_flags = 0x0140u16.to_le_bytes();
    [
        0,
        0,
        15,
        0,
        p[0],
        p[1],
        p[2],
        p[3],
        0,
        48,
        freq[0],
        freq[1],
        chan_flags[0],
        chan_flags[1],
        signal_dbm as u8,
    ]
}

/// The 24-octet MAC header of a management frame of `subtype`.
fn mgmt_header(subtype: u8, a1: [u8; 6], a2: [u8; 6], a3: [u8; 6], seq: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(128);
    f.extend([subtype << 4, 0, 0, 0]);
    f.extend(a1);
    f.extend(a2);
    f.extend(a3);
    f.extend((seq << 4).to_le_bytes());
    f
}

const RATES: [u8; 10] = [1, 8, 0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c];

fn beacon(seq: u16, t_us: u64) -> Vec<u8> {
    let mut f = mgmt_header(8, [0xff; 6], BSSID, BSSID, seq);
    f.extend(t_us.to_le_bytes());
    f.extend(100u16.to_le_bytes());
    f.extend(0x0001u16.to_le_bytes()); // ESS, open
    f.extend([0, SSID.len() as u8]);
    f.extend(SSID);
    f.extend(RATES);
    f.extend([3, 1, 36]);
    f
}

/// A wildcard probe request (SSID element of length 0).
fn probe_request(sta: [u8; 6], seq: u16) -> Vec<u8> {
    let mut f = mgmt_header(4, [0xff; 6], sta, [0xff; 6], seq);
    f.extend([0, 0]);
    f.extend(RATES);
    f
}

/// A QoS data frame from `sta` to the AP (To DS) carrying LLC/SNAP, IPv4 and UDP.
#[allow(clippy::too_many_arguments)]
fn qos_data_udp(
    sta: [u8; 6],
    seq: u16,
    tid: u8,
    src: [u8; 4],
    sport: u16,
    dport: u16,
    dscp_tos: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = Vec::with_capacity(64 + payload.len());
    f.extend([0x88, 0x01, 0x2c, 0x00]);
    f.extend(BSSID);
    f.extend(sta);
    f.extend(GATEWAY);
    f.extend((seq << 4).to_le_bytes());
    f.extend([tid, 0]);
    frames::llc_snap(&mut f, 0x0800);
    let flow = frames::UdpFlow {
        src,
        dst: [10, 0, 0, 1],
        sport,
        dport,
        tos: dscp_tos,
    };
    frames::ipv4_udp(&mut f, flow, seq, payload.len());
    f.extend(payload);
    f
}

fn write_probe(path: &Path, n: u32) -> std::io::Result<u64> {
    let mut rng = Rng(0x7072_6f62 ^ u64::from(n));
    let mut pcap = Pcap::create(path, false)?;
    for i in 0..n {
        let sta = randomized_mac(&mut rng, i);
        let seq = (rng.next() & 0xfff) as u16;
        pcap.frame(u64::from(i) * 50, -70, &probe_request(sta, seq))?;
    }
    pcap.finish()
}

/// Station i sends its k-th frame (k = 0, 1, 2) in slot i + 333 k, slots 60 µs apart: each
/// station's frames are 20 ms apart and about 670 stations (40 ms of slots) are active at once.
fn write_data(path: &Path, n: u32) -> std::io::Result<u64> {
    const FRAMES: u32 = 3;
    const LAG: u32 = 333;
    let mut rng = Rng(0x6461_7461 ^ u64::from(n));
    let macs: Vec<[u8; 6]> = (0..n).map(|i| randomized_mac(&mut rng, i)).collect();
    let mut pcap = Pcap::create(path, true)?;
    let payload = [0u8; 32];
    for slot in 0..n + LAG * (FRAMES - 1) {
        for k in 0..FRAMES {
            let Some(i) = slot.checked_sub(LAG * k).filter(|&i| i < n) else {
                continue;
            };
            let t = u64::from(slot) * 60 + u64::from(k) * 20;
            let src = [10, 1 + (i >> 16) as u8, (i >> 8) as u8, i as u8];
            let f = qos_data_udp(
                macs[i as usize],
                k as u16,
                0,
                src,
                40_000,
                9000,
                0,
                &payload,
            );
            pcap.frame(t, -60, &f)?;
        }
    }
    pcap.finish()
}

fn write_rtp(path: &Path, n: u32) -> std::io::Result<u64> {
    let mut pcap = Pcap::create(path, true)?;
    let mut rtp = vec![0xffu8; 12 + G711_OCTETS];
    for i in 0..n {
        rtp[0] = 0x80; // version 2
        rtp[1] = 0; // PCMU
        rtp[2..4].copy_from_slice(&(i as u16).to_be_bytes());
        rtp[4..8].copy_from_slice(&(i.wrapping_mul(G711_OCTETS as u32)).to_be_bytes());
        rtp[8..12].copy_from_slice(&scramble(i ^ 0x5eed).to_be_bytes());
        let f = qos_data_udp(
            PHONE,
            i as u16 & 0xfff,
            6,
            [10, 0, 0, 20],
            16_384,
            20_000,
            0xb8,
            &rtp,
        );
        pcap.frame(1_000 + u64::from(i) * PTIME_US, -55, &f)?;
    }
    pcap.finish()
}

#[derive(Clone, Copy, PartialEq)]
enum Case {
    Probe,
    Data,
    Rtp,
    Pmk,
    Tk,
    Passphrase,
}

impl Case {
    const ALL: [Case; 6] = [
        Case::Probe,
        Case::Data,
        Case::Rtp,
        Case::Pmk,
        Case::Tk,
        Case::Passphrase,
    ];

    fn name(self) -> &'static str {
        match self {
            Case::Probe => "probe",
            Case::Data => "data",
            Case::Rtp => "rtp",
            Case::Pmk => "pmk",
            Case::Tk => "tk",
            Case::Passphrase => "passphrase",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Case::Probe => "probe-only stations",
            Case::Data => "data stations",
            Case::Rtp => "RTP SSRCs",
            Case::Pmk => "PMKs (`wpa-psk`)",
            Case::Tk => "TKs (`tk`)",
            Case::Passphrase => "passphrases (`wpa-pwd`)",
        }
    }

    fn is_keys(self) -> bool {
        matches!(self, Case::Pmk | Case::Tk | Case::Passphrase)
    }
}

fn write_keys(path: &Path, case: Case, n: u32) -> std::io::Result<u64> {
    let mut rng = Rng(0x6b65_7973 ^ (case as u64) << 32 ^ u64::from(n));
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(out, "# {n} random keys, none of which opens anything")?;
    for _ in 0..n {
        match case {
            Case::Pmk => writeln!(out, "\"wpa-psk\",\"{}\"", rng.hex(64))?,
            Case::Tk => writeln!(out, "\"tk\",\"{}\"", rng.hex(32))?,
            _ => writeln!(out, "\"wpa-pwd\",\"{}:voice\"", rng.hex(20))?,
        }
    }
    out.flush()?;
    Ok(u64::from(n))
}

/// The input of a case: generated once (named after the generator's version), then reused.
/// Returns the path and the number of frames (captures) or lines (key files).
fn input(dir: &Path, case: Case, n: u32) -> (PathBuf, u64) {
    let ext = if case.is_keys() { "keys" } else { "pcap" };
    let path = dir.join(format!("bounds-v{VERSION}-{}-{n}.{ext}", case.name()));
    let count_file = path.with_extension(format!("{ext}.count"));
    if let (true, Ok(s)) = (path.exists(), std::fs::read_to_string(&count_file)) {
        if let Ok(count) = s.trim().parse() {
            return (path, count);
        }
    }
    let tmp = path.with_extension("partial");
    let count = match case {
        Case::Probe => write_probe(&tmp, n),
        Case::Data => write_data(&tmp, n),
        Case::Rtp => write_rtp(&tmp, n),
        _ => write_keys(&tmp, case, n),
    }
    .unwrap_or_else(|e| panic!("cannot write {}: {e}", tmp.display()));
    std::fs::rename(&tmp, &path).expect("renames the finished input");
    std::fs::write(&count_file, count.to_string()).expect("writes the count");
    (path, count)
}

enum Outcome {
    Ok,
    Timeout,
    /// An allocation failed under the cap (its size, when the message gives it).
    Cap(Option<u64>),
    Failed(String),
}

struct Measure {
    seconds: f64,
    peak_rss_kb: u64,
    peak_anon_kb: u64,
    outcome: Outcome,
}

struct Limits {
    timeout_s: u64,
    cap_mb: u64,
}

/// The processes below `pid` (its children, theirs, ...).
fn descendants(pid: u32, out: &mut Vec<u32>) {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) else {
        return;
    };
    for c in s.split_whitespace().filter_map(|c| c.parse().ok()) {
        out.push(c);
        descendants(c, out);
    }
}

/// `RssAnon` (anonymous memory now) and `VmHWM` (peak resident memory) of a process, in kB.
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("RssAnon:"), field("VmHWM:"))
}

/// One run of `BIN analyze --format json ARGS`, its standard error kept in `log`.
fn run(bin: &Path, args: &[&Path], limits: &Limits, log: &Path) -> Measure {
    let time_file = log.with_extension("time");
    let _ = std::fs::remove_file(&time_file);
    let start = Instant::now();
    let mut child = Command::new("prlimit")
        .arg(format!("--as={}", limits.cap_mb << 20))
        .arg("--")
        .arg("/usr/bin/time")
        .args(["-f", "%M %e", "-o"])
        .arg(&time_file)
        .args(["timeout", "-s", "KILL", &format!("{}s", limits.timeout_s)])
        .arg(bin)
        .args(["analyze", "--quiet", "--format", "json"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(log).expect("creates the log"))
        .spawn()
        .expect("runs prlimit, /usr/bin/time and timeout (util-linux, time, coreutils)");
    // Sampled as well as `%M`: a process `timeout` kills is not in `/usr/bin/time`'s figure.
    let (mut peak_anon, mut peak_hwm) = (0, 0);
    let mut pids = Vec::new();
    let status = loop {
        pids.clear();
        descendants(child.id(), &mut pids);
        for &p in &pids {
            let (anon, hwm) = memory_kb(p);
            peak_anon = peak_anon.max(anon);
            peak_hwm = peak_hwm.max(hwm);
        }
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(limits.timeout_s + 60) {
            // `timeout` itself did not end it: end this run's processes, by their ids.
            for &p in pids.iter().rev() {
                let _ = Command::new("kill")
                    .args(["-KILL", &p.to_string()])
                    .status();
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = start.elapsed().as_secs_f64();
    let timed = std::fs::read_to_string(&time_file).unwrap_or_default();
    let (rss, seconds) = timed
        .lines()
        .last()
        .and_then(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.parse().ok()?, w.next()?.parse().ok()?))
        })
        .unwrap_or((0, wall));
    let stderr = std::fs::read_to_string(log).unwrap_or_default();
    // Rust's message when an allocation fails: "memory allocation of N bytes failed".
    let failed_allocation = stderr
        .split("memory allocation of ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok());
    let outcome = if status.success() {
        Outcome::Ok
    } else if failed_allocation.is_some() || stderr.contains("Cannot allocate memory") {
        Outcome::Cap(failed_allocation)
    } else if (timed.contains("signal 9") || status.code() == Some(137))
        && seconds >= limits.timeout_s as f64 * 0.99
    {
        Outcome::Timeout
    } else {
        let last = stderr.lines().last().unwrap_or("").chars().take(80);
        Outcome::Failed(format!(
            "exit {:?}: {}",
            status.code(),
            last.collect::<String>()
        ))
    };
    Measure {
        seconds,
        peak_rss_kb: u64::max(rss, peak_hwm),
        peak_anon_kb: peak_anon,
        outcome,
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// 1234567 → "1,234,567".
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing here takes arguments.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = PathBuf::from(env_or("BIN", env!("CARGO_BIN_EXE_roamgap")));
    let bin = if bin.is_absolute() {
        bin
    } else {
        root.join(bin)
    };
    let dir = root.join(env_or("DIR", "target/bench"));
    let enc = root.join(env_or("ENC", "tests/data/encrypted/psk-late-m1.pcap"));
    let sizes: Vec<u32> = env_or("SIZES", "10000,100000,1000000")
        .split(',')
        .map(|s| s.trim().parse().expect("SIZES: counts separated by commas"))
        .collect();
    let cases: Vec<Case> = match std::env::var("CASES") {
        Ok(s) => s
            .split(',')
            .map(|c| {
                *Case::ALL
                    .iter()
                    .find(|k| k.name() == c.trim())
                    .unwrap_or_else(|| panic!("CASES: unknown case `{c}`"))
            })
            .collect(),
        Err(_) => Case::ALL.to_vec(),
    };
    let runs: usize = env_or("RUNS", "1").parse().expect("RUNS: a number");
    let limits = Limits {
        timeout_s: env_or("TIMEOUT", "120").parse().expect("TIMEOUT: seconds"),
        cap_mb: env_or("MEM_CAP_MB", "8192")
            .parse()
            .expect("MEM_CAP_MB: MiB"),
    };
    assert!(bin.exists(), "no binary at {}", bin.display());
    assert!(enc.exists(), "no encrypted capture at {}", enc.display());
    std::fs::create_dir_all(&dir).expect("creates the bench directory");
    let enc_bytes = std::fs::metadata(&enc).map(|m| m.len()).unwrap_or(0);

    let mut table = String::new();
    table.push_str(&format!(
        "binary: {} ({} bytes); {} cores; timeout {} s; address space cap {} MiB; fastest of {runs}\n\n",
        bin.display(),
        std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        limits.timeout_s,
        limits.cap_mb,
    ));
    table.push_str(
        "| case | N | input | wall s | peak RSS MB | peak anon MB | anon B / N | result |\n",
    );
    table.push_str("|---|---|---|---|---|---|---|---|\n");
    print!("{table}");
    for &case in &cases {
        for &n in &sizes {
            eprintln!("bounds: {} {n}: writing the input", case.name());
            let (path, count) = input(&dir, case, n);
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let keys_arg;
            let args: Vec<&Path> = if case.is_keys() {
                keys_arg = PathBuf::from(format!("--keys={}", path.display()));
                vec![keys_arg.as_path(), enc.as_path()]
            } else {
                vec![path.as_path()]
            };
            let input_desc = if case.is_keys() {
                format!(
                    "{} MB key file, {} MB capture",
                    mb(bytes),
                    format_args!("{:.2}", enc_bytes as f64 / 1e6)
                )
            } else {
                format!("{} MB, {} frames", mb(bytes), thousands(count))
            };
            let log = dir.join(format!("bounds-{}-{n}.stderr", case.name()));
            let mut best: Option<Measure> = None;
            for r in 0..runs {
                eprintln!("bounds: {} {n}: run {}", case.name(), r + 1);
                let m = run(&bin, &args, &limits, &log);
                let failed = !matches!(m.outcome, Outcome::Ok);
                best = Some(match best {
                    None => m,
                    Some(b) => Measure {
                        seconds: b.seconds.min(m.seconds),
                        peak_rss_kb: b.peak_rss_kb.max(m.peak_rss_kb),
                        peak_anon_kb: b.peak_anon_kb.max(m.peak_anon_kb),
                        outcome: if failed { m.outcome } else { b.outcome },
                    },
                });
                if failed {
                    break; // another run would fail the same way, only later
                }
            }
            let m = best.expect("at least one run");
            let (wall, result, per) = match &m.outcome {
                Outcome::Ok => (
                    format!("{:.2}", m.seconds),
                    "ok".to_string(),
                    thousands(m.peak_anon_kb * 1024 / u64::from(n.max(1))),
                ),
                Outcome::Timeout => (
                    format!("> {}", limits.timeout_s),
                    "> timeout".to_string(),
                    "–".into(),
                ),
                Outcome::Cap(size) => (
                    format!("{:.2}", m.seconds),
                    match size {
                        Some(b) => format!(
                            "> cap ({} MiB): an allocation of {} MB failed",
                            limits.cap_mb,
                            thousands(b / 1_000_000)
                        ),
                        None => format!("> cap ({} MiB)", limits.cap_mb),
                    },
                    "–".into(),
                ),
                Outcome::Failed(why) => (format!("{:.2}", m.seconds), why.clone(), "–".into()),
            };
            let row = format!(
                "| {} | {} | {input_desc} | {wall} | {:.1} | {:.1} | {per} | {result} |\n",
                case.what(),
                thousands(u64::from(n)),
                m.peak_rss_kb as f64 / 1024.0,
                m.peak_anon_kb as f64 / 1024.0,
            );
            print!("{row}");
            table.push_str(&row);
        }
    }
    let md = dir.join("bounds.md");
    std::fs::write(&md, &table).expect("writes the table");
    eprintln!("bounds: table written to {}", md.display());
}
