//! `uncovered-channel`: on a missed roam, the sniffer captured nothing on the new AP's channel
//! while the station moved.

use super::{code, Finding, Rule, Severity};
use crate::analysis::{channel_text, MissedRoam};

pub(super) struct UncoveredChannel;

impl Rule for UncoveredChannel {
    fn code(&self) -> &'static str {
        code::UNCOVERED_CHANNEL
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn fix(&self) -> &'static str {
        "The sniffer was not listening on the new AP's channel when the phone \
     roamed, so the roam's frames are missing. Capture every channel the phones roam between (one \
     sniffer per channel, merged with `roamgap analyze --merge`), or lock a sniffer to the channel \
     of each AP of interest."
    }
    fn check_missed(&self, m: &MissedRoam) -> Vec<Finding> {
        let (Some(false), Some(_)) = (m.channel_captured, m.to_channel) else {
            return Vec::new();
        };
        let ch = channel_text(m.to_channel, m.to_band);
        vec![self.finding(
            format!(
                "the station's data moved from {}{} (frame {}) to {} on channel {ch} (frame {}, {:.1} ms later) \
                 with no reassociation captured: the sniffer captured nothing on channel {ch} in between",
                m.from_bssid,
                m.from_channel
                    .map(|_| format!(" on channel {}", channel_text(m.from_channel, m.from_band)))
                    .unwrap_or_default(),
                m.last_frame_old,
                m.to_bssid,
                m.first_frame_new,
                m.gap_ms
            ),
            vec![m.last_frame_old, m.first_frame_new],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roamgap_wire::dot11::MacAddr;

    #[test]
    fn fires_only_when_the_new_channel_was_not_captured() {
        let mac = |last| MacAddr([2, 0, 0, 0, 0, last]);
        let mut m = MissedRoam {
            capture: 0,
            station: mac(1),
            from_bssid: mac(0x0a),
            to_bssid: mac(0x0b),
            from_channel: Some(1),
            to_channel: Some(11),
            from_band: None,
            to_band: None,
            last_frame_old: 100,
            first_frame_new: 300,
            last_time_old: 1.0,
            first_time_new: 1.25,
            gap_ms: 250.0,
            channel_captured: Some(true),
            findings: Vec::new(),
            wireshark_filter: String::new(),
        };
        assert!(UncoveredChannel.check_missed(&m).is_empty());
        m.channel_captured = None;
        assert!(UncoveredChannel.check_missed(&m).is_empty());
        m.channel_captured = Some(false);
        let found = UncoveredChannel.check_missed(&m);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the station's data moved from 02:00:00:00:00:0a on channel 1 (frame 100) to \
             02:00:00:00:00:0b on channel 11 (frame 300, 250.0 ms later) with no reassociation \
             captured: the sniffer captured nothing on channel 11 in between"
        );
        assert_eq!(found[0].evidence, [100, 300]);
    }
}
