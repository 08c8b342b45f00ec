//! `roam-over-budget`: the key exchange took longer than the roam's key management allows.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam};
use roamgap_wire::dot11::ie::KeyManagement;

pub(super) struct RoamOverBudget;

/// The class of a roam's key management, which sets how long its key exchange may take
/// (`docs/findings.md`, `roam-over-budget`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum BudgetClass {
    /// CCKM and FT: no 4-way handshake with the new AP (`budget_fast_ms`).
    FastTransition,
    /// Open and WEP: no key exchange at all (`budget_fast_ms`).
    OpenWep,
    /// 802.1X with a full EAP exchange (`budget_dot1x_ms`).
    Dot1x,
    /// 802.1X with a cached PMK: one 4-way handshake (`budget_psk_ms`).
    Dot1xCachedPmk,
    /// PSK, SAE and OWE: one 4-way handshake (`budget_psk_ms`).
    PskSae,
}

impl BudgetClass {
    /// The class of a roam: by its key management, and for 802.1X whether EAP followed; none
    /// when the key management is unknown.
    pub(crate) fn of(roam: &Roam) -> Option<BudgetClass> {
        use KeyManagement as K;
        Some(match roam.key_management? {
            K::Cckm | K::FtPsk | K::FtDot1x | K::FtSae => BudgetClass::FastTransition,
            K::Open | K::Wep => BudgetClass::OpenWep,
            K::Dot1x if roam.eap.is_some() => BudgetClass::Dot1x,
            K::Dot1x => BudgetClass::Dot1xCachedPmk,
            K::Psk | K::Sae | K::Owe => BudgetClass::PskSae,
        })
    }

    /// Its budget, ms.
    pub(crate) fn budget_ms(self, config: &Config) -> f64 {
        match self {
            BudgetClass::FastTransition | BudgetClass::OpenWep => config.budget_fast_ms,
            BudgetClass::Dot1x => config.budget_dot1x_ms,
            BudgetClass::Dot1xCachedPmk | BudgetClass::PskSae => config.budget_psk_ms,
        }
    }

    /// Its name in the finding's message.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BudgetClass::FastTransition => "CCKM/FT",
            BudgetClass::OpenWep => "open/WEP",
            BudgetClass::Dot1x => "802.1X",
            BudgetClass::Dot1xCachedPmk => "802.1X with a cached PMK",
            BudgetClass::PskSae => "PSK/SAE",
        }
    }
}

/// A key exchange over its budget on a roam that did not fail.
pub(super) struct SlowKeyExchange {
    pub(super) class: BudgetClass,
    /// The class's budget, ms.
    pub(super) budget_ms: f64,
    /// The roam's `handshake_ms` (`docs/METRICS.md`, "Roam time and phases").
    pub(super) took_ms: f64,
}

/// The roam's key exchange, when it went over its budget on a roam that did not fail.
pub(super) fn slow_key_exchange(roam: &Roam, config: &Config) -> Option<SlowKeyExchange> {
    let class = BudgetClass::of(roam)?;
    let budget_ms = class.budget_ms(config);
    let took_ms = roam.handshake_ms?;
    (roam.status == Some(0) && !roam.outcome.failed() && took_ms > budget_ms).then_some(
        SlowKeyExchange {
            class,
            budget_ms,
            took_ms,
        },
    )
}

/// The request and the last key message (M4, else the response).
pub(super) fn key_evidence(roam: &Roam) -> Vec<u64> {
    let mut e = vec![roam.request_frame];
    e.extend(
        roam.eapol
            .as_ref()
            .and_then(|k| k.m4_frame)
            .or(roam.response_frame),
    );
    e
}

impl Rule for RoamOverBudget {
    fn code(&self) -> &'static str {
        code::ROAM_OVER_BUDGET
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix(&self) -> &'static str {
        "The key exchange took longer than this key management should: look at \
     the slow step in the roam's phases (a late EAPOL message, a slow RADIUS server behind an \
     802.1X exchange, a busy controller answering the reassociation). For voice, use a fast \
     roaming key management (FT or CCKM) and keep the AAA server close to the controller."
    }
    fn check(&self, roam: &Roam, config: &Config) -> Vec<Finding> {
        let Some(SlowKeyExchange {
            class,
            budget_ms: budget,
            took_ms: ms,
        }) = slow_key_exchange(roam, config)
        else {
            return Vec::new();
        };
        vec![self.finding(
            format!(
                "the key exchange took {ms:.1} ms (reassociation request in frame {} to the last key message), over the {budget} ms budget of {} roams",
                roam.request_frame,
                class.as_str()
            ),
            key_evidence(roam),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::analysis::{FailureReport, Outcome};

    #[test]
    fn fires_over_the_budget_of_the_key_management() {
        let psk = roam().key_management(KeyManagement::Psk);
        assert!(check(&RoamOverBudget, &psk.clone().handshake_ms(150.0).build()).is_empty());
        let found = check(&RoamOverBudget, &psk.clone().handshake_ms(150.1).build());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the key exchange took 150.1 ms (reassociation request in frame 1 to the last key \
             message), over the 150 ms budget of PSK/SAE roams"
        );
        assert_eq!(found[0].evidence, [1, 2]);
        let ft = roam().key_management(KeyManagement::FtPsk);
        assert!(check(&RoamOverBudget, &ft.clone().handshake_ms(50.0).build()).is_empty());
        assert_eq!(
            check(&RoamOverBudget, &ft.handshake_ms(50.1).build()).len(),
            1
        );
        // Unknown key management, or a failed roam: nothing to time against.
        assert!(check(&RoamOverBudget, &roam().handshake_ms(900.0).build()).is_empty());
        let failed = psk
            .handshake_ms(900.0)
            .failed(
                Outcome::Abandoned,
                FailureReport {
                    attempts: 1,
                    first_frame: 1,
                    last_frame: 2,
                    first_time: 0.0,
                    last_time: 0.005,
                    duration_ms: 5.0,
                    last_status: Some(0),
                    gave_up_frame: None,
                    next_bssid: None,
                    next_frame: None,
                },
            )
            .build();
        assert!(check(&RoamOverBudget, &failed).is_empty());
    }

    #[test]
    fn the_budget_class_follows_the_key_management_and_eap() {
        let config = Config::default();
        let class = |km| BudgetClass::of(&roam().key_management(km).build()).unwrap();
        assert_eq!(class(KeyManagement::Cckm), BudgetClass::FastTransition);
        assert_eq!(class(KeyManagement::Wep), BudgetClass::OpenWep);
        assert_eq!(class(KeyManagement::Owe), BudgetClass::PskSae);
        assert_eq!(class(KeyManagement::Dot1x), BudgetClass::Dot1xCachedPmk);
        assert_eq!(BudgetClass::Dot1x.budget_ms(&config), 300.0);
        assert_eq!(BudgetClass::Dot1xCachedPmk.budget_ms(&config), 150.0);
        assert_eq!(BudgetClass::OpenWep.budget_ms(&config), 50.0);
    }
}
