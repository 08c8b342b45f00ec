//! `cckm-ie-missing`: the request offers CCKM, the accepting response has no CCKM element, so
//! the phone falls back to a full authentication.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};

pub(super) struct CckmIeMissing;

impl Rule for CckmIeMissing {
    fn code(&self) -> &'static str {
        code::CCKM_IE_MISSING
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn fix(&self) -> &'static str {
        "Enable Call Admission Control on the SSID of the new AP (`admit-traffic` under \
     the SSID of an autonomous IOS AP; WMM/CAC on a controller), so that the AP answers the CCKM \
     reassociation with its CCKM element and the phone need not re-authenticate."
    }
    /// The full authentication that follows, and the time it takes, are this rule's effect.
    fn explains(&self) -> &'static [&'static str] {
        &[code::FULL_REAUTH, code::ROAM_OVER_BUDGET]
    }
    fn check(&self, roam: &Roam, _config: &Config) -> Vec<Finding> {
        if !(roam.cckm_in_request && roam.status == Some(0) && !roam.cckm_in_response) {
            return Vec::new();
        }
        let mut message = format!(
            "the reassociation request (frame {}) offers CCKM but the response (frame {}) has no CCKM element",
            roam.request_frame,
            roam.response_frame.unwrap_or(0)
        );
        let mut evidence = vec![roam.request_frame];
        evidence.extend(roam.response_frame);
        match (&roam.eap, &roam.eapol) {
            (Some(eap), _) => {
                message.push_str(&format!(
                    ": the phone fell back to a full 802.1X/EAP authentication (frames {}-{}, {:.1} ms)",
                    eap.first_frame, eap.last_frame, eap.duration_ms
                ));
                evidence.push(eap.first_frame);
            }
            (None, Some(k)) => {
                message.push_str(&format!(
                    ": a 4-way handshake followed (M1 in frame {})",
                    k.m1_frame
                ));
                evidence.push(k.m1_frame);
            }
            (None, None) => message.push_str(": the phone cannot use the fast (CCKM) path"),
        }
        vec![self.finding(message, evidence)]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;

    #[test]
    fn fires_when_an_accepting_response_lacks_the_element() {
        assert!(check(&CckmIeMissing, &roam().cckm(true, true).build()).is_empty());
        assert!(check(&CckmIeMissing, &roam().cckm(false, false).build()).is_empty());
        // A refusal is reassoc-refused's, not this rule's.
        let refused = roam().cckm(true, false).response(2, 0.005, 17).build();
        assert!(check(&CckmIeMissing, &refused).is_empty());
        let found = check(&CckmIeMissing, &roam().cckm(true, false).build());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the reassociation request (frame 1) offers CCKM but the response (frame 2) has no \
             CCKM element: the phone cannot use the fast (CCKM) path"
        );
        assert_eq!(found[0].evidence, [1, 2]);
    }
}
