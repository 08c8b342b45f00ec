//! The phones' G.711 calls: RTP every 20 ms each way around the roams' outages, in the clear or
//! encrypted.

use super::frames;
use super::sim::{KeyMgmt, Phone, Sim, Tag};
use super::{MS, US, VOICE_PERIOD};

impl Sim {
    /// The voice packets of a phone's call, both directions, around its outages.
    pub(super) fn voice(&mut self, p: usize) {
        for dir in 0..2 {
            let offset = self.rng.range(0, 20_000) * US;
            self.voice_until(p, dir, offset, 0, i64::MAX);
        }
    }

    /// Voice packets `k`.. of one direction of a phone's call whose nominal time is before
    /// `until`; returns the next `k`.
    pub(super) fn voice_until(
        &mut self,
        p: usize,
        dir: usize,
        offset: i64,
        first_k: u64,
        until: i64,
    ) -> u64 {
        let uplink = dir == 0;
        let (start, end) = self.phones[p].call;
        let near_roam = |ph: &Phone, t: i64| {
            ph.outages
                .iter()
                .any(|&(a, b)| t > a - 400 * MS && t < b + 400 * MS)
        };
        let mut k = first_k;
        {
            loop {
                let nominal = start + offset + k as i64 * VOICE_PERIOD;
                if nominal >= end || nominal >= until {
                    break;
                }
                let ph = &self.phones[p];
                let silent = ph.outages.iter().any(|&(a, b)| nominal >= a && nominal < b);
                let failed = ph
                    .failed
                    .iter()
                    .find(|&&(a, b, _)| !uplink && nominal >= a && nominal < b)
                    .map(|&(_, _, ap)| ap);
                if let Some(old) = failed {
                    // The old AP tries the packet and all its retries (the phone is gone).
                    let t = nominal + self.rng.range(0, 400) * US;
                    let tries = self.rng.range(3, 8) as u32;
                    self.rtp_tries(t, p, old, uplink, k, tries);
                } else if !silent {
                    let mut t = nominal + self.rng.range(0, 400) * US;
                    let ph = &self.phones[p];
                    if ph.reorder_one_in > 0
                        && !near_roam(ph, nominal)
                        && nominal + 2 * VOICE_PERIOD < end
                        && self.rng.chance(ph.reorder_one_in)
                    {
                        // Overtaken on the air by the next packet.
                        t += VOICE_PERIOD + 500 * US;
                    }
                    let ap = self.ap_at(p, nominal);
                    self.rtp(t, p, ap, uplink, k);
                }
                k += 1;
            }
        }
        k
    }

    /// Voice packet `k`, retransmitted when the channel decides.
    pub(super) fn rtp(&mut self, t: i64, p: usize, ap: usize, uplink: bool, k: u64) {
        self.rtp_tries(t, p, ap, uplink, k, 0);
    }

    /// Voice packet `k`; `tries` > 0 sends it exactly that many times (retries flagged), as
    /// an AP does to a station that no longer answers; 0 lets the channel decide.
    pub(super) fn rtp_tries(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        uplink: bool,
        k: u64,
        tries: u32,
    ) {
        let dir = usize::from(!uplink);
        let seq80211 = self.next_seq(p, uplink, ap);
        let ph = &self.phones[p];
        let mut f = frames::qos_data_header(
            uplink,
            false,
            ph.mac,
            self.aps[ap].bssid,
            self.gateway,
            seq80211,
            6,
        );
        if self.wep_key.is_some() && ph.km == KeyMgmt::Wep {
            // Real WEP (12.3.2) under the network's key.
            f[1] |= 0x40;
            let mut plain = Vec::with_capacity(220);
            self.rtp_payload(&mut plain, p, uplink, k);
            let body = self.wep_body(&plain);
            f.extend_from_slice(&body);
        } else if ph.encrypted && ph.km == KeyMgmt::Wep {
            // WEP (12.3.2): IV and key ID, then ciphertext and a 4-byte ICV.
            f[1] |= 0x40;
            let iv = (ph.pn as u32).to_le_bytes();
            f.extend_from_slice(&[iv[0], iv[1], iv[2], 0]);
            let key = ph.ssrc[dir] ^ (k as u32).wrapping_mul(0x9e37_79b9);
            f.extend((0..208 + 4).map(|i: u32| (key.rotate_left(i % 32) >> 3) as u8));
            self.phones[p].pn += 1;
        } else if let Some(key) = self.voice_key_tkip(p, ap, t) {
            // Real TKIP (12.5.2) under the PTK of the phone's last handshake with this AP: the
            // TSC in the extended IV header, the Michael MIC over DA, SA, priority and the
            // MSDU with the direction's Michael key, the ICV, RC4 with the phase-2 key.
            f[1] |= 0x40;
            let mut plain = Vec::with_capacity(240);
            self.rtp_payload(&mut plain, p, uplink, k);
            let tsc = self.phones[p].ccmp_pn[dir];
            self.phones[p].ccmp_pn[dir] += 1;
            let (station, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
            let (ta, da, sa) = if uplink {
                (station, self.gateway, station)
            } else {
                (bssid, station, self.gateway)
            };
            let mh = roamgap::crypto::tkip::michael_header(da.0, sa.0, 6);
            let body = roamgap::crypto::tkip::encrypt(&key, ta.0, !uplink, &mh, tsc, 0, &plain);
            f.extend_from_slice(&body);
        } else if let Some(tk) = self.voice_key(p, ap, t) {
            // Real CCMP under the PTK of the phone's last handshake with this AP.
            f[1] |= 0x40;
            let mut plain = Vec::with_capacity(240);
            self.rtp_payload(&mut plain, p, uplink, k);
            let pn = self.phones[p].ccmp_pn[dir];
            self.phones[p].ccmp_pn[dir] += 1;
            let body = roamgap::crypto::ccmp::encrypt(&tk, &f, pn, 0, &plain);
            f.extend_from_slice(&body);
        } else if ph.encrypted {
            // CCMP (12.5.3.2): header with PN and key ID, then ciphertext and an 8-byte MIC.
            f[1] |= 0x40;
            let pn = ph.pn.to_le_bytes();
            f.extend_from_slice(&[pn[0], pn[1], 0, 0x20, pn[2], pn[3], pn[4], pn[5]]);
            let key = ph.ssrc[dir] ^ (k as u32).wrapping_mul(0x9e37_79b9);
            f.extend((0..208 + 8).map(|i: u32| (key.rotate_left(i % 32) >> 3) as u8));
            self.phones[p].pn += 1;
        } else {
            self.rtp_payload(&mut f, p, uplink, k);
        }
        let radio = self.radio(t, p, ap, uplink);
        let tag = Tag::Rtp {
            phone: p,
            dir,
            k,
            ap,
            undelivered: tries > 0,
        };
        if tries == 0 {
            self.push(t, radio, f, tag);
            return;
        }
        let mut t = t;
        for i in 0..tries {
            let mut bytes = f.clone();
            if i > 0 {
                bytes[1] |= 0x08;
                t += self.rng.range(300, 900) * US;
            }
            self.queue(t, i > 0, radio, bytes, tag);
        }
    }

    /// LLC/SNAP, IPv4, UDP and RTP of voice packet `k` of a phone's call.
    pub(super) fn rtp_payload(&mut self, f: &mut Vec<u8>, p: usize, uplink: bool, k: u64) {
        let dir = usize::from(!uplink);
        self.ip_id = self.ip_id.wrapping_add(1);
        let ph = &self.phones[p];
        frames::llc_snap(f, 0x0800);
        let (src, dst, sport, dport) = if uplink {
            (ph.ip, ph.peer_ip, ph.port, ph.peer_port)
        } else {
            (ph.peer_ip, ph.ip, ph.peer_port, ph.port)
        };
        let seq = ph.seq0[dir].wrapping_add(k as u16);
        let ts = ph.ts0[dir].wrapping_add((k as u32).wrapping_mul(160));
        let flow = frames::UdpFlow {
            src,
            dst,
            sport,
            dport,
            tos: 0xb8,
        };
        frames::ipv4_udp_rtp(f, flow, ph.ssrc[dir], seq, ts, self.ip_id, 160);
    }
}
