//! The timeline of one roam: per direction, its RTP packets (or encrypted voice frames) by
//! sequence number against time from the request, the phases as bands, the request, a
//! deauthentication after it, and the gap (or a failed roam's outage).

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::traces::{RoamTrace, RtpMark};
use super::super::Report;
use super::{
    caption, channel, fail, font, phase_color, phase_label, render, Draw, Figure, ImageFormat,
    PlotResult, ALERT, DOWNLINK, GRID, UPLINK,
};
use roamgap::analysis::{PhaseName, Roam, VoiceGap};

/// A chart with f64 axes.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

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
pub(super) fn relative(
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

        let (ylo, yhi) = (y0 as f64, y1 as f64);
        self.draw_phases(&mut chart, (x0, x1), (ylo, yhi))?;
        // The request.
        chart
            .draw_series(LineSeries::new(
                [(0.0, ylo), (0.0, yhi)],
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(fail)?;
        self.draw_deauth(&mut chart, (x0, x1), (ylo, yhi))?;
        self.draw_gap(&mut chart, gap, x1, (ylo, yhi))?;

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

    /// The phases, as bands; each name on the first row where it does not run into the
    /// name before it (about 7 px per character over an ~860 px wide plot).
    fn draw_phases<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        (x0, x1): (f64, f64),
        (ylo, yhi): (f64, f64),
    ) -> Result<(), String> {
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
        Ok(())
    }

    /// A deauthentication or disassociation after the roam: a dashed line with its reason.
    fn draw_deauth<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        (x0, x1): (f64, f64),
        (ylo, yhi): (f64, f64),
    ) -> Result<(), String> {
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
        Ok(())
    }

    /// The gap: a bar from the last packet before to the first after, with its figures; for a
    /// failed roam, the station's outage.
    fn draw_gap<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        gap: Option<&VoiceGap>,
        x1: f64,
        (ylo, yhi): (f64, f64),
    ) -> Result<(), String> {
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
        Ok(())
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
                .or_else(|| m.first().map(|m| roamgap::analysis::hex_ssrc(m.ssrc)))
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
