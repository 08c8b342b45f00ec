//! Data frame payloads: LLC/SNAP (IEEE 802.2 + RFC 1042), EAPOL (IEEE 802.1X-2020 clause 11,
//! key frames per 802.11 12.7.2), IPv4/IPv6 → UDP, and RTP (RFC 3550 5.1).

use std::net::IpAddr;

use super::MacAddr;

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const ETHERTYPE_EAPOL: u16 = 0x888e;

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// LLC/SNAP header (AA AA 03, OUI 00:00:00 or 00:00:F8): returns the EtherType and payload.
pub fn llc_snap(body: &[u8]) -> Option<(u16, &[u8])> {
    if body.len() < 8
        || body[..3] != [0xaa, 0xaa, 0x03]
        || !matches!(body[3..6], [0, 0, 0] | [0, 0, 0xf8])
    {
        return None;
    }
    Some((be16(body, 6), &body[8..]))
}

/// Iterator over the subframes of an A-MSDU (9.3.2.2.2): (DA, SA, LLC payload).
pub struct AmsduSubframes<'a> {
    data: &'a [u8],
}

impl<'a> AmsduSubframes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        AmsduSubframes { data }
    }
}

impl<'a> Iterator for AmsduSubframes<'a> {
    type Item = (MacAddr, MacAddr, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.len() < 14 {
            return None;
        }
        let len = usize::from(be16(self.data, 12));
        let end = 14 + len;
        if end > self.data.len() {
            self.data = &[];
            return None;
        }
        let item = (
            MacAddr::from_slice(self.data),
            MacAddr::from_slice(&self.data[6..]),
            &self.data[14..end],
        );
        self.data = self.data.get(end.next_multiple_of(4)..).unwrap_or(&[]);
        Some(item)
    }
}

/// What an EAPOL frame is (802.1X-2020 Table 11-3 packet types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eapol {
    /// An EAP packet: code (1 request, 2 response, 3 success, 4 failure) and, for requests
    /// and responses, the EAP method type.
    Eap {
        code: u8,
        eap_type: Option<u8>,
    },
    Start,
    Logoff,
    Key(EapolKey),
    Other(u8),
}

/// Which message of the 4-way or group key handshake an EAPOL-Key frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum KeyMessage {
    M1,
    M2,
    M3,
    M4,
    /// Group key handshake message 1 / 2.
    G1,
    G2,
    /// A supplicant's request (Request bit): not part of a handshake.
    Request,
}

impl KeyMessage {
    /// Message number as Wireshark numbers it (`wlan_rsna_eapol.keydes.msgnr`).
    pub fn wireshark_number(self) -> Option<u8> {
        match self {
            KeyMessage::M1 | KeyMessage::G1 => Some(1),
            KeyMessage::M2 | KeyMessage::G2 => Some(2),
            KeyMessage::M3 => Some(3),
            KeyMessage::M4 => Some(4),
            KeyMessage::Request => None,
        }
    }
}

/// The fields of an EAPOL-Key frame a roam analysis needs (12.7.2, Figure 12-32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EapolKey {
    pub descriptor_type: u8,
    pub key_info: u16,
    pub replay_counter: u64,
    pub key_data_len: u16,
    pub message: KeyMessage,
}

const KEY_INFO_PAIRWISE: u16 = 1 << 3;
const KEY_INFO_INSTALL: u16 = 1 << 6;
const KEY_INFO_ACK: u16 = 1 << 7;
const KEY_INFO_MIC: u16 = 1 << 8;
const KEY_INFO_REQUEST: u16 = 1 << 11;

impl EapolKey {
    /// Message number as Wireshark numbers it (`wlan_rsna_eapol.keydes.msgnr`): as
    /// [`KeyMessage::wireshark_number`], except that tshark 4.0 calls a pairwise message
    /// without Key Ack message 2 whenever it carries key data, so a message 4 with key data
    /// is its "message 2".
    pub fn wireshark_number(&self) -> Option<u8> {
        match self.message {
            KeyMessage::M4 if self.key_data_len != 0 => Some(2),
            m => m.wireshark_number(),
        }
    }

    fn parse(body: &[u8]) -> Option<EapolKey> {
        // descriptor (1), key info (2), key length (2), replay counter (8), nonce (32),
        // IV (16), RSC (8), reserved (8), MIC (16 or 24), key data length (2).
        if body.len() < 95 {
            return None;
        }
        let key_info = be16(body, 1);
        let mut rc = [0u8; 8];
        rc.copy_from_slice(&body[5..13]);
        // The MIC is 16 bytes except for the 192-bit AKMs (24): take the length that makes
        // the key data length field agree with the frame.
        let key_data_len = [16usize, 24]
            .iter()
            .map(|mic| 77 + mic)
            .find(|&at| body.len() >= at + 2 && usize::from(be16(body, at)) == body.len() - at - 2)
            .map_or_else(|| be16(body, 93), |at| be16(body, at));
        let message = if key_info & KEY_INFO_REQUEST != 0 {
            KeyMessage::Request
        } else if key_info & KEY_INFO_PAIRWISE == 0 {
            if key_info & KEY_INFO_ACK != 0 {
                KeyMessage::G1
            } else {
                KeyMessage::G2
            }
        } else if key_info & KEY_INFO_ACK != 0 {
            if key_info & (KEY_INFO_MIC | KEY_INFO_INSTALL) == 0 {
                KeyMessage::M1
            } else {
                KeyMessage::M3
            }
        } else if key_data_len == 0 || body[13..45].iter().all(|&b| b == 0) {
            // 12.7.6.3 and 12.7.6.5: message 2 carries the station's SNonce and its RSN
            // element as key data; message 4 carries a zero Key Nonce, and key data only from
            // some stacks. The nonce tells them apart: not the Secure bit, which a station
            // sets in message 2 of a rekey (aircrack-ng's wpa2-psk-linksys.cap, frame 90), nor
            // the key data alone, which tshark 4.0 goes by (it calls a message 4 with key data
            // "message 2"). WPA (pre-RSN) stacks leave message 4 without key data.
            KeyMessage::M4
        } else {
            KeyMessage::M2
        };
        Some(EapolKey {
            descriptor_type: body[0],
            key_info,
            replay_counter: u64::from_be_bytes(rc),
            key_data_len,
            message,
        })
    }
}

/// A borrowed view of a whole EAPOL-Key PDU (802.1X header included), for the key handshake:
/// the fields key derivation and MIC checking read (12.7.2, Figure 12-32).
#[derive(Clone, Copy, Debug)]
pub struct EapolKeyFrame<'a> {
    pdu: &'a [u8],
    mic_len: usize,
}

impl<'a> EapolKeyFrame<'a> {
    /// `pdu` starts at the 802.1X header (version, type 3, length). The MIC is 16 octets, or 24
    /// for the 192-bit AKMs (taken when only that length makes the key data length agree).
    pub fn new_checked(pdu: &'a [u8]) -> Option<EapolKeyFrame<'a>> {
        if pdu.len() < 4 + 95 || pdu[1] != 3 {
            return None;
        }
        let body_len = usize::from(be16(pdu, 2));
        let pdu = pdu.get(..4 + body_len)?;
        let body = &pdu[4..];
        let mic_len = [16usize, 24].into_iter().find(|mic| {
            let at = 77 + mic;
            body.len() >= at + 2 && usize::from(be16(body, at)) == body.len() - at - 2
        })?;
        Some(EapolKeyFrame { pdu, mic_len })
    }

    fn body(&self) -> &'a [u8] {
        &self.pdu[4..]
    }

    /// The whole PDU, as the MIC covers it (with the MIC field zeroed: [`Self::mic_range`]).
    pub fn pdu(&self) -> &'a [u8] {
        self.pdu
    }

    pub fn key_info(&self) -> u16 {
        be16(self.body(), 1)
    }

    /// Key Descriptor Version (bits 0–2): 1 HMAC-MD5/RC4, 2 HMAC-SHA1/AES key wrap,
    /// 3 AES-CMAC/AES key wrap, 0 defined by the AKM.
    pub fn descriptor_version(&self) -> u8 {
        (self.key_info() & 7) as u8
    }

    pub fn replay_counter(&self) -> u64 {
        let mut rc = [0u8; 8];
        rc.copy_from_slice(&self.body()[5..13]);
        u64::from_be_bytes(rc)
    }

    pub fn nonce(&self) -> &'a [u8; 32] {
        self.body()[13..45].try_into().unwrap_or(&[0; 32])
    }

    pub fn mic(&self) -> &'a [u8] {
        &self.body()[77..77 + self.mic_len]
    }

    /// Where the MIC lies in [`Self::pdu`].
    pub fn mic_range(&self) -> std::ops::Range<usize> {
        4 + 77..4 + 77 + self.mic_len
    }

    pub fn key_data(&self) -> &'a [u8] {
        &self.body()[77 + self.mic_len + 2..]
    }

    /// Encrypted Key Data bit (bit 12).
    pub fn key_data_encrypted(&self) -> bool {
        self.key_info() & (1 << 12) != 0
    }
}

/// Decodes an EAPOL frame (the payload after the LLC/SNAP header).
pub fn eapol(payload: &[u8]) -> Option<Eapol> {
    if payload.len() < 4 {
        return None;
    }
    let len = usize::from(be16(payload, 2));
    let body = payload.get(4..4 + len).unwrap_or(&payload[4..]);
    Some(match payload[1] {
        0 => {
            let code = *body.first()?;
            Eapol::Eap {
                code,
                eap_type: if matches!(code, 1 | 2) {
                    body.get(4).copied()
                } else {
                    None
                },
            }
        }
        1 => Eapol::Start,
        2 => Eapol::Logoff,
        3 => Eapol::Key(EapolKey::parse(body)?),
        other => Eapol::Other(other),
    })
}

/// A UDP datagram inside IPv4 or IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Udp<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

/// The UDP datagram in an IP packet of the given EtherType, if it is one and is the first
/// (or only) fragment.
pub fn udp(ethertype: u16, ip: &[u8]) -> Option<Udp<'_>> {
    let (src, dst, l4) = match ethertype {
        ETHERTYPE_IPV4 => {
            if ip.len() < 20 || ip[0] >> 4 != 4 {
                return None;
            }
            let ihl = usize::from(ip[0] & 0xf) * 4;
            let total = usize::from(be16(ip, 2));
            // Only the first fragment carries the UDP header.
            if ihl < 20 || be16(ip, 6) & 0x1fff != 0 || ip[9] != 17 || ip.len() < ihl {
                return None;
            }
            let end = total.clamp(ihl, ip.len());
            let s: [u8; 4] = ip[12..16].try_into().ok()?;
            let d: [u8; 4] = ip[16..20].try_into().ok()?;
            (IpAddr::from(s), IpAddr::from(d), &ip[ihl..end])
        }
        ETHERTYPE_IPV6 => {
            if ip.len() < 40 || ip[0] >> 4 != 6 {
                return None;
            }
            let s: [u8; 16] = ip[8..24].try_into().ok()?;
            let d: [u8; 16] = ip[24..40].try_into().ok()?;
            let end = (40 + usize::from(be16(ip, 4))).min(ip.len());
            let mut next = ip[6];
            let mut at = 40;
            // Step over a bounded number of extension headers.
            for _ in 0..8 {
                match next {
                    17 => break,
                    0 | 43 | 60 => {
                        let h = ip.get(at..at + 2)?;
                        next = h[0];
                        at += (usize::from(h[1]) + 1) * 8;
                    }
                    44 => {
                        let h = ip.get(at..at + 8)?;
                        if be16(h, 2) & 0xfff8 != 0 {
                            return None;
                        }
                        next = h[0];
                        at += 8;
                    }
                    _ => return None,
                }
            }
            if next != 17 || at > end {
                return None;
            }
            (IpAddr::from(s), IpAddr::from(d), &ip[at..end])
        }
        _ => return None,
    };
    if l4.len() < 8 {
        return None;
    }
    let len = usize::from(be16(l4, 4)).clamp(8, l4.len());
    Some(Udp {
        src,
        dst,
        src_port: be16(l4, 0),
        dst_port: be16(l4, 2),
        payload: &l4[8..len],
    })
}

/// An RTP header (RFC 3550 5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rtp {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

/// Ports whose traffic is never RTP, however its first bytes look.
fn is_non_rtp_port(port: u16) -> bool {
    port < 1024
        || matches!(
            port,
            1194 | 1645
                | 1646
                | 1812
                | 1813
                | 1900
                | 3478
                | 3702
                | 4500
                | 5246
                | 5247
                | 5353
                | 5355
                | 5683
                | 16666
                | 16667
        )
}

/// Recognizes RTP on any UDP port, as Wireshark's RTP heuristic does, but stricter: version 2,
/// a payload type that is a defined or dynamic media type (never the RTCP range 72–76), the
/// CSRC list, extension and padding consistent with the datagram length, and neither port a
/// well-known non-RTP service (DNS, DHCP, NTP, RADIUS, mDNS, CAPWAP, ...). Streams are further
/// confirmed by the analysis (several packets of one SSRC).
pub fn rtp(udp: &Udp<'_>) -> Option<Rtp> {
    let p = udp.payload;
    if p.len() < 12
        || p[0] >> 6 != 2
        || is_non_rtp_port(udp.src_port)
        || is_non_rtp_port(udp.dst_port)
    {
        return None;
    }
    let payload_type = p[1] & 0x7f;
    if !matches!(payload_type, 0..=34 | 96..=127) {
        return None;
    }
    let csrc = usize::from(p[0] & 0xf);
    let mut header = 12 + 4 * csrc;
    if p[0] & 0x10 != 0 {
        let ext = p.get(header..header + 4)?;
        header += 4 + 4 * usize::from(u16::from_be_bytes([ext[2], ext[3]]));
    }
    if header > p.len() {
        return None;
    }
    if p[0] & 0x20 != 0 {
        let pad = usize::from(p[p.len() - 1]);
        if pad == 0 || header + pad > p.len() {
            return None;
        }
    }
    Some(Rtp {
        marker: p[1] & 0x80 != 0,
        payload_type,
        sequence: be16(p, 2),
        timestamp: be32(p, 4),
        ssrc: be32(p, 8),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4_udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut ip = vec![0x45, 0xb8];
        ip.extend(((28 + payload.len()) as u16).to_be_bytes());
        ip.extend([0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        ip.extend(sport.to_be_bytes());
        ip.extend(dport.to_be_bytes());
        ip.extend(((8 + payload.len()) as u16).to_be_bytes());
        ip.extend([0, 0]);
        ip.extend(payload);
        ip
    }

    fn rtp_header(pt: u8, seq: u16) -> Vec<u8> {
        let mut h = vec![0x80, pt];
        h.extend(seq.to_be_bytes());
        h.extend(160u32.to_be_bytes());
        h.extend(0x1a2b3c4du32.to_be_bytes());
        h.extend([0xd5; 160]);
        h
    }

    #[test]
    fn rtp_over_ipv4() {
        let ip = ipv4_udp(16384, 20000, &rtp_header(0, 65535));
        let u = udp(ETHERTYPE_IPV4, &ip).unwrap();
        assert_eq!(
            (u.src_port, u.dst_port, u.src.to_string()),
            (16384, 20000, "10.0.0.1".to_string())
        );
        let r = rtp(&u).unwrap();
        assert_eq!(
            (r.payload_type, r.sequence, r.timestamp, r.ssrc),
            (0, 65535, 160, 0x1a2b3c4d)
        );
    }

    #[test]
    fn rtp_heuristic_rejects_lookalikes() {
        // DNS with ID 0x8000 on port 53.
        let dns = ipv4_udp(
            53,
            33000,
            &[0x80, 0x00, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'w'],
        );
        assert!(rtp(&udp(ETHERTYPE_IPV4, &dns).unwrap()).is_none());
        // RTCP sender report (PT 200 = marker + 72).
        let rtcp = ipv4_udp(16385, 20001, &rtp_header(200, 1));
        assert!(rtp(&udp(ETHERTYPE_IPV4, &rtcp).unwrap()).is_none());
        // Version 1 and short datagrams.
        let mut v1 = rtp_header(0, 1);
        v1[0] = 0x40;
        assert!(rtp(&udp(ETHERTYPE_IPV4, &ipv4_udp(16384, 20000, &v1)).unwrap()).is_none());
        assert!(
            rtp(&udp(ETHERTYPE_IPV4, &ipv4_udp(16384, 20000, &[0x80, 0, 0, 1])).unwrap()).is_none()
        );
        // CSRC count pointing past the datagram.
        let mut cc = rtp_header(0, 1);
        cc.truncate(20);
        cc[0] = 0x8f;
        assert!(rtp(&udp(ETHERTYPE_IPV4, &ipv4_udp(16384, 20000, &cc)).unwrap()).is_none());
        // Non-first IPv4 fragment.
        let mut frag = ipv4_udp(16384, 20000, &rtp_header(0, 1));
        frag[7] = 0x10;
        assert!(udp(ETHERTYPE_IPV4, &frag).is_none());
    }

    #[test]
    fn udp_over_ipv6_with_extension_header() {
        let payload = rtp_header(8, 7);
        let mut ip = vec![0x60, 0, 0, 0];
        ip.extend(((8 + 8 + payload.len()) as u16).to_be_bytes());
        ip.extend([0, 64]); // hop-by-hop next
        ip.extend([0u8; 32]);
        ip.extend([17, 0, 0, 0, 0, 0, 0, 0]);
        ip.extend(5004u16.to_be_bytes());
        ip.extend(5006u16.to_be_bytes());
        ip.extend(((8 + payload.len()) as u16).to_be_bytes());
        ip.extend([0, 0]);
        ip.extend(&payload);
        let u = udp(ETHERTYPE_IPV6, &ip).unwrap();
        assert_eq!(rtp(&u).unwrap().sequence, 7);
    }

    /// An EAPOL-Key frame with its Key Nonce filled with `nonce`.
    fn key_frame(key_info: u16, key_data: usize, nonce: u8) -> Vec<u8> {
        let mut b = vec![2];
        b.extend(key_info.to_be_bytes());
        b.extend(16u16.to_be_bytes());
        b.extend(5u64.to_be_bytes());
        b.extend([nonce; 32]);
        b.extend([0u8; 16 + 8 + 8 + 16]);
        b.extend((key_data as u16).to_be_bytes());
        b.extend(vec![0xdd; key_data]);
        let mut f = vec![2, 3];
        f.extend((b.len() as u16).to_be_bytes());
        f.extend(b);
        f
    }

    #[test]
    fn four_way_handshake_messages() {
        for (info, data, nonce, want) in [
            (0x008a, 0, 0x11, KeyMessage::M1),
            (0x010a, 22, 0x22, KeyMessage::M2),
            // Message 2 of a rekey: the station sets Secure; its SNonce tells it from 4.
            (0x030a, 22, 0x22, KeyMessage::M2),
            (0x13ca, 56, 0x11, KeyMessage::M3),
            (0x030a, 0, 0, KeyMessage::M4),
            (0x1382, 40, 0, KeyMessage::G1),
            (0x0302, 0, 0, KeyMessage::G2),
        ] {
            match eapol(&key_frame(info, data, nonce)) {
                Some(Eapol::Key(k)) => {
                    assert_eq!(k.message, want, "key info {info:#06x}");
                    assert_eq!(k.replay_counter, 5);
                    assert_eq!(usize::from(k.key_data_len), data);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            eapol(&[1, 0, 0, 5, 1, 7, 0, 5, 1]),
            Some(Eapol::Eap {
                code: 1,
                eap_type: Some(1)
            })
        );
        assert_eq!(eapol(&[1, 1, 0, 0]), Some(Eapol::Start));
        assert_eq!(eapol(&[2, 3, 0, 10, 2]), None);
    }

    #[test]
    fn message_4_with_key_data() {
        // A stack that puts key data into message 4 (zero Key Nonce, no Key Ack): message 4 for the
        // handshake, but tshark 4.0.17 numbers it 2 (it reads only the key data length; checked
        // on these frames written to a pcap): the counts follow tshark, the analysis the
        // standard. A WPA message 4 (Secure clear, no key data) is 4 for both.
        for (info, data, nonce, message, wireshark) in [
            (0x030a, 22, 0, KeyMessage::M4, 2),
            (0x030a, 0, 0, KeyMessage::M4, 4),
            (0x0109, 0, 0, KeyMessage::M4, 4),
            (0x010a, 22, 0x22, KeyMessage::M2, 2),
        ] {
            let Some(Eapol::Key(k)) = eapol(&key_frame(info, data, nonce)) else {
                panic!("key info {info:#06x}");
            };
            assert_eq!(k.message, message, "key info {info:#06x}, {data} bytes");
            assert_eq!(
                k.wireshark_number(),
                Some(wireshark),
                "key info {info:#06x}"
            );
        }
    }

    #[test]
    fn llc_and_amsdu() {
        assert_eq!(
            llc_snap(&[0xaa, 0xaa, 3, 0, 0, 0, 0x88, 0x8e, 1]),
            Some((0x888e, &[1u8][..]))
        );
        assert_eq!(llc_snap(&[0xaa, 0xaa, 3, 0, 0x40, 0x96, 0, 0]), None);
        let mut a = Vec::new();
        for payload in [&b"abcde"[..], &b"xy"[..]] {
            a.extend([1u8; 6]);
            a.extend([2u8; 6]);
            a.extend((payload.len() as u16).to_be_bytes());
            a.extend(payload);
            a.resize(a.len().next_multiple_of(4), 0);
        }
        let subs: Vec<_> = AmsduSubframes::new(&a).map(|s| s.2).collect();
        assert_eq!(subs, vec![&b"abcde"[..], &b"xy"[..]]);
    }
}
