//! The terminal report: one row per roam, then the findings with their fixes, the streams and
//! any warnings.

use std::fmt::Write;

use super::Report;
use crate::analysis::VoiceGap;

/// Signal, rate and channel before and after a roam, and what the old AP kept sending.
fn radio_line(r: &crate::analysis::Roam) -> String {
    let side = |dbm: Option<i8>, rate: Option<f64>, ch: Option<u16>| {
        let mut v = Vec::new();
        if let Some(d) = dbm {
            v.push(format!("{d} dBm"));
        }
        if let Some(r) = rate {
            v.push(format!("{r} Mb/s"));
        }
        if let Some(c) = ch {
            v.push(format!("channel {c}"));
        }
        v.join(" ")
    };
    let (before, after) = (
        side(r.signal_before_dbm, r.rate_before_mbps, r.from_channel),
        side(r.signal_after_dbm, r.rate_after_mbps, r.to_channel),
    );
    let mut parts = Vec::new();
    if !before.is_empty() || !after.is_empty() {
        parts.push(format!(
            "old AP {}, new AP {}",
            if before.is_empty() { "?" } else { &before },
            if after.is_empty() { "?" } else { &after }
        ));
    }
    if let Some(sc) = &r.scanning {
        parts.push(format!(
            "scanned: {} probe requests over {:.1} ms",
            sc.probe_requests, sc.duration_ms
        ));
    }
    if let Some(o) = &r.old_ap_after_leaving {
        parts.push(format!(
            "the old AP tried to deliver {} frames after the station left ({} transmissions, {} retries, until {:.1} ms after the request)",
            o.failed_deliveries, o.transmissions, o.retries, o.last_after_ms
        ));
    }
    parts.join("; ")
}

/// Up to this many roams, the table details every roam; beyond, only those with findings.
const DETAIL_ALL_UP_TO: usize = 20;

/// Renders the report as plain text columns.
pub fn render_table(report: &Report) -> String {
    let mut out = String::new();
    for (i, c) in report.captures.iter().enumerate() {
        let links: Vec<String> = c.linktypes.iter().map(|l| l.name.to_string()).collect();
        let _ = writeln!(
            out,
            "{}: {}, {}, {} frames{}, {} BSS{}, {} station{}",
            c.file,
            c.format,
            links.join(" + "),
            c.frames,
            match (c.first_time, c.duration_s) {
                (Some(t), Some(d)) => format!(" from {} UTC over {:.1} s", datetime(t), d),
                _ => String::new(),
            },
            c.bss.len(),
            if c.bss.len() == 1 { "" } else { "s" },
            c.stations,
            if c.stations == 1 { "" } else { "s" },
        );
        if i == 0 && c.clock_offset_ms.is_some() {
            let _ = writeln!(out, "  merged: the reference clock");
        } else if let (Some(off), Some(anchors), Some(dups)) =
            (c.clock_offset_ms, c.clock_anchors, c.duplicates_removed)
        {
            let _ = writeln!(
                out,
                "  merged: clock offset {off:+.3} ms ({anchors} shared beacons), {dups} frames also captured by another sniffer dropped"
            );
        }
        // A merged analysis has one BSS table, shown once.
        if i > 0 && c.clock_offset_ms.is_some() {
            continue;
        }
        for b in &c.bss {
            let _ = writeln!(
                out,
                "  BSS {}  channel {:>3}  {}",
                b.bssid,
                b.channel
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "?".into()),
                b.ssid
                    .as_deref()
                    .map(|s| format!("SSID \"{s}\""))
                    .unwrap_or_default()
            );
        }
    }
    out.push('\n');

    if report.roams.is_empty() {
        out.push_str("No roams found.\n");
    } else {
        let header = [
            "frame",
            "time (UTC)",
            "station",
            "from -> to BSSID (channel)",
            "key mgmt",
            "reassoc",
            "uplink gap / lost",
            "downlink gap / lost",
            "findings",
        ];
        let rows: Vec<Vec<String>> = report
            .roams
            .iter()
            .map(|r| {
                let ch = |c: Option<u16>| c.map(|c| c.to_string()).unwrap_or_else(|| "?".into());
                let reassoc = match (r.reassoc_latency_ms, r.status) {
                    (Some(l), Some(0)) => format!("{l:.1} ms"),
                    (Some(l), Some(s)) => format!("{l:.1} ms, status {s}"),
                    _ => "no response".into(),
                };
                let codes: Vec<&str> = r.findings.iter().map(|f| f.code).collect();
                vec![
                    r.request_frame.to_string(),
                    time_of_day(r.time),
                    r.station.to_string(),
                    format!(
                        "{} ({}) -> {} ({})",
                        r.from_bssid,
                        ch(r.from_channel),
                        r.to_bssid,
                        ch(r.to_channel)
                    ),
                    r.key_management
                        .map(|k| k.as_str())
                        .unwrap_or("?")
                        .to_string(),
                    reassoc,
                    gap(&r.uplink),
                    gap(&r.downlink),
                    if codes.is_empty() {
                        "ok".into()
                    } else {
                        codes.join(", ")
                    },
                ]
            })
            .collect();
        let _ = writeln!(out, "Roams ({}):", report.roams.len());
        columns(&mut out, &header, &rows);

        // Every roam's detail when there are few; otherwise those with findings.
        let detailed: Vec<_> = report
            .roams
            .iter()
            .filter(|r| !r.findings.is_empty() || report.roams.len() <= DETAIL_ALL_UP_TO)
            .collect();
        if !detailed.is_empty() {
            out.push_str(if detailed.iter().any(|r| !r.findings.is_empty()) {
                "\nFindings and phases:\n"
            } else {
                "\nPhases (no findings):\n"
            });
            for r in detailed {
                let _ = writeln!(
                    out,
                    "  roam at frame {} ({} -> {}), station {}:",
                    r.request_frame, r.from_bssid, r.to_bssid, r.station
                );
                for f in &r.findings {
                    let _ = writeln!(out, "    [{:?}] {}: {}", f.severity, f.code, f.message);
                    let _ = writeln!(out, "      fix: {}", f.fix);
                }
                if !r.phases.is_empty() {
                    let parts: Vec<String> = r
                        .phases
                        .iter()
                        .map(|p| format!("{} {:.1} ms", p.name, p.duration_ms))
                        .collect();
                    let total = r
                        .roam_time_ms
                        .map(|t| format!(" (last to first data: {t:.1} ms)"))
                        .unwrap_or_default();
                    let hs = r
                        .handshake_ms
                        .map(|t| format!(", request to last key message: {t:.1} ms"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "    phases: {}{total}{hs}", parts.join(", "));
                }
                let radio = radio_line(r);
                if !radio.is_empty() {
                    let _ = writeln!(out, "    radio: {radio}");
                }
                let _ = writeln!(out, "    wireshark: {}", r.wireshark_filter);
            }
        }
    }

    if !report.missed_roams.is_empty() {
        let _ = writeln!(
            out,
            "\nRoams not captured ({}): the station's data moved to another AP with no (re)association in the capture",
            report.missed_roams.len()
        );
        for m in &report.missed_roams {
            let ch = |c: Option<u16>| c.map(|c| c.to_string()).unwrap_or_else(|| "?".into());
            let _ = writeln!(
                out,
                "  station {}: {} ({}) -> {} ({}), last frame {} / first frame {}, {:.1} ms{}",
                m.station,
                m.from_bssid,
                ch(m.from_channel),
                m.to_bssid,
                ch(m.to_channel),
                m.last_frame_old,
                m.first_frame_new,
                m.gap_ms,
                match m.channel_captured {
                    Some(true) => ", the sniffer was on the new channel but missed the exchange",
                    _ => "",
                }
            );
            for f in &m.findings {
                let _ = writeln!(out, "    [{:?}] {}: {}", f.severity, f.code, f.message);
                let _ = writeln!(out, "      fix: {}", f.fix);
            }
            let _ = writeln!(out, "    wireshark: {}", m.wireshark_filter);
        }
    }

    if report.roams.len() > 1 {
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.1} ms"));
        let codes = |f: &std::collections::BTreeMap<&str, usize>| {
            let v: Vec<String> = f.iter().map(|(c, n)| format!("{c} x{n}")).collect();
            if v.is_empty() {
                "ok".to_string()
            } else {
                v.join(", ")
            }
        };
        let rows: Vec<Vec<String>> = report
            .stations
            .iter()
            .map(|s| {
                vec![
                    s.station.to_string(),
                    s.roams.to_string(),
                    ms(s.gap_ms_median),
                    ms(s.gap_ms_p95),
                    ms(s.gap_ms_max),
                    s.lost.to_string(),
                    codes(&s.findings),
                ]
            })
            .collect();
        let _ = writeln!(out, "\nStations ({}):", report.stations.len());
        columns(
            &mut out,
            &[
                "station",
                "roams",
                "median gap",
                "p95 gap",
                "max gap",
                "lost",
                "findings",
            ],
            &rows,
        );
        let rows: Vec<Vec<String>> = report
            .ap_pairs
            .iter()
            .map(|p| {
                vec![
                    format!("{} -> {}", p.from_bssid, p.to_bssid),
                    p.roams.to_string(),
                    ms(p.gap_ms_median),
                    ms(p.gap_ms_max),
                    codes(&p.findings),
                ]
            })
            .collect();
        let _ = writeln!(out, "\nAP pairs ({}):", report.ap_pairs.len());
        columns(
            &mut out,
            &[
                "from -> to BSSID",
                "roams",
                "median gap",
                "max gap",
                "findings",
            ],
            &rows,
        );
    }

    if !report.streams.is_empty() {
        let header = [
            "ssrc",
            "station",
            "direction",
            "pt",
            "received",
            "expected",
            "lost",
            "duplicates",
            "max gap",
            "frames",
        ];
        let rows: Vec<Vec<String>> = report
            .streams
            .iter()
            .map(|s| {
                vec![
                    s.ssrc.clone(),
                    s.station.to_string(),
                    format!("{:?}", s.direction).to_lowercase(),
                    s.payload_type.to_string(),
                    s.received.to_string(),
                    s.expected.to_string(),
                    s.lost.to_string(),
                    s.duplicates.to_string(),
                    format!("{:.1} ms", s.max_gap_ms),
                    format!("{}-{}", s.first_frame, s.last_frame),
                ]
            })
            .collect();
        let _ = writeln!(out, "\nRTP streams ({}):", report.streams.len());
        columns(&mut out, &header, &rows);
    }

    let notes: Vec<_> = report.captures.iter().flat_map(|c| &c.notes).collect();
    if !notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in notes {
            let _ = writeln!(
                out,
                "  frame {}: station {} {}",
                n.frame, n.station, n.message
            );
        }
    }
    out
}

fn gap(g: &Option<VoiceGap>) -> String {
    match g {
        None => "-".into(),
        Some(g) => match (g.gap_ms, g.lost) {
            (Some(ms), Some(lost)) if g.lost_estimated => {
                format!("{ms:.1} ms / ~{lost} (encrypted)")
            }
            (Some(ms), Some(lost)) => format!("{ms:.1} ms / {lost}"),
            (Some(ms), None) => format!("{ms:.1} ms / ?"),
            (None, _) => "no voice after".into(),
        },
    }
}

fn columns(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::from(" ");
        for (cell, w) in cells.zip(&widths) {
            let _ = write!(s, " {cell:<w$} ");
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(out, &mut header.iter().copied());
    for row in rows {
        line(out, &mut row.iter().map(String::as_str));
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn split(t: f64) -> (i64, i64) {
    let ms = (t * 1000.0).round() as i64;
    (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000))
}

/// `HH:MM:SS.mmm` (UTC).
fn time_of_day(t: f64) -> String {
    let (_, ms) = split(t);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// `YYYY-MM-DD HH:MM:SS.mmm` (UTC).
fn datetime(t: f64) -> String {
    let (days, _) = split(t);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {}", time_of_day(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(datetime(0.0), "1970-01-01 00:00:00.000");
        assert_eq!(datetime(1_700_000_003.322_52), "2023-11-14 22:13:23.323");
        assert_eq!(datetime(951_782_400.0), "2000-02-29 00:00:00.000");
    }
}
