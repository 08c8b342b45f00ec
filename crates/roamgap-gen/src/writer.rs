//! Writes generated frames into a capture file: classic pcap (µs or ns) or pcapng (one
//! interface, `if_tsresol` 6 or 9), with a radiotap header or as plain 802.11.

/// The container written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// pcap, microsecond timestamps.
    Pcap,
    /// pcap, nanosecond timestamps (magic 0xa1b23c4d).
    PcapNs,
    /// pcapng, `if_tsresol` 6 (microseconds).
    PcapNg,
    /// pcapng, `if_tsresol` 9 (nanoseconds).
    PcapNgNs,
}

impl FileFormat {
    pub const ALL: [FileFormat; 4] = [
        FileFormat::Pcap,
        FileFormat::PcapNs,
        FileFormat::PcapNg,
        FileFormat::PcapNgNs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Pcap => "pcap",
            FileFormat::PcapNs => "pcap-ns",
            FileFormat::PcapNg => "pcapng",
            FileFormat::PcapNgNs => "pcapng-ns",
        }
    }

    pub fn from_name(name: &str) -> Option<FileFormat> {
        FileFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Timestamp resolution in nanoseconds.
    pub(crate) fn resolution_ns(self) -> i64 {
        match self {
            FileFormat::Pcap | FileFormat::PcapNg => 1_000,
            FileFormat::PcapNs | FileFormat::PcapNgNs => 1,
        }
    }
}

/// The link layer written in front of each 802.11 frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Radiotap (link type 127): flags, rate, channel, signal.
    Radiotap,
    /// Plain 802.11 (link type 105).
    Dot11,
    /// PPI with an 802.11-Common field (link type 192).
    Ppi,
    /// Prism monitor header (link type 119).
    Prism,
    /// AVS WLAN header version 1 (link type 163).
    Avs,
    /// Ethernet/IPv4/UDP to port 5000 with the legacy peekremote header, frame with FCS
    /// (link type 1), as a Cisco AP in sniffer mode sends it.
    PeekRemote,
    /// The same with the peekremote-NG header.
    PeekRemoteNg,
}

impl Link {
    pub const ALL: [Link; 7] = [
        Link::Radiotap,
        Link::Dot11,
        Link::Ppi,
        Link::Prism,
        Link::Avs,
        Link::PeekRemote,
        Link::PeekRemoteNg,
    ];

    /// Whether its header carries the signal level (and so, a sticky client can be seen).
    pub(crate) fn carries_signal(self) -> bool {
        self != Link::Dot11
    }

    pub fn linktype(self) -> u16 {
        match self {
            Link::Radiotap => 127,
            Link::Dot11 => 105,
            Link::Ppi => 192,
            Link::Prism => 119,
            Link::Avs => 163,
            Link::PeekRemote | Link::PeekRemoteNg => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Link::Radiotap => "radiotap",
            Link::Dot11 => "dot11",
            Link::Ppi => "ppi",
            Link::Prism => "prism",
            Link::Avs => "avs",
            Link::PeekRemote => "peekremote",
            Link::PeekRemoteNg => "peekremote-ng",
        }
    }

    pub fn from_name(name: &str) -> Option<Link> {
        Link::ALL.into_iter().find(|l| l.name() == name)
    }
}

/// Radio facts of one frame, as the sniffer would record them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Radio {
    pub(crate) freq_mhz: u16,
    pub(crate) signal_dbm: i8,
    /// Legacy rate, 500 kb/s units.
    pub(crate) rate: u8,
}

/// Accumulates a capture file in memory.
pub(crate) struct Writer {
    format: FileFormat,
    link: Link,
    out: Vec<u8>,
}

impl Writer {
    pub(crate) fn new(format: FileFormat, link: Link) -> Writer {
        let mut out = Vec::new();
        let linktype = link.linktype();
        match format {
            FileFormat::Pcap | FileFormat::PcapNs => {
                let magic: u32 = if format == FileFormat::Pcap {
                    0xa1b2_c3d4
                } else {
                    0xa1b2_3c4d
                };
                out.extend_from_slice(&magic.to_le_bytes());
                out.extend_from_slice(&2u16.to_le_bytes());
                out.extend_from_slice(&4u16.to_le_bytes());
                out.extend_from_slice(&0i32.to_le_bytes());
                out.extend_from_slice(&0u32.to_le_bytes());
                out.extend_from_slice(&65_535u32.to_le_bytes());
                out.extend_from_slice(&u32::from(linktype).to_le_bytes());
            }
            FileFormat::PcapNg | FileFormat::PcapNgNs => {
                // Section Header Block: byte-order magic, version 1.0, section length unknown.
                let mut shb = Vec::new();
                shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
                shb.extend_from_slice(&1u16.to_le_bytes());
                shb.extend_from_slice(&0u16.to_le_bytes());
                shb.extend_from_slice(&(-1i64).to_le_bytes());
                block(&mut out, 0x0a0d_0d0a, &shb);
                // Interface Description Block with if_tsresol (option 9).
                let mut idb = Vec::new();
                idb.extend_from_slice(&linktype.to_le_bytes());
                idb.extend_from_slice(&0u16.to_le_bytes());
                idb.extend_from_slice(&0u32.to_le_bytes());
                let resol = if format == FileFormat::PcapNg { 6u8 } else { 9 };
                idb.extend_from_slice(&9u16.to_le_bytes());
                idb.extend_from_slice(&1u16.to_le_bytes());
                idb.extend_from_slice(&[resol, 0, 0, 0]);
                idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
                block(&mut out, 1, &idb);
            }
        }
        Writer { format, link, out }
    }

    /// Appends one frame captured at `ts_ns` (already a multiple of the file's resolution).
    pub(crate) fn frame(&mut self, ts_ns: i64, radio: Radio, dot11: &[u8]) {
        let mut data = Vec::with_capacity(dot11.len() + 160);
        let channel = roamgap_wire::linklayer::channel_of_mhz(radio.freq_mhz).unwrap_or(0);
        let us = (ts_ns / 1000) as u64;
        match self.link {
            Link::Radiotap | Link::Dot11 => {}
            Link::Ppi => {
                // Header: version, flags, length 32, link type 105; one 802.11-Common field.
                data.extend_from_slice(&[0, 0]);
                data.extend_from_slice(&32u16.to_le_bytes());
                data.extend_from_slice(&105u32.to_le_bytes());
                data.extend_from_slice(&2u16.to_le_bytes());
                data.extend_from_slice(&20u16.to_le_bytes());
                data.extend_from_slice(&us.to_le_bytes());
                data.extend_from_slice(&0u16.to_le_bytes()); // flags: no FCS
                data.extend_from_slice(&u16::from(radio.rate).to_le_bytes());
                data.extend_from_slice(&radio.freq_mhz.to_le_bytes());
                data.extend_from_slice(&band_flags(radio.freq_mhz).to_le_bytes());
                data.extend_from_slice(&[0, 0, radio.signal_dbm as u8, NOISE_DBM as u8]);
            }
            Link::Prism => {
                data.extend_from_slice(&0x44u32.to_le_bytes());
                data.extend_from_slice(&144u32.to_le_bytes());
                let mut dev = [0u8; 16];
                dev[..5].copy_from_slice(b"wlan0");
                data.extend_from_slice(&dev);
                let values: [u32; 10] = [
                    (us / 10_000) as u32, // host time, jiffies
                    us as u32,            // MAC time
                    u32::from(channel),
                    0, // RSSI
                    0, // SQ
                    i32::from(radio.signal_dbm) as u32,
                    i32::from(NOISE_DBM) as u32,
                    u32::from(radio.rate),
                    0, // is TX
                    dot11.len() as u32,
                ];
                for (i, v) in values.into_iter().enumerate() {
                    // DIDs 0x00010044 (host time) .. 0x000a0044 (frame length).
                    data.extend_from_slice(&((((i as u32) + 1) << 16) | 0x44).to_le_bytes());
                    let status: u16 = if matches!(i, 3 | 4) { 1 } else { 0 };
                    data.extend_from_slice(&status.to_le_bytes());
                    data.extend_from_slice(&4u16.to_le_bytes());
                    data.extend_from_slice(&v.to_le_bytes());
                }
            }
            Link::Avs => {
                for v in [0x8021_1001u32, 64] {
                    data.extend_from_slice(&v.to_be_bytes());
                }
                data.extend_from_slice(&us.to_be_bytes()); // MAC time
                data.extend_from_slice(&us.to_be_bytes()); // host time
                let phy: u32 = if radio.freq_mhz < 3000 { 6 } else { 5 }; // 802.11g OFDM, 802.11a
                let fields = [phy, u32::from(channel), u32::from(radio.rate) * 5, 0, 0, 2];
                for v in fields {
                    data.extend_from_slice(&v.to_be_bytes());
                }
                data.extend_from_slice(&i32::from(radio.signal_dbm).to_be_bytes());
                data.extend_from_slice(&i32::from(NOISE_DBM).to_be_bytes());
                data.extend_from_slice(&1u32.to_be_bytes()); // short preamble
                data.extend_from_slice(&2u32.to_be_bytes()); // OFDM encoding
            }
            Link::PeekRemote | Link::PeekRemoteNg => {
                let mut p = Vec::with_capacity(dot11.len() + 64);
                // Both headers are followed by the frame and its FCS.
                let len = (dot11.len() + 4) as u16;
                if self.link == Link::PeekRemote {
                    p.extend_from_slice(&[radio.signal_dbm as u8, NOISE_DBM as u8]);
                    p.extend_from_slice(&len.to_be_bytes());
                    p.extend_from_slice(&len.to_be_bytes());
                    p.extend_from_slice(&[0, 0]); // flags, status
                    p.extend_from_slice(&us.to_be_bytes());
                    p.extend_from_slice(&[
                        radio.rate,
                        channel as u8,
                        percent(radio.signal_dbm),
                        percent(NOISE_DBM),
                    ]);
                    p.extend_from_slice(dot11);
                    p.extend_from_slice(&roamgap_wire::dot11::fcs::crc32(dot11).to_le_bytes());
                } else {
                    p.extend_from_slice(&[0x00, 0xff, 0xab, 0xcd, 2]);
                    p.extend_from_slice(&55u32.to_be_bytes());
                    p.extend_from_slice(&0u32.to_be_bytes()); // type
                    p.extend_from_slice(&0u16.to_be_bytes()); // MCS
                    p.extend_from_slice(&channel.to_be_bytes());
                    p.extend_from_slice(&u32::from(radio.freq_mhz).to_be_bytes());
                    let band: u32 = if radio.freq_mhz < 3000 {
                        0x0001_0000
                    } else {
                        0x0002_0000
                    };
                    p.extend_from_slice(&band.to_be_bytes());
                    p.extend_from_slice(&0u32.to_be_bytes()); // extended flags
                    p.extend_from_slice(&[
                        percent(radio.signal_dbm),
                        percent(NOISE_DBM),
                        radio.signal_dbm as u8,
                        NOISE_DBM as u8,
                    ]);
                    p.extend_from_slice(&[radio.signal_dbm as u8, 0x80, 0x80, 0x80]);
                    p.extend_from_slice(&[NOISE_DBM as u8, 0x80, 0x80, 0x80]);
                    p.extend_from_slice(&len.to_be_bytes());
                    p.extend_from_slice(&len.to_be_bytes());
                    p.extend_from_slice(&[0, 0]); // flags, status
                    p.extend_from_slice(&us.to_be_bytes());
                    p.extend_from_slice(dot11);
                    p.extend_from_slice(&roamgap_wire::dot11::fcs::crc32(dot11).to_le_bytes());
                }
                ethernet_ipv4_udp(&mut data, &p);
            }
        }
        if matches!(self.link, Link::PeekRemote | Link::PeekRemoteNg) {
            // The frame is inside the UDP payload already.
        } else if self.link == Link::Radiotap {
            // Version 0, length 16; present: flags (1), rate (2), channel (3), dBm signal (5).
            data.extend_from_slice(&[0, 0]);
            data.extend_from_slice(&16u16.to_le_bytes());
            data.extend_from_slice(&0x0000_002eu32.to_le_bytes());
            data.push(0); // flags: no FCS
            data.push(radio.rate);
            data.extend_from_slice(&radio.freq_mhz.to_le_bytes());
            let band: u16 = if radio.freq_mhz < 3000 {
                0x0080
            } else {
                0x0100
            };
            data.extend_from_slice(&(band | 0x0040).to_le_bytes());
            data.push(radio.signal_dbm as u8);
            data.push(0); // pad to 16
        }
        if !matches!(self.link, Link::PeekRemote | Link::PeekRemoteNg) {
            data.extend_from_slice(dot11);
        }
        self.record(ts_ns, &data);
    }

    /// Appends one record of already-built link-layer bytes.
    pub(crate) fn record(&mut self, ts_ns: i64, data: &[u8]) {
        let len = data.len() as u32;
        match self.format {
            FileFormat::Pcap | FileFormat::PcapNs => {
                let sec = ts_ns.div_euclid(1_000_000_000);
                let frac = ts_ns.rem_euclid(1_000_000_000) / self.format.resolution_ns();
                self.out.extend_from_slice(&(sec as u32).to_le_bytes());
                self.out.extend_from_slice(&(frac as u32).to_le_bytes());
                self.out.extend_from_slice(&len.to_le_bytes());
                self.out.extend_from_slice(&len.to_le_bytes());
                self.out.extend_from_slice(data);
            }
            FileFormat::PcapNg | FileFormat::PcapNgNs => {
                let units = (ts_ns / self.format.resolution_ns()) as u64;
                let mut epb = Vec::with_capacity(data.len() + 24);
                epb.extend_from_slice(&0u32.to_le_bytes());
                epb.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
                epb.extend_from_slice(&(units as u32).to_le_bytes());
                epb.extend_from_slice(&len.to_le_bytes());
                epb.extend_from_slice(&len.to_le_bytes());
                epb.extend_from_slice(data);
                while epb.len() % 4 != 0 {
                    epb.push(0);
                }
                block(&mut self.out, 6, &epb);
            }
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.out
    }

    /// Writes what is buffered so far to `w` and empties the buffer (for captures too large
    /// to hold).
    pub(crate) fn drain_into(&mut self, w: &mut impl std::io::Write) -> std::io::Result<u64> {
        w.write_all(&self.out)?;
        let n = self.out.len() as u64;
        self.out.clear();
        Ok(n)
    }
}

/// Noise floor written in the headers that carry one.
const NOISE_DBM: i8 = -95;

/// PPI/radiotap channel flags: 2 GHz or 5 GHz, OFDM.
fn band_flags(mhz: u16) -> u16 {
    (if mhz < 3000 { 0x0080 } else { 0x0100 }) | 0x0040
}

/// A dBm figure as the 0–100 % scale of peekremote (-100 dBm → 0 %, -30 dBm → 100 %).
fn percent(dbm: i8) -> u8 {
    ((i16::from(dbm) + 100) * 100 / 70).clamp(0, 100) as u8
}

/// Ethernet II (AP → collector), IPv4, UDP from port 5555 to 5000.
fn ethernet_ipv4_udp(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&[0x00, 0x50, 0x56, 0x00, 0x00, 0x09]); // collector
    out.extend_from_slice(&[0x00, 0x3a, 0x98, 0x00, 0x00, 0xa0]); // AP's wired side
    out.extend_from_slice(&0x0800u16.to_be_bytes());
    let flow = super::frames::UdpFlow {
        src: [10, 0, 0, 2],
        dst: [10, 0, 0, 9],
        sport: 5555,
        dport: 5000,
        tos: 0,
    };
    super::frames::ipv4_udp(out, flow, 0, payload.len());
    out.extend_from_slice(payload);
}

/// A pcapng block: type, total length, body (padded to 32 bits), total length.
fn block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let padded = body.len().div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + padded - body.len(), 0);
    out.extend_from_slice(&total.to_le_bytes());
}
