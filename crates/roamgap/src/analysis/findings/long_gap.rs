//! `long-gap`: the voice gap of a direction exceeds the budget.

use super::roam_over_budget::{slow_key_exchange, SlowKeyExchange};
use super::{code, Finding, Rule, Severity};
use crate::analysis::{Config, Roam, VoiceGap};

pub(super) struct LongGap;

/// A direction whose voice gap is over the budget.
struct OverBudget<'a> {
    /// "uplink" or "downlink", as the message names it.
    direction: &'static str,
    /// The gap's `gap_ms` (`docs/METRICS.md`, "Voice and the gap of a roam").
    gap_ms: f64,
    gap: &'a VoiceGap,
}

impl Rule for LongGap {
    fn code(&self) -> &'static str {
        code::LONG_GAP
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn fix(&self) -> &'static str {
        "Look at the roam's phases: which one took the time (authentication, \
     reassociation, 802.1X/EAP, EAPOL, ADDTS) is named in the other findings; without one, check \
     the station's scanning and the overlap of the APs' coverage."
    }
    /// A slow key exchange within a long gap: this finding carries its figure (see `absorb`).
    fn explains(&self) -> &'static [&'static str] {
        &[code::ROAM_OVER_BUDGET]
    }
    /// Over `gap_budget_ms`, in either direction.
    fn check(&self, roam: &Roam, config: &Config) -> Vec<Finding> {
        let long: Vec<OverBudget> = [("uplink", &roam.uplink), ("downlink", &roam.downlink)]
            .into_iter()
            .filter_map(|(direction, gap)| {
                let gap = gap.as_ref()?;
                let gap_ms = gap.gap_ms.filter(|&ms| ms > config.gap_budget_ms)?;
                Some(OverBudget {
                    direction,
                    gap_ms,
                    gap,
                })
            })
            .collect();
        if long.is_empty() {
            return Vec::new();
        }
        let parts: Vec<String> = long
            .iter()
            .map(|&OverBudget {
                direction: d,
                gap_ms: ms,
                gap: g,
            }| {
                format!(
                    "{d} {ms:.1} ms (frames {}-{}{})",
                    g.last_before_frame.unwrap_or(0),
                    g.first_after_frame.unwrap_or(0),
                    g.lost
                        .map(|l| if g.lost_estimated { format!(", ~{l} packets lost, estimated from the cadence of the encrypted voice") } else { format!(", {l} RTP packets lost") })
                        .unwrap_or_default()
                )
            })
            .collect();
        let evidence: Vec<u64> = long
            .iter()
            .flat_map(|o| [o.gap.last_before_frame, o.gap.first_after_frame])
            .flatten()
            .collect();
        vec![self.finding(
            format!(
                "voice gap over the {} ms budget: {}",
                config.gap_budget_ms,
                parts.join("; ")
            ),
            evidence,
        )]
    }
    /// The key exchange's time, when that is over its own budget too: one finding names both.
    fn absorb(&self, mine: &mut Finding, explained: &Finding, roam: &Roam, config: &Config) {
        if explained.code != code::ROAM_OVER_BUDGET {
            return;
        }
        if let Some(SlowKeyExchange {
            class,
            budget_ms: budget,
            took_ms: ms,
        }) = slow_key_exchange(roam, config)
        {
            mine.message.push_str(&format!(
                "; the key exchange alone took {ms:.1} ms, over the {budget} ms budget of {} roams",
                class.as_str()
            ));
            mine.evidence.extend(&explained.evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::roam_over_budget::RoamOverBudget;
    use super::super::test_support::{check, roam};
    use super::*;
    use crate::analysis::Direction;
    use roamgap_wire::dot11::ie::KeyManagement;

    #[test]
    fn fires_over_150_ms_in_either_direction() {
        let r = roam().gap(Direction::Uplink, 150.0, 5, 9);
        assert!(check(&LongGap, &r.clone().build()).is_empty());
        let found = check(&LongGap, &r.gap(Direction::Downlink, 150.1, 6, 10).build());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "voice gap over the 150 ms budget: downlink 150.1 ms (frames 6-10, 0 RTP packets lost)"
        );
        assert_eq!(found[0].evidence, [6, 10]);
    }

    #[test]
    fn carries_a_slow_key_exchange_instead_of_a_second_finding() {
        let r = roam()
            .key_management(KeyManagement::Psk)
            .handshake_ms(200.0)
            .gap(Direction::Uplink, 400.0, 5, 9)
            .build();
        assert_eq!(check(&RoamOverBudget, &r).len(), 1);
        let found = evaluate(&r, &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "voice gap over the 150 ms budget: uplink 400.0 ms (frames 5-9, 0 RTP packets lost); \
             the key exchange alone took 200.0 ms, over the 150 ms budget of PSK/SAE roams"
        );
        assert_eq!(found[0].evidence, [5, 9, 1, 2]);
    }
}
