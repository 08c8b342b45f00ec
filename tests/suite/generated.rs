//! The analyzer against the exact truth of `roamgap gen` scenarios, over seeds, containers
//! and link types the other tests never saw.

use crate::common;

use common::{analyze_bytes, compare_with_truth};
use roamgap_gen::{self as gen, FileFormat, Link, Options, SCENARIOS};

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
fn new_key_managements_and_phases_show_what_they_claim() {
    let phase_names = |r: &serde_json::Value| -> Vec<String> {
        r["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    for seed in 1..=3 {
        for (scenario, km, fast_path) in [
            ("sae-ok", "sae", "none"),
            ("okc-ok", "802.1x", "pmk-caching"),
            ("ft-over-ds", "ft-psk", "ft-over-ds"),
            ("open-ok", "open", "none"),
            ("wep", "wep", "none"),
            ("wep-shared-key", "wep", "none"),
        ] {
            for (want, got) in roam_pairs(scenario, seed, FileFormat::Pcap) {
                assert_eq!(got["key_management"], km, "{scenario}");
                assert_eq!(want["fast_path_offered"], fast_path, "{scenario}");
                assert!(want["expected_findings"].as_array().unwrap().is_empty());
                let names = phase_names(&want);
                assert!(names.contains(&"authentication".to_string()), "{names:?}");
                assert!(
                    !names.contains(&"802.1x".to_string()),
                    "{scenario}: {names:?}"
                );
                let four_way = names.contains(&"4-way-handshake".to_string());
                assert_eq!(
                    four_way,
                    matches!(scenario, "sae-ok" | "okc-ok"),
                    "{scenario}"
                );
            }
        }
        // SAE: commit and confirm each way, the phase ends at the AP's confirm.
        for (want, got) in roam_pairs("sae-ok", seed, FileFormat::Pcap) {
            let auth = &got["authentication"];
            assert_eq!(auth["algorithm"], "sae");
            assert!(
                auth["response_frame"].as_u64().unwrap()
                    >= auth["request_frame"].as_u64().unwrap() + 3
            );
            assert_eq!(want["phases"][0]["name"], "leaving");
        }
        // FT over the DS: the exchange goes through the old AP, before the phone leaves it.
        for (want, got) in roam_pairs("ft-over-ds", seed, FileFormat::Pcap) {
            assert_eq!(got["authentication"]["algorithm"], "ft-over-ds");
            assert_eq!(want["phases"][0]["name"], "authentication");
            assert_eq!(got["fast_path_taken"], true);
        }
        // Encrypted WEP voice is measured from frame timing.
        for (_, got) in roam_pairs("wep", seed, FileFormat::Pcap) {
            assert_eq!(got["uplink"]["measured_from"], "frames");
        }
        // Shared Key authentication: four frames, the third (encrypted) counted in the
        // exchange, which ends at the AP's fourth.
        for (want, got) in roam_pairs("wep-shared-key", seed, FileFormat::Pcap) {
            let auth = &got["authentication"];
            assert_eq!(auth["algorithm"], "shared-key", "{auth}");
            assert!(
                auth["response_frame"].as_u64().unwrap()
                    >= auth["request_frame"].as_u64().unwrap() + 3,
                "{auth}"
            );
            let phase = &want["phases"][1];
            assert_eq!(phase["name"], "authentication");
            assert_eq!(
                (&phase["start_frame"], &phase["end_frame"]),
                (&auth["request_frame"], &auth["response_frame"])
            );
            assert_eq!(auth["status"], 0);
            assert_eq!(got["uplink"]["measured_from"], "frames");
        }
        // Scanning before the roam, and the old AP's failed deliveries after it.
        for (want, got) in roam_pairs("scanning", seed, FileFormat::Pcap) {
            assert!(want["scanning"]["probe_requests"].as_u64().unwrap() >= 2);
            assert!(got["scanning"]["channels"].as_array().unwrap().len() >= 2);
            assert_eq!(phase_names(&want)[0], "leaving");
            assert_eq!(phase_names(&want)[1], "scanning");
            let old = &want["old_ap_after_leaving"];
            assert!(old["failed_deliveries"].as_u64().unwrap() >= 1, "{old}");
            assert!(
                old["retries"].as_u64().unwrap() >= 2 * old["failed_deliveries"].as_u64().unwrap()
            );
        }
        for (scenario, codes) in [
            ("sticky", vec!["sticky-client"]),
            (
                "tspec-rate",
                vec!["tspec-rate-unsupported", "addts-refused"],
            ),
            ("slow-reassoc", vec!["roam-over-budget"]),
        ] {
            for (want, got) in roam_pairs(scenario, seed, FileFormat::Pcap) {
                assert_eq!(
                    want["expected_findings"],
                    serde_json::json!(codes),
                    "{scenario}"
                );
                if scenario == "sticky" {
                    assert!(got["signal_before_dbm"].as_i64().unwrap() <= -84);
                    assert!(got["signal_after_dbm"].as_i64().unwrap() > -75);
                }
            }
        }
    }
}

#[test]
fn dozens_of_phones_at_once() {
    for seed in 1..=2 {
        let t = check("many-phones", seed, FileFormat::PcapNg, Link::Radiotap);
        let g = gen::generate(
            "many-phones",
            &Options {
                seed,
                format: FileFormat::PcapNg,
                link: Link::Radiotap,
            },
        )
        .unwrap();
        let report = analyze_bytes("many-phones", g.bytes);
        assert_eq!(report["captures"][0]["stations"], 32);
        assert_eq!(report["stations"].as_array().unwrap().len(), 32);
        // Streams are matched to stations by MAC: both directions of every call.
        let visible = t["streams"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["rtp_visible"] == true)
            .count();
        assert_eq!(report["streams"].as_array().unwrap().len(), visible);
        assert!(visible >= 40, "{visible}");
        let roams = t["roams"].as_array().unwrap();
        assert!(roams.len() >= 40, "{}", roams.len());
        let kms: std::collections::BTreeSet<&str> = roams
            .iter()
            .map(|r| r["key_management"].as_str().unwrap())
            .collect();
        assert!(kms.len() >= 6, "{kms:?}");
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
