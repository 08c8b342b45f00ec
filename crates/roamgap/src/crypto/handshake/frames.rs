//! What the key schedule keeps of the frames that carry key material: `events` decodes every
//! record (one decoder: the bad-FCS rule, station and BSSID resolution) and hands the
//! key payload of the frames that carry one beside their event; only the key fields of that
//! payload (EAPOL-Key fields, SSID, RSN PMKIDs, MDE/FTE) are read here.

use std::collections::HashMap;

use super::MAX_SSIDS_PER_STATION;
use crate::events::{Event, EventKind, KeyMaterial};
use roamgap_wire::dot11::data::{EapolKeyFrame, KeyMessage};
use roamgap_wire::dot11::MacAddr;

/// One EAPOL-Key message as the key schedule needs it (copied: a capture holds a few per roam).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage {
    pub(crate) frame: u64,
    /// Capture time, ns: keys are placed in time, as a segment of a file read in parallel does
    /// not know its frames' final numbers.
    pub(crate) ts_ns: i64,
    pub(crate) station: MacAddr,
    pub(crate) bssid: MacAddr,
    pub(crate) message: KeyMessage,
    /// Descriptor type: 2 (RSN) or 254 (WPA, before the RSN).
    pub(crate) descriptor_type: u8,
    pub(crate) key_info: u16,
    pub(crate) version: u8,
    pub(crate) replay_counter: u64,
    pub(crate) nonce: [u8; 32],
    /// EAPOL-Key IV: with the KEK, the RC4 key of descriptor version 1 key data.
    pub(crate) key_iv: [u8; 16],
    pub(crate) mic: Vec<u8>,
    /// The EAPOL PDU with its MIC field zeroed, as the MIC is computed over it.
    pub(crate) pdu_zeroed: Vec<u8>,
    pub(crate) key_data: Vec<u8>,
    pub(crate) key_data_encrypted: bool,
}

/// The key material of a fast transition (13.5.2): the AP's FT authentication response,
/// with both nonces and the key holders' identities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FtExchange {
    pub(crate) frame: u64,
    pub(crate) ts_ns: i64,
    pub(crate) station: MacAddr,
    pub(crate) bssid: MacAddr,
    pub(crate) mdid: [u8; 2],
    pub(crate) anonce: [u8; 32],
    pub(crate) snonce: [u8; 32],
    pub(crate) r0kh: Vec<u8>,
    pub(crate) r1kh: [u8; 6],
}

/// A station's (re)association request: the SSID it asks for and the PMKIDs it names
/// (PMKR1Name in an FT reassociation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssocRequest {
    pub(crate) ts_ns: i64,
    pub(crate) station: MacAddr,
    pub(crate) bssid: MacAddr,
    pub(crate) ssid: Option<Vec<u8>>,
    pub(crate) pmkids: Vec<[u8; 16]>,
}

/// What the first pass keeps of a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyFrame {
    Eapol(HandshakeMessage),
    Ft(FtExchange),
    Request(AssocRequest),
    /// The SSID a BSS announces (beacon, probe response).
    Network {
        bssid: MacAddr,
        ssid: Vec<u8>,
    },
    /// The SSID a station looks for (a directed probe request).
    Probe {
        station: MacAddr,
        ssid: Vec<u8>,
    },
}

/// The SSIDs seen so far, to keep each BSS's and station's once (beacons repeat theirs ten
/// times a second), and at most a few of each.
#[derive(Default)]
pub struct NetworkNames(HashMap<(bool, MacAddr), Vec<Vec<u8>>>);

impl NetworkNames {
    /// False for an SSID frame already seen; true for anything else.
    pub(crate) fn first(&mut self, f: &KeyFrame) -> bool {
        let (key, ssid) = match f {
            KeyFrame::Network { bssid, ssid } => ((true, *bssid), ssid),
            KeyFrame::Probe { station, ssid } => ((false, *station), ssid),
            _ => return true,
        };
        let seen = self.0.entry(key).or_default();
        // The key schedule uses a few SSIDs of each; a hostile capture naming thousands cannot
        // make this quadratic.
        if seen.len() >= 2 * MAX_SSIDS_PER_STATION || seen.contains(ssid) {
            return false;
        }
        seen.push(ssid.clone());
        true
    }
}

/// The MDE and FTE of an element chain: (MDID, FTE view).
pub(super) fn mde_fte(
    elements: roamgap_wire::dot11::ie::Elements<'_>,
) -> (Option<[u8; 2]>, Option<FtParts>) {
    use roamgap_wire::dot11::ie::{FastTransition, MobilityDomain};
    let (mut mdid, mut fte) = (None, None);
    let akm = elements.rsn_akm();
    for e in elements.flatten() {
        if let Some(m) = MobilityDomain::from_element(&e) {
            mdid = Some(m.mdid.to_le_bytes());
        }
        if let Some(f) = FastTransition::from_element(&e, akm) {
            fte = Some(FtParts {
                anonce: *f.anonce(),
                snonce: *f.snonce(),
                r0kh: f.r0kh_id().map(<[u8]>::to_vec),
                r1kh: f.r1kh_id(),
            });
        }
    }
    (mdid, fte)
}

/// The FTE fields key derivation needs.
pub(super) struct FtParts {
    pub(super) anonce: [u8; 32],
    pub(super) snonce: [u8; 32],
    pub(super) r0kh: Option<Vec<u8>>,
    pub(super) r1kh: Option<[u8; 6]>,
}

impl KeyFrame {
    /// What the key schedule keeps of the key material `events` handed beside event `e` (its
    /// station and BSSID resolved there): an EAPOL-Key message, the AP's FT authentication
    /// response or FT Response, a station's (re)association request, the SSID a BSS announces
    /// or a station probes for. Only the fields of the key payload are read here.
    pub(crate) fn of(e: &Event, m: KeyMaterial<'_>) -> Option<KeyFrame> {
        match m {
            KeyMaterial::EapolKey { pdu, .. } => match e.kind {
                EventKind::EapolKey { message, .. } => eapol_message(e, message, pdu),
                _ => None,
            },
            KeyMaterial::Management { subtype, body } => management_key_frame(e, subtype, body),
        }
    }

    /// [`KeyFrame::of`] for the second pass: a protected EAPOL-Key message from the AP (a
    /// group key handshake's message 1, or a message 3 sent again under the PTK), decrypted
    /// with the link's keys: the group keys of a rekey travel this way.
    pub(crate) fn protected(e: &Event, m: KeyMaterial<'_>) -> Option<KeyFrame> {
        match (m, e.kind) {
            (
                KeyMaterial::EapolKey {
                    protected: true, ..
                },
                EventKind::EapolKey {
                    message: KeyMessage::G1 | KeyMessage::M3,
                    ..
                },
            ) if !e.from_station => KeyFrame::of(e, m),
            _ => None,
        }
    }

    /// Frame numbers and times of frames read in a segment of a file (numbered from 1, timed
    /// from the segment's own start): `base` frames came before, and no time is earlier than
    /// `floor_ns`.
    pub(crate) fn place(&mut self, base: u64, floor_ns: i64) {
        match self {
            KeyFrame::Eapol(m) => {
                m.frame += base;
                m.ts_ns = m.ts_ns.max(floor_ns);
            }
            KeyFrame::Ft(x) => {
                x.frame += base;
                x.ts_ns = x.ts_ns.max(floor_ns);
            }
            KeyFrame::Request(r) => r.ts_ns = r.ts_ns.max(floor_ns),
            KeyFrame::Network { .. } | KeyFrame::Probe { .. } => {}
        }
    }
}

/// The SSID element of a management frame's body: non-empty, at most 32 octets, not all zero.
fn ssid_of(st: u8, body: &[u8]) -> Option<Vec<u8>> {
    roamgap_wire::dot11::mgmt::MgmtBody::new_checked(st, body)
        .ok()?
        .elements()
        .flatten()
        .find(|e| e.id == 0)
        .map(|e| e.body)
        .filter(|s| !s.is_empty() && s.len() <= 32 && s.iter().any(|&b| b != 0))
        .map(<[u8]>::to_vec)
}

fn management_key_frame(e: &Event, st: u8, body: &[u8]) -> Option<KeyFrame> {
    use roamgap_wire::dot11::ie::Rsn;
    use roamgap_wire::dot11::mgmt::MgmtBody;
    use roamgap_wire::dot11::subtype;
    match (st, e.kind) {
        (subtype::ACTION | subtype::ACTION_NO_ACK, EventKind::FtAction { .. }) => {
            ft_response(e, body)
        }
        (subtype::BEACON | subtype::PROBE_RESP, _) if !e.from_station => Some(KeyFrame::Network {
            bssid: e.bssid,
            ssid: ssid_of(st, body)?,
        }),
        (subtype::PROBE_REQ, _) if e.from_station => Some(KeyFrame::Probe {
            station: e.station,
            ssid: ssid_of(st, body)?,
        }),
        (subtype::ASSOC_REQ | subtype::REASSOC_REQ, _) if e.from_station => {
            let mut ssid = None;
            let mut pmkids = Vec::new();
            for x in MgmtBody::new_checked(st, body).ok()?.elements().flatten() {
                if x.id == 0 {
                    ssid = Some(x.body.to_vec());
                }
                if let Some(r) = Rsn::from_element(&x) {
                    pmkids.extend(r.pmkids());
                }
            }
            Some(KeyFrame::Request(AssocRequest {
                ts_ns: e.ts_ns,
                station: e.station,
                bssid: e.bssid,
                ssid,
                pmkids,
            }))
        }
        // The AP's FT authentication response (algorithm 2, sequence 2, success).
        (
            subtype::AUTH,
            EventKind::Auth {
                algorithm: 2,
                sequence: 2,
                status: 0,
            },
        ) if !e.from_station => {
            let (mdid, fte) = mde_fte(MgmtBody::new_checked(st, body).ok()?.elements());
            ft_exchange(e, e.station, e.bssid, mdid?, fte?)
        }
        _ => None,
    }
}

/// FT over the DS (13.6.2): the FT Response the old AP relays, naming the target AP.
fn ft_response(e: &Event, body: &[u8]) -> Option<KeyFrame> {
    let ft = roamgap_wire::dot11::action::FtAction::parse(body).ok()??;
    if ft.action != 2 || ft.status != Some(0) || body.len() < 16 {
        return None;
    }
    let (mdid, fte) = mde_fte(roamgap_wire::dot11::ie::Elements::new(&body[16..], 16));
    ft_exchange(e, ft.station, ft.target_ap, mdid?, fte?)
}

fn ft_exchange(
    e: &Event,
    station: MacAddr,
    bssid: MacAddr,
    mdid: [u8; 2],
    fte: FtParts,
) -> Option<KeyFrame> {
    Some(KeyFrame::Ft(FtExchange {
        frame: e.frame,
        ts_ns: e.ts_ns,
        station,
        bssid,
        mdid,
        anonce: fte.anonce,
        snonce: fte.snonce,
        r0kh: fte.r0kh?,
        r1kh: fte.r1kh?,
    }))
}

/// The EAPOL-Key message of `pdu` (after LLC/SNAP), as the key schedule keeps it.
fn eapol_message(e: &Event, message: KeyMessage, pdu: &[u8]) -> Option<KeyFrame> {
    let k = EapolKeyFrame::new_checked(pdu).ok()?;
    let mut pdu_zeroed = k.pdu().to_vec();
    pdu_zeroed[k.mic_range()].fill(0);
    Some(KeyFrame::Eapol(HandshakeMessage {
        frame: e.frame,
        ts_ns: e.ts_ns,
        station: e.station,
        bssid: e.bssid,
        message,
        descriptor_type: k.pdu()[4],
        key_info: k.key_info(),
        version: k.descriptor_version(),
        replay_counter: k.replay_counter(),
        nonce: *k.nonce(),
        key_iv: k.pdu()[4 + 45..4 + 61].try_into().unwrap_or([0; 16]),
        mic: k.mic().to_vec(),
        pdu_zeroed,
        key_data: k.key_data().to_vec(),
        key_data_encrypted: k.key_data_encrypted(),
    }))
}
