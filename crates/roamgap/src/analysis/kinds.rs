//! The closed sets of names a roam's report carries (fast path, authentication algorithm, how
//! a voice gap was measured, phase names): enums, so that a misspelt name does not compile,
//! serialized as the names `docs/JSON.md` and `docs/METRICS.md` give.

use std::fmt;

use serde::Serialize;

/// Writes an enum as its `as_str()` name, the same text as its JSON.
macro_rules! display_as_str {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The fast path a station offered in its (re)association request (`fast_path_offered`): the
/// way it asked to skip a full authentication with the new AP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FastPath {
    /// 802.11r FT over the DS: the FT request went through the old AP.
    FtOverDs,
    /// 802.11r FT over the air: an FT authentication with the new AP.
    FtOverTheAir,
    /// Cisco CCKM: the CCKM element in the request.
    Cckm,
    /// PMK caching or opportunistic key caching: a PMKID in the request.
    PmkCaching,
    /// No fast path: a full authentication is expected.
    None,
}

impl FastPath {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            FastPath::FtOverDs => "ft-over-ds",
            FastPath::FtOverTheAir => "ft-over-the-air",
            FastPath::Cckm => "cckm",
            FastPath::PmkCaching => "pmk-caching",
            FastPath::None => "none",
        }
    }
}
display_as_str!(FastPath);

/// The authentication algorithm of the exchange with the new AP (802.11 9.4.1.1), or the FT
/// exchange over the DS that stands in for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum AuthAlgorithm {
    /// Open System (0).
    Open,
    /// Shared Key (1), WEP's.
    SharedKey,
    /// Fast BSS Transition over the air (2).
    Ft,
    /// Simultaneous Authentication of Equals (3), WPA3-Personal's.
    Sae,
    /// FILS with a shared key, without PFS (4).
    FilsSk,
    /// FILS with a shared key and PFS (5).
    FilsSkPfs,
    /// FILS with a public key (6).
    FilsPk,
    /// Cisco's LEAP (algorithm number 0x80).
    NetworkEap,
    /// A number 9.4.1.1 does not assign.
    Unknown,
    /// No authentication frame: the FT request/response through the old AP.
    FtOverDs,
}

impl AuthAlgorithm {
    /// The algorithm of an Authentication frame's algorithm number.
    pub(crate) fn of_number(number: u16) -> AuthAlgorithm {
        match number {
            0 => AuthAlgorithm::Open,
            1 => AuthAlgorithm::SharedKey,
            2 => AuthAlgorithm::Ft,
            3 => AuthAlgorithm::Sae,
            4 => AuthAlgorithm::FilsSk,
            5 => AuthAlgorithm::FilsSkPfs,
            6 => AuthAlgorithm::FilsPk,
            0x80 => AuthAlgorithm::NetworkEap,
            _ => AuthAlgorithm::Unknown,
        }
    }

    /// The name used in every output.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AuthAlgorithm::Open => "open",
            AuthAlgorithm::SharedKey => "shared-key",
            AuthAlgorithm::Ft => "ft",
            AuthAlgorithm::Sae => "sae",
            AuthAlgorithm::FilsSk => "fils-sk",
            AuthAlgorithm::FilsSkPfs => "fils-sk-pfs",
            AuthAlgorithm::FilsPk => "fils-pk",
            AuthAlgorithm::NetworkEap => "network-eap",
            AuthAlgorithm::Unknown => "unknown",
            AuthAlgorithm::FtOverDs => "ft-over-ds",
        }
    }
}
display_as_str!(AuthAlgorithm);

/// What a voice gap was measured on (`measured_from`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GapSource {
    /// RTP packets: the loss is counted from sequence numbers.
    Rtp,
    /// Voice-priority (UP 6/7) data frames of encrypted voice: the loss is estimated from the
    /// stream's cadence.
    Frames,
}

impl GapSource {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            GapSource::Rtp => "rtp",
            GapSource::Frames => "frames",
        }
    }
}
display_as_str!(GapSource);

/// A roam's phase (`docs/METRICS.md`, "Phases"), in the order they usually come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PhaseName {
    /// The station's probe requests before it turned to the new AP.
    #[serde(rename = "scanning")]
    Scanning,
    /// Its last data on the old AP to its first frame to the new one.
    #[serde(rename = "leaving")]
    Leaving,
    /// The 802.11 authentication exchange (or FT over the DS).
    #[serde(rename = "authentication")]
    Authentication,
    /// The (re)association request and response.
    #[serde(rename = "reassociation")]
    Reassociation,
    /// A full 802.1X/EAP exchange.
    #[serde(rename = "802.1x")]
    Dot1x,
    /// The EAPOL 4-way handshake.
    #[serde(rename = "4-way-handshake")]
    FourWayHandshake,
    /// The ADDTS exchange (admission control).
    #[serde(rename = "addts")]
    Addts,
    /// The end of the last phase to the first data through the new AP.
    #[serde(rename = "resuming")]
    Resuming,
}

impl PhaseName {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseName::Scanning => "scanning",
            PhaseName::Leaving => "leaving",
            PhaseName::Authentication => "authentication",
            PhaseName::Reassociation => "reassociation",
            PhaseName::Dot1x => "802.1x",
            PhaseName::FourWayHandshake => "4-way-handshake",
            PhaseName::Addts => "addts",
            PhaseName::Resuming => "resuming",
        }
    }
}
display_as_str!(PhaseName);

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON name and the text name are the same string.
    fn same<T: Serialize + fmt::Display>(v: T) {
        assert_eq!(serde_json::to_value(&v).unwrap(), v.to_string());
    }

    #[test]
    fn json_and_text_names_agree() {
        use FastPath as F;
        for v in [
            F::FtOverDs,
            F::FtOverTheAir,
            F::Cckm,
            F::PmkCaching,
            F::None,
        ] {
            same(v);
        }
        for n in (0..8).chain([0x80, 0xffff]) {
            same(AuthAlgorithm::of_number(n));
        }
        same(AuthAlgorithm::FtOverDs);
        same(GapSource::Rtp);
        same(GapSource::Frames);
        use PhaseName as P;
        for p in [
            P::Scanning,
            P::Leaving,
            P::Authentication,
            P::Reassociation,
            P::Dot1x,
            P::FourWayHandshake,
            P::Addts,
            P::Resuming,
        ] {
            same(p);
        }
        assert_eq!(F::PmkCaching.to_string(), "pmk-caching");
        assert_eq!(P::Dot1x.to_string(), "802.1x");
        assert_eq!(AuthAlgorithm::of_number(0x80).as_str(), "network-eap");
    }
}
