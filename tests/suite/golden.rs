//! Golden files: what `roamgap analyze` (table, CSV, JSON, JSON lines) and `roamgap summary`
//! print for every bundled sample, byte for byte, kept in `tests/data/golden/`. A change of the
//! output shows here as a diff to review; `UPDATE_GOLDEN=1 cargo test --release --test suite golden::`
//! writes the new files. The CSV and JSON lines are also checked against the samples' truth, so
//! the golden files themselves hold the exact gaps and losses.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::read_json;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs roamgap from the package root (so the file names in the output are `samples/...`).
fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_roamgap"))
        .current_dir(root())
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("runs roamgap");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn samples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("samples")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        for ext in [".pcap", ".pcapng"] {
            if let Some(stem) = name.strip_suffix(ext) {
                out.push((stem.to_string(), format!("samples/{name}")));
            }
        }
    }
    out.sort();
    out
}

/// Compares `got` with the golden file (or writes it with UPDATE_GOLDEN=1); returns a
/// description of the difference.
fn golden(file: &str, got: &str) -> Option<String> {
    let path = root().join("tests/data/golden").join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return None;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if want == got {
        return None;
    }
    let line = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(want.lines().count().min(got.lines().count()));
    Some(format!(
        "{file}: differs from line {}:\n  want: {}\n  got:  {}",
        line + 1,
        want.lines().nth(line).unwrap_or("<end>"),
        got.lines().nth(line).unwrap_or("<end>")
    ))
}

#[test]
fn every_output_format_matches_its_golden_file() {
    let mut problems = Vec::new();
    let mut compared = 0;
    for (stem, path) in samples() {
        for (kind, args) in [
            ("table.txt", vec!["analyze", "--color", "never", &path]),
            ("csv", vec!["analyze", "--format", "csv", &path]),
            ("json", vec!["analyze", "--format", "json", &path]),
            ("jsonl", vec!["analyze", "--format", "jsonl", &path]),
            ("summary.txt", vec!["summary", &path]),
        ] {
            problems.extend(golden(&format!("{stem}.{kind}"), &run(&args)));
            compared += 1;
        }
    }
    assert_eq!(compared, 15 * 5);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn coloured_table_matches_its_golden_file() {
    let got = run(&[
        "analyze",
        "--color",
        "always",
        "samples/cckm-missing-ie.pcap",
    ]);
    assert!(got.contains("\x1b[1;31mcckm-ie-missing, deauth-after-roam, long-gap\x1b[0m"));
    if let Some(p) = golden("cckm-missing-ie.color.txt", &got) {
        panic!("{p}");
    }
    // Without the colours, the same text.
    let plain = run(&[
        "analyze",
        "--color",
        "never",
        "samples/cckm-missing-ie.pcap",
    ]);
    let mut stripped = String::new();
    let mut chars = got.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            stripped.push(c);
        }
    }
    assert_eq!(stripped, plain);
}

/// A CSV line split into fields (RFC 4180 quoting).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

fn truth_of(path: &str) -> Value {
    let stem = Path::new(path).file_stem().unwrap().to_str().unwrap();
    read_json(&root().join("samples").join(format!("{stem}.truth.json")))
}

#[test]
fn csv_rows_carry_the_truth_of_every_roam() {
    let documented = std::fs::read_to_string(root().join("docs/EXPORTS.md")).unwrap();
    let mut rows_checked = 0;
    for (_, path) in samples() {
        let truth = truth_of(&path);
        let csv = run(&["analyze", "--format", "csv", &path]);
        assert!(csv.ends_with("\r\n"), "{path}: CRLF line ends");
        let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
        let header = csv_fields(lines.next().unwrap());
        assert_eq!(header, roamgap_report::ROAM_COLUMNS, "{path}: header");
        for col in &header {
            assert!(
                documented.contains(&format!("| `{col}` |")),
                "column `{col}` is not documented in docs/EXPORTS.md"
            );
        }
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let rows: Vec<Vec<String>> = lines.map(csv_fields).collect();
        let want = truth["roams"].as_array().unwrap();
        assert_eq!(rows.len(), want.len(), "{path}: one row per roam");
        for (row, t) in rows.iter().zip(want) {
            assert_eq!(
                row.len(),
                header.len(),
                "{path}: every row has every column"
            );
            assert_eq!(row[col("kind")], "roam");
            assert_eq!(row[col("station")], t["station"].as_str().unwrap());
            assert_eq!(row[col("from_bssid")], t["from_bssid"].as_str().unwrap());
            assert_eq!(row[col("to_bssid")], t["to_bssid"].as_str().unwrap());
            assert_eq!(row[col("request_frame")], t["request_frame"].to_string());
            for dir in ["uplink", "downlink"] {
                let g = &t[dir];
                let gap = &row[col(&format!("{dir}_gap_ms"))];
                let lost = &row[col(&format!("{dir}_lost"))];
                match g["gap_ms"].as_f64() {
                    Some(want) => {
                        let got: f64 = gap.parse().unwrap();
                        assert!(
                            (got - want).abs() < 0.002,
                            "{path} {dir}: gap {got} vs {want}"
                        );
                        let l = g["lost"].as_u64().unwrap().to_string();
                        assert!(
                            lost == &l || lost == &format!("~{l}"),
                            "{path} {dir}: lost {lost} vs {l}"
                        );
                    }
                    None => assert!(gap.is_empty(), "{path} {dir}: no gap in the truth"),
                }
            }
            let mut codes: Vec<&str> = row[col("findings")]
                .split(';')
                .filter(|c| !c.is_empty())
                .collect();
            let mut want_codes: Vec<&str> = t["expected_findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            codes.sort_unstable();
            want_codes.sort_unstable();
            assert_eq!(codes, want_codes, "{path}: findings");
            let f = &row[col("wireshark_filter")];
            assert!(
                f.starts_with(&format!(
                    "wlan.addr=={} && frame.number>=",
                    t["station"].as_str().unwrap()
                )),
                "{path}: {f}"
            );
            rows_checked += 1;
        }
    }
    assert!(rows_checked >= 25, "{rows_checked} rows");
}

#[test]
fn json_lines_hold_one_roam_each_with_its_findings_filters() {
    for (_, path) in samples() {
        let truth = truth_of(&path);
        let text = run(&["analyze", "--format", "jsonl", &path]);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
            .collect();
        let want = truth["roams"].as_array().unwrap();
        assert_eq!(lines.len(), want.len(), "{path}");
        for (l, t) in lines.iter().zip(want) {
            assert_eq!(l["type"], "roam");
            assert_eq!(l["file"], path.as_str());
            assert_eq!(l["request_frame"], t["request_frame"]);
            assert_eq!(l["uplink"]["lost"], t["uplink"]["lost"], "{path}");
            for f in l["findings"].as_array().unwrap() {
                let ev: Vec<u64> = f["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
                    .collect();
                let filter = f["wireshark_filter"].as_str().unwrap();
                let (Some(lo), Some(hi)) = (ev.iter().min(), ev.iter().max()) else {
                    assert_eq!(filter, l["wireshark_filter"].as_str().unwrap());
                    continue;
                };
                let want = if lo == hi {
                    format!("frame.number=={lo}")
                } else {
                    format!(
                        "wlan.addr=={} && frame.number>={lo} && frame.number<={hi}",
                        t["station"].as_str().unwrap()
                    )
                };
                assert_eq!(filter, want, "{path}: {}", f["code"]);
            }
        }
    }
}
