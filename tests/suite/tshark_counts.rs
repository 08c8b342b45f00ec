//! The bundled samples and synthetic captures against tshark's dissection of the same files
//! (`tests/data/tshark/*.tshark.json`, written once with tshark 4.0):
//! frame, type/subtype, retry, protected and EAPOL counts, status/reason/algorithm codes, and
//! RTP packets per stream. tshark counts 802.11 retransmissions as RTP packets, so its count is
//! roamgap's received + duplicates.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{analyze_file, compare_with_tshark, data, read_json};
use serde_json::json;

fn capture_of(truth_file: &Path) -> PathBuf {
    let name = truth_file
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(".tshark.json")
        .to_string();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(&name);
    if sample.exists() {
        sample
    } else {
        data(&format!("synthetic/{name}"))
    }
}

#[test]
fn counts_equal_tshark() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data("tshark"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tshark.json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 22);
    for truth_file in files {
        let truth = read_json(&truth_file);
        let path = capture_of(&truth_file);
        let mut d = compare_with_tshark(&path, &truth);
        let report = analyze_file(&path);
        d.eq(
            "malformed",
            &report["captures"][0]["malformed"],
            &truth["malformed"],
        );

        // RTP: tshark's packets per SSRC = received + duplicates, both directions.
        let mut ours: BTreeMap<String, u64> = BTreeMap::new();
        for s in report["streams"].as_array().unwrap() {
            *ours
                .entry(s["ssrc"].as_str().unwrap().to_string())
                .or_default() +=
                s["received"].as_u64().unwrap() + s["duplicates"].as_u64().unwrap();
        }
        let theirs: BTreeMap<String, u64> = truth["rtp_streams"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v["packets"].as_u64().unwrap()))
            .collect();
        d.eq("rtp packets per ssrc", &json!(ours), &json!(theirs));
        d.assert_ok();
    }
}
