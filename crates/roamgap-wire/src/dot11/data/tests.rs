//! The classifiers over the payload views: RTP over IPv4 and IPv6, EAPOL-Key messages,
//! LLC/SNAP and A-MSDU.

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

#[test]
fn llc_snap_bytes_and_round_trip() {
    for (bytes, bridge_tunnel, ethertype) in [
        ([0xaa, 0xaa, 3, 0, 0, 0, 0x08, 0x00], false, ETHERTYPE_IPV4),
        (
            [0xaa, 0xaa, 3, 0, 0, 0xf8, 0x88, 0x8e],
            true,
            ETHERTYPE_EAPOL,
        ),
    ] {
        let p = LlcSnap::new_checked(&bytes[..]).unwrap();
        let r = LlcSnapRepr::parse(&p);
        assert_eq!((r.bridge_tunnel, r.ethertype), (bridge_tunnel, ethertype));
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(out, bytes);
    }
    // Cisco's OUI (Aironet extensions) is not RFC 1042.
    assert_eq!(
        LlcSnap::new_checked(&[0xaa, 0xaa, 3, 0, 0x40, 0x96, 0, 0][..]).unwrap_err(),
        Dot11Error::Malformed("not an RFC 1042 LLC/SNAP header")
    );
    assert!(matches!(
        LlcSnap::new_checked(&[0xaa, 0xaa, 3][..]),
        Err(Dot11Error::Truncated { need: 8, .. })
    ));
}
