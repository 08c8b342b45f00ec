//! Compressed captures and standard input give the same analysis as the plain file.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{analyze_file, compare_with_truth, read_json};

fn sample() -> (std::path::PathBuf, serde_json::Value) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    (
        root.join("samples/cckm-missing-ie.pcap"),
        read_json(&root.join("samples/cckm-missing-ie.truth.json")),
    )
}

#[test]
fn gzip_and_zstd() {
    let (path, truth) = sample();
    let plain = std::fs::read(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let gz = dir.path().join("capture.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&plain).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();

    let zst = dir.path().join("capture.zst");
    std::fs::write(
        &zst,
        ruzstd::encoding::compress_to_vec(&plain[..], ruzstd::encoding::CompressionLevel::Fastest),
    )
    .unwrap();

    for (file, format) in [(&gz, "pcap (gzip)"), (&zst, "pcap (zstd)")] {
        let report = analyze_file(file);
        compare_with_truth(&report, &truth, format);
        assert_eq!(report["captures"][0]["format"], format);
    }

    // A stream cut short is analyzed up to the cut, and said.
    let mut broken = std::fs::read(&gz).unwrap();
    broken.truncate(broken.len() / 2);
    let cut = dir.path().join("cut.gz");
    std::fs::write(&cut, &broken).unwrap();
    let a = roamgap::pipeline::Pipeline::new(&Default::default())
        .analyze(0, &roamgap_wire::capture::CaptureFile::open(&cut).unwrap())
        .unwrap();
    assert_eq!(a.summary.counters.frames, 754);
    let warnings = a.summary.reading_warnings();
    assert!(
        warnings[0].contains("the gzip stream ends early"),
        "{warnings:?}"
    );
}

#[test]
fn standard_input() {
    let (path, truth) = sample();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roamgap"))
        .args(["analyze", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    compare_with_truth(&report, &truth, "stdin");
    assert_eq!(report["captures"][0]["file"], "-");
}
