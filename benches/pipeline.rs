//! Micro-benchmarks of each step on a generated capture held in memory (50 phones, 1 minute,
//! 82 MB, 0.31 M frames): the record reader, the 802.11 decoder, the per-station analysis, and
//! the whole pipeline in order and in parallel. `cargo bench --bench pipeline`; results and
//! machine in `docs/PERFORMANCE.md`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use roamgap::analysis::{Analyzer, Config};
use roamgap::events::{self, FrameCounters};
use roamgap::pipeline::{Pipeline, Plan};
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_wire::capture::CaptureFile;

fn capture(format: FileFormat) -> CaptureFile {
    let mut bytes = Vec::new();
    gen::generate_big(
        &Options {
            seed: 1,
            format,
            link: Link::Radiotap,
        },
        50,
        1.0,
        &mut bytes,
    )
    .expect("writes");
    CaptureFile::from_vec("big", bytes).expect("capture")
}

fn steps(c: &mut Criterion) {
    for format in [FileFormat::Pcap, FileFormat::PcapNg] {
        let cap = capture(format);
        let frames = cap.records().unwrap().count() as u64;
        let mut g = c.benchmark_group(format!("big-{}", format.name()));
        g.sample_size(20);
        g.throughput(Throughput::Elements(frames));
        g.bench_function("records", |b| {
            b.iter(|| cap.records().unwrap().filter(|r| r.is_ok()).count())
        });
        g.bench_function("decode", |b| {
            b.iter(|| {
                let mut counters = FrameCounters::default();
                let mut n = 0usize;
                for rec in cap.records().unwrap().map_while(Result::ok) {
                    events::decode_record(&rec, &Default::default(), &mut counters, &mut |_| {
                        n += 1
                    });
                }
                n
            })
        });
        let (_, evs) = Pipeline::new(&Default::default()).events(&cap).unwrap();
        for shards in [1, 2] {
            let split = vec![Analyzer::split(evs.iter().copied(), shards)];
            g.bench_function(format!("analysis-{shards}-shards"), |b| {
                b.iter(|| {
                    let mut a = Analyzer::new(0, Config::default(), shards);
                    a.feed(&split);
                    a.finish().roams.len()
                })
            });
        }
        for (name, plan) in [
            ("full-sequential", Plan::sequential()),
            ("full-parallel", Plan::parallel()),
        ] {
            g.bench_function(name, |b| {
                b.iter(|| {
                    Pipeline::new(&Config::default())
                        .plan(plan)
                        .analyze(0, &cap)
                        .unwrap()
                        .analysis
                        .roams
                        .len()
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, steps);
criterion_main!(benches);
