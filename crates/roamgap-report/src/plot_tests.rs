//! Unit tests of the plots (`plot.rs`).

use super::super::traces::RtpMark;
use super::timeline::relative;
use super::*;
use roamgap::analysis::VoiceGap;

#[test]
fn gap_colours_run_from_green_through_yellow_to_red() {
    assert_eq!(gap_color(0.0, 150.0), RGBColor(120, 198, 121));
    assert_eq!(gap_color(150.0, 150.0), RGBColor(250, 210, 90));
    assert_eq!(gap_color(450.0, 150.0), RGBColor(215, 48, 39));
    assert_eq!(gap_color(1e9, 150.0), gap_color(450.0, 150.0));
}

#[test]
fn sequence_numbers_are_relative_to_the_last_packet_before_the_gap() {
    let m = |frame, sequence| RtpMark {
        frame,
        ts_ns: frame as i64 * 20_000_000,
        ssrc: 1,
        sequence,
    };
    let marks = [m(1, 65_534), m(2, 65_535), m(3, 4)];
    let gap = VoiceGap {
        gap_ms: Some(20.0),
        lost: Some(4),
        last_before_frame: Some(2),
        first_after_frame: Some(3),
        last_before_time: None,
        first_after_time: None,
        ssrc: None,
        measured_from: roamgap::analysis::GapSource::Rtp,
        lost_estimated: false,
    };
    let r = relative(&marks, Some(&gap), 40_000_000, false);
    assert_eq!(r, vec![(-20.0, -1), (0.0, 0), (20.0, 5)]);
    // Encrypted voice frames are counted: a new AP's sequence numbers say nothing.
    let frames = [m(1, 4094), m(2, 4095), m(3, 700)];
    let r = relative(&frames, Some(&gap), 40_000_000, true);
    assert_eq!(r, vec![(-20.0, -1), (0.0, 0), (20.0, 1)]);
}
