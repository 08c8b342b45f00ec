//! `roam-failed`: the station never got onto the new AP; how, what it cost and where it went.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Outcome, Roam};

pub(super) struct RoamFailed;

const FIX_UNANSWERED: &str = "The new AP never answered the station. Check that the AP hears the \
     station at all (an AP whose beacons reach the phone while it cannot hear the phone's \
     weaker transmitter: compare the AP's transmit power with the phone's), the AP's client \
     limit, MAC filter or band steering (some APs ignore a station instead of refusing it), and \
     whether its radio is hung; on the phone, a shorter association timeout brings it back sooner.";
const FIX_REFUSED_ROAM: &str = "The station could not join the new AP, so every roam to it costs \
     this outage: the refusal's status code says why (an authentication refused: the algorithm \
     or key the station offered; a reassociation refused: see reassoc-refused). Until it is \
     fixed, keep the phones off that AP (its SSID, band or client limit).";
const FIX_ABANDONED: &str = "The new AP accepted the station, but it left before its keys were \
     installed or its voice flowed: look at the key exchange in the roam's phases (EAPOL messages \
     unanswered: a passphrase or PMK that differs between the APs, a RADIUS server that did not \
     answer) and at the reason of any deauthentication the AP sent.";

impl Rule for RoamFailed {
    fn code(&self) -> &'static str {
        code::ROAM_FAILED
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    /// The fix of an unanswered roam; a refused or abandoned one has its own.
    fn fix(&self) -> &'static str {
        FIX_UNANSWERED
    }
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        let Some(f) = roam.failure.as_ref() else {
            return Vec::new();
        };
        let how = match roam.outcome {
            Outcome::Unanswered => "the new AP never answered".to_string(),
            Outcome::Refused => format!(
                "the new AP refused it (status {}{})",
                f.last_status.map_or_else(|| "?".into(), |s| s.to_string()),
                f.last_status
                    .map(|s| format!(", {}", roamgap_wire::dot11::mgmt::status_name(s)))
                    .unwrap_or_default()
            ),
            _ => "the new AP accepted it, but the station left before its keys or data".to_string(),
        };
        let gave_up = f
            .gave_up_frame
            .map(|g| format!(", then gave up with a deauthentication (frame {g})"))
            .unwrap_or_default();
        let next = match (f.next_bssid, f.next_frame) {
            (Some(b), Some(n)) if b == roam.from_bssid => {
                format!("the station went back to {b} (frame {n})")
            }
            (Some(b), Some(n)) => format!("the station went on to {b} (frame {n})"),
            _ => "the capture shows no further frame of the station".to_string(),
        };
        let outage = match (roam.outage_ms, &roam.outage) {
            (Some(ms), Some(o)) => format!(
                "; its user data stopped for {ms:.1} ms (frames {}-{})",
                o.last_data_frame,
                o.first_data_frame.unwrap_or(0)
            ),
            (None, Some(o)) => o
                .capture_ended_after_ms
                .map(|ms| {
                    format!(
                        "; its user data stopped at frame {} and had not resumed {ms:.1} ms later, when the capture ended",
                        o.last_data_frame
                    )
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        let mut evidence = vec![f.first_frame, roam.request_frame, f.last_frame];
        evidence.extend(f.next_frame);
        evidence.sort_unstable();
        evidence.dedup();
        let mut finding = self.finding(
            format!(
                "the roam to {} failed ({}): {how} after {} request{} over {:.1} ms (frames {}-{}){gave_up}; {next}{outage}",
                roam.to_bssid,
                roam.outcome.as_str(),
                f.attempts,
                if f.attempts == 1 { "" } else { "s" },
                f.duration_ms,
                f.first_frame,
                f.last_frame,
            ),
            evidence,
        );
        finding.fix = match roam.outcome {
            Outcome::Unanswered => FIX_UNANSWERED,
            Outcome::Refused => FIX_REFUSED_ROAM,
            _ => FIX_ABANDONED,
        };
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::analysis::FailureReport;

    fn failure(attempts: u32, last_status: Option<u16>) -> FailureReport {
        FailureReport {
            attempts,
            first_frame: 1,
            last_frame: 7,
            first_time: 0.0,
            last_time: 0.25,
            duration_ms: 250.0,
            last_status,
            gave_up_frame: None,
            next_bssid: None,
            next_frame: None,
        }
    }

    #[test]
    fn fires_only_on_a_failed_roam_and_says_how() {
        assert!(check(&RoamFailed, &roam().build()).is_empty());
        let r = roam()
            .no_response()
            .failed(Outcome::Refused, failure(1, Some(17)))
            .build();
        let found = check(&RoamFailed, &r);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the roam to 02:00:00:00:00:0b failed (refused): the new AP refused it (status 17, \
             association denied: AP cannot handle more associated stations) after 1 request over 250.0 ms \
             (frames 1-7); the capture shows no further frame of the station"
        );
        assert_eq!(found[0].evidence, [1, 7]);
        assert_eq!(found[0].fix, FIX_REFUSED_ROAM);
        assert_eq!(found[0].severity, Severity::Error);
        let r = roam()
            .failed(Outcome::Abandoned, failure(2, Some(0)))
            .build();
        let found = check(&RoamFailed, &r);
        assert!(found[0].message.contains("2 requests over 250.0 ms"));
        assert_eq!(found[0].fix, FIX_ABANDONED);
    }
}
