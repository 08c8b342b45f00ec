//! Builders for the 802.11 frames the generator writes, byte by byte, from the same clauses
//! the decoder reads (so each side can be checked against the other and against tshark).

use roamgap_wire::dot11::ie::{OUI_CISCO, OUI_IEEE, OUI_MICROSOFT};
use roamgap_wire::dot11::MacAddr;

/// Appends one element (9.4.2.1): ID, length, body.
pub fn element(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    out.push(id);
    out.push(body.len() as u8);
    out.extend_from_slice(body);
}

/// A management frame header (9.3.3.2): DA, SA (= TA), BSSID.
pub fn mgmt_header(
    subtype: u8,
    retry: bool,
    da: MacAddr,
    sa: MacAddr,
    bssid: MacAddr,
    seq: u16,
) -> Vec<u8> {
    let mut f = Vec::with_capacity(256);
    f.push(subtype << 4);
    f.push(if retry { 0x08 } else { 0 });
    f.extend_from_slice(&314u16.to_le_bytes());
    f.extend_from_slice(&da.0);
    f.extend_from_slice(&sa.0);
    f.extend_from_slice(&bssid.0);
    f.extend_from_slice(&(seq << 4).to_le_bytes());
    f
}

/// SSID, supported rates (1, 2, 5.5, 11 basic; 6..54) and DS Parameter Set.
pub fn basic_elements(out: &mut Vec<u8>, ssid: &str, channel: Option<u8>) {
    element(out, 0, ssid.as_bytes());
    element(out, 1, &[0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24]);
    if let Some(ch) = channel {
        element(out, 3, &[ch]);
    }
}

/// An RSN element (9.4.2.24) with CCMP and one AKM suite; `pmkid` adds one PMKID.
pub fn rsn_element(out: &mut Vec<u8>, akm: [u8; 4], pmkid: Option<[u8; 16]>) {
    rsn_element_cipher(out, 4, akm, pmkid);
}

/// An RSN element (9.4.2.24, Table 9-149) whose group and pairwise cipher suite is
/// 00-0F-AC:`cipher` (2 TKIP, 4 CCMP-128), with one AKM suite and optionally one PMKID.
pub fn rsn_element_cipher(out: &mut Vec<u8>, cipher: u8, akm: [u8; 4], pmkid: Option<[u8; 16]>) {
    let mut b = Vec::with_capacity(40);
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&OUI_IEEE);
    b.push(cipher); // group
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&OUI_IEEE);
    b.push(cipher); // pairwise
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&akm);
    b.extend_from_slice(&0u16.to_le_bytes()); // RSN capabilities
    if let Some(id) = pmkid {
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&id);
    }
    element(out, 48, &b);
}

/// The Cisco CCKM element: ID 156, OUI 00:40:96, type 0, then timestamp (8), rekey
/// number (4) and MIC (8) in a request; just the OUI and type in a response.
pub fn cckm_element(out: &mut Vec<u8>, request: Option<(u64, u32)>) {
    let mut b = OUI_CISCO.to_vec();
    b.push(0);
    if let Some((timestamp, rn)) = request {
        b.extend_from_slice(&timestamp.to_le_bytes());
        b.extend_from_slice(&rn.to_le_bytes());
        b.extend_from_slice(&[0x5a; 8]);
    }
    element(out, 156, &b);
}

/// A TSPEC body (9.4.2.29, 55 bytes) for a G.711 voice stream at 20 ms.
pub fn tspec_body(tid: u8, up: u8, direction_bits: u8, min_phy_rate: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(55);
    // TS Info: TID bits 1-4, direction 5-6, access policy EDCA (bit 7), PSB, UP bits 11-13.
    let ts_info: u32 =
        (u32::from(tid) << 1) | (u32::from(direction_bits) << 5) | (1 << 7) | (u32::from(up) << 11);
    b.extend_from_slice(&ts_info.to_le_bytes()[..3]);
    b.extend_from_slice(&(208u16 | 0x8000).to_le_bytes()); // nominal MSDU size, fixed
    b.extend_from_slice(&208u16.to_le_bytes()); // maximum MSDU size
    b.extend_from_slice(&0u32.to_le_bytes()); // minimum service interval
    b.extend_from_slice(&0u32.to_le_bytes()); // maximum service interval
    b.extend_from_slice(&0u32.to_le_bytes()); // inactivity interval
    b.extend_from_slice(&0u32.to_le_bytes()); // suspension interval
    b.extend_from_slice(&0u32.to_le_bytes()); // service start time
    b.extend_from_slice(&83_200u32.to_le_bytes()); // minimum data rate
    b.extend_from_slice(&83_200u32.to_le_bytes()); // mean data rate
    b.extend_from_slice(&83_200u32.to_le_bytes()); // peak data rate
    b.extend_from_slice(&0u32.to_le_bytes()); // burst size
    b.extend_from_slice(&0u32.to_le_bytes()); // delay bound
    b.extend_from_slice(&min_phy_rate.to_le_bytes());
    b.extend_from_slice(&0x2000u16.to_le_bytes()); // surplus bandwidth allowance 1.0
    b.extend_from_slice(&0u16.to_le_bytes()); // medium time
    b
}

/// A WMM TSPEC element: vendor 00:50:F2, type 2, subtype 2, version 1.
pub fn wmm_tspec_element(out: &mut Vec<u8>, tid: u8, up: u8, direction_bits: u8) {
    let mut b = OUI_MICROSOFT.to_vec();
    b.extend_from_slice(&[2, 2, 1]);
    b.extend_from_slice(&tspec_body(tid, up, direction_bits, 12_000_000));
    element(out, 221, &b);
}

/// Mobility Domain (9.4.2.46): MDID, FT capability (over the DS off).
pub fn mobility_domain_element(out: &mut Vec<u8>, mdid: u16) {
    let mut b = mdid.to_le_bytes().to_vec();
    b.push(0);
    element(out, 54, &b);
}

/// Fast BSS Transition element (9.4.2.47): MIC control, MIC, ANonce, SNonce.
pub fn fast_transition_element(out: &mut Vec<u8>, nonce_seed: u8) {
    let mut b = vec![0u8; 2 + 16];
    b.extend((0..32).map(|i| nonce_seed.wrapping_add(i)));
    b.extend((0..32).map(|i| nonce_seed.wrapping_mul(3).wrapping_add(i)));
    element(out, 55, &b);
}

/// A Fast BSS Transition element with real contents (9.4.2.47): MIC Control (element count),
/// MIC, ANonce, SNonce, then the R1KH-ID (subelement 1), GTK (2) and R0KH-ID (3) subelements
/// given.
pub struct FtElement<'a> {
    pub element_count: u8,
    pub mic: [u8; 16],
    pub anonce: [u8; 32],
    pub snonce: [u8; 32],
    pub r1kh: Option<[u8; 6]>,
    pub gtk: Option<&'a [u8]>,
    pub r0kh: Option<&'a [u8]>,
}

impl FtElement<'_> {
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut b = vec![0, self.element_count];
        b.extend_from_slice(&self.mic);
        b.extend_from_slice(&self.anonce);
        b.extend_from_slice(&self.snonce);
        if let Some(id) = self.r1kh {
            b.extend_from_slice(&[1, 6]);
            b.extend_from_slice(&id);
        }
        if let Some(g) = self.gtk {
            b.extend_from_slice(&[2, g.len() as u8]);
            b.extend_from_slice(g);
        }
        if let Some(id) = self.r0kh {
            b.extend_from_slice(&[3, id.len() as u8]);
            b.extend_from_slice(id);
        }
        element(out, 55, &b);
    }
}

/// A QoS Data frame header (9.3.2.1) between a station and its AP, with QoS Control (TID).
pub fn qos_data_header(
    uplink: bool,
    retry: bool,
    station: MacAddr,
    bssid: MacAddr,
    peer: MacAddr,
    seq: u16,
    tid: u8,
) -> Vec<u8> {
    let mut f = Vec::with_capacity(256);
    f.push(0x88);
    let mut flags = if uplink { 0x01 } else { 0x02 };
    if retry {
        flags |= 0x08;
    }
    f.push(flags);
    f.extend_from_slice(&44u16.to_le_bytes());
    let (a1, a2, a3) = if uplink {
        (bssid, station, peer)
    } else {
        (station, bssid, peer)
    };
    f.extend_from_slice(&a1.0);
    f.extend_from_slice(&a2.0);
    f.extend_from_slice(&a3.0);
    f.extend_from_slice(&(seq << 4).to_le_bytes());
    f.extend_from_slice(&u16::from(tid).to_le_bytes());
    f
}

/// LLC/SNAP header (RFC 1042) with an EtherType.
pub fn llc_snap(out: &mut Vec<u8>, ethertype: u16) {
    out.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0]);
    out.extend_from_slice(&ethertype.to_be_bytes());
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
    let udp_len = 8 + payload_len;
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[1] = flow.tos;
    ip[2..4].copy_from_slice(&((20 + udp_len) as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&ip_id.to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&flow.src);
    ip[16..20].copy_from_slice(&flow.dst);
    let mut sum: u32 = ip
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    out.extend_from_slice(&ip);
    out.extend_from_slice(&flow.sport.to_be_bytes());
    out.extend_from_slice(&flow.dport.to_be_bytes());
    out.extend_from_slice(&(udp_len as u16).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
}

/// IPv4 + UDP + RTP (RFC 3550) with a G.711 payload.
pub fn ipv4_udp_rtp(
    out: &mut Vec<u8>,
    flow: UdpFlow,
    ssrc: u32,
    seq: u16,
    timestamp: u32,
    ip_id: u16,
    payload_len: usize,
) {
    ipv4_udp(out, flow, ip_id, 12 + payload_len);
    out.push(0x80);
    out.push(0); // PCMU
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.extend((0..payload_len).map(|i| 0xff ^ (i as u8 & 0x0f)));
}

/// EAPOL-Key messages of the 4-way handshake (12.7.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMsg {
    M1,
    M2,
    M3,
    M4,
}

/// An EAPOL-Key frame (802.1X-2010 11.3, 802.11 12.7.2), RSN descriptor, HMAC-SHA1/AES.
pub fn eapol_key(out: &mut Vec<u8>, msg: KeyMsg, replay_counter: u64, nonce_seed: u8) {
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
    eapol_key_head(
        out,
        key_info(msg) | 2,
        16,
        replay_counter,
        &nonce,
        &mic,
        key_data_len,
    );
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
/// header, RSN key descriptor, Key Information, Key Length 16, replay counter, nonce, zero IV,
/// RSC and reserved, MIC.
fn eapol_key_head(
    out: &mut Vec<u8>,
    key_info: u16,
    key_len: u16,
    replay_counter: u64,
    nonce: &[u8; 32],
    mic: &[u8; 16],
    key_data_len: usize,
) {
    out.push(2); // 802.1X-2004
    out.push(3); // EAPOL-Key
    out.extend_from_slice(&((95 + key_data_len) as u16).to_be_bytes());
    out.push(2); // RSN key descriptor
    out.extend_from_slice(&key_info.to_be_bytes());
    out.extend_from_slice(&key_len.to_be_bytes());
    out.extend_from_slice(&replay_counter.to_be_bytes());
    out.extend_from_slice(nonce);
    out.extend_from_slice(&[0u8; 16 + 8 + 8]); // IV, RSC, reserved
    out.extend_from_slice(mic);
    out.extend_from_slice(&(key_data_len as u16).to_be_bytes());
}

/// An EAPOL-Key frame of a real 4-way handshake (12.7.6): the given nonce and key data, and a
/// MIC computed with `kck` when the message has one (HMAC-SHA1-128 for key descriptor
/// version 2, AES-CMAC for version 3, and for the AKM-defined version 0 of SAE).
#[allow(clippy::too_many_arguments)]
pub fn eapol_key_signed(
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
    eapol_key_head(
        out,
        key_info(msg) | u16::from(version & 7),
        16,
        replay_counter,
        nonce,
        &[0; 16], // filled below
        key_data.len(),
    );
    out.extend_from_slice(key_data);
    sign(out, start, msg, kck, version);
}

/// An EAPOL-Key frame of a real TKIP 4-way handshake (12.7.6), key descriptor version 1
/// (12.7.2): Key Length 32 (the TKIP TK and its two Michael keys), `key_iv` in the EAPOL-Key
/// IV field (the RC4 key of message 3's key data, with the KEK), and an HMAC-MD5 MIC.
#[allow(clippy::too_many_arguments)]
pub fn eapol_key_signed_tkip(
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
    eapol_key_head(
        out,
        key_info(msg) | 1,
        32,
        replay_counter,
        nonce,
        &[0; 16], // filled below
        key_data.len(),
    );
    out[start + 49..start + 65].copy_from_slice(key_iv);
    out.extend_from_slice(key_data);
    sign(out, start, msg, kck, 1);
}

/// Fills in the MIC of the EAPOL-Key PDU at `start` (every message but the first).
fn sign(out: &mut [u8], start: usize, msg: KeyMsg, kck: &[u8; 16], version: u8) {
    if msg != KeyMsg::M1 {
        let mic =
            roamgap::crypto::handshake::eapol_mic(kck, version, &out[start..]).unwrap_or_default();
        out[start + 81..start + 97].copy_from_slice(&mic);
    }
}

/// The station's RSN element as EAPOL key data (M2, and first in M3).
pub fn rsn_key_data(akm: [u8; 4]) -> Vec<u8> {
    let mut v = Vec::new();
    rsn_element(&mut v, akm, None);
    v
}

/// An EAPOL frame carrying an EAP packet (RFC 3748 4): code, identifier, type and data.
pub fn eap_packet(out: &mut Vec<u8>, code: u8, id: u8, eap_type: Option<u8>, data_len: usize) {
    let eap_len = 4 + usize::from(eap_type.is_some()) + data_len;
    out.push(2);
    out.push(0); // EAP packet
    out.extend_from_slice(&(eap_len as u16).to_be_bytes());
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
    out.extend_from_slice(&[2, 1, 0, 0]);
}
