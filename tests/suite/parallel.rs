//! The parallel pipeline (chunked decoding, sharded stations) gives exactly the sequential
//! result, on every sample and synthetic capture and on generated ones, for several pool sizes
//! batch sizes and segment sizes.

use std::path::PathBuf;

use roamgap::analysis::Config;
use roamgap::pipeline::{Pipeline, Plan};
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_report::Report;
use roamgap_wire::capture::CaptureFile;

fn json(cap: &CaptureFile, plan: Plan) -> String {
    let a = Pipeline::new(&Config::default())
        .plan(plan)
        .analyze(0, cap)
        .unwrap();
    Report::new(vec![a]).to_json()
}

fn captures() -> Vec<CaptureFile> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    // gfiber-taxonomy: captures rewritten without recomputing the FCS (`--fcs auto` decides
    // once per capture, before any segment is decoded) and sound ones.
    for dir in [
        "samples",
        "tests/data/synthetic",
        "tests/data/real/modern/gfiber-taxonomy",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    let mut caps: Vec<CaptureFile> = paths
        .iter()
        .map(|p| CaptureFile::open(p).unwrap())
        .collect();
    for seed in [1, 2] {
        let g = gen::generate(
            "multi-phone",
            &Options {
                seed,
                format: FileFormat::PcapNg,
                link: Link::Radiotap,
            },
        )
        .unwrap();
        caps.push(CaptureFile::from_vec(format!("multi-phone-{seed}"), g.bytes).unwrap());
    }
    caps
}

#[test]
fn parallel_equals_sequential() {
    let caps = captures();
    assert!(caps.len() >= 18);
    for threads in [2, 3, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for cap in &caps {
            let sequential = json(cap, Plan::sequential());
            let parallel = pool.install(|| json(cap, Plan::parallel()));
            assert!(
                sequential == parallel,
                "{}: {threads} threads differ from one",
                cap.path().display()
            );
            // Small batches: roams, streams and retransmissions straddle batch boundaries.
            let small = Plan {
                parallel: true,
                batch_records: 997,
                chunk_records: 61,
                segment_bytes: 0,
            };
            let batched = pool.install(|| json(cap, small));
            assert!(
                sequential == batched,
                "{}: batches of 997 records differ",
                cap.path().display()
            );
            // Classic pcap split into 8 KiB segments at resynchronized record boundaries.
            let segmented = Plan {
                segment_bytes: 8192,
                ..Plan::parallel()
            };
            let split = pool.install(|| json(cap, segmented));
            assert!(
                sequential == split,
                "{}: 8 KiB segments differ",
                cap.path().display()
            );
            // ... and really read in segments (a false boundary would have sent it back to
            // the ordered reading); pcapng is always read in order.
            let a = pool.install(|| {
                Pipeline::new(&Config::default())
                    .plan(segmented)
                    .analyze(0, cap)
                    .unwrap()
            });
            // (The real captures are smaller than 8 KiB: one segment, or none.)
            let pcap = matches!(cap.format(), roamgap_wire::capture::Format::Pcap { .. })
                && cap.bytes().len() > 11 * 8192;
            if pcap {
                assert!(
                    a.summary.segments > 10,
                    "{}: {} segments",
                    cap.path().display(),
                    a.summary.segments
                );
            }
        }
    }
}

#[test]
fn segments_start_on_record_boundaries() {
    let cap =
        CaptureFile::open(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/cckm-ok.pcap"))
            .unwrap();
    let segments = cap.pcap_segments(8192).unwrap();
    assert!(segments.len() > 30, "{}", segments.len());
    // Every boundary is where the sequential walk has a record.
    let mut starts = std::collections::HashSet::new();
    let mut records = cap.records().unwrap();
    loop {
        starts.insert(records.offset());
        if records.next().is_none() {
            break;
        }
    }
    for s in &segments {
        assert!(starts.contains(&s.start), "{s:?}");
    }
    assert!(
        cap.pcap_segments(1 << 30).is_none(),
        "one segment is no split"
    );
}
