//! Frames → events: the only place that decides which frames matter to a roam analysis.
//!
//! Each record becomes zero or more small `Copy` [`Event`]s (more than one only for an
//! A-MSDU carrying several voice packets), tagged with frame number, time, station and BSSID.
//! Decoding is a pure function of one record, so chunks of records decode in parallel; the
//! per-chunk [`FrameCounters`] add up.

use crate::crypto::decrypt::{Outcome, Reason, PLAINTEXT};
use crate::crypto::handshake::KeySchedule;
use roamgap_wire::capture::Record;
use roamgap_wire::dot11::action::{Addts, FtAction};
use roamgap_wire::dot11::data::{self, Eapol};
use roamgap_wire::dot11::ie::{self, Cckm, Element, KeyManagement, Rsn, Tspec};
use roamgap_wire::dot11::mgmt::{self, MgmtBody};
use roamgap_wire::dot11::{subtype, Dot11Error, Frame, FrameType, MacAddr};
use roamgap_wire::linklayer::{self, Fcs, LinkError, LinkOptions, RadioInfo};

mod counters;
mod event;

pub use counters::{FrameCounters, FrameError, FrameIssue, NotDecryptable};
pub use event::{AssocRequest, Event, EventKind, RateSet, Ssid, SsidSource, TspecInfo, TspecList};

/// How records are decoded: the link-layer options and, when decrypting, the capture's keys.
#[derive(Clone, Copy, Debug)]
pub struct Decoding<'a> {
    pub link: &'a LinkOptions,
    pub(crate) keys: Option<&'a KeySchedule>,
    /// Decrypt only the protected unicast data frames from an AP that may be an EAPOL-Key
    /// message under a PTK already known ([`KeySchedule::may_be_key_message`]): the key
    /// schedule's second pass, which looks for the group keys of rekeys and would waste its
    /// time opening the voice.
    pub(crate) only_key_messages: bool,
}

impl<'a> Decoding<'a> {
    /// Decoding without keys.
    pub(crate) fn plain(link: &'a LinkOptions) -> Decoding<'a> {
        Decoding::keyed(link, None)
    }

    /// Decoding that decrypts every protected frame it can with `keys`.
    pub fn keyed(link: &'a LinkOptions, keys: Option<&'a KeySchedule>) -> Decoding<'a> {
        Decoding {
            link,
            keys,
            only_key_messages: false,
        }
    }
}

/// What the key schedule reads of a frame, borrowed from the record (or from the decrypted
/// plaintext) for the duration of one call: handed to [`EventSink::key_material`] beside the
/// frame's event, so that the key schedule sees the frames this decoder accepts (bad FCS
/// dropped, station and BSSID resolved as for the analysis) without decoding records itself.
#[derive(Clone, Copy, Debug)]
pub enum KeyMaterial<'a> {
    /// An EAPOL-Key PDU (from the EAPOL header on) and whether it arrived in a protected frame
    /// (then the bytes are the decrypted plaintext's).
    EapolKey { pdu: &'a [u8], protected: bool },
    /// A clear management frame's body (fixed fields, then elements), and its subtype: the
    /// SSIDs, PMKIDs and FT elements (MDE, FTE) of beacons, probes, (re)association requests,
    /// FT authentications and FT action frames.
    Management { subtype: u8, body: &'a [u8] },
}

/// Where a decoder puts what a record holds: every event, in frame order, and the key
/// material of the frames that carry some (most sinks ignore it: closures taking an
/// [`Event`] are sinks that do).
pub trait EventSink {
    /// The next event, in frame order.
    fn event(&mut self, e: Event);
    /// Key material of the frame of `e`, which was just handed to [`EventSink::event`].
    fn key_material(&mut self, _e: &Event, _m: KeyMaterial<'_>) {}
}

impl<F: FnMut(Event)> EventSink for F {
    fn event(&mut self, e: Event) {
        self(e)
    }
}

/// Decodes one record into events.
pub fn decode_record(
    rec: &Record<'_>,
    options: &LinkOptions,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
) {
    decode_record_with(rec, &Decoding::plain(options), counters, out)
}

/// Decodes one record into events, decrypting protected data frames with `decoding.keys`.
pub fn decode_record_with(
    rec: &Record<'_>,
    decoding: &Decoding<'_>,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
) {
    let options = decoding.link;
    counters.frames += 1;
    if !linklayer::is_supported(rec.linktype) {
        match counters
            .unsupported
            .iter_mut()
            .find(|(l, _)| *l == rec.linktype)
        {
            Some(e) => e.1 += 1,
            None => counters.unsupported.push((rec.linktype, 1)),
        }
        return;
    }
    let link = match linklayer::decode(rec.linktype, rec.data, rec.fcs_len, options) {
        Ok(l) => l,
        Err(LinkError::NotWireless) => {
            counters.not_wireless += 1;
            return;
        }
        Err(e) => return counters.issue(rec, e.into()),
    };
    let mut protected = false;
    let version = match link.dot11 {
        [lo, hi, ..] => {
            let fc = roamgap_wire::dot11::FrameControl(u16::from_le_bytes([*lo, *hi]));
            // Counted for every frame of protocol version 0, as Wireshark counts them,
            // whatever its FCS.
            if fc.version() == 0 {
                protected = fc.protected();
                counters.type_subtype[usize::from(fc.type_subtype() & 0x3f)] += 1;
                counters.retries += u64::from(fc.retry());
                counters.protected += u64::from(fc.protected());
            }
            fc.version()
        }
        _ => 0,
    };
    // A frame whose FCS is there (and not cut off by the snapshot length) but wrong is as
    // untrustworthy as one the sniffer flagged.
    let check = options.fcs != linklayer::FcsPolicy::Ignore;
    let complete = rec.data.len() as u64 >= u64::from(rec.orig_len);
    let computed_bad = check
        && complete
        && link.radio.fcs == Fcs::Present
        && link
            .fcs_bytes
            .is_some_and(|f| !roamgap_wire::dot11::fcs::matches(link.dot11, f));
    if check && (link.radio.fcs == Fcs::Bad || computed_bad) {
        // A frame the sniffer received with a wrong checksum: its bytes cannot be trusted,
        // and a corrupted address could fake a roam.
        counters.bad_fcs += 1;
        if protected && decoding.keys.is_some() {
            counters.not_decryptable.bad_fcs += 1;
        }
        return;
    }
    if version != 0 {
        counters.unknown_version += 1;
        return;
    }
    if protected
        && decoding.keys.is_some()
        && Frame::new_checked(link.dot11, link.header_padded).is_err()
    {
        counters.not_decryptable.damaged += 1;
    }
    if let Err(e) = decode_dot11(
        rec,
        &link.radio,
        link.dot11,
        link.header_padded,
        decoding,
        counters,
        out,
    ) {
        counters.issue(rec, e.into());
    }
}

fn decode_dot11(
    rec: &Record<'_>,
    radio: &RadioInfo,
    bytes: &[u8],
    padded: bool,
    decoding: &Decoding<'_>,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
) -> Result<(), Dot11Error> {
    let frame = Frame::new_checked(bytes, padded)?;
    let fc = frame.frame_control();
    // The key schedule's second pass opens only the frames that may be key messages.
    let (keys, key_scan) = match decoding.only_key_messages {
        false => (decoding.keys, None),
        true => (None, decoding.keys),
    };
    let base = |station: MacAddr, bssid: MacAddr, from_station: bool, kind: EventKind| Event {
        frame: rec.number,
        ts_ns: rec.ts_ns,
        station,
        bssid,
        from_station,
        retry: fc.retry(),
        dot11_seq: frame.sequence_number().unwrap_or(0),
        user_priority: frame.qos_control().map(|q| q.user_priority()),
        channel_mhz: radio.channel_mhz,
        signal_dbm: radio.signal_dbm,
        rate_100kbps: radio.rate_100kbps(),
        kind,
    };
    match fc.frame_type() {
        FrameType::Management => management_frame(rec, &frame, keys, counters, out, &base)?,
        FrameType::Data => {
            let a = frame.addresses();
            let (station, bssid, from_station) =
                match (fc.to_ds(), fc.from_ds(), a.bssid, a.transmitter) {
                    (true, false, Some(bssid), Some(ta)) => (ta, bssid, true),
                    (false, true, Some(bssid), _) => (a.receiver, bssid, false),
                    _ => {
                        // 4-address (WDS, mesh) and IBSS frames are no AP's station's: with
                        // keys they are decrypted and counted, nothing more; between stations
                        // (IBSS, direct link) Address 3 still names the BSS.
                        if let (true, Some(keys)) = (fc.protected(), keys) {
                            decrypt_counted(keys, &frame, rec.ts_ns, counters, |_, _| {});
                        }
                        if let (false, false, Some(bssid)) = (fc.to_ds(), fc.from_ds(), a.bssid) {
                            out.event(base(bssid, bssid, false, BSS_SEEN));
                        }
                        return Ok(());
                    }
                };
            if station.is_group() {
                // Multicast and broadcast from the AP: no station's traffic (as in the clear,
                // no event), but decrypted with the group key and counted.
                if let (true, Some(keys)) = (fc.protected(), keys) {
                    decrypt_counted(keys, &frame, rec.ts_ns, counters, |_, _| {});
                }
                out.event(base(bssid, bssid, from_station, BSS_SEEN));
                return Ok(());
            }
            let mut emit = |kind, m: Option<KeyMaterial<'_>>| {
                let e = base(station, bssid, from_station, kind);
                out.event(e);
                if let Some(m) = m {
                    out.key_material(&e, m);
                }
            };
            if fc.protected() && !fc.is_null_data() {
                if let Err(e) = protected_body_fits(frame.body()) {
                    // Damage, and (with keys) not decryptable: too short for any cipher.
                    if keys.is_some() {
                        counters.not_decryptable.too_short += 1;
                    }
                    return Err(e);
                }
            }
            let amsdu = frame.qos_control().is_some_and(|q| q.amsdu_present());
            let keys = keys.or(key_scan.filter(|k| {
                !from_station && k.may_be_key_message(&frame, station, bssid, rec.ts_ns)
            }));
            if let (true, Some(keys)) = (fc.protected(), keys) {
                let null = fc.is_null_data();
                let opened = decrypt_counted(keys, &frame, rec.ts_ns, counters, |plain, c| {
                    msdus(plain, amsdu, c, &mut |kind, m: Option<KeyMaterial<'_>>| {
                        emit(kind, m.map(KeyMaterial::decrypted))
                    })
                });
                if opened && !null {
                    return Ok(());
                }
            }
            if fc.protected() || fc.is_null_data() {
                let kind = EventKind::Data {
                    protected: fc.protected(),
                    null: fc.is_null_data(),
                };
                emit(kind, None);
                return Ok(());
            }
            msdus(frame.body(), amsdu, counters, &mut emit);
        }
        FrameType::Control | FrameType::Extension => {
            // No control frame is ever protected: the bit is damage.
            if fc.protected() && keys.is_some() {
                counters.not_decryptable.damaged += 1;
            }
            if let Some(bssid) = frame.addresses().bssid {
                out.event(base(bssid, bssid, false, BSS_SEEN));
            }
        }
    }
    Ok(())
}

/// A management frame's events: what it tells of its station, or of its BSS (decrypted first
/// when protected and keys are given), and its key material when it carries some.
fn management_frame(
    rec: &Record<'_>,
    frame: &Frame<&[u8]>,
    keys: Option<&KeySchedule>,
    counters: &mut FrameCounters,
    out: &mut impl EventSink,
    base: &impl Fn(MacAddr, MacAddr, bool, EventKind) -> Event,
) -> Result<(), Dot11Error> {
    let fc = frame.frame_control();
    let a = frame.addresses();
    let (Some(bssid), Some(ta)) = (a.bssid, a.transmitter) else {
        if fc.protected() && keys.is_some() {
            counters.not_decryptable.damaged += 1;
        }
        return Ok(());
    };
    let from_station = ta != bssid;
    let station = if from_station { ta } else { a.receiver };
    // What a management frame tells: its event for the station, or what it says of
    // its BSS.
    let mut management = |kind: Option<EventKind>| {
        let e = match kind {
            Some(kind @ (EventKind::Beacon { .. } | EventKind::Bss { .. })) => {
                base(bssid, bssid, from_station, kind)
            }
            Some(kind) => base(station, bssid, from_station, kind),
            None => base(bssid, bssid, from_station, BSS_SEEN),
        };
        out.event(e);
        e
    };
    // A protected management frame (802.11w unicast action, deauthentication and
    // disassociation; the third frame of a WEP shared key authentication), decrypted.
    if let (true, Some(keys)) = (fc.protected(), keys) {
        let mut result = Ok(());
        let opened = decrypt_counted(keys, frame, rec.ts_ns, counters, |plain, c| {
            result = management_event(fc.subtype(), plain, false, c, rec, &mut None).map(|kind| {
                management(kind);
            });
        });
        if opened {
            return result;
        }
    }
    let mut requested_ssid = None;
    let event = management_event(
        fc.subtype(),
        frame.body(),
        fc.protected(),
        counters,
        rec,
        &mut requested_ssid,
    );
    let kind = event.as_ref().ok().copied().flatten();
    let e = management(kind);
    event?;
    if kind.is_some() && !fc.protected() {
        let m = KeyMaterial::Management {
            subtype: fc.subtype(),
            body: frame.body(),
        };
        out.key_material(&e, m);
    }
    if let Some(ssid) = requested_ssid {
        let kind = EventKind::Bss {
            ssid: Some(ssid),
            source: SsidSource::AssocRequest,
            channel: None,
        };
        out.event(base(bssid, bssid, from_station, kind));
    }

    Ok(())
}

/// Tries the keys on a protected frame and counts the outcome in exactly one counter; on
/// success hands the plaintext body (in the thread's reused buffer) to `opened`.
fn decrypt_counted<T: AsRef<[u8]>>(
    keys: &KeySchedule,
    frame: &Frame<T>,
    ts_ns: i64,
    counters: &mut FrameCounters,
    opened: impl FnOnce(&[u8], &mut FrameCounters),
) -> bool {
    PLAINTEXT.with(|buf| {
        let mut buf = buf.borrow_mut();
        match keys.decrypt_frame(frame, ts_ns, &mut buf) {
            Outcome::Decrypted => {
                counters.decrypted += 1;
                opened(&buf, counters);
                return true;
            }
            Outcome::Failed => counters.decrypt_failed += 1,
            Outcome::NoKey => counters.no_key += 1,
            Outcome::NotDecryptable(Reason::TooShort) => counters.not_decryptable.too_short += 1,
            Outcome::NotDecryptable(Reason::UnknownCipher) => {
                counters.not_decryptable.unknown_cipher += 1
            }
        }
        false
    })
}

/// Checks that a protected data frame's body holds its cipher's header and integrity check:
/// WEP (12.3.2.2) an IV and Key ID (4 octets) and an ICV (4); with the Ext IV bit of the Key
/// ID octet set, TKIP or CCMP/GCMP (12.5.2.2, 12.5.3.2, 12.5.5.2) an 8-octet header and a MIC
/// of at least 8 octets. A frame shorter than that is damage, not ciphertext: it must not
/// count as an encrypted voice frame.
fn protected_body_fits(body: &[u8]) -> Result<(), Dot11Error> {
    let need = match body.get(3) {
        None => 4,
        Some(key_id) if key_id & 0x20 != 0 => 16,
        Some(_) => 8,
    };
    roamgap_wire::dot11::need(
        if need == 16 {
            "protected frame's cipher header and MIC"
        } else {
            "protected frame's WEP IV and ICV"
        },
        need,
        body.len(),
    )
}

/// A data frame's body: one MSDU, or the subframes of an A-MSDU; a body that is none of
/// EAPOL, EAP or RTP is one plain data event.
fn msdus(body: &[u8], amsdu: bool, counters: &mut FrameCounters, emit: &mut impl Emit) {
    let any = if amsdu {
        let mut any = false;
        for (_, _, msdu) in data::AmsduSubframes::new(body) {
            any |= data_payload(msdu, counters, emit);
        }
        any
    } else {
        data_payload(body, counters, emit)
    };
    if !any {
        let kind = EventKind::Data {
            protected: false,
            null: false,
        };
        emit(kind, None);
    }
}

/// Decodes an MSDU (LLC/SNAP onwards); emits and returns true if it is EAPOL, EAP or RTP.
fn data_payload(msdu: &[u8], counters: &mut FrameCounters, emit: &mut impl Emit) -> bool {
    let Some((ethertype, payload)) = data::llc_snap(msdu) else {
        return false;
    };
    match ethertype {
        data::ETHERTYPE_EAPOL => match data::eapol(payload) {
            Some(Eapol::Key(k)) => {
                if let Some(n) = k.wireshark_number() {
                    counters.eapol_key[usize::from(n)] += 1;
                }
                let kind = EventKind::EapolKey {
                    message: k.message,
                    replay_counter: k.replay_counter,
                };
                let pdu = KeyMaterial::EapolKey {
                    pdu: payload,
                    protected: false,
                };
                emit(kind, Some(pdu));
                true
            }
            Some(Eapol::Eap { code, eap_type }) => {
                emit(EventKind::Eap { code, eap_type }, None);
                true
            }
            // EAPOL-Start, -Logoff and the like: port control, not user data.
            _ => true,
        },
        data::ETHERTYPE_IPV4 | data::ETHERTYPE_IPV6 => {
            let Some(udp) = data::udp(ethertype, payload) else {
                return false;
            };
            let Some(rtp) = data::rtp(&udp) else {
                return false;
            };
            counters.rtp_packets += 1;
            let kind = EventKind::Rtp {
                ssrc: rtp.ssrc,
                sequence: rtp.sequence,
                timestamp: rtp.timestamp,
                payload_type: rtp.payload_type,
                src_port: udp.src_port,
                dst_port: udp.dst_port,
            };
            emit(kind, None);
            true
        }
        _ => false,
    }
}

/// How a data frame's payloads are handed on: their event, with key material when they are
/// EAPOL-Key messages.
trait Emit: FnMut(EventKind, Option<KeyMaterial<'_>>) {}
impl<F: FnMut(EventKind, Option<KeyMaterial<'_>>)> Emit for F {}

impl KeyMaterial<'_> {
    /// The same material, found in a frame that was decrypted.
    fn decrypted(self) -> Self {
        match self {
            KeyMaterial::EapolKey { pdu, .. } => KeyMaterial::EapolKey {
                pdu,
                protected: true,
            },
            m => m,
        }
    }
}

/// A frame that only tells that its BSS exists.
const BSS_SEEN: EventKind = EventKind::Bss {
    ssid: None,
    source: SsidSource::None,
    channel: None,
};

/// Authentication algorithm number of Shared Key authentication (9.4.1.1).
const AUTH_SHARED_KEY: u16 = 1;

fn management_event(
    st: u8,
    body: &[u8],
    protected: bool,
    counters: &mut FrameCounters,
    rec: &Record<'_>,
    requested_ssid: &mut Option<Ssid>,
) -> Result<Option<EventKind>, Dot11Error> {
    if st == subtype::ACTION || st == subtype::ACTION_NO_ACK {
        return if protected {
            Ok(None)
        } else {
            action_event(body)
        };
    }
    if !mgmt::has_elements(st) && !matches!(st, subtype::DEAUTH | subtype::DISASSOC) {
        return Ok(None);
    }
    if protected && matches!(st, subtype::DEAUTH | subtype::DISASSOC) {
        // Protected (802.11w) deauthentication: the reason code is encrypted.
        return Ok(None);
    }
    if protected {
        // The only protected Authentication frame is the third of Shared Key authentication
        // (9.2.4.1.9, 12.3.3.3): the station's answer to the AP's challenge, its body WEP
        // ciphertext (IV, then algorithm, sequence, status and challenge encrypted, ICV).
        // What it is follows from the bit alone; its body is never read.
        return Ok((st == subtype::AUTH).then_some(EventKind::Auth {
            algorithm: AUTH_SHARED_KEY,
            sequence: 3,
            status: 0,
        }));
    }
    let m = MgmtBody::new_checked(st, body)?;
    // A damaged element chain makes the frame malformed; what precedes the damage is used.
    let mut damage = None;
    let elements = m
        .elements()
        .map_while(|e| e.map_err(|err| damage = Some(err)).ok());
    let kind = match st {
        subtype::ASSOC_REQ | subtype::REASSOC_REQ => {
            Some(assoc_request_event(st, &m, elements, requested_ssid))
        }
        subtype::ASSOC_RESP | subtype::REASSOC_RESP => {
            let (mut cckm, mut ft) = (false, false);
            for e in elements {
                cckm |= Cckm::from_element(&e).is_some();
                ft |= e.id == ie::id::FAST_TRANSITION;
            }
            Some(EventKind::AssocResponse {
                reassociation: st == subtype::REASSOC_RESP,
                status: m.status().unwrap_or(0),
                cckm_element: cckm,
                fast_transition: ft,
            })
        }
        subtype::AUTH => {
            // SAE (algorithm 3) carries its own fields (group, scalar, element; send-confirm,
            // confirm) after the fixed ones, not elements (9.3.3.12, table 9-41).
            if m.auth_algorithm() != Some(3) {
                elements.for_each(drop);
            }
            Some(EventKind::Auth {
                algorithm: m.auth_algorithm().unwrap_or(0),
                sequence: m.auth_sequence().unwrap_or(0),
                status: m.status().unwrap_or(0),
            })
        }
        subtype::DEAUTH | subtype::DISASSOC => Some(EventKind::Deauth {
            reason: m.reason().unwrap_or(0),
            disassociation: st == subtype::DISASSOC,
        }),
        subtype::PROBE_REQ => {
            elements.for_each(drop);
            Some(EventKind::ProbeRequest)
        }
        subtype::PROBE_RESP => {
            let (mut ssid, mut channel) = (None, None);
            for e in elements {
                match e.id {
                    ie::id::SSID if ssid.is_none() => ssid = Some(Ssid::new(e.body)),
                    ie::id::DS_PARAMETER_SET if !e.body.is_empty() => channel = Some(e.body[0]),
                    _ => {}
                }
            }
            Some(EventKind::Bss {
                ssid,
                source: SsidSource::ProbeResponse,
                channel,
            })
        }
        subtype::BEACON => Some(beacon_event(body, elements)),
        _ => {
            elements.for_each(drop);
            None
        }
    };
    if let Some(err) = damage {
        counters.issue(rec, err.into());
    }
    Ok(kind)
}

/// An action frame's event: ADDTS (its elements checked) or FT over the DS.
fn action_event(body: &[u8]) -> Result<Option<EventKind>, Dot11Error> {
    if let Some(a) = Addts::parse(body)? {
        a.elements().validate()?;
        return Ok(Some(EventKind::Addts {
            kind: a.kind,
            response: a.response,
            dialog_token: a.dialog_token,
            status: a.status,
            tspec: a.tspec().map(TspecInfo::from),
        }));
    }
    Ok(FtAction::parse(body)?.map(|f| EventKind::FtAction {
        action: f.action,
        target_ap: f.target_ap,
        status: f.status,
    }))
}

/// A (re)association request's event from its elements; the first SSID it asks for goes to
/// `requested_ssid`.
fn assoc_request_event<'a>(
    st: u8,
    m: &MgmtBody<'_>,
    elements: impl Iterator<Item = Element<'a>>,
    requested_ssid: &mut Option<Ssid>,
) -> EventKind {
    // A Current AP of 00:00:00:00:00:00 (anonymized captures, some stacks) or a group
    // address names no AP: unknown.
    let current_ap = m
        .current_ap()
        .filter(|ap| !ap.is_group() && *ap != MacAddr::ZERO);
    let mut req = AssocRequest::new(st == subtype::REASSOC_REQ, current_ap);
    let mut wpa = None;
    for e in elements {
        if e.id == ie::id::SSID && requested_ssid.is_none() {
            *requested_ssid = Some(Ssid::new(e.body));
        }
        request_element(&e, &mut req, &mut wpa);
    }
    req.key_management = req.key_management.or(wpa).or(if req.cckm_element {
        Some(KeyManagement::Cckm)
    } else if m.privacy() {
        Some(KeyManagement::Wep)
    } else {
        Some(KeyManagement::Open)
    });
    EventKind::AssocRequest(req)
}

/// A beacon's event: its SSID, channel, rates, and the TSF of its first fixed field.
fn beacon_event<'a>(body: &[u8], elements: impl Iterator<Item = Element<'a>>) -> EventKind {
    let (mut ssid, mut channel, mut rates) = (Ssid::default(), None, RateSet::default());
    for e in elements {
        match e.id {
            ie::id::SSID => ssid = Ssid::new(e.body),
            1 | 50 => rates.add_element(e.body),
            ie::id::DS_PARAMETER_SET if !e.body.is_empty() => channel = Some(e.body[0]),
            _ => {}
        }
    }
    let tsf = body.get(..8).map_or(0, |b| {
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    });
    EventKind::Beacon {
        ssid,
        channel,
        tsf,
        rates,
    }
}

fn request_element(e: &Element<'_>, req: &mut AssocRequest, wpa: &mut Option<KeyManagement>) {
    if let Some(rsn) = Rsn::from_element(e) {
        let km = rsn.key_management();
        if e.id == ie::id::RSN {
            req.key_management = req.key_management.or(km);
            req.pmkid |= rsn.pmkid_count() > 0;
        } else {
            *wpa = wpa.or(km);
        }
    } else if Cckm::from_element(e).is_some() {
        req.cckm_element = true;
    } else if let Some(t) = Tspec::from_element(e) {
        req.tspecs.push(t.into());
    } else if e.id == ie::id::MOBILITY_DOMAIN {
        req.mobility_domain = true;
    } else if e.id == ie::id::FAST_TRANSITION {
        req.fast_transition = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssid_text_keeps_every_octet_and_no_control_character() {
        let text = |b: &[u8]| Ssid::new(b).to_text();
        assert_eq!(text(b"voice"), "voice");
        assert_eq!(text("café ☕".as_bytes()), "café ☕");
        // wlanpi-profiler 0xc6.pcapng: a beacon's SSID starting with octet 0xc6.
        assert_eq!(text(b"\xc6TME Enterprise"), "\\xc6TME Enterprise");
        assert_eq!(text(b"a\x1b[2Jb\n\x7f"), "a\\x1b[2Jb\\x0a\\x7f");
        assert_eq!(text("x\u{85}y".as_bytes()), "x\\xc2\\x85y");
        assert_eq!(text(b"back\\slash"), "back\\\\slash");
        assert_eq!(text(&[0; 32]), "\\x00".repeat(32));
    }
}
