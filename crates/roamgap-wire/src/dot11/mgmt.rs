//! Management frame bodies (9.3.3): the fixed fields of each subtype and where its elements
//! start.

use super::bytes::{self, Field};
use super::ie::Elements;
use super::{need, subtype, MacAddr, Result};

/// The fixed fields of management frame bodies (9.3.3), by subtype.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::Field;

    /// Capability Information of (re)association requests and responses.
    pub(crate) const CAPABILITY: Field = 0..2;
    /// Listen Interval of (re)association requests.
    pub(crate) const LISTEN_INTERVAL: Field = 2..4;
    /// Status Code of (re)association responses.
    pub(crate) const ASSOC_STATUS: Field = 2..4;
    /// Association ID of (re)association responses.
    pub(crate) const AID: Field = 4..6;
    /// Current AP Address of a reassociation request.
    pub(crate) const CURRENT_AP: Field = 4..10;
    /// Beacon and probe response: Timestamp, Beacon Interval, Capability Information.
    pub(crate) const TIMESTAMP: Field = 0..8;
    pub(crate) const BEACON_INTERVAL: Field = 8..10;
    pub(crate) const BEACON_CAPABILITY: Field = 10..12;
    /// Authentication: algorithm number, transaction sequence number, status code.
    pub(crate) const AUTH_ALGORITHM: Field = 0..2;
    pub(crate) const AUTH_SEQUENCE: Field = 2..4;
    pub(crate) const AUTH_STATUS: Field = 4..6;
    /// Reason Code of deauthentication and disassociation.
    pub(crate) const REASON: Field = 0..2;
}

/// Length of the fixed fields before the elements, per management subtype.
pub(crate) fn fixed_len(subtype: u8) -> usize {
    match subtype {
        subtype::ASSOC_REQ => field::LISTEN_INTERVAL.end,
        subtype::ASSOC_RESP | subtype::REASSOC_RESP => field::AID.end,
        subtype::REASSOC_REQ => field::CURRENT_AP.end,
        subtype::PROBE_REQ => 0,
        subtype::PROBE_RESP | subtype::BEACON => field::BEACON_CAPABILITY.end,
        subtype::AUTH => field::AUTH_STATUS.end,
        subtype::DISASSOC | subtype::DEAUTH => field::REASON.end,
        _ => 0,
    }
}

/// Whether the subtype's body is fixed fields followed by an element chain.
pub fn has_elements(subtype: u8) -> bool {
    matches!(
        subtype,
        subtype::ASSOC_REQ
            | subtype::ASSOC_RESP
            | subtype::REASSOC_REQ
            | subtype::REASSOC_RESP
            | subtype::PROBE_REQ
            | subtype::PROBE_RESP
            | subtype::BEACON
            | subtype::AUTH
    )
}

fn subtype_name(st: u8) -> &'static str {
    match st {
        subtype::ASSOC_REQ => "association request",
        subtype::ASSOC_RESP => "association response",
        subtype::REASSOC_REQ => "reassociation request",
        subtype::REASSOC_RESP => "reassociation response",
        subtype::PROBE_REQ => "probe request",
        subtype::PROBE_RESP => "probe response",
        subtype::BEACON => "beacon",
        subtype::AUTH => "authentication",
        subtype::DISASSOC => "disassociation",
        subtype::DEAUTH => "deauthentication",
        _ => "management frame",
    }
}

/// The body of a management frame whose fixed part is known to be complete.
#[derive(Clone, Copy, Debug)]
pub struct MgmtBody<'a> {
    subtype: u8,
    body: &'a [u8],
}

impl<'a> MgmtBody<'a> {
    pub fn new_checked(subtype: u8, body: &'a [u8]) -> Result<MgmtBody<'a>> {
        need(subtype_name(subtype), fixed_len(subtype), body.len())?;
        Ok(MgmtBody { subtype, body })
    }

    /// Capability Information (9.4.1.4), for subtypes that carry it.
    pub fn capability(&self) -> Option<u16> {
        match self.subtype {
            subtype::ASSOC_REQ
            | subtype::ASSOC_RESP
            | subtype::REASSOC_REQ
            | subtype::REASSOC_RESP => Some(bytes::le16(self.body, field::CAPABILITY)),
            subtype::BEACON | subtype::PROBE_RESP => {
                Some(bytes::le16(self.body, field::BEACON_CAPABILITY))
            }
            _ => None,
        }
    }

    /// Capability bit 4: the BSS requires privacy (WEP when no RSN/WPA element).
    pub fn privacy(&self) -> bool {
        self.capability().is_some_and(|c| c & 0x10 != 0)
    }

    /// Status code (9.4.1.9) of responses and authentication frames.
    pub fn status(&self) -> Option<u16> {
        match self.subtype {
            subtype::ASSOC_RESP | subtype::REASSOC_RESP => {
                Some(bytes::le16(self.body, field::ASSOC_STATUS))
            }
            subtype::AUTH => Some(bytes::le16(self.body, field::AUTH_STATUS)),
            _ => None,
        }
    }

    /// Association ID of a successful (re)association response, without its top two bits.
    pub fn aid(&self) -> Option<u16> {
        matches!(self.subtype, subtype::ASSOC_RESP | subtype::REASSOC_RESP)
            .then(|| bytes::le16(self.body, field::AID) & 0x3fff)
    }

    /// Current AP address of a reassociation request (9.4.1.11).
    pub fn current_ap(&self) -> Option<MacAddr> {
        (self.subtype == subtype::REASSOC_REQ)
            .then(|| MacAddr(bytes::array(self.body, field::CURRENT_AP)))
    }

    /// Authentication algorithm number (9.4.1.1).
    pub fn auth_algorithm(&self) -> Option<u16> {
        (self.subtype == subtype::AUTH).then(|| bytes::le16(self.body, field::AUTH_ALGORITHM))
    }

    /// Authentication transaction sequence number (9.4.1.2).
    pub fn auth_sequence(&self) -> Option<u16> {
        (self.subtype == subtype::AUTH).then(|| bytes::le16(self.body, field::AUTH_SEQUENCE))
    }

    /// Reason code (9.4.1.7) of deauthentication and disassociation.
    pub fn reason(&self) -> Option<u16> {
        matches!(self.subtype, subtype::DEAUTH | subtype::DISASSOC)
            .then(|| bytes::le16(self.body, field::REASON))
    }

    /// The element chain after the fixed fields (in (re)association frames, up to and including
    /// a FILS Session element: the rest is encrypted).
    pub fn elements(&self) -> Elements<'a> {
        let start = if has_elements(self.subtype) {
            fixed_len(self.subtype)
        } else {
            self.body.len()
        };
        let elements = Elements::new(&self.body[start..], start);
        match self.subtype {
            subtype::ASSOC_REQ
            | subtype::ASSOC_RESP
            | subtype::REASSOC_REQ
            | subtype::REASSOC_RESP => elements.until_fils_session(),
            _ => elements,
        }
    }
}

/// Reason codes (Table 9-49) that appear around roams.
pub fn reason_name(code: u16) -> &'static str {
    match code {
        1 => "unspecified reason",
        2 => "previous authentication no longer valid",
        3 => "station is leaving (or has left) the BSS",
        4 => "disassociated due to inactivity",
        5 => "AP is unable to handle all currently associated stations",
        6 => "class 2 frame received from nonauthenticated station",
        7 => "class 3 frame received from nonassociated station",
        8 => "station is leaving (or has left) the BSS (disassociation)",
        9 => "station requesting (re)association is not authenticated with the responding station",
        10 => "power capability element unacceptable",
        11 => "supported channels element unacceptable",
        12 => "disassociated due to BSS transition management",
        13 => "invalid element",
        14 => "message integrity code (MIC) failure",
        15 => "4-way handshake timeout",
        16 => "group key handshake timeout",
        17 => "element in 4-way handshake differs from (re)association request/probe response/beacon",
        18 => "invalid group cipher",
        19 => "invalid pairwise cipher",
        20 => "invalid AKMP",
        21 => "unsupported RSNE version",
        22 => "invalid RSNE capabilities",
        23 => "IEEE 802.1X authentication failed",
        24 => "cipher suite rejected because of security policy",
        32 => "disassociated for unspecified QoS-related reason",
        33 => "QoS AP lacks sufficient bandwidth for this QoS station",
        34 => "excessive frames not acknowledged (poor channel conditions)",
        35 => "station is transmitting outside the limits of its TXOPs",
        36 => "requesting station is leaving the BSS",
        37 => "requesting station no longer uses the stream or session",
        38 => "requesting station received frames using a mechanism for which setup has not occurred",
        39 => "requested from peer station as the station received frames using a mechanism requiring setup",
        45 => "peer station does not support the requested cipher suite",
        46 => "disassociated because authorized access limit reached",
        47 => "disassociated due to external service requirements",
        48 => "invalid FT action frame count",
        49 => "invalid pairwise master key identifier (PMKID)",
        50 => "invalid MDE",
        51 => "invalid FTE",
        _ => "reserved or vendor reason",
    }
}

/// Status codes (Table 9-50) that appear in roams.
pub fn status_name(code: u16) -> &'static str {
    match code {
        0 => "success",
        1 => "unspecified failure",
        10 => "cannot support all requested capabilities",
        11 => "reassociation denied: association cannot be confirmed",
        12 => "association denied for a reason outside the scope of the standard",
        13 => "authentication algorithm not supported",
        14 => "authentication transaction sequence number out of sequence",
        15 => "authentication rejected: challenge failure",
        16 => "authentication rejected: timeout waiting for next frame",
        17 => "association denied: AP cannot handle more associated stations",
        18 => "association denied: station does not support all basic rates",
        30 => "association request rejected temporarily; try again later",
        31 => "robust management frame policy violation",
        32 => "unspecified QoS-related failure",
        33 => "association denied: QoS AP has insufficient bandwidth",
        34 => "association denied: excessive frame loss",
        35 => "association denied: station does not support QoS",
        37 => "the request has been declined",
        38 => "the request has not been successful as one or more parameters have invalid values",
        39 => "TS not created: suggested changes in the TSPEC",
        40 => "invalid element",
        41 => "invalid group cipher",
        42 => "invalid pairwise cipher",
        43 => "invalid AKMP",
        44 => "unsupported RSNE version",
        45 => "invalid RSNE capabilities",
        46 => "cipher suite rejected because of security policy",
        47 => "TS not created; it may be possible after the delay in the TS Delay element",
        53 => "invalid PMKID",
        54 => "invalid MDE",
        55 => "invalid FTE",
        _ => "other status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassociation_request_fixed_fields() {
        let mut body = vec![0x31, 0x04, 0x0a, 0x00, 0x00, 0x23, 0xea, 0, 0, 1];
        body.extend([0, 5, b'v', b'o', b'i', b'c', b'e']);
        let m = MgmtBody::new_checked(subtype::REASSOC_REQ, &body).unwrap();
        assert_eq!(m.capability(), Some(0x0431));
        assert!(m.privacy());
        assert_eq!(m.current_ap().unwrap().to_string(), "00:23:ea:00:00:01");
        let e = m.elements().next().unwrap().unwrap();
        assert_eq!((e.id, e.body), (0, &b"voice"[..]));
        assert!(MgmtBody::new_checked(subtype::REASSOC_REQ, &body[..9]).is_err());
    }

    #[test]
    fn responses_auth_and_deauth() {
        let resp = [0x31, 0x04, 0x11, 0x00, 0x01, 0xc0];
        let m = MgmtBody::new_checked(subtype::REASSOC_RESP, &resp).unwrap();
        assert_eq!((m.status(), m.aid()), (Some(17), Some(1)));
        let auth = [2, 0, 1, 0, 0, 0];
        let m = MgmtBody::new_checked(subtype::AUTH, &auth).unwrap();
        assert_eq!(
            (m.auth_algorithm(), m.auth_sequence(), m.status()),
            (Some(2), Some(1), Some(0))
        );
        let m = MgmtBody::new_checked(subtype::DEAUTH, &[2, 0]).unwrap();
        assert_eq!(m.reason(), Some(2));
        assert_eq!(reason_name(2), "previous authentication no longer valid");
        assert!(m.elements().next().is_none());
    }

    #[test]
    fn fils_encrypted_data_is_not_elements() {
        // A FILS association request: SSID, FILS Session (255, extension 4, 8-byte session),
        // then AEAD ciphertext whose first bytes read as an element running past the frame.
        let mut body = vec![0x31, 0x04, 0x0a, 0x00];
        body.extend([0, 5, b'v', b'o', b'i', b'c', b'e']);
        body.extend([255, 9, 4, 1, 2, 3, 4, 5, 6, 7, 8]);
        body.extend([0xdd, 0xf0, 0x8a, 0x31, 0x5c]);
        for st in [subtype::ASSOC_REQ, subtype::ASSOC_RESP] {
            let body = if st == subtype::ASSOC_RESP {
                [&[0x31, 0x04, 0, 0, 1, 0xc0][..], &body[4..]].concat()
            } else {
                body.clone()
            };
            let m = MgmtBody::new_checked(st, &body).unwrap();
            let ids: Vec<u8> = m.elements().map(|e| e.unwrap().id).collect();
            assert_eq!(ids, [0, 255], "subtype {st}");
        }
        // In a beacon the same bytes are an element chain that overruns.
        let beacon = [&[0u8; 12][..], &body[4..]].concat();
        let m = MgmtBody::new_checked(subtype::BEACON, &beacon).unwrap();
        assert!(m.elements().any(|e| e.is_err()));
    }
}
