//! PPI, Prism, AVS and remote capture (peekremote legacy and NG over Ethernet/IPv4/UDP): the
//! analysis equals the generator's truth, the counts equal tshark's, and the radio facts of
//! each header are read byte-exactly.

use crate::common;

use common::{analyze_file, compare_with_truth, compare_with_tshark, data, read_json};
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_wire::capture::CaptureFile;
use roamgap_wire::linklayer::{self, Fcs, LinkOptions};
use serde_json::json;

const LINKS: [&str; 5] = ["ppi", "prism", "avs", "peekremote", "peekremote-ng"];

#[test]
fn captures_match_truth_and_tshark() {
    for link in LINKS {
        let path = data(&format!("linktypes/cckm-missing-ie-{link}.pcap"));
        let report = analyze_file(&path);
        compare_with_truth(
            &report,
            &read_json(&data(&format!(
                "linktypes/cckm-missing-ie-{link}.truth.json"
            ))),
            link,
        );
        let tshark = read_json(&data(&format!(
            "linktypes/cckm-missing-ie-{link}.pcap.tshark.json"
        )));
        let mut d = compare_with_tshark(&path, &tshark);
        let ours: serde_json::Map<String, serde_json::Value> = report["streams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let n = s["received"].as_u64().unwrap() + s["duplicates"].as_u64().unwrap();
                (
                    s["ssrc"].as_str().unwrap().to_string(),
                    json!({ "packets": n }),
                )
            })
            .collect();
        d.eq(
            "rtp streams",
            &serde_json::Value::Object(ours),
            &tshark["rtp_streams"],
        );
        d.eq(
            "malformed",
            &report["captures"][0]["malformed"],
            &tshark["malformed"],
        );
        d.assert_ok();
    }
}

#[test]
fn every_link_type_over_seeds_and_containers() {
    for (i, link) in Link::ALL.into_iter().enumerate() {
        for (j, format) in FileFormat::ALL.into_iter().enumerate() {
            let seed = 200 + (i * 4 + j) as u64;
            let g = gen::generate("multi-phone", &Options { seed, format, link }).unwrap();
            let truth = serde_json::to_value(&g.truth).unwrap();
            let name = format!("multi-phone {} {}", link.name(), format.name());
            compare_with_truth(&common::analyze_bytes(&name, g.bytes), &truth, &name);
        }
    }
}

/// The first record of a generated capture of the given link layer.
fn first_record(link: Link) -> Vec<u8> {
    let g = gen::generate(
        "cckm-ok",
        &Options {
            seed: 1,
            format: FileFormat::Pcap,
            link,
        },
    )
    .unwrap();
    let cap = CaptureFile::from_vec("x", g.bytes).unwrap();
    let rec = cap.records().unwrap().next().unwrap().unwrap();
    rec.data.to_vec()
}

#[test]
fn headers_are_read_byte_exactly() {
    let opts = LinkOptions::default();
    // PPI: 8-byte header, 802.11-Common field (type 2, 20 bytes).
    let ppi: [u8; 32] = [
        0, 0, 32, 0, 105, 0, 0, 0, // version, flags, length 32, DLT 105
        2, 0, 20, 0, // field type 2, length 20
        1, 2, 3, 4, 5, 6, 7, 8, // TSF
        0x05, 0, // flags: FCS present, FCS invalid
        108, 0, // rate 54 Mb/s
        0x85, 0x09, // 2437 MHz
        0xc0, 0, 0, 0, // channel flags, FHSS
        0xc3, 0xa1, // -61 dBm, -95 dBm
    ];
    let mut rec = ppi.to_vec();
    rec.extend_from_slice(&[0x80, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]);
    let f = linklayer::decode(roamgap_wire::capture::LinkType::PPI, &rec, 0, &opts).unwrap();
    assert_eq!(f.radio.tsft, Some(0x0807_0605_0403_0201));
    assert_eq!(
        (
            f.radio.channel_mhz,
            f.radio.signal_dbm,
            f.radio.noise_dbm,
            f.radio.rate_500kbps
        ),
        (Some(2437), Some(-61), Some(-95), Some(108))
    );
    assert_eq!(f.radio.fcs, Fcs::Bad);
    assert_eq!(f.dot11, &[0x80, 0, 0, 0]);

    // Generated headers of each link layer: channel 2412 MHz (beacon of AP 1... any AP),
    // signal within the generator's range, the 802.11 frame starting with a beacon.
    for link in [
        Link::Ppi,
        Link::Prism,
        Link::Avs,
        Link::PeekRemote,
        Link::PeekRemoteNg,
    ] {
        let rec = first_record(link);
        let lt = roamgap_wire::capture::LinkType(u32::from(link.linktype()));
        let f = linklayer::decode(lt, &rec, 0, &opts).unwrap_or_else(|e| panic!("{link:?}: {e}"));
        assert!(
            matches!(f.radio.channel_mhz, Some(2412 | 2437 | 2462)),
            "{link:?}: {:?}",
            f.radio
        );
        assert!(
            f.radio.signal_dbm.is_some_and(|s| (-75..=-30).contains(&s)),
            "{link:?}: {:?}",
            f.radio
        );
        assert_eq!(f.dot11[0], 0x80, "{link:?}: a beacon");
        let header = rec.len() - f.dot11.len();
        let expected = match link {
            Link::Ppi => 32,
            Link::Prism => 144,
            Link::Avs => 64,
            Link::PeekRemote => 14 + 20 + 8 + 20 + 4,
            _ => 14 + 20 + 8 + 55 + 4,
        };
        assert_eq!(header, expected, "{link:?}: header and trailer bytes");
        if matches!(link, Link::PeekRemote | Link::PeekRemoteNg) {
            assert_eq!(f.radio.fcs, Fcs::Present);
            assert!(
                roamgap_wire::dot11::fcs::fcs_ok(&rec[rec.len() - f.dot11.len() - 4..]),
                "{link:?}: FCS"
            );
        }
    }

    // Remote capture on another port is not read unless told.
    let rec = first_record(Link::PeekRemote);
    let eth = roamgap_wire::capture::LinkType::ETHERNET;
    let other = LinkOptions {
        peekremote_port: 5555 + 1,
        ..LinkOptions::default()
    };
    assert!(matches!(
        linklayer::decode(eth, &rec, 0, &other),
        Err(linklayer::LinkError::NotWireless)
    ));
    // ... but the source port also counts (here 5555).
    assert!(linklayer::decode(
        eth,
        &rec,
        0,
        &LinkOptions {
            peekremote_port: 5555,
            ..LinkOptions::default()
        }
    )
    .is_ok());
}

#[test]
fn damaged_headers_are_named() {
    let opts = LinkOptions::default();
    let lt = |n| roamgap_wire::capture::LinkType(n);
    let cases: [(u32, &[u8], &str); 5] = [
        (
            192,
            &[0, 0, 200, 0, 105, 0, 0, 0, 1, 2],
            "PPI header: length field runs past the end of the record",
        ),
        (
            192,
            &[0, 0, 8, 0, 1, 0, 0, 0],
            "PPI header: carries a link type other than 105 (IEEE 802.11)",
        ),
        (
            119,
            &[
                0x44, 0, 0, 0, 144, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ],
            "Prism header: shorter than its 144-byte header",
        ),
        (
            163,
            &[0x80, 0x21, 0x10, 0x01, 0, 0, 0, 200],
            "AVS header: length field runs past the end of the record",
        ),
        (
            163,
            &[1, 2, 3, 4, 0, 0, 0, 64],
            "AVS header: unknown version",
        ),
    ];
    for (linktype, bytes, message) in cases {
        let e = linklayer::decode(lt(linktype), bytes, 0, &opts).unwrap_err();
        assert_eq!(e.to_string(), message);
    }
}

#[test]
fn a_wrong_fcs_is_counted_and_the_frame_skipped() {
    // tcpdump's rx-stbc frames carry an FCS that does not match their bytes; tshark agrees
    // once asked to check (`-o wlan.check_checksum:TRUE`: FCS status bad on all 3 frames).
    let report = analyze_file(&data("real/ieee802.11_rx-stbc.pcap"));
    assert_eq!(report["captures"][0]["bad_fcs"], 3);

    // A remote-capture stream with one byte of one reassociation request flipped in transit:
    // the FCS no longer matches, the request is skipped, and the roam is seen from the
    // retransmission or not at all — never from corrupted addresses.
    let g = gen::generate(
        "cckm-ok",
        &Options {
            seed: 4,
            format: FileFormat::Pcap,
            link: Link::PeekRemote,
        },
    )
    .unwrap();
    let request = g.truth.roams[0].request_frame;
    let mut bytes = g.bytes.clone();
    let mut at = 24;
    for _ in 1..request {
        at += 16 + u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
    }
    // Ethernet 14, IPv4 20, UDP 8, peekremote 20, then the frame: corrupt the transmitter.
    bytes[at + 16 + 14 + 20 + 8 + 20 + 10] ^= 0x40;
    let report = common::analyze_bytes("corrupted", bytes);
    assert_eq!(report["captures"][0]["bad_fcs"], 1);
    let first = report["roams"][0]["request_frame"].as_u64().unwrap();
    assert_ne!(first, request, "the corrupted request is not used");
    let stations: Vec<&str> = report["roams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["station"].as_str().unwrap())
        .collect();
    assert!(
        stations
            .iter()
            .all(|s| *s == g.truth.roams[0].station.to_string()),
        "{stations:?}"
    );
}
