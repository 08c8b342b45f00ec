//! `tspec-rate-unsupported`: a TSPEC in the request asks for a minimum PHY rate the new AP's
//! beacons do not list.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};

pub(super) struct TspecRateUnsupported;

impl Rule for TspecRateUnsupported {
    fn code(&self) -> &'static str {
        code::TSPEC_RATE_UNSUPPORTED
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn fix(&self) -> &'static str {
        "The new AP does not list the PHY rate the TSPEC requires: enable that \
     rate (12 Mb/s is often disabled) as a supported rate on the AP's radio, or configure the \
     phone's TSPEC / admission control to a rate the AP offers."
    }
    /// One finding per TSPEC; none when no beacon of the new AP was captured.
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        if roam.new_ap_rates_mbps.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for t in roam.tspec.iter().filter(|t| t.min_phy_rate > 0) {
            let mbps = f64::from(t.min_phy_rate) / 1e6;
            if roam
                .new_ap_rates_mbps
                .iter()
                .any(|&r| (r - mbps).abs() < 0.01)
            {
                continue;
            }
            let listed: Vec<String> = roam
                .new_ap_rates_mbps
                .iter()
                .map(|r| format!("{r}"))
                .collect();
            out.push(self.finding(
                format!(
                    "the TSPEC (TID {}) in the request (frame {}) asks for a minimum PHY rate of {mbps} Mb/s, which {} does not offer (its beacons list {} Mb/s)",
                    t.tid,
                    roam.request_frame,
                    roam.to_bssid,
                    listed.join(", ")
                ),
                vec![roam.request_frame],
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::events::TspecInfo;
    use roamgap_wire::dot11::ie::TsDirection;

    fn tspec(min_phy_rate: u32) -> TspecInfo {
        TspecInfo {
            tid: 6,
            user_priority: 6,
            direction: TsDirection::Bidirectional,
            wmm: true,
            nominal_msdu_size: 208,
            mean_data_rate: 83_200,
            min_phy_rate,
            surplus_bandwidth: 0x2000,
            medium_time: 0,
        }
    }

    #[test]
    fn fires_when_the_rate_is_not_listed() {
        let r = roam().tspec(tspec(12_000_000));
        // No beacon captured: nothing to compare with.
        assert!(check(&TspecRateUnsupported, &r.clone().build()).is_empty());
        let listed = r.clone().new_ap_rates(&[6.0, 12.0, 24.0]).build();
        assert!(check(&TspecRateUnsupported, &listed).is_empty());
        let found = check(
            &TspecRateUnsupported,
            &r.new_ap_rates(&[6.0, 9.0, 24.0]).build(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the TSPEC (TID 6) in the request (frame 1) asks for a minimum PHY rate of 12 Mb/s, \
             which 02:00:00:00:00:0b does not offer (its beacons list 6, 9, 24 Mb/s)"
        );
        assert_eq!(found[0].evidence, [1]);
    }
}
