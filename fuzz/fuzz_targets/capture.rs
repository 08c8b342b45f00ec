//! The capture reader: any file, every record walked, in order and by segments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamgap_wire::capture::CaptureFile;

fuzz_target!(|data: &[u8]| {
    let Ok(cap) = CaptureFile::from_vec("fuzz", data.to_vec()) else { return };
    if let Ok(records) = cap.records() {
        for r in records {
            if r.is_err() {
                break;
            }
        }
    }
    if let Some(segments) = cap.pcap_segments(4096) {
        for s in segments {
            if let Ok(records) = cap.segment_records(s) {
                records.take_while(Result::is_ok).for_each(drop);
            }
        }
    }
    let _ = cap.summarize();
});
