//! `roamgap report`: a directory with a self-contained `index.html` (styles, script and plots
//! inside it: it opens from disk and fetches nothing), the plots as files, and the JSON, JSON
//! lines and CSV exports beside it.

use roamgap::analysis::channel_text;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rayon::prelude::*;

use super::plot::{self, Figure, ImageFormat};
use super::time::datetime;
use super::traces::Traces;
use super::{findings_csv, join_listed, listed_roams, roams_csv, roams_jsonl, Report, MAX_LISTED};
use roamgap::analysis::findings::Severity;
use roamgap::analysis::{Roam, VoiceGap};

/// What the report shows and how.
#[derive(Clone, Copy, Debug)]
pub struct HtmlOptions {
    pub format: ImageFormat,
    /// The `long-gap` budget the analysis used (drawn on the plots).
    pub gap_budget_ms: f64,
    /// Roams given a detail section with a timeline: those with findings first (most severe
    /// first), then the others in order.
    pub max_roam_plots: usize,
    /// Stations given a signal plot.
    pub max_station_plots: usize,
}

impl Default for HtmlOptions {
    fn default() -> HtmlOptions {
        HtmlOptions {
            format: ImageFormat::Svg,
            gap_budget_ms: 150.0,
            max_roam_plots: 100,
            max_station_plots: 50,
        }
    }
}

/// The files a report consists of.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub index: PathBuf,
    pub files: Vec<PathBuf>,
    pub plots: usize,
    /// Roams whose detail was left out (beyond `max_roam_plots`).
    pub roams_without_detail: usize,
}

/// Escapes text for HTML content and attribute values; control and bidirectional characters
/// (which the page would otherwise render invisibly or obey) become visible escapes first
/// ([`super::text::printable`]).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in super::text::printable(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.1} ms"))
}

fn gap_cell(g: &Option<VoiceGap>) -> (String, f64) {
    match g {
        None => ("–".into(), -1.0),
        Some(g) => match (g.gap_ms, g.lost) {
            (Some(m), Some(l)) if g.lost_estimated => (format!("{m:.1} ms / ~{l}"), m),
            (Some(m), Some(l)) => (format!("{m:.1} ms / {l}"), m),
            (Some(m), None) => (format!("{m:.1} ms / ?"), m),
            (None, _) => ("no voice after".into(), 1e12),
        },
    }
}

fn severity_class(s: Severity) -> &'static str {
    s.as_str()
}

fn roam_anchor(r: &Roam) -> String {
    format!("roam-{}-{}", r.capture, r.request_frame)
}

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1280px; padding: 16px 24px; color: #222; font-size: 14px; }
h1 { font-size: 22px; margin: 4px 0 4px; } h2 { font-size: 18px; border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } table.sortable th { cursor: pointer; } table.sortable th:hover { background: #e4e4e4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; background: #f6f6f6; padding: 1px 3px; }
.sev { font-weight: bold; padding: 1px 6px; border-radius: 3px; color: #fff; font-size: 12px; }
.sev.error { background: #c62828; } .sev.warning { background: #ef8f00; } .sev.info { background: #1e88e5; } .sev.ok { background: #2e7d32; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 10px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.plot { margin: 8px 0 16px; } .plot svg, .plot img { max-width: 100%; height: auto; border: 1px solid #eee; }
.muted { color: #777; } .fix { color: #2e7d32; } .warn { color: #b26a00; }
details { margin: 4px 0 10px; } summary { cursor: pointer; }
"#;

/// The page may use only what it carries: its own inline styles and script, and images
/// embedded as data; a hostile SSID or file name in it could not make it fetch anything.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const SCRIPT: &str = r#"
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.title = 'sort';
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute('data-order') !== 'asc';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-order'); });
      th.setAttribute('data-order', asc ? 'asc' : 'desc');
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-v') || a.cells[col].textContent;
        var y = b.cells[col].getAttribute('data-v') || b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
// A link may ask for a sorted table: #sort=roams-7 (ascending) or #sort=roams-7-desc.
(function () {
  var m = /^#sort=([a-z]+)-(\d+)(-desc)?$/.exec(location.hash);
  var t = m && document.querySelector('table.sortable.' + m[1]);
  var th = t && t.querySelectorAll('th')[+m[2]];
  if (th) { th.click(); if (m[3]) { th.click(); } }
})();
"#;

struct Builder<'a> {
    dir: &'a Path,
    options: HtmlOptions,
    written: Written,
}

impl Builder<'_> {
    /// Writes a figure into `plots/` and returns the HTML that shows it inline.
    fn figure(&mut self, name: &str, fig: Result<Figure, String>) -> io::Result<String> {
        let fig = match fig {
            Ok(f) => f,
            Err(e) => {
                return Ok(format!(
                    "<p class=\"warn\">The plot could not be drawn: {}</p>",
                    escape(&e)
                ))
            }
        };
        let file = format!("{name}.{}", fig.format.extension());
        let path = replace_file(&self.dir.join("plots"), &file, &fig.bytes)?;
        self.written.files.push(path);
        self.written.plots += 1;
        let inner = match fig.format {
            ImageFormat::Svg => String::from_utf8_lossy(&fig.bytes).into_owned(),
            ImageFormat::Png => format!(
                "<img alt=\"{}\" src=\"data:image/png;base64,{}\">",
                escape(&fig.title),
                base64::engine::general_purpose::STANDARD.encode(&fig.bytes)
            ),
        };
        Ok(format!(
            "<div class=\"plot\" data-plot=\"{}\">{inner}<div class=\"muted\"><a href=\"plots/{}\">plots/{}</a></div></div>\n",
            escape(name),
            escape(&file),
            escape(&file)
        ))
    }

    fn export(&mut self, name: &str, text: &str) -> io::Result<()> {
        let path = replace_file(self.dir, name, text.as_bytes())?;
        self.written.files.push(path);
        Ok(())
    }
}

/// Writes `bytes` as `dir/name`, replacing what was there without writing through it: the
/// bytes go to a new file of the directory (created, never opened if it exists), which is
/// then renamed over `name`. A symbolic link planted as `name` is replaced itself; its target
/// is never touched, and a reader never sees half a file.
fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    use std::io::Write as _;
    let target = dir.join(name);
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .and_then(|()| std::fs::rename(&tmp, &target));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(target)
}

/// The report directory, made ready: created if missing; refused when it is a symbolic link
/// (whoever planted it would choose where the report goes); its `plots/` a directory of its
/// own (a symbolic link there is removed, not followed, and a real directory made).
fn prepare_dir(dir: &Path) -> io::Result<()> {
    let is_link = |p: &Path| {
        std::fs::symlink_metadata(p)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false)
    };
    if is_link(dir) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; give the directory itself",
                dir.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let plots = dir.join("plots");
    if is_link(&plots) {
        std::fs::remove_file(&plots)?;
    }
    if !plots.is_dir() {
        std::fs::create_dir(&plots)?;
    }
    remove_old_plots(&plots)
}

/// Writes the report into `dir` (created if missing): `index.html`, `report.json`,
/// `roams.jsonl`, `roams.csv`, `findings.csv` and `plots/`. Each file replaces the one before
/// it ([`replace_file`]); `dir` must not be a symbolic link.
pub fn write_report(
    dir: &Path,
    report: &Report,
    traces: &Traces,
    options: HtmlOptions,
) -> io::Result<Written> {
    prepare_dir(dir)?;
    let mut b = Builder {
        dir,
        options,
        written: Written::default(),
    };
    b.export("report.json", &(report.to_json() + "\n"))?;
    b.export("roams.jsonl", &roams_jsonl(report))?;
    b.export("roams.csv", &roams_csv(report))?;
    b.export("findings.csv", &findings_csv(report))?;

    let mut h = String::new();
    let files: Vec<&str> = report.captures.iter().map(|c| c.file.as_str()).collect();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <title>Roam report: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&files.join(", "))
    );
    let _ = writeln!(
        h,
        "<h1>Roam report</h1><p class=\"muted\">roamgap {}; times in UTC; frame numbers as in Wireshark.</p>",
        escape(report.version)
    );
    captures_section(&mut h, report);
    cards(&mut h, report);
    findings_section(&mut h, report);

    let _ = writeln!(h, "<h2 id=\"plots\">Voice gaps across the capture</h2>");
    let budget = options.gap_budget_ms;
    let f = b.figure(
        "gap-distribution",
        plot::gap_distribution(report, budget, options.format),
    )?;
    h.push_str(&f);
    let f = b.figure(
        "gap-over-time",
        plot::gap_over_time(report, budget, options.format),
    )?;
    h.push_str(&f);

    roams_table(&mut h, report);
    roam_details(&mut b, &mut h, report, traces)?;
    stations_section(&mut b, &mut h, report, traces)?;
    let _ = writeln!(h, "<h2 id=\"ap-pairs\">AP pairs</h2>");
    let f = b.figure(
        "ap-pairs",
        plot::ap_pair_matrix(report, budget, options.format),
    )?;
    h.push_str(&f);
    ap_pairs_table(&mut h, report);
    streams_section(&mut h, report);
    missed_section(&mut h, report);
    let _ = writeln!(
        h,
        "<h2 id=\"files\">Files</h2><ul>\
         <li><a href=\"report.json\">report.json</a>: the whole analysis (the JSON contract)</li>\
         <li><a href=\"roams.csv\">roams.csv</a>: one row per roam</li>\
         <li><a href=\"findings.csv\">findings.csv</a>: one row per finding, most severe first</li>\
         <li><a href=\"roams.jsonl\">roams.jsonl</a>: one roam per line</li>\
         <li><a href=\"plots/\">plots/</a>: every plot as a file</li></ul>"
    );
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body></html>\n");
    let index = replace_file(dir, "index.html", h.as_bytes())?;
    b.written.index = index;
    Ok(b.written)
}

/// Plots an earlier report left in the directory (another capture's roams) would sit beside the
/// new ones unreferenced; only files named as roamgap names its plots are removed.
fn remove_old_plots(plots: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(plots)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ours = [
            "roam-",
            "signal-",
            "gap-distribution.",
            "gap-over-time.",
            "ap-pairs.",
        ]
        .iter()
        .any(|p| name.starts_with(p))
            && (name.ends_with(".svg") || name.ends_with(".png"));
        // A symbolic link with such a name is removed itself, never its target.
        let link_or_file = std::fs::symlink_metadata(&path)
            .map(|m| m.file_type().is_file() || m.file_type().is_symlink())
            .unwrap_or(false);
        if ours && link_or_file {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

fn captures_section(h: &mut String, report: &Report) {
    let _ = writeln!(h, "<h2 id=\"captures\">Captures</h2><table><thead><tr><th>file</th><th>format</th><th>link type</th><th class=\"num\">frames</th><th>first frame (UTC)</th><th class=\"num\">duration</th><th class=\"num\">BSSs</th><th class=\"num\">stations</th><th class=\"num\">RTP packets</th></tr></thead><tbody>");
    for c in &report.captures {
        let links = join_listed(c.linktypes.iter().map(|l| l.name.to_string()), " + ");
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&c.file),
            escape(&c.format),
            escape(&links),
            c.frames,
            c.first_time.map(datetime).unwrap_or_default(),
            c.duration_s.map(|d| format!("{d:.1} s")).unwrap_or_default(),
            c.bss.len(),
            c.stations,
            c.rtp_packets
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    for c in &report.captures {
        if let Some(d) = &c.decryption {
            let _ = writeln!(
                h,
                "<p>{}: decrypted {} of {} protected frames with {} ({} of {} handshakes and {} of {} fast transitions matched; {} failed the integrity check, {} had no key, {} not decryptable{}).</p>",
                escape(&c.file),
                d.decrypted,
                d.protected,
                escape(&join_listed(d.keys.iter().cloned(), ", ")),
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
    }
    let warnings = report.warnings();
    if !warnings.is_empty() {
        let _ = writeln!(h, "<ul class=\"warn\">");
        for w in warnings {
            let _ = writeln!(h, "<li>{}</li>", escape(&w));
        }
        let _ = writeln!(h, "</ul>");
    }
    let bss: Vec<_> = report.captures.iter().flat_map(|c| &c.bss).collect();
    if !bss.is_empty() {
        let _ = writeln!(h, "<details><summary>{} BSSs</summary><table><thead><tr><th>BSSID</th><th>SSID</th><th class=\"num\">channel</th><th>rates (Mb/s)</th></tr></thead><tbody>", bss.len());
        for b in bss.iter().take(MAX_LISTED) {
            let rates: Vec<String> = b.rates_mbps.iter().map(|r| r.to_string()).collect();
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                b.bssid,
                escape(b.ssid.as_deref().unwrap_or("")),
                match (b.channel, b.band) {
                    (Some(c), Some(band)) => format!("{c} ({band})"),
                    (Some(c), None) => c.to_string(),
                    _ => String::new(),
                },
                rates.join(" ")
            );
        }
        let _ = writeln!(h, "</tbody></table>");
        more(h, bss.len(), "BSSs", "report.json");
        let _ = writeln!(h, "</details>");
    }
}

fn cards(h: &mut String, report: &Report) {
    let mut gaps: Vec<f64> = report.roams.iter().filter_map(super::roam_gap).collect();
    gaps.sort_by(f64::total_cmp);
    let pct = |p: f64| super::percentile(&gaps, p);
    let lost: u64 = report.stations.iter().map(|s| s.lost).sum();
    let with = report
        .roams
        .iter()
        .filter(|r| !r.findings.is_empty())
        .count();
    let _ = writeln!(
        h,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b>roams</div><div class=\"card\"><b>{}</b>with findings</div>\
         <div class=\"card\"><b>{}</b>median voice gap</div><div class=\"card\"><b>{}</b>95th percentile</div>\
         <div class=\"card\"><b>{}</b>worst gap</div><div class=\"card\"><b>{}</b>RTP packets lost in roams</div>\
         <div class=\"card\"><b>{}</b>roams not captured</div></div>",
        report.roams.len(),
        with,
        ms(pct(0.5)),
        ms(pct(0.95)),
        ms(gaps.last().copied()),
        lost,
        report.missed_roams.len()
    );
}

fn findings_section(h: &mut String, report: &Report) {
    let all = report.findings_by_severity();
    let _ = writeln!(h, "<h2 id=\"findings\">Findings ({})</h2>", all.len());
    if all.is_empty() {
        let _ = writeln!(
            h,
            "<p><span class=\"sev ok\">ok</span> No roam has a finding.</p>"
        );
        return;
    }
    let _ = writeln!(h, "<table class=\"findings\"><thead><tr><th>severity</th><th>finding</th><th>roam</th><th>what happened</th><th>fix</th><th>Wireshark filter</th></tr></thead><tbody>");
    for f in all.iter().take(MAX_LISTED) {
        let roam = match f.roam_frame {
            Some(frame) => format!(
                "<a href=\"#roam-{}-{frame}\">frame {frame}</a><br><code>{}</code>",
                f.capture, f.station
            ),
            None => format!("not captured<br><code>{}</code>", f.station),
        };
        let _ = writeln!(
            h,
            "<tr class=\"finding\"><td><span class=\"sev {}\">{}</span></td><td><b>{}</b></td><td>{roam}</td><td>{}</td><td class=\"fix\">{}</td><td><code>{}</code></td></tr>",
            severity_class(f.finding.severity),
            f.finding.severity.as_str(),
            escape(f.finding.code),
            escape(&f.finding.message),
            escape(f.finding.fix),
            escape(&f.finding.wireshark_filter)
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    more(h, all.len(), "findings", "findings.csv");
}

/// Under a list that stops at [`MAX_LISTED`]: how many it left out, and the file that has
/// them all.
fn more(h: &mut String, total: usize, what: &str, file: &str) {
    if total > MAX_LISTED {
        let _ = writeln!(
            h,
            "<p class=\"more\">{} of {total} {what} listed; the other {} are in <a href=\"{file}\">{file}</a>.</p>",
            MAX_LISTED,
            total - MAX_LISTED
        );
    }
}

fn roams_table(h: &mut String, report: &Report) {
    let _ = writeln!(
        h,
        "<h2 id=\"roams\">Roams ({})</h2><p class=\"muted\">Click a heading to sort.</p>",
        report.roams.len()
    );
    if report.roams.is_empty() {
        let _ = writeln!(h, "<p>No roams found.</p>");
        return;
    }
    let listed = listed_roams(report);
    if listed.len() < report.roams.len() {
        let _ = writeln!(
            h,
            "<p class=\"more\">{} of {} roams listed: those with the most severe findings, then failed roams, then the longest voice gaps, in time order. Every roam is in <a href=\"roams.csv\">roams.csv</a>, <a href=\"roams.jsonl\">roams.jsonl</a> and <a href=\"report.json\">report.json</a>.</p>",
            listed.len(),
            report.roams.len()
        );
    }
    let _ = writeln!(h, "<table class=\"sortable roams\"><thead><tr><th class=\"num\">frame</th><th>time (UTC)</th><th>station</th><th>from → to (channel)</th><th>key mgmt</th><th class=\"num\">reassoc</th><th class=\"num\">key exchange</th><th class=\"num\">uplink gap / lost</th><th class=\"num\">downlink gap / lost</th><th>findings</th><th>outcome</th><th class=\"num\">outage</th></tr></thead><tbody>");
    for r in listed.iter().map(|&i| &report.roams[i]) {
        let (up, upv) = gap_cell(&r.uplink);
        let (down, downv) = gap_cell(&r.downlink);
        let worst = r.findings.iter().map(|f| f.severity).max();
        let codes: Vec<String> = r.findings.iter().map(|f| escape(f.code)).collect();
        let _ = writeln!(
            h,
            "<tr class=\"roam\"><td class=\"num\" data-v=\"{}\"><a href=\"#{}\">{}</a></td><td data-v=\"{}\">{}</td><td><code>{}</code></td><td><code>{}</code> ch {} → <code>{}</code> ch {}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{upv}\">{up}</td><td class=\"num\" data-v=\"{downv}\">{down}</td><td data-v=\"{}\">{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td></tr>",
            r.request_frame,
            roam_anchor(r),
            r.request_frame,
            r.time,
            datetime(r.time),
            r.station,
            r.from_bssid,
            channel_text(r.from_channel, r.from_band),
            r.to_bssid,
            channel_text(r.to_channel, r.to_band),
            r.key_management.map_or("?", |k| k.as_str()),
            r.reassoc_latency_ms.unwrap_or(-1.0),
            ms(r.reassoc_latency_ms),
            r.handshake_ms.unwrap_or(-1.0),
            ms(r.handshake_ms),
            worst.map_or(0, |s| s as u8 + 1),
            match worst {
                None => "<span class=\"sev ok\">ok</span>".to_string(),
                Some(s) => format!(
                    "<span class=\"sev {}\">{}</span> {}",
                    severity_class(s),
                    s.as_str(),
                    codes.join(", ")
                ),
            },
            if r.outcome.failed() {
                format!("<span class=\"sev error\">{}</span>", r.outcome.as_str())
            } else {
                r.outcome.as_str().to_string()
            },
            r.outage_ms.unwrap_or(-1.0),
            escape(&roamgap::analysis::outage_text(r)),
        );
    }
    let _ = writeln!(h, "</tbody></table>");
}

/// The roams given a detail section: with findings first, most severe first, then the rest,
/// each group in the order of the roams.
fn detailed(report: &Report, max: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..report.roams.len()).collect();
    order.sort_by_key(|&i| {
        std::cmp::Reverse(
            report.roams[i]
                .findings
                .iter()
                .map(|f| f.severity as u8 + 1)
                .max()
                .unwrap_or(0),
        )
    });
    order.truncate(max);
    order.sort_unstable();
    order
}

fn roam_details(
    b: &mut Builder<'_>,
    h: &mut String,
    report: &Report,
    traces: &Traces,
) -> io::Result<()> {
    if report.roams.is_empty() {
        return Ok(());
    }
    let chosen = detailed(report, b.options.max_roam_plots.min(MAX_LISTED));
    b.written.roams_without_detail = report.roams.len() - chosen.len();
    let _ = writeln!(h, "<h2 id=\"details\">Roam by roam</h2>");
    if b.written.roams_without_detail > 0 {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} roams shown in detail (those with findings first); the other {} are in the table above and in the exports.</p>",
            chosen.len(),
            b.written.roams_without_detail
        );
    }
    // The timelines are drawn in parallel, then written in order.
    let figures: Vec<Option<Result<Figure, String>>> = chosen
        .par_iter()
        .map(|&i| {
            traces
                .roam(i)
                .map(|t| plot::roam_timeline(report, i, t, b.options.format))
        })
        .collect();
    for (i, fig) in chosen.into_iter().zip(figures) {
        let r = &report.roams[i];
        let _ = writeln!(
            h,
            "<section class=\"roam-detail\" id=\"{}\"><h3>Roam at frame {} — <code>{}</code>: <code>{}</code> → <code>{}</code></h3>",
            roam_anchor(r),
            r.request_frame,
            r.station,
            r.from_bssid,
            r.to_bssid
        );
        for f in &r.findings {
            let _ = writeln!(
                h,
                "<p><span class=\"sev {}\">{}</span> <b>{}</b>: {}<br><span class=\"fix\">Fix: {}</span></p>",
                severity_class(f.severity),
                f.severity.as_str(),
                escape(f.code),
                escape(&f.message),
                escape(f.fix)
            );
        }
        if let (Some(t), Some(fig)) = (traces.roam(i), fig) {
            let name = format!("roam-{}-{}", r.capture, r.request_frame);
            let f = b.figure(&name, fig)?;
            h.push_str(&f);
            if t.truncated {
                let _ = writeln!(
                    h,
                    "<p class=\"muted\">More than {} RTP packets per direction around this roam: the first ones are drawn.</p>",
                    super::traces::MAX_MARKS
                );
            }
        }
        if !r.phases.is_empty() {
            let _ = writeln!(h, "<table class=\"phases\"><thead><tr><th>phase</th><th class=\"num\">first frame</th><th class=\"num\">last frame</th><th class=\"num\">from the request</th><th class=\"num\">duration</th></tr></thead><tbody>");
            for p in &r.phases {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:+.1} ms</td><td class=\"num\">{}</td></tr>",
                    escape(p.name.as_str()),
                    p.start_frame,
                    p.end_frame.map_or_else(|| "-".to_string(), |f| f.to_string()),
                    (p.start_time - r.request_time) * 1e3,
                    p.duration_ms
                        .map_or_else(|| "- (no answer)".to_string(), |d| format!("{d:.1} ms"))
                );
            }
            let _ = writeln!(h, "</tbody></table>");
        }
        let mut facts = vec![
            format!(
                "key management {}",
                r.key_management.map_or("unknown", |k| k.as_str())
            ),
            format!(
                "fast path offered: {}{}",
                r.fast_path_offered,
                match r.fast_path_taken {
                    Some(true) => " (taken)",
                    Some(false) => " (not taken)",
                    None => "",
                }
            ),
            format!("outcome {}", r.outcome.as_str()),
            format!("outage {}", roamgap::analysis::outage_text(r)),
            format!("reassociation {}", ms(r.reassoc_latency_ms)),
            format!("request to last key message {}", ms(r.handshake_ms)),
            format!("last to first data {}", ms(r.roam_time_ms)),
        ];
        if let (Some(a), Some(b)) = (r.signal_before_dbm, r.signal_after_dbm) {
            facts.push(format!("signal {a} → {b} dBm"));
        }
        if let (Some(a), Some(b)) = (r.rate_before_mbps, r.rate_after_mbps) {
            facts.push(format!("rate {a} → {b} Mb/s"));
        }
        if let Some(o) = &r.old_ap_after_leaving {
            facts.push(format!(
                "the old AP tried {} more frames after the station left ({} transmissions)",
                o.failed_deliveries, o.transmissions
            ));
        }
        let _ = writeln!(
            h,
            "<p>{}</p><p>Wireshark: <code>{}</code></p></section>",
            escape(&facts.join(" · ")),
            escape(&r.wireshark_filter)
        );
    }
    Ok(())
}

fn stations_section(
    b: &mut Builder<'_>,
    h: &mut String,
    report: &Report,
    traces: &Traces,
) -> io::Result<()> {
    let _ = writeln!(
        h,
        "<h2 id=\"stations\">Stations ({})</h2>",
        report.stations.len()
    );
    if report.stations.is_empty() {
        return Ok(());
    }
    let _ = writeln!(h, "<table class=\"sortable\"><thead><tr><th>station</th><th class=\"num\">roams</th><th class=\"num\">not captured</th><th class=\"num\">median gap</th><th class=\"num\">p95 gap</th><th class=\"num\">max gap</th><th class=\"num\">lost</th><th>findings</th></tr></thead><tbody>");
    for s in report.stations.iter().take(MAX_LISTED) {
        let codes: Vec<String> = s
            .findings
            .iter()
            .map(|(c, n)| format!("{} ×{n}", escape(c)))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            s.station,
            s.roams,
            s.missed_roams,
            s.gap_ms_median.unwrap_or(-1.0),
            ms(s.gap_ms_median),
            s.gap_ms_p95.unwrap_or(-1.0),
            ms(s.gap_ms_p95),
            s.gap_ms_max.unwrap_or(-1.0),
            ms(s.gap_ms_max),
            s.lost,
            if codes.is_empty() {
                "<span class=\"sev ok\">ok</span>".to_string()
            } else {
                codes.join(", ")
            }
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    more(h, report.stations.len(), "stations", "report.json");
    let shown: Vec<_> = traces
        .signal
        .iter()
        .filter(|t| !t.points.is_empty())
        .take(b.options.max_station_plots.min(MAX_LISTED))
        .collect();
    for t in &shown {
        let name = format!(
            "signal-{}-{}",
            t.capture,
            t.station.to_string().replace(':', "")
        );
        let f = b.figure(&name, plot::station_signal(report, t, b.options.format))?;
        h.push_str(&f);
    }
    let without = traces
        .signal
        .iter()
        .filter(|t| !t.points.is_empty())
        .count()
        - shown.len();
    if without > 0 {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Signal plots of {} more stations left out.</p>",
            without
        );
    }
    Ok(())
}

fn ap_pairs_table(h: &mut String, report: &Report) {
    if report.ap_pairs.is_empty() {
        return;
    }
    let _ = writeln!(h, "<table class=\"sortable\"><thead><tr><th>from → to BSSID</th><th class=\"num\">roams</th><th class=\"num\">median gap</th><th class=\"num\">max gap</th><th>findings</th></tr></thead><tbody>");
    for p in report.ap_pairs.iter().take(MAX_LISTED) {
        let codes: Vec<String> = p
            .findings
            .iter()
            .map(|(c, n)| format!("{} ×{n}", escape(c)))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code> → <code>{}</code></td><td class=\"num\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td></tr>",
            p.from_bssid,
            p.to_bssid,
            p.roams,
            p.gap_ms_median.unwrap_or(-1.0),
            ms(p.gap_ms_median),
            p.gap_ms_max.unwrap_or(-1.0),
            ms(p.gap_ms_max),
            if codes.is_empty() {
                "<span class=\"sev ok\">ok</span>".to_string()
            } else {
                codes.join(", ")
            }
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    more(h, report.ap_pairs.len(), "AP pairs", "report.json");
}

fn streams_section(h: &mut String, report: &Report) {
    if report.streams.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h2 id=\"streams\">RTP streams ({})</h2><table class=\"sortable\"><thead><tr><th>SSRC</th><th>station</th><th>direction</th><th class=\"num\">PT</th><th class=\"num\">received</th><th class=\"num\">expected</th><th class=\"num\">lost</th><th class=\"num\">duplicates</th><th class=\"num\">max gap</th><th>frames</th></tr></thead><tbody>", report.streams.len());
    for s in report.streams.iter().take(MAX_LISTED) {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\" data-v=\"{}\">{:.1} ms</td><td>{}–{}</td></tr>",
            escape(&s.ssrc),
            s.station,
            format!("{:?}", s.direction).to_lowercase(),
            s.payload_type,
            s.received,
            s.expected,
            s.lost,
            s.duplicates,
            s.max_gap_ms,
            s.max_gap_ms,
            s.first_frame,
            s.last_frame
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    more(h, report.streams.len(), "RTP streams", "report.json");
}

fn missed_section(h: &mut String, report: &Report) {
    if report.missed_roams.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h2 id=\"missed\">Roams not captured ({})</h2><p>The station's data moved to another AP with no (re)association in the capture.</p><table><thead><tr><th>station</th><th>from → to (channel)</th><th class=\"num\">last / first frame</th><th class=\"num\">gap</th><th>sniffer on the new channel</th><th>Wireshark filter</th></tr></thead><tbody>", report.missed_roams.len());
    for m in report.missed_roams.iter().take(MAX_LISTED) {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td><code>{}</code> ch {} → <code>{}</code> ch {}</td><td class=\"num\">{} / {}</td><td class=\"num\">{:.1} ms</td><td>{}</td><td><code>{}</code></td></tr>",
            m.station,
            m.from_bssid,
            channel_text(m.from_channel, m.from_band),
            m.to_bssid,
            channel_text(m.to_channel, m.to_band),
            m.last_frame_old,
            m.first_frame_new,
            m.gap_ms,
            match m.channel_captured {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unknown",
            },
            escape(&m.wireshark_filter)
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    more(
        h,
        report.missed_roams.len(),
        "roams not captured",
        "roams.csv",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }
}
