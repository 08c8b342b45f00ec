//! Shared by the integration tests: run the analyzer and compare its JSON report with a
//! truth file (the format of `tests/data/synthetic/*.truth.json`, documented in TRUTH.md).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use roamgap::analysis::Config;
use roamgap::pipeline::Pipeline;
use roamgap_report::Report;
use roamgap_wire::capture::CaptureFile;
use serde_json::Value;

pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Analyzes a file and returns the report as JSON, as `roamgap analyze --format json` prints it.
pub fn analyze_file(path: &Path) -> Value {
    let a = Pipeline::new(&Config::default())
        .analyze(0, &CaptureFile::open(path).unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_str(&Report::new(vec![a]).to_json()).unwrap()
}

/// Analyzes a capture held in memory.
pub fn analyze_bytes(name: &str, bytes: Vec<u8>) -> Value {
    let cap = CaptureFile::from_vec(name, bytes).unwrap_or_else(|e| panic!("{e}"));
    let a = Pipeline::new(&Config::default())
        .analyze(0, &cap)
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_str(&Report::new(vec![a]).to_json()).unwrap()
}

/// Collects mismatches instead of stopping at the first, so a failure shows them all.
pub struct Diff {
    pub what: String,
    pub problems: Vec<String>,
}

impl Diff {
    pub fn new(what: impl Into<String>) -> Diff {
        Diff {
            what: what.into(),
            problems: Vec::new(),
        }
    }

    pub fn eq(&mut self, field: &str, got: &Value, want: &Value) {
        if got != want {
            self.problems
                .push(format!("{field}: got {got}, want {want}"));
        }
    }

    pub fn near(&mut self, field: &str, got: &Value, want: &Value, tolerance: f64) {
        match (got.as_f64(), want.as_f64()) {
            (Some(g), Some(w)) if (g - w).abs() <= tolerance => {}
            (None, None) if got.is_null() && want.is_null() => {}
            _ => self
                .problems
                .push(format!("{field}: got {got}, want {want} (±{tolerance})")),
        }
    }

    pub fn assert_ok(self) {
        assert!(
            self.problems.is_empty(),
            "{}:\n  {}",
            self.what,
            self.problems.join("\n  ")
        );
    }
}

/// Times are compared to 2 µs (captures with microsecond stamps); gaps to 1 ms.
const TIME_TOL: f64 = 2e-6;
const GAP_TOL_MS: f64 = 1.0;

/// Compares a report with a truth file: every field the JSON contract covers.
pub fn compare_with_truth(report: &Value, truth: &Value, what: &str) {
    let mut d = Diff::new(what);
    let capture = &report["captures"][0];
    d.eq("frames", &capture["frames"], &truth["frames"]);
    if let Some(m) = truth.get("malformed_frames") {
        d.eq("malformed", &capture["malformed"], m);
    }
    let roams = report["roams"].as_array().cloned().unwrap_or_default();
    let want_roams = truth["roams"].as_array().cloned().unwrap_or_default();
    let got_frames: Vec<&Value> = roams.iter().map(|r| &r["request_frame"]).collect();
    let want_frames: Vec<&Value> = want_roams.iter().map(|r| &r["request_frame"]).collect();
    if got_frames != want_frames {
        d.problems.push(format!(
            "roams (request frames): got {got_frames:?}, want {want_frames:?}"
        ));
    }
    for want in &want_roams {
        let Some(got) = roams
            .iter()
            .find(|r| r["request_frame"] == want["request_frame"])
        else {
            continue;
        };
        let f = want["request_frame"].clone();
        let p = |field: &str| format!("roam {f} {field}");
        compare_roam(&mut d, got, want, &p);
    }
    compare_streams(&mut d, report, truth);
    d.assert_ok();
}

/// Compares one roam of the report with its truth, field group by field group.
fn compare_roam(d: &mut Diff, got: &Value, want: &Value, p: &dyn Fn(&str) -> String) {
    for key in [
        "station",
        "from_bssid",
        "to_bssid",
        "key_management",
        "cckm_in_request",
        "cckm_in_response",
        "status",
        "request_frame",
        "response_frame",
    ] {
        d.eq(&p(key), &got[key], &want[key]);
    }
    d.near(&p("time"), &got["time"], &want["request_time"], TIME_TOL);
    d.near(
        &p("request_time"),
        &got["request_time"],
        &want["request_time"],
        TIME_TOL,
    );
    d.near(
        &p("response_time"),
        &got["response_time"],
        &want["response_time"],
        TIME_TOL,
    );
    compare_outcome(d, got, want, p);
    compare_generated(d, got, want, p);
    compare_tspec_addts(d, got, want, p);
    compare_eapol_deauth(d, got, want, p);
    compare_gaps(d, got, want, p);
    compare_findings(d, got, want, p);
}

/// What the scenario made of the roam, the requests of a failed one, and the station's
/// outage.
fn compare_outcome(d: &mut Diff, got: &Value, want: &Value, p: &dyn Fn(&str) -> String) {
    if let Some(outcome) = want.get("outcome") {
        d.eq(&p("outcome"), &got["outcome"], outcome);
        d.near(
            &p("outage_ms"),
            &got["outage_ms"],
            &want["outage_ms"],
            0.002,
        );
        d.eq(
            &p("failure.attempts"),
            &got["failure"]["attempts"],
            want.get("attempts").unwrap_or(&Value::Null),
        );
    }
}

/// What the generator's truth adds (the shared truth files have none of it): phases, fast
/// path, handshake and roam times, scanning, the old AP after the station left.
fn compare_generated(d: &mut Diff, got: &Value, want: &Value, p: &dyn Fn(&str) -> String) {
    if let Some(phases) = want.get("phases") {
        let got_phases: Vec<Value> = got["phases"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|p| serde_json::json!({"name": p["name"], "start_frame": p["start_frame"], "end_frame": p["end_frame"]}))
                    .collect()
            })
            .unwrap_or_default();
        d.eq(&p("phases"), &Value::Array(got_phases), phases);
        for key in ["fast_path_offered", "fast_path_taken"] {
            d.eq(&p(key), &got[key], &want[key]);
        }
        d.near(
            &p("handshake_ms"),
            &got["handshake_ms"],
            &want["handshake_ms"],
            0.002,
        );
        d.near(
            &p("roam_time_ms"),
            &got["roam_time_ms"],
            &want["roam_time_ms"],
            0.002,
        );
        let scan = &got["scanning"];
        let scan = if scan.is_null() {
            Value::Null
        } else {
            serde_json::json!({"probe_requests": scan["probe_requests"], "first_frame": scan["first_frame"], "last_frame": scan["last_frame"]})
        };
        d.eq(&p("scanning"), &scan, &want["scanning"]);
        let old = &got["old_ap_after_leaving"];
        let old = if old.is_null() {
            Value::Null
        } else {
            serde_json::json!({"transmissions": old["transmissions"], "retries": old["retries"], "failed_deliveries": old["failed_deliveries"]})
        };
        d.eq(
            &p("old_ap_after_leaving"),
            &old,
            &want["old_ap_after_leaving"],
        );
    }
}

/// The TSPECs in the request and the ADDTS responses.
fn compare_tspec_addts(d: &mut Diff, got: &Value, want: &Value, p: &dyn Fn(&str) -> String) {
    let tspec: Vec<Value> = got["tspec"]
        .as_array()
        .map(|l| l.iter().map(|t| serde_json::json!({"up": t["up"], "tid": t["tid"], "direction": t["direction"]})).collect())
        .unwrap_or_default();
    d.eq(&p("tspec"), &Value::Array(tspec), &want["tspec_in_request"]);
    // ADDTS responses.
    let addts: Vec<Value> = got["addts"]
        .as_array()
        .map(|l| l.iter().map(|a| serde_json::json!({"status": a["status"], "up": a["up"], "frame": a["frame"]})).collect())
        .unwrap_or_default();
    let want_addts: Vec<Value> = want["addts"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|a| serde_json::json!({"status": a["status"], "up": a.get("up").cloned().unwrap_or(Value::Null), "frame": a["frame"]}))
                .collect()
        })
        .unwrap_or_default();
    d.eq(&p("addts"), &Value::Array(addts), &Value::Array(want_addts));
}

/// The EAPOL 4-way handshake and the deauthentication.
fn compare_eapol_deauth(d: &mut Diff, got: &Value, want: &Value, p: &dyn Fn(&str) -> String) {
    match (&got["eapol"], &want["eapol"]) {
        (Value::Null, Value::Null) => {}
        (g, w) if g.is_object() && w.is_object() => {
            for key in ["m1_frame", "m4_frame", "m1_retries"] {
                d.eq(&p(&format!("eapol.{key}")), &g[key], &w[key]);
            }
            for key in ["m1_time", "m4_time"] {
                d.near(&p(&format!("eapol.{key}")), &g[key], &w[key], TIME_TOL);
            }
        }
        (g, w) => d
            .problems
            .push(format!("{}: got {g}, want {w}", p("eapol"))),
    }
    // Deauthentication.
    match (&got["deauth"], &want["deauth"]) {
        (Value::Null, Value::Null) => {}
        (g, w) if g.is_object() && w.is_object() => {
            d.eq(&p("deauth.reason"), &g["reason"], &w["reason"]);
            d.eq(&p("deauth.frame"), &g["frame"], &w["frame"]);
            d.near(&p("deauth.time"), &g["time"], &w["time"], TIME_TOL);
        }
        (g, w) => d
            .problems
            .push(format!("{}: got {g}, want {w}", p("deauth"))),
    }
}

/// The voice gap of each direction.
fn compare_gaps(d: &mut Diff, got: &Value, want: &Value, p: &dyn Fn(&str) -> String) {
    for dir in ["uplink", "downlink"] {
        match (&got[dir], &want[dir]) {
            (Value::Null, Value::Null) => {}
            (g, w) if g.is_object() && w.is_object() => {
                for key in [
                    "last_before_frame",
                    "first_after_frame",
                    "lost",
                    "measured_from",
                ] {
                    d.eq(&p(&format!("{dir}.{key}")), &g[key], &w[key]);
                }
                d.near(
                    &p(&format!("{dir}.gap_ms")),
                    &g["gap_ms"],
                    &w["gap_ms"],
                    GAP_TOL_MS,
                );
                for key in ["last_before_time", "first_after_time"] {
                    d.near(&p(&format!("{dir}.{key}")), &g[key], &w[key], TIME_TOL);
                }
            }
            (g, w) => d.problems.push(format!("{}: got {g}, want {w}", p(dir))),
        }
    }
}

/// Exactly the expected finding codes, each with a message.
fn compare_findings(d: &mut Diff, got: &Value, want: &Value, p: &dyn Fn(&str) -> String) {
    let mut codes: Vec<String> = got["findings"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|f| f["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut want_codes: Vec<String> = want["expected_findings"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|f| f.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    codes.sort();
    want_codes.sort();
    if codes != want_codes {
        d.problems.push(format!(
            "{}: got {codes:?}, want {want_codes:?}",
            p("findings")
        ));
    }
    for finding in got["findings"].as_array().into_iter().flatten() {
        if finding["message"].as_str().is_none_or(str::is_empty) {
            d.problems.push(format!(
                "{}: finding without a message: {finding}",
                p("findings")
            ));
        }
    }
}

/// The RTP streams the capture shows in the clear, with their counts.
fn compare_streams(d: &mut Diff, report: &Value, truth: &Value) {
    let streams = report["streams"].as_array().cloned().unwrap_or_default();
    let want_streams: Vec<&Value> = truth["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s.get("rtp_visible").is_none_or(|v| v == &Value::Bool(true)))
        .collect();
    let key = |s: &Value| {
        (
            s["ssrc"].to_string(),
            s["direction"].to_string(),
            s["station"].to_string(),
        )
    };
    let mut got_keys: Vec<_> = streams.iter().map(key).collect();
    let mut want_keys: Vec<_> = want_streams.iter().map(|s| key(s)).collect();
    got_keys.sort();
    want_keys.sort();
    if got_keys != want_keys {
        d.problems
            .push(format!("streams: got {got_keys:?}, want {want_keys:?}"));
    }
    for want in want_streams {
        let Some(got) = streams.iter().find(|s| key(s) == key(want)) else {
            continue;
        };
        let p = |field: &str| format!("stream {} {} {field}", want["ssrc"], want["direction"]);
        for k in ["received", "expected", "lost", "duplicates"] {
            d.eq(&p(k), &got[k], &want[k]);
        }
        d.near(
            &p("max_gap_ms"),
            &got["max_gap_ms"],
            &want["max_gap_ms"],
            GAP_TOL_MS,
        );
    }
}

/// Counts per key, as the tshark truth files count codes.
pub fn counted(keys: impl Iterator<Item = String>) -> Value {
    let mut m: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for k in keys {
        *m.entry(k).or_default() += 1;
    }
    serde_json::json!(m)
}

/// Compares a capture's counters (from the JSON report) with tshark's counts of the same file
/// (`*.tshark.json`): frames, every type/subtype, EAPOL messages, retry and protected bits, and
/// the status, reason and authentication-algorithm codes of the decoded management frames.
pub fn compare_with_tshark(path: &Path, truth: &Value) -> Diff {
    let report = analyze_file(path);
    let c = &report["captures"][0];
    let mut d = Diff::new(path.display().to_string());
    d.eq("frames", &c["frames"], &truth["frames"]);
    d.eq("type_subtype", &c["type_subtype"], &truth["type_subtype"]);
    d.eq(
        "eapol_key_msg",
        &c["eapol_key_msg"],
        &truth["eapol_key_msg"],
    );
    d.eq("retries", &c["retries"], &truth["retry"]);
    d.eq("protected", &c["protected"], &truth["protected"]);
    // tshark counts the broadcast BSSID of wildcard probe requests too; roamgap lists real BSSs
    // only. With tshark's list of BSSIDs (`bssid_list`), the lists must be equal.
    let ours: Vec<Value> = c["bss"]
        .as_array()
        .map(|b| b.iter().map(|b| b["bssid"].clone()).collect())
        .unwrap_or_default();
    if let Some(list) = truth["bssid_list"].as_array() {
        let theirs: Vec<Value> = list
            .iter()
            .filter(|b| b.as_str() != Some("ff:ff:ff:ff:ff:ff"))
            .cloned()
            .collect();
        d.eq("bssids", &Value::Array(ours), &Value::Array(theirs));
    } else {
        let (ours, theirs) = (ours.len() as u64, truth["bssids"].as_u64().unwrap_or(0));
        if !(ours == theirs || ours + 1 == theirs) {
            d.problems.push(format!(
                "bssids: got {ours}, tshark {theirs} (with broadcast)"
            ));
        }
    }

    use roamgap::events::EventKind;
    use roamgap_wire::dot11::action::AddtsKind;
    let cap = CaptureFile::open(path).unwrap();
    let (_, events) = Pipeline::new(&Default::default()).events(&cap).unwrap();
    // The third frame of Shared Key authentication is WEP ciphertext: roamgap knows it from
    // its Protected bit (algorithm 1, sequence 3); tshark reads no field of it.
    let readable = |e: &&roamgap::events::Event| {
        !matches!(
            e.kind,
            EventKind::Auth {
                algorithm: 1,
                sequence: 3,
                ..
            }
        )
    };
    let status = events.iter().filter(readable).filter_map(|e| match e.kind {
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
        // And the status of FT action responses (over the DS).
        EventKind::FtAction {
            status: Some(s), ..
        } => Some(format!("{s:#06x}")),
        _ => None,
    });
    let (ba_status, ba_reasons) = block_ack_codes(&cap);
    let status = status.chain(ba_status.iter().map(|s| format!("{s:#06x}")));
    d.eq("status codes", &counted(status), &truth["status_codes"]);
    let reasons = events.iter().filter_map(|e| match e.kind {
        EventKind::Deauth { reason, .. } => Some(format!("{reason:#06x}")),
        _ => None,
    });
    let reasons = reasons.chain(ba_reasons.iter().map(|r| format!("{r:#06x}")));
    d.eq("reason codes", &counted(reasons), &truth["reason_codes"]);
    let algorithms = events.iter().filter(readable).filter_map(|e| match e.kind {
        EventKind::Auth { algorithm, .. } => Some(algorithm.to_string()),
        _ => None,
    });
    d.eq(
        "auth algorithms",
        &counted(algorithms),
        &truth["auth_algorithms"],
    );
    d
}

/// The status codes of ADDBA Responses and the reason codes of DELBAs (Block Ack action frames,
/// 9.6.4.3 and 9.6.4.4), which tshark files with the other status and reason codes: roamgap
/// has no event for them (they do not make a roam), so they are read from the frames here,
/// every frame as tshark reads it (whatever its FCS).
pub fn block_ack_codes(cap: &CaptureFile) -> (Vec<u16>, Vec<u16>) {
    use roamgap_wire::dot11::{subtype, Frame, FrameType};
    let (mut status, mut reasons) = (Vec::new(), Vec::new());
    let Ok(records) = cap.records() else {
        return (status, reasons);
    };
    for r in records.map_while(Result::ok) {
        let Ok(link) =
            roamgap_wire::linklayer::decode(r.linktype, r.data, r.fcs_len, &Default::default())
        else {
            continue;
        };
        let Ok(frame) = Frame::new_checked(link.dot11, link.header_padded) else {
            continue;
        };
        let fc = frame.frame_control();
        if fc.frame_type() != FrameType::Management
            || fc.subtype() != subtype::ACTION
            || fc.protected()
        {
            continue;
        }
        match frame.body() {
            [3, 1, _, lo, hi, ..] => status.push(u16::from_le_bytes([*lo, *hi])),
            [3, 2, _, _, lo, hi, ..] => reasons.push(u16::from_le_bytes([*lo, *hi])),
            _ => {}
        }
    }
    (status, reasons)
}

/// The frames of `path` a key of `ring` opens, by number; the protected frames; and the opened
/// data frames whose plaintext is neither LLC/SNAP nor an LLC XID (an independent check).
pub fn decrypted_frames(
    path: &std::path::Path,
    ring: &roamgap::crypto::keys::KeyRing,
) -> (std::collections::BTreeSet<u64>, u64, u64) {
    use roamgap::crypto::decrypt::Outcome;
    use roamgap_wire::dot11::{Frame, FrameType};
    let cap = CaptureFile::open(path).unwrap();
    let link = Default::default();
    let schedule = Pipeline::new(&Config {
        link,
        ..Default::default()
    })
    .keys(Some(ring))
    .key_schedule(&cap)
    .unwrap()
    .unwrap();
    let (mut out, mut protected, mut snap) = (std::collections::BTreeSet::new(), 0, 0);
    let mut buf = Vec::new();
    for r in cap.records().unwrap() {
        let Ok(r) = r else { break };
        let Ok(l) = roamgap_wire::linklayer::decode(r.linktype, r.data, r.fcs_len, &link) else {
            continue;
        };
        let Ok(f) = Frame::new_checked(l.dot11, l.header_padded) else {
            continue;
        };
        if f.frame_control().protected() {
            protected += 1;
            if schedule.decrypt_frame(&f, r.ts_ns, &mut buf) == Outcome::Decrypted {
                out.insert(r.number);
                if f.frame_control().frame_type() == FrameType::Data
                    && !buf.starts_with(&[0xaa, 0xaa, 0x03])
                    // The layer 2 update frame an AP broadcasts when a station (re)associates
                    // (an LLC XID: n-02.cap frames 62 and 119).
                    && buf[..] != [0x00, 0x01, 0xaf, 0x81, 0x01, 0x00]
                {
                    snap += 1;
                }
            }
        }
    }
    (out, protected, snap)
}

/// The JSON report of one capture analyzed with the keys of `ring` (in parallel segments).
pub fn analyze_keyed(
    path: &std::path::Path,
    ring: Option<&roamgap::crypto::keys::KeyRing>,
) -> Value {
    let cap = CaptureFile::open(path).unwrap();
    let a = Pipeline::new(&Config::default())
        .plan(roamgap::pipeline::Plan::parallel())
        .keys(ring)
        .analyze(0, &cap)
        .unwrap();
    serde_json::from_str(&Report::new(vec![a]).to_json()).unwrap()
}
