//! Every phase boundary of every generated scenario against tshark's dissection of the same
//! capture, recorded once in `tests/data/tshark/phases/` (see `record.sh` there): the frames
//! that start and end the scanning, authentication, reassociation, 802.1X, 4-way handshake
//! and ADDTS phases are the probe requests, authentication/FT frames, (re)association frames,
//! EAP packets, EAPOL-Key messages and ADDTS frames tshark says they are, of the right station.

use crate::common;

use std::collections::HashMap;

use common::{analyze_bytes, data, read_json};
use roamgap_gen::{self as gen, FileFormat, Link, Options, SCENARIOS};
use serde_json::Value;

/// frame → (kind, station, from station, retry), as tshark dissected it.
type Dissection = HashMap<u64, (String, String, bool, bool)>;

fn dissection(scenario: &str) -> Dissection {
    let rec = read_json(&data(&format!("tshark/phases/{scenario}.json")));
    assert_eq!(rec["seed"], 1);
    rec["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["frame"].as_u64().unwrap(),
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["station"].as_str().unwrap().to_string(),
                    f["from_station"].as_bool().unwrap(),
                    f["retry"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

/// The kinds a phase may start and end with.
fn bounds(phase: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match phase {
        "scanning" => (&["probe-req"], &["probe-req"]),
        "authentication" => (&["auth", "ft-req"], &["auth", "ft-resp"]),
        "reassociation" => (
            &["reassoc-req", "assoc-req"],
            &["reassoc-resp", "assoc-resp"],
        ),
        "802.1x" => (&["eap"], &["eap"]),
        "4-way-handshake" => (&["m1"], &["m4"]),
        "addts" => (&["addts-req"], &["addts-resp"]),
        _ => return None,
    })
}

#[test]
fn phase_boundaries_are_the_frames_tshark_dissects() {
    let (mut checked, mut unanswered) = (0, 0);
    for (scenario, _) in SCENARIOS.iter().filter(|(s, _)| *s != "big") {
        let tshark = dissection(scenario);
        let g = gen::generate(
            scenario,
            &Options {
                seed: 1,
                format: FileFormat::Pcap,
                link: Link::Radiotap,
            },
        )
        .unwrap();
        let truth = serde_json::to_value(&g.truth).unwrap();
        let report = analyze_bytes(scenario, g.bytes);
        let roams = report["roams"].as_array().unwrap();
        assert_eq!(
            roams.len(),
            truth["roams"].as_array().unwrap().len(),
            "{scenario}"
        );
        for r in roams {
            let station = r["station"].as_str().unwrap();
            let what = format!("{scenario} roam {}", r["request_frame"]);
            let is = |frame: &Value, kinds: &[&str]| {
                let f = frame.as_u64().unwrap();
                let Some((kind, st, _, retry)) = tshark.get(&f) else {
                    panic!("{what}: frame {f} is none of {kinds:?} for tshark");
                };
                assert!(
                    kinds.contains(&kind.as_str()) && st == station && !retry,
                    "{what}: frame {f} is {kind} of {st} (retry {retry}) for tshark, not {kinds:?} of {station}"
                );
            };
            for p in r["phases"].as_array().unwrap() {
                if let Some((start, end)) = bounds(p["name"].as_str().unwrap()) {
                    is(&p["start_frame"], start);
                    if p["end_frame"].is_null() {
                        // An exchange never answered: tshark sees no frame that could end it
                        // between its start and the failed roam's last frame.
                        let first = p["start_frame"].as_u64().unwrap();
                        let last = r["failure"]["last_frame"].as_u64().unwrap_or(first);
                        let answers: Vec<u64> = tshark
                            .iter()
                            .filter(|(&f, (k, st, _, _))| {
                                f > first && f <= last && end.contains(&k.as_str()) && st == station
                            })
                            .map(|(&f, _)| f)
                            .collect();
                        assert!(
                            answers.is_empty(),
                            "{what}: {} has no end, tshark sees {answers:?}",
                            p["name"]
                        );
                        unanswered += 1;
                    } else {
                        is(&p["end_frame"], end);
                    }
                    checked += 1;
                }
            }
            // The handshake is the first M1 tshark sees to the station after the response, and
            // the first M4 after that.
            if let Some(k) = r["eapol"].as_object() {
                let after = r["response_frame"].as_u64().unwrap();
                let first = |kind: &str, from: u64| {
                    let mut frames: Vec<u64> = tshark
                        .iter()
                        .filter(|(&f, (k, st, _, retry))| {
                            f > from && k == kind && st == station && !retry
                        })
                        .map(|(&f, _)| f)
                        .collect();
                    frames.sort_unstable();
                    frames.first().copied()
                };
                let m1 = first("m1", after).unwrap();
                assert_eq!(k["m1_frame"], m1, "{what}");
                // A failed roam's handshake ends within the roam, or never.
                let limit = r["failure"]["last_frame"].as_u64().unwrap_or(u64::MAX);
                assert_eq!(
                    k["m4_frame"].as_u64(),
                    first("m4", m1).filter(|&f| f <= limit),
                    "{what}"
                );
            }
            // The reassociation response is the first tshark sees to the station after the
            // request.
            if let Some(resp) = r["response_frame"].as_u64() {
                let req = r["request_frame"].as_u64().unwrap();
                let first = tshark
                    .iter()
                    .filter(|(&f, (k, st, _, retry))| {
                        f > req
                            && k.ends_with("-resp")
                            && k.contains("assoc")
                            && st == station
                            && !retry
                    })
                    .map(|(&f, _)| f)
                    .min();
                assert_eq!(first, Some(resp), "{what}");
            }
        }
    }
    assert_eq!(checked, 294, "phases checked");
    // The unanswered authentication and reassociation, and the abandoned 4-way handshake.
    assert_eq!(unanswered, 3);
}
