//! RTP stream statistics, one stream per station, direction and SSRC, with the sequence-number
//! validation of RFC 3550 A.1: a source is a stream once [`MIN_SEQUENTIAL`] packets came in
//! sequence (probation; packets reordered meanwhile count); a packet [`MAX_DROPOUT`] or more ahead of the highest sequence number,
//! or more than [`MAX_MISORDER`] behind it, is set aside unless the next packet follows it (the
//! sender restarted its numbering: counting goes on from there). A jump ahead that would make
//! more packets lost than the time since the last packet holds at the stream's packet interval
//! is set aside the same way; when the next packet follows it, the loss is counted and the gap
//! flagged. 802.11 retransmissions repeat an RTP sequence number already seen and are counted
//! as duplicates, not as packets; reordered packets are packets (`docs/METRICS.md`).

/// Packets in sequence that make a source a stream (RFC 3550 A.1).
pub(crate) const MIN_SEQUENTIAL: u32 = 2;
/// A jump ahead of this many sequence numbers or more is no gap but a corrupted or restarted
/// numbering (RFC 3550 A.1).
const MAX_DROPOUT: u16 = 3000;
/// A packet at most this far behind the highest sequence number is reordered (or a
/// duplicate); further behind, the numbering restarted or the number is corrupted.
const MAX_MISORDER: u16 = 100;
/// Sequence numbers remembered behind the highest for duplicate detection: all that a
/// reordered packet can be.
const WINDOW: i64 = 128;
const SEQ_MOD: i64 = 65536;
/// A gap may hold twice the packets its duration holds at the stream's interval, and this
/// many more (bursts, jitter), before its loss is implausible.
const LOSS_SLACK: i64 = 2;
/// The shortest packet interval a stream is taken to have (a burst of back-to-back packets
/// says nothing of the sender's rate).
const MIN_INTERVAL_NS: i64 = 100_000;

/// A packet set aside for its jump in sequence number, kept until the next packet shows
/// whether the numbering really jumped.
#[derive(Clone, Copy, Debug)]
struct Jump {
    seq: u16,
    /// Where it goes when the jump is confirmed: further in this run (an implausible gap), or
    /// the start of a new run (the numbering restarted).
    ext: Option<i64>,
    frame: u64,
    ts_ns: i64,
}

/// Where an extended sequence number's bit lies in the duplicate-detection window.
#[derive(Clone, Copy, Debug)]
struct SeenBit {
    word: usize,
    mask: u64,
}

/// Running statistics of one RTP stream.
#[derive(Clone, Debug)]
pub(crate) struct StreamState {
    /// Packets still needed in sequence before the source is a stream (0: it is one).
    probation: u32,
    /// Highest and lowest extended sequence number of the current run: since the source
    /// started, or last restarted its numbering.
    pub(crate) max_ext: i64,
    pub(crate) min_ext: i64,
    /// Packets expected in the runs before the current one.
    expected_before: u64,
    pub(crate) received: u64,
    pub(crate) duplicates: u64,
    /// Packets whose sequence number RFC 3550 A.1 rejects: a corrupted number, a restart's
    /// first packet no other followed, the packets of failed probations.
    pub(crate) set_aside: u64,
    /// Gaps whose loss the time they lasted cannot hold at the stream's packet interval.
    pub(crate) gaps_beyond_cadence: u32,
    /// Largest time between consecutive received packets.
    pub(crate) max_gap_ns: i64,
    pub(crate) first_frame: u64,
    pub(crate) last_frame: u64,
    pub(crate) first_ts_ns: i64,
    pub(crate) last_ts_ns: i64,
    pub(crate) payload_type: u8,
    pub(crate) src_port: u16,
    pub(crate) dst_port: u16,
    /// Sum and number of the intervals between packets received in sequence.
    interval_sum_ns: i64,
    intervals: u32,
    jump: Option<Jump>,
    seen: [u64; (WINDOW / 64) as usize],
}

/// What one packet was to its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// A packet of the stream, with its extended sequence number.
    New(i64),
    /// A packet of a source still on probation, with its extended sequence number.
    Probation(i64),
    /// A copy (802.11 retransmission) of a packet already received.
    Duplicate,
    /// A packet whose sequence number does not fit the stream (see the module's notes).
    SetAside,
}

impl StreamState {
    /// A source's first packet: it starts its probation.
    pub(crate) fn new(
        seq: u16,
        frame: u64,
        ts_ns: i64,
        payload_type: u8,
        src_port: u16,
        dst_port: u16,
    ) -> StreamState {
        let mut s = StreamState {
            probation: MIN_SEQUENTIAL - 1,
            max_ext: 0,
            min_ext: 0,
            expected_before: 0,
            received: 0,
            duplicates: 0,
            set_aside: 0,
            gaps_beyond_cadence: 0,
            max_gap_ns: 0,
            first_frame: frame,
            last_frame: frame,
            first_ts_ns: ts_ns,
            last_ts_ns: ts_ns,
            payload_type,
            src_port,
            dst_port,
            interval_sum_ns: 0,
            intervals: 0,
            jump: None,
            seen: [0; (WINDOW / 64) as usize],
        };
        s.start_run(seq, frame, ts_ns);
        s
    }

    /// Past its probation: a stream.
    pub(crate) fn valid(&self) -> bool {
        self.probation == 0
    }

    /// Starts a probation run at a packet (the earlier run's packets are set aside).
    fn start_run(&mut self, seq: u16, frame: u64, ts_ns: i64) {
        self.set_aside += self.received;
        self.received = 1;
        self.probation = MIN_SEQUENTIAL - 1;
        // One cycle up, so that packets reordered before the first stay positive.
        self.max_ext = SEQ_MOD + i64::from(seq);
        self.min_ext = self.max_ext;
        self.seen = [0; (WINDOW / 64) as usize];
        self.mark(self.max_ext);
        (self.first_frame, self.last_frame) = (frame, frame);
        (self.first_ts_ns, self.last_ts_ns) = (ts_ns, ts_ns);
        (self.interval_sum_ns, self.intervals, self.max_gap_ns) = (0, 0, 0);
    }

    fn max_seq(&self) -> u16 {
        self.max_ext.rem_euclid(SEQ_MOD) as u16
    }

    fn slot(ext: i64) -> SeenBit {
        let i = ext.rem_euclid(WINDOW) as usize;
        SeenBit {
            word: i / 64,
            mask: 1u64 << (i % 64),
        }
    }

    fn mark(&mut self, ext: i64) {
        let b = Self::slot(ext);
        self.seen[b.word] |= b.mask;
    }

    fn is_seen(&self, ext: i64) -> bool {
        let b = Self::slot(ext);
        self.seen[b.word] & b.mask != 0
    }

    /// The mean interval between packets received in sequence.
    pub(crate) fn interval_ns(&self) -> Option<i64> {
        (self.intervals > 0)
            .then(|| (self.interval_sum_ns / i64::from(self.intervals)).max(MIN_INTERVAL_NS))
    }

    /// `lost` packets in a gap of `gap_ns` fit the stream's packet interval.
    fn plausible(&self, lost: i64, gap_ns: i64) -> bool {
        self.interval_ns()
            .is_none_or(|i| lost <= 2 * gap_ns.max(0) / i + LOSS_SLACK)
    }

    /// Counts a received packet at `ext`.
    fn accept(&mut self, ext: i64, frame: u64, ts_ns: i64) {
        let gap_ns = ts_ns - self.last_ts_ns;
        if ext > self.max_ext {
            if ext == self.max_ext + 1 {
                self.interval_sum_ns = self.interval_sum_ns.saturating_add(gap_ns.max(0));
                self.intervals = self.intervals.saturating_add(1);
            }
            // Forget the slots the window moves past.
            if ext - self.max_ext >= WINDOW {
                self.seen = [0; (WINDOW / 64) as usize];
            } else {
                for e in self.max_ext + 1..=ext {
                    let b = Self::slot(e);
                    self.seen[b.word] &= !b.mask;
                }
            }
            self.max_ext = ext;
        }
        self.mark(ext);
        self.min_ext = self.min_ext.min(ext);
        self.received += 1;
        self.max_gap_ns = self.max_gap_ns.max(gap_ns);
        self.last_ts_ns = ts_ns;
        self.last_frame = frame;
    }

    /// Sets a packet aside, to be taken back if the next one follows it.
    fn set_aside(&mut self, seq: u16, ext: Option<i64>, frame: u64, ts_ns: i64) -> Arrival {
        self.set_aside += 1;
        self.jump = Some(Jump {
            seq,
            ext,
            frame,
            ts_ns,
        });
        Arrival::SetAside
    }

    /// Accounts one packet.
    pub(crate) fn packet(&mut self, seq: u16, frame: u64, ts_ns: i64) -> Arrival {
        if self.probation > 0 {
            // Within MAX_MISORDER of the run's highest number, the packet joins the run (so
            // that packets reordered as the stream starts count); each one next to a number
            // already received counts toward MIN_SEQUENTIAL. Further, a new run starts.
            let delta = seq.wrapping_sub(self.max_seq()) as i16;
            if delta.unsigned_abs() > MAX_MISORDER {
                self.start_run(seq, frame, ts_ns);
                return Arrival::Probation(self.max_ext);
            }
            let ext = self.max_ext + i64::from(delta);
            if self.is_seen(ext) {
                self.duplicates += 1;
                return Arrival::Duplicate;
            }
            let next_to_one = (ext > self.max_ext - WINDOW + 1 && self.is_seen(ext - 1))
                || (ext < self.max_ext && self.is_seen(ext + 1));
            self.accept(ext, frame, ts_ns);
            if next_to_one {
                self.probation -= 1;
            }
            return if self.probation == 0 {
                Arrival::New(ext)
            } else {
                Arrival::Probation(ext)
            };
        }
        // The packet after one set aside (copies aside) decides: following it, the jump was
        // real; anything else, and it was not.
        match self.jump.take() {
            Some(j) if seq == j.seq => {
                self.jump = Some(j);
                self.duplicates += 1;
                return Arrival::Duplicate;
            }
            Some(j) if seq == j.seq.wrapping_add(1) => return self.confirm(j, frame, ts_ns),
            _ => {}
        }
        let ahead = seq.wrapping_sub(self.max_seq());
        if ahead == 0 {
            self.duplicates += 1;
            Arrival::Duplicate
        } else if ahead < MAX_DROPOUT {
            let ext = self.max_ext + i64::from(ahead);
            if !self.plausible(i64::from(ahead) - 1, ts_ns - self.last_ts_ns) {
                return self.set_aside(seq, Some(ext), frame, ts_ns);
            }
            self.accept(ext, frame, ts_ns);
            Arrival::New(ext)
        } else if ahead <= u16::MAX - MAX_MISORDER + 1 {
            self.set_aside(seq, None, frame, ts_ns)
        } else {
            // Behind by at most MAX_MISORDER: reordered, or a copy.
            let ext = self.max_ext - (SEQ_MOD - i64::from(ahead));
            if self.is_seen(ext) {
                self.duplicates += 1;
                return Arrival::Duplicate;
            }
            self.accept(ext, frame, ts_ns);
            Arrival::New(ext)
        }
    }

    /// The packet after `j` follows it: both count, at the jump (`gaps_beyond_cadence`) or
    /// as a new run.
    fn confirm(&mut self, j: Jump, frame: u64, ts_ns: i64) -> Arrival {
        self.set_aside = self.set_aside.saturating_sub(1);
        let ext = match j.ext {
            Some(ext) => {
                self.gaps_beyond_cadence += 1;
                ext
            }
            None => {
                // A new run, numbered on from the last: what was lost between the runs
                // cannot be known.
                self.expected_before += self.run_expected();
                let ext = self.max_ext + 1;
                self.min_ext = ext;
                self.seen = [0; (WINDOW / 64) as usize];
                ext
            }
        };
        self.accept(ext, j.frame, j.ts_ns);
        self.accept(ext + 1, frame, ts_ns);
        Arrival::New(ext + 1)
    }

    fn run_expected(&self) -> u64 {
        (self.max_ext - self.min_ext + 1) as u64
    }

    /// Packets expected: over each run, highest − lowest extended sequence number + 1.
    pub(crate) fn expected(&self) -> u64 {
        self.expected_before + self.run_expected()
    }

    /// Packets lost: expected − received (never negative: duplicates are not received).
    pub(crate) fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_at(seqs: &[u16], interval_ns: i64) -> StreamState {
        let mut s = StreamState::new(seqs[0], 1, 0, 0, 1, 2);
        for (i, &q) in seqs.iter().enumerate().skip(1) {
            s.packet(q, i as u64 + 1, i as i64 * interval_ns);
        }
        s
    }

    fn run(seqs: &[u16]) -> StreamState {
        run_at(seqs, 20_000_000)
    }

    #[test]
    fn wrap_loss_and_duplicates() {
        let s = run(&[65533, 65534, 65534, 65535, 2, 3, 3, 4]);
        assert_eq!(
            (s.received, s.duplicates, s.expected(), s.lost()),
            (6, 2, 8, 2)
        );
        assert_eq!(s.max_gap_ns, 40_000_000);
        assert_eq!((s.set_aside, s.gaps_beyond_cadence), (0, 0));
    }

    #[test]
    fn reordering_is_not_loss() {
        let s = run(&[10, 11, 13, 12, 14, 12]);
        assert_eq!(
            (s.received, s.duplicates, s.expected(), s.lost()),
            (5, 1, 5, 0)
        );
        // Reordered before the first packet, across the wrap.
        let s = run(&[65534, 65535, 1, 65533, 0]);
        assert_eq!((s.received, s.expected(), s.lost()), (5, 5, 0));
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
        assert_eq!(
            (s.duplicates, s.set_aside, s.gaps_beyond_cadence),
            (0, 0, 0)
        );
    }

    #[test]
    fn probation_needs_packets_in_sequence() {
        let mut s = StreamState::new(100, 1, 0, 0, 1, 2);
        assert!(!s.valid());
        assert_eq!(s.packet(500, 2, 1), Arrival::Probation(SEQ_MOD + 500));
        assert_eq!(s.packet(500, 3, 2), Arrival::Duplicate);
        assert_eq!(s.packet(501, 4, 3), Arrival::New(SEQ_MOD + 501));
        assert!(s.valid());
        assert_eq!((s.received, s.set_aside, s.first_frame), (2, 1, 2));
    }

    #[test]
    fn packets_reordered_on_probation_count() {
        let mut s = StreamState::new(1, 1, 0, 0, 1, 2);
        assert_eq!(s.packet(3, 2, 1), Arrival::Probation(SEQ_MOD + 3));
        assert_eq!(s.packet(2, 3, 2), Arrival::New(SEQ_MOD + 2));
        s.packet(4, 4, 3);
        assert_eq!((s.received, s.expected(), s.set_aside), (4, 4, 0));
    }

    #[test]
    fn a_corrupted_sequence_number_is_set_aside() {
        let seqs: Vec<u16> = (1000..1100).collect();
        for flip in [0x8000u16, 0x0100, 0x4000, 0x0001 << 12] {
            let mut s = seqs.clone();
            s[50] ^= flip;
            let s = run(&s);
            assert_eq!(
                (s.received, s.expected(), s.lost(), s.set_aside),
                (99, 100, 1, 1),
                "flip {flip:#x}"
            );
            assert_eq!(s.gaps_beyond_cadence, 0);
        }
    }

    #[test]
    fn a_restarted_numbering_is_a_new_run() {
        let mut seqs: Vec<u16> = (10..60).collect();
        seqs.extend(40_000..40_050);
        let s = run(&seqs);
        // Two runs of 50, nothing lost between them that could be counted.
        assert_eq!(
            (s.received, s.expected(), s.lost(), s.set_aside),
            (100, 100, 0, 0)
        );
    }

    #[test]
    fn a_gap_its_time_cannot_hold_is_flagged() {
        // 20 ms packets; 300 numbers skipped in 20 ms, then the stream goes on from there.
        let mut seqs: Vec<u16> = (0..50).collect();
        seqs.extend(350..400);
        let s = run(&seqs);
        assert_eq!(
            (s.received, s.lost(), s.set_aside, s.gaps_beyond_cadence),
            (100, 300, 0, 1)
        );
        // The same gap after 6.02 s of silence is an ordinary loss.
        let mut s = StreamState::new(0, 1, 0, 0, 1, 2);
        for q in 1..50u16 {
            s.packet(q, u64::from(q) + 1, i64::from(q) * 20_000_000);
        }
        s.packet(350, 51, 49 * 20_000_000 + 6_020_000_000);
        assert_eq!((s.lost(), s.set_aside, s.gaps_beyond_cadence), (300, 0, 0));
    }
}
