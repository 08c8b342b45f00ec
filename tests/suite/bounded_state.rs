//! The analyzer's state is bounded by what stations do, not by how many addresses or RTP
//! sources a capture shows, and RTP sequence numbers a sender (or the air) garbled do not
//! become loss: each case generates its hostile capture here.

use crate::common;

use common::analyze_bytes;
use roamgap::analysis::{Analyzer, Config};
use roamgap::events::{Event, EventKind};
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_wire::dot11::MacAddr;
use serde_json::Value;

const AP: MacAddr = MacAddr([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
const PHONE: MacAddr = MacAddr([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);

/// A locally administered (randomized) address from a number.
fn random_mac(i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([0x02, 0x5e, b[0], b[1], b[2], b[3]])
}

fn event(frame: u64, station: MacAddr, kind: EventKind) -> Event {
    Event {
        frame,
        ts_ns: frame as i64 * 1_000_000,
        station,
        bssid: if matches!(kind, EventKind::ProbeRequest) {
            MacAddr::BROADCAST
        } else {
            AP
        },
        from_station: true,
        retry: false,
        dot11_seq: frame as u16 & 0xfff,
        user_priority: Some(6),
        channel_mhz: Some(2437),
        signal_dbm: Some(-50),
        rate_100kbps: Some(540),
        kind,
    }
}

fn rtp(ssrc: u32, sequence: u16) -> EventKind {
    EventKind::Rtp {
        ssrc,
        sequence,
        timestamp: u32::from(sequence) * 160,
        payload_type: 0,
        src_port: 16384,
        dst_port: 20000,
    }
}

/// An analyzer (2 shards, as on a 2-core machine) fed the events.
fn analyzer(events: Vec<Event>) -> Analyzer {
    let mut a = Analyzer::new(0, Config::default(), 2);
    a.feed(&[Analyzer::split(events, 2)]);
    a
}

#[test]
fn a_station_that_only_probed_costs_a_few_dozen_bytes() {
    // A stadium of phones with randomized addresses, one probe request each (28,000 fills the
    // stations' map to 85 %, so the bound includes the map's room to grow at its usual load):
    // 41 bytes today, 40 of them the map entry (the address and what the station holds).
    let n = 28_000u32;
    let events = (0..n)
        .map(|i| event(u64::from(i) + 1, random_mac(i), EventKind::ProbeRequest))
        .collect();
    let a = analyzer(events);
    assert_eq!(a.station_count(), n as usize);
    let per_station = a.station_bytes() / n as usize;
    assert!(
        per_station <= 48,
        "{per_station} bytes per probe-only station"
    );
}

#[test]
fn a_station_that_sent_data_costs_under_a_kilobyte() {
    let n = 4_000u32;
    let events = (0..n)
        .map(|i| {
            let kind = EventKind::Data {
                protected: false,
                null: false,
            };
            event(u64::from(i) + 1, random_mac(i), kind)
        })
        .collect();
    let a = analyzer(events);
    assert_eq!(a.station_count(), n as usize);
    let per_station = a.station_bytes() / n as usize;
    assert!(per_station <= 1024, "{per_station} bytes per data station");
}

/// A phone sending RTP under a new SSRC in each packet.
fn ssrc_per_packet(packets: u32) -> Vec<Event> {
    (0..packets)
        .map(|i| event(u64::from(i) + 1, PHONE, rtp(0x1000_0000 + i, i as u16)))
        .collect()
}

#[test]
fn an_ssrc_per_packet_holds_the_same_state_for_ten_times_the_packets() {
    let small = analyzer(ssrc_per_packet(5_000)).station_bytes();
    let large = analyzer(ssrc_per_packet(50_000)).station_bytes();
    assert_eq!(small, large);
    assert!(large < 16 * 1024, "{large} bytes");
}

/// A classic pcap (radiotap without fields) of QoS Data frames from `PHONE` to `AP` carrying
/// IPv4/UDP/RTP: (time ns, SSRC, sequence number) each.
fn rtp_pcap(packets: &[(i64, u32, u16)]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65_535, 127] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (n, &(ts_ns, ssrc, seq)) in packets.iter().enumerate() {
        let mut f = vec![0, 0, 8, 0, 0, 0, 0, 0]; // radiotap: version 0, length 8, no fields
        f.extend_from_slice(&[0x88, 0x01, 0x2c, 0x00]); // QoS Data, To DS
        f.extend_from_slice(&AP.0);
        f.extend_from_slice(&PHONE.0);
        f.extend_from_slice(&[0x00, 0x11, 0x22, 0x00, 0x00, 0x09]);
        f.extend_from_slice(&(((n as u16) & 0xfff) << 4).to_le_bytes());
        f.extend_from_slice(&[6, 0]); // TID 6: voice
        f.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
        let payload = 160;
        let udp_len = 8 + 12 + payload;
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[1] = 0xb8;
        ip[2..4].copy_from_slice(&(20 + udp_len as u16).to_be_bytes());
        ip[8] = 64;
        ip[9] = 17;
        ip[12..16].copy_from_slice(&[10, 0, 0, 2]);
        ip[16..20].copy_from_slice(&[10, 0, 0, 1]);
        let mut sum: u32 = ip
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum();
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        f.extend_from_slice(&ip);
        for v in [16_384u16, 20_000, udp_len as u16, 0] {
            f.extend_from_slice(&v.to_be_bytes());
        }
        f.extend_from_slice(&[0x80, 0]);
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
        f.extend_from_slice(&ssrc.to_be_bytes());
        f.extend(std::iter::repeat_n(0xff, payload));
        let (s, us) = (ts_ns / 1_000_000_000, ts_ns % 1_000_000_000 / 1000);
        for v in [s as u32, us as u32, f.len() as u32, f.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&f);
    }
    out
}

/// A G.711 stream: `count` packets 20 ms apart from sequence number 1000, the packet at
/// `corrupt` with its sequence number XOR `flip`.
fn corrupted_stream(count: u16, corrupt: usize, flip: u16) -> Vec<(i64, u32, u16)> {
    (0..count)
        .map(|i| {
            let seq = 1000 + i;
            let seq = if usize::from(i) == corrupt {
                seq ^ flip
            } else {
                seq
            };
            (1_000_000_000 + i64::from(i) * 20_000_000, 0xcafe_f00d, seq)
        })
        .collect()
}

fn only_stream(report: &Value) -> &Value {
    let streams = report["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 1, "{streams:?}");
    &streams[0]
}

#[test]
fn a_corrupted_sequence_number_is_set_aside_not_counted_as_loss() {
    // Forward and back, beyond MAX_DROPOUT and MAX_MISORDER (0x8000, 0x4000, 0x1000, 0x0100:
    // 1500 has bit 8 set) and within MAX_DROPOUT but beyond what 20 ms holds (0x0200).
    for flip in [0x8000u16, 0x4000, 0x1000, 0x0200, 0x0100] {
        let r = analyze_bytes("corrupt.pcap", rtp_pcap(&corrupted_stream(1000, 500, flip)));
        let s = only_stream(&r);
        let counts = [
            "received",
            "expected",
            "lost",
            "set_aside",
            "gaps_beyond_cadence",
        ]
        .map(|k| s[k].as_u64().unwrap());
        // The packet with the corrupted number is the one lost; nothing else is.
        assert_eq!(counts, [999, 1000, 1, 1, 0], "XOR {flip:#06x}");
        assert_eq!(s["max_gap_ms"], 40.0, "XOR {flip:#06x}");
    }
}

#[test]
fn a_restarted_numbering_continues_the_stream() {
    let mut packets = corrupted_stream(100, usize::MAX, 0);
    packets.extend((0..100u16).map(|i| {
        (
            3_000_000_000 + i64::from(i) * 20_000_000,
            0xcafe_f00d,
            30_000 + i,
        )
    }));
    let r = analyze_bytes("restart.pcap", rtp_pcap(&packets));
    let s = only_stream(&r);
    let counts = ["received", "expected", "lost", "set_aside"].map(|k| s[k].as_u64().unwrap());
    assert_eq!(counts, [200, 200, 0, 0]);
}

#[test]
fn a_gap_its_duration_cannot_hold_is_flagged() {
    // 300 sequence numbers skipped between packets 20 ms apart, the stream going on from
    // there: the loss is counted and the gap flagged.
    let packets: Vec<(i64, u32, u16)> = (0..200u16)
        .map(|i| {
            let seq = if i < 100 { i } else { i + 300 };
            (1_000_000_000 + i64::from(i) * 20_000_000, 7, seq)
        })
        .collect();
    let r = analyze_bytes("jump.pcap", rtp_pcap(&packets));
    let s = only_stream(&r);
    let counts = [
        "received",
        "expected",
        "lost",
        "set_aside",
        "gaps_beyond_cadence",
    ]
    .map(|k| s[k].as_u64().unwrap());
    assert_eq!(counts, [200, 500, 300, 0, 1]);
}

#[test]
fn an_ssrc_per_packet_makes_no_streams_and_a_note() {
    let packets: Vec<(i64, u32, u16)> = (0..3_000u32)
        .map(|i| {
            (
                1_000_000_000 + i64::from(i) * 1_000_000,
                0x1000 + i,
                i as u16,
            )
        })
        .collect();
    let r = analyze_bytes("ssrcs.pcap", rtp_pcap(&packets));
    assert_eq!(r["streams"], serde_json::json!([]));
    let notes = r["captures"][0]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    // 8 sources are still on probation at the end; each earlier one made way for a later one.
    assert_eq!(
        notes[0]["message"],
        "sends RTP under more SSRCs than can be followed (8 on probation at once, 256 streams): \
         2992 sources set aside with 2992 packets, from frame 1"
    );
}

#[test]
fn streams_beyond_a_stations_room_are_set_aside_once_each() {
    // 300 sources of 6 packets each, one after the other: 256 streams, 44 set aside.
    let packets: Vec<(i64, u32, u16)> = (0..300u32)
        .flat_map(|s| (0..6u16).map(move |q| (s, q)))
        .enumerate()
        .map(|(n, (s, q))| (1_000_000_000 + n as i64 * 1_000_000, 0x2000 + s, q))
        .collect();
    let r = analyze_bytes("streams.pcap", rtp_pcap(&packets));
    assert_eq!(r["streams"].as_array().unwrap().len(), 256);
    let notes = r["captures"][0]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(
        notes[0]["message"],
        "sends RTP under more SSRCs than can be followed (8 on probation at once, 256 streams): \
         44 sources set aside with 264 packets, from frame 1537"
    );
}

/// (frame number, offset of the record's data) of each record of a classic pcap.
fn records(pcap: &[u8]) -> Vec<(u64, usize)> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((out.len() as u64 + 1, at + 16));
        at += 16 + len;
    }
    out
}

/// Offset of the RTP sequence number in a record of a generated radiotap capture (its QoS
/// Data frames carry LLC/SNAP, IPv4, UDP, RTP).
fn rtp_sequence_at(pcap: &[u8], data: usize) -> usize {
    let radiotap = usize::from(u16::from_le_bytes([pcap[data + 2], pcap[data + 3]]));
    let frame = data + radiotap;
    assert_eq!(pcap[frame], 0x88, "a QoS Data frame");
    let ip = frame + 26 + 8;
    let ihl = usize::from(pcap[ip] & 0x0f) * 4;
    let rtp = ip + ihl + 8;
    assert_eq!(pcap[rtp] >> 6, 2, "RTP version 2");
    rtp + 2
}

#[test]
fn a_corrupted_number_after_a_roam_leaves_the_voice_gap_as_it_was() {
    let g = gen::generate(
        "cckm-ok",
        &Options {
            seed: 3,
            format: FileFormat::Pcap,
            link: Link::Radiotap,
        },
    )
    .unwrap();
    let before = analyze_bytes("cckm-ok.pcap", g.bytes.clone());
    let roam = &before["roams"][0];
    let up = &roam["uplink"];
    let first_after = up["first_after_frame"].as_u64().unwrap();
    assert_eq!(up["measured_from"], "rtp");
    // The first packet after the roam with its sequence number's bit 8 flipped.
    let mut bytes = g.bytes.clone();
    let (_, data) = records(&bytes)[first_after as usize - 1];
    let at = rtp_sequence_at(&bytes, data);
    bytes[at] ^= 0x01;
    let after = analyze_bytes("cckm-ok-corrupt.pcap", bytes);
    let gap = &after["roams"][0]["uplink"];
    let gap_ms = gap["gap_ms"].as_f64().unwrap();
    // The packet is set aside: the gap reaches the next one, 20 ms later, one packet more lost.
    assert_eq!(
        gap["lost"].as_u64().unwrap(),
        up["lost"].as_u64().unwrap() + 1
    );
    assert!(
        (gap_ms - up["gap_ms"].as_f64().unwrap() - 20.0).abs() < 1.0,
        "{gap_ms} ms"
    );
    assert!(gap["lost"].as_u64().unwrap() as f64 <= gap_ms / 20.0);
    let streams = after["streams"].as_array().unwrap();
    let set_aside: u64 = streams
        .iter()
        .map(|s| s["set_aside"].as_u64().unwrap())
        .sum();
    assert_eq!(set_aside, 1, "{streams:#?}");
}
