//! The decompressing reader: any file through the gzip/zstd path (members and frames, window
//! check, spool bound), then every record of what it yields, in order and by segments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamgap_wire::capture::CaptureFile;

/// A spool bound small enough that a decompression bomb ends at once.
const MAX_SPOOL: u64 = 8 << 20;

fuzz_target!(|data: &[u8]| {
    // Only the compressed path: the plain one is the `capture` target's.
    if !(data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])) {
        return;
    }
    let Ok(cap) = CaptureFile::from_compressed("fuzz", data.to_vec(), MAX_SPOOL) else {
        return;
    };
    assert!(cap.bytes().len() as u64 <= MAX_SPOOL);
    let _ = cap.stream_damage().map(|d| d.to_string());
    if let Ok(records) = cap.records() {
        records.take_while(Result::is_ok).for_each(drop);
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
