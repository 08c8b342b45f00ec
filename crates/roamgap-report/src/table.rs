//! The terminal report: one row per roam, then the findings with their fixes, the streams and
//! any warnings.

use std::fmt::Write;

use super::text::printable;
use super::time::{datetime, time_of_day};
use super::{join_listed, left_out, listed_roams, Report, MAX_LISTED};
use roamgap::analysis::findings::{code, Finding, Severity};
use roamgap::analysis::{channel_text, VoiceGap};

/// Signal, rate and channel before and after a roam, and what the old AP kept sending.
fn radio_line(r: &roamgap::analysis::Roam) -> String {
    let side = |dbm: Option<i8>, rate: Option<f64>, ch: Option<u16>, band| {
        let mut v = Vec::new();
        if let Some(d) = dbm {
            v.push(format!("{d} dBm"));
        }
        if let Some(r) = rate {
            v.push(format!("{r} Mb/s"));
        }
        if ch.is_some() {
            v.push(format!("channel {}", channel_text(ch, band)));
        }
        v.join(" ")
    };
    let (before, after) = (
        side(
            r.signal_before_dbm,
            r.rate_before_mbps,
            r.from_channel,
            r.from_band,
        ),
        side(
            r.signal_after_dbm,
            r.rate_after_mbps,
            r.to_channel,
            r.to_band,
        ),
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

/// A count of roams, with how many of them failed.
fn roams_cell(roams: usize, failed: usize) -> String {
    if failed == 0 {
        roams.to_string()
    } else {
        format!("{roams} ({failed} failed)")
    }
}

/// Up to this many roams, the table details every roam; beyond, only those with findings.
const DETAIL_ALL_UP_TO: usize = 20;

/// ANSI colours for a terminal, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

const BOLD: &str = "1";
const RED: &str = "1;31";
const YELLOW: &str = "33";
const GREEN: &str = "32";
const CYAN: &str = "36";
const DIM: &str = "2";

impl Paint {
    fn paint(self, text: &str, sgr: &str) -> String {
        if self.0 && !text.is_empty() {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    }
}

/// `[Error] code: message` and its fix, coloured by severity.
fn finding_lines(out: &mut String, f: &Finding, paint: Paint) {
    let c = severity_color(f.severity);
    let _ = writeln!(
        out,
        "    {} {}: {}",
        paint.paint(&format!("[{:?}]", f.severity), c),
        paint.paint(f.code, c),
        printable(&f.message)
    );
    let _ = writeln!(out, "      {} {}", paint.paint("fix:", GREEN), f.fix);
}

/// Renders the report as plain text columns.
pub fn render_table(report: &Report) -> String {
    render_table_with(report, false)
}

/// Renders the report as text columns, with ANSI colours when `color` (for a terminal):
/// findings by severity, over-budget gaps in red, healthy roams in green.
pub fn render_table_with(report: &Report, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    captures(&mut out, report);
    out.push('\n');
    if report.roams.is_empty() {
        out.push_str("No roams found.\n");
    } else {
        let listed = listed_roams(report);
        roam_table(&mut out, report, &listed, paint);
        roam_details(&mut out, report, &listed, paint);
    }
    missed_roams(&mut out, report, paint);
    if report.roams.len() > 1 {
        stations_and_ap_pairs(&mut out, report, paint);
    }
    if !report.streams.is_empty() {
        streams(&mut out, report, paint);
    }
    notes(&mut out, report, paint);
    out
}

/// Each capture: its file, format, link types, size and span, decryption and merge, BSSs.
fn captures(out: &mut String, report: &Report) {
    for (i, c) in report.captures.iter().enumerate() {
        let links = join_listed(c.linktypes.iter().map(|l| l.name.to_string()), " + ");
        let _ = writeln!(
            out,
            "{}: {}, {}, {} frames{}, {} BSS{}, {} station{}",
            printable(&c.file),
            printable(&c.format),
            links,
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
        if let Some(d) = &c.decryption {
            let _ = writeln!(
                out,
                "  decrypted {} of {} protected frames with {} ({} of {} handshakes, {} of {} fast transitions matched; {} failed the integrity check, {} had no key, {} not decryptable{})",
                d.decrypted,
                d.protected,
                if d.keys.is_empty() {
                    "no key".to_string()
                } else {
                    printable(&join_listed(d.keys.iter().cloned(), ", ")).into_owned()
                },
                d.handshakes_with_key,
                d.handshakes,
                d.fast_transitions_with_key,
                d.fast_transitions,
                d.mic_failures,
                d.no_key,
                d.not_decryptable,
                d.not_decryptable_reasons.describe()
            );
        }
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
        for b in c.bss.iter().take(MAX_LISTED) {
            let _ = writeln!(
                out,
                "  BSS {}  channel {:>3}{}  {}",
                b.bssid,
                b.channel
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "?".into()),
                b.band.map(|band| format!(" ({band})")).unwrap_or_default(),
                b.ssid
                    .as_deref()
                    .map(|s| format!("SSID \"{}\"", printable(s)))
                    .unwrap_or_default()
            );
        }
        if let Some(more) = left_out(c.bss.len(), "BSSs", "--format json") {
            let _ = writeln!(out, "  {more}");
        }
    }
}

/// The roams listed, one row each.
fn roam_table(out: &mut String, report: &Report, listed: &[usize], paint: Paint) {
    let header = [
        "frame",
        "time (UTC)",
        "station",
        "from -> to BSSID, channel",
        "key mgmt",
        "reassoc",
        "outcome",
        "uplink gap / lost",
        "downlink gap / lost",
        "outage",
        "findings",
    ];
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|&i| {
            let r = &report.roams[i];
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
                    "{} ch {} -> {} ch {}",
                    r.from_bssid,
                    channel_text(r.from_channel, r.from_band),
                    r.to_bssid,
                    channel_text(r.to_channel, r.to_band)
                ),
                r.key_management
                    .map(|k| k.as_str())
                    .unwrap_or("?")
                    .to_string(),
                reassoc,
                r.outcome.as_str().to_string(),
                gap(&r.uplink),
                gap(&r.downlink),
                roamgap::analysis::outage_text(r),
                if codes.is_empty() {
                    "ok".into()
                } else {
                    codes.join(", ")
                },
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "{}",
        paint.paint(&format!("Roams ({}):", report.roams.len()), BOLD)
    );
    columns(out, &header, &rows, paint, &|row, col| {
        let r = &report.roams[listed[row]];
        let worst = r.findings.iter().map(|f| f.severity).max();
        match col {
            6 if r.outcome.failed() => Some(RED),
            7 | 8 if r.findings.iter().any(|f| f.code == code::LONG_GAP) => Some(RED),
            9 if r.outcome.failed() => Some(RED),
            10 => Some(worst.map_or(GREEN, severity_color)),
            _ => None,
        }
    });
    if let Some(more) = left_out(
        report.roams.len(),
        "roams",
        "--format csv, jsonl or json (the roams listed: the most severe findings, then failed roams, then the longest gaps)",
    ) {
        let _ = writeln!(out, "  {more}");
    }
}

/// Every listed roam's findings, phases, radio and Wireshark filter when there are few roams;
/// otherwise those of the listed roams with findings.
fn roam_details(out: &mut String, report: &Report, listed: &[usize], paint: Paint) {
    // Every roam's detail when there are few; otherwise those listed with findings.
    let detailed: Vec<_> = listed
        .iter()
        .map(|&i| &report.roams[i])
        .filter(|r| !r.findings.is_empty() || report.roams.len() <= DETAIL_ALL_UP_TO)
        .collect();
    if !detailed.is_empty() {
        let title = if detailed.iter().any(|r| !r.findings.is_empty()) {
            "Findings and phases:"
        } else {
            "Phases (no findings):"
        };
        let _ = writeln!(out, "\n{}", paint.paint(title, BOLD));
        for r in detailed {
            let _ = writeln!(
                out,
                "  roam at frame {} ({} -> {}), station {}:",
                r.request_frame, r.from_bssid, r.to_bssid, r.station
            );
            for f in &r.findings {
                finding_lines(out, f, paint);
            }
            if !r.phases.is_empty() {
                let parts: Vec<String> = r
                    .phases
                    .iter()
                    .map(|p| match p.duration_ms {
                        Some(d) => format!("{} {d:.1} ms", p.name),
                        None => format!("{} - (no answer)", p.name),
                    })
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
            let _ = writeln!(
                out,
                "    {} {}",
                paint.paint("wireshark:", DIM),
                printable(&r.wireshark_filter)
            );
        }
    }
}

/// The roams the sniffer missed: the station's data moved with no (re)association captured.
fn missed_roams(out: &mut String, report: &Report, paint: Paint) {
    if report.missed_roams.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}: the station's data moved to another AP with no (re)association in the capture",
        paint.paint(
            &format!("Roams not captured ({})", report.missed_roams.len()),
            BOLD
        )
    );
    for m in report.missed_roams.iter().take(MAX_LISTED) {
        let _ = writeln!(
            out,
            "  station {}: {} ch {} -> {} ch {}, last frame {} / first frame {}, {:.1} ms{}",
            m.station,
            m.from_bssid,
            channel_text(m.from_channel, m.from_band),
            m.to_bssid,
            channel_text(m.to_channel, m.to_band),
            m.last_frame_old,
            m.first_frame_new,
            m.gap_ms,
            match m.channel_captured {
                Some(true) => ", the sniffer was on the new channel but missed the exchange",
                _ => "",
            }
        );
        for f in &m.findings {
            finding_lines(out, f, paint);
        }
        let _ = writeln!(out, "    wireshark: {}", printable(&m.wireshark_filter));
    }
    if let Some(more) = left_out(
        report.missed_roams.len(),
        "roams not captured",
        "--format csv, jsonl or json",
    ) {
        let _ = writeln!(out, "  {more}");
    }
}

/// The per-station and per-AP-pair tables.
fn stations_and_ap_pairs(out: &mut String, report: &Report, paint: Paint) {
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
        .take(MAX_LISTED)
        .map(|s| {
            vec![
                s.station.to_string(),
                roams_cell(s.roams, s.failed_roams),
                ms(s.gap_ms_median),
                ms(s.gap_ms_p95),
                ms(s.gap_ms_max),
                s.lost.to_string(),
                codes(&s.findings),
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "\n{}",
        paint.paint(&format!("Stations ({}):", report.stations.len()), BOLD)
    );
    columns(
        out,
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
        paint,
        &|row, col| {
            (col == 6).then(|| {
                if report.stations[row].findings.is_empty() {
                    GREEN
                } else {
                    YELLOW
                }
            })
        },
    );
    if let Some(more) = left_out(report.stations.len(), "stations", "--format json") {
        let _ = writeln!(out, "  {more}");
    }
    let rows: Vec<Vec<String>> = report
        .ap_pairs
        .iter()
        .take(MAX_LISTED)
        .map(|p| {
            vec![
                format!("{} -> {}", p.from_bssid, p.to_bssid),
                roams_cell(p.roams, p.failed_roams),
                ms(p.gap_ms_median),
                ms(p.gap_ms_max),
                codes(&p.findings),
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "\n{}",
        paint.paint(&format!("AP pairs ({}):", report.ap_pairs.len()), BOLD)
    );
    columns(
        out,
        &[
            "from -> to BSSID",
            "roams",
            "median gap",
            "max gap",
            "findings",
        ],
        &rows,
        paint,
        &|row, col| {
            (col == 4).then(|| {
                if report.ap_pairs[row].findings.is_empty() {
                    GREEN
                } else {
                    YELLOW
                }
            })
        },
    );
    if let Some(more) = left_out(report.ap_pairs.len(), "AP pairs", "--format json") {
        let _ = writeln!(out, "  {more}");
    }
}

/// The RTP streams, one row each.
fn streams(out: &mut String, report: &Report, paint: Paint) {
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
        .take(MAX_LISTED)
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
    let _ = writeln!(
        out,
        "\n{}",
        paint.paint(&format!("RTP streams ({}):", report.streams.len()), BOLD)
    );
    columns(out, &header, &rows, paint, &|row, col| {
        (col == 6 && report.streams[row].lost > 0).then_some(YELLOW)
    });
    if let Some(more) = left_out(report.streams.len(), "RTP streams", "--format json") {
        let _ = writeln!(out, "  {more}");
    }
}

/// The notes of what reading a capture met.
fn notes(out: &mut String, report: &Report, paint: Paint) {
    let notes: Vec<_> = report.captures.iter().flat_map(|c| &c.notes).collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n{}", paint.paint("Notes:", BOLD));
        for n in notes.iter().take(MAX_LISTED) {
            let _ = writeln!(
                out,
                "  frame {}: station {} {}",
                n.frame,
                n.station,
                printable(&n.message)
            );
        }
        if let Some(more) = left_out(notes.len(), "notes", "--format json") {
            let _ = writeln!(out, "  {more}");
        }
    }
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

/// Aligned columns; `style(row, column)` colours a cell (padding stays outside the colour so
/// that the columns line up on a terminal).
fn columns(
    out: &mut String,
    header: &[&str],
    rows: &[Vec<String>],
    paint: Paint,
    style: &dyn Fn(usize, usize) -> Option<&'static str>,
) {
    // Cells may quote the capture (SSIDs, file names): made printable before they are measured.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| printable(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = (&str, Option<&str>)>| {
        let mut s = String::from(" ");
        for ((cell, sgr), w) in cells.zip(&widths) {
            let pad = w.saturating_sub(cell.chars().count());
            let text = sgr.map_or_else(|| cell.to_string(), |c| paint.paint(cell, c));
            let _ = write!(s, " {text}{:pad$} ", "");
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(out, &mut header.iter().map(|h| (*h, Some(BOLD))));
    for (i, row) in rows.iter().enumerate() {
        line(
            out,
            &mut row
                .iter()
                .enumerate()
                .map(|(j, c)| (c.as_str(), style(i, j))),
        );
    }
}
