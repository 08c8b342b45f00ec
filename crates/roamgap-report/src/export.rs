//! Exports for other programs: CSV (one row per roam; one per finding) and JSON lines (one roam
//! per line). Column and field names are a contract, documented in `docs/EXPORTS.md`.

use std::fmt::Write;

use serde::Serialize;

use super::time::iso8601;
use super::Report;
use roamgap::analysis::{MissedRoam, PhaseName, Roam, VoiceGap};

/// The columns of `--format csv`, in order.
pub const ROAM_COLUMNS: &[&str] = &[
    "kind",
    "file",
    "time_utc",
    "time",
    "station",
    "from_bssid",
    "from_channel",
    "to_bssid",
    "to_channel",
    "request_frame",
    "response_frame",
    "reassociation",
    "status",
    "key_management",
    "fast_path_offered",
    "fast_path_taken",
    "reassoc_latency_ms",
    "handshake_ms",
    "roam_time_ms",
    "uplink_gap_ms",
    "uplink_lost",
    "downlink_gap_ms",
    "downlink_lost",
    "voice_measured_from",
    "scanning_ms",
    "authentication_ms",
    "reassociation_ms",
    "dot1x_ms",
    "four_way_handshake_ms",
    "addts_ms",
    "eapol_m1_retries",
    "addts_status",
    "deauth_reason",
    "signal_before_dbm",
    "signal_after_dbm",
    "rate_before_mbps",
    "rate_after_mbps",
    "severity",
    "findings",
    "wireshark_filter",
    "outcome",
    "outage_ms",
    "attempts",
    "next_bssid",
    "from_band",
    "to_band",
];

/// The columns of the findings CSV, in order.
pub const FINDING_COLUMNS: &[&str] = &[
    "file",
    "station",
    "roam_frame",
    "from_bssid",
    "to_bssid",
    "severity",
    "code",
    "message",
    "fix",
    "evidence",
    "wireshark_filter",
];

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
fn field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// A text cell (a file name, a message, a filter: anything that may quote the capture or the
/// command line) that a spreadsheet must show as text: one starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be read as a formula (OWASP "CSV injection"), so it gets a
/// leading `'`. Numeric columns never pass here: a signal of `-67` stays a number.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

fn row(out: &mut String, cells: &[String]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, c);
    }
    out.push_str("\r\n");
}

/// A band as the JSON names it (`2.4GHz`, `5GHz`, `6GHz`, `4.9GHz`).
fn band_name(b: roamgap_wire::linklayer::Band) -> String {
    serde_json::to_value(b)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Milliseconds to the microsecond: enough for any gap, stable across platforms.
fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_default()
}

fn phase_ms(r: &Roam, name: PhaseName) -> String {
    let total: Vec<f64> = r
        .phases
        .iter()
        .filter(|p| p.name == name)
        .filter_map(|p| p.duration_ms)
        .collect();
    ms((!total.is_empty()).then(|| total.iter().sum()))
}

fn gap_cells(g: &Option<VoiceGap>) -> [String; 2] {
    match g {
        Some(g) => [
            ms(g.gap_ms),
            match (g.lost, g.lost_estimated) {
                (Some(l), true) => format!("~{l}"),
                (l, _) => opt(l),
            },
        ],
        None => [String::new(), String::new()],
    }
}

fn file_of(report: &Report, capture: usize) -> &str {
    report.captures.get(capture).map_or("", |c| c.file.as_str())
}

fn roam_row(report: &Report, r: &Roam) -> Vec<String> {
    let [up_gap, up_lost] = gap_cells(&r.uplink);
    let [down_gap, down_lost] = gap_cells(&r.downlink);
    let measured: Vec<&str> = [&r.uplink, &r.downlink]
        .into_iter()
        .flatten()
        .map(|g| g.measured_from.as_str())
        .collect();
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code).collect();
    vec![
        "roam".into(),
        text(file_of(report, r.capture)),
        iso8601(r.time),
        format!("{:.6}", r.time),
        r.station.to_string(),
        r.from_bssid.to_string(),
        opt(r.from_channel),
        r.to_bssid.to_string(),
        opt(r.to_channel),
        r.request_frame.to_string(),
        opt(r.response_frame),
        r.reassociation.to_string(),
        opt(r.status),
        opt(r.key_management.map(|k| k.as_str())),
        r.fast_path_offered.as_str().into(),
        opt(r.fast_path_taken),
        ms(r.reassoc_latency_ms),
        ms(r.handshake_ms),
        ms(r.roam_time_ms),
        up_gap,
        up_lost,
        down_gap,
        down_lost,
        measured.first().copied().unwrap_or_default().into(),
        phase_ms(r, PhaseName::Scanning),
        phase_ms(r, PhaseName::Authentication),
        phase_ms(r, PhaseName::Reassociation),
        phase_ms(r, PhaseName::Dot1x),
        phase_ms(r, PhaseName::FourWayHandshake),
        phase_ms(r, PhaseName::Addts),
        opt(r.eapol.as_ref().map(|e| e.m1_retries)),
        opt(r.addts.last().map(|a| a.status)),
        opt(r.deauth.as_ref().map(|d| d.reason)),
        opt(r.signal_before_dbm),
        opt(r.signal_after_dbm),
        opt(r.rate_before_mbps),
        opt(r.rate_after_mbps),
        opt(r
            .findings
            .iter()
            .map(|f| f.severity)
            .max()
            .map(|s| s.as_str())),
        text(&codes.join(";")),
        text(&r.wireshark_filter),
        r.outcome.as_str().into(),
        ms(r.outage_ms),
        opt(r.failure.as_ref().map(|f| f.attempts)),
        opt(r.failure.as_ref().and_then(|f| f.next_bssid)),
        opt(r.from_band.map(band_name)),
        opt(r.to_band.map(band_name)),
    ]
}

fn missed_row(report: &Report, m: &MissedRoam) -> Vec<String> {
    let mut cells = vec![String::new(); ROAM_COLUMNS.len()];
    let mut set = |name: &str, value: String| {
        if let Some(i) = ROAM_COLUMNS.iter().position(|c| *c == name) {
            cells[i] = value;
        }
    };
    let codes: Vec<&str> = m.findings.iter().map(|f| f.code).collect();
    set("kind", "missed".into());
    set("file", text(file_of(report, m.capture)));
    set("time_utc", iso8601(m.last_time_old));
    set("time", format!("{:.6}", m.last_time_old));
    set("station", m.station.to_string());
    set("from_bssid", m.from_bssid.to_string());
    set("from_channel", opt(m.from_channel));
    set("to_bssid", m.to_bssid.to_string());
    set("to_channel", opt(m.to_channel));
    set("from_band", opt(m.from_band.map(band_name)));
    set("to_band", opt(m.to_band.map(band_name)));
    set("roam_time_ms", ms(Some(m.gap_ms)));
    set(
        "severity",
        opt(m
            .findings
            .iter()
            .map(|f| f.severity)
            .max()
            .map(|s| s.as_str())),
    );
    set("findings", text(&codes.join(";")));
    set("wireshark_filter", text(&m.wireshark_filter));
    cells
}

/// Every roam (and every roam seen only by its effect, `kind` = `missed`) as CSV, in the order
/// of the report, under one header row.
pub fn roams_csv(report: &Report) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &ROAM_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    );
    for r in &report.roams {
        row(&mut out, &roam_row(report, r));
    }
    for m in &report.missed_roams {
        row(&mut out, &missed_row(report, m));
    }
    out
}

/// Every finding as CSV, most severe first (then in the order of the roams).
pub fn findings_csv(report: &Report) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &FINDING_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    );
    for f in report.findings_by_severity() {
        let evidence: Vec<String> = f.finding.evidence.iter().map(u64::to_string).collect();
        row(
            &mut out,
            &[
                text(file_of(report, f.capture)),
                f.station.to_string(),
                opt(f.roam_frame),
                f.from_bssid.to_string(),
                f.to_bssid.to_string(),
                f.finding.severity.as_str().into(),
                text(f.finding.code),
                text(&f.finding.message),
                text(f.finding.fix),
                evidence.join(";"),
                text(&f.finding.wireshark_filter),
            ],
        );
    }
    out
}

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    file: &'a str,
    #[serde(flatten)]
    item: &'a T,
}

/// One JSON object per line: every roam (`"type": "roam"`, the fields of `roams[]` in
/// `docs/JSON.md`), then every roam seen only by its effect (`"type": "missed_roam"`), each with
/// the file it came from.
pub fn roams_jsonl(report: &Report) -> String {
    let mut out = String::new();
    let mut line = |v: Result<String, serde_json::Error>| {
        // Serializing plain data structures cannot fail.
        let _ = writeln!(
            out,
            "{}",
            v.unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        );
    };
    for r in &report.roams {
        line(serde_json::to_string(&Line {
            kind: "roam",
            file: file_of(report, r.capture),
            item: r,
        }));
    }
    for m in &report.missed_roams {
        line(serde_json::to_string(&Line {
            kind: "missed_roam",
            file: file_of(report, m.capture),
            item: m,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let mut s = String::new();
        row(
            &mut s,
            &[
                "plain".into(),
                "a,b".into(),
                "say \"hi\"".into(),
                "two\nlines".into(),
                String::new(),
            ],
        );
        assert_eq!(s, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_is_quoted_as_text() {
        for (value, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("capture.pcap", "capture.pcap"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(text(value), want, "{value:?}");
        }
    }
}
