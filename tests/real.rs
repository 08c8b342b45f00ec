//! Real captures (tcpdump's 802.11 test files, partly hostile) against tshark's counts of the
//! same files (`*.tshark.json`, written by tshark 4.0).

mod common;

use std::path::PathBuf;

use common::{analyze_file, compare_with_tshark, data, read_json};
use roamgap::capture::CaptureFile;
use roamgap::events::EventKind;
use roamgap::pipeline;
use serde_json::json;

fn real_captures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data("real"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 17, "tests/data/real holds 17 captures");
    files
}

#[test]
fn counts_equal_tshark() {
    for path in real_captures() {
        let truth = read_json(&PathBuf::from(format!("{}.tshark.json", path.display())));
        let mut d = compare_with_tshark(&path, &truth);
        // No RTP in these captures (tcpdump's htc frame carries DHCP, not RTP).
        d.eq(
            "rtp packets",
            &analyze_file(&path)["captures"][0]["rtp_packets"],
            &json!(0),
        );
        d.assert_ok();
    }
}

#[test]
fn status_and_reason_files_carry_their_code() {
    for (file, code) in [
        ("status_code-0", 0u16),
        ("status_code-1", 1),
        ("status_code-17", 17),
        ("status_code-47", 47),
        ("status_code-53", 53),
    ] {
        let cap = CaptureFile::open(&data(&format!("real/{file}.pcap"))).unwrap();
        let (_, events) = pipeline::decode_capture(&cap).unwrap();
        assert!(
            matches!(events.as_slice(), [e] if matches!(e.kind, EventKind::Auth { status, .. } if status == code)),
            "{file}: {events:?}"
        );
    }
    for (file, code) in [
        ("reason_code-2", 2u16),
        ("reason_code-8", 8),
        ("reason_code-15", 15),
    ] {
        let cap = CaptureFile::open(&data(&format!("real/{file}.pcap"))).unwrap();
        let (_, events) = pipeline::decode_capture(&cap).unwrap();
        assert!(
            matches!(events.as_slice(), [e] if matches!(e.kind, EventKind::Deauth { reason, disassociation: false } if reason == code)),
            "{file}: {events:?}"
        );
    }
}

#[test]
fn hostile_frames_are_reported_not_fatal() {
    // radiotap headers with version 48: rejected, named, counted; tshark shows them as
    // undissectable too (no type/subtype).
    for file in [
        "radiotap-heapoverflow",
        "ieee802.11_meshhdr-oobr",
        "ieee802.11_rates_oobr",
    ] {
        let report = analyze_file(&data(&format!("real/{file}.pcap")));
        let c = &report["captures"][0];
        assert_eq!(c["malformed"], 1, "{file}");
        assert_eq!(c["issues"][0]["frame"], 1, "{file}");
        assert!(
            c["issues"][0]["message"]
                .as_str()
                .unwrap()
                .contains("radiotap header: version"),
            "{file}"
        );
    }
    // Frames cut by the snapshot length (255 of 262144 bytes captured) end inside an element:
    // not malformed, decoded as far as captured. tshark calls one frame of each file
    // malformed, for the cipher/AKM counts inside a beacon's RSN element (0x3030 suites), a
    // field roamgap reads only in association requests.
    for (file, cut) in [
        ("ieee802.11_parse_elements_oobr", 1),
        ("ieee802.11_tim_ie_oobr", 4),
    ] {
        let report = analyze_file(&data(&format!("real/{file}.pcap")));
        assert_eq!(report["captures"][0]["malformed"], 0, "{file}");
        assert_eq!(report["captures"][0]["cut_by_snaplen"], cut, "{file}");
    }
}

#[test]
fn association_sequence_is_decoded() {
    // exthdr: a station probing, authenticating and associating.
    let cap = CaptureFile::open(&data("real/ieee802.11_exthdr.pcap")).unwrap();
    let (summary, events) = pipeline::decode_capture(&cap).unwrap();
    assert_eq!(summary.counters.frames, 26);
    let assoc: Vec<(u64, bool)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::AssocRequest(_) => Some((e.frame, true)),
            EventKind::AssocResponse { status: 0, .. } => Some((e.frame, false)),
            _ => None,
        })
        .collect();
    assert_eq!(assoc.len(), 2, "{assoc:?}");
    assert!(
        assoc[0].1 && !assoc[1].1 && assoc[0].0 < assoc[1].0,
        "{assoc:?}"
    );
}

#[test]
fn combined_signal_is_the_first_radiotap_signal_field() {
    // meshid frame 2 has three dBm signal fields: combined -38, then antennas -38 and -44.
    // tshark's wlan_radio.signal_dbm shows the last (-44); the combined one is the first.
    let cap = CaptureFile::open(&data("real/ieee802.11_meshid.pcap")).unwrap();
    let signals: Vec<Option<i8>> = cap
        .records()
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            roamgap::linklayer::decode(r.linktype, r.data, 0, &Default::default())
                .unwrap()
                .radio
                .signal_dbm
        })
        .collect();
    assert_eq!(signals, [Some(-34), Some(-38), Some(-34)]);
}
