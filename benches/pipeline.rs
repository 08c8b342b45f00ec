//! Throughput of each step on a generated capture: record walk, decode to events, and the
//! whole analysis. `cargo bench`; results and machine in `docs/PERFORMANCE.md`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use roamgap::analysis::{self, Config};
use roamgap::capture::CaptureFile;
use roamgap::events::{self, FrameCounters};
use roamgap::gen::{self, FileFormat, Link, Options};
use roamgap::pipeline;

fn capture(format: FileFormat) -> CaptureFile {
    let g = gen::generate(
        "multi-phone",
        &Options {
            seed: 1,
            format,
            link: Link::Radiotap,
        },
    )
    .expect("scenario");
    CaptureFile::from_vec("multi-phone", g.bytes).expect("capture")
}

fn steps(c: &mut Criterion) {
    for format in [FileFormat::Pcap, FileFormat::PcapNg] {
        let cap = capture(format);
        let frames = cap.records().unwrap().count() as u64;
        let mut g = c.benchmark_group(format!("multi-phone-{}", format.name()));
        g.throughput(Throughput::Elements(frames));
        g.bench_function("records", |b| {
            b.iter(|| cap.records().unwrap().filter(|r| r.is_ok()).count())
        });
        g.bench_function("decode-sequential", |b| {
            b.iter(|| {
                let mut counters = FrameCounters::default();
                let mut n = 0usize;
                for rec in cap.records().unwrap().map_while(Result::ok) {
                    events::decode_record(&rec, &mut counters, &mut |_| n += 1);
                }
                n
            })
        });
        g.bench_function("decode-parallel", |b| {
            b.iter(|| pipeline::decode_capture(&cap).unwrap().1.len())
        });
        let (_, evs) = pipeline::decode_capture(&cap).unwrap();
        g.bench_function("analysis", |b| {
            b.iter(|| {
                analysis::analyze(0, evs.clone(), &Config::default())
                    .roams
                    .len()
            })
        });
        g.bench_function("full", |b| {
            b.iter(|| {
                pipeline::analyze_capture(0, &cap, &Config::default())
                    .unwrap()
                    .analysis
                    .roams
                    .len()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, steps);
criterion_main!(benches);
