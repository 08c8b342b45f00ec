//! `roamgap summary`: what is in a capture at a glance, like capinfos plus the 802.11 view —
//! link types, time span, frames by type, the BSSs, the stations, the RTP streams, the roams.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::text::printable;
use super::time::datetime;
use super::{join_listed, left_out, CaptureReport, Report, MAX_LISTED};
use roamgap_wire::dot11::MacAddr;

/// Wireshark's name of a `wlan.fc.type_subtype` value ((type << 4) | subtype).
pub(crate) fn type_subtype_name(ts: u16) -> &'static str {
    match ts {
        0x00 => "Association Request",
        0x01 => "Association Response",
        0x02 => "Reassociation Request",
        0x03 => "Reassociation Response",
        0x04 => "Probe Request",
        0x05 => "Probe Response",
        0x06 => "Timing Advertisement",
        0x08 => "Beacon",
        0x09 => "ATIM",
        0x0a => "Disassociation",
        0x0b => "Authentication",
        0x0c => "Deauthentication",
        0x0d => "Action",
        0x0e => "Action No Ack",
        0x12 => "Trigger",
        0x13 => "TWT Ack",
        0x14 => "Beamforming Report Poll",
        0x15 => "VHT/HE NDP Announcement",
        0x16 => "Control Frame Extension",
        0x17 => "Control Wrapper",
        0x18 => "Block Ack Request",
        0x19 => "Block Ack",
        0x1a => "PS-Poll",
        0x1b => "Request-to-send",
        0x1c => "Clear-to-send",
        0x1d => "Acknowledgement",
        0x1e => "CF-End",
        0x1f => "CF-End + CF-Ack",
        0x20 => "Data",
        0x21 => "Data + CF-Ack",
        0x22 => "Data + CF-Poll",
        0x23 => "Data + CF-Ack + CF-Poll",
        0x24 => "Null function (No data)",
        0x25 => "CF-Ack (No data)",
        0x26 => "CF-Poll (No data)",
        0x27 => "CF-Ack + CF-Poll (No data)",
        0x28 => "QoS Data",
        0x29 => "QoS Data + CF-Ack",
        0x2a => "QoS Data + CF-Poll",
        0x2b => "QoS Data + CF-Ack + CF-Poll",
        0x2c => "QoS Null function (No data)",
        0x2e => "QoS CF-Poll (No data)",
        0x2f => "QoS CF-Ack + CF-Poll (No data)",
        0x30..=0x3f => "Extension",
        _ => "Reserved",
    }
}

/// Per station: roams, roams not captured, RTP streams.
#[derive(Default)]
struct StationLine {
    roams: usize,
    missed: usize,
    streams: usize,
    rtp_received: u64,
    rtp_lost: u64,
    bssids: std::collections::BTreeSet<MacAddr>,
}

/// The overview of every capture in the report, then of its stations, streams and roams.
pub fn render_summary(report: &Report) -> String {
    let mut out = String::new();
    for c in &report.captures {
        capture_overview(&mut out, c);
    }
    stations_with_voice(&mut out, report);
    streams_and_roams(&mut out, report);
    out
}

/// One capture at a glance: file, format, link types, span, 802.11 counts, frames by type,
/// EAPOL-Key messages, decryption, BSSs.
fn capture_overview(out: &mut String, c: &CaptureReport) {
    let _ = writeln!(out, "File:              {}", printable(&c.file));
    let _ = writeln!(out, "Format:            {}", printable(&c.format));
    let links = join_listed(
        c.linktypes.iter().map(|l| match l.frames {
            Some(n) => format!("{} ({}; {n} frames not read)", l.name, l.linktype),
            None => format!("{} ({})", l.name, l.linktype),
        }),
        ", ",
    );
    let _ = writeln!(out, "Link types:        {links}");
    let _ = writeln!(out, "Frames:            {}", c.frames);
    if let (Some(first), Some(last), Some(d)) = (c.first_time, c.last_time, c.duration_s) {
        let _ = writeln!(out, "First frame:       {} UTC", datetime(first));
        let _ = writeln!(out, "Last frame:        {} UTC", datetime(last));
        let _ = writeln!(out, "Duration:          {d:.3} s");
        if d > 0.0 {
            let _ = writeln!(
                out,
                "Average rate:      {:.1} frames/s",
                c.frames as f64 / d
            );
        }
    }
    let _ = writeln!(
        out,
        "802.11:            {} retransmissions, {} protected, {} bad FCS, {} malformed, {} cut by snaplen",
        c.retries, c.protected, c.bad_fcs, c.malformed, c.cut_by_snaplen
    );
    if let Some(t) = &c.truncated {
        let _ = writeln!(out, "Truncated:         {}", printable(&t.message));
    }
    if !c.type_subtype.is_empty() {
        let _ = writeln!(out, "Frames by type:");
        let mut types: Vec<(u16, u64)> = c
            .type_subtype
            .iter()
            .filter_map(|(k, &n)| {
                u16::from_str_radix(k.trim_start_matches("0x"), 16)
                    .ok()
                    .map(|t| (t, n))
            })
            .collect();
        types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (t, n) in types {
            let _ = writeln!(out, "  {:<30} {:#06x}  {n:>10}", type_subtype_name(t), t);
        }
    }
    if !c.eapol_key_msg.is_empty() {
        let msgs: Vec<String> = c
            .eapol_key_msg
            .iter()
            .map(|(m, n)| format!("M{m} {n}"))
            .collect();
        let _ = writeln!(out, "EAPOL-Key:         {}", msgs.join(", "));
    }
    if let Some(d) = &c.decryption {
        let _ = writeln!(
            out,
            "Decryption:        {} of {} protected frames decrypted, {} MIC failures, {} without a key, {} not decryptable{}; {} of {} handshakes matched {}",
            d.decrypted,
            d.protected,
            d.mic_failures,
            d.no_key,
            d.not_decryptable,
            d.not_decryptable_reasons.describe(),
            d.handshakes_with_key,
            d.handshakes,
            printable(&join_listed(d.keys.iter().cloned(), ", "))
        );
    }
    let _ = writeln!(out, "RTP packets:       {}", c.rtp_packets);
    let _ = writeln!(out, "BSSs ({}):", c.bss.len());
    for b in c.bss.iter().take(MAX_LISTED) {
        let _ = writeln!(
            out,
            "  {}  channel {:>3}{}  {:<24} {}",
            b.bssid,
            b.channel.map_or_else(|| "?".into(), |c| c.to_string()),
            b.band.map(|band| format!(" ({band})")).unwrap_or_default(),
            b.ssid.as_deref().map_or_else(
                || "(no beacon)".to_string(),
                |s| format!("\"{}\"", printable(s))
            ),
            if b.rates_mbps.is_empty() {
                String::new()
            } else {
                let r: Vec<String> = b.rates_mbps.iter().map(|r| r.to_string()).collect();
                format!("rates {} Mb/s", r.join(" "))
            }
        );
    }
    if let Some(more) = left_out(c.bss.len(), "BSSs", "roamgap analyze --format json") {
        let _ = writeln!(out, "  {more}");
    }
    let _ = writeln!(out, "Stations:          {}", c.stations);
    out.push('\n');
}

/// The stations with voice or roams, across the captures.
fn stations_with_voice(out: &mut String, report: &Report) {
    let mut stations: BTreeMap<MacAddr, StationLine> = BTreeMap::new();
    for r in &report.roams {
        let s = stations.entry(r.station).or_default();
        s.roams += 1;
        s.bssids.extend([r.from_bssid, r.to_bssid]);
    }
    for m in &report.missed_roams {
        stations.entry(m.station).or_default().missed += 1;
    }
    for st in &report.streams {
        let s = stations.entry(st.station).or_default();
        s.streams += 1;
        s.rtp_received += st.received;
        s.rtp_lost += st.lost;
    }
    if !stations.is_empty() {
        let _ = writeln!(out, "Stations with voice or roams ({}):", stations.len());
        let _ = writeln!(
            out,
            "  {:<17}  {:>5}  {:>6}  {:>7}  {:>9}  {:>6}  APs",
            "station", "roams", "missed", "streams", "received", "lost"
        );
        for (mac, s) in stations.iter().take(MAX_LISTED) {
            let _ = writeln!(
                out,
                "  {mac}  {:>5}  {:>6}  {:>7}  {:>9}  {:>6}  {}",
                s.roams,
                s.missed,
                s.streams,
                s.rtp_received,
                s.rtp_lost,
                s.bssids.len()
            );
        }
        if let Some(more) = left_out(stations.len(), "stations", "roamgap analyze --format json") {
            let _ = writeln!(out, "  {more}");
        }
    }
}

/// The RTP streams, then the roams and their findings.
fn streams_and_roams(out: &mut String, report: &Report) {
    let _ = writeln!(out, "RTP streams:       {}", report.streams.len());
    for st in report.streams.iter().take(MAX_LISTED) {
        let _ = writeln!(
            out,
            "  {}  {}  {:<8}  pt {:>3}  {:>5} -> {:<5}  {} received, {} lost, max gap {:.1} ms",
            st.ssrc,
            st.station,
            format!("{:?}", st.direction).to_lowercase(),
            st.payload_type,
            st.src_port,
            st.dst_port,
            st.received,
            st.lost,
            st.max_gap_ms
        );
    }
    if let Some(more) = left_out(
        report.streams.len(),
        "RTP streams",
        "roamgap analyze --format json",
    ) {
        let _ = writeln!(out, "  {more}");
    }
    let with_findings = report
        .roams
        .iter()
        .filter(|r| !r.findings.is_empty())
        .count();
    let _ = writeln!(
        out,
        "Roams:             {} ({} with findings), {} not captured (data moved AP without a (re)association)",
        report.roams.len(),
        with_findings,
        report.missed_roams.len()
    );
    let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
    for f in report.findings_by_severity() {
        *codes.entry(f.finding.code).or_default() += 1;
    }
    if !codes.is_empty() {
        let v: Vec<String> = codes.iter().map(|(c, n)| format!("{c} x{n}")).collect();
        let _ = writeln!(out, "Findings:          {}", v.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_wireshark() {
        assert_eq!(type_subtype_name(0x28), "QoS Data");
        assert_eq!(type_subtype_name(0x08), "Beacon");
        assert_eq!(type_subtype_name(0x1d), "Acknowledgement");
        assert_eq!(type_subtype_name(0x07), "Reserved");
    }
}
