//! `addts-refused`: an ADDTS response after the roam refused the traffic stream.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};

pub(super) struct AddtsRefused;

impl Rule for AddtsRefused {
    fn code(&self) -> &'static str {
        code::ADDTS_REFUSED
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn fix(&self) -> &'static str {
        "The AP refused the TSPEC: check Call Admission Control on the AP (voice \
     bandwidth/max calls), and that the PHY rate the TSPEC asks for (its minimum PHY rate, often \
     12 Mb/s or 6 Mb/s) is enabled as a supported/mandatory rate."
    }
    /// One finding per refusing response.
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        roam.addts
            .iter()
            .filter(|a| a.status != 0)
            .map(|a| {
                let mut evidence: Vec<u64> = a.request_frame.into_iter().collect();
                evidence.push(a.frame);
                self.finding(
                    format!(
                        "ADDTS response (frame {}) refused the traffic stream{}: status {} ({})",
                        a.frame,
                        a.tid.map(|t| format!(" TID {t}")).unwrap_or_default(),
                        a.status,
                        a.status_name
                    ),
                    evidence,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::analysis::AddtsReport;
    use roamgap_wire::dot11::action::AddtsKind;

    fn addts(frame: u64, status: u16, status_name: &'static str) -> AddtsReport {
        AddtsReport {
            kind: AddtsKind::Wmm,
            status,
            status_name,
            frame,
            time: 0.02,
            request_frame: Some(frame - 1),
            request_time: Some(0.019),
            dialog_token: 1,
            tid: Some(6),
            up: Some(6),
        }
    }

    #[test]
    fn fires_once_per_refusing_response() {
        let ok = roam().addts(addts(12, 0, "admission accepted"));
        assert!(check(&AddtsRefused, &ok.clone().build()).is_empty());
        let r = ok
            .addts(addts(14, 3, "refused"))
            .addts(addts(16, 1, "invalid parameters"))
            .build();
        let found = check(&AddtsRefused, &r);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].message,
            "ADDTS response (frame 14) refused the traffic stream TID 6: status 3 (refused)"
        );
        assert_eq!(found[0].evidence, [13, 14]);
        assert_eq!(found[1].evidence, [15, 16]);
    }
}
