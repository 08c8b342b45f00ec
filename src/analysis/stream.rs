//! RTP stream statistics (RFC 3550 A.1/A.3 counting), one stream per station, direction and
//! SSRC. 802.11 retransmissions repeat an RTP sequence number already seen and are counted
//! as duplicates, not as packets; reordered packets are packets.

/// Sequence numbers remembered for duplicate detection, behind the highest seen.
const WINDOW: i64 = 1024;

/// Running statistics of one RTP stream.
#[derive(Clone, Debug)]
pub struct StreamState {
    /// Highest and lowest extended sequence number received.
    pub max_ext: i64,
    pub min_ext: i64,
    pub received: u64,
    pub duplicates: u64,
    /// Largest time between consecutive received packets.
    pub max_gap_ns: i64,
    pub first_frame: u64,
    pub last_frame: u64,
    pub first_ts_ns: i64,
    pub last_ts_ns: i64,
    pub payload_type: u8,
    pub src_port: u16,
    pub dst_port: u16,
    seen: [u64; (WINDOW / 64) as usize],
}

/// What one packet was to its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// A packet not seen before, with its extended sequence number.
    New(i64),
    /// A copy (802.11 retransmission) of a packet already received.
    Duplicate,
}

impl StreamState {
    pub fn new(
        seq: u16,
        frame: u64,
        ts_ns: i64,
        payload_type: u8,
        src_port: u16,
        dst_port: u16,
    ) -> StreamState {
        // Start one cycle up so that packets reordered before the first stay positive.
        let ext = 65536 + i64::from(seq);
        let mut s = StreamState {
            max_ext: ext,
            min_ext: ext,
            received: 1,
            duplicates: 0,
            max_gap_ns: 0,
            first_frame: frame,
            last_frame: frame,
            first_ts_ns: ts_ns,
            last_ts_ns: ts_ns,
            payload_type,
            src_port,
            dst_port,
            seen: [0; (WINDOW / 64) as usize],
        };
        s.mark(ext);
        s
    }

    /// The extended sequence number closest to the highest seen (handles wrap and reorder).
    pub fn extend(&self, seq: u16) -> i64 {
        let base = self.max_ext - self.max_ext.rem_euclid(65536) + i64::from(seq);
        [base - 65536, base, base + 65536]
            .into_iter()
            .min_by_key(|c| (c - self.max_ext).abs())
            .unwrap_or(base)
    }

    fn slot(ext: i64) -> (usize, u64) {
        let i = ext.rem_euclid(WINDOW) as usize;
        (i / 64, 1u64 << (i % 64))
    }

    fn mark(&mut self, ext: i64) {
        let (w, b) = Self::slot(ext);
        self.seen[w] |= b;
    }

    fn is_seen(&self, ext: i64) -> bool {
        let (w, b) = Self::slot(ext);
        self.seen[w] & b != 0
    }

    /// Accounts one packet.
    pub fn packet(&mut self, seq: u16, frame: u64, ts_ns: i64) -> Arrival {
        let ext = self.extend(seq);
        if ext > self.max_ext {
            // Forget the slots the window moves past.
            if ext - self.max_ext >= WINDOW {
                self.seen = [0; (WINDOW / 64) as usize];
            } else {
                for e in self.max_ext + 1..=ext {
                    let (w, b) = Self::slot(e);
                    self.seen[w] &= !b;
                }
            }
            self.max_ext = ext;
        } else if self.max_ext - ext < WINDOW && self.is_seen(ext) {
            self.duplicates += 1;
            return Arrival::Duplicate;
        }
        self.mark(ext);
        self.min_ext = self.min_ext.min(ext);
        self.received += 1;
        self.max_gap_ns = self.max_gap_ns.max(ts_ns - self.last_ts_ns);
        self.last_ts_ns = ts_ns;
        self.last_frame = frame;
        Arrival::New(ext)
    }

    /// Packets expected: highest − lowest extended sequence number + 1.
    pub fn expected(&self) -> u64 {
        (self.max_ext - self.min_ext + 1) as u64
    }

    /// Packets lost: expected − received (never negative: duplicates are not received).
    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seqs: &[u16]) -> StreamState {
        let mut s = StreamState::new(seqs[0], 1, 0, 0, 1, 2);
        for (i, &q) in seqs.iter().enumerate().skip(1) {
            s.packet(q, i as u64 + 1, i as i64 * 20_000_000);
        }
        s
    }

    #[test]
    fn wrap_loss_and_duplicates() {
        let s = run(&[65533, 65534, 65534, 65535, 2, 3, 3, 4]);
        assert_eq!(
            (s.received, s.duplicates, s.expected(), s.lost()),
            (6, 2, 8, 2)
        );
        assert_eq!(s.max_gap_ns, 40_000_000);
    }

    #[test]
    fn reordering_is_not_loss() {
        let s = run(&[10, 12, 11, 13, 11]);
        assert_eq!(
            (s.received, s.duplicates, s.expected(), s.lost()),
            (4, 1, 4, 0)
        );
        // Reordered before the first packet, across the wrap.
        let s = run(&[0, 65535, 1]);
        assert_eq!((s.received, s.expected(), s.lost()), (3, 3, 0));
    }

    #[test]
    fn a_long_stream_keeps_counting() {
        let seqs: Vec<u16> = (0..200_000u32)
            .map(|i| (i % 65536) as u16)
            .filter(|q| q % 100 != 7)
            .collect();
        let s = run(&seqs);
        assert_eq!(s.expected(), 200_000);
        assert_eq!(s.lost(), 200_000 - seqs.len() as u64);
        assert_eq!(s.duplicates, 0);
    }
}
