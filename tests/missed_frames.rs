//! Roams the sniffer saw only in part: a missed response, a missed reassociation.

mod common;

use common::analyze_bytes;
use roamgap::gen::{self, FileFormat, Link, Options};

/// (frame number, offset of the record header, captured length) of each record of a pcap.
fn records(pcap: &[u8]) -> Vec<(u64, usize, usize)> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((out.len() as u64 + 1, at, len));
        at += 16 + len;
    }
    out
}

/// A classic pcap without the given frames (1-based numbers).
fn drop_frames(pcap: &[u8], drop: &[u64]) -> Vec<u8> {
    let mut out = pcap[..24].to_vec();
    for (n, at, len) in records(pcap) {
        if !drop.contains(&n) {
            out.extend_from_slice(&pcap[at..at + 16 + len]);
        }
    }
    out
}

/// (Re)association requests and responses among `count` + 2 frames from `first` (so that
/// 802.11 retransmissions, which follow within a millisecond, are included).
fn exchange_frames(pcap: &[u8], first: u64, count: u64) -> Vec<u64> {
    records(pcap)
        .into_iter()
        .filter(|&(n, at, _)| {
            // Radiotap header of 16 bytes, then the frame control's first byte.
            let fc = pcap[at + 16 + 16];
            n >= first && n < first + count + 2 && (fc == 0x20 || fc == 0x30)
        })
        .map(|(n, _, _)| n)
        .collect()
}

/// Two healthy CCKM roams (radiotap, classic pcap).
fn healthy_roams() -> gen::Generated {
    gen::generate(
        "cckm-ok",
        &Options {
            seed: 3,
            format: FileFormat::Pcap,
            link: Link::Radiotap,
        },
    )
    .unwrap()
}

#[test]
fn a_missed_response_leaves_the_roam_without_status() {
    let g = healthy_roams();
    let roam = &g.truth.roams[0];
    let responses: Vec<u64> = exchange_frames(&g.bytes, roam.response_frame, 1)
        .into_iter()
        .filter(|&f| f >= roam.response_frame)
        .collect();
    let report = analyze_bytes("no-response", drop_frames(&g.bytes, &responses));
    let r = &report["roams"][0];
    assert_eq!(r["request_frame"], roam.request_frame);
    assert!(
        r["status"].is_null() && r["response_frame"].is_null() && r["reassoc_latency_ms"].is_null(),
        "{r}"
    );
    // The voice through the new AP still closes the gap.
    assert!(r["uplink"]["gap_ms"].as_f64().unwrap() < 150.0);
    assert_eq!(report["roams"].as_array().unwrap().len(), 2);
}

#[test]
fn a_missed_reassociation_is_a_note_not_an_invented_roam() {
    let g = healthy_roams();
    let roam = &g.truth.roams[0];
    let missing = exchange_frames(
        &g.bytes,
        roam.request_frame,
        roam.response_frame - roam.request_frame + 1,
    );
    assert!(missing.len() >= 2);
    let report = analyze_bytes("no-reassoc", drop_frames(&g.bytes, &missing));
    let roams = report["roams"].as_array().unwrap();
    assert_eq!(roams.len(), 1, "only the second roam remains");
    let notes = report["captures"][0]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .contains("did not see"),
        "{}",
        notes[0]
    );
    assert_eq!(
        notes[0]["station"],
        serde_json::to_value(roam.station).unwrap()
    );
    // The second roam starts from the AP the station moved to unseen.
    assert_eq!(
        roams[0]["from_bssid"],
        serde_json::to_value(roam.to_bssid).unwrap()
    );
}
