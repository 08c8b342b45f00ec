//! Diagnosis: rules that read a finished [`Roam`] and name what went wrong, with the frames
//! that show it and the fix. Every rule is documented in `docs/findings.md`; codes are stable.
//!
//! Each rule is a type of its own module implementing [`Rule`]; [`RULES`] lists them in the
//! order they run and their findings are reported. A rule's finding may make another's
//! unnecessary ([`Rule::explains`]): [`evaluate`] drops the explained one.

use serde::Serialize;

use super::{Config, MissedRoam, Roam};

mod addts_refused;
mod cckm_ie_missing;
mod deauth_after_roam;
mod eapol_m1_retry;
mod full_reauth;
mod long_gap;
mod reassoc_refused;
mod roam_failed;
mod roam_over_budget;
mod sticky_client;
mod tspec_rate_unsupported;
mod uncovered_channel;

pub use eapol_m1_retry::M1_RETRY_ERROR_MS;

/// How much a finding hurts the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no audible effect by itself.
    Info,
    /// Degrades roaming; may be audible.
    Warning,
    /// Causes an audible gap or a dropped call.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One diagnosis of a roam.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable identifier, e.g. `cckm-ie-missing`.
    pub code: &'static str,
    /// How much it matters (each rule's own, `docs/findings.md`).
    pub severity: Severity,
    /// What happened, with frame numbers and figures.
    pub message: String,
    /// The frames that show it (1-based).
    pub evidence: Vec<u64>,
    /// What to change.
    pub fix: &'static str,
    /// Shows the evidence in Wireshark: the station's frames from the first evidence frame to
    /// the last.
    pub wireshark_filter: String,
}

/// Stable finding codes (`docs/findings.md`), each named once.
pub mod code {
    /// The roam failed: refused, unanswered or abandoned.
    pub const ROAM_FAILED: &str = "roam-failed";
    pub const CCKM_IE_MISSING: &str = "cckm-ie-missing";
    pub const DEAUTH_AFTER_ROAM: &str = "deauth-after-roam";
    pub const EAPOL_M1_RETRY: &str = "eapol-m1-retry";
    /// An ADDTS response after the roam has a non-zero status.
    pub const ADDTS_REFUSED: &str = "addts-refused";
    /// A direction's voice gap is over `gap_budget_ms`.
    pub const LONG_GAP: &str = "long-gap";
    pub const REASSOC_REFUSED: &str = "reassoc-refused";
    pub const FULL_REAUTH: &str = "full-reauth";
    pub const TSPEC_RATE_UNSUPPORTED: &str = "tspec-rate-unsupported";
    pub const STICKY_CLIENT: &str = "sticky-client";
    pub const ROAM_OVER_BUDGET: &str = "roam-over-budget";
    pub const UNCOVERED_CHANNEL: &str = "uncovered-channel";
}

/// One finding rule: what it is called, how bad it is, what to change, and when it fires.
pub trait Rule: Sync {
    /// Its stable code (one of [`code`]).
    fn code(&self) -> &'static str;
    /// The severity of its findings (a rule may raise it for a worse case).
    fn severity(&self) -> Severity;
    /// What to change (a rule may give a more precise fix for a case).
    fn fix(&self) -> &'static str;
    /// The codes of the other rules whose finding this rule's finding makes unnecessary: it
    /// already names their cause, or (see [`Rule::absorb`]) carries their figure.
    fn explains(&self) -> &'static [&'static str] {
        &[]
    }
    /// Its findings on a roam, before the explained-by step.
    fn check(&self, _roam: &Roam, _config: &Config) -> Vec<Finding> {
        Vec::new()
    }
    /// Its findings on a roam the sniffer saw only by its effect.
    fn check_missed(&self, _missed: &MissedRoam) -> Vec<Finding> {
        Vec::new()
    }
    /// Adds to this rule's finding `mine` what it needs of `explained`, a finding it explains
    /// and is the first to (nothing by default).
    fn absorb(&self, _mine: &mut Finding, _explained: &Finding, _roam: &Roam, _config: &Config) {}
    /// A finding of this rule with its severity and fix.
    fn finding(&self, message: String, evidence: Vec<u64>) -> Finding {
        Finding {
            code: self.code(),
            severity: self.severity(),
            message,
            evidence,
            fix: self.fix(),
            wireshark_filter: String::new(),
        }
    }
}

/// Every rule, in the order they run and their findings are reported.
pub static RULES: [&dyn Rule; 12] = [
    &roam_failed::RoamFailed,
    &reassoc_refused::ReassocRefused,
    &cckm_ie_missing::CckmIeMissing,
    &full_reauth::FullReauth,
    &deauth_after_roam::DeauthAfterRoam,
    &eapol_m1_retry::EapolM1Retry,
    &tspec_rate_unsupported::TspecRateUnsupported,
    &addts_refused::AddtsRefused,
    &sticky_client::StickyClient,
    &roam_over_budget::RoamOverBudget,
    &long_gap::LongGap,
    &uncovered_channel::UncoveredChannel,
];

/// Runs every rule on a roam, then the explained-by step: a finding another finding of the
/// roam explains is dropped, and the first rule (in [`RULES`] order) that explains it may
/// carry its figure.
pub fn evaluate(roam: &Roam, config: &Config) -> Vec<Finding> {
    let (rules, mut found): (Vec<&dyn Rule>, Vec<Option<Finding>>) = RULES
        .iter()
        .flat_map(|&rule| {
            rule.check(roam, config)
                .into_iter()
                .map(move |f| (rule, Some(f)))
        })
        .unzip();
    let explainer: Vec<Option<usize>> = found
        .iter()
        .flatten()
        .map(|f| rules.iter().position(|r| r.explains().contains(&f.code)))
        .collect();
    for (i, by) in explainer.into_iter().enumerate() {
        let Some(by) = by else { continue };
        let Some(explained) = found[i].take() else {
            continue;
        };
        if let Some(mine) = found[by].as_mut() {
            rules[by].absorb(mine, &explained, roam, config);
        }
    }
    found.into_iter().flatten().collect()
}

/// Runs every rule on a roam the sniffer saw only by its effect.
pub(crate) fn evaluate_missed(missed: &MissedRoam) -> Vec<Finding> {
    RULES.iter().flat_map(|r| r.check_missed(missed)).collect()
}

/// What the rules' unit tests share: a roam to spoil, and one rule's findings on it.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Finding, Rule};
    use crate::analysis::{Config, Roam, RoamBuilder};
    use roamgap_wire::dot11::MacAddr;

    /// Station `02:..:01` from AP `..:0a` to AP `..:0b`.
    pub(crate) fn roam() -> RoamBuilder {
        let mac = |last| MacAddr([2, 0, 0, 0, 0, last]);
        Roam::builder(mac(1), mac(0x0a), mac(0x0b))
    }

    /// The rule's findings on the roam with the default thresholds, before the explained-by
    /// step.
    pub(crate) fn check(rule: &dyn Rule, roam: &Roam) -> Vec<Finding> {
        rule.check(roam, &Config::default())
    }
}

/// Why a frame is suspect: it names an address nothing else in the capture corroborates
/// (`docs/METRICS.md`, "Suspect frames").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suspect {
    /// A (re)association request to a BSSID no other frame names.
    Request,
    /// A (re)association request, the only frame of its station.
    Station,
    /// The station's data through a BSSID no other frame names.
    Data,
}

/// The note that names a suspect frame.
pub(crate) fn suspect_frame(
    kind: Suspect,
    frame: u64,
    bssid: roamgap_wire::dot11::MacAddr,
) -> String {
    const UNNAMED: &str =
        "which no other frame of the capture names (no beacon, answer, data or second request)";
    match kind {
        Suspect::Request => format!(
            "suspect frame {frame}: a (re)association request to {bssid}, {UNNAMED}: a damaged address, not a roam"
        ),
        Suspect::Station => format!(
            "suspect frame {frame}: a (re)association request to {bssid}, the only frame of this station: possibly a damaged station address, not counted as a roam"
        ),
        Suspect::Data => format!(
            "suspect frame {frame}: data through {bssid}, {UNNAMED}: a damaged address, not a roam the sniffer missed"
        ),
    }
}
