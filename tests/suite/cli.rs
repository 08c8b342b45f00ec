//! The `roamgap` command as a user runs it: output, warnings and exit codes.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use common::data;

fn roamgap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roamgap"))
        .args(args)
        .output()
        .expect("runs roamgap")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn table_names_the_roam_and_its_cause() {
    let f = data("synthetic/cckm_missing_ie.pcap");
    let out = roamgap(&["analyze", path(&f)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for want in [
        "1200 frames",
        "00:23:ea:00:00:01 ch 1 (2.4 GHz) -> 00:23:ea:00:00:02 ch 6 (2.4 GHz)",
        "cckm",
        "1320.0 ms / 65",
        "1300.0 ms / 64",
        "cckm-ie-missing, deauth-after-roam, long-gap",
        "admit-traffic",
        "reason 2 (previous authentication no longer valid), frame 367",
        "wlan.addr==00:22:55:d4:b4:80 && frame.number>=359 && frame.number<=398",
        "0xc29f12fb",
    ] {
        assert!(s.contains(want), "missing `{want}` in:\n{s}");
    }
}

#[test]
fn json_follows_the_contract() {
    let f = data("synthetic/psk_late_m1.pcap");
    let out = roamgap(&["analyze", "--format", "json", path(&f)]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let roam = &v["roams"][0];
    for key in [
        "station",
        "from_bssid",
        "to_bssid",
        "time",
        "request_frame",
        "response_frame",
        "status",
        "cckm_in_request",
        "cckm_in_response",
        "key_management",
        "tspec",
        "addts",
        "eapol",
        "deauth",
        "uplink",
        "downlink",
        "findings",
    ] {
        assert!(roam.get(key).is_some(), "roam lacks `{key}`");
    }
    assert_eq!(roam["key_management"], "psk");
    assert_eq!(roam["eapol"]["m1_retries"], 1);
    assert_eq!(roam["findings"][0]["code"], "eapol-m1-retry");
    assert!(roam["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("after 1000.0 ms"));
    let stream = &v["streams"][0];
    for key in [
        "ssrc",
        "station",
        "direction",
        "received",
        "expected",
        "lost",
        "duplicates",
        "max_gap_ms",
    ] {
        assert!(stream.get(key).is_some(), "stream lacks `{key}`");
    }
    assert!(stream["ssrc"].as_str().unwrap().starts_with("0x"));
}

#[test]
fn fail_on_findings_sets_exit_status_1() {
    let bad = data("synthetic/addts_refused.pcap");
    let good = data("synthetic/cckm_ok.pcap");
    assert_eq!(roamgap(&["analyze", path(&bad)]).status.code(), Some(0));
    assert_eq!(
        roamgap(&["analyze", "--fail-on-findings", path(&bad)])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        roamgap(&["analyze", "--fail-on-findings", path(&good)])
            .status
            .code(),
        Some(0)
    );
    // A budget above the gaps silences long-gap but not the cause.
    let out = roamgap(&[
        "analyze",
        "--format",
        "json",
        "--gap-budget-ms",
        "5000",
        path(&data("synthetic/cckm_missing_ie.pcap")),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["roams"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["cckm-ie-missing", "deauth-after-roam"]);
}

#[test]
fn several_files_in_one_report() {
    let a = data("synthetic/cckm_ok.pcap");
    let b = data("synthetic/ft_ok.pcap");
    let out = roamgap(&["analyze", "--format", "json", path(&a), path(&b)]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["captures"].as_array().unwrap().len(), 2);
    assert_eq!(capture_indices(&v), [0, 0, 1, 1]);
}

/// Each roam's `capture`, in order.
fn capture_indices(report: &serde_json::Value) -> Vec<u64> {
    report["roams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["capture"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_file_that_is_not_a_capture_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("notes.txt");
    std::fs::write(&garbage, "this is not a capture\n").unwrap();
    let (a, b) = (data("synthetic/cckm_ok.pcap"), data("synthetic/ft_ok.pcap"));
    let missing = dir.path().join("absent.pcap");
    for merge in [false, true] {
        let mut args = vec!["analyze", "--format", "json"];
        if merge {
            args.push("--merge");
        }
        args.extend([path(&a), path(&garbage), path(&missing), path(&b)]);
        let out = roamgap(&args);
        // Exit status 2 at the end, after the output of the files that could be read.
        assert_eq!(out.status.code(), Some(2), "merge {merge}");
        let err = text(&out.stderr);
        for want in [
            "notes.txt: not a pcap or pcapng file",
            "absent.pcap",
            "2 of 4 files could not be read",
        ] {
            assert!(err.contains(want), "merge {merge}: `{want}` not in {err}");
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let files: Vec<&str> = v["captures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["file"].as_str().unwrap())
            .collect();
        assert_eq!(files, [path(&a), path(&b)], "merge {merge}");
        if !merge {
            // Capture indices point at the captures the report holds.
            assert_eq!(capture_indices(&v), [0, 0, 1, 1]);
        }
    }
    // Findings asked for and a file unreadable: the unreadable file wins (2, not 1).
    let cckm = data("synthetic/cckm_missing_ie.pcap");
    let out = roamgap(&["analyze", "--fail-on-findings", path(&cckm), path(&garbage)]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn garbage_and_missing_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("notes.txt");
    std::fs::write(&garbage, "this is not a capture\n").unwrap();
    let out = roamgap(&["analyze", path(&garbage)]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("notes.txt: not a pcap or pcapng file (first bytes 74 68 69 73)"),
        "{err}"
    );

    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let out = roamgap(&["analyze", path(&empty)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("empty"));

    let out = roamgap(&["analyze", path(&dir.path().join("absent.pcap"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot open"),
        "{}",
        text(&out.stderr)
    );

    // A header cut short.
    let short = dir.path().join("short.pcap");
    std::fs::write(&short, [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]).unwrap();
    let out = roamgap(&["analyze", path(&short)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cut short"),
        "{}",
        text(&out.stderr)
    );
}

/// A classic pcap of the given link type holding the given records.
fn pcap(linktype: u8, records: &[&[u8]]) -> Vec<u8> {
    let mut bytes = vec![
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, linktype, 0,
        0, 0,
    ];
    for r in records {
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&(r.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(r.len() as u32).to_le_bytes());
        bytes.extend_from_slice(r);
    }
    bytes
}

#[test]
fn unsupported_link_type_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let sll = dir.path().join("cooked.pcap");
    std::fs::write(&sll, pcap(113, &[&[0u8; 16]])).unwrap();
    let out = roamgap(&["analyze", path(&sll)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("113 (Linux cooked (SLL))"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ethernet_without_remote_capture_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let eth = dir.path().join("ethernet.pcap");
    std::fs::write(&eth, pcap(1, &[&[0u8; 14], &[0u8; 60]])).unwrap();
    let out = roamgap(&["analyze", path(&eth)]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("none of its 2 frames carries an 802.11 frame")
            && err.contains("UDP port 5000"),
        "{err}"
    );
}

#[test]
fn truncated_capture_reports_up_to_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(data("synthetic/cckm_ok.pcap")).unwrap();
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let out = roamgap(&["analyze", "--format", "json", path(&cut)]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let frames = v["captures"][0]["frames"].as_u64().unwrap();
    assert!(frames > 500 && frames < 700, "{frames}");
    assert_eq!(v["captures"][0]["truncated"]["frame"], frames + 1);
    // The first roam (frame 365) is still found whole.
    assert_eq!(v["roams"][0]["request_frame"], 365);
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("frame {} is cut short", frames + 1)),
        "{err}"
    );
}

#[test]
fn bad_usage_is_exit_status_2() {
    assert_eq!(roamgap(&[]).status.code(), Some(2));
    assert_eq!(roamgap(&["analyze"]).status.code(), Some(2));
    assert_eq!(
        roamgap(&["analyze", "--format", "xml", "x.pcap"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        roamgap(&["analyze", "--gap-budget-ms=-5", "x.pcap"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        roamgap(&["gen", "nonsense", "-o", "/dev/null"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(roamgap(&["--version"]).status.code(), Some(0));
    let out = roamgap(&["analyze", "--gap-budget-ms=-5", "x.pcap"]);
    assert!(
        text(&out.stderr).contains("must be non-negative"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn gen_writes_capture_and_truth() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("x.pcapng");
    let truth = dir.path().join("x.truth.json");
    let out = roamgap(&[
        "gen",
        "psk-late-m1",
        "-o",
        path(&cap),
        "--truth",
        path(&truth),
        "--seed",
        "9",
        "--format",
        "pcapng-ns",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth).unwrap()).unwrap();
    let out = roamgap(&["analyze", "--format", "json", path(&cap)]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::compare_with_truth(&v, &t, "gen psk-late-m1");
    let list = text(&roamgap(&["gen", "--list"]).stdout);
    assert!(list.contains("cckm-missing-ie") && list.contains("multi-phone"));
}

#[test]
fn gen_split_channels_and_analyze_merge() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scene.pcap");
    let truth = dir.path().join("scene.json");
    let o = roamgap(&[
        "gen",
        "psk-late-m1",
        "-o",
        path(&out),
        "--truth",
        path(&truth),
        "--format",
        "pcap-ns",
        "--seed",
        "12",
        "--split-channels",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.contains("scene-ch"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    let mut args = vec!["analyze", "--format", "json", "--merge"];
    args.extend(files.iter().map(String::as_str));
    let o = roamgap(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let offsets: Vec<f64> = v["captures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clock_offset_ms"].as_f64().unwrap())
        .collect();
    // Files sort as ch1, ch11, ch6: clocks 0, -12.900456 and +37.200123 ms, reported to the µs.
    assert_eq!(offsets, [0.0, 12.9, -37.2]);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth).unwrap()).unwrap();
    // The frame counters are per file; the truth's frame count is the whole scene's.
    let total: u64 = v["captures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["frames"].as_u64().unwrap() - c["duplicates_removed"].as_u64().unwrap())
        .sum();
    assert_eq!(total, t["frames"].as_u64().unwrap());
    v["captures"][0]["frames"] = t["frames"].clone();
    common::compare_with_truth(&v, &t, "merged");
}

#[test]
fn report_writes_a_directory_that_opens_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("case-1234");
    let f = data("synthetic/cckm_missing_ie.pcap");
    let out = roamgap(&["report", path(&f), "-o", path(&out_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("index.html (1 roams, 5 plots, 10 files)"));
    for file in [
        "index.html",
        "report.json",
        "roams.csv",
        "findings.csv",
        "roams.jsonl",
        "plots/gap-distribution.svg",
        "plots/ap-pairs.svg",
    ] {
        assert!(out_dir.join(file).is_file(), "{file}");
    }
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(html.contains("cckm-ie-missing"));
    assert!(html.contains("admit-traffic"));

    let png_dir = dir.path().join("png");
    let out = roamgap(&["report", "--png", "-q", path(&f), "-o", path(&png_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "--quiet: {}", text(&out.stderr));
    assert!(png_dir.join("plots/gap-distribution.png").is_file());

    // A directory that cannot be made: exit 2, saying where.
    let out = roamgap(&["report", path(&f), "-o", "/dev/null/report"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot write into /dev/null/report"));
}

#[test]
fn summary_is_an_overview_of_the_capture() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/multi-phone.pcapng");
    let out = roamgap(&["summary", path(&f)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for want in [
        "Link types:        radiotap + IEEE 802.11 (127)",
        "Frames by type:",
        "Reassociation Request",
        "QoS Data",
        "Beacon",
        "BSSs (",
        "Stations with voice or roams",
        "RTP streams:",
        "Roams:",
    ] {
        assert!(s.contains(want), "missing `{want}` in:\n{s}");
    }
}

#[test]
fn exports_and_colours_on_the_command_line() {
    let f = data("synthetic/psk_late_m1.pcap");
    let out = roamgap(&["analyze", "--format", "jsonl", path(&f)]);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert_eq!(s.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(s.lines().next().unwrap()).unwrap();
    assert_eq!(v["type"], "roam");

    let out = roamgap(&["analyze", "--format", "csv", path(&f)]);
    assert_eq!(text(&out.stdout).lines().count(), 2);

    // Colour only when asked or on a terminal (a pipe here).
    let auto = roamgap(&["analyze", path(&f)]);
    assert!(!auto.stdout.contains(&0x1b));
    let always = roamgap(&["analyze", "--color", "always", path(&f)]);
    assert!(always.stdout.contains(&0x1b));
    let out = roamgap(&["analyze", "--color", "sometimes", path(&f)]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn keys_decrypt_and_never_show() {
    let f = data("encrypted/psk-late-m1.pcap");
    let pass = "roamgap voice 1";
    let out = roamgap(&["analyze", "--psk", &format!("{pass}:voice"), path(&f)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("decrypted 1110 of 1110 protected frames with PMK"),
        "{s}"
    );
    assert!(s.contains("1059.9 ms / 52"), "{s}");
    assert!(!s.contains(pass) && !text(&out.stderr).contains(pass));

    // The same key from a Wireshark keys file; a line roamgap cannot use is skipped with a
    // warning naming the file and line, not the key.
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("80211_keys");
    std::fs::write(
        &keys,
        format!("\"wep\",\"c0ffee\"\n\"wpa-pwd\",\"{pass}:voice\"\n"),
    )
    .unwrap();
    let out = roamgap(&["analyze", "--keys", path(&keys), path(&f)]);
    assert!(text(&out.stdout).contains("decrypted 1110 of 1110 protected frames"));
    let err = text(&out.stderr);
    assert!(
        err.contains("80211_keys, line 1: wep: expected 10 or 26 hex digits, got 6; line skipped"),
        "{err}"
    );
    assert!(!err.contains("c0ffee"));
    // A passphrase alone: tried with the SSIDs the capture names.
    let out = roamgap(&["analyze", "--psk", pass, path(&f)]);
    assert!(text(&out.stdout).contains("decrypted 1110 of 1110 protected frames"));

    // Without: frame timing, and a warning that says how to decrypt.
    let out = roamgap(&["analyze", path(&f)]);
    assert!(text(&out.stdout).contains("/ ~52 (encrypted)"));
    assert!(text(&out.stderr).contains("--psk passphrase:SSID"));

    // Bad keys: exit 2, naming what is wrong, not the key.
    let out = roamgap(&["analyze", "--psk", "secret7", path(&f)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--psk: a WPA passphrase is 8 to 63 printable"));
    assert!(!text(&out.stderr).contains("secret7"));
    let out = roamgap(&["analyze", "--wep", "1f1f", path(&f)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--wep: expected 10 or 26 hex digits, got 4"));
    let out = roamgap(&["analyze", "--tk", "0011", path(&f)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--tk: expected 32 or 64 hex digits, got 4"));
    let out = roamgap(&["analyze", "--keys", "/nonexistent/keys", path(&f)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read the keys file /nonexistent/keys"));
    // A device that never ends is not read into memory without end; a key in the wrong column
    // is not shown.
    let out = roamgap(&["analyze", "--keys", "/dev/zero", path(&f)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr)
        .contains("the keys file /dev/zero is larger than 256 MiB: not a key file"));
    let swapped = dir.path().join("swapped");
    std::fs::write(&swapped, "\"secret123:voice\",\"wpa-pwd\"\n").unwrap();
    let out = roamgap(&["analyze", "--keys", path(&swapped), path(&f)]);
    let err = text(&out.stderr);
    assert!(
        err.contains("swapped, line 1: the first field is not a key type"),
        "{err}"
    );
    assert!(!err.contains("secret123"), "{err}");
}

#[test]
fn the_report_decrypts_with_the_key_and_draws_the_rtp_packets() {
    let f = data("encrypted/ft-ok.pcap");
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    let out = roamgap(&[
        "report",
        "-q",
        "--psk",
        "roamgap voice 1:voice",
        path(&f),
        "-o",
        path(&out_dir),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(
        !html.contains("roamgap voice 1"),
        "the passphrase is in the report"
    );
    // Decrypted: the timelines show RTP packets, not encrypted voice frames.
    assert!(html.contains("uplink RTP packet (SSRC"));
    assert!(!html.contains("voice frame (encrypted)"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["captures"][0]["decryption"]["decrypted"], 1199);
}
