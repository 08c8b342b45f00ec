//! `reassoc-refused`: the new AP answered the (re)association request with a non-zero status.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};

pub(super) struct ReassocRefused;

impl Rule for ReassocRefused {
    fn code(&self) -> &'static str {
        code::REASSOC_REFUSED
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn fix(&self) -> &'static str {
        "The new AP refused the reassociation: see the status code. Check the \
     station's security settings match the SSID's on the new AP, the AP's client limit, and \
     whether admission control refused the TSPEC in the request."
    }
    /// A refused roam had no key exchange worth timing.
    fn explains(&self) -> &'static [&'static str] {
        &[code::ROAM_OVER_BUDGET]
    }
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        let Some(status) = roam.status.filter(|&s| s != 0) else {
            return Vec::new();
        };
        let mut evidence = vec![roam.request_frame];
        evidence.extend(roam.response_frame);
        vec![self.finding(
            format!(
                "{} to {} refused with status {status} ({}) in frame {}",
                if roam.reassociation {
                    "reassociation"
                } else {
                    "association"
                },
                roam.to_bssid,
                roam.status_name.unwrap_or("unknown"),
                roam.response_frame.unwrap_or(0),
            ),
            evidence,
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;

    #[test]
    fn fires_on_any_non_zero_status() {
        assert!(check(&ReassocRefused, &roam().response(2, 0.005, 0).build()).is_empty());
        assert!(check(&ReassocRefused, &roam().no_response().build()).is_empty());
        let found = check(
            &ReassocRefused,
            &roam().association().response(9, 0.01, 1).build(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "association to 02:00:00:00:00:0b refused with status 1 (unspecified failure) in frame 9"
        );
        assert_eq!(found[0].evidence, [1, 9]);
    }
}
