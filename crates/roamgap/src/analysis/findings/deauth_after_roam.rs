//! `deauth-after-roam`: the new AP deauthenticated or disassociated the station soon after
//! the roam.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};

pub(super) struct DeauthAfterRoam;

impl Rule for DeauthAfterRoam {
    fn code(&self) -> &'static str {
        code::DEAUTH_AFTER_ROAM
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn fix(&self) -> &'static str {
        "Check the AP/controller log for the station at that time. Reason 2 (previous \
     authentication no longer valid) right after a reassociation usually means the new AP did not \
     get the station's key context (CCKM/OKC/FT key distribution between APs, WDS/controller \
     mobility); make sure both APs share it."
    }
    fn explains(&self) -> &'static [&'static str] {
        &[code::ROAM_OVER_BUDGET]
    }
    /// The AP's deauthentication only: the station's own is the station leaving (a failed roam
    /// says so). The window (`deauth_window_ms`) was applied when the roam was assembled.
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        let Some(d) = roam.deauth.as_ref().filter(|d| !d.by_station) else {
            return Vec::new();
        };
        vec![self.finding(
            format!(
                "the new AP sent a {} {:.1} ms after the reassociation request, reason {} ({}), frame {}",
                if d.disassociation {
                    "disassociation"
                } else {
                    "deauthentication"
                },
                d.after_ms,
                d.reason,
                d.reason_name,
                d.frame
            ),
            vec![d.frame],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::analysis::DeauthReport;

    #[test]
    fn fires_on_the_aps_deauthentication_only() {
        let deauth = DeauthReport {
            reason: 2,
            reason_name: "previous authentication no longer valid",
            frame: 30,
            time: 0.1,
            disassociation: false,
            by_station: true,
            after_ms: 100.0,
        };
        assert!(check(&DeauthAfterRoam, &roam().deauth(deauth.clone()).build()).is_empty());
        let by_ap = DeauthReport {
            by_station: false,
            disassociation: true,
            ..deauth
        };
        let found = check(&DeauthAfterRoam, &roam().deauth(by_ap).build());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the new AP sent a disassociation 100.0 ms after the reassociation request, reason 2 \
             (previous authentication no longer valid), frame 30"
        );
        assert_eq!(found[0].evidence, [30]);
    }
}
