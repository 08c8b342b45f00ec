//! `sticky-client`: the station held on to its old AP far below a usable signal.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};

pub(super) struct StickyClient;

impl Rule for StickyClient {
    fn code(&self) -> &'static str {
        code::STICKY_CLIENT
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix(&self) -> &'static str {
        "The phone held on to its old AP far below a usable signal before it \
     roamed: review its roaming trigger (scan threshold, roam delta) and the APs' coverage overlap \
     (cells should overlap by 15-20 % at -67 dBm for voice)."
    }
    /// Below `sticky_dbm`.
    fn check(&self, roam: &Roam, config: &Config) -> Vec<Finding> {
        let Some(dbm) = roam.signal_before_dbm.filter(|&d| d < config.sticky_dbm) else {
            return Vec::new();
        };
        let mut evidence: Vec<u64> = roam.last_data_frame_old.into_iter().collect();
        evidence.push(roam.request_frame);
        vec![self.finding(
            format!(
                "the station was heard at {dbm} dBm on {} before it roamed (below {} dBm): it stayed too long",
                roam.from_bssid, config.sticky_dbm
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
    fn fires_below_minus_80_dbm() {
        assert!(check(&StickyClient, &roam().signal_before(-80, 0).build()).is_empty());
        let found = check(&StickyClient, &roam().signal_before(-81, 0).build());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the station was heard at -81 dBm on 02:00:00:00:00:0a before it roamed (below -80 \
             dBm): it stayed too long"
        );
        assert_eq!(found[0].evidence, [0, 1]);
    }
}
