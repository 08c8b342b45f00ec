//! The analyzer against the exact truth of the bundled synthetic roaming scenarios.

use crate::common;

use common::{analyze_file, compare_with_truth, data, read_json};

fn check(capture: &str, truth: &str) {
    let report = analyze_file(&data(&format!("synthetic/{capture}")));
    let truth = read_json(&data(&format!("synthetic/{truth}")));
    compare_with_truth(&report, &truth, capture);
}

#[test]
fn cckm_ok() {
    check("cckm_ok.pcap", "cckm_ok.truth.json");
}

#[test]
fn cckm_missing_ie() {
    check("cckm_missing_ie.pcap", "cckm_missing_ie.truth.json");
}

#[test]
fn cckm_missing_ie_pcapng_nanoseconds() {
    check("cckm_missing_ie_ns.pcapng", "cckm_missing_ie_ns.truth.json");
}

#[test]
fn psk_late_m1() {
    check("psk_late_m1.pcap", "psk_late_m1.truth.json");
}

#[test]
fn ft_ok() {
    check("ft_ok.pcap", "ft_ok.truth.json");
}

#[test]
fn ft_ok_plain_802_11() {
    check("ft_ok_dot11.pcap", "ft_ok_dot11.truth.json");
}

#[test]
fn addts_refused() {
    check("addts_refused.pcap", "addts_refused.truth.json");
}

#[test]
fn malformed_frames_and_truncated_tail() {
    check("malformed.pcap", "malformed.truth.json");
    let report = analyze_file(&data("synthetic/malformed.pcap"));
    let c = &report["captures"][0];
    // The record cut by the end of the file is reported, named by its frame number.
    assert_eq!(c["truncated"]["frame"], 1313);
    assert!(c["truncated"]["message"]
        .as_str()
        .unwrap()
        .contains("cut short"));
    let issues: Vec<u64> = c["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(issues, [109, 165, 219, 275]);
}

#[test]
fn every_truth_file_is_checked() {
    // A scenario added to tests/data must get a test above.
    let mut names: Vec<String> = std::fs::read_dir(data("synthetic"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".truth.json"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "addts_refused.truth.json",
            "cckm_missing_ie.truth.json",
            "cckm_missing_ie_ns.truth.json",
            "cckm_ok.truth.json",
            "ft_ok.truth.json",
            "ft_ok_dot11.truth.json",
            "malformed.truth.json",
            "psk_late_m1.truth.json"
        ]
    );
}

#[test]
fn the_comparison_catches_a_wrong_answer() {
    let report = analyze_file(&data("synthetic/cckm_missing_ie.pcap"));
    let truth = read_json(&data("synthetic/cckm_missing_ie.truth.json"));
    type Mutation = fn(&mut serde_json::Value);
    let mutations: [(&str, Mutation); 5] = [
        ("lost", |t| t["roams"][0]["uplink"]["lost"] = 64.into()),
        ("gap", |t| {
            t["roams"][0]["downlink"]["gap_ms"] = 1302.0.into()
        }),
        ("finding", |t| {
            t["roams"][0]["expected_findings"]
                .as_array_mut()
                .unwrap()
                .pop()
                .map(drop)
                .unwrap()
        }),
        ("stream", |t| t["streams"][1]["duplicates"] = 13.into()),
        ("extra roam", |t| {
            let r = t["roams"][0].clone();
            t["roams"].as_array_mut().unwrap().push(r)
        }),
    ];
    for (name, mutate) in mutations {
        let mut wrong = truth.clone();
        mutate(&mut wrong);
        let caught =
            std::panic::catch_unwind(|| compare_with_truth(&report, &wrong, name)).is_err();
        assert!(caught, "a wrong {name} went unnoticed");
    }
}
