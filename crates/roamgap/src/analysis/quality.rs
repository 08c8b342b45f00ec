//! Voice quality of an RTP stream (`docs/QUALITY.md`): the interarrival jitter of RFC 3550
//! (6.4.1, A.8), the codec its payload type names (RFC 3551 Table 4), and the rating of the
//! ITU-T G.107 (06/2015) E-model with the codec figures of ITU-T G.113 Appendix I, turned into
//! a MOS by G.107 Annex B. A sniffer sees loss and arrival times, not mouth-to-ear delay: the
//! rating holds the delay at G.107's defaults and varies only with the codec and the loss.

use std::fmt;

use serde::Serialize;

/// A stream's interarrival jitter above this (ms) is a `jitter-high` finding.
pub const JITTER_HIGH_MS: f64 = 30.0;
/// A window's MOS below this is a `mos-low` finding.
pub const MOS_LOW: f64 = 3.6;

/// Whether a jitter (ms) is a `jitter-high` finding.
pub fn jitter_high(jitter_ms: f64) -> bool {
    jitter_ms > JITTER_HIGH_MS
}

/// Whether a MOS is a `mos-low` finding.
pub fn mos_low(mos: f64) -> bool {
    mos < MOS_LOW
}

/// The voice codec an RTP payload type names (RFC 3551 Table 4). Dynamic payload types
/// (96–127) are bound to a codec by signalling a sniffer rarely sees: they are `Unknown`, as
/// are the static types this rating has no figures for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// G.711 µ-law (PCMU, payload type 0).
    G711u,
    /// G.711 A-law (PCMA, payload type 8).
    G711a,
    /// G.722 at 64 kbit/s (payload type 9).
    G722,
    /// G.729, G.729A and their Annex B (payload type 18): one bitstream, told apart only by
    /// signalling.
    G729,
    /// Any other payload type: no clock rate, no rating.
    Unknown,
}

/// The figures of a codec in the E-model (ITU-T G.113 Appendix I).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor Ie, without loss.
    pub ie: f64,
    /// Packet-loss robustness factor Bpl.
    pub bpl: f64,
}

impl Codec {
    /// The codec of an RTP payload type (the 7-bit field; anything else is `Unknown`).
    pub fn of_payload_type(payload_type: u8) -> Codec {
        match payload_type {
            0 => Codec::G711u,
            8 => Codec::G711a,
            9 => Codec::G722,
            18 => Codec::G729,
            _ => Codec::Unknown,
        }
    }

    /// The RTP clock rate (Hz) its timestamps count in (RFC 3551 Table 4). G.722 counts at
    /// 8000 Hz though it samples at 16 kHz (an error in RFC 1890 that RFC 3551 4.5.2 keeps).
    pub fn clock_rate(self) -> Option<u32> {
        match self {
            Codec::G711u | Codec::G711a | Codec::G722 | Codec::G729 => Some(8000),
            Codec::Unknown => None,
        }
    }

    /// Its E-model figures (G.113 Appendix I): G.711 with packet loss concealment (Ie 0,
    /// Bpl 25.1), G.729A with VAD (Ie 11, Bpl 19). G.722 is taken as G.711 with concealment:
    /// G.113 rates it only on the wideband scale of G.107.1 (`docs/QUALITY.md`).
    pub fn impairment(self) -> Option<CodecImpairment> {
        match self {
            Codec::G711u | Codec::G711a | Codec::G722 => {
                Some(CodecImpairment { ie: 0.0, bpl: 25.1 })
            }
            Codec::G729 => Some(CodecImpairment {
                ie: 11.0,
                bpl: 19.0,
            }),
            Codec::Unknown => None,
        }
    }

    /// The name used in every output (the same as its JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::G711u => "g711u",
            Codec::G711a => "g711a",
            Codec::G722 => "g722",
            Codec::G729 => "g729",
            Codec::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 3550 interarrival jitter (6.4.1, A.8) of one stream, in constant memory: per packet,
/// D = (Rj − Ri) − (Sj − Si) in timestamp units, with i the packet received just before
/// (whatever its sequence number: a reordered packet is compared with the one before it in
/// arrival order), and J += (|D| − J)/16. Feed each packet once: an 802.11 retransmission of
/// a packet already counted is no new arrival.
#[derive(Clone, Copy, Debug)]
pub struct Jitter {
    clock_rate: u32,
    /// RTP timestamp and arrival time (ns) of the packet received last.
    last: Option<(u32, i64)>,
    /// J, in timestamp units.
    jitter: f64,
    /// At least one D went into J.
    measured: bool,
}

impl Jitter {
    /// An estimator for timestamps counting at `clock_rate` Hz (None for 0).
    pub fn new(clock_rate: u32) -> Option<Jitter> {
        (clock_rate > 0).then_some(Jitter {
            clock_rate,
            last: None,
            jitter: 0.0,
            measured: false,
        })
    }

    /// An estimator at the codec's clock rate; None when the rate is unknown (a dynamic
    /// payload type): a guessed rate would scale the jitter wrongly.
    pub fn for_codec(codec: Codec) -> Option<Jitter> {
        Jitter::new(codec.clock_rate()?)
    }

    /// Accounts a packet: its RTP timestamp and its arrival (capture) time in ns. The first
    /// packet sets no D. Timestamps wrap at 2^32 (their difference is taken modulo 2^32, as a
    /// signed 32-bit number); arrival times going backwards make a large |D|, never a panic.
    pub fn packet(&mut self, rtp_timestamp: u32, arrival_ns: i64) {
        if let Some((ts, at)) = self.last {
            // In units of 1e-9 timestamp unit, exactly: |Rj − Ri| < 2^64 and the clock rate
            // < 2^32, so the product fits in an i128 with room to spare.
            let arrived = (i128::from(arrival_ns) - i128::from(at)) * i128::from(self.clock_rate);
            let sent = i128::from(rtp_timestamp.wrapping_sub(ts) as i32) * 1_000_000_000;
            let d = (arrived - sent).unsigned_abs() as f64 / 1e9;
            self.jitter += (d - self.jitter) / 16.0;
            self.measured = true;
        }
        self.last = Some((rtp_timestamp, arrival_ns));
    }

    /// Forgets the last packet (the sender restarted its numbering, and maybe its timestamps):
    /// the next packet sets no D. J is kept.
    pub fn restart(&mut self) {
        self.last = None;
    }

    /// J in timestamp units; None before a second packet.
    pub fn timestamp_units(&self) -> Option<f64> {
        self.measured.then_some(self.jitter)
    }

    /// J in ms; None before a second packet.
    pub fn ms(&self) -> Option<f64> {
        self.timestamp_units()
            .map(|j| j * 1000.0 / f64::from(self.clock_rate))
    }
}

/// The E-model rating at all G.107 default values (clause 7.7): Ro − Is − Id at defaults.
/// Delay stays at its default (a sniffer sees no mouth-to-ear delay), so only Ie,eff varies.
pub const R_DEFAULT: f64 = 93.2;

/// G.107 clause 7.5: the effective equipment impairment factor at a packet-loss probability
/// `ppl_percent` (0–100, clamped) and a burst ratio `burst_r` (1 for random loss):
/// Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl). None for a non-finite Ppl or a burst
/// ratio that is not a positive number.
pub fn ie_eff(codec: CodecImpairment, ppl_percent: f64, burst_r: f64) -> Option<f64> {
    if !ppl_percent.is_finite() || !burst_r.is_finite() || burst_r <= 0.0 {
        return None;
    }
    let ppl = ppl_percent.clamp(0.0, 100.0);
    Some(codec.ie + (95.0 - codec.ie) * ppl / (ppl / burst_r + codec.bpl))
}

/// The rating R = 93.2 − Ie,eff (G.107 clause 7.1 with Id at its default) at a random
/// packet loss of `ppl_percent`; None for an unknown codec or a non-finite loss.
pub fn r_factor(codec: Codec, ppl_percent: f64) -> Option<f64> {
    Some(R_DEFAULT - ie_eff(codec.impairment()?, ppl_percent, 1.0)?)
}

/// G.107 Annex B (B-4): the estimated conversational MOS of a rating R, 1 below R = 0 and
/// 4.5 above R = 100. (Between R = 0 and about 6.5 the formula dips just under 1; no codec
/// here rates that low: at 100 % loss R is 17.3 for G.711, 11.6 for G.729.)
pub fn mos(r: f64) -> f64 {
    if r < 0.0 {
        1.0
    } else if r > 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6
    }
}

/// The quality of a stream over a window.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct WindowQuality {
    /// Ppl: packets lost over packets expected, in percent.
    pub loss_percent: f64,
    /// The E-model rating R.
    pub r_factor: f64,
    /// The estimated conversational MOS of R (G.107 Annex B), 1 to 4.5.
    pub mos: f64,
}

/// The quality of a window in which `lost` of `expected` packets were lost (random loss);
/// None for an unknown codec or a window that expected no packet. A count of lost packets
/// above the expected one is taken as all lost.
pub fn window_quality(codec: Codec, lost: u64, expected: u64) -> Option<WindowQuality> {
    if expected == 0 {
        return None;
    }
    let loss_percent = 100.0 * lost.min(expected) as f64 / expected as f64;
    let r = r_factor(codec, loss_percent)?;
    Some(WindowQuality {
        loss_percent,
        r_factor: r,
        mos: mos(r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1 ms in ns.
    const MS: i64 = 1_000_000;

    /// An 8 kHz estimator fed (RTP timestamp, arrival ns) pairs.
    fn jitter_of(packets: &[(u32, i64)]) -> Jitter {
        let mut j = Jitter::new(8000).unwrap();
        for &(ts, at) in packets {
            j.packet(ts, at);
        }
        j
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn payload_types_name_their_codec_and_clock() {
        assert_eq!(Codec::of_payload_type(0), Codec::G711u);
        assert_eq!(Codec::of_payload_type(8), Codec::G711a);
        assert_eq!(Codec::of_payload_type(9), Codec::G722);
        assert_eq!(Codec::of_payload_type(18), Codec::G729);
        for pt in [3, 4, 13, 96, 101, 127, 128, 255] {
            assert_eq!(Codec::of_payload_type(pt), Codec::Unknown, "pt {pt}");
        }
        assert_eq!(Codec::G722.clock_rate(), Some(8000));
        assert_eq!(Codec::Unknown.clock_rate(), None);
        assert!(Jitter::for_codec(Codec::Unknown).is_none());
        assert!(Jitter::new(0).is_none());
        for c in [
            Codec::G711u,
            Codec::G711a,
            Codec::G722,
            Codec::G729,
            Codec::Unknown,
        ] {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{c}\""));
        }
        assert_eq!(Codec::G711u.as_str(), "g711u");
    }

    #[test]
    fn jitter_of_a_hand_made_stream() {
        // 20 ms packets at 8 kHz: 160 timestamp units apart; 1 unit = 125 µs. Arrivals at
        // 0, 22, 40, 65, 80 ms = 0, 176, 320, 520, 640 units.
        //   p1: D = (176 − 0) − 160 = 16;    J = 0 + (16 − 0)/16 = 1
        //   p2: D = (320 − 176) − 160 = −16; J = 1 + (16 − 1)/16 = 1.9375
        //   p3: D = (520 − 320) − 160 = 40;  J = 1.9375 + (40 − 1.9375)/16 = 4.31640625
        //   p4: D = (640 − 520) − 160 = −40; J = 4.31640625 + (40 − 4.31640625)/16
        //                                      = 6.546630859375 units = 0.818328857421875 ms
        let mut j = Jitter::new(8000).unwrap();
        assert_eq!((j.timestamp_units(), j.ms()), (None, None));
        let packets = [
            (1000, 0),
            (1160, 22 * MS),
            (1320, 40 * MS),
            (1480, 65 * MS),
            (1640, 80 * MS),
        ];
        let mut after = Vec::new();
        for (ts, at) in packets {
            j.packet(ts, at);
            after.push(j.timestamp_units());
        }
        assert_eq!(
            after,
            [
                None,
                Some(1.0),
                Some(1.9375),
                Some(4.31640625),
                Some(6.546630859375)
            ]
        );
        assert_eq!(j.ms(), Some(0.818328857421875));
        // The same stream with its timestamps across the 2^32 wrap.
        let base = u32::MAX - 319;
        let wrapped: Vec<(u32, i64)> = packets
            .iter()
            .map(|&(ts, at)| (base.wrapping_add(ts - 1000), at))
            .collect();
        assert!(wrapped[2].0 < wrapped[1].0);
        assert_eq!(jitter_of(&wrapped).timestamp_units(), Some(6.546630859375));
    }

    #[test]
    fn a_steady_stream_has_no_jitter_even_across_a_loss() {
        // Packet 320 is lost: Rj − Ri = 40 ms = 320 units = Sj − Si, so D = 0.
        let j = jitter_of(&[(0, 0), (160, 20 * MS), (480, 60 * MS), (640, 80 * MS)]);
        assert_eq!(j.timestamp_units(), Some(0.0));
        // Silence suppression: 1 s without packets, the timestamps jumping with it.
        let j = jitter_of(&[(0, 0), (160, 20 * MS), (8320, 1040 * MS)]);
        assert_eq!(j.timestamp_units(), Some(0.0));
    }

    #[test]
    fn a_reordered_packet_is_compared_with_the_one_received_before_it() {
        // Sent 0, 160, 320, 480, 640; 320 and 480 swapped, arrivals every 20 ms (160 units).
        //   480 after 160: D = 160 − (480 − 160) = −160; J = 0 + 160/16 = 10
        //   320 after 480: D = 160 − (320 − 480) = 320;  J = 10 + (320 − 10)/16 = 29.375
        //   640 after 320: D = 160 − (640 − 320) = −160; J = 29.375 + (160 − 29.375)/16
        //                                                   = 37.5390625
        let j = jitter_of(&[
            (0, 0),
            (160, 20 * MS),
            (480, 40 * MS),
            (320, 60 * MS),
            (640, 80 * MS),
        ]);
        assert_eq!(j.timestamp_units(), Some(37.5390625));
        assert_eq!(j.ms(), Some(37.5390625 / 8.0));
    }

    #[test]
    fn a_restart_sets_no_difference() {
        let mut j = jitter_of(&[(0, 0), (160, 22 * MS)]);
        assert_eq!(j.timestamp_units(), Some(1.0));
        j.restart();
        // A new timestamp base: without the restart, D would be some 8e8 units (the timestamps'
        // difference taken as a signed 32-bit number).
        j.packet(3_500_000_000, 40 * MS);
        j.packet(3_500_000_160, 60 * MS);
        // D = 160 − 160 = 0; J = 1 − 1/16.
        assert_eq!(j.timestamp_units(), Some(0.9375));
    }

    #[test]
    fn hostile_times_never_break_the_jitter() {
        // Arrivals going backwards: D = (80 − 176) − 160 = −256 (10 ms is 80 units); J = 16.
        let j = jitter_of(&[(0, 0), (160, 22 * MS), (320, 10 * MS)]);
        assert_eq!(j.timestamp_units(), Some(1.0 + (256.0 - 1.0) / 16.0));
        // Extremes of every field, at the largest clock rate.
        let mut j = Jitter::new(u32::MAX).unwrap();
        for (ts, at) in [
            (0, i64::MIN),
            (u32::MAX, i64::MAX),
            (0, i64::MIN),
            (u32::MAX / 2, 0),
            (u32::MAX / 2 + 1, i64::MAX),
        ] {
            j.packet(ts, at);
            let (units, ms) = (j.timestamp_units().unwrap_or(0.0), j.ms().unwrap_or(0.0));
            assert!(units.is_finite() && units >= 0.0, "{units}");
            assert!(ms.is_finite() && ms >= 0.0, "{ms}");
        }
        // A pseudo-random walk of timestamps and times.
        let mut j = Jitter::new(48_000).unwrap();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            j.packet((x >> 32) as u32, x as i64);
            let ms = j.ms().unwrap_or(0.0);
            assert!(ms.is_finite() && ms >= 0.0, "{ms}");
        }
        // Constant memory: the estimator is its fields, whatever it was fed.
        assert!(std::mem::size_of::<Jitter>() <= 40);
    }

    #[test]
    fn g711_without_loss_rates_g107_defaults() {
        // R = 93.2 − Ie,eff = 93.2 − 0. MOS = 1 + 0.035·93.2 + 93.2·(93.2 − 60)·(100 − 93.2)·7e-6
        //   = 1 + 3.262 + 93.2·33.2·6.8·7e-6 = 4.262 + 21040.832·7e-6 = 4.409285824.
        for c in [Codec::G711u, Codec::G711a, Codec::G722] {
            assert_eq!(r_factor(c, 0.0), Some(93.2));
        }
        assert!(close(mos(93.2), 4.409285824));
        let w = window_quality(Codec::G711a, 0, 500).unwrap();
        assert_eq!((w.loss_percent, w.r_factor), (0.0, 93.2));
        assert!(close(w.mos, 4.409285824));
        assert!(!mos_low(w.mos));
    }

    #[test]
    fn r_default_is_g107s_rating_at_its_default_values() {
        // G.107 clauses 7.2–7.4 at the defaults of clause 7.7 (Table 3): SLR 8, RLR 2, STMR 15,
        // LSTR 18, Ds 3, TELR 65, WEPL 110, T = Tr = Ta = 0, qdu 1, Nc −70, Ps = Pr = 35,
        // Nfor −64. Ro ≈ 94.77, Is ≈ 1.41, Id ≈ 0.15 (listener echo Idle only: Idte and Idd
        // are 0 without delay), R = Ro − Is − Id ≈ 93.21.
        let [slr, rlr, stmr, lstr, ds, telr, wepl]: [f64; 7] =
            [8.0, 2.0, 15.0, 18.0, 3.0, 65.0, 110.0];
        let [nc, ps, pr, nfor, qdu]: [f64; 5] = [-70.0, 35.0, 35.0, -64.0, 1.0];
        let p10 = |x: f64| 10f64.powf(x / 10.0);
        let olr = slr + rlr;
        let nos = ps - slr - ds - 100.0 + 0.004 * (ps - olr - ds - 14.0).powi(2);
        let pre = pr + 10.0 * (1.0 + p10(10.0 - lstr)).log10();
        let nor = rlr - 121.0 + pre + 0.008 * (pre - 35.0).powi(2);
        let nfo = nfor + rlr;
        let no = 10.0 * (p10(nc) + p10(nos) + p10(nor) + p10(nfo)).log10();
        let ro = 15.0 - 1.5 * (slr + no);
        let xolr = olr + 0.2 * (64.0 + no - rlr);
        let iolr = 20.0 * ((1.0 + (xolr / 8.0).powi(8)).powf(1.0 / 8.0) - xolr / 8.0);
        let stmro = -10.0 * (p10(-stmr) + p10(-telr)).log10();
        let ist = 12.0 * (1.0 + ((stmro - 13.0) / 6.0).powi(8)).powf(1.0 / 8.0)
            - 28.0 * (1.0 + ((stmro + 1.0) / 19.4).powi(35)).powf(1.0 / 35.0)
            - 13.0 * (1.0 + ((stmro - 3.0) / 33.0).powi(13)).powf(1.0 / 13.0)
            + 29.0;
        let q = 37.0 - 15.0 * qdu.log10();
        let g = 1.07 + 0.258 * q + 0.0602 * q * q;
        let y = (ro - 100.0) / 15.0 + 46.0 / 8.4 - g / 9.0;
        let z = 46.0 / 30.0 - g / 40.0;
        let iq = 15.0 * (1.0 + 10f64.powf(y) + 10f64.powf(z)).log10();
        let is = iolr + ist + iq;
        let rle = 10.5 * (wepl + 7.0);
        let idle = (ro - rle) / 2.0 + ((ro - rle).powi(2) / 4.0 + 169.0).sqrt();
        assert!(
            (ro - 94.769).abs() < 1e-3 && (is - 1.414).abs() < 1e-3,
            "{ro} {is}"
        );
        assert!((idle - 0.149).abs() < 1e-3, "{idle}");
        assert!((ro - is - idle - R_DEFAULT).abs() < 0.01);
    }

    #[test]
    fn g729a_without_loss_rates_82_2() {
        // R = 93.2 − Ie = 93.2 − 11. MOS = 1 + 0.035·82.2 + 82.2·22.2·17.8·7e-6
        //   = 1 + 2.877 + 32481.432·7e-6 = 4.104375064.
        assert!(close(r_factor(Codec::G729, 0.0).unwrap(), 82.2));
        assert!(close(mos(82.2), 4.104375064));
    }

    #[test]
    fn loss_by_g107s_formula() {
        // G.711 (Ie 0, Bpl 25.1), 1 %: Ie,eff = 95·1/(1/1 + 25.1) = 95/26.1 = 3.6398467…;
        // R = 89.5601533…; MOS = 1 + 3.1346054 + 89.5601533·29.5601533·10.4398467·7e-6
        //   = 4.1346054 + 0.1934700 = 4.3280754.
        let w = window_quality(Codec::G711u, 1, 100).unwrap();
        assert_eq!(w.loss_percent, 1.0);
        assert!(close(w.r_factor, 93.2 - 95.0 / 26.1));
        assert!((w.mos - 4.3280754).abs() < 1e-7);
        // G.711, 5 %: Ie,eff = 95·5/(5 + 25.1) = 475/30.1 = 15.7807309; R = 77.4192691.
        let w = window_quality(Codec::G711u, 50, 1000).unwrap();
        assert!((w.r_factor - 77.4192691).abs() < 1e-7);
        // G.729A (Ie 11, Bpl 19), 2 %: Ie,eff = 11 + 84·2/(2 + 19) = 11 + 8 = 19; R = 74.2;
        // MOS = 1 + 2.597 + 74.2·14.2·25.8·7e-6 = 3.597 + 0.190287384 = 3.787287384.
        let w = window_quality(Codec::G729, 2, 100).unwrap();
        assert!(close(w.r_factor, 74.2));
        assert!(close(w.mos, 3.787287384));
        // G.711, 10 %: Ie,eff = 950/35.1 = 27.0655271; R = 66.1344729, MOS 3.41: low.
        let w = window_quality(Codec::G711u, 10, 100).unwrap();
        assert!((w.r_factor - 66.1344729).abs() < 1e-7);
        assert!(mos_low(w.mos));
        // Bursty loss (BurstR 2) costs more than random: 95·1/(1/2 + 25.1) = 3.7109375.
        let g711 = Codec::G711u.impairment().unwrap();
        assert!(close(ie_eff(g711, 1.0, 2.0).unwrap(), 95.0 / 25.6));
    }

    #[test]
    fn rating_falls_as_loss_grows() {
        for c in [Codec::G711u, Codec::G722, Codec::G729] {
            let mut last = r_factor(c, 0.0).unwrap();
            let mut last_mos = mos(last);
            for tenth in 1..=1000 {
                let r = r_factor(c, f64::from(tenth) / 10.0).unwrap();
                assert!(r < last, "{c} at {tenth}‰");
                assert!(mos(r) <= last_mos, "{c} at {tenth}‰");
                (last, last_mos) = (r, mos(r));
            }
            // All lost: G.711 95·100/125.1 = 75.9392486 → R 17.2607514; G.729A 11 + 8400/119
            // = 81.5882353 → R 11.6117647.
            let floor = if c == Codec::G729 {
                11.6117647
            } else {
                17.2607514
            };
            assert!((last - floor).abs() < 1e-7, "{c}: {last}");
        }
    }

    #[test]
    fn mos_is_clamped_outside_0_to_100() {
        assert_eq!(mos(-0.001), 1.0);
        assert_eq!(mos(-1e300), 1.0);
        assert_eq!(mos(100.001), 4.5);
        assert_eq!(mos(f64::INFINITY), 4.5);
        // The formula meets the clamps: 1 at R = 0, 1 + 3.5 + 0 = 4.5 at R = 100.
        assert_eq!(mos(0.0), 1.0);
        assert!(close(mos(100.0), 4.5));
    }

    #[test]
    fn nothing_to_rate_gives_no_rating() {
        assert_eq!(window_quality(Codec::Unknown, 0, 100), None);
        assert_eq!(window_quality(Codec::G711u, 0, 0), None);
        assert_eq!(r_factor(Codec::G711u, f64::NAN), None);
        let g711 = Codec::G711u.impairment().unwrap();
        assert_eq!(ie_eff(g711, 1.0, 0.0), None);
        assert_eq!(ie_eff(g711, 1.0, f64::NAN), None);
        // Hostile counts: more lost than expected is all lost; a loss rate past 100 % is 100 %.
        let all = window_quality(Codec::G711u, u64::MAX, 1).unwrap();
        assert_eq!(all.loss_percent, 100.0);
        assert_eq!(Some(all.r_factor), r_factor(Codec::G711u, 1e308));
        assert_eq!(r_factor(Codec::G711u, -5.0), Some(93.2));
        let w = window_quality(Codec::G729, u64::MAX - 1, u64::MAX).unwrap();
        assert!(w.mos.is_finite() && w.mos >= 1.0);
    }

    #[test]
    fn thresholds_mark_their_findings() {
        assert!(!jitter_high(30.0));
        assert!(jitter_high(30.001));
        assert!(!mos_low(3.6));
        assert!(mos_low(3.599));
    }
}
