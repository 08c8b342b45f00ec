//! The bundled samples and synthetic captures against tshark's dissection of the same files
//! (`tests/data/tshark/*.tshark.json`, written once by `tshark-truth` with tshark 4.0):
//! frame, type/subtype, retry, protected and EAPOL counts, status/reason/algorithm codes, and
//! RTP packets per stream. tshark counts 802.11 retransmissions as RTP packets, so its count is
//! roamgap's received + duplicates.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{analyze_file, data, read_json, Diff};
use roamgap::capture::CaptureFile;
use roamgap::dot11::action::AddtsKind;
use roamgap::events::EventKind;
use roamgap::pipeline;
use serde_json::{json, Value};

fn counted(keys: impl Iterator<Item = String>) -> Value {
    let mut m: BTreeMap<String, u64> = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_default() += 1;
    }
    json!(m)
}

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
        .collect();
    files.sort();
    assert_eq!(files.len(), 16);
    for truth_file in files {
        let truth = read_json(&truth_file);
        let path = capture_of(&truth_file);
        let report = analyze_file(&path);
        let c = &report["captures"][0];
        let mut d = Diff::new(path.display().to_string());
        d.eq("frames", &c["frames"], &truth["frames"]);
        d.eq("malformed", &c["malformed"], &truth["malformed"]);
        d.eq("type_subtype", &c["type_subtype"], &truth["type_subtype"]);
        d.eq(
            "eapol_key_msg",
            &c["eapol_key_msg"],
            &truth["eapol_key_msg"],
        );
        d.eq("retries", &c["retries"], &truth["retry"]);
        d.eq("protected", &c["protected"], &truth["protected"]);

        let cap = CaptureFile::open(&path).unwrap();
        let (_, events) = pipeline::decode_capture(&cap).unwrap();
        let status = events.iter().filter_map(|e| match e.kind {
            EventKind::Auth { status, .. } | EventKind::AssocResponse { status, .. } => {
                Some(format!("{status:#06x}"))
            }
            // tshark files the WMM ADDTS status byte (0 in requests) as a status code too.
            EventKind::Addts {
                kind: AddtsKind::Wmm,
                status,
                ..
            } => Some(format!("{:#06x}", status.unwrap_or(0))),
            EventKind::Addts {
                kind: AddtsKind::Qos,
                status: Some(s),
                ..
            } => Some(format!("{s:#06x}")),
            _ => None,
        });
        d.eq("status codes", &counted(status), &truth["status_codes"]);
        let reasons = events.iter().filter_map(|e| match e.kind {
            EventKind::Deauth { reason, .. } => Some(format!("{reason:#06x}")),
            _ => None,
        });
        d.eq("reason codes", &counted(reasons), &truth["reason_codes"]);

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
