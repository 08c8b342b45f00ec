//! Information elements (9.4.2): an iterator over the element chain and typed views of the
//! elements a roam analysis needs.

use super::bytes::{self, Field, Rest};
use super::{need, Dot11Error, Result};

/// The element header (9.4.2.1): Element ID, Length, then the body.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod field {
    use super::{Field, Rest};

    pub(crate) const ID: Field = 0..1;
    pub(crate) const LENGTH: Field = 1..2;
    pub const BODY: Rest = 2..;
}

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
pub(crate) const OUI_CISCO: [u8; 3] = [0x00, 0x40, 0x96];

/// One element: its ID and body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    pub id: u8,
    pub body: &'a [u8],
}

impl<'a> Element<'a> {
    /// The element's length on the wire (header and body).
    pub fn buffer_len(&self) -> usize {
        field::BODY.start + self.body.len()
    }

    /// Appends the element (ID, length, body) to `out`. The body must fit the one-byte
    /// Length field: a longer one is cut to 255 bytes.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let body = &self.body[..self.body.len().min(255)];
        out.push(self.id);
        out.push(body.len() as u8);
        out.extend_from_slice(body);
    }

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
        let id = rest[field::ID.start];
        let Some(&len) = rest.get(field::LENGTH.start) else {
            self.failed = true;
            return Some(Err(overrun(id, 0)));
        };
        let len = usize::from(len);
        let Some(body) = rest[field::BODY].get(..len) else {
            self.failed = true;
            return Some(Err(overrun(id, len)));
        };
        self.at += field::BODY.start + len;
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

/// The fixed start of the RSN element body (9.4.2.24, Figure 9-257); the suite lists, RSN
/// Capabilities and PMKID list follow, each optional.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod rsn_field {
    use super::Field;

    pub(crate) const VERSION: Field = 0..2;
    pub(crate) const GROUP_CIPHER: Field = 2..6;
    pub(crate) const PAIRWISE_COUNT: Field = 6..8;
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
        bytes::le16(self.body, rsn_field::VERSION)
    }

    /// The group data cipher suite, when present.
    pub fn group_cipher(&self) -> Option<[u8; 4]> {
        bytes::array_at(self.body, rsn_field::GROUP_CIPHER.start)
    }

    /// The pairwise cipher suites.
    pub fn pairwise_suites(&self) -> impl Iterator<Item = [u8; 4]> + 'a {
        self.suites(self.pairwise())
    }

    fn suites(&self, list: Option<(usize, usize)>) -> impl Iterator<Item = [u8; 4]> + 'a {
        let body = self.body;
        let (at, n) = list.unwrap_or((0, 0));
        (0..n).filter_map(move |i| bytes::array_at(body, at + i * 4))
    }

    /// Offset of the list that starts with a count at `at`, and that count, if present.
    fn list(&self, at: usize, item: usize) -> Option<(usize, usize)> {
        let count = usize::from(bytes::le16_at(self.body, at)?);
        (self.body.len() >= at + 2 + count * item).then_some((at + 2, count))
    }

    fn pairwise(&self) -> Option<(usize, usize)> {
        self.body.get(rsn_field::GROUP_CIPHER)?;
        self.list(rsn_field::PAIRWISE_COUNT.start, 4)
    }

    fn akm(&self) -> Option<(usize, usize)> {
        let (at, n) = self.pairwise()?;
        self.list(at + n * 4, 4)
    }

    pub fn akm_suites(&self) -> impl Iterator<Item = [u8; 4]> + 'a {
        self.suites(self.akm())
    }

    /// The first AKM suite this element names that roamgap can classify.
    pub fn key_management(&self) -> Option<KeyManagement> {
        self.akm_suites().find_map(KeyManagement::from_akm)
    }

    /// RSN capabilities, when present.
    pub fn capabilities(&self) -> Option<u16> {
        let (at, n) = self.akm()?;
        bytes::le16_at(self.body, at + n * 4)
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
        (0..n).filter_map(move |i| bytes::array_at(body, at + i * 16))
    }
}

/// An RSN element with one pairwise cipher and one AKM suite, as values: what the generator
/// writes (9.4.2.24). The element ends after RSN Capabilities, or after one PMKID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RsnRepr {
    pub group_cipher: [u8; 4],
    pub pairwise_cipher: [u8; 4],
    pub akm: [u8; 4],
    pub capabilities: u16,
    pub pmkid: Option<[u8; 16]>,
}

impl RsnRepr {
    /// Reads an RSN element of that shape; any other (several suites, no capabilities, more
    /// than one PMKID, trailing fields) is `Malformed` for this representation.
    pub fn parse(rsn: &Rsn<'_>) -> Result<RsnRepr> {
        let bad = Dot11Error::Malformed("not an RSN element of one cipher and one AKM");
        fn one(mut it: impl Iterator<Item = [u8; 4]>, bad: Dot11Error) -> Result<[u8; 4]> {
            let first = it.next().ok_or(bad)?;
            it.next().is_none().then_some(first).ok_or(bad)
        }
        let repr = RsnRepr {
            group_cipher: rsn.group_cipher().ok_or(bad)?,
            pairwise_cipher: one(rsn.pairwise_suites(), bad)?,
            akm: one(rsn.akm_suites(), bad)?,
            capabilities: rsn.capabilities().ok_or(bad)?,
            pmkid: match rsn.pmkid_count() {
                0 => None,
                1 => rsn.pmkids().next(),
                _ => return Err(bad),
            },
        };
        (repr.body_len() == rsn.body.len() && rsn.version() == 1)
            .then_some(repr)
            .ok_or(bad)
    }

    fn body_len(&self) -> usize {
        rsn_field::PAIRWISE_COUNT.end + 4 + 2 + 4 + 2 + self.pmkid.map_or(0, |_| 2 + 16)
    }

    /// Appends the RSN element (version 1) to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut b = Vec::with_capacity(self.body_len());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&self.group_cipher);
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&self.pairwise_cipher);
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&self.akm);
        b.extend_from_slice(&self.capabilities.to_le_bytes());
        if let Some(id) = self.pmkid {
            b.extend_from_slice(&1u16.to_le_bytes());
            b.extend_from_slice(&id);
        }
        Element {
            id: id::RSN,
            body: &b,
        }
        .emit(out);
    }
}

/// The Cisco CCKM element: ID 156, body = Cisco OUI, type 0, then (in a reassociation
/// request) timestamp (8), rekey number (4) and MIC (8).
#[derive(Clone, Copy, Debug)]
pub struct Cckm<'a> {
    body: &'a [u8],
}

/// The fields of the CCKM element body.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod cckm_field {
    use super::Field;

    pub(crate) const OUI: Field = 0..3;
    pub(crate) const TYPE: Field = 3..4;
    /// In a reassociation request only: timestamp, rekey number, MIC.
    pub(crate) const TIMESTAMP: Field = 4..12;
    pub(crate) const REKEY_NUMBER: Field = 12..16;
    pub const MIC: Field = 16..24;
}

impl<'a> Cckm<'a> {
    pub fn from_element(e: &Element<'a>) -> Option<Cckm<'a>> {
        (e.id == id::CCKM).then(|| Self::new_checked(e.body).ok())?
    }

    /// Checks the body: the Cisco OUI and type 0.
    pub fn new_checked(body: &'a [u8]) -> Result<Cckm<'a>> {
        need("CCKM element", cckm_field::TYPE.end, body.len())?;
        if body[cckm_field::OUI] != OUI_CISCO || body[cckm_field::TYPE.start] != 0 {
            return Err(Dot11Error::Malformed(
                "CCKM element without the Cisco OUI and type 0",
            ));
        }
        Ok(Cckm { body })
    }

    /// The timestamp the station sends in its reassociation request.
    pub fn timestamp(&self) -> Option<u64> {
        bytes::le64_at(self.body, cckm_field::TIMESTAMP.start)
    }

    /// The rekey number (RN) the station sends in its reassociation request.
    pub fn rekey_number(&self) -> Option<u32> {
        bytes::le32_at(self.body, cckm_field::REKEY_NUMBER.start)
    }
}

/// The CCKM element as values: in a reassociation request (timestamp, rekey number, MIC),
/// else the OUI and type alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CckmRepr {
    pub request: Option<(u64, u32, [u8; 8])>,
}

impl CckmRepr {
    pub fn parse(c: &Cckm<'_>) -> Result<CckmRepr> {
        let request = match c.body.len() {
            n if n == cckm_field::TYPE.end => None,
            n if n == cckm_field::MIC.end => Some((
                c.timestamp().unwrap_or(0),
                c.rekey_number().unwrap_or(0),
                bytes::array(c.body, cckm_field::MIC),
            )),
            _ => return Err(Dot11Error::Malformed("CCKM element of an unknown length")),
        };
        Ok(CckmRepr { request })
    }

    /// Appends the element to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut b = OUI_CISCO.to_vec();
        b.push(0);
        if let Some((timestamp, rn, mic)) = self.request {
            b.extend_from_slice(&timestamp.to_le_bytes());
            b.extend_from_slice(&rn.to_le_bytes());
            b.extend_from_slice(&mic);
        }
        Element {
            id: id::CCKM,
            body: &b,
        }
        .emit(out);
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

pub(crate) const TSPEC_BODY_LEN: usize = tspec_field::MEDIUM_TIME.end;

/// The TSPEC element body (9.4.2.29, Figure 9-296).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod tspec_field {
    use super::Field;

    pub(crate) const TS_INFO: Field = 0..3;
    pub(crate) const NOMINAL_MSDU_SIZE: Field = 3..5;
    pub(crate) const MAXIMUM_MSDU_SIZE: Field = 5..7;
    pub(crate) const MINIMUM_SERVICE_INTERVAL: Field = 7..11;
    pub(crate) const MAXIMUM_SERVICE_INTERVAL: Field = 11..15;
    pub(crate) const INACTIVITY_INTERVAL: Field = 15..19;
    pub(crate) const SUSPENSION_INTERVAL: Field = 19..23;
    pub(crate) const SERVICE_START_TIME: Field = 23..27;
    pub(crate) const MINIMUM_DATA_RATE: Field = 27..31;
    pub(crate) const MEAN_DATA_RATE: Field = 31..35;
    pub(crate) const PEAK_DATA_RATE: Field = 35..39;
    pub(crate) const BURST_SIZE: Field = 39..43;
    pub(crate) const DELAY_BOUND: Field = 43..47;
    pub(crate) const MINIMUM_PHY_RATE: Field = 47..51;
    pub(crate) const SURPLUS_BANDWIDTH_ALLOWANCE: Field = 51..53;
    pub(crate) const MEDIUM_TIME: Field = 53..55;
}

/// The WMM TSPEC vendor element's header after the OUI (WMM 2.2.11): OUI type 2, subtype 2,
/// version 1.
const WMM_TSPEC_HEADER: [u8; 3] = [2, 2, 1];

impl<'a> Tspec<'a> {
    pub fn from_element(e: &Element<'a>) -> Option<Tspec<'a>> {
        if e.id == id::TSPEC {
            return Self::new(e.body, false);
        }
        match e.vendor() {
            Some((OUI_MICROSOFT, 2, rest)) if rest.len() >= 2 && rest[0] == WMM_TSPEC_HEADER[1] => {
                Self::new(&rest[2..], true)
            }
            _ => None,
        }
    }

    fn new(body: &'a [u8], wmm: bool) -> Option<Tspec<'a>> {
        Self::new_checked(body, wmm).ok()
    }

    /// Checks that the body holds every TSPEC field; `wmm` says it came in the WMM element.
    pub fn new_checked(body: &'a [u8], wmm: bool) -> Result<Tspec<'a>> {
        need("TSPEC", TSPEC_BODY_LEN, body.len())?;
        Ok(Tspec { body, wmm })
    }

    pub fn is_wmm(&self) -> bool {
        self.wmm
    }
    fn ts_info(&self) -> u32 {
        let [a, b, c] = bytes::array(self.body, tspec_field::TS_INFO);
        u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16
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
        bytes::le16(self.body, tspec_field::NOMINAL_MSDU_SIZE) & 0x7fff
    }
    pub fn mean_data_rate(&self) -> u32 {
        bytes::le32(self.body, tspec_field::MEAN_DATA_RATE)
    }
    /// Minimum PHY rate in b/s: the AP must have this rate enabled to admit the stream.
    pub fn min_phy_rate(&self) -> u32 {
        bytes::le32(self.body, tspec_field::MINIMUM_PHY_RATE)
    }
    pub fn surplus_bandwidth(&self) -> u16 {
        bytes::le16(self.body, tspec_field::SURPLUS_BANDWIDTH_ALLOWANCE)
    }
    pub fn medium_time(&self) -> u16 {
        bytes::le16(self.body, tspec_field::MEDIUM_TIME)
    }
}

/// Every field of a TSPEC body as values, in the order of [`tspec_field`]: what the generator
/// writes. TS Info is its 24-bit value; the nominal MSDU size keeps its Fixed bit (15).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TspecRepr {
    pub ts_info: u32,
    pub nominal_msdu_size: u16,
    pub maximum_msdu_size: u16,
    /// Minimum and maximum service interval, inactivity and suspension interval, service start
    /// time, minimum, mean and peak data rate, burst size, delay bound, minimum PHY rate.
    pub intervals_and_rates: [u32; 11],
    pub surplus_bandwidth_allowance: u16,
    pub medium_time: u16,
}

impl TspecRepr {
    /// The rates and intervals of [`TspecRepr::intervals_and_rates`], by field.
    const U32_FIELDS: [Field; 11] = [
        tspec_field::MINIMUM_SERVICE_INTERVAL,
        tspec_field::MAXIMUM_SERVICE_INTERVAL,
        tspec_field::INACTIVITY_INTERVAL,
        tspec_field::SUSPENSION_INTERVAL,
        tspec_field::SERVICE_START_TIME,
        tspec_field::MINIMUM_DATA_RATE,
        tspec_field::MEAN_DATA_RATE,
        tspec_field::PEAK_DATA_RATE,
        tspec_field::BURST_SIZE,
        tspec_field::DELAY_BOUND,
        tspec_field::MINIMUM_PHY_RATE,
    ];

    pub fn parse(t: &Tspec<'_>) -> TspecRepr {
        TspecRepr {
            ts_info: t.ts_info(),
            nominal_msdu_size: bytes::le16(t.body, tspec_field::NOMINAL_MSDU_SIZE),
            maximum_msdu_size: bytes::le16(t.body, tspec_field::MAXIMUM_MSDU_SIZE),
            intervals_and_rates: Self::U32_FIELDS.map(|f| bytes::le32(t.body, f)),
            surplus_bandwidth_allowance: t.surplus_bandwidth(),
            medium_time: t.medium_time(),
        }
    }

    /// Appends the 55-byte TSPEC body to `out`.
    pub fn emit_body(&self, out: &mut Vec<u8>) {
        let at = out.len();
        out.resize(at + TSPEC_BODY_LEN, 0);
        let b = &mut out[at..];
        bytes::put(b, tspec_field::TS_INFO, &self.ts_info.to_le_bytes()[..3]);
        bytes::put(
            b,
            tspec_field::NOMINAL_MSDU_SIZE,
            &self.nominal_msdu_size.to_le_bytes(),
        );
        bytes::put(
            b,
            tspec_field::MAXIMUM_MSDU_SIZE,
            &self.maximum_msdu_size.to_le_bytes(),
        );
        for (f, v) in Self::U32_FIELDS.into_iter().zip(self.intervals_and_rates) {
            bytes::put(b, f, &v.to_le_bytes());
        }
        let surplus = self.surplus_bandwidth_allowance.to_le_bytes();
        bytes::put(b, tspec_field::SURPLUS_BANDWIDTH_ALLOWANCE, &surplus);
        bytes::put(b, tspec_field::MEDIUM_TIME, &self.medium_time.to_le_bytes());
    }

    /// Appends the WMM TSPEC vendor element carrying this body to `out`.
    pub fn emit_wmm(&self, out: &mut Vec<u8>) {
        let mut b = OUI_MICROSOFT.to_vec();
        b.extend_from_slice(&WMM_TSPEC_HEADER);
        self.emit_body(&mut b);
        Element {
            id: id::VENDOR_SPECIFIC,
            body: &b,
        }
        .emit(out);
    }
}

/// The Mobility Domain element body (9.4.2.46).
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod mde_field {
    use super::Field;

    pub(crate) const MDID: Field = 0..2;
    /// FT Capability and Policy: bit 0 FT over the DS, bit 1 resource request protocol.
    pub(crate) const FT_CAPABILITY: Field = 2..3;
}

/// Mobility Domain element (9.4.2.46): the FT mobility domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MobilityDomain {
    pub mdid: u16,
    pub ft_over_ds: bool,
}

impl MobilityDomain {
    pub fn from_element(e: &Element<'_>) -> Option<MobilityDomain> {
        (e.id == id::MOBILITY_DOMAIN).then(|| Self::parse(e.body).ok())?
    }

    /// Reads an MDE body.
    pub fn parse(body: &[u8]) -> Result<MobilityDomain> {
        need(
            "Mobility Domain element",
            mde_field::FT_CAPABILITY.end,
            body.len(),
        )?;
        Ok(MobilityDomain {
            mdid: bytes::le16(body, mde_field::MDID),
            ft_over_ds: body[mde_field::FT_CAPABILITY.start] & 1 != 0,
        })
    }

    /// Appends the element to `out` (resource request protocol off).
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut b = [0u8; mde_field::FT_CAPABILITY.end];
        bytes::put(&mut b, mde_field::MDID, &self.mdid.to_le_bytes());
        b[mde_field::FT_CAPABILITY.start] = u8::from(self.ft_over_ds);
        Element {
            id: id::MOBILITY_DOMAIN,
            body: &b,
        }
        .emit(out);
    }
}

/// The fixed start of the FTE body (9.4.2.47): MIC Control, then a MIC whose length the AKM
/// sets ([`fte_mic_len`]), ANonce and SNonce, then optional subelements.
#[allow(dead_code)] // the whole layout as the standard draws it, read or not
pub(crate) mod fte_field {
    use super::{Field, Rest};

    pub(crate) const MIC_CONTROL: Field = 0..2;
    /// The Element Count subfield of MIC Control.
    pub(crate) const ELEMENT_COUNT: Field = 1..2;
    pub const MIC: Rest = 2..;
    /// ANonce and SNonce, each 32 octets, after the MIC.
    pub(crate) const NONCE_LEN: usize = 32;
}

/// Length of the MIC in an FTE (9.4.2.47, Table 9-151 AKM suite selectors, 12.7.1.3): 24 octets
/// for the FT AKMs of SHA-384 (00-0F-AC:13 FT over 802.1X, 17 FT-FILS, 19 FT-PSK, 22 FT over
/// 802.1X, 25 FT-SAE with a 384-bit PMK), 16 for the others (3, 4, 9, 16, ...) and when the AKM
/// is not known.
pub(crate) fn fte_mic_len(akm: Option<[u8; 4]>) -> usize {
    match akm {
        Some([0x00, 0x0f, 0xac, 13 | 17 | 19 | 22 | 25]) => 24,
        _ => 16,
    }
}

impl Elements<'_> {
    /// The first AKM suite of the chain's RSN element: what sizes the MIC of an FTE in the
    /// same frame or key data.
    pub fn rsn_akm(&self) -> Option<[u8; 4]> {
        self.clone()
            .map_while(|e| e.ok())
            .filter(|e| e.id == id::RSN)
            .find_map(|e| Rsn::from_element(&e)?.akm_suites().next())
    }
}

/// Fast BSS Transition element (9.4.2.47): present in FT authentication and reassociation.
#[derive(Clone, Copy, Debug)]
pub struct FastTransition<'a> {
    body: &'a [u8],
    mic_len: usize,
}

impl<'a> FastTransition<'a> {
    /// The FTE, if `e` is one whose fixed part is complete; `akm` (from the RSN element of the
    /// same frame) sets the MIC length.
    pub fn from_element(e: &Element<'a>, akm: Option<[u8; 4]>) -> Option<FastTransition<'a>> {
        (e.id == id::FAST_TRANSITION).then(|| Self::new_checked(e.body, fte_mic_len(akm)).ok())?
    }

    /// Checks that MIC Control, a MIC of `mic_len` octets and both nonces are present.
    pub fn new_checked(body: &'a [u8], mic_len: usize) -> Result<FastTransition<'a>> {
        let fixed = fte_field::MIC.start + mic_len + 2 * fte_field::NONCE_LEN;
        need("Fast BSS Transition element", fixed, body.len())?;
        Ok(FastTransition { body, mic_len })
    }

    pub fn mic_element_count(&self) -> u8 {
        self.body[fte_field::ELEMENT_COUNT.start]
    }

    pub fn mic(&self) -> &'a [u8] {
        &self.body[fte_field::MIC][..self.mic_len]
    }

    fn anonce_field(&self) -> Field {
        let at = fte_field::MIC.start + self.mic_len;
        at..at + fte_field::NONCE_LEN
    }

    fn snonce_field(&self) -> Field {
        let at = self.anonce_field().end;
        at..at + fte_field::NONCE_LEN
    }

    pub fn anonce(&self) -> &'a [u8; 32] {
        self.body[self.anonce_field()]
            .try_into()
            .unwrap_or(&[0; 32])
    }

    pub fn snonce(&self) -> &'a [u8; 32] {
        self.body[self.snonce_field()]
            .try_into()
            .unwrap_or(&[0; 32])
    }

    /// The optional subelements (9.4.2.47: 1 R1KH-ID, 2 GTK, 3 R0KH-ID, 4 IGTK, ...) as
    /// (id, body); stops at one that overruns.
    pub fn subelements(&self) -> impl Iterator<Item = (u8, &'a [u8])> {
        let mut rest = &self.body[self.snonce_field().end..];
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
            .find(|(id, b)| *id == fte_subelement::R1KH_ID && b.len() == 6)
            .and_then(|(_, b)| b.try_into().ok())
    }

    /// The GTK subelement.
    pub fn gtk(&self) -> Option<&'a [u8]> {
        self.subelements()
            .find(|(id, _)| *id == fte_subelement::GTK)
            .map(|(_, b)| b)
    }

    /// The R0KH-ID subelement (1 to 48 octets).
    pub fn r0kh_id(&self) -> Option<&'a [u8]> {
        self.subelements()
            .find(|(id, b)| *id == fte_subelement::R0KH_ID && (1..=48).contains(&b.len()))
            .map(|(_, b)| b)
    }
}

/// FTE subelement IDs (9.4.2.47, Table 9-235).
pub(crate) mod fte_subelement {
    pub(crate) const R1KH_ID: u8 = 1;
    pub(crate) const GTK: u8 = 2;
    pub(crate) const R0KH_ID: u8 = 3;
}

/// An FTE as values: MIC Control's element count, the MIC (16 or 24 octets), both nonces and
/// the R1KH-ID, GTK and R0KH-ID subelements, written in that order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FteRepr<'a> {
    pub element_count: u8,
    pub mic: &'a [u8],
    pub anonce: [u8; 32],
    pub snonce: [u8; 32],
    pub r1kh: Option<[u8; 6]>,
    pub gtk: Option<&'a [u8]>,
    pub r0kh: Option<&'a [u8]>,
}

impl<'a> FteRepr<'a> {
    pub fn parse(f: &FastTransition<'a>) -> FteRepr<'a> {
        FteRepr {
            element_count: f.mic_element_count(),
            mic: f.mic(),
            anonce: *f.anonce(),
            snonce: *f.snonce(),
            r1kh: f.r1kh_id(),
            gtk: f.gtk(),
            r0kh: f.r0kh_id(),
        }
    }

    /// Appends the element to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let mut b = vec![0, self.element_count];
        b.extend_from_slice(self.mic);
        b.extend_from_slice(&self.anonce);
        b.extend_from_slice(&self.snonce);
        let subs = [
            (fte_subelement::R1KH_ID, self.r1kh.as_ref().map(|a| &a[..])),
            (fte_subelement::GTK, self.gtk),
            (fte_subelement::R0KH_ID, self.r0kh),
        ];
        for (id, body) in subs {
            if let Some(body) = body {
                Element { id, body }.emit(&mut b);
            }
        }
        Element {
            id: id::FAST_TRANSITION,
            body: &b,
        }
        .emit(out);
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

    /// An RSN element naming `akm`, then an FTE with a MIC of `mic_len` octets: MIC Control
    /// (3 elements), MIC 0x77.., ANonce 0xa1.., SNonce 0xb2.., R1KH-ID and R0KH-ID "r0kh".
    fn rsn_and_fte(akm: u8, mic_len: usize) -> (Vec<u8>, Vec<u8>) {
        let mut chain = vec![
            48, 20, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0,
        ];
        chain.extend([0x00, 0x0f, 0xac, akm, 0, 0]);
        let mut fte = vec![55, (2 + mic_len + 64 + 8 + 6) as u8, 0x00, 0x03];
        fte.extend(vec![0x77; mic_len]);
        fte.extend([0xa1; 32]);
        fte.extend([0xb2; 32]);
        fte.extend([1, 6, 0x00, 0x23, 0xea, 0, 0, 2]);
        fte.extend([3, 4, b'r', b'0', b'k', b'h']);
        chain.extend(&fte);
        (chain, fte)
    }

    #[test]
    fn fte_mic_length_follows_the_akm() {
        for (akm, mic_len) in [
            (3, 16),
            (4, 16),
            (9, 16),
            (16, 16),
            (13, 24),
            (17, 24),
            (19, 24),
            (22, 24),
            (25, 24),
        ] {
            let (chain, fte) = rsn_and_fte(akm, mic_len);
            let elements = Elements::new(&chain, 0);
            let suite = elements.rsn_akm();
            assert_eq!(suite, Some([0x00, 0x0f, 0xac, akm]));
            assert_eq!(fte_mic_len(suite), mic_len, "AKM {akm}");
            let e = elements.map(|e| e.unwrap()).last().unwrap();
            let f = FastTransition::from_element(&e, suite).unwrap();
            assert_eq!(
                (f.mic_element_count(), f.mic()),
                (3, &vec![0x77; mic_len][..])
            );
            assert_eq!((f.anonce(), f.snonce()), (&[0xa1; 32], &[0xb2; 32]));
            assert_eq!(f.r1kh_id(), Some([0x00, 0x23, 0xea, 0, 0, 2]));
            assert_eq!(f.r0kh_id(), Some(&b"r0kh"[..]));
            let mut out = Vec::new();
            FteRepr::parse(&f).emit(&mut out);
            assert_eq!(out, fte, "AKM {akm}");
        }
        // Read with the wrong MIC length, a 24-octet-MIC FTE has the wrong nonces.
        let (chain, _) = rsn_and_fte(13, 24);
        let e = Elements::new(&chain, 0).map(|e| e.unwrap()).last().unwrap();
        let f = FastTransition::from_element(&e, None).unwrap();
        assert_ne!(f.anonce(), &[0xa1; 32]);
        // A body too short for its MIC and nonces.
        assert_eq!(
            FastTransition::new_checked(&[0; 81], 16).unwrap_err(),
            Dot11Error::Truncated {
                what: "Fast BSS Transition element",
                need: 82,
                have: 81
            }
        );
        assert!(FastTransition::new_checked(&[0; 82], 24).is_err());
    }

    #[test]
    fn element_reprs_round_trip() {
        // RSN: CCMP, FT-PSK, capabilities 0x000c, one PMKID.
        let mut rsn = vec![48, 38, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0, 0x00, 0x0f, 0xac, 4];
        rsn.extend([1, 0, 0x00, 0x0f, 0xac, 4, 0x0c, 0x00, 1, 0]);
        rsn.extend([0x5c; 16]);
        let e = Elements::new(&rsn, 0).next().unwrap().unwrap();
        let r = RsnRepr::parse(&Rsn::from_element(&e).unwrap()).unwrap();
        assert_eq!(
            (r.akm, r.capabilities, r.pmkid),
            ([0, 0x0f, 0xac, 4], 12, Some([0x5c; 16]))
        );
        let mut out = Vec::new();
        r.emit(&mut out);
        assert_eq!(out, rsn);
        // Two AKMs are beyond the representation.
        let two = [
            1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 2, 0, 0, 0x0f, 0xac, 2,
        ];
        let two = Rsn::from_element(&Element { id: 48, body: &two }).unwrap();
        assert!(matches!(
            RsnRepr::parse(&two),
            Err(Dot11Error::Malformed(_))
        ));

        // CCKM in a reassociation request and in a response.
        let mut req = vec![156, 24, 0x00, 0x40, 0x96, 0x00];
        req.extend(0x0102_0304_0506_0708u64.to_le_bytes());
        req.extend(9u32.to_le_bytes());
        req.extend([0x5a; 8]);
        for bytes in [&req[..], &[156, 4, 0x00, 0x40, 0x96, 0x00][..]] {
            let e = Elements::new(bytes, 0).next().unwrap().unwrap();
            let c = CckmRepr::parse(&Cckm::from_element(&e).unwrap()).unwrap();
            let mut out = Vec::new();
            c.emit(&mut out);
            assert_eq!(out, bytes);
        }
        let c = Cckm::from_element(&Element {
            id: 156,
            body: &req[2..],
        })
        .unwrap();
        assert_eq!(
            (c.timestamp(), c.rekey_number()),
            (Some(0x0102_0304_0506_0708), Some(9))
        );

        // Mobility domain 0x1234, FT over the DS.
        let mde = [54, 3, 0x34, 0x12, 0x01];
        let m = MobilityDomain::parse(&mde[2..]).unwrap();
        assert_eq!((m.mdid, m.ft_over_ds), (0x1234, true));
        let mut out = Vec::new();
        m.emit(&mut out);
        assert_eq!(out, mde);
        assert!(MobilityDomain::parse(&mde[2..4]).is_err());
    }

    #[test]
    fn tspec_repr_round_trip() {
        let mut element = vec![221, 61, 0x00, 0x50, 0xf2, 2, 2, 1, 0xec, 0x30, 0x00];
        element.extend((208u16 | 0x8000).to_le_bytes());
        element.extend(208u16.to_le_bytes());
        for v in [0u32, 0, 0, 0, 0, 83200, 83200, 83200, 0, 0, 6_000_000] {
            element.extend(v.to_le_bytes());
        }
        element.extend(0x2000u16.to_le_bytes());
        element.extend(0u16.to_le_bytes());
        let e = Elements::new(&element, 0).next().unwrap().unwrap();
        let t = Tspec::from_element(&e).unwrap();
        let r = TspecRepr::parse(&t);
        assert_eq!((r.ts_info, r.nominal_msdu_size), (0x30ec, 0x80d0));
        assert_eq!(r.intervals_and_rates[10], 6_000_000);
        let mut out = Vec::new();
        r.emit_wmm(&mut out);
        assert_eq!(out, element);
        assert_eq!(
            Tspec::new_checked(&element[8..60], false).unwrap_err(),
            Dot11Error::Truncated {
                what: "TSPEC",
                need: 55,
                have: 52
            }
        );
    }
}
