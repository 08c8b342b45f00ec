//! Builders for the 802.11 frames the generator writes, through the `emit` of the same views
//! the decoder reads (so each side can be checked against the other and against tshark).

use std::net::Ipv4Addr;

use roamgap_wire::dot11::data::{
    self, eapol_field, key_field, packet_type, EapolKeyRepr, EapolRepr, Ipv4Repr, LlcSnapRepr, Rtp,
    UdpRepr,
};
use roamgap_wire::dot11::ie::{
    CckmRepr, Element, FteRepr, MobilityDomain, RsnRepr, TspecRepr, OUI_IEEE,
};
use roamgap_wire::dot11::{FrameControl, HeaderRepr, MacAddr, QosControl};

/// Appends one element (9.4.2.1): ID, length, body.
pub fn element(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    Element { id, body }.emit(out);
}

/// A management frame header (9.3.3.2): DA, SA (= TA), BSSID.
pub(crate) fn mgmt_header(
    subtype: u8,
    retry: bool,
    da: MacAddr,
    sa: MacAddr,
    bssid: MacAddr,
    seq: u16,
) -> Vec<u8> {
    let mut f = Vec::with_capacity(256);
    HeaderRepr {
        frame_control: FrameControl(u16::from(subtype) << 4 | if retry { 0x0800 } else { 0 }),
        duration: 314,
        addr1: da,
        addr2: sa,
        addr3: bssid,
        sequence_number: seq,
        fragment_number: 0,
        addr4: None,
        qos_control: None,
    }
    .emit(&mut f);
    f
}

/// SSID, supported rates (1, 2, 5.5, 11 basic; 6..54) and DS Parameter Set.
pub(crate) fn basic_elements(out: &mut Vec<u8>, ssid: &str, channel: Option<u8>) {
    element(out, 0, ssid.as_bytes());
    element(out, 1, &[0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24]);
    if let Some(ch) = channel {
        element(out, 3, &[ch]);
    }
}

/// An RSN element (9.4.2.24) with CCMP and one AKM suite; `pmkid` adds one PMKID.
pub(crate) fn rsn_element(out: &mut Vec<u8>, akm: [u8; 4], pmkid: Option<[u8; 16]>) {
    rsn_element_cipher(out, 4, akm, pmkid);
}

/// An RSN element (9.4.2.24, Table 9-149) whose group and pairwise cipher suite is
/// 00-0F-AC:`cipher` (2 TKIP, 4 CCMP-128), with one AKM suite and optionally one PMKID.
pub(crate) fn rsn_element_cipher(
    out: &mut Vec<u8>,
    cipher: u8,
    akm: [u8; 4],
    pmkid: Option<[u8; 16]>,
) {
    let suite = [OUI_IEEE[0], OUI_IEEE[1], OUI_IEEE[2], cipher];
    RsnRepr {
        group_cipher: suite,
        pairwise_cipher: suite,
        akm,
        capabilities: 0,
        pmkid,
    }
    .emit(out);
}

/// The Cisco CCKM element: ID 156, OUI 00:40:96, type 0, then timestamp (8), rekey
/// number (4) and MIC (8) in a request; just the OUI and type in a response.
pub(crate) fn cckm_element(out: &mut Vec<u8>, request: Option<(u64, u32)>) {
    CckmRepr {
        request: request.map(|(timestamp, rn)| (timestamp, rn, [0x5a; 8])),
    }
    .emit(out);
}

/// A TSPEC (9.4.2.29) for a G.711 voice stream at 20 ms: EDCA, a fixed nominal MSDU size of
/// 208 bytes, 83.2 kb/s, surplus bandwidth allowance 1.0.
pub(crate) fn tspec(tid: u8, up: u8, direction_bits: u8, min_phy_rate: u32) -> TspecRepr {
    // TS Info: TID bits 1-4, direction 5-6, access policy EDCA (bit 7), PSB, UP bits 11-13.
    let ts_info: u32 =
        (u32::from(tid) << 1) | (u32::from(direction_bits) << 5) | (1 << 7) | (u32::from(up) << 11);
    let rate = 83_200;
    TspecRepr {
        ts_info,
        nominal_msdu_size: 208 | 0x8000,
        maximum_msdu_size: 208,
        // Service intervals, inactivity, suspension, start time; minimum, mean and peak data
        // rate; burst size, delay bound; minimum PHY rate.
        intervals_and_rates: [0, 0, 0, 0, 0, rate, rate, rate, 0, 0, min_phy_rate],
        surplus_bandwidth_allowance: 0x2000,
        medium_time: 0,
    }
}

/// A WMM TSPEC element: vendor 00:50:F2, type 2, subtype 2, version 1.
pub fn wmm_tspec_element(out: &mut Vec<u8>, tid: u8, up: u8, direction_bits: u8) {
    tspec(tid, up, direction_bits, 12_000_000).emit_wmm(out);
}

/// Mobility Domain (9.4.2.46): MDID, FT capability (over the DS off).
pub fn mobility_domain_element(out: &mut Vec<u8>, mdid: u16) {
    MobilityDomain {
        mdid,
        ft_over_ds: false,
    }
    .emit(out);
}

/// Fast BSS Transition element (9.4.2.47): MIC control, MIC, ANonce, SNonce.
pub fn fast_transition_element(out: &mut Vec<u8>, nonce_seed: u8) {
    FteRepr {
        element_count: 0,
        mic: &[0; 16],
        anonce: std::array::from_fn(|i| nonce_seed.wrapping_add(i as u8)),
        snonce: std::array::from_fn(|i| nonce_seed.wrapping_mul(3).wrapping_add(i as u8)),
        r1kh: None,
        gtk: None,
        r0kh: None,
    }
    .emit(out);
}

/// A Fast BSS Transition element with real contents (9.4.2.47): MIC Control (element count),
/// MIC, ANonce, SNonce, then the R1KH-ID (subelement 1), GTK (2) and R0KH-ID (3) subelements
/// given.
pub(crate) struct FtElement<'a> {
    pub(crate) element_count: u8,
    pub(crate) mic: [u8; 16],
    pub(crate) anonce: [u8; 32],
    pub(crate) snonce: [u8; 32],
    pub(crate) r1kh: Option<[u8; 6]>,
    pub(crate) gtk: Option<&'a [u8]>,
    pub(crate) r0kh: Option<&'a [u8]>,
}

impl FtElement<'_> {
    pub fn write(&self, out: &mut Vec<u8>) {
        FteRepr {
            element_count: self.element_count,
            mic: &self.mic,
            anonce: self.anonce,
            snonce: self.snonce,
            r1kh: self.r1kh,
            gtk: self.gtk,
            r0kh: self.r0kh,
        }
        .emit(out);
    }
}

/// A QoS Data frame header (9.3.2.1) between a station and its AP, with QoS Control (TID).
pub(crate) fn qos_data_header(
    uplink: bool,
    retry: bool,
    station: MacAddr,
    bssid: MacAddr,
    peer: MacAddr,
    seq: u16,
    tid: u8,
) -> Vec<u8> {
    let mut f = Vec::with_capacity(256);
    // QoS Data; To DS (uplink) or From DS (downlink), Retry.
    let mut fc = 0x0088 | if uplink { 0x0100 } else { 0x0200 };
    if retry {
        fc |= 0x0800;
    }
    let (a1, a2, a3) = if uplink {
        (bssid, station, peer)
    } else {
        (station, bssid, peer)
    };
    HeaderRepr {
        frame_control: FrameControl(fc),
        duration: 44,
        addr1: a1,
        addr2: a2,
        addr3: a3,
        sequence_number: seq,
        fragment_number: 0,
        addr4: None,
        qos_control: Some(QosControl(u16::from(tid))),
    }
    .emit(&mut f);
    f
}

/// LLC/SNAP header (RFC 1042) with an EtherType.
pub fn llc_snap(out: &mut Vec<u8>, ethertype: u16) {
    LlcSnapRepr {
        bridge_tunnel: false,
        ethertype,
    }
    .emit(out);
}

/// Addresses, ports and DSCP of a UDP datagram.
#[derive(Clone, Copy, Debug)]
pub struct UdpFlow {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub sport: u16,
    pub dport: u16,
    /// DiffServ field (0xb8: EF, voice).
    pub tos: u8,
}

/// IPv4 (RFC 791, with header checksum) and UDP (RFC 768, checksum 0) headers for a payload of
/// `payload_len` bytes.
pub fn ipv4_udp(out: &mut Vec<u8>, flow: UdpFlow, ip_id: u16, payload_len: usize) {
    let udp = UdpRepr {
        src_port: flow.sport,
        dst_port: flow.dport,
        payload_len,
    };
    Ipv4Repr {
        src_addr: Ipv4Addr::from(flow.src),
        dst_addr: Ipv4Addr::from(flow.dst),
        protocol: data::PROTOCOL_UDP,
        dscp_ecn: flow.tos,
        ident: ip_id,
        dont_fragment: false,
        ttl: 64,
        payload_len: 8 + payload_len,
    }
    .emit(out);
    udp.emit(out);
}

/// IPv4 + UDP + RTP (RFC 3550) with a G.711 payload.
pub(crate) fn ipv4_udp_rtp(
    out: &mut Vec<u8>,
    flow: UdpFlow,
    ssrc: u32,
    seq: u16,
    timestamp: u32,
    ip_id: u16,
    payload_len: usize,
) {
    ipv4_udp(out, flow, ip_id, data::RTP_HEADER_LEN + payload_len);
    Rtp {
        marker: false,
        payload_type: 0, // PCMU
        sequence: seq,
        timestamp,
        ssrc,
    }
    .emit(out);
    out.extend((0..payload_len).map(|i| 0xff ^ (i as u8 & 0x0f)));
}

/// EAPOL-Key messages of the 4-way handshake (12.7.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyMsg {
    M1,
    M2,
    M3,
    M4,
}

/// An EAPOL-Key frame (802.1X-2010 11.3, 802.11 12.7.2), RSN descriptor, HMAC-SHA1/AES.
pub(crate) fn eapol_key(out: &mut Vec<u8>, msg: KeyMsg, replay_counter: u64, nonce_seed: u8) {
    let key_data_len = match msg {
        KeyMsg::M2 => 22,
        KeyMsg::M3 => 56,
        KeyMsg::M1 | KeyMsg::M4 => 0,
    };
    let nonce: [u8; 32] = std::array::from_fn(|i| {
        if msg == KeyMsg::M4 {
            0
        } else {
            nonce_seed.wrapping_add((i as u8).wrapping_mul(7))
        }
    });
    let mic = [if msg == KeyMsg::M1 { 0 } else { 0x3c }; 16];
    EapolKeyRepr {
        mic: &mic,
        ..key_head(key_info(msg) | 2, 16, replay_counter, &nonce, key_data_len)
    }
    .emit(out);
    if msg == KeyMsg::M2 {
        // The station's RSN element (22 bytes).
        rsn_element(out, [0x00, 0x0f, 0xac, 2], None);
    } else {
        out.extend(std::iter::repeat_n(0xa5, key_data_len));
    }
}

/// Key Information of each message (12.7.2): Pairwise, and Install, Key Ack, Key MIC, Secure
/// and Encrypted Key Data as the message has them; the key descriptor version is ORed in.
fn key_info(msg: KeyMsg) -> u16 {
    match msg {
        KeyMsg::M1 => 0x0088,
        KeyMsg::M2 => 0x0108,
        KeyMsg::M3 => 0x13c8,
        KeyMsg::M4 => 0x0308,
    }
}

/// An EAPOL-Key PDU up to its Key Data Length (802.1X-2010 11.3, 802.11 Figure 12-32): 802.1X
/// version 2, RSN key descriptor, Key Information, Key Length, replay counter, nonce, zero IV,
/// RSC and reserved, a zero 16-octet MIC.
fn key_head(
    key_info: u16,
    key_length: u16,
    replay_counter: u64,
    nonce: &[u8; 32],
    key_data_len: usize,
) -> EapolKeyRepr<'static> {
    EapolKeyRepr {
        protocol_version: 2, // 802.1X-2004
        descriptor_type: 2,  // RSN key descriptor
        key_info,
        key_length,
        replay_counter,
        nonce: *nonce,
        key_iv: [0; 16],
        mic: &[0; 16],
        key_data_len,
    }
}

/// An EAPOL-Key frame of a real 4-way handshake (12.7.6): the given nonce and key data, and a
/// MIC computed with `kck` when the message has one (HMAC-SHA1-128 for key descriptor
/// version 2, AES-CMAC for version 3, and for the AKM-defined version 0 of SAE).
#[allow(clippy::too_many_arguments)]
pub(crate) fn eapol_key_signed(
    out: &mut Vec<u8>,
    msg: KeyMsg,
    replay_counter: u64,
    nonce: &[u8; 32],
    key_data: &[u8],
    kck: &[u8; 16],
    version: u8,
) {
    let start = out.len();
    let nonce = if msg == KeyMsg::M4 { &[0u8; 32] } else { nonce };
    // The MIC is filled in below.
    let info = key_info(msg) | u16::from(version & 7);
    key_head(info, 16, replay_counter, nonce, key_data.len()).emit(out);
    out.extend_from_slice(key_data);
    sign(out, start, msg, kck, version);
}

/// An EAPOL-Key frame of a real TKIP 4-way handshake (12.7.6), key descriptor version 1
/// (12.7.2): Key Length 32 (the TKIP TK and its two Michael keys), `key_iv` in the EAPOL-Key
/// IV field (the RC4 key of message 3's key data, with the KEK), and an HMAC-MD5 MIC.
#[allow(clippy::too_many_arguments)]
pub(crate) fn eapol_key_signed_tkip(
    out: &mut Vec<u8>,
    msg: KeyMsg,
    replay_counter: u64,
    nonce: &[u8; 32],
    key_data: &[u8],
    kck: &[u8; 16],
    key_iv: &[u8; 16],
) {
    let start = out.len();
    let nonce = if msg == KeyMsg::M4 { &[0u8; 32] } else { nonce };
    // The MIC is filled in below.
    EapolKeyRepr {
        key_iv: *key_iv,
        ..key_head(key_info(msg) | 1, 32, replay_counter, nonce, key_data.len())
    }
    .emit(out);
    out.extend_from_slice(key_data);
    sign(out, start, msg, kck, 1);
}

/// Fills in the MIC of the EAPOL-Key PDU at `start` (every message but the first).
fn sign(out: &mut [u8], start: usize, msg: KeyMsg, kck: &[u8; 16], version: u8) {
    if msg != KeyMsg::M1 {
        let mic =
            roamgap::crypto::handshake::eapol_mic(kck, version, &out[start..]).unwrap_or_default();
        let at = start + eapol_field::BODY.start + key_field::MIC.start;
        out[at..at + mic.len()].copy_from_slice(&mic);
    }
}

/// The station's RSN element as EAPOL key data (M2, and first in M3).
pub(crate) fn rsn_key_data(akm: [u8; 4]) -> Vec<u8> {
    let mut v = Vec::new();
    rsn_element(&mut v, akm, None);
    v
}

/// An EAPOL frame carrying an EAP packet (RFC 3748 4): code, identifier, type and data.
pub(crate) fn eap_packet(
    out: &mut Vec<u8>,
    code: u8,
    id: u8,
    eap_type: Option<u8>,
    data_len: usize,
) {
    let eap_len = 4 + usize::from(eap_type.is_some()) + data_len;
    EapolRepr {
        protocol_version: 2,
        packet_type: packet_type::EAP,
        body_len: eap_len as u16,
    }
    .emit(out);
    out.push(code);
    out.push(id);
    out.extend_from_slice(&(eap_len as u16).to_be_bytes());
    if let Some(t) = eap_type {
        out.push(t);
    }
    out.extend((0..data_len).map(|i| i as u8));
}

/// EAPOL-Start (802.1X-2010 11.3): the station asks for an EAP authentication.
pub fn eapol_start(out: &mut Vec<u8>) {
    EapolRepr {
        protocol_version: 2,
        packet_type: packet_type::START,
        body_len: 0,
    }
    .emit(out);
}
