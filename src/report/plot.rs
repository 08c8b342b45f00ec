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

use super::traces::{RoamTrace, RtpMark, SignalTrace};
use super::{roam_gap, Report};
use crate::analysis::{PhaseName, Roam, VoiceGap};
use crate::dot11::MacAddr;

/// The image format of the plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
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
fn channel(c: Option<u16>, band: Option<crate::linklayer::Band>) -> String {
    match (c, band) {
        (Some(c), Some(b)) => format!("ch {c}, {b}"),
        (Some(c), None) => format!("ch {c}"),
        _ => "ch ?".to_string(),
    }
}

/// One direction of a roam's timeline.
struct Panel<'a> {
    name: &'a str,
    color: RGBColor,
    marks: &'a [RtpMark],
    gap: Option<&'a VoiceGap>,
    encrypted: bool,
}

/// A roam's timeline.
struct Timeline<'a> {
    roam: &'a Roam,
    trace: &'a RoamTrace,
}

/// The y of each mark: for RTP, its sequence number relative to the last packet before the gap
/// (or the first in the window), the 16-bit wrap undone, so the jump across the gap is the
/// packets lost plus one; for encrypted voice frames, whose 802.11 sequence numbers restart
/// with each AP's own counter, their count from that frame. x: ms from the request.
fn relative(
    marks: &[RtpMark],
    gap: Option<&VoiceGap>,
    request_ns: i64,
    encrypted: bool,
) -> Vec<(f64, i64)> {
    let reference = gap
        .and_then(|g| g.last_before_frame)
        .and_then(|f| marks.iter().position(|m| m.frame == f))
        .unwrap_or(0);
    let Some(r) = marks.get(reference).map(|m| m.sequence) else {
        return Vec::new();
    };
    marks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let d = if encrypted {
                i as i64 - reference as i64
            } else {
                i64::from(m.sequence.wrapping_sub(r) as i16)
            };
            ((m.ts_ns - request_ns) as f64 / 1e6, d)
        })
        .collect()
}

impl Timeline<'_> {
    fn request_ns(&self) -> i64 {
        (self.roam.request_time * 1e9).round() as i64
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel<'_>,
        x_desc: bool,
    ) -> PlotResult {
        let &Panel {
            name,
            color,
            marks,
            gap,
            encrypted,
        } = panel;
        let req = self.request_ns();
        let x0 = (self.trace.start_ns - req) as f64 / 1e6;
        let x1 = (self.trace.end_ns - req) as f64 / 1e6;
        let points = relative(marks, gap, req, encrypted);
        let (mut y0, mut y1) = points
            .iter()
            .fold((0i64, 1i64), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let span = (y1 - y0).max(4);
        y0 -= span / 8 + 1;
        y1 += span / 2 + 2; // room for the phase labels at the top
        let mut chart = ChartBuilder::on(area)
            .margin_left(10)
            .margin_right(20)
            .margin_top(6)
            .x_label_area_size(if x_desc { 40 } else { 22 })
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0 as f64..y1 as f64)
            .map_err(fail)?;
        let mut mesh = chart.configure_mesh();
        mesh.max_light_lines(0)
            .bold_line_style(GRID)
            .y_desc(if encrypted {
                format!("{name} voice frames (count)")
            } else {
                format!("{name} RTP seq. (rel.)")
            })
            .label_style(font(14))
            .axis_desc_style(font(15))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"));
        if x_desc {
            mesh.x_desc("time from the reassociation request (ms)");
        }
        mesh.draw().map_err(fail)?;

        // The phases, as bands; each name on the first row where it does not run into the
        // name before it (about 7 px per character over an ~860 px wide plot).
        let (ylo, yhi) = (y0 as f64, y1 as f64);
        let per_char = (x1 - x0) / 860.0 * 7.5;
        let mut row_end: Vec<f64> = Vec::new();
        for p in &self.roam.phases {
            let a = (p.start_time - self.roam.request_time) * 1e3;
            // An exchange never answered has no end: its band runs to the roam's last attempt.
            let end = p
                .end_time
                .or(self.roam.failure.as_ref().map(|f| f.last_time))
                .unwrap_or(p.start_time);
            let b = ((end - self.roam.request_time) * 1e3).max(a + (x1 - x0) / 400.0);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, ylo), (b, yhi)],
                    phase_color(p.name).mix(0.55).filled(),
                )))
                .map_err(fail)?;
            let label = phase_label(p.name);
            let end = a + per_char * (label.chars().count() as f64 + 1.0);
            let row = match row_end.iter().position(|&e| e <= a) {
                Some(r) => r,
                None if row_end.len() < 6 => {
                    row_end.push(f64::MIN);
                    row_end.len() - 1
                }
                // Every row taken: the one free soonest.
                None => (0..row_end.len())
                    .min_by(|&a, &b| row_end[a].total_cmp(&row_end[b]))
                    .unwrap_or(0),
            };
            row_end[row] = end;
            let row = row as f64;
            chart
                .draw_series(std::iter::once(Text::new(
                    label.to_string(),
                    (a, yhi - (yhi - ylo) * (0.02 + 0.065 * row)),
                    font(13),
                )))
                .map_err(fail)?;
        }
        // The request.
        chart
            .draw_series(LineSeries::new(
                [(0.0, ylo), (0.0, yhi)],
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(fail)?;
        // A deauthentication or disassociation after the roam.
        if let Some(d) = &self.roam.deauth {
            let x = (d.time - self.roam.request_time) * 1e3;
            if x > x0 && x < x1 {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(x, ylo), (x, yhi)],
                        5,
                        3,
                        ALERT.stroke_width(2),
                    ))
                    .map_err(fail)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!(
                            "{} reason {}",
                            if d.disassociation {
                                "disassoc"
                            } else {
                                "deauth"
                            },
                            d.reason
                        ),
                        (x, ylo + (yhi - ylo) * 0.5),
                        font(13).color(&ALERT),
                    )))
                    .map_err(fail)?;
            }
        }

        // The gap: a bar from the last packet before to the first after, with its figures.
        if let Some(g) = gap {
            if let (Some(before), Some(after)) = (g.last_before_time, g.first_after_time) {
                let (a, b) = (
                    (before - self.roam.request_time) * 1e3,
                    (after - self.roam.request_time) * 1e3,
                );
                let y = (ylo + (yhi - ylo) * 0.12).min(-0.5);
                chart
                    .draw_series(LineSeries::new([(a, y), (b, y)], ALERT.stroke_width(3)))
                    .map_err(fail)?;
                let lost = match (g.lost, g.lost_estimated) {
                    (Some(l), true) => format!(", ~{l} lost"),
                    (Some(l), false) => format!(", {l} lost"),
                    (None, _) => String::new(),
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("gap {:.1} ms{lost}", g.gap_ms.unwrap_or(0.0)),
                        ((a + b) / 2.0, y),
                        font(15)
                            .color(&ALERT)
                            .pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )))
                    .map_err(fail)?;
            }
        } else if let Some((o, true)) = self
            .roam
            .outage
            .as_ref()
            .map(|o| (o, self.roam.outcome.failed()))
        {
            // A failed roam: no voice went through the new AP; the bar is the station's
            // outage, to where its data resumed (or the end of the capture).
            let a = (o.last_data_time - self.roam.request_time) * 1e3;
            let (b, label) = match (o.first_data_time, self.roam.outage_ms) {
                (Some(t), Some(ms)) => ((t - self.roam.request_time) * 1e3, format!("{ms:.1} ms")),
                _ => (
                    x1,
                    format!(">= {:.1} ms", o.capture_ended_after_ms.unwrap_or(0.0)),
                ),
            };
            let y = (ylo + (yhi - ylo) * 0.12).min(-0.5);
            chart
                .draw_series(LineSeries::new([(a, y), (b, y)], ALERT.stroke_width(3)))
                .map_err(fail)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("roam {}: outage {label}", self.roam.outcome.as_str()),
                    ((a + b) / 2.0, y),
                    font(15)
                        .color(&ALERT)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))
                .map_err(fail)?;
        }

        let n = points.len();
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y as f64), 3, color.filled())),
            )
            .map_err(fail)?;
        Ok(n)
    }
}

impl Draw for Timeline<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 560)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> PlotResult {
        let r = self.roam;
        // The station, both APs with channel and band, and the frame: 16 px keeps it within
        // the 960 px width.
        let title = format!(
            "{}: {} ({}) → {} ({}), frame {}",
            r.station,
            r.from_bssid,
            channel(r.from_channel, r.from_band),
            r.to_bssid,
            channel(r.to_channel, r.to_band),
            r.request_frame,
        );
        let root = root.titled(&title, caption(16)).map_err(fail)?;
        let mut sub = vec![
            format!(
                "key management {}",
                r.key_management.map_or("unknown", |k| k.as_str())
            ),
            format!("fast path offered {}", r.fast_path_offered),
        ];
        if let Some(t) = r.roam_time_ms {
            sub.push(format!("last to first data {t:.1} ms"));
        }
        if let (Some(a), Some(b)) = (r.signal_before_dbm, r.signal_after_dbm) {
            sub.push(format!("signal {a} → {b} dBm"));
        }
        let codes: Vec<&str> = r.findings.iter().map(|f| f.code).collect();
        sub.push(if codes.is_empty() {
            "no findings".into()
        } else {
            format!("findings: {}", codes.join(", "))
        });
        root.draw(&Text::new(
            sub.join(" · "),
            (480, 2),
            font(14).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(fail)?;
        let t = self.trace;
        // The legend, above the panels where it hides nothing.
        let what = |dir: &str, g: Option<&VoiceGap>, m: &[RtpMark], encrypted: bool| {
            if encrypted {
                return format!("{dir} voice frame (encrypted)");
            }
            let ssrc = g
                .and_then(|g| g.ssrc.clone())
                .or_else(|| m.first().map(|m| crate::analysis::hex_ssrc(m.ssrc)))
                .map(|s| format!(" (SSRC {s})"))
                .unwrap_or_default();
            format!("{dir} RTP packet{ssrc}")
        };
        let mut x = 60;
        let y = 30;
        for (color, text) in [
            (
                UPLINK,
                what("uplink", r.uplink.as_ref(), &t.uplink, t.encrypted[0]),
            ),
            (
                DOWNLINK,
                what("downlink", r.downlink.as_ref(), &t.downlink, t.encrypted[1]),
            ),
        ] {
            root.draw(&Circle::new((x, y), 4, color.filled()))
                .map_err(fail)?;
            root.draw(&Text::new(
                text.clone(),
                (x + 10, y),
                font(14).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(fail)?;
            x += 30 + 8 * text.chars().count() as i32;
        }
        root.draw(&PathElement::new(
            [(x, y), (x + 24, y)],
            ALERT.stroke_width(3),
        ))
        .map_err(fail)?;
        root.draw(&Text::new(
            "voice gap",
            (x + 30, y),
            font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(fail)?;
        x += 120;
        root.draw(&Rectangle::new(
            [(x, y - 6), (x + 20, y + 6)],
            phase_color(PhaseName::Authentication).filled(),
        ))
        .map_err(fail)?;
        root.draw(&Text::new(
            "phases of the roam",
            (x + 26, y),
            font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(fail)?;
        let body = root.margin(42, 0, 0, 0);
        let panels: Vec<Panel<'_>> = [
            Panel {
                name: "uplink",
                color: UPLINK,
                marks: &t.uplink,
                gap: r.uplink.as_ref(),
                encrypted: t.encrypted[0],
            },
            Panel {
                name: "downlink",
                color: DOWNLINK,
                marks: &t.downlink,
                gap: r.downlink.as_ref(),
                encrypted: t.encrypted[1],
            },
        ]
        .into_iter()
        .filter(|p| !p.marks.is_empty() || p.gap.is_some())
        .collect();
        if panels.is_empty() {
            body.draw(&Text::new(
                "no RTP packets of the station around this roam",
                (480, 200),
                font(16).pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(fail)?;
            return Ok(0);
        }
        let areas = body.split_evenly((panels.len(), 1));
        let mut marks = 0;
        for (i, (area, panel)) in areas.iter().zip(&panels).enumerate() {
            marks += self.panel(area, panel, i + 1 == panels.len())?;
        }
        Ok(marks)
    }
}

/// The timeline of roam `index` of the report.
pub fn roam_timeline(
    report: &Report,
    index: usize,
    trace: &RoamTrace,
    format: ImageFormat,
) -> Result<Figure, String> {
    let roam = report
        .roams
        .get(index)
        .ok_or_else(|| format!("no roam {index}"))?;
    render(
        &Timeline { roam, trace },
        format!("Roam at frame {}", roam.request_frame),
        format,
    )
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
                            .any(|f| f.severity == crate::analysis::findings::Severity::Error),
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

#[cfg(test)]
#[path = "plot_tests.rs"]
mod tests;
