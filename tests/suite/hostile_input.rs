//! Hostile capture files and odd inputs: decompression bombs, unbounded streams, damaged
//! records, truncated compressed files, pipes and directories, impossible timestamps. Each
//! attack is built here and the bound or the message it meets is asserted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use roamgap::analysis::Config;
use roamgap::pipeline::{self, CaptureAnalysis, Pipeline, Plan};
use roamgap_report::Report;
use roamgap_wire::capture::{CaptureError, CaptureFile, StreamDamage, ZSTD_WINDOW_LIMIT};

fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cckm-ok.pcap")
}

/// A sample of 1,574 records (little-endian pcap, microseconds).
fn sample() -> Vec<u8> {
    std::fs::read(sample_path()).unwrap()
}

/// Where each record of a little-endian pcap file starts.
fn record_offsets(pcap: &[u8]) -> Vec<usize> {
    let mut at = 24;
    let mut out = Vec::new();
    while at + 16 <= pcap.len() {
        out.push(at);
        let incl = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + incl;
    }
    out
}

fn caplen(pcap: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap())
}

fn set_caplen(pcap: &mut [u8], at: usize, v: u32) {
    pcap[at + 8..at + 12].copy_from_slice(&v.to_le_bytes());
}

/// Analyzes in segments (small, so that damage lands inside the split) and in order; the two
/// must agree. Returns the segmented result.
fn analyze(cap: &CaptureFile) -> Result<CaptureAnalysis, pipeline::PipelineError> {
    let plan = Plan {
        segment_bytes: 16384,
        ..Plan::parallel()
    };
    let a = Pipeline::new(&Config::default()).plan(plan).analyze(0, cap);
    let s = Pipeline::new(&Config::default())
        .plan(Plan::sequential())
        .analyze(0, cap);
    match (&a, &s) {
        (Ok(a), Ok(s)) => {
            assert_eq!(
                Report::new(vec![a.clone()]).to_json(),
                Report::new(vec![s.clone()]).to_json()
            );
            assert_eq!(a.summary.reading, s.summary.reading);
            let _ = roamgap_report::render_table(&Report::new(vec![a.clone()]));
        }
        (Err(a), Err(s)) => assert_eq!(a.to_string(), s.to_string()),
        _ => panic!("segmented and sequential readings differ: {a:?} / {s:?}"),
    }
    a
}

fn analyze_bytes(name: &str, bytes: Vec<u8>) -> CaptureAnalysis {
    analyze(&CaptureFile::from_vec(name, bytes).unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn roamgap(args: &[&str], stdin: Option<Vec<u8>>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roamgap"));
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().unwrap();
    if let Some(w) = writer {
        w.join().unwrap();
    }
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

// 1. zstd window bombs.

/// A zstd frame header (RFC 8878 §3.1.1.1) with a Window_Descriptor, then a last raw block
/// of `body`.
fn zstd_frame_with_window(descriptor: u8, body: &[u8]) -> Vec<u8> {
    let mut f = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, descriptor];
    let header = 1u32 | (body.len() as u32) << 3; // Last_Block, Raw_Block, Block_Size
    f.extend(&header.to_le_bytes()[..3]);
    f.extend_from_slice(body);
    f
}

#[test]
fn zstd_window_over_the_limit_is_refused_before_decoding() {
    let pcap = sample();
    // Window log 41 (exponent 31): 2 TiB asked by a 24-byte frame.
    let err = CaptureFile::from_compressed(
        "bomb.zst",
        zstd_frame_with_window(31 << 3, &pcap[..24]),
        1 << 30,
    )
    .err()
    .unwrap();
    assert!(
        matches!(err, CaptureError::ZstdWindow { window, limit, .. } if window == 1 << 41 && limit == ZSTD_WINDOW_LIMIT),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "bomb.zst: a zstd frame asks for a window of 2199023255552 bytes (2^41), more than the 134217728 bytes (128 MiB) roamgap decodes with; no zstd decoder accepts a window over 2^31 bytes: the file is damaged or hostile"
    );
    // `zstd --long=31`: window log 31 (exponent 21).
    let err = CaptureFile::from_compressed(
        "long.zst",
        zstd_frame_with_window(21 << 3, &pcap[..24]),
        1 << 30,
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "long.zst: a zstd frame asks for a window of 2147483648 bytes (2^31), more than the 134217728 bytes (128 MiB) roamgap decodes with; decompress it first (`zstd -d --long=31 long.zst`, zstd too needs the window allowed) and give roamgap the result"
    );
    // The limit itself (exponent 17: 2^27) is decoded.
    let cap = CaptureFile::from_compressed(
        "ok.zst",
        zstd_frame_with_window(17 << 3, &pcap[..24]),
        1 << 30,
    )
    .unwrap();
    assert_eq!(cap.bytes(), &pcap[..24]);
}

#[test]
fn zstd_single_segment_content_size_is_the_window() {
    // Single_Segment with an 8-byte Frame_Content_Size of 2^40: the window is the content.
    let mut f = vec![0x28, 0xb5, 0x2f, 0xfd, 0xe0];
    f.extend((1u64 << 40).to_le_bytes());
    f.extend([1, 0, 0]);
    let err = CaptureFile::from_compressed("fcs.zst", f, 1 << 30)
        .err()
        .unwrap();
    assert!(
        matches!(err, CaptureError::ZstdWindow { window, .. } if window == 1 << 40),
        "{err}"
    );
}

#[test]
fn zstd_every_frame_is_checked_and_decoded() {
    let pcap = sample();
    let half = record_offsets(&pcap)[700];
    // Two frames, a skippable frame between them: the whole capture.
    let mut two = zstd(&pcap[..half]);
    two.extend(0x184D_2A53u32.to_le_bytes());
    two.extend(3u32.to_le_bytes());
    two.extend([9, 9, 9]);
    two.extend(zstd(&pcap[half..]));
    let cap = CaptureFile::from_compressed("two.zst", two.clone(), 1 << 30).unwrap();
    assert_eq!(cap.bytes(), &pcap[..]);
    assert_eq!(cap.stream_damage(), None);
    // A second frame asking too much is refused, though the first was fine.
    two.extend(zstd_frame_with_window(25 << 3, b"x"));
    let err = CaptureFile::from_compressed("two.zst", two, 1 << 30)
        .err()
        .unwrap();
    assert!(
        matches!(err, CaptureError::ZstdWindow { window, .. } if window == 1 << 35),
        "{err}"
    );
}

// 2. Bounded spooling.

#[test]
fn magic_is_checked_before_spooling() {
    // 64 MiB of zeros, gzip: refused on its first bytes, even with a 16-byte spool limit
    // (which a copy would have hit first).
    let zeros = gzip(&vec![0u8; 64 << 20]);
    assert!(zeros.len() < 1 << 20, "{}", zeros.len());
    let err = CaptureFile::from_compressed("zeros.gz", zeros, 16)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "zeros.gz: not a pcap or pcapng file (first bytes 00 00 00 00, once gzip decompressed)"
    );
}

#[test]
fn endless_standard_input_without_a_magic_stops_at_once() {
    // `yes | roamgap analyze -`: the writer is stopped by the closed pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_roamgap"))
        .args(["analyze", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = b"y\n".repeat(4096);
        let mut written = 0u64;
        while pipe.write_all(&chunk).is_ok() {
            written += chunk.len() as u64;
        }
        written
    });
    let out = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "roamgap: -: not a pcap or pcapng file (first bytes 79 0a 79 0a)\n"
    );
    assert!(written < 1 << 30, "{written}");
}

#[test]
fn the_spool_is_bounded_and_says_how_to_raise_it() {
    let pcap = sample();
    let err = CaptureFile::from_compressed("big.gz", gzip(&pcap), 100_000)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "big.gz: its decompressed gzip stream holds more than 100000 bytes, the limit of a temporary copy; raise it with --max-spool (e.g. --max-spool 400000), or decompress the file yourself and give roamgap the result (it is then mapped, not copied)"
    );
    let out = roamgap(&["analyze", "--max-spool", "64K", "-"], Some(pcap), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "roamgap: -: the stream (standard input or a pipe) holds more than 65536 bytes, the limit of a temporary copy; raise it with --max-spool (e.g. --max-spool 256K), or save the capture to a file and give roamgap its name (it is then mapped, not copied)\n"
    );
    let out = roamgap(&["analyze", "--max-spool", "12Q", "-"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown size unit 'Q'"),
        "{}",
        stderr(&out)
    );
}

// 3. Damaged records are stepped over.

#[test]
fn hostile_caplen_in_the_middle_skips_one_record() {
    let mut pcap = sample();
    let offs = record_offsets(&pcap);
    assert_eq!(offs.len(), 1574);
    let at = offs[800]; // frame 801
    let len = 16 + caplen(&pcap, at) as usize;
    set_caplen(&mut pcap, at, u32::MAX);
    let a = analyze_bytes("cut.pcap", pcap);
    let s = &a.summary;
    // Read in parallel segments, the damage inside one of them.
    assert!(s.segments > 10, "{}", s.segments);
    assert_eq!(s.counters.frames, 1573);
    assert!(s.truncated.is_none());
    assert_eq!(
        (s.reading.skipped, s.reading.skipped_bytes),
        (1, len as u64)
    );
    let skip = &s.reading.skips[0];
    assert_eq!((skip.offset, skip.len, skip.after), (at, len, 800));
    assert_eq!(
        s.reading_warnings(),
        vec![format!(
            "cut.pcap: skipped 1 damaged region ({len} bytes) and read on at the next sound record (bytes {at}..{} between frames 800 and 801: captured length 4294967295 exceeds the snapshot length 65535); frames after a skipped region are numbered as Wireshark numbers the file with those bytes cut out",
            at + len
        )]
    );
    // The report says it too: in its JSON and among the warnings a person reads.
    let report = roamgap_report::Report::new(vec![a.clone()]);
    let v = serde_json::to_value(&report).unwrap();
    let c = &v["captures"][0];
    assert_eq!(
        (c["skipped_regions"].as_u64(), c["skipped_bytes"].as_u64()),
        (Some(1), Some(len as u64))
    );
    assert_eq!(c["reading"], serde_json::json!(s.reading_warnings()));
    assert!(report.warnings().contains(&s.reading_warnings()[0]));
}

#[test]
fn hostile_caplen_on_the_first_record() {
    let mut pcap = sample();
    let len = 16 + caplen(&pcap, 24) as usize;
    set_caplen(&mut pcap, 24, u32::MAX);
    let a = analyze_bytes("first.pcap", pcap);
    assert_eq!(a.summary.counters.frames, 1573);
    assert_eq!(a.summary.reading.skips[0].after, 0);
    assert_eq!(a.summary.reading.skipped_bytes, len as u64);
}

#[test]
fn an_overlong_caplen_does_not_misalign_the_rest() {
    let mut pcap = sample();
    let offs = record_offsets(&pcap);
    let plain = analyze_bytes("plain.pcap", pcap.clone());
    let at = offs[800];
    let len = 16 + caplen(&pcap, at) as usize;
    let plus4 = caplen(&pcap, at) + 4;
    set_caplen(&mut pcap, at, plus4);
    let a = analyze_bytes("plus4.pcap", pcap);
    let s = &a.summary;
    assert!(s.segments > 10, "{}", s.segments);
    assert_eq!(s.counters.frames, 1573);
    assert_eq!(s.counters.malformed, 0);
    assert_eq!(s.first_ns, plain.summary.first_ns);
    assert_eq!(s.last_ns, plain.summary.last_ns);
    let skip = &s.reading.skips[0];
    assert_eq!((skip.offset, skip.len, skip.after), (at, len, 800));
    assert_eq!(
        skip.reason,
        format!(
            "captured length {} runs past the next record header, at offset {}",
            len - 16 + 4,
            at + len
        )
    );
}

#[test]
fn nothing_readable_is_an_error_not_an_empty_report() {
    let pcap = sample();
    // The file header, then one record whose length is impossible, then garbage.
    let mut bad = pcap[..40].to_vec();
    set_caplen(&mut bad, 24, u32::MAX);
    bad.extend([0x55u8; 300]);
    let cap = CaptureFile::from_vec("bad.pcap", bad.clone()).unwrap();
    let err = analyze(&cap).err().unwrap();
    assert_eq!(
        err.to_string(),
        "bad.pcap: no frame could be read: 316 bytes skipped from offset 24 (captured length 4294967295 exceeds the snapshot length 65535)"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.pcap");
    std::fs::write(&path, bad).unwrap();
    let out = roamgap(
        &["analyze", "--fail-on-findings", path.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.pcap: no frame could be read"),
        "{}",
        stderr(&out)
    );
}

/// A little-endian pcapng writer: blocks padded to 4 bytes.
struct Ng(Vec<u8>);

impl Ng {
    fn block(&mut self, kind: u32, body: &[u8]) {
        let total = 12 + body.len().div_ceil(4) * 4;
        self.0.extend(kind.to_le_bytes());
        self.0.extend((total as u32).to_le_bytes());
        self.0.extend_from_slice(body);
        self.0.resize(self.0.len() + total - 12 - body.len(), 0);
        self.0.extend((total as u32).to_le_bytes());
    }

    /// A section header and one radiotap interface with these options (code, value).
    fn new(options: &[(u16, &[u8])]) -> Ng {
        let mut ng = Ng(Vec::new());
        let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
        shb.extend([1, 0, 0, 0]);
        shb.extend(u64::MAX.to_le_bytes());
        ng.block(0x0a0d_0d0a, &shb);
        let mut idb = vec![127, 0, 0, 0, 0, 0, 0, 0];
        for (code, value) in options {
            idb.extend(code.to_le_bytes());
            idb.extend((value.len() as u16).to_le_bytes());
            idb.extend_from_slice(value);
            idb.resize(idb.len().div_ceil(4) * 4, 0);
        }
        idb.extend([0, 0, 0, 0]);
        ng.block(1, &idb);
        ng
    }

    fn epb(&mut self, interface: u32, units: u64, data: &[u8]) {
        let mut b = interface.to_le_bytes().to_vec();
        b.extend(((units >> 32) as u32).to_le_bytes());
        b.extend((units as u32).to_le_bytes());
        b.extend((data.len() as u32).to_le_bytes());
        b.extend((data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        self.block(6, &b);
    }

    fn spb(&mut self, data: &[u8]) {
        let mut b = (data.len() as u32).to_le_bytes().to_vec();
        b.extend_from_slice(data);
        self.block(3, &b);
    }
}

/// The sample's records: (µs since the epoch, frame bytes).
fn sample_records() -> Vec<(u64, Vec<u8>)> {
    let pcap = sample();
    record_offsets(&pcap)
        .into_iter()
        .map(|at| {
            let w = |i: usize| {
                u64::from(u32::from_le_bytes(
                    pcap[at + i..at + i + 4].try_into().unwrap(),
                ))
            };
            let data = pcap[at + 16..at + 16 + w(8) as usize].to_vec();
            (w(0) * 1_000_000 + w(4), data)
        })
        .collect()
}

#[test]
fn pcapng_packet_of_an_undeclared_interface_is_stepped_over() {
    let recs = sample_records();
    let mut ng = Ng::new(&[]);
    for (k, (us, data)) in recs.iter().enumerate() {
        if k == 800 {
            ng.epb(7, *us, data);
        }
        ng.epb(0, *us, data);
    }
    let a = analyze_bytes("iface.pcapng", ng.0);
    let s = &a.summary;
    assert_eq!(s.counters.frames, 1574);
    assert_eq!((s.reading.skipped, s.reading.skips[0].after), (1, 800));
    assert_eq!(
        s.reading.skips[0].reason,
        "packet block: packet names interface 7, but only 1 are described"
    );
}

#[test]
fn pcapng_damaged_block_length_resynchronizes() {
    let recs = sample_records();
    let mut ng = Ng::new(&[]);
    let mut damaged = 0;
    for (k, (us, data)) in recs.iter().enumerate() {
        if k == 800 {
            damaged = ng.0.len();
        }
        ng.epb(0, *us, data);
    }
    // Block 801's leading length: not a multiple of 4.
    ng.0[damaged + 4] ^= 0x03;
    let a = analyze_bytes("len.pcapng", ng.0);
    let s = &a.summary;
    assert_eq!(s.counters.frames, 1573);
    let skip = &s.reading.skips[0];
    assert_eq!((skip.offset, skip.after), (damaged, 800));
    assert!(
        skip.reason.contains("not a multiple of 4"),
        "{}",
        skip.reason
    );
}

// 4. Truncated compressed captures are analyzed up to the cut.

#[test]
fn truncated_compressed_captures_are_read_to_the_cut() {
    let pcap = sample();
    for (name, mut packed) in [("cut.gz", gzip(&pcap)), ("cut.zst", zstd(&pcap))] {
        // Cut where about 290,000 bytes were decoded.
        let keep = packed.len() * 290 / 330;
        packed.truncate(keep);
        let cap = CaptureFile::from_compressed(name, packed, 1 << 30).unwrap();
        let compression = cap.compression().unwrap();
        let decoded = cap.bytes().len() as u64;
        assert_eq!(
            cap.stream_damage(),
            Some(&StreamDamage::EndedEarly {
                compression,
                decoded
            })
        );
        assert!(decoded > 100_000, "{name}: {decoded}");
        assert_eq!(cap.bytes(), &pcap[..decoded as usize]);
        // Every record whole in what was decoded is read; the one cut is said.
        let whole = record_offsets(&pcap)
            .iter()
            .filter(|&&at| at + 16 + caplen(&pcap, at) as usize <= decoded as usize)
            .count() as u64;
        let a = analyze(&cap).unwrap();
        assert_eq!(a.summary.counters.frames, whole, "{name}");
        assert_eq!(
            a.summary.truncated.as_ref().map(|t| t.frame()),
            Some(whole + 1)
        );
        let w = a.summary.reading_warnings();
        assert_eq!(
            w[0],
            format!(
                "{name}: the {} stream ends early (the file is cut short) after {decoded} decompressed bytes; analyzed what it holds",
                compression.name()
            )
        );
    }
    // Trailing zeros after a whole gzip stream.
    let mut padded = gzip(&pcap);
    padded.extend([0u8; 4096]);
    let cap = CaptureFile::from_compressed("pad.gz", padded, 1 << 30).unwrap();
    assert_eq!(cap.bytes(), &pcap[..]);
    let a = analyze(&cap).unwrap();
    assert_eq!(a.summary.counters.frames, 1574);
    assert_eq!(
        a.summary.reading_warnings(),
        vec!["pad.gz: 4096 bytes of zeros after the end of the gzip stream are ignored"]
    );
}

// 5. Odd inputs.

#[test]
fn report_from_standard_input_reads_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    let out = roamgap(
        &["report", "-q", "-", "-o", out_dir.to_str().unwrap()],
        Some(sample()),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let index = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(index.contains("<svg") || index.contains(".svg"), "no plot");
}

#[test]
fn pipes_and_fifos_are_streams_not_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("cap.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let f = fifo.clone();
    let writer = std::thread::spawn(move || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&f)
            .unwrap()
            .write_all(&gzip(&sample()))
    });
    let out = roamgap(
        &["analyze", "--format", "json", fifo.to_str().unwrap()],
        None,
        &[],
    );
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["captures"][0]["frames"], 1574);
    assert_eq!(report["captures"][0]["format"], "pcap (gzip)");
}

#[test]
fn a_directory_is_named_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = CaptureFile::open(dir.path()).err().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: is a directory, not a capture file",
            dir.path().display()
        )
    );
}

#[test]
fn a_missing_temp_dir_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("ok.pcap.gz");
    std::fs::write(&gz, gzip(&sample())).unwrap();
    let out = roamgap(
        &["analyze", gz.to_str().unwrap()],
        None,
        &[("TMPDIR", "/nonexistent-roamgap-tmp")],
    );
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("ok.pcap.gz: cannot write its temporary copy in /nonexistent-roamgap-tmp: No such file or directory")
            && e.contains("set TMPDIR to a writable directory"),
        "{e}"
    );
}

// 6. Timestamps that cannot be trusted are said.

#[test]
fn pcapng_without_timestamps_is_said() {
    let mut ng = Ng::new(&[]);
    for (_, data) in sample_records().iter().take(100) {
        ng.spb(data);
    }
    let a = analyze_bytes("spb.pcapng", ng.0);
    assert_eq!(a.summary.reading.untimed.frames, 100);
    assert_eq!(
        a.summary.reading_warnings(),
        vec!["spb.pcapng: no frame has a timestamp (pcapng Simple Packet Blocks only): every time is 0 and no gap can be measured"]
    );
}

#[test]
fn pcapng_resolutions_that_spoil_times_are_said() {
    let recs = sample_records();
    for (resol, unit, what) in [
        (0u8, "10^-0 s", "gaps shorter than that read as 0"),
        (19, "10^-19 s", "2^64 of them span less than a day"),
        (0x80 | 60, "2^-60 s", "2^64 of them span less than a day"),
    ] {
        let mut ng = Ng::new(&[(9, &[resol])]);
        for (us, data) in recs.iter().take(50) {
            // Seconds for a resolution of seconds; the rest overflow their range anyway.
            ng.epb(0, if resol == 0 { us / 1_000_000 } else { *us }, data);
        }
        let a = analyze_bytes("resol.pcapng", ng.0);
        let w = a.summary.reading_warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with(&format!(
                "resol.pcapng: interface 0 counts time in units of {unit} (if_tsresol): "
            )) && w[0].contains(what),
            "{w:?}"
        );
    }
}

#[test]
fn pcapng_offsets_beyond_range_are_clamped_and_said() {
    let recs = sample_records();
    for offset in [i64::MIN, i64::MAX] {
        let mut ng = Ng::new(&[(14, &offset.to_le_bytes())]);
        for (us, data) in recs.iter().take(200) {
            ng.epb(0, *us, data);
        }
        let a = analyze_bytes("offset.pcapng", ng.0);
        let s = &a.summary;
        assert_eq!(s.reading.saturated.frames, 200);
        let limit = roamgap_wire::capture::TIME_LIMIT_NS;
        let want = if offset < 0 { -limit } else { limit };
        assert_eq!((s.first_ns, s.last_ns), (Some(want), Some(want)));
        assert_eq!(
            s.reading_warnings(),
            vec!["offset.pcapng: 200 frames (the first: frame 1, interface 0) have a time outside the years 1824 to 2116 (if_tsoffset or if_tsresol out of range): clamped there, so times and gaps are wrong"]
        );
    }
}

#[test]
fn pcap_sub_second_field_of_a_second_or_more_is_said() {
    let mut pcap = sample();
    let offs = record_offsets(&pcap);
    let sec = |p: &[u8], at: usize| u32::from_le_bytes(p[at..at + 4].try_into().unwrap());
    // Frame 11: 1,500,000 µs is 1.5 s past its second.
    let at = offs[10];
    let s0 = sec(&pcap, at);
    pcap[at + 4..at + 8].copy_from_slice(&1_500_000u32.to_le_bytes());
    let cap = CaptureFile::from_vec("us.pcap", pcap).unwrap();
    let rec = cap.records().unwrap().nth(10).unwrap().unwrap();
    assert_eq!(rec.ts_ns, i64::from(s0) * 1_000_000_000 + 1_500_000_000);
    let a = analyze(&cap).unwrap();
    assert_eq!(
        a.summary.reading_warnings(),
        vec!["us.pcap: 1 frame (the first: frame 11) has a sub-second time field of a second or more (invalid): the excess is carried into the seconds"]
    );
}
