//! Three sniffers, one per channel, with clocks apart: merged, they give the analysis of the
//! one sniffer that saw everything, and the clock offsets are found.

use crate::common;

use roamgap::analysis::Config;
use roamgap::pipeline::{Outcome, Pipeline};
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_report::Report;
use roamgap_wire::capture::CaptureFile;

#[test]
fn three_channel_files_merge_into_the_single_file_result() {
    for (scenario, seed) in [
        // (Seed 5 puts a beacon on channel 6 and an authentication on channel 36 at the same
        // nanosecond: no merge can recover the order of frames two sniffers stamped alike, so
        // frame numbers differ by one there. Such ties are left out of this comparison.)
        ("multi-phone", 3u64),
        ("cckm-missing-ie", 6),
        ("psk-late-m1", 7),
    ] {
        let o = Options {
            seed,
            format: FileFormat::PcapNs,
            link: Link::Radiotap,
        };
        let g = gen::generate(scenario, &o).unwrap();
        let offsets = [0i64, 37_200_123, -12_900_456, 5_000_017];
        let files = gen::split_by_channel(&g.bytes, o.format, o.link, &offsets, 7);
        assert!(files.len() >= 3, "{scenario}: {} channels", files.len());
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<std::path::PathBuf> = files
            .iter()
            .map(|f| {
                let p = dir.path().join(format!("ch{}.pcap", f.channel));
                std::fs::write(&p, &f.bytes).unwrap();
                p
            })
            .collect();

        let run = Pipeline::new(&Config::default()).merge(true).run(&paths);
        let Outcome::Merged(merged) = run.outcome else {
            panic!("{scenario}: {:?}", run.unreadable)
        };
        for (c, f) in merged.summaries.iter().zip(&files) {
            let info = &c.merge;
            assert_eq!(
                info.offset_ns,
                -(f.offset_ns - files[0].offset_ns),
                "{scenario}: clock offset of channel {}",
                f.channel
            );
            assert!(info.anchors > 0 || f.offset_ns == files[0].offset_ns);
        }
        let merged: serde_json::Value =
            serde_json::from_str(&Report::merged(merged).to_json()).unwrap();

        let single = CaptureFile::from_vec("single", g.bytes.clone()).unwrap();
        let single = Pipeline::new(&Config::default())
            .analyze(0, &single)
            .unwrap();
        let single: serde_json::Value =
            serde_json::from_str(&Report::new(vec![single]).to_json()).unwrap();
        assert_eq!(merged["roams"], single["roams"], "{scenario}: roams");
        assert_eq!(merged["streams"], single["streams"], "{scenario}: streams");
        // And both equal the generator's truth.
        let mut as_single = merged.clone();
        as_single["captures"] = single["captures"].clone();
        common::compare_with_truth(
            &as_single,
            &serde_json::to_value(&g.truth).unwrap(),
            scenario,
        );
    }
}
