//! Frames the analysis must not take at face value: timestamps that run backwards, and
//! addresses a bit error made (captures without FCS keep their damaged frames). Each attack is
//! made here from a generated scenario, by rewriting bytes of the capture.

use crate::common;

use common::analyze_bytes;
use roamgap::analysis::Config;
use roamgap::pipeline::{Pipeline, Plan};
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_report::Report;
use roamgap_wire::capture::CaptureFile;
use serde_json::Value;

fn scenario(name: &str, link: Link) -> Vec<u8> {
    let o = Options {
        seed: 1,
        format: FileFormat::Pcap,
        link,
    };
    gen::generate(name, &o).unwrap().bytes
}

/// (offset of the record header, offset of the 802.11 frame, record length) of each record
/// of a classic little-endian pcap file, in frame order.
fn records(bytes: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[off + 8..off + 12].try_into().unwrap()) as usize;
        let data = off + 16;
        // Radiotap: its header length is in octets 2-3; plain 802.11 (105) has none.
        let linktype = u32::from_le_bytes(bytes[20..24].try_into().unwrap());
        let skip = if linktype == 127 {
            u16::from_le_bytes([bytes[data + 2], bytes[data + 3]]) as usize
        } else {
            0
        };
        out.push((off, data + skip, len));
        off = data + len;
    }
    out
}

/// A record's time, ns (microsecond pcap).
fn time_ns(bytes: &[u8], header: usize) -> i64 {
    let s = u32::from_le_bytes(bytes[header..header + 4].try_into().unwrap()) as i64;
    let us = u32::from_le_bytes(bytes[header + 4..header + 8].try_into().unwrap()) as i64;
    s * 1_000_000_000 + us * 1000
}

fn set_time_ns(bytes: &mut [u8], header: usize, ns: i64) {
    let (s, us) = (ns / 1_000_000_000, ns % 1_000_000_000 / 1000);
    bytes[header..header + 4].copy_from_slice(&(s as u32).to_le_bytes());
    bytes[header + 4..header + 8].copy_from_slice(&(us as u32).to_le_bytes());
}

/// Every number under a key ending in `_ms` (gaps, durations, outages, phases).
fn durations(v: &Value, key: &str, out: &mut Vec<(String, f64)>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| durations(x, k, out)),
        Value::Array(a) => a.iter().for_each(|x| durations(x, key, out)),
        Value::Number(n) if key.ends_with("_ms") => {
            out.push((key.to_string(), n.as_f64().unwrap()))
        }
        _ => {}
    }
}

/// The report of every plan (in order, in parallel, segments that split the capture).
fn every_plan(bytes: &[u8]) -> String {
    let cap = CaptureFile::from_vec("moved", bytes.to_vec()).unwrap();
    let plans = [
        Plan::sequential(),
        Plan::parallel(),
        Plan {
            segment_bytes: 64 << 10,
            ..Plan::parallel()
        },
        Plan {
            batch_records: 100,
            chunk_records: 7,
            segment_bytes: 0,
            ..Plan::parallel()
        },
    ];
    let reports: Vec<String> = plans
        .iter()
        .map(|p| {
            Report::new(vec![Pipeline::new(&Config::default())
                .plan(*p)
                .analyze(0, &cap)
                .unwrap()])
            .to_json()
        })
        .collect();
    for (p, r) in plans.iter().zip(&reports) {
        assert_eq!(r, &reports[0], "{p:?}");
    }
    reports[0].clone()
}

/// Moves the first uplink voice packet after the first roam `back_ns` earlier; returns the
/// capture, the report, that frame and the latest time of the frames before it.
fn move_back(back_ns: i64) -> (Vec<u8>, Value, u64, i64) {
    let mut bytes = scenario("cckm-ok", Link::Radiotap);
    let before = analyze_bytes("cckm-ok", bytes.clone());
    let frame = before["roams"][0]["uplink"]["first_after_frame"]
        .as_u64()
        .unwrap();
    let recs = records(&bytes);
    let header = recs[frame as usize - 1].0;
    let latest = recs[..frame as usize - 1]
        .iter()
        .map(|r| time_ns(&bytes, r.0))
        .max()
        .unwrap();
    let t = time_ns(&bytes, header);
    set_time_ns(&mut bytes, header, t - back_ns);
    let report: Value = serde_json::from_str(&every_plan(&bytes)).unwrap();
    (bytes, report, frame, latest)
}

fn check_moved(back_ns: i64, wording: &str) {
    let (bytes, report, frame, latest) = move_back(back_ns);
    let recs = records(&bytes);
    let moved = time_ns(&bytes, recs[frame as usize - 1].0);
    let up = &report["roams"][0]["uplink"];
    assert_eq!(up["first_after_frame"], frame);
    // The frame is analyzed at the latest time before it: the gap runs to that time.
    let last_before = (up["last_before_time"].as_f64().unwrap() * 1e6).round() as i64 * 1000;
    let want = ((latest - last_before) as f64 / 1e3).round() / 1e3;
    assert_eq!(up["gap_ms"].as_f64().unwrap(), want);
    assert!(want >= 0.0);
    let mut all = Vec::new();
    durations(&report, "", &mut all);
    let negative: Vec<_> = all.iter().filter(|(_, v)| *v < 0.0).collect();
    assert!(negative.is_empty(), "{negative:?}");
    // Named: how many frames, which, and the largest step back.
    let t = &report["captures"][0]["time_steps_back"];
    assert_eq!(t["frames"], 1);
    assert_eq!(t["first_frames"], serde_json::json!([frame]));
    assert_eq!(t["largest_frame"], frame);
    assert_eq!(t["largest_ns"], latest - moved);
    let a = Pipeline::new(&Config::default())
        .analyze(0, &CaptureFile::from_vec("moved.pcap", bytes).unwrap())
        .unwrap();
    let warnings = Report::new(vec![a]).warnings();
    let w = warnings
        .iter()
        .find(|w| w.contains(wording))
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(w.contains(&format!("frame {frame}")), "{w}");
    assert!(w.contains("analyzed at the latest time before it"), "{w}");
}

#[test]
fn a_frame_50_ms_early_gives_no_negative_gap() {
    // Unheld, the uplink gap was -10.06 ms.
    check_moved(
        50_000_000,
        "1 frame is timestamped earlier than a frame before it",
    );
}

#[test]
fn a_frame_1_s_early_gives_no_negative_gap() {
    // Unheld, the uplink gap was -960 ms.
    check_moved(1_000_000_000, "frames written out of order");
}

#[test]
fn a_clock_set_back_is_named_as_such() {
    // Every frame from the moved one on is 5 s earlier: a clock step.
    let mut bytes = scenario("cckm-ok", Link::Radiotap);
    let recs = records(&bytes);
    let at = recs.len() / 2;
    for r in &recs[at..] {
        let t = time_ns(&bytes, r.0);
        set_time_ns(&mut bytes, r.0, t - 5_000_000_000);
    }
    let report: Value = serde_json::from_str(&every_plan(&bytes)).unwrap();
    let t = &report["captures"][0]["time_steps_back"];
    let behind = recs[at..]
        .iter()
        .filter(|r| time_ns(&bytes, r.0) < time_ns(&bytes, recs[at - 1].0))
        .count();
    assert_eq!(t["frames"], behind as u64);
    assert_eq!(t["first_frames"][0], at as u64 + 1);
    let mut all = Vec::new();
    durations(&report, "", &mut all);
    assert!(all.iter().all(|(_, v)| *v >= 0.0), "{all:?}");
    let a = Pipeline::new(&Config::default())
        .analyze(0, &CaptureFile::from_vec("stepped.pcap", bytes).unwrap())
        .unwrap();
    let warnings = Report::new(vec![a]).warnings();
    assert!(
        warnings.iter().any(|w| w.contains(&format!(
            "the capture's clock steps back by {:.3} s at frame {}",
            t["largest_ns"].as_f64().unwrap() / 1e9,
            t["largest_frame"]
        ))),
        "{warnings:?}"
    );
}

#[test]
fn a_step_back_of_microseconds_is_counted_without_a_warning() {
    // Multi-radio sniffers interleave their frames microseconds out of order: held and
    // counted, below the 0.1 ms the reports resolve, not worth a warning.
    let mut bytes = scenario("cckm-ok", Link::Radiotap);
    let recs = records(&bytes);
    let at = recs.len() / 2;
    let latest = recs[..at]
        .iter()
        .map(|r| time_ns(&bytes, r.0))
        .max()
        .unwrap();
    set_time_ns(&mut bytes, recs[at].0, latest - 30_000);
    let report: Value = serde_json::from_str(&every_plan(&bytes)).unwrap();
    let t = &report["captures"][0]["time_steps_back"];
    assert_eq!(t["frames"], 1);
    assert_eq!(t["largest_frame"], at as u64 + 1);
    assert_eq!(t["largest_ns"], 30_000);
    let a = Pipeline::new(&Config::default())
        .analyze(
            0,
            &CaptureFile::from_vec("interleaved.pcap", bytes).unwrap(),
        )
        .unwrap();
    let warnings = Report::new(vec![a]).warnings();
    assert!(
        !warnings.iter().any(|w| w.contains("timestamped earlier")),
        "{warnings:?}"
    );
}

#[test]
fn frames_in_order_name_no_step_back() {
    let bytes = scenario("cckm-ok", Link::Radiotap);
    let report: Value = serde_json::from_str(&every_plan(&bytes)).unwrap();
    assert!(report["captures"][0].get("time_steps_back").is_none());
}

/// Writes `addr` over the BSSID (address 1 of a frame to the DS, address 3 of a management
/// frame) of frame `frame`.
fn set_bssid(bytes: &mut [u8], frame: u64, addr: [u8; 6]) {
    let (_, at, _) = records(bytes)[frame as usize - 1];
    let fc = bytes[at];
    let to_ds = bytes[at + 1] & 1 != 0;
    let field = match (fc >> 2) & 3 {
        2 if to_ds => 4,
        0 => 16,
        t => panic!("frame {frame}: type {t}"),
    };
    bytes[at + field..at + field + 6].copy_from_slice(&addr);
}

const DAMAGED: [u8; 6] = [0x00, 0x3a, 0x98, 0x77, 0x66, 0x55];

#[test]
fn one_data_frame_through_a_damaged_bssid_is_no_missed_roam() {
    let mut bytes = scenario("cckm-ok", Link::Dot11);
    let before = analyze_bytes("cckm-ok", bytes.clone());
    assert_eq!(before["missed_roams"], serde_json::json!([]));
    // An uplink voice packet (a data frame to the DS) in the middle of the call.
    let recs = records(&bytes);
    let last = before["roams"][0]["uplink"]["last_before_frame"]
        .as_u64()
        .unwrap();
    let frame = (1..last - 40)
        .rev()
        .find(|&f| {
            let at = recs[f as usize - 1].1;
            (bytes[at] >> 2) & 3 == 2 && bytes[at + 1] & 3 == 1
        })
        .unwrap();
    set_bssid(&mut bytes, frame, DAMAGED);
    let report: Value = serde_json::from_str(&every_plan(&bytes)).unwrap();
    assert_eq!(report["missed_roams"], serde_json::json!([]));
    assert_eq!(report["roams"], before["roams"]);
    let notes = report["captures"][0]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["frame"], frame);
    assert_eq!(
        notes[0]["message"],
        format!(
            "suspect frame {frame}: data through 00:3a:98:77:66:55, which no other frame of the capture names (no beacon, answer, data or second request): a damaged address, not a roam the sniffer missed"
        )
    );
}

#[test]
fn a_request_to_a_damaged_bssid_is_no_roam() {
    let mut bytes = scenario("cckm-ok", Link::Dot11);
    let before = analyze_bytes("cckm-ok", bytes.clone());
    let roams = before["roams"].as_array().unwrap();
    assert_eq!(roams.len(), 2);
    // The first roam's reassociation request names a BSSID no other frame names.
    let frame = roams[0]["request_frame"].as_u64().unwrap();
    set_bssid(&mut bytes, frame, DAMAGED);
    let report: Value = serde_json::from_str(&every_plan(&bytes)).unwrap();
    let got = report["roams"].as_array().unwrap();
    let damaged = "00:3a:98:77:66:55";
    assert!(got
        .iter()
        .all(|r| r["to_bssid"] != damaged && r["from_bssid"] != damaged));
    // The second roam is as it was: the station never joined the damaged BSSID.
    assert_eq!(
        got.last().unwrap()["request_frame"],
        roams[1]["request_frame"]
    );
    assert_eq!(got.last().unwrap()["from_bssid"], roams[1]["from_bssid"]);
    let notes: Vec<&str> = report["captures"][0]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&format!("suspect frame {frame}: a (re)association request to {damaged}, which no other frame of the capture names (no beacon, answer, data or second request): a damaged address, not a roam").as_str()),
        "{notes:?}"
    );
}
