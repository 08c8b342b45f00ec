//! The real cryptography of encrypted captures: 4-way handshake keys (CCMP, TKIP, FT, SAE), the FT
//! key hierarchy and its elements, WEP bodies, and the key protecting each voice frame.

use super::frames;
use super::sim::{KeyMgmt, Sim};
use super::{Rng, MS};

/// A phone's FT key hierarchy (12.7.1.7): R0KH-ID, PMK-R0 and PMKR0Name.
#[derive(Clone)]
pub(super) struct FtKeys {
    pub(super) r0kh: Vec<u8>,
    pub(super) pmk_r0: [u8; 32],
    pub(super) r0_name: [u8; 16],
}

/// The keys of a fast transition in progress, from its authentication to its reassociation.
pub(super) struct FtPending {
    pub(super) ap: usize,
    pub(super) anonce: [u8; 32],
    pub(super) snonce: [u8; 32],
    pub(super) ptk: roamgap::crypto::kdf::Ptk,
    pub(super) r1_name: [u8; 16],
}

/// The mobility domain of every FT network the generator writes.
pub(super) const MDID: u16 = 0x4d2;

/// The keys of one real 4-way handshake.
pub(super) struct HandshakeKeys {
    pub(super) anonce: [u8; 32],
    pub(super) snonce: [u8; 32],
    pub(super) ptk: roamgap::crypto::kdf::Ptk,
    /// The station's RSN element (M2's key data).
    pub(super) rsn: Vec<u8>,
    /// M3's key data, wrapped with the KEK (RC4-encrypted with it for TKIP).
    pub(super) wrapped: Vec<u8>,
    /// Key descriptor version: 2 (HMAC-SHA1, AES key wrap) or 3 (AES-CMAC, for FT); 1
    /// (HMAC-MD5, RC4) for TKIP.
    pub(super) version: u8,
    /// TKIP only: the EAPOL-Key IV of message 3 and the PTK's Michael keys.
    pub(super) tkip: Option<([u8; 16], [u8; 16])>,
}

/// The keys of a network whose PSK phones' voice is really encrypted: handshakes with real
/// nonces and MICs, CCMP with the PTK of each. Its own random stream, so the frames' timing
/// is that of the same scenario in the clear.
pub(super) struct SimCrypto {
    pub(super) passphrase: String,
    pub(super) pmk: [u8; 32],
    pub(super) rng: Rng,
    pub(super) gtk: [u8; 16],
    /// The PMK of each SAE exchange, in order.
    pub(super) sae_pmks: Vec<[u8; 32]>,
    /// `--cipher tkip`: the PSK phones' voice is TKIP (12.5.2) and the network's group key
    /// this 32-octet TKIP GTK (TK, then the Michael keys).
    pub(super) tkip_gtk: Option<[u8; 32]>,
}

impl SimCrypto {
    /// The network's keys from its passphrase and SSID; an error for a passphrase WPA2 does
    /// not accept (8 to 63 printable ASCII characters).
    pub(super) fn new(seed: u64, passphrase: &str, ssid: &str) -> Result<SimCrypto, String> {
        let pmk = roamgap::crypto::kdf::pmk_from_passphrase(passphrase.as_bytes(), ssid.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut rng = Rng(seed ^ 0x6363_6d70_6b65_7973);
        let mut gtk = [0u8; 16];
        for chunk in gtk.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next().to_le_bytes());
        }
        Ok(SimCrypto {
            passphrase: passphrase.to_string(),
            pmk,
            rng,
            gtk,
            sae_pmks: Vec::new(),
            tkip_gtk: None,
        })
    }
}

/// The keys of a real TKIP 4-way handshake (12.7.6), key descriptor version 1: the 512-bit
/// PTK (12.7.1.3), the station's RSN element with TKIP suites (M2's key data), and M3's key
/// data, the AP's RSN element and the 32-octet TKIP GTK in a GTK KDE (12.7.2, key 1, Tx),
/// RC4-encrypted with the EAPOL-Key IV and the KEK, the first 256 octets of keystream
/// discarded (12.7.2, Key Data field). `iv_seed` gives M3's EAPOL-Key IV.
#[allow(clippy::too_many_arguments)]
pub(super) fn tkip_handshake_keys(
    pmk: &[u8; 32],
    aa: [u8; 6],
    spa: [u8; 6],
    anonce: [u8; 32],
    snonce: [u8; 32],
    akm: [u8; 4],
    gtk: &[u8; 32],
    iv_seed: [u8; 32],
) -> HandshakeKeys {
    use rc4::{consts::U32, KeyInit, Rc4, StreamCipher};
    let (ptk, mic) = roamgap::crypto::kdf::pairwise_ptk_tkip(pmk, aa, spa, &anonce, &snonce);
    let mut rsn = Vec::new();
    frames::rsn_element_cipher(&mut rsn, 2, akm, None);
    let mut data = rsn.clone();
    data.extend_from_slice(&[0xdd, 38, 0x00, 0x0f, 0xac, 0x01, 0x01, 0x00]);
    data.extend_from_slice(gtk);
    let mut key_iv = [0u8; 16];
    key_iv.copy_from_slice(&iv_seed[..16]);
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&key_iv);
    k[16..].copy_from_slice(&ptk.kek);
    let mut rc4 = Rc4::<U32>::new(&k.into());
    rc4.apply_keystream(&mut [0u8; 256]);
    rc4.apply_keystream(&mut data);
    HandshakeKeys {
        anonce,
        snonce,
        ptk,
        rsn,
        wrapped: data,
        version: 1,
        tkip: Some((key_iv, mic)),
    }
}

impl Sim {
    /// Phone `p`'s voice is really TKIP-encrypted: a WPA2-PSK phone (not FT, not SAE: both
    /// need CCMP) on a network written with `--cipher tkip`.
    pub(super) fn tkip(&self, p: usize) -> bool {
        let ph = &self.phones[p];
        ph.km == KeyMgmt::Psk
            && ph.ccmp()
            && self.crypto.as_ref().is_some_and(|c| c.tkip_gtk.is_some())
    }

    /// A WEP body (12.3.2.2: IV, key ID 0, then RC4 of the data and its ICV) under the
    /// network's key and its next IV; without a key, bytes of the same shape.
    pub(super) fn wep_body(&mut self, plain: &[u8]) -> Vec<u8> {
        let iv = self.wep_iv.to_le_bytes();
        self.wep_iv = (self.wep_iv + 1) & 0xff_ffff;
        let iv = [iv[0], iv[1], iv[2]];
        match &self.wep_key {
            Some(key) => roamgap::crypto::wep::encrypt(key, iv, 0, plain)
                .expect("WEP keys are checked by generate_wep"),
            None => {
                let mut b = vec![iv[0], iv[1], iv[2], 0];
                let n = plain.len() + roamgap::crypto::wep::ICV_LEN;
                b.extend((0..n).map(|_| self.wep_rng.next() as u8));
                b
            }
        }
    }

    /// Makes sure an FT phone with real keys has its hierarchy's top, which comes from its
    /// first association (written later, at the start of the capture, with the same R0KH).
    pub(super) fn ft_keys_for(&mut self, p: usize) {
        if self.crypto.is_some()
            && self.phones[p].km.ft()
            && self.phones[p].ccmp()
            && self.phones[p].ft_keys.is_none()
        {
            let first = self.phones[p].attachments[0].1;
            self.ft_initial(p, first);
        }
    }

    /// The top of an FT-PSK phone's key hierarchy, derived at its first association with
    /// `ap` (the R0KH).
    pub(super) fn ft_initial(&mut self, p: usize, ap: usize) {
        let Some(c) = &self.crypto else { return };
        let r0kh = format!("r0kh-{}", self.aps[ap].bssid).into_bytes();
        let (pmk_r0, r0_name) = roamgap::crypto::kdf::pmk_r0(
            &c.pmk,
            self.ssid.as_bytes(),
            MDID.to_le_bytes(),
            &r0kh,
            self.phones[p].mac.0,
        );
        self.phones[p].ft_keys = Some(FtKeys {
            r0kh,
            pmk_r0,
            r0_name,
        });
    }

    /// PMK-R1 and PMKR1Name of phone `p` for AP `ap` (its R1KH-ID is its BSSID).
    pub(super) fn ft_r1(&self, p: usize, ap: usize) -> Option<([u8; 32], [u8; 16])> {
        let k = self.phones[p].ft_keys.as_ref()?;
        Some(roamgap::crypto::kdf::pmk_r1(
            &k.pmk_r0,
            &k.r0_name,
            self.aps[ap].bssid.0,
            self.phones[p].mac.0,
        ))
    }

    /// A nonce from the network's own random stream (zeros in the clear).
    pub(super) fn crypto_nonce(&mut self) -> [u8; 32] {
        let mut n = [0u8; 32];
        if let Some(c) = self.crypto.as_mut() {
            for chunk in n.chunks_mut(8) {
                chunk.copy_from_slice(&c.rng.next().to_le_bytes());
            }
        }
        n
    }

    /// FT authentication over the air (13.5.2) with real keys: the request names PMKR0Name
    /// and carries the SNonce and R0KH-ID, the response adds the ANonce and R1KH-ID. The PTK
    /// (12.7.1.7.5) waits in `ft_pending` for the reassociation.
    pub(super) fn ft_auth_elements(
        &mut self,
        p: usize,
        ap: usize,
        req: &mut Vec<u8>,
        resp: &mut Vec<u8>,
    ) {
        let Some(k) = self.phones[p].ft_keys.clone() else {
            return;
        };
        let Some((r1, r1_name)) = self.ft_r1(p, ap) else {
            return;
        };
        let (snonce, anonce) = (self.crypto_nonce(), self.crypto_nonce());
        let (bssid, sta, akm) = (
            self.aps[ap].bssid.0,
            self.phones[p].mac.0,
            self.phones[p].km.akm(),
        );
        let ptk = roamgap::crypto::kdf::ft_ptk(&r1, &snonce, &anonce, bssid, sta);
        frames::rsn_element(req, akm, Some(k.r0_name));
        frames::mobility_domain_element(req, MDID);
        frames::FtElement {
            element_count: 0,
            mic: [0; 16],
            anonce: [0; 32],
            snonce,
            r1kh: None,
            gtk: None,
            r0kh: Some(&k.r0kh),
        }
        .write(req);
        frames::rsn_element(resp, akm, Some(k.r0_name));
        frames::mobility_domain_element(resp, MDID);
        frames::FtElement {
            element_count: 0,
            mic: [0; 16],
            anonce,
            snonce,
            r1kh: Some(bssid),
            gtk: None,
            r0kh: Some(&k.r0kh),
        }
        .write(resp);
        self.ft_pending = Some(FtPending {
            ap,
            anonce,
            snonce,
            ptk,
            r1_name,
        });
    }

    /// The RSN, mobility domain and FT elements of an FT-PSK phone's (re)association request
    /// and response with real keys. Initial association: the response names the R0KH and R1KH.
    /// Fast transition: PMKR1Name, the nonces, and the FTE MIC (12.8.4, 12.8.5: AES-CMAC with
    /// the KCK over STA, BSSID, transaction sequence 5 or 6, RSNE, MDE and FTE); the response
    /// also carries the GTK, wrapped with the KEK.
    pub(super) fn ft_elements(
        &self,
        p: usize,
        ap: usize,
        pending: Option<&FtPending>,
    ) -> (Vec<u8>, Vec<u8>) {
        let (akm, sta, bssid) = (
            self.phones[p].km.akm(),
            self.phones[p].mac.0,
            self.aps[ap].bssid.0,
        );
        let r0kh = self.phones[p]
            .ft_keys
            .as_ref()
            .map(|k| k.r0kh.clone())
            .unwrap_or_default();
        let Some(f) = pending else {
            let mut req = Vec::new();
            frames::rsn_element(&mut req, akm, None);
            frames::mobility_domain_element(&mut req, MDID);
            let mut resp = Vec::new();
            frames::rsn_element(&mut resp, akm, None);
            frames::mobility_domain_element(&mut resp, MDID);
            frames::FtElement {
                element_count: 0,
                mic: [0; 16],
                anonce: [0; 32],
                snonce: [0; 32],
                r1kh: Some(bssid),
                gtk: None,
                r0kh: Some(&r0kh),
            }
            .write(&mut resp);
            return (req, resp);
        };
        let gtk = self.crypto.as_ref().map(|c| c.gtk).unwrap_or_default();
        let mut wrapped = [0u8; 24];
        let _ = aes_kw::KekAes128::from(f.ptk.kek).wrap(&gtk, &mut wrapped);
        // GTK subelement (9.4.2.47): Key Info (key ID 1), Key Length, RSC, wrapped key.
        let mut gtk_sub = vec![0x01, 0x00, 16];
        gtk_sub.extend_from_slice(&[0u8; 8]);
        gtk_sub.extend_from_slice(&wrapped);
        let build = |seq: u8, gtk: Option<&[u8]>| {
            let mut rsne = Vec::new();
            frames::rsn_element(&mut rsne, akm, Some(f.r1_name));
            let mut mde = Vec::new();
            frames::mobility_domain_element(&mut mde, MDID);
            let fte = |mic: &[u8; 16]| {
                let mut v = Vec::new();
                frames::FtElement {
                    element_count: 3,
                    mic: *mic,
                    anonce: f.anonce,
                    snonce: f.snonce,
                    r1kh: Some(bssid),
                    gtk,
                    r0kh: Some(&r0kh),
                }
                .write(&mut v);
                v
            };
            let mut macd = Vec::with_capacity(128);
            macd.extend_from_slice(&sta);
            macd.extend_from_slice(&bssid);
            macd.push(seq);
            macd.extend_from_slice(&rsne);
            macd.extend_from_slice(&mde);
            macd.extend_from_slice(&fte(&[0; 16]));
            let mic =
                roamgap::crypto::handshake::eapol_mic(&f.ptk.kck, 3, &macd).unwrap_or_default();
            let mut out = rsne;
            out.extend_from_slice(&mde);
            out.extend_from_slice(&fte(&mic));
            out
        };
        (build(5, None), build(6, Some(&gtk_sub)))
    }

    /// The keys of a real handshake between phone `p` and AP `ap` (None in the clear): nonces
    /// from the network's own random stream, the PTK, and M3's wrapped RSN element and GTK.
    pub(super) fn handshake_keys(&mut self, p: usize, ap: usize) -> Option<HandshakeKeys> {
        if !self.phones[p].ccmp() {
            return None;
        }
        let (sta, bssid, akm) = (
            self.phones[p].mac,
            self.aps[ap].bssid,
            self.phones[p].km.akm(),
        );
        let ft = self.phones[p].km.ft();
        let r1 = if ft { Some(self.ft_r1(p, ap)?) } else { None };
        let ft_resp = ft.then(|| self.ft_elements(p, ap, None).1);
        let r0kh_ok = self.phones[p].ft_keys.is_some();
        let sae = self.phones[p].km == KeyMgmt::Sae;
        let tkip = self.tkip(p);
        let c = self.crypto.as_mut()?;
        let mut nonce = || {
            let mut n = [0u8; 32];
            for chunk in n.chunks_mut(8) {
                chunk.copy_from_slice(&c.rng.next().to_le_bytes());
            }
            n
        };
        let (anonce, snonce) = (nonce(), nonce());
        if let (true, Some(gtk)) = (tkip, c.tkip_gtk) {
            return Some(tkip_handshake_keys(
                &c.pmk,
                bssid.0,
                sta.0,
                anonce,
                snonce,
                akm,
                &gtk,
                nonce(),
            ));
        }
        let (ptk, rsn) = match (r1, ft_resp) {
            // FT initial mobility domain association (13.4.2): the PTK from PMK-R1, the key
            // data naming PMKR1Name with the MDE and FTE of the association response.
            (Some((r1, r1_name)), Some(resp)) if r0kh_ok => {
                let ptk = roamgap::crypto::kdf::ft_ptk(&r1, &snonce, &anonce, bssid.0, sta.0);
                let mut kd = Vec::new();
                frames::rsn_element(&mut kd, akm, Some(r1_name));
                // The MDE and FTE as the association response gave them (after its RSNE).
                let rsne_len = 2 + usize::from(resp[1]);
                kd.extend_from_slice(&resp[rsne_len..]);
                (ptk, kd)
            }
            // SAE (12.4): each SAE exchange gives a fresh PMK (no passphrase derives it; the
            // truth lists them), and the PTK comes from KDF-SHA256.
            _ if sae => {
                let mut pmk = [0u8; 32];
                for chunk in pmk.chunks_mut(8) {
                    chunk.copy_from_slice(&c.rng.next().to_le_bytes());
                }
                c.sae_pmks.push(pmk);
                (
                    roamgap::crypto::kdf::pairwise_ptk(
                        roamgap::crypto::kdf::KeyHash::Sha256,
                        &pmk,
                        bssid.0,
                        sta.0,
                        &anonce,
                        &snonce,
                    ),
                    frames::rsn_key_data(akm),
                )
            }
            _ => (
                roamgap::crypto::kdf::pairwise_ptk(
                    roamgap::crypto::kdf::KeyHash::Sha1,
                    &c.pmk,
                    bssid.0,
                    sta.0,
                    &anonce,
                    &snonce,
                ),
                frames::rsn_key_data(akm),
            ),
        };
        // M3's key data (12.7.6.4): the AP's RSN element and the GTK KDE (key 1, Tx), padded
        // to a multiple of 8 and wrapped with the KEK (RFC 3394).
        let mut plain = rsn.clone();
        plain.extend_from_slice(&[0xdd, 22, 0x00, 0x0f, 0xac, 0x01, 0x01, 0x00]);
        plain.extend_from_slice(&c.gtk);
        if plain.len() % 8 != 0 {
            plain.push(0xdd);
            while plain.len() % 8 != 0 {
                plain.push(0);
            }
        }
        let mut wrapped = vec![0u8; plain.len() + 8];
        aes_kw::KekAes128::from(ptk.kek)
            .wrap(&plain, &mut wrapped)
            .ok()?;
        Some(HandshakeKeys {
            anonce,
            snonce,
            ptk,
            rsn,
            wrapped,
            // AES-CMAC for FT; defined by the AKM (0: AES-CMAC) for SAE.
            version: if ft {
                3
            } else if sae {
                0
            } else {
                2
            },
            tkip: None,
        })
    }

    /// An initial association and 4-way handshake with `ap` just after the capture starts, so
    /// that the voice before the first roam is under a key the capture shows. Drawn from the
    /// network's own random stream: the rest of the scenario is timed as in the clear.
    pub(super) fn initial_handshake(&mut self, p: usize, ap: usize) {
        if self.crypto.is_none() || !self.phones[p].ccmp() {
            return;
        }
        let saved = self.rng.clone();
        let t = self.start + 5 * MS + p as i64 * 3 * MS;
        let t = self.associate(t, p, None, ap, false, false, false, 0, None);
        self.four_way(t + 2 * MS, p, ap, None, 0);
        self.rng = saved;
    }

    /// The TK protecting a CCMP phone's voice through `ap` at `t`: that of its last handshake
    /// with the AP before `t`.
    pub(super) fn voice_key(&self, p: usize, ap: usize, t: i64) -> Option<[u8; 16]> {
        if self.crypto.is_none() || !self.phones[p].ccmp() {
            return None;
        }
        // The handshakes are not recorded in time order (the first association is written
        // last): the newest with this AP before `t`.
        let with_ap = || self.phones[p].ptks.iter().filter(|(_, a, _)| *a == ap);
        with_ap()
            .filter(|(at, _, _)| *at <= t)
            .max_by_key(|(at, _, _)| *at)
            .or_else(|| with_ap().min_by_key(|(at, _, _)| *at))
            .map(|(_, _, ptk)| ptk.tk)
    }

    /// The TKIP key protecting a TKIP phone's voice through `ap` at `t` (12.7.1.3): the TK
    /// and Michael keys of its last handshake with the AP before `t`.
    pub(super) fn voice_key_tkip(
        &self,
        p: usize,
        ap: usize,
        t: i64,
    ) -> Option<roamgap::crypto::tkip::TkipKey> {
        if !self.tkip(p) {
            return None;
        }
        let with_ap = || self.phones[p].michael.iter().filter(|(_, a, _)| *a == ap);
        let (at, _, mic) = with_ap()
            .filter(|(at, _, _)| *at <= t)
            .max_by_key(|(at, _, _)| *at)
            .or_else(|| with_ap().min_by_key(|(at, _, _)| *at))?;
        let (_, _, ptk) = self.phones[p]
            .ptks
            .iter()
            .find(|(t2, a, _)| t2 == at && *a == ap)?;
        let mut b = [0u8; 32];
        b[..16].copy_from_slice(&ptk.tk);
        b[16..].copy_from_slice(mic);
        Some(roamgap::crypto::tkip::TkipKey::from_bytes(&b))
    }
}
