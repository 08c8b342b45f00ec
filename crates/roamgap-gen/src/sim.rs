//! The simulated network: its APs and phones, the frame queue, and the frames every exchange is
//! made of (management, EAPOL, Null, beacons).

use super::frames;
use super::keys::{FtKeys, FtPending, SimCrypto};
use super::roam::{RoamKind, RoamPlan};
use super::writer::Radio;
use super::{Options, Rng, MS, US};
use roamgap::analysis::FastPath;
use roamgap_wire::dot11::ie::KeyManagement;
use roamgap_wire::dot11::subtype as st;
use roamgap_wire::dot11::MacAddr;

/// A phone's key management: what its roams are made of and what its frames carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyMgmt {
    Cckm,
    Psk,
    FtPsk,
    Dot1x,
    /// WPA3-Personal: SAE authentication, then the 4-way handshake.
    Sae,
    /// 802.1X with opportunistic key caching: a PMKID in the request, no EAP.
    Okc,
    /// FT-PSK over the DS: FT action frames through the old AP instead of authentication.
    FtDs,
    Open,
    Wep,
}

impl KeyMgmt {
    /// The key management the truth gives its roams (as the analysis names it).
    pub(super) fn key_management(self) -> KeyManagement {
        match self {
            KeyMgmt::Cckm => KeyManagement::Cckm,
            KeyMgmt::Psk => KeyManagement::Psk,
            KeyMgmt::FtPsk | KeyMgmt::FtDs => KeyManagement::FtPsk,
            KeyMgmt::Dot1x | KeyMgmt::Okc => KeyManagement::Dot1x,
            KeyMgmt::Sae => KeyManagement::Sae,
            KeyMgmt::Open => KeyManagement::Open,
            KeyMgmt::Wep => KeyManagement::Wep,
        }
    }
    /// The AKM suite of its RSN element; none for open and WEP.
    pub(super) fn akm(self) -> [u8; 4] {
        match self {
            KeyMgmt::Cckm => [0x00, 0x40, 0x96, 0x00],
            KeyMgmt::Psk => [0x00, 0x0f, 0xac, 2],
            KeyMgmt::FtPsk | KeyMgmt::FtDs => [0x00, 0x0f, 0xac, 4],
            KeyMgmt::Dot1x | KeyMgmt::Okc => [0x00, 0x0f, 0xac, 1],
            KeyMgmt::Sae => [0x00, 0x0f, 0xac, 8],
            KeyMgmt::Open | KeyMgmt::Wep => [0; 4],
        }
    }
    /// Its requests carry an RSN element.
    pub(super) fn rsn(self) -> bool {
        !matches!(self, KeyMgmt::Open | KeyMgmt::Wep)
    }
    /// 802.11r fast transition, over the air or over the DS.
    pub(super) fn ft(self) -> bool {
        matches!(self, KeyMgmt::FtPsk | KeyMgmt::FtDs)
    }
    /// The fast path its roams offer.
    pub(super) fn fast_path(self) -> FastPath {
        match self {
            KeyMgmt::Cckm => FastPath::Cckm,
            KeyMgmt::FtPsk => FastPath::FtOverTheAir,
            KeyMgmt::FtDs => FastPath::FtOverDs,
            KeyMgmt::Okc => FastPath::PmkCaching,
            KeyMgmt::Psk | KeyMgmt::Dot1x | KeyMgmt::Sae | KeyMgmt::Open | KeyMgmt::Wep => {
                FastPath::None
            }
        }
    }
    /// The kinds of roam a phone of this key management makes where they are drawn at random
    /// (`multi-phone`, `many-phones`, `big`).
    pub(super) fn kinds(self) -> &'static [RoamKind] {
        match self {
            KeyMgmt::Cckm => &[
                RoamKind::CckmOk,
                RoamKind::CckmMissingIe,
                RoamKind::AddtsRefused,
                RoamKind::AddtsOk,
                RoamKind::ReassocRefused,
            ],
            KeyMgmt::Psk => &[
                RoamKind::PskOk,
                RoamKind::PskLateM1,
                RoamKind::DeauthAfterRoam,
            ],
            KeyMgmt::FtPsk => &[RoamKind::FtOk],
            KeyMgmt::Dot1x => &[RoamKind::Dot1xFull],
            KeyMgmt::Sae => &[RoamKind::SaeOk, RoamKind::PskLateM1],
            KeyMgmt::Okc => &[RoamKind::OkcOk],
            KeyMgmt::FtDs => &[RoamKind::FtOk],
            KeyMgmt::Open | KeyMgmt::Wep => &[RoamKind::OpenOk],
        }
    }
}

/// An AP (one BSS).
pub(super) struct Ap {
    pub(super) bssid: MacAddr,
    pub(super) channel: u8,
    pub(super) freq: u16,
    pub(super) seq: u16,
    /// Its rates leave out 12 Mb/s.
    pub(super) no_12mbps: bool,
}

impl Ap {
    /// Its Supported Rates element (basic rates flagged), without 12 Mb/s when disabled.
    pub(super) fn rates(&self) -> Vec<u8> {
        let mut r = vec![0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24];
        if self.no_12mbps {
            r.retain(|&x| x != 0x18);
        }
        r
    }
}

/// A phone in a call, and what the scenario does to it.
pub(super) struct Phone {
    pub(super) mac: MacAddr,
    pub(super) ip: [u8; 4],
    pub(super) peer_ip: [u8; 4],
    pub(super) port: u16,
    pub(super) peer_port: u16,
    pub(super) ssrc: [u32; 2],
    /// RTP sequence number of packet 0, per direction.
    pub(super) seq0: [u16; 2],
    pub(super) ts0: [u32; 2],
    pub(super) km: KeyMgmt,
    pub(super) seq: u16,
    pub(super) call: (i64, i64),
    /// Outages: (phone leaves the old AP, voice may resume on the new one).
    pub(super) outages: Vec<(i64, i64)>,
    /// (time from which this AP carries the voice, AP index).
    pub(super) attachments: Vec<(i64, usize)>,
    pub(super) reorder_one_in: u64,
    /// Voice in CCMP-protected frames: RTP invisible, gaps measured from frame timing.
    pub(super) encrypted: bool,
    pub(super) pn: u64,
    pub(super) signal: i8,
    /// Probes other channels before each roam.
    pub(super) scans: bool,
    /// The old AP keeps trying to deliver downlink voice after the phone left.
    pub(super) old_ap_retries: bool,
    /// Holds on to its AP until the signal is very low.
    pub(super) sticky: bool,
    /// (from, until, AP): the phone is heard weakly through that AP.
    pub(super) weak: Vec<(i64, i64, usize)>,
    /// (from, until, old AP): downlink voice the old AP fails to deliver.
    pub(super) failed: Vec<(i64, i64, usize)>,
    /// Voice really CCMP-encrypted (a network with a passphrase): the PTK of each handshake
    /// (time of M4, AP) and the packet number per direction.
    pub(super) ptks: Vec<(i64, usize, roamgap::crypto::kdf::Ptk)>,
    pub(super) ccmp_pn: [u64; 2],
    /// With `--cipher tkip`: the Michael keys (PTK octets 48–63, 12.7.1.3) of each TKIP
    /// handshake, (time of M4, AP) as in `ptks`.
    pub(super) michael: Vec<(i64, usize, [u8; 16])>,
    /// FT-PSK with real keys: the top of its key hierarchy, from its first association.
    pub(super) ft_keys: Option<FtKeys>,
}

impl Phone {
    /// Its voice is really encrypted: a WPA2-PSK phone on a network with a passphrase.
    pub(super) fn ccmp(&self) -> bool {
        matches!(
            self.km,
            KeyMgmt::Psk | KeyMgmt::FtPsk | KeyMgmt::FtDs | KeyMgmt::Sae
        ) && !self.encrypted
    }
}

/// What a frame of a roam is to the truth: the plan marks them as it writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mark {
    Request,
    Response,
    M1,
    M4,
    Deauth(u16),
    AddtsResponse(u16),
    AddtsRequest,
    Probe,
    AuthStart,
    AuthEnd,
    Eap,
    /// The phone's own deauthentication of the new AP: it gives up.
    GiveUp(u16),
}

/// What a queued frame is, for the truth to read back once the frames are numbered.
#[derive(Clone, Copy, Debug)]
pub(super) enum Tag {
    None,
    Rtp {
        phone: usize,
        dir: usize,
        k: u64,
        ap: usize,
        /// Sent by an old AP to a phone that has left (the plan's failed deliveries): it
        /// never arrives.
        undelivered: bool,
    },
    Roam {
        roam: usize,
        mark: Mark,
    },
}

/// A frame queued for writing, at its time; `order` breaks ties.
pub(super) struct Pending {
    pub(super) t: i64,
    pub(super) order: u64,
    pub(super) retry: bool,
    pub(super) radio: Radio,
    pub(super) bytes: Vec<u8>,
    pub(super) tag: Tag,
}

/// The simulated network: its APs and phones, the roams planned, and the frames queued.
pub(super) struct Sim {
    pub(super) rng: Rng,
    pub(super) aps: Vec<Ap>,
    pub(super) phones: Vec<Phone>,
    pub(super) frames: Vec<Pending>,
    pub(super) roams: Vec<RoamPlan>,
    pub(super) gateway: MacAddr,
    pub(super) ssid: String,
    pub(super) start: i64,
    pub(super) duration: i64,
    pub(super) retry_one_in: u64,
    pub(super) dialog_token: u8,
    pub(super) ip_id: u16,
    /// Tie-break of frames queued at the same time: queueing order.
    pub(super) order: u64,
    /// Reassociation responses come 55-75 ms late.
    pub(super) slow_response: bool,
    /// The AP answers no (re)association request.
    pub(super) silent_ap: bool,
    /// Real WPA2-PSK protection of the PSK phones' voice (`--passphrase`).
    pub(super) crypto: Option<SimCrypto>,
    /// The fast transition whose authentication was just written.
    pub(super) ft_pending: Option<FtPending>,
    /// Real WEP protection of the WEP phones' frames (`--wep-key`).
    pub(super) wep_key: Option<Vec<u8>>,
    /// WEP phones authenticate with Shared Key (12.3.3.3) rather than Open System.
    pub(super) shared_key: bool,
    /// The WEP network's own random stream (challenge texts, IVs): the frames' timing is that
    /// of the same scenario in the clear.
    pub(super) wep_rng: Rng,
    /// The next WEP IV (a 24-bit counter).
    pub(super) wep_iv: u32,
    /// Group-addressed paging RTP from the phone's AP: (SSRC, frames written).
    pub(super) multicast: Option<(u32, u64)>,
    /// The CCMP packet number of each AP's group-addressed frames.
    pub(super) group_pn: Vec<u64>,
}

impl Sim {
    /// An empty network, 12 s long: its gateway and start time drawn from the seed.
    pub(super) fn new(options: &Options) -> Sim {
        let mut rng = Rng(options.seed ^ 0x726f_616d_6761_7000);
        let gateway = rng.mac([0x00, 0x1b, 0x2b]);
        let start = (1_780_000_000 + rng.range(0, 10_000_000)) * 1_000_000_000
            + rng.range(0, 1_000_000) * US;
        Sim {
            rng,
            aps: Vec::new(),
            phones: Vec::new(),
            frames: Vec::new(),
            roams: Vec::new(),
            gateway,
            ssid: "voice".into(),
            start,
            duration: 12_000 * MS,
            retry_one_in: 30,
            dialog_token: 0,
            ip_id: 1,
            order: 0,
            slow_response: false,
            silent_ap: false,
            crypto: None,
            ft_pending: None,
            wep_key: None,
            shared_key: false,
            wep_rng: Rng(options.seed ^ 0x7765_705f_6b65_7973),
            wep_iv: (Rng(options.seed ^ 0x7765_705f_6976_7300).next() & 0xff_ffff) as u32,
            multicast: None,
            group_pn: Vec::new(),
        }
    }

    /// One AP per channel, with BSSIDs under one base address.
    pub(super) fn add_aps(&mut self, channels: &[u8]) {
        let base = self.rng.mac([0x00, 0x3a, 0x98]);
        for (i, &ch) in channels.iter().enumerate() {
            let mut bssid = base;
            bssid.0[5] = (bssid.0[5] & 0xf0) | (i as u8 + 1);
            let freq = if ch <= 14 {
                2407 + 5 * u16::from(ch)
            } else {
                5000 + 5 * u16::from(ch)
            };
            self.aps.push(Ap {
                bssid,
                channel: ch,
                freq,
                seq: self.rng.range(0, 4096) as u16,
                no_12mbps: false,
            });
        }
    }

    /// A phone in a call for the whole capture, first attached to `first_ap`; returns its
    /// index.
    pub(super) fn add_phone(&mut self, km: KeyMgmt, first_ap: usize) -> usize {
        let n = self.phones.len() as u8;
        let r = &mut self.rng;
        let mac = r.mac([0x00, 0x1b, 0xd4]);
        let phone = Phone {
            mac,
            ip: [10, 10, 20, 10 + n],
            peer_ip: [10, 10, 90, 10 + n],
            port: 16384 + 2 * r.range(0, 4000) as u16,
            peer_port: 20000 + 2 * r.range(0, 4000) as u16,
            ssrc: [r.next() as u32, r.next() as u32],
            seq0: [r.next() as u16, r.next() as u16],
            ts0: [r.next() as u32, r.next() as u32],
            km,
            seq: r.range(0, 4096) as u16,
            call: (
                self.start + r.range(50, 250) * MS,
                self.start + self.duration - r.range(50, 250) * MS,
            ),
            outages: Vec::new(),
            attachments: vec![(i64::MIN, first_ap)],
            reorder_one_in: 0,
            encrypted: false,
            pn: 1,
            signal: -(r.range(52, 68) as i8),
            scans: false,
            old_ap_retries: false,
            sticky: false,
            weak: Vec::new(),
            failed: Vec::new(),
            ptks: Vec::new(),
            ccmp_pn: [1, 1],
            michael: Vec::new(),
            ft_keys: None,
        };
        self.phones.push(phone);
        self.phones.len() - 1
    }

    /// The AP of a phone at time `t`.
    pub(super) fn ap_at(&self, p: usize, t: i64) -> usize {
        self.phones[p]
            .attachments
            .iter()
            .rev()
            .find(|(from, _)| *from <= t)
            .map_or(0, |(_, ap)| *ap)
    }

    /// A random AP other than those in `not`.
    pub(super) fn pick_other_ap(&mut self, not: &[usize]) -> usize {
        loop {
            let ap = self.rng.range(0, self.aps.len() as i64) as usize;
            if !not.contains(&ap) {
                return ap;
            }
        }
    }

    /// Queues one frame as it is (its retry bit already set or not), in queueing order.
    pub(super) fn queue(&mut self, t: i64, retry: bool, radio: Radio, bytes: Vec<u8>, tag: Tag) {
        let order = self.order;
        self.order += 2;
        self.frames.push(Pending {
            t,
            order,
            retry,
            radio,
            bytes,
            tag,
        });
    }

    /// Queues one frame, and sometimes its 802.11 retransmission a moment later.
    pub(super) fn push(&mut self, t: i64, radio: Radio, bytes: Vec<u8>, tag: Tag) {
        let order = self.order;
        self.order += 2;
        if self.rng.chance(self.retry_one_in) {
            let mut copy = bytes.clone();
            copy[1] |= 0x08;
            let dt = self.rng.range(150, 600) * US;
            self.frames.push(Pending {
                t: t + dt,
                order: order + 1,
                retry: true,
                radio,
                bytes: copy,
                tag,
            });
        }
        self.frames.push(Pending {
            t,
            order,
            retry: false,
            radio,
            bytes,
            tag,
        });
    }

    /// The radio of a frame between phone `p` and `ap`: the AP's channel, the phone's signal
    /// (-84 dBm while it is weak there; the AP heard 8 dB stronger), a little jitter.
    pub(super) fn radio(&mut self, t: i64, p: usize, ap: usize, from_station: bool) -> Radio {
        let ph = &self.phones[p];
        let signal = if ph.weak.iter().any(|&(a, b, w)| w == ap && t >= a && t < b) {
            -84
        } else {
            ph.signal
        };
        let base = if from_station { signal } else { signal + 8 };
        Radio {
            freq_mhz: self.aps[ap].freq,
            signal_dbm: base - self.rng.range(0, 5) as i8,
            rate: 108,
        }
    }

    /// The next 802.11 sequence number of the phone or of the AP (modulo 4096).
    pub(super) fn next_seq(&mut self, p: usize, from_station: bool, ap: usize) -> u16 {
        let s = if from_station {
            &mut self.phones[p].seq
        } else {
            &mut self.aps[ap].seq
        };
        *s = (*s + 1) % 4096;
        *s
    }

    /// A management frame between phone `p` and AP `ap`; `body` is appended to the header.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn mgmt(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        subtype: u8,
        from_station: bool,
        body: &[u8],
        tag: Tag,
    ) {
        let seq = self.next_seq(p, from_station, ap);
        let (sta, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
        let (da, sa) = if from_station {
            (bssid, sta)
        } else {
            (sta, bssid)
        };
        let mut f = frames::mgmt_header(subtype, false, da, sa, bssid, seq);
        f.extend_from_slice(body);
        let radio = self.radio(t, p, ap, from_station);
        self.push(t, radio, f, tag);
    }

    /// A QoS Data frame with an EAPOL payload (TID 7).
    pub(super) fn eapol(
        &mut self,
        t: i64,
        p: usize,
        ap: usize,
        from_station: bool,
        payload: &[u8],
        tag: Tag,
    ) {
        let seq = self.next_seq(p, from_station, ap);
        let mut f = frames::qos_data_header(
            from_station,
            false,
            self.phones[p].mac,
            self.aps[ap].bssid,
            self.aps[ap].bssid,
            seq,
            7,
        );
        frames::llc_snap(&mut f, 0x888e);
        f.extend_from_slice(payload);
        let radio = self.radio(t, p, ap, from_station);
        self.push(t, radio, f, tag);
    }

    /// ESS, short preamble, short slot, and privacy unless the network is open.
    pub(super) fn capability(&self, p: usize) -> u16 {
        if self.phones[p].km == KeyMgmt::Open {
            0x0421
        } else {
            0x0431
        }
    }

    /// A Null function frame (9.3.2.1, subtype 4) from the phone to `ap`, power management
    /// set: a data frame that carries no data.
    pub(super) fn null_frame(&mut self, t: i64, p: usize, ap: usize) {
        let seq = self.next_seq(p, true, ap);
        let (sta, bssid) = (self.phones[p].mac, self.aps[ap].bssid);
        let mut f = vec![0x48, 0x11];
        f.extend_from_slice(&0u16.to_le_bytes());
        for a in [bssid, sta, bssid] {
            f.extend_from_slice(&a.0);
        }
        f.extend_from_slice(&(seq << 4).to_le_bytes());
        let radio = self.radio(t, p, ap, true);
        self.push(t, radio, f, Tag::None);
    }

    /// Every AP's beacons for the whole capture, every 102.4 ms (100 TU).
    pub(super) fn beacons(&mut self) {
        let interval = 102_400 * US;
        for a in 0..self.aps.len() {
            let mut t = self.start + self.rng.range(0, 102) * MS;
            let mut tsf: u64 = self.rng.next() >> 20;
            while t < self.start + self.duration {
                let seq = {
                    let s = &mut self.aps[a].seq;
                    *s = (*s + 1) % 4096;
                    *s
                };
                let ap = &self.aps[a];
                let mut f = frames::mgmt_header(
                    st::BEACON,
                    false,
                    MacAddr([0xff; 6]),
                    ap.bssid,
                    ap.bssid,
                    seq,
                );
                f.extend_from_slice(&tsf.to_le_bytes());
                f.extend_from_slice(&100u16.to_le_bytes());
                f.extend_from_slice(&0x0431u16.to_le_bytes());
                let (ch, freq) = (ap.channel, ap.freq);
                frames::element(&mut f, 0, self.ssid.as_bytes());
                frames::element(&mut f, 1, &ap.rates());
                frames::element(&mut f, 3, &[ch]);
                if self.crypto.as_ref().is_some_and(|c| c.tkip_gtk.is_some()) {
                    // A TKIP network (`--cipher tkip`) says so (9.4.2.24): TKIP group and
                    // pairwise, PSK.
                    frames::rsn_element_cipher(&mut f, 2, KeyMgmt::Psk.akm(), None);
                }
                let radio = Radio {
                    freq_mhz: freq,
                    signal_dbm: -40 - self.rng.range(0, 30) as i8,
                    rate: 2,
                };
                self.queue(t, false, radio, f, Tag::None);
                t += interval;
                tsf += 102_400;
            }
        }
    }
}
