//! Roams the sniffer saw only in part: a missed response, a missed reassociation.

use crate::common;

use common::analyze_bytes;
use roamgap_gen::{self as gen, FileFormat, Link, Options};

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
    let response = roam.response_frame.unwrap();
    let responses: Vec<u64> = exchange_frames(&g.bytes, response, 1)
        .into_iter()
        .filter(|&f| f >= response)
        .collect();
    let report = analyze_bytes("no-response", drop_frames(&g.bytes, &responses));
    let r = &report["roams"][0];
    assert_eq!(r["request_frame"], roam.request_frame);
    assert!(
        r["status"].is_null() && r["response_frame"].is_null() && r["reassoc_latency_ms"].is_null(),
        "{r}"
    );
    // The voice through the new AP still closes the gap, and completes the roam.
    assert!(r["uplink"]["gap_ms"].as_f64().unwrap() < 150.0);
    assert_eq!(r["outcome"], "completed");
    assert_eq!(report["roams"].as_array().unwrap().len(), 2);
}

/// The frame's number once `dropped` frames are taken out of the capture.
fn renumbered(frame: u64, dropped: &[u64]) -> u64 {
    frame - dropped.iter().filter(|&&d| d < frame).count() as u64
}

#[test]
fn a_missed_reassociation_is_a_missed_roam_not_an_invented_one() {
    let g = healthy_roams();
    let roam = &g.truth.roams[0];
    let missing = exchange_frames(
        &g.bytes,
        roam.request_frame,
        roam.response_frame.unwrap() - roam.request_frame + 1,
    );
    assert!(missing.len() >= 2);
    let report = analyze_bytes("no-reassoc", drop_frames(&g.bytes, &missing));
    let roams = report["roams"].as_array().unwrap();
    assert_eq!(roams.len(), 1, "only the second roam remains");
    let missed = report["missed_roams"].as_array().unwrap();
    assert_eq!(missed.len(), 1, "{missed:?}");
    let m = &missed[0];
    assert_eq!(m["station"], serde_json::to_value(roam.station).unwrap());
    assert_eq!(
        m["from_bssid"],
        serde_json::to_value(roam.from_bssid).unwrap()
    );
    assert_eq!(m["to_bssid"], serde_json::to_value(roam.to_bssid).unwrap());
    // Measured between the station's own data frames: here its voice, so the uplink gap.
    let up = roam.uplink.as_ref().unwrap();
    assert_eq!(
        m["last_frame_old"],
        renumbered(up.last_before_frame, &missing)
    );
    assert_eq!(
        m["first_frame_new"],
        renumbered(up.first_after_frame.unwrap(), &missing)
    );
    assert!((m["gap_ms"].as_f64().unwrap() - up.gap_ms.unwrap()).abs() < 0.001);
    // The sniffer heard the new AP's channel all along: it missed the exchange, nothing more.
    assert_eq!(m["channel_captured"], true);
    assert!(m["findings"].as_array().unwrap().is_empty(), "{m}");
    assert_eq!(report["stations"][0]["missed_roams"], 1);
    // The second roam starts from the AP the station moved to unseen.
    assert_eq!(
        roams[0]["from_bssid"],
        serde_json::to_value(roam.to_bssid).unwrap()
    );
}

#[test]
fn a_roam_to_a_channel_the_sniffer_was_not_on_is_an_uncovered_channel_finding() {
    let g = healthy_roams();
    let roam = &g.truth.roams[0];
    let up = roam.uplink.as_ref().unwrap();
    let to_mhz = |data: &[u8]| {
        roamgap_wire::linklayer::decode(
            roamgap_wire::capture::LinkType::RADIOTAP,
            data,
            0,
            &Default::default(),
        )
        .ok()
        .and_then(|l| l.radio.channel_mhz)
    };
    // The new AP's channel, from the frame that resumed the voice.
    let recs = records(&g.bytes);
    let rec = |n: u64| {
        let (_, at, len) = recs[n as usize - 1];
        &g.bytes[at + 16..at + 16 + len]
    };
    let new_mhz = to_mhz(rec(up.first_after_frame.unwrap())).unwrap();
    // A sniffer hopping away from that channel for 600 ms until the first voice on the new
    // AP: every frame on it in between is gone.
    let resumed = up.first_after_time.unwrap();
    let gone: Vec<u64> = (1..up.first_after_frame.unwrap())
        .filter(|&n| {
            let (_, at, _) = recs[n as usize - 1];
            let t = u32::from_le_bytes(g.bytes[at..at + 4].try_into().unwrap()) as f64
                + f64::from(u32::from_le_bytes(
                    g.bytes[at + 4..at + 8].try_into().unwrap(),
                )) / 1e6;
            t > resumed - 0.6 && to_mhz(rec(n)) == Some(new_mhz)
        })
        .collect();
    assert!(gone.contains(&roam.request_frame));
    let report = analyze_bytes("hopping", drop_frames(&g.bytes, &gone));
    let missed = report["missed_roams"].as_array().unwrap();
    assert_eq!(missed.len(), 1, "{missed:?}");
    let m = &missed[0];
    assert_eq!(m["channel_captured"], false);
    let findings = m["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["code"], "uncovered-channel");
    assert_eq!(
        findings[0]["evidence"],
        serde_json::json!([
            renumbered(up.last_before_frame, &gone),
            renumbered(up.first_after_frame.unwrap(), &gone)
        ])
    );
}
