//! Outputs under attack: text from a capture or a file name that would drive a terminal, a
//! capture that would make the report grow without bound, a report directory with planted
//! links, and cells a spreadsheet would run as formulas.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use roamgap_report::MAX_LISTED;

/// An SSID that sets the terminal's title, clears the screen, forges a line, and reverses the
/// text after it.
const HOSTILE_SSID: &str = "\x1b]0;PWNED\x07\x1b[2J\u{9b}31m\r\nfake\u{202e}";
/// The SSID as the analysis keeps it: every octet, control characters written `\xNN`
/// (`events::Ssid::to_text`); a bidirectional override is a character like any other there.
const HOSTILE_SSID_TEXT: &str = "\\x1b]0;PWNED\\x07\\x1b[2J\\xc2\\x9b31m\\x0d\\x0afake\u{202e}";
/// How it must appear to a person.
const HOSTILE_SSID_SHOWN: &str = "\\x1b]0;PWNED\\x07\\x1b[2J\\xc2\\x9b31m\\x0d\\x0afake\\u{202e}";

fn roamgap_in(dir: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_roamgap"));
    c.args(args);
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.output().expect("runs roamgap")
}

fn roamgap(args: &[&str]) -> Output {
    roamgap_in(None, args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The characters no human-facing output may carry raw (line breaks between lines aside).
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| c != '\n' && roamgap_report::text::is_unsafe(c))
        .collect()
}

const AP1: [u8; 6] = [0x00, 0x3a, 0x98, 0x00, 0x00, 0x01];
const AP2: [u8; 6] = [0x00, 0x3a, 0x98, 0x00, 0x00, 0x02];
const STA: [u8; 6] = [0x00, 0x1b, 0xd4, 0x00, 0x00, 0x01];

/// A pcap of plain 802.11 frames (link type 105), one every 100 ms.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    pcap_of(105, frames)
}

/// A pcap of 802.11 frames each behind a radiotap header (link type 127) with a signal of
/// -60 dBm.
fn radiotap_pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let with_header: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| {
            // Version 0, length 9, present: dBm antenna signal (bit 5).
            let mut r = vec![0, 0, 9, 0, 0x20, 0, 0, 0, (-60i8) as u8];
            r.extend_from_slice(f);
            r
        })
        .collect();
    pcap_of(127, &with_header)
}

fn pcap_of(linktype: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        let t = 1_780_000_000_000_000u64 + i as u64 * 100_000;
        out.extend_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

/// A management frame (IEEE 802.11-2020 9.3.3.2) of `subtype` with `body`.
fn mgmt(subtype: u8, da: [u8; 6], sa: [u8; 6], bssid: [u8; 6], seq: u16, body: &[u8]) -> Vec<u8> {
    let mut f = vec![subtype << 4, 0, 0x3a, 0x01];
    f.extend_from_slice(&da);
    f.extend_from_slice(&sa);
    f.extend_from_slice(&bssid);
    f.extend_from_slice(&(seq << 4).to_le_bytes());
    f.extend_from_slice(body);
    f
}

fn ssid_and_rates(out: &mut Vec<u8>, ssid: &[u8]) {
    out.push(0);
    out.push(ssid.len() as u8);
    out.extend_from_slice(ssid);
    out.extend_from_slice(&[1, 4, 0x82, 0x84, 0x8b, 0x96]);
}

fn beacon(bssid: [u8; 6], ssid: &[u8], channel: u8) -> Vec<u8> {
    let mut body = vec![0; 8];
    body.extend_from_slice(&100u16.to_le_bytes());
    body.extend_from_slice(&0x0001u16.to_le_bytes());
    ssid_and_rates(&mut body, ssid);
    body.extend_from_slice(&[3, 1, channel]);
    mgmt(8, [0xff; 6], bssid, bssid, 0, &body)
}

/// A reassociation request from STA to `to` (leaving `from`), and its response with `status`.
fn reassociation(from: [u8; 6], to: [u8; 6], ssid: &[u8], status: u16, seq: u16) -> [Vec<u8>; 2] {
    let mut req = 0x0001u16.to_le_bytes().to_vec();
    req.extend_from_slice(&10u16.to_le_bytes());
    req.extend_from_slice(&from);
    ssid_and_rates(&mut req, ssid);
    let mut resp = 0x0001u16.to_le_bytes().to_vec();
    resp.extend_from_slice(&status.to_le_bytes());
    resp.extend_from_slice(&(0xc001u16).to_le_bytes());
    ssid_and_rates(&mut resp, &[]);
    [
        mgmt(2, to, STA, to, seq, &req),
        mgmt(3, STA, to, to, seq, &resp),
    ]
}

/// Two APs named `ssid` and a station roaming between them `roams` times; the roams at the
/// indices in `refused` are refused (status 17).
fn roaming_capture(ssid: &[u8], roams: usize, refused: &[usize]) -> Vec<u8> {
    pcap(&roaming_frames(ssid, roams, refused))
}

fn roaming_frames(ssid: &[u8], roams: usize, refused: &[usize]) -> Vec<Vec<u8>> {
    let mut frames = vec![beacon(AP1, ssid, 1), beacon(AP2, ssid, 6)];
    for i in 0..roams {
        let (from, to) = if i % 2 == 0 { (AP1, AP2) } else { (AP2, AP1) };
        let status = if refused.contains(&i) { 17 } else { 0 };
        frames.extend(reassociation(from, to, ssid, status, i as u16));
    }
    frames
}

/// The index of a column of the roams CSV.
fn column(name: &str) -> usize {
    roamgap_report::ROAM_COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap()
}

#[test]
fn a_hostile_ssid_reaches_the_table_and_the_summary_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ssid.pcap");
    std::fs::write(&f, roaming_capture(HOSTILE_SSID.as_bytes(), 3, &[])).unwrap();
    for args in [
        vec!["analyze", path(&f)],
        vec!["analyze", "--color", "always", path(&f)],
        vec!["summary", path(&f)],
    ] {
        let out = roamgap(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let s = text(&out.stdout);
        assert_eq!(s.matches(HOSTILE_SSID_SHOWN).count(), 2, "{args:?}:\n{s}");
        for raw in [
            "\x1b]", "\x07", "\x1b[2J", "\u{9b}", "\r", "\u{202e}", "\nfake",
        ] {
            assert!(!s.contains(raw), "{args:?}: {raw:?} raw in\n{s}");
        }
        if !args.contains(&"always") {
            assert_eq!(raw_controls(&s), [], "{args:?}:\n{s}");
        }
    }
    // The JSON keeps the SSID as the analysis has it.
    let out = roamgap(&["analyze", "--format", "json", path(&f)]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["captures"][0]["bss"][0]["ssid"], HOSTILE_SSID_TEXT);
}

// Control characters are allowed in file names on Unix only.
#[cfg(unix)]
#[test]
fn hostile_file_names_reach_warnings_errors_and_info_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let name = "cap\x1b]0;PWNED\x07\u{202e}\r\nfake.pcap";
    let shown = "cap\\x1b]0;PWNED\\x07\\u{202e}\\x0d\\x0afake.pcap";
    let f = dir.path().join(name);
    // Cut in the middle of the last record: a warning that names the file.
    let mut bytes = roaming_capture(b"voice", 3, &[]);
    bytes.truncate(bytes.len() - 5);
    std::fs::write(&f, bytes).unwrap();
    let missing = dir.path().join(format!("absent-{name}"));
    let unwritable = missing.join("x.pcap");
    let cases: [(Vec<&str>, i32, usize, usize); 5] = [
        // (arguments, exit status, times named on stdout, on stderr)
        (vec!["analyze", path(&f)], 0, 1, 1),
        (vec!["summary", path(&f)], 0, 1, 1),
        (vec!["info", path(&f)], 0, 1, 0),
        (vec!["analyze", path(&f), path(&missing)], 2, 1, 2),
        (vec!["gen", "cckm-ok", "-o", path(&unwritable)], 2, 0, 1),
    ];
    for (args, status, on_stdout, on_stderr) in cases {
        let out = roamgap(&args);
        let (o, e) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(status), "{args:?}: {e}");
        assert_eq!(o.matches(shown).count(), on_stdout, "{args:?}:\n{o}");
        assert_eq!(e.matches(shown).count(), on_stderr, "{args:?}:\n{e}");
        assert_eq!(raw_controls(&o), [], "{args:?}:\n{o}");
        assert_eq!(raw_controls(&e), [], "{args:?}:\n{e}");
    }
    // An argument the parser refuses is quoted in its error made printable too.
    let out = roamgap(&["analyze", "--gap-budget-ms", "1\u{202e}\u{85}", "x.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(e.contains("invalid value '1\\u{202e}\\x85'"), "{e}");
    assert_eq!(raw_controls(&e), [], "{e}");
}

#[test]
fn the_html_report_shows_control_characters_as_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ssid.pcap");
    std::fs::write(&f, roaming_capture(HOSTILE_SSID.as_bytes(), 3, &[])).unwrap();
    let out_dir = dir.path().join("report");
    let out = roamgap(&["report", "-q", path(&f), "-o", path(&out_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert_eq!(html.matches(HOSTILE_SSID_SHOWN).count(), 2);
    assert_eq!(raw_controls(&html), []);
    // The data files keep it as it is.
    let json = common::read_json(&out_dir.join("report.json"));
    assert_eq!(json["captures"][0]["bss"][1]["ssid"], HOSTILE_SSID_TEXT);
}

/// Reassociations: one more than the roams they make (the first joins from nowhere).
const REASSOCIATIONS: usize = MAX_LISTED + 51;
/// The one refused, late in the capture.
const REFUSED: usize = REASSOCIATIONS - 5;

/// The frame number of reassociation `i`'s request (two beacons first, then two frames each).
fn request_frame(i: usize) -> usize {
    3 + 2 * i
}

#[test]
fn many_roams_are_listed_up_to_the_limit_the_worst_kept_and_all_exported() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("many.pcap");
    std::fs::write(&f, roaming_capture(b"voice", REASSOCIATIONS, &[REFUSED])).unwrap();
    let roams = REASSOCIATIONS - 1;
    let out = roamgap(&["analyze", "--format", "json", path(&f)]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["roams"].as_array().unwrap().len(), roams);

    // The table: MAX_LISTED rows, the refused roam among them, the last roam not.
    let out = roamgap(&["analyze", path(&f)]);
    let s = text(&out.stdout);
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
                && l.contains(" -> ")
        })
        .collect();
    assert_eq!(rows.len(), MAX_LISTED);
    let starts = |frame: usize| {
        rows.iter()
            .any(|r| r.split_whitespace().next() == Some(&frame.to_string()))
    };
    assert!(starts(request_frame(REFUSED)));
    assert!(!starts(request_frame(REASSOCIATIONS - 1)));
    assert!(s.contains(&format!("Roams ({roams}):")));
    assert!(s.contains(&format!(
        "{} more roams not listed here ({MAX_LISTED} of {roams} shown); all of them are in --format csv",
        roams - MAX_LISTED
    )));
    // Details only of the roams listed.
    assert_eq!(s.matches("  roam at frame ").count(), MAX_LISTED);

    // The page: the same roams and findings bounded; the data files keep everything.
    let out_dir = dir.path().join("report");
    let out = roamgap(&["report", "-q", path(&f), "-o", path(&out_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert_eq!(html.matches("<tr class=\"roam\">").count(), MAX_LISTED);
    assert!(html.contains(&format!("<a href=\"#roam-0-{}\">", request_frame(REFUSED))));
    assert!(html.contains(&format!("{MAX_LISTED} of {roams} roams listed")));
    let findings = v["roams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["findings"].as_array().unwrap().len())
        .sum::<usize>();
    assert!(findings > MAX_LISTED);
    assert_eq!(html.matches("<tr class=\"finding\">").count(), MAX_LISTED);
    assert!(html.contains(&format!(
        "{MAX_LISTED} of {findings} findings listed; the other {} are in <a href=\"findings.csv\">findings.csv</a>",
        findings - MAX_LISTED
    )));
    let csv = std::fs::read_to_string(out_dir.join("roams.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + roams);
    let csv = std::fs::read_to_string(out_dir.join("findings.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + findings);
    let jsonl = std::fs::read_to_string(out_dir.join("roams.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), roams);
}

/// A pcapng block (type, body padded to 32 bits, lengths).
fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    let padded = body.len().div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + padded - body.len(), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

#[test]
fn interfaces_by_the_thousand_name_each_link_type_once() {
    let mut bytes = Vec::new();
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut bytes, 0x0a0d_0d0a, &shb);
    for i in 0..5_000u32 {
        let linktype: u16 = if i % 2 == 0 { 105 } else { 127 };
        let mut idb = linktype.to_le_bytes().to_vec();
        idb.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        block(&mut bytes, 1, &idb);
    }
    let frame = beacon(AP1, b"voice", 1);
    let mut epb = vec![0u8; 12];
    epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    epb.extend_from_slice(&frame);
    block(&mut bytes, 6, &epb);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("interfaces.pcapng");
    std::fs::write(&f, bytes).unwrap();

    let out = roamgap(&["info", path(&f)]);
    let s = text(&out.stdout);
    assert_eq!(s.lines().count(), 1, "{s}");
    assert!(
        s.contains("pcapng, 105 (IEEE 802.11) + 127 (radiotap + IEEE 802.11), 1 records"),
        "{s}"
    );
    for args in [vec!["analyze", path(&f)], vec!["summary", path(&f)]] {
        let s = text(&roamgap(&args).stdout);
        let longest = s.lines().map(str::len).max().unwrap();
        assert!(longest < 200, "{args:?}: a line of {longest} bytes");
    }
    let out = roamgap(&["analyze", "--format", "json", path(&f)]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let types: Vec<u64> = v["captures"][0]["linktypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["linktype"].as_u64().unwrap())
        .collect();
    assert_eq!(types, [105, 127]);
}

#[cfg(unix)]
#[test]
fn planted_links_in_the_report_directory_are_replaced_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.pcap");
    std::fs::write(&f, roaming_capture(b"voice", 3, &[])).unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let victim_dir = dir.path().join("victim-dir");
    std::fs::create_dir(&victim_dir).unwrap();
    std::fs::write(victim_dir.join("roam-0-3.svg"), "precious\n").unwrap();
    let out_dir = dir.path().join("report");
    std::fs::create_dir(&out_dir).unwrap();
    for name in ["roams.csv", "index.html", "report.json"] {
        symlink(&victim, out_dir.join(name)).unwrap();
    }
    symlink(&victim_dir, out_dir.join("plots")).unwrap();
    // A stale file of an earlier report is replaced.
    std::fs::write(out_dir.join("findings.csv"), "old\n").unwrap();

    let out = roamgap(&["report", "-q", path(&f), "-o", path(&out_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let kept: Vec<_> = std::fs::read_dir(&victim_dir).unwrap().collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(victim_dir.join("roam-0-3.svg")).unwrap(),
        "precious\n"
    );
    for name in [
        "roams.csv",
        "index.html",
        "report.json",
        "findings.csv",
        "plots",
    ] {
        let m = std::fs::symlink_metadata(out_dir.join(name)).unwrap();
        assert!(!m.file_type().is_symlink(), "{name} is still a link");
    }
    assert!(std::fs::read_to_string(out_dir.join("roams.csv"))
        .unwrap()
        .starts_with("kind,file,"));
    assert!(std::fs::read_to_string(out_dir.join("findings.csv"))
        .unwrap()
        .starts_with("file,station,"));
    assert!(out_dir.join("plots/gap-distribution.svg").is_file());
    // Nothing half-written is left behind.
    let names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(names, Vec::<String>::new());

    // A report directory that is itself a link is refused, and nothing is written through it.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let link = dir.path().join("link");
    symlink(&elsewhere, &link).unwrap();
    let out = roamgap(&["report", "-q", path(&f), "-o", path(&link)]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains(&format!(
            "{} is a symbolic link; give the directory itself",
            path(&link)
        )),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn csv_text_cells_cannot_become_formulas_and_numbers_stay_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let name = "=HYPERLINK(1).pcap";
    std::fs::copy(
        common::data("synthetic/cckm_missing_ie.pcap"),
        dir.path().join(name),
    )
    .unwrap();
    let out = roamgap_in(Some(dir.path()), &["analyze", "--format", "csv", name]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[column("file")], "'=HYPERLINK(1).pcap");
    let signal = row[column("signal_before_dbm")];
    assert!(signal.parse::<i32>().unwrap() < 0, "{signal}");
    let out = roamgap_in(Some(dir.path()), &["report", "-q", name, "-o", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let findings = std::fs::read_to_string(dir.path().join("out/findings.csv")).unwrap();
    let rows: Vec<&str> = findings.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.starts_with("'=HYPERLINK(1).pcap,")));
    // The JSON keeps the name as it is.
    let json = common::read_json(&dir.path().join("out/report.json"));
    assert_eq!(json["captures"][0]["file"], name);
}

#[test]
fn a_station_signal_plot_marks_a_bounded_number_of_roams() {
    let lines = roamgap_report::plot::MAX_ROAM_LINES;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("signal.pcap");
    std::fs::write(&f, radiotap_pcap(&roaming_frames(b"voice", 3 * lines, &[]))).unwrap();
    let out_dir = dir.path().join("report");
    let out = roamgap(&["report", "-q", path(&f), "-o", path(&out_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json = common::read_json(&out_dir.join("report.json"));
    let roams = json["roams"].as_array().unwrap().len();
    assert!(roams > 2 * lines, "{roams} roams");
    let every = roams.div_ceil(lines);
    let svg = std::fs::read_to_string(out_dir.join("plots/signal-0-001bd4000001.svg")).unwrap();
    assert!(svg.contains(&format!("({roams} roams, every {every}th marked)")));
    let marked = svg.lines().filter(|l| l.starts_with("roam ")).count();
    assert_eq!(marked, roams.div_ceil(every));
    assert!(marked <= lines);
}
