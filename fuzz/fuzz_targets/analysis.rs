//! The whole analysis: a radiotap pcap header, then the input as records, read in order and
//! in segments, analyzed and reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamgap::analysis::Config;
use roamgap_wire::capture::CaptureFile;
use roamgap::pipeline::{Pipeline, Plan};
use roamgap_report::{render_table, Report};

fuzz_target!(|data: &[u8]| {
    let mut file = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 127, 0, 0, 0];
    file.extend_from_slice(data);
    let Ok(cap) = CaptureFile::from_vec("fuzz", file) else { return };
    let config = Config::default();
    for plan in [Plan::sequential(), Plan { segment_bytes: 4096, ..Plan::parallel() }] {
        if let Ok(a) = Pipeline::new(&config).plan(plan).analyze(0, &cap) {
            let report = Report::new(vec![a]);
            let _ = render_table(&report);
            let _ = report.to_json();
        }
    }
});
