//! `full-reauth`: the station offered a fast path, and a full 802.1X/EAP exchange followed
//! anyway.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, FastPath, Roam};

pub(super) struct FullReauth;

impl Rule for FullReauth {
    fn code(&self) -> &'static str {
        code::FULL_REAUTH
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn fix(&self) -> &'static str {
        "The station offered a fast roam but still had to authenticate from \
     scratch: the new AP did not have its key. Make the key reach every AP: CCKM keys through the \
     WLC/WDS, FT (802.11r) enabled on the WLAN with the same mobility domain on both APs, OKC or \
     PMK caching enabled, the APs in the same mobility group."
    }
    /// The full authentication is what made the key exchange slow.
    fn explains(&self) -> &'static [&'static str] {
        &[code::ROAM_OVER_BUDGET]
    }
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        let Some(eap) = roam.eap.as_ref() else {
            return Vec::new();
        };
        if roam.fast_path_offered == FastPath::None {
            return Vec::new();
        }
        vec![self.finding(
            format!(
                "the station offered a fast roam ({}) but a full 802.1X/EAP authentication followed (frames {}-{}, {:.1} ms)",
                roam.fast_path_offered, eap.first_frame, eap.last_frame, eap.duration_ms
            ),
            vec![roam.request_frame, eap.first_frame, eap.last_frame],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::analysis::EapReport;

    fn eap() -> EapReport {
        EapReport {
            first_frame: 10,
            last_frame: 20,
            packets: 11,
            success: true,
            first_time: 0.01,
            last_time: 0.41,
            duration_ms: 400.0,
        }
    }

    #[test]
    fn fires_on_eap_after_a_fast_path_offer() {
        // No fast path offered: a full authentication is expected.
        assert!(check(&FullReauth, &roam().eap(eap()).build()).is_empty());
        assert!(check(&FullReauth, &roam().fast_path(FastPath::FtOverDs).build()).is_empty());
        let r = roam().fast_path(FastPath::PmkCaching).eap(eap()).build();
        let found = check(&FullReauth, &r);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the station offered a fast roam (pmk-caching) but a full 802.1X/EAP authentication \
             followed (frames 10-20, 400.0 ms)"
        );
        assert_eq!(found[0].evidence, [1, 10, 20]);
    }
}
