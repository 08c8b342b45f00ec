//! Captures written on big-endian machines: the same frames, the same analysis.

use crate::common;

use common::{analyze_bytes, compare_with_truth};
use roamgap_gen::{self as gen, FileFormat, Link, Options};

fn swap(b: &mut [u8], at: usize, width: usize) {
    b[at..at + width].reverse();
}

/// Classic pcap, little → big endian: file header fields and every record header.
fn pcap_to_big_endian(mut b: Vec<u8>) -> Vec<u8> {
    for (at, w) in [(0, 4), (4, 2), (6, 2), (8, 4), (12, 4), (16, 4), (20, 4)] {
        swap(&mut b, at, w);
    }
    let mut at = 24;
    while at + 16 <= b.len() {
        let caplen = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
        for f in 0..4 {
            swap(&mut b, at + 4 * f, 4);
        }
        at += 16 + caplen;
    }
    b
}

/// pcapng as `roamgap gen` writes it (SHB, IDB with if_tsresol, EPBs), little → big endian.
fn pcapng_to_big_endian(mut b: Vec<u8>) -> Vec<u8> {
    let mut at = 0;
    while at + 12 <= b.len() {
        let kind = u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = at + 8;
        match kind {
            0x0a0d_0d0a => {
                for (o, w) in [(0, 4), (4, 2), (6, 2), (8, 8)] {
                    swap(&mut b, body + o, w);
                }
            }
            1 => {
                for (o, w) in [(0, 2), (2, 2), (4, 4)] {
                    swap(&mut b, body + o, w);
                }
                // Options: code and length of if_tsresol and of opt_endofopt.
                for o in [8, 10, 16, 18] {
                    swap(&mut b, body + o, 2);
                }
            }
            6 => {
                for f in 0..5 {
                    swap(&mut b, body + 4 * f, 4);
                }
            }
            other => panic!("unexpected block {other:#x}"),
        }
        swap(&mut b, at, 4);
        swap(&mut b, at + 4, 4);
        swap(&mut b, at + len - 4, 4);
        at += len;
    }
    b
}

#[test]
fn big_endian_pcap_and_pcapng() {
    for (format, convert) in [
        (
            FileFormat::Pcap,
            pcap_to_big_endian as fn(Vec<u8>) -> Vec<u8>,
        ),
        (FileFormat::PcapNs, pcap_to_big_endian),
        (FileFormat::PcapNg, pcapng_to_big_endian),
        (FileFormat::PcapNgNs, pcapng_to_big_endian),
    ] {
        for (scenario, link) in [("cckm-missing-ie", Link::Radiotap), ("ft-ok", Link::Dot11)] {
            let g = gen::generate(
                scenario,
                &Options {
                    seed: 11,
                    format,
                    link,
                },
            )
            .unwrap();
            let truth = serde_json::to_value(&g.truth).unwrap();
            let big = convert(g.bytes.clone());
            assert_ne!(big, g.bytes);
            let detected = roamgap_wire::capture::CaptureFile::from_vec("big", big.clone())
                .unwrap()
                .format();
            match detected {
                roamgap_wire::capture::Format::Pcap { big_endian, .. } => assert!(big_endian),
                roamgap_wire::capture::Format::PcapNg => {
                    assert_eq!(&big[8..12], &[0x1a, 0x2b, 0x3c, 0x4d])
                }
            }
            let name = format!("{scenario} big-endian {}", format.name());
            let report = analyze_bytes(&name, big);
            compare_with_truth(&report, &truth, &name);
            assert!(report["captures"][0]["truncated"].is_null(), "{name}");
        }
    }
}
