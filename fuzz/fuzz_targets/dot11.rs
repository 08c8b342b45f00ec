//! The 802.11 decoder and the frame → events step on a plain 802.11 record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamgap_wire::capture::{LinkType, Record};
use roamgap_wire::dot11::Frame;
use roamgap::events::{self, FrameCounters};
use roamgap_wire::linklayer::LinkOptions;

fuzz_target!(|data: &[u8]| {
    for padded in [false, true] {
        if let Ok(f) = Frame::new_checked(data, padded) {
            let _ = (f.addresses(), f.body(), f.qos_control(), f.sequence_number());
        }
    }
    let rec = Record { number: 1, ts_ns: 0, linktype: LinkType::IEEE802_11, data, orig_len: data.len() as u32, fcs_len: 0 };
    let mut counters = FrameCounters::default();
    events::decode_record(&rec, &LinkOptions::default(), &mut counters, &mut |_| {});
});
