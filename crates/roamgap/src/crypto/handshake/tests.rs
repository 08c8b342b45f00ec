use super::*;

#[test]
fn the_gtk_kde_is_found_among_other_elements() {
    let mut kd = vec![0x30, 2, 1, 0]; // an RSNE
    kd.extend([0xdd, 22, 0x00, 0x0f, 0xac, 0x01, 0x02, 0x00]);
    kd.extend([0x11; 16]);
    kd.extend([0xdd, 0]); // padding
    assert_eq!(gtk_kde(&kd), Some((2, &[0x11; 16][..])));
    assert_eq!(gtk_kde(&[0xdd, 40, 0]), None);
}

fn message(frame: u64, message: KeyMessage, rc: u64, nonce: u8) -> HandshakeMessage {
    HandshakeMessage {
        frame,
        ts_ns: frame as i64 * 1_000_000,
        station: MacAddr([0x00, 0x1b, 0xd4, 1, 2, 3]),
        bssid: MacAddr([0x00, 0x3a, 0x98, 4, 5, 6]),
        message,
        descriptor_type: 2,
        key_info: 0,
        version: 2,
        replay_counter: rc,
        nonce: [nonce; 32],
        key_iv: [0; 16],
        mic: vec![0; 16],
        pdu_zeroed: vec![frame as u8; 99],
        key_data: Vec::new(),
        key_data_encrypted: false,
    }
}

#[test]
fn a_handshake_gives_its_ptk_and_a_group_key_handshake_its_gtk() {
    let mut ring = KeyRing::default();
    ring.add_passphrase("roamgap voice 1:voice").unwrap();
    let pmk = ring.pmks[0].key;
    let m1 = message(1, KeyMessage::M1, 7, 0xa1);
    let mut m2 = message(2, KeyMessage::M2, 7, 0x5e);
    let ptk = pairwise_ptk(
        KeyHash::Sha1,
        &pmk,
        m2.bssid.0,
        m2.station.0,
        &m1.nonce,
        &m2.nonce,
    );
    m2.mic = eapol_mic(&ptk.kck, 2, &m2.pdu_zeroed).unwrap().to_vec();
    // A group key handshake later (12.7.7): the GTK KDE wrapped with the KEK.
    let mut g1 = message(40, KeyMessage::G1, 9, 0);
    let mut kde = vec![0xdd, 22, 0x00, 0x0f, 0xac, 0x01, 0x02, 0x00];
    kde.extend([0x77; 16]);
    kde.extend([0xdd, 0, 0, 0, 0, 0, 0, 0]); // padding to a multiple of 8
    let mut wrapped = vec![0u8; kde.len() + 8];
    aes_kw::KekAes128::from(ptk.kek)
        .wrap(&kde, &mut wrapped)
        .unwrap();
    g1.key_data = wrapped;
    g1.key_data_encrypted = true;
    let frames: Vec<KeyFrame> = [m1, m2.clone(), g1]
        .into_iter()
        .map(KeyFrame::Eapol)
        .collect();
    let s = KeySchedule::build(&frames, &ring);
    assert_eq!(s.summary.handshakes, 1);
    assert_eq!(s.summary.handshakes_with_key, 1);
    assert_eq!(s.summary.group_keys, 1);
    let keys: Vec<_> = s.pairwise_keys(m2.station, m2.bssid, 100_000_000).collect();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].tk(), ptk.tk);
    let gtks: Vec<_> = s
        .group_keys(m2.bssid, 2, 50_000_000)
        .map(|(g, in_force)| (g.key(), in_force))
        .collect();
    assert_eq!(gtks, [(&[0x77; 16][..], true)]);
    // Before the group key handshake, the key it delivers is tried, as not yet in force;
    // another key ID, none.
    assert_eq!(
        s.group_keys(m2.bssid, 2, 10_000_000)
            .map(|(_, f)| f)
            .collect::<Vec<_>>(),
        [false]
    );
    assert_eq!(s.group_keys(m2.bssid, 1, 50_000_000).count(), 0);
    // A wrong passphrase reproduces no MIC: the handshake stays without a key.
    let mut wrong = KeyRing::default();
    wrong.add_passphrase("not the passphrase:voice").unwrap();
    let s = KeySchedule::build(&frames, &wrong);
    assert_eq!(
        (s.summary.handshakes, s.summary.handshakes_with_key),
        (1, 0)
    );
    assert!(s.is_empty());
}

#[test]
fn a_wpa_tkip_handshake_keys_tkip_and_its_group_message_the_gtk() {
    // WPA (descriptor type 254, version 1): HMAC-MD5 MIC, PRF-512 PTK with the Michael
    // keys, a message 2 whose message 1 was not captured (its message 3 gives the
    // ANonce), and a group message whose key data is the bare GTK under RC4.
    let mut ring = KeyRing::default();
    ring.add_passphrase("dictionary:linksys").unwrap();
    let pmk = ring.pmks[0].key;
    let wpa = |mut m: HandshakeMessage| {
        m.descriptor_type = 254;
        m.version = 1;
        m
    };
    let mut m2 = wpa(message(2, KeyMessage::M2, 7, 0x5e));
    let m3 = wpa(message(3, KeyMessage::M3, 8, 0xa1));
    let (ptk, mic) = pairwise_ptk_tkip(&pmk, m2.bssid.0, m2.station.0, &m3.nonce, &m2.nonce);
    m2.mic = eapol_mic(&ptk.kck, 1, &m2.pdu_zeroed).unwrap().to_vec();
    // HMAC-MD5 is not HMAC-SHA1: the same PDU under version 2 gives another MIC.
    assert_ne!(
        eapol_mic(&ptk.kck, 2, &m2.pdu_zeroed).unwrap().to_vec(),
        m2.mic
    );
    let gtk: Vec<u8> = (0..32).collect();
    let mut g1 = wpa(message(4, KeyMessage::G1, 9, 0));
    g1.key_iv = [0x33; 16];
    g1.key_info = 2 << 4; // key index 2
    g1.key_data = rc4_key_data(&g1.key_iv, &ptk.kek, &gtk);
    assert_ne!(g1.key_data, gtk);
    let frames: Vec<KeyFrame> = [m2.clone(), m3, g1.clone()]
        .into_iter()
        .map(KeyFrame::Eapol)
        .collect();
    let s = KeySchedule::build(&frames, &ring);
    assert_eq!(
        (s.summary.handshakes, s.summary.handshakes_with_key),
        (1, 1)
    );
    let (k, in_force) = s
        .link_keys(m2.station, m2.bssid, 10_000_000)
        .next()
        .unwrap();
    assert!(in_force);
    let tkip = k.tkip.as_ref().unwrap();
    assert_eq!(tkip.tk, ptk.tk);
    assert_eq!(tkip.mic_from_ap[..], mic[..8]);
    assert_eq!(tkip.mic_to_ap[..], mic[8..]);
    let (g, _) = s.group_keys(m2.bssid, 2, 10_000_000).next().unwrap();
    assert_eq!(g.key(), &gtk[..]);
    assert_eq!(g.tkip().unwrap().tk[..], gtk[..16]);
    // The same group message found protected by the second pass gives the same GTK once.
    let mut s2 = KeySchedule::build(&frames[..2], &ring);
    assert_eq!(s2.summary.group_keys, 0);
    g1.mic = eapol_mic(&ptk.kck, 1, &g1.pdu_zeroed).unwrap().to_vec();
    s2.add_protected(&[KeyFrame::Eapol(g1.clone()), KeyFrame::Eapol(g1)]);
    assert_eq!(s2.summary.group_keys, 1);
    assert_eq!(
        s2.group_keys(m2.bssid, 2, 10_000_000)
            .next()
            .unwrap()
            .0
            .key(),
        &gtk[..]
    );
}

#[test]
fn key_data_unwraps_per_rfc_3394() {
    // RFC 3394 4.1: 128 bits of key data with a 128-bit KEK.
    let kek: [u8; 16] = (0u8..16).collect::<Vec<_>>().try_into().unwrap();
    let wrapped = [
        0x1f, 0xa6, 0x8b, 0x0a, 0x81, 0x12, 0xb4, 0x47, 0xae, 0xf3, 0x4b, 0xd8, 0xfb, 0x5a, 0x7b,
        0x82, 0x9d, 0x3e, 0x86, 0x23, 0x71, 0xd2, 0xcf, 0xe5,
    ];
    let plain = unwrap_key_data(&kek, &wrapped).unwrap();
    assert_eq!(
        plain,
        [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff
        ]
    );
    assert_eq!(unwrap_key_data(&[0u8; 16], &wrapped), None);
    assert_eq!(unwrap_key_data(&kek, &wrapped[..20]), None);
}
