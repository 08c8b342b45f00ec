//! Real captures against tshark 4.0.17's counts of the same files
//! (`tests/data/real/truth/<dir>/<file>.tshark.json`, see `tests/data/real/SOURCES.md`): every
//! capture of `../shared/captures/real` (tcpdump's test files, other projects' test suites,
//! real clients' associations), from the repository's copy where the licence allows one.

use crate::common;

use std::path::{Path, PathBuf};

use common::{analyze_file, compare_with_tshark, data, read_json};
use roamgap::events::EventKind;
use roamgap::pipeline::Pipeline;
use roamgap_wire::capture::CaptureFile;
use serde_json::Value;

/// `../shared/captures/real` (relative to the repository root): every real capture, those whose
/// licence keeps them out of the repository included. CI has it.
fn shared_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures/real")
}

/// Truth files: `tests/data/real/truth/<dir>/<file>.tshark.json`, one per capture, mirroring
/// the layout of `../shared/captures/real`.
fn truth_files() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.to_string_lossy().ends_with(".tshark.json") {
                out.push(p);
            }
        }
    }
    let root = data("real/truth");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy();
            (rel.trim_end_matches(".tshark.json").to_string(), p)
        })
        .collect();
    named.sort();
    named
}

/// Where a capture is: its copy in `tests/data/real/` (tcpdump's first 17 files lie at its
/// top), else `../shared/captures/real/`; `None` when neither is there.
fn locate(rel: &str) -> Option<PathBuf> {
    let local = match rel.strip_prefix("tcpdump/") {
        Some(name) => data(&format!("real/{name}")),
        None => data(&format!("real/{rel}")),
    };
    let shared = shared_root().join(rel);
    [local, shared].into_iter().find(|p| p.exists())
}

/// Captures in the repository (licences that allow it: BSD, Apache-2.0, MPL-2.0 unmodified).
const LOCAL_CAPTURES: usize = 17 + 3 + 35 + 21 + 19 + 175;
/// Captures with a truth file: every capture of `../shared/captures/real`.
const ALL_CAPTURES: usize = 308;

/// Where roamgap and tshark 4.0.17 rightly differ: the capture, the field of
/// [`compare_with_tshark`], roamgap's value (asserted) and why.
struct Difference {
    capture: &'static str,
    field: &'static str,
    ours: &'static str,
    why: &'static str,
}

const DIFFERENCES: &[Difference] = &[
    Difference {
        capture: "external/aircrack-ng/wpa.cap",
        field: "malformed",
        ours: "0",
        why: "every Prism record ends with its frame's FCS (the last 4 octets are the CRC-32 of \
              the rest: its ACKs are 14 octets), which tshark reads as part of the frame, so in the \
              beacon (frame 1) the 4 octets read as one more element, whose length runs past \
              the frame; roamgap strips the FCS and reads the beacon whole (and its 2 TKIP \
              frames decrypt)",
    },
    Difference {
        capture: "external/aircrack-ng/wpa2-psk-linksys.cap",
        field: "malformed",
        ours: "0",
        why: ELEMENT_CONTENTS,
    },
    Difference {
        capture: "external/cowpatty/wpa2psk-linksys.dump",
        field: "malformed",
        ours: "0",
        why: ELEMENT_CONTENTS,
    },
    Difference {
        capture: "external/pyrit/wpa2psk-linksys.dump.gz",
        field: "malformed",
        ours: "0",
        why: ELEMENT_CONTENTS,
    },
    Difference {
        capture: "external/wifite2/handshake_not_exists.cap",
        field: "malformed",
        ours: "0",
        why: "tshark checks the contents of elements in 21 probe requests (an Overlapping BSS \
              Scan Parameters element of 2 bytes, where it must be 14, ...); roamgap does not \
              read those elements, and the element chains are sound",
    },
    Difference {
        capture: "external/scapy/bad_rsn_parsing_overrides_ssid.pcap",
        field: "bssids",
        ours: "[]",
        why: BAD_FCS,
    },
    Difference {
        capture: "tcpdump/ieee802.11_rx-stbc.pcap",
        field: "bssids",
        ours: "[]",
        why: BAD_FCS,
    },
    Difference {
        capture: "tcpdump/ieee802.11_meshhdr-oobr.pcap",
        field: "malformed",
        ours: "1",
        why: RADIOTAP_VERSION,
    },
    Difference {
        capture: "tcpdump/ieee802.11_rates_oobr.pcap",
        field: "malformed",
        ours: "1",
        why: RADIOTAP_VERSION,
    },
    Difference {
        capture: "tcpdump/radiotap-heapoverflow.pcap",
        field: "malformed",
        ours: "1",
        why: RADIOTAP_VERSION,
    },
    Difference {
        capture: "tcpdump/ieee802.11_parse_elements_oobr.pcap",
        field: "malformed",
        ours: "0",
        why: "the beacon is cut by the snapshot length (roamgap: cut_by_snaplen 1); tshark \
              calls it malformed for the cipher and AKM counts of its RSN element (0x3030 \
              suites), which roamgap reads only in (re)association requests",
    },
    Difference {
        capture: "tcpdump/ieee802.11_tim_ie_oobr.pcap",
        field: "malformed",
        ours: "0",
        why: "the frame is cut by the snapshot length: tshark flags it \"packet size limited \
              during capture\" as malformed, roamgap counts it in cut_by_snaplen",
    },
];

const ELEMENT_CONTENTS: &str = "tshark checks the contents of elements of the association \
    response of frame 309 (a 20/40 BSS Coexistence element of 16 bytes, where it must be 1; \
    extra data after the subelements of a Multiple BSSID element); roamgap does not read those \
    elements, and the element chain is sound";
const BAD_FCS: &str = "every frame fails its FCS (tshark -o wlan.check_checksum:TRUE agrees), too \
    few of them (fewer than 5) to call the capture rewritten: roamgap drops them, tshark does \
    not check the FCS";
const RADIOTAP_VERSION: &str = "a radiotap header of version 48: roamgap counts the record \
    malformed; tshark leaves it undissected without flagging it";

/// Ethernet captures (no 802.11 at all): refused with exit 2, naming the file.
const WIRED: &[&str] = &[
    "external/cowpatty/eap-test.dump",
    "external/scapy-dot11-book/weplab-64bit-AA-managed.pcap.dec.cap",
];

/// Files among the captures that are not captures: hashcat's hccapx, aircrack-ng's IVS and
/// pcap fragments without a file header.
const NOT_CAPTURES: &[&str] = &[
    "external/aircrack-ng/StayAlfred.hccapx",
    "external/aircrack-ng/test.ivs",
    "external/aircrack-ng/wep_64_ptw_02.cap",
    "external/aircrack-ng/wep_64_ptw_03.cap",
    "external/aircrack-ng/wep_64_ptw_04.cap",
];

fn roamgap_cli(path: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_roamgap"))
        .args(["analyze", "--format", "json"])
        .arg(path)
        .output()
        .expect("runs roamgap")
}

#[test]
fn counts_equal_tshark() {
    let truths = truth_files();
    assert_eq!(truths.len(), ALL_CAPTURES, "one truth file per capture");
    let shared = shared_root().exists();
    let (mut checked, mut local) = (0, 0);
    let mut used = vec![false; DIFFERENCES.len()];
    let mut failures = Vec::new();
    for (rel, truth_file) in &truths {
        let Some(path) = locate(rel) else { continue };
        local += usize::from(!path.starts_with(shared_root()));
        checked += 1;
        let truth = read_json(truth_file);
        if WIRED.contains(&rel.as_str()) {
            let out = roamgap_cli(&path);
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.code() != Some(2)
                || !err.contains(&format!("none of its {} frames", truth["frames"]))
                || !err.contains("wired")
            {
                failures.push(format!(
                    "{rel}: wired capture: exit {:?}, {err}",
                    out.status
                ));
            }
            continue;
        }
        let mut d = compare_with_tshark(&path, &truth);
        let report = common::analyze_file(&path);
        d.eq(
            "malformed",
            &report["captures"][0]["malformed"],
            &truth["malformed"],
        );
        // Documented differences: roamgap's value is asserted instead of tshark's.
        for (i, k) in DIFFERENCES.iter().enumerate() {
            if k.capture != rel {
                continue;
            }
            let prefix = format!("{}: got {}, want ", k.field, k.ours);
            match d.problems.iter().position(|p| p.starts_with(&prefix)) {
                Some(at) => {
                    d.problems.remove(at);
                    used[i] = true;
                }
                None => failures.push(format!(
                    "{rel}: documented difference in {} ({}) not seen: roamgap's {} is not `{}` or equals tshark's",
                    k.field, k.why, k.field, k.ours
                )),
            }
        }
        if !d.problems.is_empty() {
            failures.push(format!(
                "{rel} ({}):\n    {}",
                path.display(),
                d.problems.join("\n    ")
            ));
        }
    }
    println!("{checked} real captures checked against tshark ({local} in the repository)");
    assert!(
        failures.is_empty(),
        "{} of {checked} differ from tshark:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert_eq!(local, LOCAL_CAPTURES, "captures in tests/data/real");
    if shared {
        assert_eq!(
            checked, ALL_CAPTURES,
            "captures found in the repository and ../shared"
        );
        let unused: Vec<&str> = DIFFERENCES
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(k, _)| k.capture)
            .collect();
        assert!(
            unused.is_empty(),
            "documented differences never seen: {unused:?}"
        );
    } else {
        println!("../shared/captures/real is not there: only the repository's copies were checked");
    }
}

#[test]
fn files_that_are_not_captures_are_refused_by_name() {
    let mut checked = 0;
    for rel in NOT_CAPTURES {
        let path = shared_root().join(rel);
        if !path.exists() {
            continue;
        }
        checked += 1;
        let out = roamgap_cli(&path);
        let err = String::from_utf8_lossy(&out.stderr);
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(out.status.code(), Some(2), "{rel}: {err}");
        assert!(
            err.contains(&*name) && err.contains("not a pcap or pcapng file"),
            "{rel}: {err}"
        );
        assert!(out.stdout.is_empty(), "{rel}");
    }
    println!("{checked} files that are not captures refused");
    if shared_root().exists() {
        assert_eq!(checked, NOT_CAPTURES.len());
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
        let (_, events) = Pipeline::new(&Default::default()).events(&cap).unwrap();
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
        let (_, events) = Pipeline::new(&Default::default()).events(&cap).unwrap();
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
    let (summary, events) = Pipeline::new(&Default::default()).events(&cap).unwrap();
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
            roamgap_wire::linklayer::decode(r.linktype, r.data, 0, &Default::default())
                .unwrap()
                .radio
                .signal_dbm
        })
        .collect();
    assert_eq!(signals, [Some(-34), Some(-38), Some(-34)]);
}

/// A capture of `../shared/captures/real` (`None` when neither copy is there).
fn real(rel: &str) -> Option<PathBuf> {
    locate(rel)
}

#[test]
fn frames_of_another_protocol_version_are_not_802_11() {
    // packetnet's raw frame has protocol version 1 (tshark: "IEEE 802.11 PV1 Reserved", no
    // type/subtype, retry or protected bit counted); radiotap_header has 5 of versions 2/3
    // among 225 frames (and 9 with a bad FCS, those 5 included).
    let raw = analyze_file(&data("real/external/packetnet/80211_raw.pcap"));
    let c = &raw["captures"][0];
    assert_eq!(c["unknown_version_frames"], 1);
    assert_eq!(c["type_subtype"], serde_json::json!({}));
    assert_eq!(
        (&c["retries"], &c["protected"], &c["malformed"]),
        (&0.into(), &0.into(), &0.into())
    );
    let mixed = analyze_file(&data(
        "real/external/packetnet/80211_plus_radiotap_header.pcap",
    ));
    let c = &mixed["captures"][0];
    assert_eq!(
        (&c["bad_fcs"], &c["retries"], &c["protected"]),
        (&9.into(), &1.into(), &0.into())
    );
}

#[test]
fn shared_key_authentication_third_frame_is_ciphertext_not_elements() {
    // aircrack-ng's WEP shared-key authentication: frames 4-7 are the four authentication
    // frames; the third (frame 6) is protected. tshark: 3 readable frames of algorithm 1.
    let Some(path) = real("external/aircrack-ng/wep.shared.key.authentication.cap") else {
        return;
    };
    let cap = CaptureFile::open(&path).unwrap();
    let (summary, events) = Pipeline::new(&Default::default()).events(&cap).unwrap();
    assert_eq!(summary.counters.malformed, 0);
    let auths: Vec<(u64, u16, u16, bool)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Auth {
                algorithm,
                sequence,
                ..
            } => Some((e.frame, algorithm, sequence, e.from_station)),
            _ => None,
        })
        .collect();
    let sequences: Vec<(u16, u16, bool)> = auths.iter().map(|a| (a.1, a.2, a.3)).collect();
    assert_eq!(
        sequences,
        [(1, 1, true), (1, 2, false), (1, 3, true), (1, 4, false)],
        "{auths:?}"
    );
    // The roam analysis takes the exchange from the station's first frame to the AP's last.
    let report = analyze_file(&path);
    assert_eq!(report["captures"][0]["malformed"], 0);
}

#[test]
fn bss_names_come_from_beacons_then_probe_responses_then_requests() {
    // aircrack-ng test1.pcap: one beacon (Lekonora), probe responses and association requests
    // for the others; tshark's SSIDs per BSSID (wlan.ssid of subtypes 8, 5, 0).
    let Some(path) = real("external/aircrack-ng/test1.pcap") else {
        return;
    };
    let report = analyze_file(&path);
    let ssids: Vec<(String, Value)> = report["captures"][0]["bss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["bssid"].as_str().unwrap().to_string(), b["ssid"].clone()))
        .collect();
    // tshark: wlan.ssid of the beacon (Lekonora), else of probe responses, else of association
    // requests (f4:ec:38:a6:2f:ea, whose only frame naming it is one).
    let want: Vec<(String, Value)> = [
        ("00:0d:58:ef:88:09", "tmpAP"),
        ("00:0d:58:ef:88:0a", "Vodafone"),
        ("00:0d:58:ef:88:0b", "veles3"),
        ("14:cc:20:c1:cb:2c", "Lekonora"),
        ("24:a4:3c:fe:22:36", "Intertelecom_FREE"),
        ("28:10:7b:94:bb:29", "ogogo"),
        ("f4:ec:38:a6:2f:ea", "TPLIN"),
        ("f8:1a:67:e5:05:62", "Smile)"),
    ]
    .into_iter()
    .map(|(b, s)| (b.to_string(), Value::from(s)))
    .collect();
    assert_eq!(ssids, want);
}

#[test]
fn zero_current_ap_is_unknown() {
    // wlanpi-profiler: an Intel AX210's reassociation request with Current AP 00:00:00:00:00:00
    // (anonymized): not a roam from the zero address.
    for f in [
        "IntelAX210_Windows10_10-3d-1c-00-00-00_5.8GHz-anonymized.pcap",
        "IntelAX210_Windows10_10-3d-1c-00-00-00_6.0GHz-anonymized.pcap",
    ] {
        let report = analyze_file(&data(&format!("real/modern/wlanpi-profiler/{f}")));
        // No AP the station was on is known: no roam at all.
        assert_eq!(report["roams"], serde_json::json!([]), "{f}");
    }
}

#[test]
fn an_authentication_without_a_request_is_named() {
    // aircrack-ng test1.pcap: station c0:d3:c0:7d:19:65, associated with f8:1a:67:e5:05:62,
    // sends one authentication to 00:0d:58:ef:88:0a (frame 86), which never answers, and no
    // (re)association request: not a roam, but the attempt is named.
    let Some(path) = real("external/aircrack-ng/test1.pcap") else {
        return;
    };
    let report = analyze_file(&path);
    let c = &report["captures"][0];
    assert_eq!(report["roams"], serde_json::json!([]));
    let notes: Vec<&str> = c["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with(
            "authenticated with 00:0d:58:ef:88:0a (frames 86-86, 1 request, never answered)"
        ),
        "{}",
        notes[0]
    );
}

#[test]
fn real_roams_have_their_outcome() {
    // aircrack-ng zn2i.pcap: a station sends data through 00:12:34:56:78:92, authenticates and
    // reassociates with 00:06:4f:12:34:56 (Current AP: the first), runs the 4-way handshake
    // and sends data through the new AP (frame 12): completed.
    // n-02.cap: a station refused with status 30 (association comeback, 802.11w) later
    // reassociates naming b0:b9:8a:56:8d:eb as its Current AP; the handshake completes but the
    // capture holds only its Null frames and the AP's group frames after it: no user data, so
    // the capture ended before the roam was decided, and no outage can be measured.
    let mut checked = 0;
    for (file, want) in [
        (
            "external/aircrack-ng/zn2i.pcap",
            ("00:12:34:56:78:92", "00:06:4f:12:34:56", 6, "completed"),
        ),
        (
            "external/aircrack-ng/n-02.cap",
            (
                "b0:b9:8a:56:8d:eb",
                "b0:b9:8a:56:8d:ea",
                117,
                "capture-ended",
            ),
        ),
    ] {
        let Some(path) = real(file) else { continue };
        let report = analyze_file(&path);
        let roams = report["roams"].as_array().unwrap();
        assert_eq!(roams.len(), 1, "{file}");
        let r = &roams[0];
        assert_eq!(
            (
                r["from_bssid"].as_str().unwrap(),
                r["to_bssid"].as_str().unwrap(),
                r["request_frame"].as_u64().unwrap(),
                r["outcome"].as_str().unwrap()
            ),
            want,
            "{file}"
        );
        assert!(
            r["failure"].is_null() && r["findings"] == serde_json::json!([]),
            "{file}"
        );
        checked += 1;
    }
    if checked < 2 {
        println!("../shared/captures/real is not there: {checked} of 2 real roams checked");
    }
}

#[test]
fn group_bssid_is_listed() {
    // iPhone 11 Pro Max, addresses randomized: BSSID 11:11:11:11:11:11 (group bit set), which
    // tshark lists.
    let report = analyze_file(&data(
        "real/modern/wlanpi-profiler/iPhone11ProMax.pcap_randomized.pcap",
    ));
    let bss: Vec<&Value> = report["captures"][0]["bss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["bssid"])
        .collect();
    assert_eq!(bss, [&Value::from("11:11:11:11:11:11")]);
}

#[test]
fn rewritten_captures_are_analyzed_with_the_fcs_ignored() {
    // gfiber-taxonomy: 7 captures anonymized without recomputing the FCS (every frame fails
    // it); the 12 others have sound FCSs.
    let dir = data("real/modern/gfiber-taxonomy");
    let mut rewritten = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "pcap") {
            continue;
        }
        let report = analyze_file(&path);
        let c = &report["captures"][0];
        assert_eq!(c["bad_fcs"], 0, "{}", path.display());
        if let Some(f) = c["fcs_ignored"].as_object() {
            assert_eq!(f["wrong"], f["checked"], "{}", path.display());
            assert_eq!(f["checked"], c["frames"], "{}", path.display());
            rewritten.push(path.file_name().unwrap().to_string_lossy().into_owned());
            assert!(c["stations"].as_u64().unwrap() >= 1, "{}", path.display());
        }
    }
    rewritten.sort();
    assert_eq!(
        rewritten,
        [
            "Chromecast_Ultra_2.4GHz.pcap",
            "LG_G5_2.4GHz_GFRG210_An6.0.1_Broadcast_Probe.pcap",
            "Pixel_Phone_2.4GHz_XL.pcap",
            "Pixel_Phone_5GHz.pcap",
            "iPad_Air_2nd_gen_5GHz_MGTX2LL_iOS_10.0.2.pcap",
            "iPhone_7+_2.4GHz.pcap",
            "iPhone_7_5GHz.pcap",
        ]
    );
    // --fcs check drops every frame again; the warning says why the FCS was ignored.
    let f = dir.join("iPhone_7_5GHz.pcap");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_roamgap"))
            .arg("analyze")
            .args(args)
            .arg(&f)
            .output()
            .unwrap()
    };
    let checked = run(&["--fcs", "check", "--format", "json"]);
    let v: Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(v["captures"][0]["bad_fcs"], 6);
    assert_eq!(v["captures"][0]["fcs_ignored"], Value::Null);
    let auto = run(&[]);
    let err = String::from_utf8_lossy(&auto.stderr);
    assert!(
        err.contains("the FCS is wrong on 6 of the first 6 frames") && err.contains("rewritten"),
        "{err}"
    );
}

#[test]
fn non_utf8_ssid_keeps_its_octets() {
    // wlanpi-profiler 0xc6.pcapng: a beacon whose SSID is c6 54 4d 45 20 45 6e 74 ... (tshark's
    // wlan.ssid), not UTF-8: the octet is written \xc6, in the JSON and on the terminal.
    let path = data("real/modern/wlanpi-profiler/0xc6.pcapng");
    let report = analyze_file(&path);
    assert_eq!(
        report["captures"][0]["bss"][0]["ssid"],
        "\\xc6TME Enterprise"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_roamgap"))
        .arg("analyze")
        .arg(&path)
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).expect("UTF-8 table");
    assert!(table.contains(r#"SSID "\xc6TME Enterprise""#), "{table}");
}

#[test]
fn bss_channels_carry_their_band() {
    // wlanpi-profiler: the frequency each frame was captured on (tshark's wlan_radio.frequency)
    // and the channel it is in its band: 6 GHz channel 5 is not 2.4 GHz channel 5, 6 GHz
    // channel 165 not 5 GHz channel 165.
    for (f, channel, band, mhz) in [
        (
            "IntelAX210_Windows10_10-3d-1c-00-00-00_5.8GHz-anonymized.pcap",
            48,
            "5GHz",
            5240,
        ),
        (
            "IntelAX210_Windows10_10-3d-1c-00-00-00_6.0GHz-anonymized.pcap",
            5,
            "6GHz",
            5975,
        ),
        ("wifi7/Pixel8_Android16.pcapng", 165, "6GHz", 6775),
        (
            "Apple_iPhone_SE_2020_PrivateMAC_76-32-e8-9e-27-da_2.4GHz.pcap",
            1,
            "2.4GHz",
            2412,
        ),
    ] {
        let path = data(&format!("real/modern/wlanpi-profiler/{f}"));
        let report = analyze_file(&path);
        let b = &report["captures"][0]["bss"][0];
        assert_eq!(
            (&b["channel"], &b["band"], &b["frequency_mhz"]),
            (&channel.into(), &band.into(), &mhz.into()),
            "{f}"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_roamgap"))
        .arg("analyze")
        .arg(data(
            "real/modern/wlanpi-profiler/wifi7/Pixel8_Android16.pcapng",
        ))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("channel 165 (6 GHz)"), "{table}");
}
