//! Property tests: decoding arbitrary bytes never panics, at any layer, and yields either a
//! result or an error.

use proptest::prelude::*;
use roamgap::analysis::Config;
use roamgap::events::{self, FrameCounters};
use roamgap::pipeline::{self, Pipeline};
use roamgap_wire::capture::{CaptureFile, LinkType, Record};
use roamgap_wire::dot11::Frame;
use roamgap_wire::linklayer::{self, LinkOptions};

const LINK_TYPES: [u32; 7] = [1, 105, 119, 127, 163, 192, 113];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn link_layers_and_frames(data in proptest::collection::vec(any::<u8>(), 0..700), lt in 0usize..LINK_TYPES.len(), padded: bool, fcs in 0u8..6) {
        let opts = LinkOptions::default();
        let _ = linklayer::decode(LinkType(LINK_TYPES[lt]), &data, fcs, &opts);
        if let Ok(f) = Frame::new_checked(&data[..], padded) {
            let _ = (f.addresses(), f.body(), f.qos_control(), f.sequence_number());
        }
    }

    #[test]
    fn records_to_events(data in proptest::collection::vec(any::<u8>(), 0..700), lt in 0usize..LINK_TYPES.len(), orig_extra in 0u32..3) {
        let rec = Record { number: 1, ts_ns: 0, linktype: LinkType(LINK_TYPES[lt]), data: &data, orig_len: data.len() as u32 + orig_extra, fcs_len: 0 };
        let mut counters = FrameCounters::default();
        let mut n = 0;
        events::decode_record(&rec, &LinkOptions::default(), &mut counters, &mut |_| n += 1);
        prop_assert_eq!(counters.frames, 1);
    }

    #[test]
    fn whole_captures(body in proptest::collection::vec(any::<u8>(), 0..3000), ng: bool) {
        // A valid file header followed by anything.
        let mut file = if ng {
            let mut v = vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
            v.extend_from_slice(&[0xff; 8]);
            v.extend_from_slice(&[28, 0, 0, 0]);
            v
        } else {
            vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 127, 0, 0, 0]
        };
        file.extend_from_slice(&body);
        if let Ok(cap) = CaptureFile::from_vec("p", file) {
            let plan = pipeline::Plan { segment_bytes: 4096, ..pipeline::Plan::parallel() };
            let _ = Pipeline::new(&Config::default()).plan(plan).analyze(0, &cap);
        }
    }
}
