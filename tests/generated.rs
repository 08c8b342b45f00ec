//! The analyzer against the exact truth of `roamgap gen` scenarios, over seeds, containers
//! and link types the other tests never saw.

mod common;

use common::{analyze_bytes, compare_with_truth};
use roamgap::gen::{self, FileFormat, Link, Options, SCENARIOS};

fn check(scenario: &str, seed: u64, format: FileFormat, link: Link) -> serde_json::Value {
    let g = gen::generate(scenario, &Options { seed, format, link }).unwrap();
    let truth = serde_json::to_value(&g.truth).unwrap();
    let name = format!("{scenario} seed {seed} {} {link:?}", format.name());
    let report = analyze_bytes(&name, g.bytes);
    compare_with_truth(&report, &truth, &name);
    truth
}

#[test]
fn every_scenario_over_seeds() {
    for (scenario, _) in SCENARIOS {
        for seed in 1..=6 {
            check(scenario, seed, FileFormat::Pcap, Link::Radiotap);
        }
    }
}

#[test]
fn every_container_and_link_type() {
    for (scenario, _) in SCENARIOS {
        for (i, format) in FileFormat::ALL.into_iter().enumerate() {
            let link = if i % 2 == 0 {
                Link::Dot11
            } else {
                Link::Radiotap
            };
            check(scenario, 100 + i as u64, format, link);
        }
    }
}

#[test]
fn scenarios_show_what_they_claim() {
    let findings = |t: &serde_json::Value| -> Vec<String> {
        t["roams"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r["expected_findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap().to_string())
            })
            .collect()
    };
    for seed in 1..=4 {
        let t = check("cckm-missing-ie", seed, FileFormat::Pcap, Link::Radiotap);
        assert!(findings(&t).contains(&"cckm-ie-missing".to_string()));
        assert!(findings(&t).contains(&"long-gap".to_string()));
        let t = check("psk-late-m1", seed, FileFormat::Pcap, Link::Radiotap);
        assert!(t["roams"][0]["eapol"]["m1_retries"].as_u64().unwrap() >= 1);
        let t = check("addts-refused", seed, FileFormat::Pcap, Link::Radiotap);
        assert_eq!(t["roams"][0]["addts"][0]["status"], 3);
        let t = check("deauth-after-roam", seed, FileFormat::Pcap, Link::Radiotap);
        assert!(t["roams"][0]["deauth"].is_object());
        let t = check("reassoc-refused", seed, FileFormat::Pcap, Link::Radiotap);
        assert_eq!(t["roams"][0]["status"], 17);
        assert_eq!(t["roams"][1]["status"], 0);
        for healthy in ["cckm-ok", "ft-ok", "psk-ok"] {
            let t = check(healthy, seed, FileFormat::Pcap, Link::Radiotap);
            assert!(findings(&t).is_empty(), "{healthy}: {:?}", findings(&t));
        }
    }
}

#[test]
fn several_phones_roam_at_once() {
    for seed in 1..=3 {
        let t = check("multi-phone", seed, FileFormat::PcapNg, Link::Radiotap);
        let roams = t["roams"].as_array().unwrap();
        let stations: std::collections::BTreeSet<&str> = roams
            .iter()
            .map(|r| r["station"].as_str().unwrap())
            .collect();
        assert_eq!(stations.len(), 6);
        // At least two phones' roams overlap in time.
        let times: Vec<(f64, &str)> = roams
            .iter()
            .map(|r| {
                (
                    r["request_time"].as_f64().unwrap(),
                    r["station"].as_str().unwrap(),
                )
            })
            .collect();
        let overlap = times
            .iter()
            .any(|a| times.iter().any(|b| a.1 != b.1 && (a.0 - b.0).abs() < 0.05));
        assert!(overlap, "seed {seed}: no simultaneous roams");
    }
}

#[test]
fn sequence_wrap_is_inside_the_roam() {
    for seed in 1..=4 {
        let g = gen::generate(
            "seq-wrap",
            &Options {
                seed,
                format: FileFormat::Pcap,
                link: Link::Radiotap,
            },
        )
        .unwrap();
        let report = analyze_bytes("seq-wrap", g.bytes);
        compare_with_truth(
            &report,
            &serde_json::to_value(&g.truth).unwrap(),
            "seq-wrap",
        );
        // Loss across the wrap is small (a healthy roam), not ~65536.
        let lost = report["roams"][0]["uplink"]["lost"].as_u64().unwrap();
        assert!(lost <= 3, "seed {seed}: {lost}");
    }
}

#[test]
fn reordered_packets_are_neither_lost_nor_duplicates() {
    for seed in 1..=4 {
        let t = check("reorder", seed, FileFormat::Pcap, Link::Radiotap);
        for s in t["streams"].as_array().unwrap() {
            assert_eq!(
                s["received"].as_u64().unwrap() + s["lost"].as_u64().unwrap(),
                s["expected"].as_u64().unwrap()
            );
        }
    }
}

#[test]
fn encrypted_voice_is_measured_from_frame_timing() {
    for seed in 1..=4 {
        let g = gen::generate(
            "encrypted-voice",
            &Options {
                seed,
                format: FileFormat::PcapNs,
                link: Link::Radiotap,
            },
        )
        .unwrap();
        let truth = serde_json::to_value(&g.truth).unwrap();
        let report = analyze_bytes("encrypted-voice", g.bytes);
        compare_with_truth(&report, &truth, "encrypted-voice");
        assert!(
            report["streams"].as_array().unwrap().is_empty(),
            "no RTP is visible"
        );
        for roam in report["roams"].as_array().unwrap() {
            for dir in ["uplink", "downlink"] {
                assert_eq!(roam[dir]["measured_from"], "frames");
                assert_eq!(roam[dir]["lost_estimated"], true);
                assert!(roam[dir]["ssrc"].is_null());
            }
        }
        // The late-M1 roam is still diagnosed.
        let codes: Vec<&str> = report["roams"][1]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["eapol-m1-retry", "long-gap"]);
    }
}

#[test]
fn generation_is_deterministic() {
    let o = Options {
        seed: 42,
        format: FileFormat::PcapNgNs,
        link: Link::Radiotap,
    };
    let a = gen::generate("multi-phone", &o).unwrap();
    let b = gen::generate("multi-phone", &o).unwrap();
    assert_eq!(a.bytes, b.bytes);
    let c = gen::generate("multi-phone", &Options { seed: 43, ..o }).unwrap();
    assert_ne!(a.bytes, c.bytes);
    assert!(gen::generate("no-such", &o).is_err());
}

#[test]
fn station_and_ap_pair_summaries_follow_the_roams() {
    let g = gen::generate(
        "multi-phone",
        &Options {
            seed: 3,
            format: FileFormat::Pcap,
            link: Link::Radiotap,
        },
    )
    .unwrap();
    let truth = serde_json::to_value(&g.truth).unwrap();
    let report = analyze_bytes("multi-phone", g.bytes);
    compare_with_truth(&report, &truth, "multi-phone");
    let roams = truth["roams"].as_array().unwrap();
    let gap = |r: &serde_json::Value| {
        ["uplink", "downlink"]
            .iter()
            .filter_map(|d| r[*d]["gap_ms"].as_f64())
            .fold(None, |m: Option<f64>, g| Some(m.map_or(g, |m| m.max(g))))
    };
    for s in report["stations"].as_array().unwrap() {
        let mine: Vec<&serde_json::Value> = roams
            .iter()
            .filter(|r| r["station"] == s["station"])
            .collect();
        assert_eq!(s["roams"].as_u64().unwrap() as usize, mine.len());
        let max = mine.iter().filter_map(|r| gap(r)).fold(f64::MIN, f64::max);
        assert!(
            (s["gap_ms_max"].as_f64().unwrap() - max).abs() <= 1.0,
            "{s}"
        );
        let lost: u64 = mine
            .iter()
            .flat_map(|r| ["uplink", "downlink"].map(|d| r[d]["lost"].as_u64().unwrap_or(0)))
            .sum();
        assert_eq!(s["lost"].as_u64().unwrap(), lost, "{s}");
        let findings: usize = mine
            .iter()
            .map(|r| r["expected_findings"].as_array().unwrap().len())
            .sum();
        assert_eq!(
            s["findings"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_u64().unwrap() as usize)
                .sum::<usize>(),
            findings
        );
    }
    let pairs: u64 = report["ap_pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["roams"].as_u64().unwrap())
        .sum();
    assert_eq!(pairs as usize, roams.len());
}

#[test]
fn roam_time_handshake_and_phases() {
    for (scenario, _) in SCENARIOS {
        for seed in 1..=3 {
            for (want, got) in roam_pairs(scenario, seed, FileFormat::PcapNs) {
                let (want, got) = (&want, &got);
                let what = format!("{scenario} seed {seed} roam {}", want["request_frame"]);
                // The generator's phones send no data but voice (EAPOL/EAP are not data).
                let dirs = ["uplink", "downlink"];
                let last_old = dirs
                    .iter()
                    .filter_map(|d| want[*d]["last_before_frame"].as_u64())
                    .max();
                let first_new = dirs
                    .iter()
                    .filter_map(|d| want[*d]["first_after_frame"].as_u64())
                    .min();
                assert_eq!(got["last_data_frame_old"].as_u64(), last_old, "{what}");
                assert_eq!(got["first_data_frame_new"].as_u64(), first_new, "{what}");
                let time_of = |f: Option<u64>| {
                    dirs.iter().find_map(|d| {
                        [
                            ("last_before_frame", "last_before_time"),
                            ("first_after_frame", "first_after_time"),
                        ]
                        .iter()
                        .find(|(k, _)| want[*d][*k].as_u64() == f && f.is_some())
                        .and_then(|(_, t)| want[*d][*t].as_f64())
                    })
                };
                match (time_of(last_old), time_of(first_new)) {
                    (Some(a), Some(b)) => {
                        assert!(
                            (got["roam_time_ms"].as_f64().unwrap() - (b - a) * 1e3).abs() < 0.01,
                            "{what}"
                        )
                    }
                    _ => assert!(got["roam_time_ms"].is_null(), "{what}"),
                }
                let end = want["eapol"]["m4_time"]
                    .as_f64()
                    .or(want["response_time"].as_f64())
                    .unwrap();
                let handshake = (end - want["request_time"].as_f64().unwrap()) * 1e3;
                assert!(
                    (got["handshake_ms"].as_f64().unwrap() - handshake).abs() < 0.01,
                    "{what}"
                );
                let phases = got["phases"].as_array().unwrap();
                let phase = |n: &str| phases.iter().find(|p| p["name"] == n);
                let re = phase("reassociation").unwrap();
                assert_eq!(
                    (&re["start_frame"], &re["end_frame"]),
                    (&want["request_frame"], &want["response_frame"]),
                    "{what}"
                );
                if want["eapol"].is_object() {
                    let k = phase("4-way-handshake").unwrap();
                    assert_eq!(
                        (&k["start_frame"], &k["end_frame"]),
                        (&want["eapol"]["m1_frame"], &want["eapol"]["m4_frame"]),
                        "{what}"
                    );
                }
                // In order, none negative.
                let times: Vec<f64> = phases
                    .iter()
                    .flat_map(|p| {
                        [
                            p["start_time"].as_f64().unwrap(),
                            p["end_time"].as_f64().unwrap(),
                        ]
                    })
                    .collect();
                assert!(
                    phases
                        .iter()
                        .all(|p| p["duration_ms"].as_f64().unwrap() >= 0.0),
                    "{what}: {phases:?}"
                );
                assert!(times.first() <= times.last(), "{what}");
            }
        }
    }
}

#[test]
fn fast_path_offered_and_taken() {
    for (scenario, _) in SCENARIOS {
        for (want, got) in roam_pairs(scenario, 8, FileFormat::Pcap) {
            let km = want["key_management"].as_str().unwrap();
            let offered = match km {
                "cckm" => "cckm",
                "ft-psk" => "ft-over-the-air",
                _ => "none",
            };
            assert_eq!(
                got["fast_path_offered"], offered,
                "{scenario} {}",
                want["request_frame"]
            );
            let taken = (offered != "none")
                .then(|| want["status"] == 0 && (km != "cckm" || want["cckm_in_response"] == true));
            assert_eq!(
                got["fast_path_taken"],
                serde_json::json!(taken),
                "{scenario} {}",
                want["request_frame"]
            );
        }
    }
}

/// Each roam of a scenario's truth with the analyzer's roam of the same request frame.
fn roam_pairs(
    scenario: &str,
    seed: u64,
    format: FileFormat,
) -> Vec<(serde_json::Value, serde_json::Value)> {
    let g = gen::generate(
        scenario,
        &Options {
            seed,
            format,
            link: Link::Radiotap,
        },
    )
    .unwrap();
    let truth = serde_json::to_value(&g.truth).unwrap();
    let report = analyze_bytes(scenario, g.bytes);
    let roams = report["roams"].as_array().unwrap();
    truth["roams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|want| {
            let got = roams
                .iter()
                .find(|r| r["request_frame"] == want["request_frame"])
                .expect("the roam is found");
            (want.clone(), got.clone())
        })
        .collect()
}
