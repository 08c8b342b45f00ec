//! roamgap's allocation-free radiotap walker against the `radiotap` crate (which allocates a
//! list of fields per frame, so it is not used on the hot path): same header length, channel,
//! signal, rate and FCS flags on every radiotap frame of the test captures and of generated
//! ones. The crate panics on some hostile headers (a vendor namespace whose skip length runs
//! past the header, in tcpdump's test files); there roamgap must still answer.

use crate::common;

use common::data;
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_wire::capture::{CaptureFile, LinkType};
use roamgap_wire::linklayer::{self, Fcs};

/// Frames compared, and frames on which the crate panicked.
fn crosscheck(name: &str, cap: &CaptureFile) -> (usize, Vec<u64>) {
    let mut checked = 0;
    let mut crate_panics = Vec::new();
    for rec in cap.records().unwrap().map_while(Result::ok) {
        if rec.linktype != LinkType::RADIOTAP {
            continue;
        }
        let ours = linklayer::decode(rec.linktype, rec.data, 0, &Default::default());
        let data = rec.data;
        let Ok(theirs) = std::panic::catch_unwind(|| radiotap::Radiotap::parse(data)) else {
            crate_panics.push(rec.number);
            continue;
        };
        match (ours, theirs) {
            (Ok(o), Ok((t, rest))) => {
                let f = rec.number;
                let fcs = t.flags.as_ref().is_some_and(|fl| fl.fcs);
                let expect_len = rest.len() - if fcs { 4 } else { 0 };
                assert_eq!(o.dot11.len(), expect_len, "{name} frame {f}: 802.11 length");
                assert_eq!(
                    o.radio.channel_mhz,
                    t.channel.as_ref().map(|c| c.freq).filter(|&f| f != 0),
                    "{name} frame {f}"
                );
                // With per-antenna fields (extended bitmaps, e.g. tcpdump's meshid frames) the
                // crate keeps the last signal field, as Wireshark's wlan_radio.signal_dbm does;
                // roamgap keeps the first, the combined signal of the radiotap namespace.
                let signals = t
                    .header
                    .present
                    .iter()
                    .filter(|k| matches!(k, radiotap::field::Kind::AntennaSignal))
                    .count();
                if signals <= 1 {
                    assert_eq!(
                        o.radio.signal_dbm,
                        t.antenna_signal.as_ref().map(|s| s.value),
                        "{name} frame {f}"
                    );
                }
                assert_eq!(
                    o.radio.rate_500kbps.map(|r| f32::from(r as i8) / 2.0),
                    t.rate.as_ref().map(|r| r.value),
                    "{name} frame {f}"
                );
                let bad = t.flags.as_ref().is_some_and(|fl| fl.bad_fcs);
                let want = if bad {
                    Fcs::Bad
                } else if fcs {
                    Fcs::Present
                } else {
                    Fcs::Absent
                };
                assert_eq!(o.radio.fcs, want, "{name} frame {f}");
                assert_eq!(
                    o.header_padded,
                    t.flags.as_ref().is_some_and(|fl| fl.data_pad),
                    "{name} frame {f}"
                );
                checked += 1;
            }
            // Both reject: fine. The crate is laxer on some damage (and stricter on none
            // we rely on), so only our rejections of frames it accepts are listed here.
            (Err(_), Err(_)) => {}
            (Err(e), Ok(_)) => {
                let allowed = ["length field runs past", "version is not 0"];
                assert!(
                    allowed.iter().any(|a| e.to_string().contains(a)),
                    "{name} frame {}: we reject ({e}), the crate accepts",
                    rec.number
                );
            }
            (Ok(_), Err(e)) => panic!(
                "{name} frame {}: the crate rejects ({e:?}), we accept",
                rec.number
            ),
        }
    }
    (checked, crate_panics)
}

#[test]
fn synthetic_and_real_captures() {
    let mut total = 0;
    let mut panics = Vec::new();
    for file in [
        "synthetic/cckm_ok.pcap",
        "synthetic/cckm_missing_ie_ns.pcapng",
        "synthetic/malformed.pcap",
        "real/ieee802.11_exthdr.pcap",
        "real/ieee802.11_htc.pcap",
        "real/ieee802.11_meshid.pcap",
        "real/ieee802.11_rx-stbc.pcap",
        "real/status_code-0.pcap",
        "real/reason_code-2.pcap",
    ] {
        let cap = CaptureFile::open(&data(file)).unwrap();
        let (n, p) = crosscheck(file, &cap);
        total += n;
        panics.extend(p.into_iter().map(|f| format!("{file} frame {f}")));
    }
    assert!(total > 2500, "{total} frames compared");
    println!("radiotap crate panicked on: {panics:?}");
}

#[test]
fn generated_captures() {
    for scenario in ["multi-phone", "cckm-missing-ie"] {
        let g = gen::generate(
            scenario,
            &Options {
                seed: 5,
                format: FileFormat::PcapNs,
                link: Link::Radiotap,
            },
        )
        .unwrap();
        let cap = CaptureFile::from_vec(scenario, g.bytes).unwrap();
        let (n, panics) = crosscheck(scenario, &cap);
        assert_eq!(n as u64, g.truth.frames);
        assert!(panics.is_empty());
    }
}
