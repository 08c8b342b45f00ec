//! The bundled samples: reproducible by `roamgap gen` and analyzed exactly as their truth says.

use crate::common;

use std::path::Path;

use common::{analyze_file, compare_with_truth, read_json};
use roamgap_gen::{self as gen, FileFormat, Link, Options};

#[test]
fn samples_match_their_truth_and_the_generator() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(stem) = name.strip_suffix(".truth.json") else {
            continue;
        };
        let truth = read_json(&path);
        let format = FileFormat::from_name(truth["format"].as_str().unwrap()).unwrap();
        let ext = if matches!(format, FileFormat::PcapNg | FileFormat::PcapNgNs) {
            "pcapng"
        } else {
            "pcap"
        };
        let capture = dir.join(format!("{stem}.{ext}"));
        compare_with_truth(&analyze_file(&capture), &truth, &name);
        let link = if truth["linktype"] == 105 {
            Link::Dot11
        } else {
            Link::Radiotap
        };
        let seed = truth["seed"].as_u64().unwrap();
        let again = gen::generate(
            truth["scenario"].as_str().unwrap(),
            &Options { seed, format, link },
        )
        .unwrap();
        assert!(
            again.bytes == std::fs::read(&capture).unwrap(),
            "{name}: `roamgap gen` no longer writes this sample"
        );
        checked += 1;
    }
    assert_eq!(checked, 15);
}
