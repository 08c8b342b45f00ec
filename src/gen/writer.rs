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
    pub fn resolution_ns(self) -> i64 {
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
}

impl Link {
    pub fn linktype(self) -> u16 {
        match self {
            Link::Radiotap => 127,
            Link::Dot11 => 105,
        }
    }
}

/// Radio facts of one frame, as the sniffer would record them.
#[derive(Clone, Copy, Debug)]
pub struct Radio {
    pub freq_mhz: u16,
    pub signal_dbm: i8,
    /// Legacy rate, 500 kb/s units.
    pub rate: u8,
}

/// Accumulates a capture file in memory.
pub struct Writer {
    format: FileFormat,
    link: Link,
    out: Vec<u8>,
}

impl Writer {
    pub fn new(format: FileFormat, link: Link) -> Writer {
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
    pub fn frame(&mut self, ts_ns: i64, radio: Radio, dot11: &[u8]) {
        let mut data = Vec::with_capacity(dot11.len() + 16);
        if self.link == Link::Radiotap {
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
        data.extend_from_slice(dot11);
        let len = data.len() as u32;
        match self.format {
            FileFormat::Pcap | FileFormat::PcapNs => {
                let sec = ts_ns.div_euclid(1_000_000_000);
                let frac = ts_ns.rem_euclid(1_000_000_000) / self.format.resolution_ns();
                self.out.extend_from_slice(&(sec as u32).to_le_bytes());
                self.out.extend_from_slice(&(frac as u32).to_le_bytes());
                self.out.extend_from_slice(&len.to_le_bytes());
                self.out.extend_from_slice(&len.to_le_bytes());
                self.out.extend_from_slice(&data);
            }
            FileFormat::PcapNg | FileFormat::PcapNgNs => {
                let units = (ts_ns / self.format.resolution_ns()) as u64;
                let mut epb = Vec::with_capacity(data.len() + 24);
                epb.extend_from_slice(&0u32.to_le_bytes());
                epb.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
                epb.extend_from_slice(&(units as u32).to_le_bytes());
                epb.extend_from_slice(&len.to_le_bytes());
                epb.extend_from_slice(&len.to_le_bytes());
                epb.extend_from_slice(&data);
                while epb.len() % 4 != 0 {
                    epb.push(0);
                }
                block(&mut self.out, 6, &epb);
            }
        }
    }

    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// Writes what is buffered so far to `w` and empties the buffer (for captures too large
    /// to hold).
    pub fn drain_into(&mut self, w: &mut impl std::io::Write) -> std::io::Result<u64> {
        w.write_all(&self.out)?;
        let n = self.out.len() as u64;
        self.out.clear();
        Ok(n)
    }
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
