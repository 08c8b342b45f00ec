//! Hostile input: damaged captures must give partial results or a clear error, never a
//! panic, a hang or an allocation sized by a length field.

use crate::common;

use common::data;
use roamgap::analysis::Config;
use roamgap::pipeline::{self, Pipeline};
use roamgap_wire::capture::CaptureFile;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Runs the whole analysis; returns the frames read, or None for a clean error.
fn run(name: &str, bytes: Vec<u8>) -> Option<u64> {
    let cap = CaptureFile::from_vec(name, bytes).ok()?;
    // Small segments, so that damage lands in the middle of the split too; the result must
    // be the sequential reading's, damage or not.
    let plan = pipeline::Plan {
        segment_bytes: 16384,
        ..pipeline::Plan::parallel()
    };
    let a = Pipeline::new(&Config::default())
        .plan(plan)
        .analyze(0, &cap)
        .ok()?;
    let report = roamgap_report::Report::new(vec![a]);
    let _ = roamgap_report::render_table(&report);
    let json = report.to_json();
    let s = Pipeline::new(&Config::default())
        .plan(pipeline::Plan::sequential())
        .analyze(0, &cap)
        .ok()?;
    assert!(
        json == roamgap_report::Report::new(vec![s]).to_json(),
        "{name}: segmented and sequential differ"
    );
    Some(report.captures[0].frames)
}

#[test]
fn mutated_captures_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for file in [
        "cckm_missing_ie.pcap",
        "cckm_missing_ie_ns.pcapng",
        "ft_ok_dot11.pcap",
        "addts_refused.pcap",
    ] {
        let original = std::fs::read(data(&format!("synthetic/{file}"))).unwrap();
        for round in 0..400 {
            let mut b = original.clone();
            match round % 4 {
                // Flip bytes anywhere (headers, lengths, elements).
                0 => {
                    for _ in 0..1 + rng.below(64) {
                        let i = rng.below(b.len());
                        b[i] ^= 1 << rng.below(8);
                    }
                }
                // Overwrite a run with random bytes.
                1 => {
                    let at = rng.below(b.len());
                    let n = rng.below(400).min(b.len() - at);
                    for x in &mut b[at..at + n] {
                        *x = rng.next() as u8;
                    }
                }
                // Cut anywhere.
                2 => b.truncate(rng.below(b.len())),
                // Set a length-looking field to huge values.
                _ => {
                    for _ in 0..8 {
                        let i = rng.below(b.len() - 4);
                        b[i..i + 4].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]);
                    }
                }
            }
            let _ = run(file, b);
        }
    }
}

#[test]
fn random_records_after_a_valid_header_never_panic() {
    let mut rng = Rng(12345);
    for linktype in [105u8, 127] {
        for _ in 0..200 {
            let mut b = vec![
                0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0,
                linktype, 0, 0, 0,
            ];
            for _ in 0..rng.below(20) {
                let len = rng.below(300);
                b.extend_from_slice(&[0; 8]);
                b.extend_from_slice(&(len as u32).to_le_bytes());
                b.extend_from_slice(&(len as u32).to_le_bytes());
                // Random bytes, but often a plausible radiotap/802.11 start.
                let mut rec: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                if linktype == 127 && len >= 8 && rng.below(2) == 0 {
                    rec[0] = 0;
                    rec[2] = 8;
                    rec[3] = 0;
                    rec[4..8].fill(0);
                }
                b.extend_from_slice(&rec);
            }
            let frames = run("random.pcap", b);
            assert!(
                frames.is_some(),
                "a valid header with random records still gives a report"
            );
        }
    }
}

#[test]
fn huge_record_length_is_not_allocated() {
    // A record header claiming 2 GiB: stepped over, nothing allocated for it; with nothing
    // else to read, the capture is an error.
    let mut b = vec![
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 127, 0, 0, 0,
    ];
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    b.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    b.extend_from_slice(&[0; 32]);
    let cap = CaptureFile::from_vec("huge.pcap", b).unwrap();
    let err = Pipeline::new(&Config::default())
        .analyze(0, &cap)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "huge.pcap: no frame could be read: 48 bytes skipped from offset 24 (captured length 2147483647 exceeds the snapshot length 65535)"
    );

    // pcapng: a block claiming 4 GiB.
    let mut b = Vec::new();
    b.extend_from_slice(&0x0a0d_0d0au32.to_le_bytes());
    b.extend_from_slice(&28u32.to_le_bytes());
    b.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    b.extend_from_slice(&[1, 0, 0, 0]);
    b.extend_from_slice(&(-1i64).to_le_bytes());
    b.extend_from_slice(&28u32.to_le_bytes());
    b.extend_from_slice(&6u32.to_le_bytes());
    b.extend_from_slice(&0xffff_fff0u32.to_le_bytes());
    b.extend_from_slice(&[0; 40]);
    let cap = CaptureFile::from_vec("huge.pcapng", b).unwrap();
    let err = Pipeline::new(&Config::default())
        .analyze(0, &cap)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("huge.pcapng: no frame could be read: frame 1 is cut short"),
        "{err}"
    );
}

#[test]
fn captures_corrupted_by_editcap() {
    // -E 0.002: a few damaged headers, named by frame; the roam is still found whole.
    let a = Pipeline::new(&Config::default())
        .analyze(
            0,
            &CaptureFile::open(&data("corrupted/cckm-missing-ie-E0.002.pcap")).unwrap(),
        )
        .unwrap();
    let c = &a.summary.counters;
    // Frames 475 and 607 got protocol versions 1 and 2: not 802.11 frames roamgap reads (tshark:
    // "unknown protocol version"), not malformed ones.
    assert_eq!(
        (c.frames, c.malformed, c.bad_fcs, c.unknown_version),
        (700, 1, 1, 2)
    );
    let frames: Vec<u64> = c.issues.iter().map(|i| i.frame).collect();
    assert_eq!(frames, [660]);
    assert_eq!(a.analysis.roams.len(), 1);
    let r = &a.analysis.roams[0];
    assert_eq!(r.request_frame, 451);
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["cckm-ie-missing", "deauth-after-roam", "long-gap"]);

    // -E 0.02: one frame in ten damaged; every frame is still read and accounted for.
    let a = Pipeline::new(&Config::default())
        .analyze(
            0,
            &CaptureFile::open(&data("corrupted/cckm-missing-ie-E0.02.pcap")).unwrap(),
        )
        .unwrap();
    let c = &a.summary.counters;
    // 32 frames got a protocol version other than 0 (tshark finds 38 such frames: the other 6
    // also fail their FCS, which roamgap checks first).
    assert_eq!(
        (c.frames, c.malformed, c.bad_fcs, c.unknown_version),
        (700, 58, 11, 32)
    );
    assert!(a.summary.truncated.is_none());
    assert_eq!(a.analysis.roams.len(), 1);
}

#[test]
fn fuzz_regression_ip_length_below_the_udp_header() {
    // Found by `cargo fuzz run linklayer`: an Ethernet/IPv4 frame whose IP total length
    // leaves no room for the UDP header made the remote-capture reader index past it.
    let record: &[u8] = &[
        0x00, 0x50, 0x56, 0x00, 0x00, 0x09, 0x00, 0x3a, 0x98, 0x00, 0x00, 0xa0, 0x08, 0x00, 0x45,
        0x6c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x77, 0x00, 0x00, 0x02, 0x0a, 0x66,
        0x0a, 0x00, 0x00, 0x09, 0x15, 0xb3, 0x13, 0x88, 0x00, 0x58, 0x00, 0x3c, 0x00, 0x3c, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x08, 0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24, 0x03, 0x01, 0x0b,
        0x65, 0x2c, 0x03, 0x38, 0x2e,
    ];
    let r = roamgap_wire::linklayer::decode(
        roamgap_wire::capture::LinkType::ETHERNET,
        record,
        0,
        &Default::default(),
    );
    assert!(
        matches!(r, Err(roamgap_wire::linklayer::LinkError::NotWireless)),
        "{r:?}"
    );
}

#[test]
fn mutated_encrypted_captures_never_panic_when_decrypting() {
    // Damaged handshakes, FT elements and CCMP frames, with the right key and a wrong one:
    // the same result read in order and in segments, never a panic.
    let mut ring = roamgap::crypto::keys::KeyRing::default();
    ring.add_passphrase("roamgap voice 1:voice").unwrap();
    ring.add_passphrase("not the passphrase:voice").unwrap();
    ring.add_tk("00112233445566778899aabbccddeeff").unwrap();
    let mut rng = Rng(0x5eed_cafe_f00d_0007);
    for file in ["psk-late-m1.pcap", "ft-ok.pcap"] {
        let original = std::fs::read(data(&format!("encrypted/{file}"))).unwrap();
        for round in 0..60 {
            let mut b = original.clone();
            if round % 2 == 0 {
                for _ in 0..1 + rng.below(200) {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            } else {
                let at = rng.below(b.len());
                let n = rng.below(2000).min(b.len() - at);
                for x in &mut b[at..at + n] {
                    *x = rng.next() as u8;
                }
            }
            let Ok(cap) = CaptureFile::from_vec(file, b) else {
                continue;
            };
            let plan = pipeline::Plan {
                segment_bytes: 16384,
                ..pipeline::Plan::parallel()
            };
            let keyed = |plan: &pipeline::Plan| {
                Pipeline::new(&Config::default())
                    .plan(*plan)
                    .keys(Some(&ring))
                    .analyze(0, &cap)
                    .ok()
                    .map(|a| roamgap_report::Report::new(vec![a]).to_json())
            };
            assert_eq!(
                keyed(&plan),
                keyed(&pipeline::Plan::sequential()),
                "{file} round {round}"
            );
        }
    }
}

#[test]
fn protected_data_frames_too_short_for_their_cipher_are_malformed() {
    // Protected data frames (station -> AP) whose bodies are: 0 and 3 bytes (no room for the
    // IV and Key ID: tshark 4.0.17 calls these two malformed), 7 bytes of WEP (no ICV) and 15
    // of CCMP (Ext IV set, no room for header and MIC): damage, not ciphertext, flagged with
    // their frame numbers (tshark stops at the IV, so it does not); then 8 bytes of WEP and
    // 16 of CCMP, which fit.
    let bodies: [Vec<u8>; 6] = [
        vec![],
        vec![1, 0, 0],
        vec![1, 0, 0, 0x00, 9, 9, 9],
        [&[1u8, 0, 0, 0x20, 0, 0, 0, 0][..], &[9; 7]].concat(),
        vec![1, 0, 0, 0x00, 9, 9, 9, 9],
        [&[1u8, 0, 0, 0x20, 0, 0, 0, 0][..], &[9; 8]].concat(),
    ];
    let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    pcap.extend(65535u32.to_le_bytes());
    pcap.extend(105u32.to_le_bytes());
    for (i, body) in bodies.iter().enumerate() {
        let mut f = vec![0x08, 0x41, 0, 0];
        f.extend([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
        f.extend(((i as u16) << 4).to_le_bytes());
        f.extend(body);
        pcap.extend((1000 + i as u32).to_le_bytes());
        pcap.extend(0u32.to_le_bytes());
        pcap.extend((f.len() as u32).to_le_bytes());
        pcap.extend((f.len() as u32).to_le_bytes());
        pcap.extend(f);
    }
    let report = common::analyze_bytes("short-protected.pcap", pcap);
    let c = &report["captures"][0];
    assert_eq!(c["protected"], 6);
    assert_eq!(c["malformed"], 4);
    let issues: Vec<(u64, String)> = c["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["frame"].as_u64().unwrap(),
                i["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let frames: Vec<u64> = issues.iter().map(|i| i.0).collect();
    assert_eq!(frames, [1, 2, 3, 4], "{issues:?}");
    assert!(
        issues[2]
            .1
            .contains("WEP IV and ICV needs 8 bytes, the frame has 7"),
        "{issues:?}"
    );
    assert!(
        issues[3]
            .1
            .contains("cipher header and MIC needs 16 bytes, the frame has 15"),
        "{issues:?}"
    );
}
