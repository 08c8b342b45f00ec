//! Decryption of real captures with documented keys, against what tshark 4.0 decrypts in the
//! same files; every protected frame counted once; hostile protected bytes.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{analyze_keyed as analyze, data, decrypted_frames, read_json};
use roamgap::analysis::Config;
use roamgap::crypto::keys::KeyRing;
use roamgap::events::{Decoding, EventKind};
use roamgap::pipeline::{Pipeline, Plan};
use roamgap_report::Report;
use roamgap_wire::capture::CaptureFile;

/// The real captures with a documented key (`../shared/captures/real/external/SOURCES.md`,
/// relative to the repository root; GPL files, not copied here), when that directory exists.
fn external(rel: &str) -> Option<PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures/real/external")
        .join(rel);
    p.exists().then_some(p)
}

fn ring_for(kind: &str, key: &str) -> KeyRing {
    let mut ring = KeyRing::default();
    match kind {
        "wpa-pwd" => ring.add_passphrase(key).unwrap(),
        "wep" => ring.add_wep(key).unwrap(),
        _ => unreachable!("{kind}"),
    }
    ring
}

/// Where roamgap decrypts more than tshark 4.0, how many, and why roamgap is right. Every
/// other capture: exactly tshark's frames.
const BEYOND_TSHARK: [(&str, usize, &str); 3] = [
    (
        "aircrack-ng/n-02.cap",
        86,
        "tshark applies a GTK only from the message 3 that delivers it; the AP's 66 group \
         frames before the station's handshake (frames 2-119) are under the same GTK (key ID 1, \
         their packet numbers run on without a break across the handshake) and each passes its \
         CCMP MIC. All 81 group frames decrypt; the 17 unicast action frames before the \
         handshake belong to an association whose handshake was not captured (no key)",
    ),
    (
        "aircrack-ng/wpa.cap",
        2,
        "its Prism records end with the frame's FCS (the last 4 octets are the CRC-32 of the \
         rest; its ACKs are 14 octets), which tshark does not strip, so the TKIP ICV over the \
         body fails there; roamgap's Prism reader recognizes and strips it, and both TKIP \
         frames pass their ICV and Michael MIC",
    ),
    (
        "aircrack-ng/capture_wds-01.cap",
        46,
        "tshark 4.0 looks up no key for 4-address (WDS) data frames; each of the 46 passes its \
         CCMP MIC under the handshake's PTK and begins with LLC/SNAP (airdecap-ng's test \
         decrypts them too)",
    ),
];

#[test]
fn real_captures_decrypt_the_frames_tshark_decrypts() {
    // wpapsk-virgin_broadband: the one
    // handshake the passphrase reproduces (message 2 at frame 1529 with the message 3 that
    // answers it) was never completed, and no GTK was captured: nothing to decrypt, both 0.
    let oracle = read_json(&data("encrypted/real.tshark.json"));
    let (mut checked, mut frames) = (0, 0);
    for c in oracle["captures"].as_array().unwrap() {
        let name = c["capture"].as_str().unwrap();
        let Some(path) = external(name) else { continue };
        let ring = ring_for(c["key_type"].as_str().unwrap(), c["key"].as_str().unwrap());
        let (got, protected, not_snap) = decrypted_frames(&path, &ring);
        let want: BTreeSet<u64> = c["decrypted_frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(protected, c["protected"].as_u64().unwrap(), "{name}");
        assert_eq!(want.len() as u64, c["decrypted"].as_u64().unwrap());
        match BEYOND_TSHARK.iter().find(|(n, _, _)| *n == name) {
            Some((_, n, why)) => {
                assert_eq!(got.len(), *n, "{name}: {why}");
                assert!(want.is_subset(&got), "{name}: tshark decrypts frames roamgap does not");
            }
            None => assert!(
                got == want,
                "{name}: roamgap decrypts {} frames, tshark {}; only roamgap {:?}, only tshark {:?}",
                got.len(),
                want.len(),
                got.difference(&want).take(10).collect::<Vec<_>>(),
                want.difference(&got).take(10).collect::<Vec<_>>()
            ),
        }
        // Every decrypted data frame's plaintext is LLC/SNAP.
        assert_eq!(not_snap, 0, "{name}");
        checked += 1;
        frames += got.len();
    }
    eprintln!("{checked} real captures checked against tshark ({frames} frames decrypted)");
    if external("SOURCES.md").is_some() {
        assert_eq!(checked, oracle["captures"].as_array().unwrap().len());
        assert_eq!(frames, 30630 + 59 * 3 + 30 * 3 + 86 + 46 + 2 + 1);
    }
}

#[test]
fn every_protected_frame_lands_in_exactly_one_counter() {
    let oracle = read_json(&data("encrypted/real.tshark.json"));
    let mut checked = 0;
    for c in oracle["captures"].as_array().unwrap() {
        let name = c["capture"].as_str().unwrap();
        let Some(path) = external(name) else { continue };
        let ring = ring_for(c["key_type"].as_str().unwrap(), c["key"].as_str().unwrap());
        let report = analyze(&path, Some(&ring));
        let d = &report["captures"][0]["decryption"];
        let n = |k: &str| d[k].as_u64().unwrap();
        let reasons = &d["not_decryptable_reasons"];
        let r: u64 = ["too_short", "unknown_cipher", "bad_fcs", "damaged"]
            .iter()
            .map(|k| reasons[k].as_u64().unwrap())
            .sum();
        assert_eq!(r, n("not_decryptable"), "{name}");
        assert_eq!(
            n("decrypted") + n("mic_failures") + n("no_key") + n("not_decryptable"),
            n("protected"),
            "{name}: {d}"
        );
        // As many protected frames as tshark counts; as many decrypted as the frame-by-frame
        // comparison with tshark finds.
        assert_eq!(n("protected"), c["protected"].as_u64().unwrap(), "{name}");
        let want = BEYOND_TSHARK
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or(c["decrypted"].as_u64().unwrap(), |(_, n, _)| *n as u64);
        assert_eq!(n("decrypted"), want, "{name}");
        checked += 1;
    }
    eprintln!("{checked} real captures' decryption counters checked");
    if external("SOURCES.md").is_some() {
        assert_eq!(checked, oracle["captures"].as_array().unwrap().len());
    }
}

#[test]
fn a_passphrase_without_its_ssid_is_tried_with_the_ssids_the_capture_names() {
    let mut checked = 0;
    for (name, pass, ssid, want) in [
        // WPA1-TKIP: the SSID from the beacons and the association request.
        (
            "aircrack-ng/wpa-psk-linksys.cap",
            "dictionary",
            "linksys",
            59,
        ),
        ("aircrack-ng/n-02.cap", "bo$$password", "Neheb", 86),
    ] {
        let Some(path) = external(name) else { continue };
        let mut ring = KeyRing::default();
        let w =
            ring.add_wireshark_file("keys", &format!("\"wpa-pwd\",\"{pass}\"\n\"msk\",\"00\"\n"));
        assert_eq!(w.len(), 1, "the msk line is skipped, the passphrase read");
        let report = analyze(&path, Some(&ring));
        let d = &report["captures"][0]["decryption"];
        assert_eq!(d["handshakes_with_key"], 1, "{name}");
        assert_eq!(d["decrypted"], want, "{name}");
        assert!(!report.to_string().contains(pass));
        // Which SSID it matched for.
        let keys = d["keys"].to_string();
        assert!(
            keys.contains(&format!("SSID \\\"{ssid}\\\", named by the capture")),
            "{keys}"
        );
        checked += 1;
    }
    eprintln!("{checked} captures checked with a passphrase alone");
}

/// The report's warnings for a capture analyzed with one passphrase.
fn warnings_with_passphrase(path: &std::path::Path, passphrase: &str) -> String {
    let mut ring = KeyRing::default();
    ring.add_passphrase(passphrase).unwrap();
    let cap = CaptureFile::open(path).unwrap();
    let a = Pipeline::new(&Config::default())
        .plan(Plan::parallel())
        .keys(Some(&ring))
        .analyze(0, &cap)
        .unwrap();
    Report::new(vec![a]).warnings().join("\n")
}

#[test]
fn when_nothing_matches_the_report_says_what_to_check() {
    let mut checked = 0;
    if let Some(path) = external("aircrack-ng/wpa-psk-linksys.cap") {
        let w = warnings_with_passphrase(&path, "dictionary:Linksys");
        assert!(
            w.contains("no key given matched any of the 1 handshakes (for SSID \"linksys\")")
                && w.contains("spelled exactly"),
            "{w}"
        );
        checked += 1;
    }
    if let Some(path) = external("aircrack-ng/wpa3-psk.pcap") {
        // SAE: a passphrase cannot key it.
        let w = warnings_with_passphrase(&path, "abcdefgh:WPA3-Network");
        assert!(
            w.contains("1 handshake is SAE (WPA3-Personal) without a key") && w.contains("--pmk"),
            "{w}"
        );
        assert!(!w.contains("no key given matched"), "{w}");
        checked += 1;
    }
    eprintln!("{checked} captures checked for advice");
}

#[test]
fn wep_opens_the_shared_key_authentication_and_group_frames() {
    use roamgap::crypto::handshake::KeySchedule;
    use roamgap::crypto::wep;
    use roamgap::events::{decode_record_with, FrameCounters};
    use roamgap_wire::capture::{LinkType, Record};
    let key = [0x1f; 5];
    let (ap, sta) = ([0x00, 0x3a, 0x98, 4, 5, 6], [0x00, 0x1b, 0xd4, 1, 2, 3]);
    let header = |fc: [u8; 2], a1: [u8; 6], a2: [u8; 6], a3: [u8; 6]| {
        let mut h = vec![fc[0], fc[1], 0, 0];
        h.extend(a1);
        h.extend(a2);
        h.extend(a3);
        h.extend([0x10, 0x00]);
        h
    };
    // The third frame of a shared key authentication (12.3.3.3): algorithm 1, sequence 3,
    // status 0 and the AP's challenge text, under WEP.
    let mut auth = vec![1, 0, 3, 0, 0, 0, 16, 128];
    auth.extend((0..128).map(|i| i as u8));
    let mut f1 = header([0xb0, 0x40], ap, sta, ap);
    f1.extend(wep::encrypt(&key, [1, 2, 3], 0, &auth).unwrap());
    // A broadcast ARP from the AP (group-addressed data), and a frame under another key.
    let arp = [
        0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1,
    ];
    let mut f2 = header([0x08, 0x42], [0xff; 6], ap, sta);
    f2.extend(wep::encrypt(&key, [1, 2, 4], 0, &arp).unwrap());
    let mut f3 = header([0x08, 0x41], ap, sta, [0xff; 6]);
    f3.extend(wep::encrypt(&[0x2f; 5], [1, 2, 5], 0, &arp).unwrap());

    let mut ring = KeyRing::default();
    ring.add_wep("1F:1F:1F:1F:1F").unwrap();
    let schedule = KeySchedule::build(&[], &ring);
    let link = Default::default();
    let dec = Decoding::keyed(&link, Some(&schedule));
    let frames = [f1, f2, f3];
    let records: Vec<Record<'_>> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| Record {
            number: i as u64 + 1,
            ts_ns: 0,
            linktype: LinkType::IEEE802_11,
            data: f,
            orig_len: f.len() as u32,
            fcs_len: 0,
        })
        .collect();
    let mut counters = FrameCounters::default();
    let mut events = Vec::new();
    for rec in &records {
        decode_record_with(rec, &dec, &mut counters, &mut |e| events.push(e));
    }
    assert_eq!(counters.protected, 3);
    assert_eq!((counters.decrypted, counters.decrypt_failed), (2, 1));
    // Among many keys, each link gets the one that opened its first frame: the same frames
    // open, and the one under another key still fails.
    let mut many = KeyRing::default();
    for i in 0..20u8 {
        many.add_wep(&format!("2a2a2a2a{i:02x}")).unwrap();
    }
    many.add_wep("1F:1F:1F:1F:1F").unwrap();
    let mut indexed = KeySchedule::build(&[], &many);
    indexed.index_given_keys(records.iter().copied(), &link);
    assert_eq!(indexed.given_key_links(), Some(2));
    let dec = Decoding::keyed(&link, Some(&indexed));
    let mut again = FrameCounters::default();
    for rec in &records {
        decode_record_with(rec, &dec, &mut again, &mut |_| {});
    }
    assert_eq!((again.decrypted, again.decrypt_failed), (2, 1));
    assert_eq!(
        events[0].kind,
        EventKind::Auth {
            algorithm: 1,
            sequence: 3,
            status: 0
        }
    );
    // The group frame makes no station's event (only what it says of its BSS); the frame no
    // key opens stays encrypted.
    events.retain(|e| !matches!(e.kind, EventKind::Bss { .. }));
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[1].kind,
        EventKind::Data {
            protected: true,
            null: false
        }
    );
}

#[test]
fn any_protected_bytes_give_an_outcome_never_a_panic() {
    use roamgap::crypto::handshake::KeySchedule;
    use roamgap::events::{decode_record_with, FrameCounters};
    use roamgap_wire::capture::{LinkType, Record};
    let mut ring = KeyRing::default();
    ring.add_wep("0102030405").unwrap();
    ring.add_wep("0102030405060708090a0b0c0d").unwrap();
    ring.add_tk("c97c1f67ce371185514a8a19f2bdd52f").unwrap();
    ring.add_tk(&"5a".repeat(32)).unwrap();
    let schedule = KeySchedule::build(&[], &ring);
    let link = Default::default();
    let dec = Decoding::keyed(&link, Some(&schedule));
    let mut counters = FrameCounters::default();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut n = 0u64;
    for len in 0..300usize {
        for fc in [
            [0x08, 0x41],
            [0x08, 0x42],
            [0x88, 0x43],
            [0x88, 0x46],
            [0xb0, 0x40],
            [0xd0, 0x40],
            [0x48, 0x41],
            [0xd4, 0x40],
            [0xb4, 0x40],
        ] {
            let mut f = vec![fc[0], fc[1]];
            f.extend((0..len).map(|_| next() as u8));
            // Some bodies shaped as WEP, TKIP and CCMP headers.
            if f.len() > 40 {
                match len % 3 {
                    0 => f[27] &= !0x20,
                    1 => {
                        f[27] |= 0x20;
                        f[25] = (f[24] | 0x20) & 0x7f;
                    }
                    _ => {
                        f[27] |= 0x20;
                        f[26] = 0;
                    }
                }
            }
            let rec = Record {
                number: n + 1,
                ts_ns: n as i64,
                linktype: LinkType::IEEE802_11,
                data: &f,
                orig_len: f.len() as u32,
                fcs_len: 0,
            };
            decode_record_with(&rec, &dec, &mut counters, &mut |_| {});
            n += 1;
        }
    }
    assert_eq!(counters.frames, n);
    // Random bytes pass no integrity check; every protected frame is counted once.
    assert_eq!(counters.decrypted, 0);
    let c = &counters;
    assert_eq!(
        c.decrypted + c.decrypt_failed + c.no_key + c.not_decryptable.total(),
        c.protected
    );
    assert!(
        c.decrypt_failed > 1000 && c.not_decryptable.damaged > 0,
        "{c:?}"
    );
}

#[test]
fn the_key_schedule_reads_no_frame_with_a_bad_fcs() {
    // scapy's bad_rsn_parsing_overrides_ssid.pcap: one beacon, its FCS wrong. The key frames
    // come from the one decoder, so a frame the analysis drops is not read for keys either;
    // with the FCS ignored, its SSID is read.
    let Some(path) = external("scapy/bad_rsn_parsing_overrides_ssid.pcap") else {
        return;
    };
    let cap = CaptureFile::open(&path).unwrap();
    let checked = Pipeline::new(&Config::default()).key_frames(&cap).unwrap();
    assert_eq!(checked, []);
    let mut ignore = Config::default();
    ignore.link.fcs = roamgap_wire::linklayer::FcsPolicy::Ignore;
    let read = Pipeline::new(&ignore).key_frames(&cap).unwrap();
    assert_eq!(read.len(), 1);
    let roamgap::crypto::handshake::KeyFrame::Network { bssid, ssid } = &read[0] else {
        panic!("{read:?}")
    };
    assert_eq!(bssid.to_string(), "ec:17:2f:82:1e:29");
    assert_eq!(ssid, b"ROUTE-821E295");
}
