//! Plots of a report, drawn with plotters: per roam, its timeline (RTP packets per direction,
//! the phases as bands, the gap); per capture, the distribution of voice gaps, the gap of each
//! roam over time and the AP-pair matrix; per station, its signal with its roams marked.
//!
//! SVG by default (the browser renders its text; no font is needed to write it) or PNG. Text is
//! measured, and drawn into PNGs, with the DejaVu Sans font compiled into the program, so no
//! system font is ever looked up.

use std::collections::BTreeMap;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::traces::SignalTrace;
use super::{roam_gap, Report};
use roamgap::analysis::{PhaseName, Roam};
use roamgap_wire::dot11::MacAddr;

/// The image format of the plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    pub(crate) fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// A rendered plot.
#[derive(Clone, Debug)]
pub struct Figure {
    pub title: String,
    pub format: ImageFormat,
    /// SVG text or PNG bytes.
    pub bytes: Vec<u8>,
    /// Data marks drawn (RTP packets, roams, cells, signal points).
    pub marks: usize,
}

const FONT: &str = "sans-serif";
static FONTS: Once = Once::new();

/// Registers the bundled font under the family every plot uses; safe to call many times.
pub fn register_fonts() {
    FONTS.call_once(|| {
        // The bundled TTFs are valid; an error here would only mean text is not measured.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

type PlotResult = Result<usize, String>;

fn fail<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A plot that can draw itself on any plotters backend; returns the marks drawn.
trait Draw {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> PlotResult;
}

fn render(d: &impl Draw, title: String, format: ImageFormat) -> Result<Figure, String> {
    register_fonts();
    let (w, h) = d.size();
    let (bytes, marks) = match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            let marks = {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(fail)?;
                let marks = d.draw(&root)?;
                root.present().map_err(fail)?;
                marks
            };
            (svg.into_bytes(), marks)
        }
        ImageFormat::Png => {
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            let marks = {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(fail)?;
                let marks = d.draw(&root)?;
                root.present().map_err(fail)?;
                marks
            };
            (encode_png(&rgb, w, h)?, marks)
        }
    };
    Ok(Figure {
        title,
        format,
        bytes,
        marks,
    })
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(fail)?;
        writer.write_image_data(rgb).map_err(fail)?;
    }
    Ok(out)
}

// Colours: Tableau 10, readable on white and told apart by most colour-blind readers.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const UPLINK: RGBColor = PALETTE[0];
const DOWNLINK: RGBColor = PALETTE[1];
const ALERT: RGBColor = RGBColor(200, 30, 30);
const GRID: RGBColor = RGBColor(235, 235, 235);

fn phase_color(name: PhaseName) -> RGBColor {
    match name {
        PhaseName::Scanning => RGBColor(158, 202, 225),
        PhaseName::Leaving => RGBColor(200, 200, 200),
        PhaseName::Authentication => RGBColor(199, 233, 192),
        PhaseName::Reassociation => RGBColor(253, 208, 162),
        PhaseName::Dot1x => RGBColor(252, 146, 114),
        PhaseName::FourWayHandshake => RGBColor(218, 218, 235),
        PhaseName::Addts => RGBColor(255, 237, 160),
        PhaseName::Resuming => RGBColor(204, 235, 197),
    }
}

fn phase_label(name: PhaseName) -> &'static str {
    match name {
        PhaseName::Authentication => "auth",
        PhaseName::Reassociation => "reassoc",
        PhaseName::Dot1x => "EAP",
        PhaseName::FourWayHandshake => "4-way",
        PhaseName::Addts => "ADDTS",
        other => other.as_str(),
    }
}

fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

fn caption(size: u32) -> TextStyle<'static> {
    (FONT, size)
        .into_font()
        .style(FontStyle::Bold)
        .color(&BLACK)
}

/// A chart's legend, drawn the same on every plot.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(font(14))
        .draw()
        .map_err(fail)
}

/// `ch 6, 2.4 GHz`: a channel and its band, compact for a plot's title.
fn channel(c: Option<u16>, band: Option<roamgap_wire::linklayer::Band>) -> String {
    match (c, band) {
        (Some(c), Some(b)) => format!("ch {c}, {b}"),
        (Some(c), None) => format!("ch {c}"),
        _ => "ch ?".to_string(),
    }
}

/// Marks drawn at most on a capture-wide plot (beyond, every k-th roam).
pub const MAX_MARKS: usize = 5_000;

/// Roams marked (a line and its frame number) at most on a station's signal plot (beyond,
/// every k-th): more would be unreadable and make the plot grow with the capture.
pub const MAX_ROAM_LINES: usize = 100;

fn no_data<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, what: &str) -> PlotResult {
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        what.to_string(),
        (w as i32 / 2, h as i32 / 2),
        font(16).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(fail)?;
    Ok(0)
}

/// The cumulative distribution of the roams' voice gaps, with the budget.
struct GapDistribution<'a> {
    report: &'a Report,
    budget_ms: f64,
}

impl Draw for GapDistribution<'_> {
    fn size(&self) -> (u32, u32) {
        (800, 440)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> PlotResult {
        let mut gaps: Vec<f64> = self.report.roams.iter().filter_map(roam_gap).collect();
        gaps.sort_by(f64::total_cmp);
        let over = gaps.iter().filter(|&&g| g > self.budget_ms).count();
        let title = format!(
            "Voice gap across {} roams: {} over the {} ms budget",
            gaps.len(),
            over,
            self.budget_ms
        );
        let root = root.titled(&title, caption(18)).map_err(fail)?;
        if gaps.is_empty() {
            return no_data(&root, "no roam with voice on both sides");
        }
        let xmax = gaps.last().copied().unwrap_or(0.0).max(self.budget_ms) * 1.1 + 1.0;
        let mut chart = ChartBuilder::on(&root)
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..xmax, 0.0..1.05)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .x_desc("voice gap (ms, larger direction of each roam)")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc("fraction of roams with a gap ≤ x")
            .label_style(font(14))
            .axis_desc_style(font(15))
            .draw()
            .map_err(fail)?;
        let n = gaps.len() as f64;
        // Every roam up to MAX_MARKS; beyond, every k-th (the last always), so that a capture
        // of a million roams still gives a plot a browser opens.
        let k = gaps.len().div_ceil(MAX_MARKS).max(1);
        let shown: Vec<(usize, f64)> = gaps
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| i % k == k - 1 || *i + 1 == gaps.len())
            .collect();
        let mut steps = vec![(0.0, 0.0)];
        let mut below = 0.0;
        for &(i, g) in &shown {
            steps.push((g, below));
            below = (i + 1) as f64 / n;
            steps.push((g, below));
        }
        steps.push((xmax, 1.0));
        chart
            .draw_series(LineSeries::new(steps, PALETTE[0].stroke_width(2)))
            .map_err(fail)?
            .label("cumulative fraction of roams")
            .legend(|(x, y)| PathElement::new([(x - 8, y), (x + 8, y)], PALETTE[0]));
        chart
            .draw_series(shown.iter().map(|&(i, g)| {
                let color = if g > self.budget_ms {
                    ALERT
                } else {
                    PALETTE[0]
                };
                Circle::new((g, (i + 1) as f64 / n), 3, color.filled())
            }))
            .map_err(fail)?
            .label(if k == 1 {
                "one roam (red: over budget)".to_string()
            } else {
                format!("every {k}th roam (red: over budget)")
            })
            .legend(|(x, y)| Circle::new((x, y), 4, PALETTE[0].filled()));
        chart
            .draw_series(DashedLineSeries::new(
                [(self.budget_ms, 0.0), (self.budget_ms, 1.05)],
                6,
                4,
                ALERT.stroke_width(2),
            ))
            .map_err(fail)?
            .label(format!("budget {} ms", self.budget_ms))
            .legend(|(x, y)| PathElement::new([(x - 8, y), (x + 8, y)], ALERT));
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(shown.len())
    }
}

/// The distribution (CDF) of the roams' voice gaps, with the budget line.
pub fn gap_distribution(
    report: &Report,
    budget_ms: f64,
    format: ImageFormat,
) -> Result<Figure, String> {
    render(
        &GapDistribution { report, budget_ms },
        "Voice gap distribution".into(),
        format,
    )
}

/// Every roam's gap at its time, coloured by key management, roams with an error finding drawn
/// as crosses.
struct GapOverTime<'a> {
    report: &'a Report,
    budget_ms: f64,
}

impl Draw for GapOverTime<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 440)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> PlotResult {
        let start = self
            .report
            .captures
            .iter()
            .filter_map(|c| c.first_time)
            .reduce(f64::min)
            .unwrap_or(0.0);
        let points: Vec<(f64, f64, &str, bool)> = self
            .report
            .roams
            .iter()
            .filter_map(|r| {
                roam_gap(r).map(|g| {
                    (
                        r.time - start,
                        g,
                        r.key_management.map_or("unknown", |k| k.as_str()),
                        r.findings
                            .iter()
                            .any(|f| f.severity == roamgap::analysis::findings::Severity::Error),
                    )
                })
            })
            .collect();
        let all = points.len();
        // Roams per key management, all of them (the legend), before any sampling.
        let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &points {
            *per_kind.entry(p.2).or_default() += 1;
        }
        let k = all.div_ceil(MAX_MARKS).max(1);
        let points: Vec<_> = points
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % k == 0)
            .map(|(_, p)| p)
            .collect();
        let title = if k == 1 {
            format!("Voice gap of each roam over time ({all} roams)")
        } else {
            format!("Voice gap of roams over time ({all} roams, every {k}th shown)")
        };
        let root = root.titled(&title, caption(18)).map_err(fail)?;
        if points.is_empty() {
            return no_data(&root, "no roam with voice on both sides");
        }
        let xmax = points.iter().map(|p| p.0).fold(1.0, f64::max) * 1.05;
        let ymax = points.iter().map(|p| p.1).fold(self.budget_ms, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..xmax, 0.0..ymax)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .x_desc("time since the start of the capture (s)")
            .y_desc("voice gap (ms)")
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(font(14))
            .axis_desc_style(font(15))
            .draw()
            .map_err(fail)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, self.budget_ms), (xmax, self.budget_ms)],
                6,
                4,
                ALERT.stroke_width(1),
            ))
            .map_err(fail)?
            .label(format!("budget {} ms", self.budget_ms))
            .legend(|(x, y)| PathElement::new([(x - 8, y), (x + 8, y)], ALERT));
        for (k, (kind, count)) in per_kind.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let mine: Vec<_> = points.iter().filter(|p| p.2 == *kind).collect();
            chart
                .draw_series(
                    mine.iter()
                        .filter(|p| !p.3)
                        .map(|p| Circle::new((p.0, p.1), 4, color.filled())),
                )
                .map_err(fail)?
                .label(format!("{kind} ({count})"))
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
            chart
                .draw_series(
                    mine.iter()
                        .filter(|p| p.3)
                        .map(|p| Cross::new((p.0, p.1), 5, color.stroke_width(2))),
                )
                .map_err(fail)?;
        }
        if points.iter().any(|p| p.3) {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(fail)?
                .label("× with an error finding")
                .legend(|(x, y)| Cross::new((x, y), 5, BLACK.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(points.len())
    }
}

/// The gap of each roam over time, coloured by key management.
pub fn gap_over_time(
    report: &Report,
    budget_ms: f64,
    format: ImageFormat,
) -> Result<Figure, String> {
    render(
        &GapOverTime { report, budget_ms },
        "Voice gap per roam over time".into(),
        format,
    )
}

/// Where the matrix's first row starts: below the turned column headings.
const MATRIX_TOP: i32 = 178;

/// Most APs shown in the matrix (those with the most roams).
const MAX_MATRIX_APS: usize = 24;

/// From-AP × to-AP, each cell coloured by the median gap of the roams between them.
struct PairMatrix<'a> {
    report: &'a Report,
    budget_ms: f64,
}

/// Green at 0, yellow at the budget, red at three times the budget and above.
fn gap_color(gap: f64, budget: f64) -> RGBColor {
    let t = (gap / budget.max(1.0)).clamp(0.0, 3.0);
    let lerp = |a: u8, b: u8, f: f64| (f64::from(a) + (f64::from(b) - f64::from(a)) * f) as u8;
    if t <= 1.0 {
        RGBColor(lerp(120, 250, t), lerp(198, 210, t), lerp(121, 90, t))
    } else {
        let f = (t - 1.0) / 2.0;
        RGBColor(lerp(250, 215, f), lerp(210, 48, f), lerp(90, 39, f))
    }
}

impl PairMatrix<'_> {
    fn aps(&self) -> Vec<MacAddr> {
        let mut count: BTreeMap<MacAddr, usize> = BTreeMap::new();
        for p in &self.report.ap_pairs {
            *count.entry(p.from_bssid).or_default() += p.roams;
            *count.entry(p.to_bssid).or_default() += p.roams;
        }
        let mut aps: Vec<(MacAddr, usize)> = count.into_iter().collect();
        aps.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        aps.truncate(MAX_MATRIX_APS);
        let mut aps: Vec<MacAddr> = aps.into_iter().map(|a| a.0).collect();
        aps.sort();
        aps
    }
}

impl Draw for PairMatrix<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.aps().len().max(1) as u32;
        (230 + 70 * n + 160, MATRIX_TOP as u32 + 40 * n + 50)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> PlotResult {
        let aps = self.aps();
        let title = "Median voice gap by AP pair (from → to)";
        let root = root.titled(title, caption(18)).map_err(fail)?;
        if aps.is_empty() {
            return no_data(&root, "no roams");
        }
        let name = |b: &MacAddr| {
            let ch = self
                .report
                .captures
                .iter()
                .flat_map(|c| &c.bss)
                .find(|x| x.bssid == *b)
                .and_then(|x| x.channel);
            match ch {
                Some(c) => format!("{b} ({c})"),
                None => b.to_string(),
            }
        };
        let (left, top, cw, chh) = (230i32, MATRIX_TOP, 70i32, 40i32);
        let n = aps.len() as i32;
        root.draw(&Text::new(
            "to BSSID (channel) →",
            (left + n * cw / 2, 4),
            font(15).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(fail)?;
        root.draw(&Text::new(
            "from BSSID (channel) ↓",
            (8, top - 22),
            font(15),
        ))
        .map_err(fail)?;
        for (j, b) in aps.iter().enumerate() {
            // Column headings, turned to fit.
            root.draw(&Text::new(
                name(b),
                (left + j as i32 * cw + cw / 2, top - 6),
                font(13)
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(fail)?;
        }
        let mut cells = 0;
        for (i, from) in aps.iter().enumerate() {
            let y = top + i as i32 * chh;
            root.draw(&Text::new(
                name(from),
                (left - 8, y + chh / 2),
                font(13).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(fail)?;
            for (j, to) in aps.iter().enumerate() {
                let x = left + j as i32 * cw;
                let pair = self
                    .report
                    .ap_pairs
                    .iter()
                    .find(|p| p.from_bssid == *from && p.to_bssid == *to);
                let (fill, text) = match pair {
                    Some(p) => match p.gap_ms_median {
                        Some(g) => (
                            gap_color(g, self.budget_ms),
                            format!("{g:.0} ms\nn={}", p.roams),
                        ),
                        None => (RGBColor(225, 225, 225), format!("no voice\nn={}", p.roams)),
                    },
                    None => (WHITE, String::new()),
                };
                root.draw(&Rectangle::new([(x, y), (x + cw, y + chh)], fill.filled()))
                    .map_err(fail)?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + cw, y + chh)],
                    BLACK.mix(0.25),
                ))
                .map_err(fail)?;
                if pair.is_some() {
                    cells += 1;
                    for (k, line) in text.lines().enumerate() {
                        root.draw(&Text::new(
                            line.to_string(),
                            (x + cw / 2, y + 12 + 15 * k as i32),
                            font(13).pos(Pos::new(HPos::Center, VPos::Center)),
                        ))
                        .map_err(fail)?;
                    }
                }
            }
        }
        // The colour scale.
        let sx = left + n * cw + 30;
        let steps = 30;
        let max = 3.0 * self.budget_ms;
        for s in 0..steps {
            let g = max * f64::from(steps - 1 - s) / f64::from(steps - 1);
            let y = top + s * 5;
            root.draw(&Rectangle::new(
                [(sx, y), (sx + 16, y + 5)],
                gap_color(g, self.budget_ms).filled(),
            ))
            .map_err(fail)?;
        }
        for (g, label) in [
            (max, format!("≥{max:.0} ms")),
            (self.budget_ms, format!("{:.0} ms (budget)", self.budget_ms)),
            (0.0, "0 ms".to_string()),
        ] {
            let y = top + ((1.0 - g / max) * f64::from(steps * 5)) as i32;
            root.draw(&Text::new(
                label,
                (sx + 22, y),
                font(13).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(fail)?;
        }
        Ok(cells)
    }
}

/// The AP-pair matrix coloured by median gap.
pub fn ap_pair_matrix(
    report: &Report,
    budget_ms: f64,
    format: ImageFormat,
) -> Result<Figure, String> {
    render(
        &PairMatrix { report, budget_ms },
        "Median voice gap by AP pair".into(),
        format,
    )
}

/// A station's signal over the capture, one line per BSSID, its roams marked.
struct Signal<'a> {
    report: &'a Report,
    trace: &'a SignalTrace,
}

impl Draw for Signal<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 400)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> PlotResult {
        let t = self.trace;
        let start = self
            .report
            .captures
            .get(t.capture)
            .and_then(|c| c.first_time)
            .unwrap_or(0.0);
        let span = self
            .report
            .captures
            .get(t.capture)
            .and_then(|c| c.duration_s)
            .unwrap_or(1.0)
            .max(0.1);
        let roams: Vec<&Roam> = self
            .report
            .roams
            .iter()
            .filter(|r| r.station == t.station && r.capture == t.capture)
            .collect();
        let every = roams.len().div_ceil(MAX_ROAM_LINES).max(1);
        let title = if every == 1 {
            format!(
                "Signal of {} as the sniffer heard it ({} roams)",
                t.station,
                roams.len()
            )
        } else {
            format!(
                "Signal of {} as the sniffer heard it ({} roams, every {every}th marked)",
                t.station,
                roams.len()
            )
        };
        let root = root.titled(&title, caption(18)).map_err(fail)?;
        if t.points.is_empty() {
            return no_data(&root, "no signal strength in the capture (no radio header)");
        }
        let lo = t.points.iter().map(|p| p.dbm).fold(-60.0f32, f32::min);
        let hi = t.points.iter().map(|p| p.dbm).fold(-60.0f32, f32::max);
        let (ylo, yhi) = (f64::from(lo) - 8.0, f64::from(hi) + 10.0);
        let mut chart = ChartBuilder::on(&root)
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..span, ylo..yhi)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .x_desc("time since the start of the capture (s)")
            .y_desc("signal (dBm)")
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(font(14))
            .axis_desc_style(font(15))
            .draw()
            .map_err(fail)?;
        let mut bssids: Vec<MacAddr> = t.points.iter().map(|p| p.bssid).collect();
        bssids.sort();
        bssids.dedup();
        let x = |ns: i64| ns as f64 / 1e9 - start;
        for (k, b) in bssids.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let pts: Vec<(f64, f64)> = t
                .points
                .iter()
                .filter(|p| p.bssid == *b)
                .map(|p| (x(p.ts_ns), f64::from(p.dbm)))
                .collect();
            // A line only between neighbouring bins: none across the time on another AP.
            let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
            for p in &pts {
                match runs.last_mut() {
                    Some(run)
                        if run
                            .last()
                            .is_some_and(|q| p.0 - q.0 <= 1.5 * t.bin_ns as f64 / 1e9) =>
                    {
                        run.push(*p)
                    }
                    _ => runs.push(vec![*p]),
                }
            }
            for run in runs {
                chart
                    .draw_series(LineSeries::new(run, color.stroke_width(2)))
                    .map_err(fail)?;
            }
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 2, color.filled())))
                .map_err(fail)?
                .label(format!("via {b}"))
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
        }
        for r in roams.iter().step_by(every) {
            let rx = r.time - start;
            let color = if r.findings.is_empty() {
                BLACK.mix(0.5)
            } else {
                ALERT.mix(0.9)
            };
            chart
                .draw_series(DashedLineSeries::new(
                    [(rx, ylo), (rx, yhi)],
                    4,
                    3,
                    color.stroke_width(1),
                ))
                .map_err(fail)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("roam {}", r.request_frame),
                    (rx, yhi - 1.0),
                    font(13).pos(Pos::new(HPos::Left, VPos::Top)),
                )))
                .map_err(fail)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
        Ok(t.points.len())
    }
}

/// A station's signal over time with its roams marked.
pub fn station_signal(
    report: &Report,
    trace: &SignalTrace,
    format: ImageFormat,
) -> Result<Figure, String> {
    render(
        &Signal { report, trace },
        format!("Signal of {}", trace.station),
        format,
    )
}

#[path = "plot_timeline.rs"]
mod timeline;
pub use timeline::roam_timeline;

#[cfg(test)]
#[path = "plot_tests.rs"]
mod tests;
