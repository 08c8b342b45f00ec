//! `eapol-m1-retry`: the AP sent EAPOL message 1 of the roam's 4-way handshake again.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};
use roamgap_wire::dot11::ie::KeyManagement;

pub(super) struct EapolM1Retry;

/// A retry that waited this long (ms) or longer is an audible gap: the finding is an error.
pub const M1_RETRY_ERROR_MS: f64 = 500.0;

impl Rule for EapolM1Retry {
    fn code(&self) -> &'static str {
        code::EAPOL_M1_RETRY
    }
    /// Raised to an error when a retry waited [`M1_RETRY_ERROR_MS`] or more.
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix(&self) -> &'static str {
        "The station was not ready for EAPOL message 1 and the AP waited for its retry \
     timer (~1 s by default). Lower the EAPOL-Key timeout on the AP/controller (e.g. 200-400 ms), \
     or use a fast-roaming key management (CCKM, FT) so that no 4-way handshake is needed."
    }
    /// The retry timer is what made the key exchange slow.
    fn explains(&self) -> &'static [&'static str] {
        &[code::ROAM_OVER_BUDGET]
    }
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        let Some(k) = roam.eapol.as_ref().filter(|k| k.m1_retries > 0) else {
            return Vec::new();
        };
        let delays: Vec<String> = k
            .m1_retry_delays_ms
            .iter()
            .map(|d| format!("{d:.1} ms"))
            .collect();
        let mut evidence = vec![k.m1_frame];
        evidence.extend(k.m4_frame);
        let mut finding = self.finding(
            format!(
                "EAPOL message 1 (first in frame {}) was sent {} more time{} after {}{}",
                k.m1_frame,
                k.m1_retries,
                if k.m1_retries == 1 { "" } else { "s" },
                delays.join(", "),
                if roam.key_management == Some(KeyManagement::Psk) {
                    " (the WPA-PSK EAPOL retry timer)"
                } else {
                    ""
                }
            ),
            evidence,
        );
        if k.m1_retry_delays_ms.iter().any(|&d| d >= M1_RETRY_ERROR_MS) {
            finding.severity = Severity::Error;
        }
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::analysis::EapolReport;

    fn eapol(retry_delays_ms: &[f64]) -> EapolReport {
        EapolReport {
            m1_frame: 10,
            m1_time: 0.01,
            m2_frame: Some(40),
            m3_frame: Some(41),
            m4_frame: Some(42),
            m4_time: Some(0.6),
            m1_retries: retry_delays_ms.len() as u32,
            m1_retry_delays_ms: retry_delays_ms.to_vec(),
            duration_ms: Some(600.0),
        }
    }

    #[test]
    fn a_retry_is_a_warning_below_500_ms_and_an_error_from_it() {
        assert!(check(&EapolM1Retry, &roam().eapol(eapol(&[])).build()).is_empty());
        let r = roam().key_management(KeyManagement::Psk);
        let found = check(&EapolM1Retry, &r.clone().eapol(eapol(&[499.9])).build());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].message,
            "EAPOL message 1 (first in frame 10) was sent 1 more time after 499.9 ms (the \
             WPA-PSK EAPOL retry timer)"
        );
        assert_eq!(found[0].evidence, [10, 42]);
        let found = check(&EapolM1Retry, &r.eapol(eapol(&[100.0, 500.0])).build());
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0]
            .message
            .contains("2 more times after 100.0 ms, 500.0 ms"));
    }
}
