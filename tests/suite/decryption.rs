//! Decryption with known keys, against two oracles: tshark (it decrypts the same frames to the
//! same RTP packets, `tests/data/encrypted/*.tshark.json`, recorded by `record.sh` there) and
//! the generator (the decrypted roams are the truth's, and those of the same scenario in the
//! clear).

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{analyze_keyed as analyze, compare_with_truth, data, decrypted_frames, read_json};
use roamgap::analysis::{Config, GapSource};
use roamgap::crypto::keys::KeyRing;
use roamgap::events::EventKind;
use roamgap::pipeline::{Pipeline, Plan};
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_report::Report;
use roamgap_wire::capture::CaptureFile;
use serde_json::Value;

const CAPTURES: [&str; 6] = [
    "psk-late-m1",
    "psk-ok-ng",
    "multi-phone",
    "ft-ok",
    "ft-over-ds",
    "sae-ok",
];

/// WEP captures (`record-wep.sh`): Shared Key authentication and voice under WEP-104 and
/// WEP-40.
const WEP_CAPTURES: [&str; 2] = ["wep-shared-key", "wep-shared-key-40"];

/// TKIP captures (`record-tkip.sh`): `roamgap gen --passphrase --cipher tkip`.
const TKIP_CAPTURES: [&str; 1] = ["psk-tkip"];

fn capture(name: &str) -> PathBuf {
    data(&format!("encrypted/{name}.pcap"))
}

fn ring_of(truth: &Value) -> KeyRing {
    let mut ring = KeyRing::default();
    let e = &truth["encryption"];
    if let Some(key) = e["wep_key"].as_str() {
        ring.add_wep(key).unwrap();
        return ring;
    }
    ring.add_passphrase(&format!(
        "{}:{}",
        e["passphrase"].as_str().unwrap(),
        e["ssid"].as_str().unwrap()
    ))
    .unwrap();
    // SAE's PMKs come from the SAE exchanges, not from the passphrase.
    for pmk in e["sae_pmks"].as_array().into_iter().flatten() {
        ring.add_pmk(pmk.as_str().unwrap()).unwrap();
    }
    ring
}

/// Every RTP packet roamgap finds: (frame, SSRC, sequence number).
fn rtp_packets(path: &std::path::Path, ring: Option<&KeyRing>) -> BTreeSet<(u64, String, u64)> {
    let cap = CaptureFile::open(path).unwrap();
    let mut out = BTreeSet::new();
    Pipeline::new(&Config::default())
        .keys(ring)
        .visit(&cap, |e| {
            if let EventKind::Rtp { ssrc, sequence, .. } = e.kind {
                out.insert((e.frame, format!("{ssrc:#010x}"), u64::from(sequence)));
            }
        })
        .unwrap();
    out
}

#[test]
fn roamgap_decrypts_exactly_the_rtp_packets_tshark_decrypts() {
    for name in CAPTURES
        .into_iter()
        .chain(WEP_CAPTURES)
        .chain(TKIP_CAPTURES)
    {
        let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
        let oracle = read_json(&data(&format!("encrypted/{name}.tshark.json")));
        let ring = ring_of(&truth);
        let clear = rtp_packets(&capture(name), None);
        let keyed = rtp_packets(&capture(name), Some(&ring));
        let decrypted: BTreeSet<_> = keyed.difference(&clear).cloned().collect();
        let want: BTreeSet<(u64, String, u64)> = oracle["decrypted_rtp"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r[0].as_u64().unwrap(),
                    r[1].as_str().unwrap().to_string(),
                    r[2].as_u64().unwrap(),
                )
            })
            .collect();
        assert!(!want.is_empty());
        assert_eq!(decrypted.len(), want.len(), "{name}");
        assert!(
            decrypted == want,
            "{name}: roamgap and tshark decrypt different packets"
        );
        assert_eq!(keyed.len() as u64, oracle["rtp_with_key"].as_u64().unwrap());
        assert_eq!(
            clear.len() as u64,
            oracle["rtp_without_key"].as_u64().unwrap()
        );

        let report = analyze(&capture(name), Some(&ring));
        let d = &report["captures"][0]["decryption"];
        // The voice, and the third frame of each Shared Key authentication.
        let auth_frames = truth["encryption"]["protected_auth_frames"]
            .as_u64()
            .unwrap_or(0);
        assert_eq!(
            d["decrypted"].as_u64().unwrap(),
            want.len() as u64 + auth_frames,
            "{name}"
        );
        assert_eq!(d["mic_failures"], 0);
        let protected = truth["encryption"]["protected_frames"].as_u64().unwrap() + auth_frames;
        // The frames no key opens are the other phone's (fake ciphertext, no handshake).
        assert_eq!(
            d["decrypted"].as_u64().unwrap() + d["no_key"].as_u64().unwrap(),
            protected,
            "{name}"
        );
        // Every 4-way handshake and fast transition the generator keyed for real.
        assert_eq!(
            d["handshakes_with_key"].as_u64().unwrap()
                + d["fast_transitions_with_key"].as_u64().unwrap(),
            truth["encryption"]["handshakes"].as_u64().unwrap(),
            "{name}"
        );
        // The keys are named by fingerprint only.
        let text = report.to_string();
        let e = &truth["encryption"];
        let secret = e["passphrase"].as_str().or(e["wep_key"].as_str()).unwrap();
        assert!(!text.contains(secret), "{name}");
    }
}

#[test]
fn decrypted_roams_are_the_truth_and_those_of_the_same_scenario_in_the_clear() {
    for name in CAPTURES
        .into_iter()
        .chain(["multicast-voice"])
        .chain(TKIP_CAPTURES)
    {
        let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
        let report = analyze(&capture(name), Some(&ring_of(&truth)));
        compare_with_truth(&report, &truth, name);

        // The same scenario and seed without encryption: the same gaps and losses.
        let options = Options {
            seed: truth["seed"].as_u64().unwrap(),
            format: FileFormat::from_name(truth["format"].as_str().unwrap()).unwrap(),
            link: Link::Radiotap,
        };
        let clear = gen::generate(truth["scenario"].as_str().unwrap(), &options).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clear.pcap");
        std::fs::write(&path, &clear.bytes).unwrap();
        let plain = analyze(&path, None);
        let (a, b) = (
            report["roams"].as_array().unwrap(),
            plain["roams"].as_array().unwrap(),
        );
        assert_eq!(a.len(), b.len(), "{name}");
        for (x, y) in a.iter().zip(b) {
            for dir in ["uplink", "downlink"] {
                assert_eq!(x[dir]["lost"], y[dir]["lost"], "{name} {dir}");
                assert_eq!(x[dir]["measured_from"], y[dir]["measured_from"]);
                let (g, h) = (x[dir]["gap_ms"].as_f64(), y[dir]["gap_ms"].as_f64());
                assert!(
                    match (g, h) {
                        (Some(g), Some(h)) => (g - h).abs() < 0.002,
                        (g, h) => g == h,
                    },
                    "{name} {dir}: {g:?} vs {h:?}"
                );
            }
            let codes = |r: &Value| -> Vec<String> {
                r["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["code"].as_str().unwrap().to_string())
                    .collect()
            };
            assert_eq!(codes(x), codes(y), "{name}");
        }
    }
}

#[test]
fn without_the_key_gaps_come_from_frame_timing_and_the_report_says_so() {
    let name = "psk-late-m1";
    let report = analyze(&capture(name), None);
    assert!(report["captures"][0]["decryption"].is_null());
    for r in report["roams"].as_array().unwrap() {
        for dir in ["uplink", "downlink"] {
            assert_eq!(r[dir]["measured_from"], "frames");
            assert_eq!(r[dir]["lost_estimated"], true);
        }
    }
    let a = Pipeline::new(&Config::default())
        .analyze(0, &CaptureFile::open(&capture(name)).unwrap())
        .unwrap();
    let warnings = Report::new(vec![a]).warnings().join("\n");
    assert!(
        warnings.contains("gaps are measured from frame timing")
            && warnings.contains("--psk passphrase:SSID"),
        "{warnings}"
    );
}

#[test]
fn a_wrong_passphrase_decrypts_nothing_and_a_temporal_key_decrypts_alone() {
    let name = "psk-ok-ng";
    let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
    let protected = truth["encryption"]["protected_frames"].as_u64().unwrap();
    let mut wrong = KeyRing::default();
    wrong.add_passphrase("not the passphrase:voice").unwrap();
    let report = analyze(&capture(name), Some(&wrong));
    let d = &report["captures"][0]["decryption"];
    assert_eq!(d["decrypted"], 0);
    assert_eq!(d["handshakes_with_key"], 0);
    assert_eq!(d["no_key"].as_u64().unwrap(), protected);

    // The TKs the passphrase derives, given directly, decrypt the same frames.
    let mut tks = KeyRing::default();
    for hex in derived_tks(name, &truth) {
        tks.add_tk(&hex).unwrap();
    }
    assert_eq!(
        tks.tks.len(),
        truth["encryption"]["handshakes"].as_u64().unwrap() as usize
    );
    let report = analyze(&capture(name), Some(&tks));
    assert_eq!(
        report["captures"][0]["decryption"]["decrypted"]
            .as_u64()
            .unwrap(),
        protected
    );
}

/// The temporal keys (hex) of every handshake of a generated encrypted capture, derived with
/// its passphrase.
fn derived_tks(name: &str, truth: &Value) -> Vec<String> {
    let cap = CaptureFile::open(&capture(name)).unwrap();
    let schedule = Pipeline::new(&Config::default())
        .keys(Some(&ring_of(truth)))
        .key_schedule(&cap)
        .unwrap()
        .unwrap();
    let station = truth["roams"][0]["station"].as_str().unwrap();
    let mac = |s: &str| {
        let v: Vec<u8> = s
            .split(':')
            .map(|x| u8::from_str_radix(x, 16).unwrap())
            .collect();
        roamgap_wire::dot11::MacAddr::from_slice(&v)
    };
    let mut out = Vec::new();
    for r in truth["roams"].as_array().unwrap() {
        for ap in ["from_bssid", "to_bssid"] {
            for tk in schedule.pairwise_keys(mac(station), mac(r[ap].as_str().unwrap()), i64::MAX) {
                out.push(tk.tk().iter().map(|b| format!("{b:02x}")).collect());
            }
        }
    }
    out
}

#[test]
fn a_long_list_of_keys_opens_what_the_right_keys_open_trying_each_link_once() {
    // Beyond a few keys given directly, each link is matched to its keys on its first frames
    // instead of every key being tried on every frame (a key file of 100,000 TKs once cost
    // 100,000 MIC checks per frame). The frames opened, failed and left without a key must be
    // the same as with the right keys alone.
    let name = "psk-ok-ng";
    let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
    let right = derived_tks(name, &truth);
    let counters = |ring: &KeyRing| {
        let d = analyze(&capture(name), Some(ring))["captures"][0]["decryption"].clone();
        ["decrypted", "mic_failures", "no_key"].map(|k| d[k].as_u64().unwrap())
    };
    let mut alone = KeyRing::default();
    right.iter().for_each(|k| alone.add_tk(k).unwrap());
    let mut many = KeyRing::default();
    for i in 0..300u32 {
        let wrong: String = (0..16)
            .map(|j| format!("{:02x}", (i * 7 + j * 13) as u8 ^ 0x5c))
            .collect();
        many.add_tk(&wrong).unwrap();
        if i % 10 == 0 {
            many.add_wep(&format!("{:010x}", 0x1f00_0000u64 + u64::from(i)))
                .unwrap();
        }
    }
    let mut only_wrong = many.clone();
    right.iter().for_each(|k| many.add_tk(k).unwrap());
    let protected = truth["encryption"]["protected_frames"].as_u64().unwrap();
    assert_eq!(counters(&alone), [protected, 0, 0]);
    assert_eq!(counters(&many), counters(&alone));
    // Keys that open nothing fail every frame, as one wrong key does.
    let mut one_wrong = KeyRing::default();
    one_wrong.add_tk(&"5a".repeat(16)).unwrap();
    only_wrong.add_tk(&"5a".repeat(16)).unwrap();
    assert_eq!(counters(&only_wrong), counters(&one_wrong));
    assert_eq!(counters(&one_wrong)[1], protected);
    // The index is in use: every link with protected frames was matched once.
    let cap = CaptureFile::open(&capture(name)).unwrap();
    let schedule = Pipeline::new(&Config::default())
        .keys(Some(&many))
        .key_schedule(&cap)
        .unwrap()
        .unwrap();
    let links = schedule
        .given_key_links()
        .expect("an index of the keys given");
    assert!(links >= 2, "{links}");
    let few = Pipeline::new(&Config::default())
        .keys(Some(&alone))
        .key_schedule(&cap)
        .unwrap()
        .unwrap();
    assert_eq!(few.given_key_links(), None);
}

#[test]
fn the_encrypted_captures_are_what_the_generator_writes() {
    for name in CAPTURES {
        let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
        let options = Options {
            seed: truth["seed"].as_u64().unwrap(),
            format: FileFormat::from_name(truth["format"].as_str().unwrap()).unwrap(),
            link: Link::Radiotap,
        };
        let g = gen::generate_encrypted(
            truth["scenario"].as_str().unwrap(),
            &options,
            truth["encryption"]["passphrase"].as_str().unwrap(),
        )
        .unwrap();
        assert!(
            g.bytes == std::fs::read(capture(name)).unwrap(),
            "{name}: `roamgap gen --passphrase` no longer writes this capture"
        );
    }
    // A scenario without a WPA2-PSK phone cannot be encrypted this way.
    let options = Options {
        seed: 1,
        format: FileFormat::Pcap,
        link: Link::Radiotap,
    };
    assert!(gen::generate_encrypted("cckm-ok", &options, "roamgap voice 1").is_err());
    assert!(gen::generate_encrypted("psk-ok", &options, "short").is_err());
}

#[test]
fn decryption_is_the_same_read_in_order_in_segments_and_in_chunks() {
    for name in CAPTURES {
        let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
        let ring = ring_of(&truth);
        let cap = CaptureFile::open(&capture(name)).unwrap();
        let run = |plan: &Plan| {
            let a = Pipeline::new(&Config::default())
                .plan(*plan)
                .keys(Some(&ring))
                .analyze(0, &cap)
                .unwrap();
            (a.summary.segments, Report::new(vec![a]).to_json())
        };
        let (_, in_order) = run(&Plan::sequential());
        // Small segments and chunks: most frames are decoded far from their handshake, in a
        // segment that numbers its frames from 1.
        let (segments, parallel) = run(&Plan {
            segment_bytes: 32 * 1024,
            batch_records: 997,
            chunk_records: 61,
            ..Plan::parallel()
        });
        if !truth["format"].as_str().unwrap().starts_with("pcapng") {
            // (pcapng is read in order, in parallel chunks.)
            assert!(segments > 10, "{name}: {segments} segments");
        }
        assert!(in_order == parallel, "{name}: the plans disagree");
        let v: Value = serde_json::from_str(&in_order).unwrap();
        assert_eq!(v["captures"][0]["decryption"]["mic_failures"], 0, "{name}");
    }
}

#[test]
fn temporal_keys_decrypt_ccmp_256_and_gcmp_too() {
    // Four frames, the same plaintext under CCMP-128, CCMP-256, GCMP-128 and GCMP-256 (the
    // vectors of `crypto::ccmp`'s tests; tshark decrypts frames 1 and 3 with the 16-byte key
    // and 2 and 4 with the 32-byte one).
    let path = data("encrypted/ciphers.pcap");
    for (tk, frames) in [
        ("c97c1f67ce371185514a8a19f2bdd52f", [1u64, 3]),
        (
            "c97c1f67ce371185514a8a19f2bdd52f000102030405060708090a0b0c0d0e0f",
            [2, 4],
        ),
    ] {
        let mut ring = KeyRing::default();
        ring.add_tk(tk).unwrap();
        let cap = CaptureFile::open(&path).unwrap();
        // A decrypted frame's body is plain data (no LLC/SNAP here); the others stay protected.
        let mut opened = Vec::new();
        let summary = Pipeline::new(&Config::default())
            .keys(Some(&ring))
            .visit(&cap, |e| {
                if e.kind
                    == (EventKind::Data {
                        protected: false,
                        null: false,
                    })
                {
                    opened.push(e.frame);
                }
            })
            .unwrap();
        assert_eq!(opened, frames, "{tk}");
        assert_eq!(summary.counters.decrypted, 2, "{tk}");
        assert_eq!(summary.counters.decrypt_failed, 2, "{tk}");
    }
}

#[test]
fn the_first_pass_in_parallel_segments_finds_what_an_ordered_scan_finds() {
    // A capture of several segments: 4 phones (PSK, FT-PSK, 802.1X, CCKM) for 80 s.
    let options = Options {
        seed: 11,
        format: FileFormat::Pcap,
        link: Link::Radiotap,
    };
    let mut bytes = Vec::new();
    gen::generate_big_encrypted(&options, 4, 80.0 / 60.0, "roamgap voice 1", &mut bytes).unwrap();
    let cap = CaptureFile::from_vec("big", bytes).unwrap();
    assert!(cap.bytes().len() > 8 << 20, "{} bytes", cap.bytes().len());
    let segmented = Pipeline::new(&Config::default()).key_frames(&cap).unwrap();
    // Each BSS's and station's SSID is kept once.
    let ordered = Pipeline::new(&Config::default())
        .plan(Plan::sequential())
        .key_frames(&cap)
        .unwrap();
    assert!(segmented.len() > 20);
    assert!(
        segmented == ordered,
        "the segments disagree with the ordered scan"
    );

    let mut ring = KeyRing::default();
    ring.add_passphrase("roamgap voice 1:voice").unwrap();
    let a = Pipeline::new(&Config::default())
        .plan(Plan::parallel())
        .keys(Some(&ring))
        .analyze(0, &cap)
        .unwrap();
    assert!(a.summary.segments > 1);
    let c = &a.summary.counters;
    assert!(c.decrypted > 10_000, "{}", c.decrypted);
    assert_eq!((c.decrypt_failed, c.no_key), (0, 0));
    assert_eq!(c.decrypted, c.protected);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn shared_key_authentication_and_wep_voice_are_the_truth_and_what_tshark_decrypts() {
    for name in WEP_CAPTURES {
        let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
        let oracle = read_json(&data(&format!("encrypted/{name}.tshark.json")));
        let e = &truth["encryption"];
        let key = hex(e["wep_key"].as_str().unwrap());
        let options = Options {
            seed: truth["seed"].as_u64().unwrap(),
            format: FileFormat::from_name(truth["format"].as_str().unwrap()).unwrap(),
            link: Link::Radiotap,
        };
        let scenario = truth["scenario"].as_str().unwrap();
        let g = gen::generate_wep(scenario, &options, &key).unwrap();
        assert!(
            g.bytes == std::fs::read(capture(name)).unwrap(),
            "{name}: `roamgap gen --wep-key` no longer writes this capture"
        );

        // What tshark sees: every protected frame is the truth's, every data frame decrypts.
        let (data_frames, auth_frames) = (
            e["protected_frames"].as_u64().unwrap(),
            e["protected_auth_frames"].as_u64().unwrap(),
        );
        assert_eq!(
            oracle["protected_frames"].as_u64().unwrap(),
            data_frames + auth_frames,
            "{name}"
        );
        assert_eq!(
            oracle["decrypted_data_frames"].as_u64().unwrap(),
            data_frames,
            "{name}"
        );
        // Each roam authenticates with Shared Key: four frames of algorithm 1, the third
        // protected, and, once tshark decrypts it, carrying the challenge of the second.
        let with_key = oracle["auth_with_key"].as_array().unwrap();
        let firsts: Vec<&Value> = with_key
            .iter()
            .filter(|a| a["sequence"] == 1 && a["retry"] == false)
            .collect();
        assert_eq!(firsts.len(), truth["roams"].as_array().unwrap().len());
        let mut answered = 0;
        for (i, a) in with_key.iter().enumerate() {
            assert_eq!(a["algorithm"], 1, "{name} frame {}", a["frame"]);
            assert_eq!(a["status"], 0);
            assert_eq!(a["protected"], a["sequence"] == 3);
            if a["sequence"] == 3 {
                let challenge = with_key[..i]
                    .iter()
                    .rev()
                    .find(|b| b["sequence"] == 2)
                    .map(|b| &b["challenge"])
                    .unwrap();
                assert_eq!(a["challenge"].as_str().unwrap().len(), 256);
                assert_eq!(&a["challenge"], challenge, "{name} frame {}", a["frame"]);
                answered += 1;
            }
        }
        assert_eq!(answered, auth_frames, "{name}");
        // Without the key tshark reads nothing of the third frame.
        let without = oracle["auth_without_key"].as_array().unwrap();
        assert_eq!(without.len(), with_key.len());
        assert_eq!(
            without.iter().filter(|a| a["sequence"].is_null()).count() as u64,
            auth_frames
        );

        // roamgap with the key: every protected frame opens, and the roams are the truth's,
        // their authentication phase running from the first frame to the fourth.
        let report = analyze(&capture(name), Some(&ring_of(&truth)));
        let d = &report["captures"][0]["decryption"];
        assert_eq!(d["protected"].as_u64().unwrap(), data_frames + auth_frames);
        assert_eq!(
            d["decrypted"].as_u64().unwrap(),
            data_frames + auth_frames,
            "{name}"
        );
        assert_eq!((&d["no_key"], &d["mic_failures"]), (&0.into(), &0.into()));
        compare_with_truth(&report, &truth, name);
        for (r, a) in report["roams"].as_array().unwrap().iter().zip(&firsts) {
            let auth = r["phases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "authentication")
                .unwrap();
            assert_eq!(auth["start_frame"], a["frame"]);
            assert_eq!(
                auth["end_frame"].as_u64().unwrap(),
                a["frame"].as_u64().unwrap() + 3
            );
            for dir in ["uplink", "downlink"] {
                assert_eq!(r[dir]["measured_from"], "rtp", "{name} {dir}");
            }
        }

        // Without a key the scenario writes WEP-shaped bytes with the same timing: the same
        // frames, roams and phases, the voice gaps then from frame timing.
        let clear = gen::generate(scenario, &options).unwrap();
        assert_eq!(clear.bytes.len(), g.bytes.len(), "{name}");
        assert_eq!(clear.truth.frames, g.truth.frames);
        assert!(clear.truth.encryption.is_none());
        for (a, b) in clear.truth.roams.iter().zip(&g.truth.roams) {
            assert_eq!(
                (a.request_frame, a.response_frame, &a.phases),
                (b.request_frame, b.response_frame, &b.phases)
            );
            assert_eq!(a.uplink.as_ref().unwrap().measured_from, GapSource::Frames);
            assert_eq!(b.uplink.as_ref().unwrap().measured_from, GapSource::Rtp);
        }
    }
    // Only a scenario with WEP phones, and only a 40- or 104-bit key.
    let options = Options {
        seed: 1,
        format: FileFormat::Pcap,
        link: Link::Radiotap,
    };
    assert!(gen::generate_wep("psk-ok", &options, &[1; 13]).is_err());
    assert!(gen::generate_wep("wep-shared-key", &options, &[1; 16]).is_err());
    assert!(gen::generate_wep("wep", &options, &[1; 5]).is_ok());
}

#[test]
fn group_addressed_voice_opens_with_the_gtk_of_message_3_as_tshark_opens_it() {
    let name = "multicast-voice";
    let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
    let oracle = read_json(&data(&format!("encrypted/{name}.tshark.json")));
    let e = &truth["encryption"];
    let options = Options {
        seed: truth["seed"].as_u64().unwrap(),
        format: FileFormat::from_name(truth["format"].as_str().unwrap()).unwrap(),
        link: Link::Radiotap,
    };
    let g = gen::generate_encrypted(name, &options, e["passphrase"].as_str().unwrap()).unwrap();
    assert!(
        g.bytes == std::fs::read(capture(name)).unwrap(),
        "`roamgap gen {name} --passphrase` no longer writes this capture"
    );

    // tshark: the protected frames are the truth's, and every group-addressed one opens to
    // the paging stream the truth names.
    let (protected, group) = (
        e["protected_frames"].as_u64().unwrap(),
        e["protected_group_frames"].as_u64().unwrap(),
    );
    assert_eq!(group, truth["multicast"]["frames"].as_u64().unwrap());
    assert_eq!(oracle["protected_frames"].as_u64().unwrap(), protected);
    assert_eq!(oracle["protected_group_frames"].as_u64().unwrap(), group);
    let group_rtp = oracle["decrypted_group_rtp"].as_array().unwrap();
    assert_eq!(group_rtp.len() as u64, group);
    for r in group_rtp {
        assert_eq!(r[1], truth["multicast"]["ssrc"]);
        assert_eq!(r[3], truth["multicast"]["destination"]);
    }
    let unicast: BTreeSet<(u64, String, u64)> = oracle["decrypted_rtp"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_u64().unwrap(),
                r[1].as_str().unwrap().to_string(),
                r[2].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(unicast.len() as u64 + group, protected);
    assert_eq!(oracle["rtp_without_key"], 0);

    // roamgap opens exactly the frames tshark opens: the phone's voice under its PTKs, the
    // paging under the GTK; the group frames make no station's RTP.
    let ring = ring_of(&truth);
    let (opened, seen, _) = decrypted_frames(&capture(name), &ring);
    assert_eq!(seen, protected);
    let want: BTreeSet<u64> = unicast
        .iter()
        .map(|r| r.0)
        .chain(group_rtp.iter().map(|r| r[0].as_u64().unwrap()))
        .collect();
    assert!(
        opened == want,
        "{name}: roamgap and tshark open different frames"
    );
    let keyed = rtp_packets(&capture(name), Some(&ring));
    let clear = rtp_packets(&capture(name), None);
    assert!(clear.is_empty());
    assert!(keyed == unicast);

    let report = analyze(&capture(name), Some(&ring));
    let d = &report["captures"][0]["decryption"];
    assert_eq!(d["decrypted"].as_u64().unwrap(), protected);
    assert_eq!((&d["no_key"], &d["mic_failures"]), (&0.into(), &0.into()));
    // One group key for each AP the phone made a 4-way handshake with.
    let roams = truth["roams"].as_array().unwrap();
    let aps: BTreeSet<&str> = roams
        .iter()
        .flat_map(|r| {
            [
                r["from_bssid"].as_str().unwrap(),
                r["to_bssid"].as_str().unwrap(),
            ]
        })
        .collect();
    assert_eq!(d["group_keys"].as_u64().unwrap(), aps.len() as u64);
    assert_eq!(
        d["handshakes_with_key"].as_u64().unwrap(),
        e["handshakes"].as_u64().unwrap()
    );
    compare_with_truth(&report, &truth, name);
    let text = report.to_string();
    assert!(!text.contains(e["passphrase"].as_str().unwrap()));
    // The paging is no station's stream.
    assert!(!text.contains(truth["multicast"]["ssrc"].as_str().unwrap()));
}

#[test]
fn tkip_voice_is_what_the_generator_writes_and_tshark_decrypts_every_frame() {
    for name in TKIP_CAPTURES {
        let truth = read_json(&data(&format!("encrypted/{name}.truth.json")));
        let oracle = read_json(&data(&format!("encrypted/{name}.tshark.json")));
        assert_eq!(truth["encryption"]["cipher"], "tkip");
        let options = Options {
            seed: truth["seed"].as_u64().unwrap(),
            format: FileFormat::from_name(truth["format"].as_str().unwrap()).unwrap(),
            link: Link::Radiotap,
        };
        let pass = truth["encryption"]["passphrase"].as_str().unwrap();
        let g = gen::generate_encrypted_tkip(truth["scenario"].as_str().unwrap(), &options, pass)
            .unwrap();
        assert!(
            g.bytes == std::fs::read(capture(name)).unwrap(),
            "{name}: `roamgap gen --passphrase --cipher tkip` no longer writes this capture"
        );
        // Every protected frame is TKIP (an Extended IV header, 12.5.2.2), and tshark opens
        // each one.
        let protected = truth["encryption"]["protected_frames"].as_u64().unwrap();
        assert!(protected > 0);
        assert_eq!(oracle["protected_frames"].as_u64().unwrap(), protected);
        assert_eq!(oracle["tkip_frames"].as_u64().unwrap(), protected);
        assert_eq!(oracle["decrypted_data_frames"].as_u64().unwrap(), protected);
        assert_eq!(oracle["rtp_with_key"].as_u64().unwrap(), protected);
        // Key descriptor version 1 (HMAC-MD5, RC4 key data) in every EAPOL-Key message.
        let infos = oracle["eapol_key_info"].as_array().unwrap();
        assert!(!infos.is_empty());
        assert!(infos.iter().all(|r| r[1].as_u64().unwrap() & 7 == 1));

        // roamgap decrypts the same frames, checking each ICV and Michael MIC, and finds the
        // 32-octet TKIP GTK in each message 3.
        let report = analyze(&capture(name), Some(&ring_of(&truth)));
        let d = &report["captures"][0]["decryption"];
        assert_eq!(d["decrypted"].as_u64().unwrap(), protected, "{name}");
        assert_eq!(d["mic_failures"], 0);
        assert_eq!(d["no_key"], 0);
        let handshakes = truth["encryption"]["handshakes"].as_u64().unwrap();
        assert_eq!(d["handshakes_with_key"].as_u64().unwrap(), handshakes);
        assert_eq!(d["group_keys"].as_u64().unwrap(), handshakes);
    }
    // TKIP is for the WPA2-PSK phones' unicast voice only.
    let options = Options {
        seed: 1,
        format: FileFormat::Pcap,
        link: Link::Radiotap,
    };
    assert!(gen::generate_encrypted_tkip("cckm-ok", &options, "roamgap voice 1").is_err());
    assert!(gen::generate_encrypted_tkip("multicast-voice", &options, "roamgap voice 1").is_err());
    // CCMP stays the default: the same scenario without --cipher writes CCMP.
    let ccmp = gen::generate_encrypted("psk-late-m1", &options, "roamgap voice 1").unwrap();
    let tkip = gen::generate_encrypted_tkip("psk-late-m1", &options, "roamgap voice 1").unwrap();
    assert_eq!(
        ccmp.truth.encryption.as_ref().unwrap().protected_frames,
        tkip.truth.encryption.as_ref().unwrap().protected_frames
    );
    assert!(tkip.truth.encryption.unwrap().cipher == Some("tkip"));
    assert!(ccmp.truth.encryption.unwrap().cipher.is_none());
}
