//! roamgap's 802.11 decoding against the `ieee80211` crate, an independent decoder, on the
//! frames both read: authentication (algorithm, sequence, status), deauthentication and
//! disassociation (reason), association responses (status) and the management header
//! addresses. The crate has no reassociation request/response, TSPEC/ADDTS or CCKM support,
//! which is why roamgap decodes 802.11 itself (docs/ARCHITECTURE.md).

use crate::common;

use common::data;
use ieee80211::match_frames;
use ieee80211::mgmt_frame::{
    AssociationResponseFrame, AuthenticationFrame, DeauthenticationFrame, DisassociationFrame,
};
use roamgap::events::EventKind;
use roamgap::pipeline::Pipeline;
use roamgap_gen::{self as gen, FileFormat, Link, Options};
use roamgap_wire::capture::CaptureFile;
use roamgap_wire::linklayer;

/// What the crate says of one frame: (kind, code fields, transmitter).
fn theirs(dot11: &[u8]) -> Option<(&'static str, [u16; 3], [u8; 6])> {
    let mut out = None;
    let _ = match_frames! {
        dot11,
        f = AuthenticationFrame => {
            out = Some(("auth", [
                f.body.authentication_algorithm_number.into_bits(),
                f.body.authentication_transaction_sequence_number,
                f.body.status_code.into_bits(),
            ], f.header.transmitter_address.0));
        }
        f = DeauthenticationFrame => {
            out = Some(("deauth", [f.body.reason.into_bits(), 0, 0], f.header.transmitter_address.0));
        }
        f = DisassociationFrame => {
            out = Some(("disassoc", [f.body.reason.into_bits(), 0, 0], f.header.transmitter_address.0));
        }
        f = AssociationResponseFrame => {
            out = Some(("assoc-resp", [f.body.status_code.into_bits(), 0, 0], f.header.transmitter_address.0));
        }
    };
    out
}

fn crosscheck(name: &str, cap: &CaptureFile) -> usize {
    let (_, events) = Pipeline::new(&Default::default()).events(cap).unwrap();
    let mut compared = 0;
    for rec in cap.records().unwrap().map_while(Result::ok) {
        let Ok(link) = linklayer::decode(rec.linktype, rec.data, rec.fcs_len, &Default::default())
        else {
            continue;
        };
        let Some((kind, codes, ta)) = theirs(link.dot11) else {
            continue;
        };
        let ours = events
            .iter()
            .find(|e| e.frame == rec.number)
            .unwrap_or_else(|| panic!("{name} frame {}: no event", rec.number));
        let sender = if ours.from_station {
            ours.station
        } else {
            ours.bssid
        };
        assert_eq!(sender.0, ta, "{name} frame {}: transmitter", rec.number);
        let mine = match ours.kind {
            EventKind::Auth {
                algorithm,
                sequence,
                status,
            } => ("auth", [algorithm, sequence, status]),
            EventKind::Deauth {
                reason,
                disassociation: false,
            } => ("deauth", [reason, 0, 0]),
            EventKind::Deauth {
                reason,
                disassociation: true,
            } => ("disassoc", [reason, 0, 0]),
            EventKind::AssocResponse {
                reassociation: false,
                status,
                ..
            } => ("assoc-resp", [status, 0, 0]),
            other => panic!(
                "{name} frame {}: we decoded {other:?}, the crate {kind}",
                rec.number
            ),
        };
        assert_eq!(mine, (kind, codes), "{name} frame {}", rec.number);
        compared += 1;
    }
    compared
}

#[test]
fn real_and_generated_management_frames() {
    let mut compared = 0;
    for file in [
        "real/ieee802.11_exthdr.pcap",
        "real/status_code-0.pcap",
        "real/status_code-1.pcap",
        "real/status_code-17.pcap",
        "real/status_code-47.pcap",
        "real/status_code-53.pcap",
        "real/reason_code-2.pcap",
        "real/reason_code-8.pcap",
        "real/reason_code-15.pcap",
        "synthetic/cckm_missing_ie.pcap",
        "synthetic/ft_ok_dot11.pcap",
    ] {
        compared += crosscheck(file, &CaptureFile::open(&data(file)).unwrap());
    }
    for scenario in ["deauth-after-roam", "cckm-missing-ie", "multi-phone"] {
        let g = gen::generate(
            scenario,
            &Options {
                seed: 21,
                format: FileFormat::Pcap,
                link: Link::Dot11,
            },
        )
        .unwrap();
        compared += crosscheck(scenario, &CaptureFile::from_vec(scenario, g.bytes).unwrap());
    }
    assert!(compared >= 40, "{compared} frames compared");
}

/// The `ieee80211` crate's crypto feature (passphrase mapping, PRF-SHA1, the pairwise PTK) and
/// roamgap's key derivation agree.
#[test]
fn key_derivation_matches_the_ieee80211_crate() {
    use roamgap::crypto::kdf::{pairwise_ptk, pmk_from_passphrase, prf_sha1, KeyHash};
    for (pass, ssid) in [
        ("password", "IEEE"),
        ("roamgap voice 1", "voice"),
        (
            "a passphrase of sixty-three printable characters, spaces too!!",
            "a-long-ssid-of-32-characters-xx",
        ),
    ] {
        let mut theirs = [0u8; 32];
        ieee80211::crypto::map_passphrase_to_psk(pass, ssid, &mut theirs);
        assert_eq!(
            pmk_from_passphrase(pass.as_bytes(), ssid.as_bytes()).unwrap(),
            theirs,
            "{pass}"
        );
    }
    let mut theirs = [0u8; 80];
    ieee80211::crypto::prf(&[0x0b; 20], "prefix", b"Hi There", &mut theirs);
    let mut ours = [0u8; 80];
    prf_sha1(&[0x0b; 20], b"prefix", b"Hi There", &mut ours);
    assert_eq!(ours, theirs);
    let pmk = pmk_from_passphrase(b"roamgap voice 1", b"voice").unwrap();
    let (aa, spa) = ([0x00, 0x3a, 0x98, 1, 2, 3], [0x00, 0x1b, 0xd4, 4, 5, 6]);
    let (anonce, snonce) = ([0x11u8; 32], [0x22u8; 32]);
    let mut theirs = [0u8; 48];
    ieee80211::crypto::derive_ptk(&pmk, &aa, &spa, &anonce, &snonce, &mut theirs);
    let ours = pairwise_ptk(KeyHash::Sha1, &pmk, aa, spa, &anonce, &snonce);
    assert_eq!(ours.kck, theirs[..16]);
    assert_eq!(ours.kek, theirs[16..32]);
    assert_eq!(ours.tk, theirs[32..48]);
}
