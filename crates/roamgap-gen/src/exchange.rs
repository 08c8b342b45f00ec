//! The exchanges a roam is made of: authentication (open, Shared Key, FT, SAE), FT over the DS,
//! scanning, (re)association, the 4-way handshake, EAP and ADDTS.

use super::frames::{self, KeyMsg};
use super::sim::{KeyMgmt, Mark, Sim, Tag};
use super::{MS, US};
use roamgap_wire::dot11::subtype as st;
use roamgap_wire::dot11::MacAddr;

impl Sim {
    /// Authentication with the new AP: open system, FT (`ft`), or SAE for an SAE phone.
    /// Returns the time of the AP's last frame.
    pub(super) fn auth(&mut self, t: i64, p: usize, ap: usize, ft: bool) -> i64 {
        self.auth_for(t, p, ap, ft, None)
    }

    pub(super) fn auth_for(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        ft: bool,
        roam: Option<usize>,
    ) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        if self.phones[p].km == KeyMgmt::Sae {
            return self.sae(t, p, ap, roam);
        }
        if self.shared_key && self.phones[p].km == KeyMgmt::Wep && !ft {
            return self.shared_key_auth(t, p, ap, roam);
        }
        let alg: u16 = if ft { 2 } else { 0 };
        let mut req = Vec::new();
        req.extend_from_slice(&alg.to_le_bytes());
        req.extend_from_slice(&1u16.to_le_bytes());
        req.extend_from_slice(&0u16.to_le_bytes());
        let mut resp = Vec::new();
        resp.extend_from_slice(&alg.to_le_bytes());
        resp.extend_from_slice(&2u16.to_le_bytes());
        resp.extend_from_slice(&0u16.to_le_bytes());
        if ft {
            self.ft_keys_for(p);
        }
        let real = ft && self.phones[p].ft_keys.is_some() && self.crypto.is_some();
        if real {
            self.ft_auth_elements(p, ap, &mut req, &mut resp);
        } else if ft {
            let km = self.phones[p].km;
            for body in [&mut req, &mut resp] {
                frames::rsn_element(body, km.akm(), Some([0x11; 16]));
                frames::mobility_domain_element(body, 0x4d2);
                frames::fast_transition_element(body, p as u8);
            }
        }
        self.mgmt(t, p, ap, st::AUTH, true, &req, mark(Mark::AuthStart));
        let t = t + self.rng.range(700, 1600) * US;
        self.mgmt(t, p, ap, st::AUTH, false, &resp, mark(Mark::AuthEnd));
        if real {
            if let Some(f) = &self.ft_pending {
                let ptk = f.ptk;
                self.phones[p].ptks.push((t, ap, ptk));
                self.phones[p].ccmp_pn = [1, 1];
            }
        }
        t
    }

    /// Shared Key authentication (12.3.3.3; frame body 9.3.3.12, algorithm 1 in 9.4.1.1): the
    /// phone's request (sequence 1), the AP's challenge text element (id 16, 128 octets,
    /// sequence 2), the phone's answer with the same challenge (sequence 3), WEP-encrypted
    /// with the Protected Frame bit set, and the AP's status (sequence 4). Returns the time of
    /// the AP's last frame.
    pub(super) fn shared_key_auth(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        roam: Option<usize>,
    ) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        let fixed = |seq: u16| {
            let mut b = Vec::new();
            for v in [1u16, seq, 0] {
                b.extend_from_slice(&v.to_le_bytes());
            }
            b
        };
        let mut challenge = vec![0u8; 128];
        for chunk in challenge.chunks_mut(8) {
            chunk.copy_from_slice(&self.wep_rng.next().to_le_bytes());
        }
        self.mgmt(t, p, ap, st::AUTH, true, &fixed(1), mark(Mark::AuthStart));
        let t = t + self.rng.range(700, 1600) * US;
        let mut second = fixed(2);
        frames::element(&mut second, 16, &challenge);
        self.mgmt(t, p, ap, st::AUTH, false, &second, Tag::None);
        let t = t + self.rng.range(300, 800) * US;
        let mut third = fixed(3);
        frames::element(&mut third, 16, &challenge);
        let seq = self.next_seq(p, true, ap);
        let (sta, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
        let mut f = frames::mgmt_header(st::AUTH, false, bssid, sta, bssid, seq);
        f[1] |= 0x40;
        let body = self.wep_body(&third);
        f.extend_from_slice(&body);
        let radio = self.radio(t, p, ap, true);
        self.push(t, radio, f, Tag::None);
        let t = t + self.rng.range(700, 1600) * US;
        self.mgmt(t, p, ap, st::AUTH, false, &fixed(4), mark(Mark::AuthEnd));
        t
    }

    /// SAE (12.4): commit from both sides (group 19: 32-byte scalar, 64-byte element), then
    /// confirm from both. Returns the time of the AP's confirm.
    pub(super) fn sae(&mut self, t: i64, p: usize, ap: usize, roam: Option<usize>) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        let mut t = t;
        for (i, (from_station, seq)) in [(true, 1u16), (false, 1), (true, 2), (false, 2)]
            .into_iter()
            .enumerate()
        {
            let mut body = Vec::new();
            body.extend_from_slice(&3u16.to_le_bytes());
            body.extend_from_slice(&seq.to_le_bytes());
            body.extend_from_slice(&0u16.to_le_bytes());
            let fill = self.rng.next();
            if seq == 1 {
                body.extend_from_slice(&19u16.to_le_bytes());
                body.extend((0..96u64).map(|j| (fill.rotate_left(j as u32 % 64) >> 7) as u8));
            } else {
                body.extend_from_slice(&1u16.to_le_bytes());
                body.extend((0..32u64).map(|j| (fill.rotate_left(j as u32 % 64) >> 5) as u8));
            }
            let tag = match i {
                0 => mark(Mark::AuthStart),
                3 => mark(Mark::AuthEnd),
                _ => Tag::None,
            };
            self.mgmt(t, p, ap, st::AUTH, from_station, &body, tag);
            if i < 3 {
                // Commits take the elliptic-curve work: a few ms each.
                t += if from_station {
                    self.rng.range(600, 1500) * US
                } else {
                    self.rng.range(3, 9) * MS
                };
            }
        }
        t
    }

    /// FT over the DS (13.8): FT Request and Response through the old AP, naming the target.
    /// Returns the response's time.
    pub(super) fn ft_over_ds(
        &mut self,
        t: i64,
        p: usize,
        old: usize,
        target: usize,
        roam: usize,
    ) -> i64 {
        let (sta, target_mac) = (self.phones[p].mac, self.aps[target].bssid);
        let mut req = vec![6, 1];
        req.extend_from_slice(&sta.0);
        req.extend_from_slice(&target_mac.0);
        let mut resp = vec![6, 2];
        resp.extend_from_slice(&sta.0);
        resp.extend_from_slice(&target_mac.0);
        resp.extend_from_slice(&0u16.to_le_bytes());
        let km = self.phones[p].km;
        self.ft_keys_for(p);
        let real = self.phones[p].ft_keys.is_some() && self.crypto.is_some();
        if real {
            // The same elements as an FT authentication over the air (13.6.2).
            self.ft_auth_elements(p, target, &mut req, &mut resp);
        } else {
            for body in [&mut req, &mut resp] {
                frames::rsn_element(body, km.akm(), Some([0x11; 16]));
                frames::mobility_domain_element(body, 0x4d2);
                frames::fast_transition_element(body, p as u8);
            }
        }
        let tag = |m| Tag::Roam { roam, mark: m };
        self.mgmt(t, p, old, st::ACTION, true, &req, tag(Mark::AuthStart));
        let t = t + self.rng.range(4, 12) * MS;
        self.mgmt(t, p, old, st::ACTION, false, &resp, tag(Mark::AuthEnd));
        if real {
            if let Some(f) = &self.ft_pending {
                let ptk = f.ptk;
                self.phones[p].ptks.push((t, target, ptk));
                self.phones[p].ccmp_pn = [1, 1];
            }
        }
        t
    }

    /// The phone scans before it roams: a probe request on each of a few channels (the new
    /// AP's last), answered by the AP there. Returns when it is done.
    pub(super) fn scan(&mut self, t: i64, p: usize, from: usize, to: usize, roam: usize) -> i64 {
        let mut aps: Vec<usize> = (0..self.aps.len())
            .filter(|&a| a != from && a != to)
            .collect();
        aps.truncate(self.rng.range(1, 3) as usize);
        aps.push(to);
        let mut t = t;
        for ap in aps {
            let seq = self.next_seq(p, true, ap);
            let sta = self.phones[p].mac;
            let mut f = frames::mgmt_header(
                st::PROBE_REQ,
                false,
                MacAddr::BROADCAST,
                sta,
                MacAddr::BROADCAST,
                seq,
            );
            frames::element(&mut f, 0, self.ssid.as_bytes());
            frames::element(&mut f, 1, &self.aps[ap].rates());
            let radio = self.radio(t, p, ap, true);
            self.push(
                t,
                radio,
                f,
                Tag::Roam {
                    roam,
                    mark: Mark::Probe,
                },
            );
            let t_resp = t + self.rng.range(400, 1500) * US;
            let mut body = Vec::new();
            body.extend_from_slice(&0u64.to_le_bytes());
            body.extend_from_slice(&100u16.to_le_bytes());
            body.extend_from_slice(&self.capability(p).to_le_bytes());
            frames::element(&mut body, 0, self.ssid.as_bytes());
            frames::element(&mut body, 1, &self.aps[ap].rates());
            frames::element(&mut body, 3, &[self.aps[ap].channel]);
            self.mgmt(t_resp, p, ap, st::PROBE_RESP, false, &body, Tag::None);
            t += self.rng.range(8, 20) * MS;
        }
        t
    }

    /// (Re)association request and response; returns the response time.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn associate(
        &mut self,
        t: i64,
        p: usize,
        from: Option<usize>,
        to: usize,
        cckm_req: bool,
        cckm_resp: bool,
        tspec: bool,
        status: u16,
        roam: Option<usize>,
    ) -> i64 {
        let km = self.phones[p].km;
        let mut req = Vec::new();
        req.extend_from_slice(&self.capability(p).to_le_bytes());
        req.extend_from_slice(&10u16.to_le_bytes());
        if let Some(f) = from {
            req.extend_from_slice(&self.aps[f].bssid.0);
        }
        let ssid = self.ssid.clone();
        frames::basic_elements(&mut req, &ssid, None);
        let real_ft = km.ft() && self.crypto.is_some() && self.phones[p].ccmp();
        if real_ft && from.is_none() {
            // FT initial mobility domain association (13.4.2): the hierarchy's top is derived
            // with this AP as R0KH.
            self.ft_initial(p, to);
        }
        let pending = if real_ft && from.is_some() {
            self.ft_pending.take().filter(|f| f.ap == to)
        } else {
            None
        };
        let ft_elements = real_ft.then(|| self.ft_elements(p, to, pending.as_ref()));
        if let Some((req_ies, _)) = &ft_elements {
            req.extend_from_slice(req_ies);
        } else if km.rsn() {
            // FT and OKC name the cached key (PMKR0Name / PMKID) in the RSN element.
            let pmkid = if km.ft() {
                Some([0x11; 16])
            } else if km == KeyMgmt::Okc {
                let mut id = [0x5a; 16];
                id[0] = p as u8;
                Some(id)
            } else {
                None
            };
            if self.tkip(p) {
                frames::rsn_element_cipher(&mut req, 2, km.akm(), pmkid);
            } else {
                frames::rsn_element(&mut req, km.akm(), pmkid);
            }
        }
        if km.ft() && ft_elements.is_none() {
            frames::mobility_domain_element(&mut req, 0x4d2);
            frames::fast_transition_element(&mut req, p as u8);
        }
        if cckm_req {
            let ts = (t / 1000) as u64;
            frames::cckm_element(&mut req, Some((ts, self.roams.len() as u32 + 1)));
        }
        if tspec {
            frames::wmm_tspec_element(&mut req, 6, 6, 3);
        }
        let (req_st, resp_st) = if from.is_some() {
            (st::REASSOC_REQ, st::REASSOC_RESP)
        } else {
            (st::ASSOC_REQ, st::ASSOC_RESP)
        };
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        self.mgmt(t, p, to, req_st, true, &req, mark(Mark::Request));
        let mut resp = Vec::new();
        resp.extend_from_slice(&self.capability(p).to_le_bytes());
        resp.extend_from_slice(&status.to_le_bytes());
        resp.extend_from_slice(&(0xc000u16 | (p as u16 + 1)).to_le_bytes());
        frames::element(&mut resp, 1, &self.aps[to].rates());
        if let (Some((_, resp_ies)), 0) = (&ft_elements, status) {
            resp.extend_from_slice(resp_ies);
        } else if km.ft() && status == 0 {
            frames::rsn_element(&mut resp, km.akm(), Some([0x11; 16]));
            frames::mobility_domain_element(&mut resp, 0x4d2);
            frames::fast_transition_element(&mut resp, p as u8);
        }
        if cckm_resp {
            frames::cckm_element(&mut resp, None);
        }
        if self.silent_ap {
            return t;
        }
        let t = t + if self.slow_response {
            self.rng.range(55, 75) * MS
        } else {
            self.rng.range(1800, 3200) * US
        };
        self.mgmt(t, p, to, resp_st, false, &resp, mark(Mark::Response));
        t
    }

    /// The 4-way handshake; `late_m1_retries` M1s go unanswered first. Returns M4's time.
    pub(super) fn four_way(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        roam: Option<usize>,
        late_m1_retries: u32,
    ) -> i64 {
        let mark = |m| roam.map_or(Tag::None, |r| Tag::Roam { roam: r, mark: m });
        let mut t = t;
        let mut replay = self.rng.range(1, 50) as u64;
        let nonce = self.rng.next() as u8;
        let keys = self.handshake_keys(p, ap);
        let key_msg = |msg: KeyMsg, replay: u64, out: &mut Vec<u8>| {
            let Some(k) = &keys else {
                return frames::eapol_key(out, msg, replay, nonce);
            };
            // Message 2 carries the station's nonce and RSN element, message 3 the AP's nonce
            // and the wrapped key data; the others the AP's nonce and nothing.
            let (nonce, data): (&[u8; 32], &[u8]) = match msg {
                KeyMsg::M2 => (&k.snonce, &k.rsn),
                KeyMsg::M3 => (&k.anonce, &k.wrapped),
                _ => (&k.anonce, &[]),
            };
            match &k.tkip {
                // The IV is that of message 3's key data; the others carry none.
                Some((key_iv, _)) => frames::eapol_key_signed_tkip(
                    out,
                    msg,
                    replay,
                    nonce,
                    data,
                    &k.ptk.kck,
                    if msg == KeyMsg::M3 { key_iv } else { &[0; 16] },
                ),
                None => {
                    frames::eapol_key_signed(out, msg, replay, nonce, data, &k.ptk.kck, k.version)
                }
            }
        };
        for _ in 0..late_m1_retries {
            let mut m1 = Vec::new();
            key_msg(KeyMsg::M1, replay, &mut m1);
            self.eapol(t, p, ap, false, &m1, mark(Mark::M1));
            replay += 1;
            t += 1000 * MS + self.rng.range(0, 3000) * US;
        }
        for (msg, from_station, m) in [
            (KeyMsg::M1, false, Some(Mark::M1)),
            (KeyMsg::M2, true, None),
            (KeyMsg::M3, false, None),
            (KeyMsg::M4, true, Some(Mark::M4)),
        ] {
            let mut payload = Vec::new();
            // M3 and M4 carry the next replay counter (12.7.6.4); the clear scenarios keep
            // the counters they always had.
            if msg == KeyMsg::M3 && keys.is_some() {
                replay += 1;
            }
            key_msg(msg, replay, &mut payload);
            if msg == KeyMsg::M3 && keys.is_none() {
                replay += 1;
            }
            if msg == KeyMsg::M4 {
                if let Some(k) = &keys {
                    let ph = &mut self.phones[p];
                    ph.ptks.push((t, ap, k.ptk));
                    ph.ccmp_pn = [1, 1];
                    if let Some((_, mic)) = k.tkip {
                        ph.michael.push((t, ap, mic));
                    }
                }
            }
            self.eapol(t, p, ap, from_station, &payload, m.map_or(Tag::None, mark));
            if msg != KeyMsg::M4 {
                t += self.rng.range(1200, 3500) * US;
            }
        }
        t
    }

    /// EAPOL-Start, EAP identity, `rounds` method round trips, EAP-Success. Returns its time.
    pub(super) fn eap(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        rounds: u32,
        round_ms: (i64, i64),
        roam: usize,
    ) -> i64 {
        let mut t = t;
        let mut buf = Vec::new();
        frames::eapol_start(&mut buf);
        self.eapol(t, p, ap, true, &buf, Tag::None);
        let id = self.rng.next() as u8;
        t += self.rng.range(1500, 4000) * US;
        // (from station, code, type, data length, delay to the next packet)
        let mut steps: Vec<(bool, u8, Option<u8>, usize, i64)> = vec![
            (false, 1, Some(1), 0, self.rng.range(1500, 4000) * US),
            (true, 2, Some(1), 12, self.rng.range(10, 40) * MS),
        ];
        for _ in 0..rounds {
            steps.push((
                false,
                1,
                Some(25),
                self.rng.range(40, 1000) as usize,
                self.rng.range(2, 6) * MS,
            ));
            steps.push((
                true,
                2,
                Some(25),
                self.rng.range(40, 400) as usize,
                self.rng.range(round_ms.0, round_ms.1) * MS,
            ));
        }
        steps.push((false, 3, None, 0, 0));
        for (i, (from_station, code, eap_type, len, dt)) in steps.into_iter().enumerate() {
            let mut buf = Vec::new();
            // A request and its response share an identifier.
            frames::eap_packet(
                &mut buf,
                code,
                id.wrapping_add((i / 2) as u8),
                eap_type,
                len,
            );
            self.eapol(
                t,
                p,
                ap,
                from_station,
                &buf,
                Tag::Roam {
                    roam,
                    mark: Mark::Eap,
                },
            );
            t += dt;
        }
        t
    }

    pub(super) fn addts(&mut self, t: i64, p: usize, ap: usize, status: u8, roam: usize) -> i64 {
        self.dialog_token = self.dialog_token.wrapping_add(1);
        let token = self.dialog_token;
        for (response, st_byte) in [(false, 0u8), (true, status)] {
            let mut body = vec![17, u8::from(response), token, st_byte];
            frames::wmm_tspec_element(&mut body, 6, 6, 3);
            let tag = Tag::Roam {
                roam,
                mark: if response {
                    Mark::AddtsResponse(u16::from(status))
                } else {
                    Mark::AddtsRequest
                },
            };
            let t = if response {
                t + self.rng.range(1500, 5000) * US
            } else {
                t
            };
            self.mgmt(t, p, ap, st::ACTION, !response, &body, tag);
            if response {
                return t;
            }
        }
        t
    }
}
