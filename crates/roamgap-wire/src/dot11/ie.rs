//! Information elements (9.4.2): an iterator over the element chain and typed views of the
//! elements a roam analysis needs.

use super::{u16_le, u32_le, Dot11Error, Result};

pub mod id {
    pub const SSID: u8 = 0;
    pub const SUPPORTED_RATES: u8 = 1;
    pub const DS_PARAMETER_SET: u8 = 3;
    pub const TSPEC: u8 = 13;
    pub const RSN: u8 = 48;
    pub const EXTENDED_SUPPORTED_RATES: u8 = 50;
    pub const MOBILITY_DOMAIN: u8 = 54;
    pub const FAST_TRANSITION: u8 = 55;
    /// Cisco CCX: the CCKM element (vendor-assigned ID, body starts with the Cisco OUI).
    pub const CCKM: u8 = 156;
    pub const VENDOR_SPECIFIC: u8 = 221;
    /// Element ID Extension present (9.4.2.1): the first body byte is the extension ID.
    pub const EXTENSION: u8 = 255;
    /// Extension ID of the FILS Session element (9.4.2.179).
    pub const EXT_FILS_SESSION: u8 = 4;
}

pub const OUI_IEEE: [u8; 3] = [0x00, 0x0f, 0xac];
pub const OUI_MICROSOFT: [u8; 3] = [0x00, 0x50, 0xf2];
pub const OUI_CISCO: [u8; 3] = [0x00, 0x40, 0x96];

/// One element: its ID and body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    pub id: u8,
    pub body: &'a [u8],
}

impl<'a> Element<'a> {
    /// Vendor-specific elements: (OUI, OUI type, rest).
    pub fn vendor(&self) -> Option<([u8; 3], u8, &'a [u8])> {
        if self.id != id::VENDOR_SPECIFIC || self.body.len() < 4 {
            return None;
        }
        Some((
            [self.body[0], self.body[1], self.body[2]],
            self.body[3],
            &self.body[4..],
        ))
    }
}

/// Iterator over an element chain; yields an error and stops at an element that overruns.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    data: &'a [u8],
    at: usize,
    base: usize,
    failed: bool,
    /// Ends the chain after a FILS Session element (see [`Elements::until_fils_session`]).
    fils: bool,
}

impl<'a> Elements<'a> {
    /// `base` is the offset of `data` in the frame body, for error messages.
    pub fn new(data: &'a [u8], base: usize) -> Elements<'a> {
        Elements {
            data,
            at: 0,
            base,
            failed: false,
            fils: false,
        }
    }

    /// Ends the chain after the FILS Session element: in a (re)association request or response
    /// of FILS authentication, what follows it is the AEAD-encrypted remainder of the frame
    /// (FILS Encrypted Data, 12.11.2.5.2 and 12.11.2.5.3), not elements.
    pub fn until_fils_session(mut self) -> Elements<'a> {
        self.fils = true;
        self
    }

    /// Checks the whole chain.
    pub fn validate(self) -> Result<()> {
        for e in self {
            e?;
        }
        Ok(())
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<Element<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.at..];
        let overrun = |id: u8, len: usize| Dot11Error::ElementOverrun {
            id,
            len,
            at: self.base + self.at,
        };
        if rest.len() < 2 {
            self.failed = true;
            return Some(Err(overrun(rest[0], 0)));
        }
        let (id, len) = (rest[0], usize::from(rest[1]));
        if rest.len() < 2 + len {
            self.failed = true;
            return Some(Err(overrun(id, len)));
        }
        self.at += 2 + len;
        let body = &rest[2..2 + len];
        if self.fils && id == id::EXTENSION && body.first() == Some(&id::EXT_FILS_SESSION) {
            self.at = self.data.len();
        }
        Some(Ok(Element { id, body }))
    }
}

/// Key management negotiated by a station, named as support engineers name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum KeyManagement {
    #[serde(rename = "open")]
    Open,
    #[serde(rename = "wep")]
    Wep,
    #[serde(rename = "psk")]
    Psk,
    #[serde(rename = "802.1x")]
    Dot1x,
    #[serde(rename = "cckm")]
    Cckm,
    #[serde(rename = "ft-psk")]
    FtPsk,
    #[serde(rename = "ft-802.1x")]
    FtDot1x,
    #[serde(rename = "sae")]
    Sae,
    #[serde(rename = "ft-sae")]
    FtSae,
    #[serde(rename = "owe")]
    Owe,
}

impl KeyManagement {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyManagement::Open => "open",
            KeyManagement::Wep => "wep",
            KeyManagement::Psk => "psk",
            KeyManagement::Dot1x => "802.1x",
            KeyManagement::Cckm => "cckm",
            KeyManagement::FtPsk => "ft-psk",
            KeyManagement::FtDot1x => "ft-802.1x",
            KeyManagement::Sae => "sae",
            KeyManagement::FtSae => "ft-sae",
            KeyManagement::Owe => "owe",
        }
    }

    /// Classifies an AKM suite selector (Table 9-190; WPA and Cisco selectors too).
    pub fn from_akm(suite: [u8; 4]) -> Option<KeyManagement> {
        let (oui, t) = ([suite[0], suite[1], suite[2]], suite[3]);
        match (oui, t) {
            (OUI_IEEE, 1 | 5 | 11 | 12) | (OUI_MICROSOFT, 1) => Some(KeyManagement::Dot1x),
            (OUI_IEEE, 2 | 6) | (OUI_MICROSOFT, 2) => Some(KeyManagement::Psk),
            (OUI_IEEE, 3 | 13) => Some(KeyManagement::FtDot1x),
            (OUI_IEEE, 4) => Some(KeyManagement::FtPsk),
            (OUI_IEEE, 8 | 24) => Some(KeyManagement::Sae),
            (OUI_IEEE, 9 | 25) => Some(KeyManagement::FtSae),
            (OUI_IEEE, 18) => Some(KeyManagement::Owe),
            (OUI_CISCO, 0) => Some(KeyManagement::Cckm),
            _ => None,
        }
    }
}

/// The RSN element (9.4.2.24) or the WPA vendor element (same layout after its OUI header).
/// Every field after the version is optional: the element may end after any of them.
#[derive(Clone, Copy, Debug)]
pub struct Rsn<'a> {
    body: &'a [u8],
}

impl<'a> Rsn<'a> {
    pub fn from_element(e: &Element<'a>) -> Option<Rsn<'a>> {
        if e.id == id::RSN && e.body.len() >= 2 {
            return Some(Rsn { body: e.body });
        }
        match e.vendor() {
            Some((OUI_MICROSOFT, 1, rest)) if rest.len() >= 2 => Some(Rsn { body: rest }),
            _ => None,
        }
    }

    pub fn version(&self) -> u16 {
        u16_le(self.body, 0)
    }

    /// Offset of the list that starts with a count at `at`, and that count, if present.
    fn list(&self, at: usize, item: usize) -> Option<(usize, usize)> {
        let count = usize::from(u16_le(self.body.get(at..at + 2)?, 0));
        (self.body.len() >= at + 2 + count * item).then_some((at + 2, count))
    }

    fn pairwise(&self) -> Option<(usize, usize)> {
        self.body.get(2..6)?;
        self.list(6, 4)
    }

    fn akm(&self) -> Option<(usize, usize)> {
        let (at, n) = self.pairwise()?;
        self.list(at + n * 4, 4)
    }

    pub fn akm_suites(&self) -> impl Iterator<Item = [u8; 4]> + 'a {
        let body = self.body;
        let (at, n) = self.akm().unwrap_or((0, 0));
        (0..n).map(move |i| {
            let s = &body[at + i * 4..at + i * 4 + 4];
            [s[0], s[1], s[2], s[3]]
        })
    }

    /// The first AKM suite this element names that roamgap can classify.
    pub fn key_management(&self) -> Option<KeyManagement> {
        self.akm_suites().find_map(KeyManagement::from_akm)
    }

    /// RSN capabilities, when present.
    pub fn capabilities(&self) -> Option<u16> {
        let (at, n) = self.akm()?;
        self.body
            .get(at + n * 4..at + n * 4 + 2)
            .map(|b| u16_le(b, 0))
    }

    /// Number of PMKIDs (PMK caching / opportunistic key caching / FT PMKR0Name).
    pub fn pmkid_count(&self) -> usize {
        let Some((at, n)) = self.akm() else { return 0 };
        self.list(at + n * 4 + 2, 16).map_or(0, |(_, c)| c)
    }

    /// The PMKIDs (for FT: PMKR0Name in authentication, PMKR1Name in reassociation).
    pub fn pmkids(&self) -> impl Iterator<Item = [u8; 16]> + 'a {
        let body = self.body;
        let (at, n) = self
            .akm()
            .and_then(|(at, n)| self.list(at + n * 4 + 2, 16))
            .unwrap_or((0, 0));
        (0..n).filter_map(move |i| body[at + i * 16..at + i * 16 + 16].try_into().ok())
    }
}

/// The Cisco CCKM element: ID 156, body = Cisco OUI, type 0, then (in a reassociation
/// request) timestamp (8), rekey number (4) and MIC (8).
#[derive(Clone, Copy, Debug)]
pub struct Cckm<'a> {
    body: &'a [u8],
}

impl<'a> Cckm<'a> {
    pub fn from_element(e: &Element<'a>) -> Option<Cckm<'a>> {
        (e.id == id::CCKM && e.body.len() >= 4 && e.body[..3] == OUI_CISCO && e.body[3] == 0)
            .then_some(Cckm { body: e.body })
    }

    /// The rekey number (RN) the station sends in its reassociation request.
    pub fn rekey_number(&self) -> Option<u32> {
        self.body.get(12..16).map(|b| u32_le(b, 0))
    }
}

/// Direction of a traffic stream (TS Info bits 5–6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TsDirection {
    Uplink,
    Downlink,
    Direct,
    Bidirectional,
}

/// A traffic specification (9.4.2.29): from element 13 or the WMM TSPEC vendor element
/// (OUI 00:50:F2, type 2, subtype 2, version 1), both with the same 55-byte body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tspec<'a> {
    body: &'a [u8],
    wmm: bool,
}

pub const TSPEC_BODY_LEN: usize = 55;

impl<'a> Tspec<'a> {
    pub fn from_element(e: &Element<'a>) -> Option<Tspec<'a>> {
        if e.id == id::TSPEC {
            return Self::new(e.body, false);
        }
        match e.vendor() {
            Some((OUI_MICROSOFT, 2, rest)) if rest.len() >= 2 && rest[0] == 2 => {
                Self::new(&rest[2..], true)
            }
            _ => None,
        }
    }

    fn new(body: &'a [u8], wmm: bool) -> Option<Tspec<'a>> {
        (body.len() >= TSPEC_BODY_LEN).then_some(Tspec { body, wmm })
    }

    pub fn is_wmm(&self) -> bool {
        self.wmm
    }
    fn ts_info(&self) -> u32 {
        u32::from(self.body[0]) | u32::from(self.body[1]) << 8 | u32::from(self.body[2]) << 16
    }
    pub fn tid(&self) -> u8 {
        ((self.ts_info() >> 1) & 0xf) as u8
    }
    pub fn direction(&self) -> TsDirection {
        match (self.ts_info() >> 5) & 0x3 {
            0 => TsDirection::Uplink,
            1 => TsDirection::Downlink,
            2 => TsDirection::Direct,
            _ => TsDirection::Bidirectional,
        }
    }
    pub fn user_priority(&self) -> u8 {
        ((self.ts_info() >> 11) & 0x7) as u8
    }
    pub fn nominal_msdu_size(&self) -> u16 {
        u16_le(self.body, 3) & 0x7fff
    }
    pub fn mean_data_rate(&self) -> u32 {
        u32_le(self.body, 3 + 2 + 2 + 4 * 6)
    }
    /// Minimum PHY rate in b/s: the AP must have this rate enabled to admit the stream.
    pub fn min_phy_rate(&self) -> u32 {
        u32_le(self.body, 3 + 2 + 2 + 4 * 10)
    }
    pub fn surplus_bandwidth(&self) -> u16 {
        u16_le(self.body, 51)
    }
    pub fn medium_time(&self) -> u16 {
        u16_le(self.body, 53)
    }
}

/// Mobility Domain element (9.4.2.46): the FT mobility domain.
#[derive(Clone, Copy, Debug)]
pub struct MobilityDomain {
    pub mdid: u16,
    pub ft_over_ds: bool,
}

impl MobilityDomain {
    pub fn from_element(e: &Element<'_>) -> Option<MobilityDomain> {
        (e.id == id::MOBILITY_DOMAIN && e.body.len() >= 3).then(|| MobilityDomain {
            mdid: u16_le(e.body, 0),
            ft_over_ds: e.body[2] & 1 != 0,
        })
    }
}

/// Fast BSS Transition element (9.4.2.47): present in FT authentication and reassociation.
#[derive(Clone, Copy, Debug)]
pub struct FastTransition<'a> {
    body: &'a [u8],
}

impl<'a> FastTransition<'a> {
    pub fn from_element(e: &Element<'a>) -> Option<FastTransition<'a>> {
        // MIC control (2), MIC (16 here), ANonce (32), SNonce (32).
        (e.id == id::FAST_TRANSITION && e.body.len() >= 82)
            .then_some(FastTransition { body: e.body })
    }

    pub fn mic_element_count(&self) -> u8 {
        self.body[1]
    }

    pub fn anonce(&self) -> &'a [u8; 32] {
        self.body[18..50].try_into().unwrap_or(&[0; 32])
    }

    pub fn snonce(&self) -> &'a [u8; 32] {
        self.body[50..82].try_into().unwrap_or(&[0; 32])
    }

    /// The optional subelements (9.4.2.47: 1 R1KH-ID, 2 GTK, 3 R0KH-ID, 4 IGTK, ...) as
    /// (id, body); stops at one that overruns.
    pub fn subelements(&self) -> impl Iterator<Item = (u8, &'a [u8])> {
        let mut rest = &self.body[82..];
        std::iter::from_fn(move || {
            let (&id, &len) = (rest.first()?, rest.get(1)?);
            let body = rest.get(2..2 + usize::from(len))?;
            rest = &rest[2 + usize::from(len)..];
            Some((id, body))
        })
    }

    /// The R1KH-ID subelement (a MAC address).
    pub fn r1kh_id(&self) -> Option<[u8; 6]> {
        self.subelements()
            .find(|(id, b)| *id == 1 && b.len() == 6)
            .and_then(|(_, b)| b.try_into().ok())
    }

    /// The R0KH-ID subelement (1 to 48 octets).
    pub fn r0kh_id(&self) -> Option<&'a [u8]> {
        self.subelements()
            .find(|(id, b)| *id == 3 && (1..=48).contains(&b.len()))
            .map(|(_, b)| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_chain_and_overrun() {
        let data = [0, 3, b'a', b'b', b'c', 1, 1, 0x82, 48, 40, 1];
        let mut it = Elements::new(&data, 12);
        assert_eq!(
            it.next(),
            Some(Ok(Element {
                id: 0,
                body: b"abc"
            }))
        );
        assert_eq!(
            it.next(),
            Some(Ok(Element {
                id: 1,
                body: &[0x82]
            }))
        );
        assert_eq!(
            it.next(),
            Some(Err(Dot11Error::ElementOverrun {
                id: 48,
                len: 40,
                at: 12 + 8
            }))
        );
        assert_eq!(it.next(), None);
        assert!(Elements::new(&[7], 0).validate().is_err());
        assert!(Elements::new(&[], 0).validate().is_ok());
    }

    fn rsn(akm: [u8; 4], pmkids: usize) -> Vec<u8> {
        let mut b = vec![1, 0, 0x00, 0x0f, 0xac, 4, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0];
        b.extend(akm);
        b.extend([0x00, 0x00]);
        if pmkids > 0 {
            b.extend((pmkids as u16).to_le_bytes());
            b.extend(vec![0xaa; 16 * pmkids]);
        }
        b
    }

    #[test]
    fn rsn_key_management() {
        for (akm, want) in [
            ([0x00, 0x0f, 0xac, 1], KeyManagement::Dot1x),
            ([0x00, 0x0f, 0xac, 2], KeyManagement::Psk),
            ([0x00, 0x0f, 0xac, 3], KeyManagement::FtDot1x),
            ([0x00, 0x0f, 0xac, 4], KeyManagement::FtPsk),
            ([0x00, 0x0f, 0xac, 8], KeyManagement::Sae),
            ([0x00, 0x40, 0x96, 0], KeyManagement::Cckm),
        ] {
            let body = rsn(akm, 1);
            let r = Rsn::from_element(&Element {
                id: 48,
                body: &body,
            })
            .unwrap();
            assert_eq!(r.key_management(), Some(want));
            assert_eq!(r.pmkid_count(), 1);
            assert_eq!(r.capabilities(), Some(0));
        }
        // Cut inside the AKM list: no AKM, no panic.
        let body = rsn([0, 0x0f, 0xac, 2], 0);
        let r = Rsn::from_element(&Element {
            id: 48,
            body: &body[..15],
        })
        .unwrap();
        assert_eq!(r.key_management(), None);
        assert_eq!(r.pmkid_count(), 0);
    }

    #[test]
    fn wmm_tspec_fields() {
        // TS Info 0x0030ec: TID 6, bidirectional, UP 6 (from a Cisco 7921 reassociation).
        let mut body = vec![0x00, 0x50, 0xf2, 2, 2, 1, 0xec, 0x30, 0x00];
        body.extend(208u16.to_le_bytes());
        body.extend(208u16.to_le_bytes());
        for v in [
            20000u32, 20000, 9_999_999, 0, 0, 83200, 83200, 83200, 0, 0, 12_000_000,
        ] {
            body.extend(v.to_le_bytes());
        }
        body.extend(0x2000u16.to_le_bytes());
        body.extend(0u16.to_le_bytes());
        let t = Tspec::from_element(&Element {
            id: 221,
            body: &body,
        })
        .unwrap();
        assert!(t.is_wmm());
        assert_eq!(
            (t.tid(), t.user_priority(), t.direction()),
            (6, 6, TsDirection::Bidirectional)
        );
        assert_eq!(t.nominal_msdu_size(), 208);
        assert_eq!(t.mean_data_rate(), 83200);
        assert_eq!(t.min_phy_rate(), 12_000_000);
        assert_eq!(t.surplus_bandwidth(), 0x2000);
        assert!(Tspec::from_element(&Element {
            id: 221,
            body: &body[..40]
        })
        .is_none());
    }

    #[test]
    fn cckm_needs_cisco_oui_and_type_0() {
        let body = [0x00, 0x40, 0x96, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0];
        assert_eq!(
            Cckm::from_element(&Element {
                id: 156,
                body: &body
            })
            .unwrap()
            .rekey_number(),
            Some(9)
        );
        assert!(Cckm::from_element(&Element {
            id: 156,
            body: &[0x00, 0x40, 0x96, 0x01]
        })
        .is_none());
        assert!(Cckm::from_element(&Element {
            id: 156,
            body: &[0x00, 0x50, 0xf2, 0x00]
        })
        .is_none());
    }
}
