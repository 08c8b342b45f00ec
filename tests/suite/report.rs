//! The plots and the HTML report, checked against the samples' truth: the marks drawn, the
//! figures written on the plots, and a report that stands on its own.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::read_json;
use roamgap::analysis::Config;
use roamgap::pipeline::{Outcome, Pipeline};
use roamgap_report::html::{write_report, HtmlOptions};
use roamgap_report::plot::{self, Figure, ImageFormat};
use roamgap_report::traces::{self, Traces};
use roamgap_report::Report;
use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn truth(name: &str) -> Value {
    let stem = name.split('.').next().unwrap();
    read_json(&sample(&format!("{stem}.truth.json")))
}

fn analyzed(name: &str) -> (Report, Traces) {
    let path = sample(name);
    let config = Config::default();
    let run = Pipeline::new(&config).run(&[path]);
    let Outcome::Separate(a) = run.outcome else {
        panic!("one capture")
    };
    let report = Report::new(a);
    let traces = traces::collect(&report, &run.captures, None).unwrap();
    (report, traces)
}

fn svg(fig: &Figure) -> String {
    assert_eq!(fig.format, ImageFormat::Svg);
    String::from_utf8(fig.bytes.clone()).unwrap()
}

/// Elements of the SVG by tag name, and the text of every `<text>` (parsing it as XML).
fn parse(svg: &str) -> (BTreeMap<String, usize>, Vec<String>) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let mut tags = BTreeMap::new();
    let mut texts = Vec::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        *tags.entry(n.tag_name().name().to_string()).or_default() += 1;
        if n.tag_name().name() == "text" {
            texts.push(n.text().unwrap_or("").trim().to_string());
        }
    }
    (tags, texts)
}

fn count(texts: &[String], want: &str) -> usize {
    texts.iter().filter(|t| t.as_str() == want).count()
}

/// The larger direction's gap of a truth roam.
fn truth_gap(r: &Value) -> Option<f64> {
    ["uplink", "downlink"]
        .iter()
        .filter_map(|d| r[d]["gap_ms"].as_f64())
        .reduce(f64::max)
}

#[test]
fn the_roam_timeline_draws_every_rtp_packet_the_phases_and_the_gap() {
    let name = "cckm-missing-ie.pcap";
    let t = truth(name);
    let want = &t["roams"][0];
    let (report, traces) = analyzed(name);
    let trace = traces.roam(0).expect("a trace of the roam");

    // The packets around the gap are the truth's, and the sequence jumps by the packets lost.
    for (dir, marks) in [("uplink", &trace.uplink), ("downlink", &trace.downlink)] {
        let g = &want[dir];
        let before = marks
            .iter()
            .position(|m| m.frame == g["last_before_frame"].as_u64().unwrap())
            .unwrap_or_else(|| panic!("{dir}: last packet before the gap not drawn"));
        let after = &marks[before + 1];
        assert_eq!(
            after.frame,
            g["first_after_frame"].as_u64().unwrap(),
            "{dir}"
        );
        assert_eq!(
            u64::from(after.sequence.wrapping_sub(marks[before].sequence)),
            g["lost"].as_u64().unwrap() + 1,
            "{dir}: the jump of the sequence number"
        );
        assert!(marks
            .windows(2)
            .all(|w| w[0].sequence != w[1].sequence && w[0].ts_ns <= w[1].ts_ns));
        assert!(marks
            .iter()
            .all(|m| m.ts_ns >= trace.start_ns && m.ts_ns <= trace.end_ns));
    }

    let fig = plot::roam_timeline(&report, 0, trace, ImageFormat::Svg).unwrap();
    let n = trace.uplink.len() + trace.downlink.len();
    assert_eq!(fig.marks, n);
    let (tags, texts) = parse(&svg(&fig));
    // One circle per RTP packet, and one per direction in the legend.
    assert_eq!(tags["circle"], n + 2);
    for dir in ["uplink", "downlink"] {
        let g = &want[dir];
        let label = format!(
            "gap {:.1} ms, {} lost",
            g["gap_ms"].as_f64().unwrap(),
            g["lost"].as_u64().unwrap()
        );
        assert_eq!(count(&texts, &label), 1, "`{label}` in {texts:?}");
        assert_eq!(count(&texts, &format!("{dir} RTP seq. (rel.)")), 1);
    }
    // Every phase of the truth is named in both panels.
    for p in want["phases"].as_array().unwrap() {
        let label = match p["name"].as_str().unwrap() {
            "authentication" => "auth",
            "reassociation" => "reassoc",
            "802.1x" => "EAP",
            "4-way-handshake" => "4-way",
            "addts" => "ADDTS",
            other => other,
        };
        assert_eq!(count(&texts, label), 2, "phase `{label}` in {texts:?}");
    }
    assert_eq!(count(&texts, "time from the reassociation request (ms)"), 1);
    // The new AP's deauthentication, in both panels.
    assert_eq!(
        count(
            &texts,
            &format!("deauth reason {}", want["deauth"]["reason"])
        ),
        2
    );
    assert!(texts.iter().any(|t| t
        == &format!(
            "{}: {} (ch 1, 2.4 GHz) → {} (ch 6, 2.4 GHz), frame {}",
            want["station"].as_str().unwrap(),
            want["from_bssid"].as_str().unwrap(),
            want["to_bssid"].as_str().unwrap(),
            want["request_frame"],
        )));

    // The same plot as a PNG.
    let png = plot::roam_timeline(&report, 0, trace, ImageFormat::Png).unwrap();
    let decoder = png::Decoder::new(png.bytes.as_slice());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (960, 560));
    // The uplink colour is on the image (its marks and legend).
    let blue = buf[..info.buffer_size()]
        .chunks(3)
        .filter(|p| p == &[31, 119, 180])
        .count();
    assert!(blue > 100, "{blue} uplink-coloured pixels");
}

#[test]
fn capture_plots_show_every_roam_of_the_truth() {
    let name = "multi-phone.pcapng";
    let t = truth(name);
    let roams = t["roams"].as_array().unwrap();
    let (report, _) = analyzed(name);
    let gaps: Vec<f64> = roams.iter().filter_map(truth_gap).collect();
    let over = gaps.iter().filter(|&&g| g > 150.0).count();

    let fig = plot::gap_distribution(&report, 150.0, ImageFormat::Svg).unwrap();
    assert_eq!(fig.marks, gaps.len());
    let (tags, texts) = parse(&svg(&fig));
    assert_eq!(
        tags["circle"],
        gaps.len() + 1,
        "one per roam and the legend's"
    );
    assert_eq!(
        count(
            &texts,
            &format!(
                "Voice gap across {} roams: {over} over the 150 ms budget",
                gaps.len()
            )
        ),
        1,
        "{texts:?}"
    );
    assert_eq!(count(&texts, "budget 150 ms"), 1);
    assert_eq!(count(&texts, "fraction of roams with a gap ≤ x"), 1);

    let fig = plot::gap_over_time(&report, 150.0, ImageFormat::Svg).unwrap();
    assert_eq!(fig.marks, gaps.len());
    let (tags, texts) = parse(&svg(&fig));
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for r in roams {
        *kinds
            .entry(r["key_management"].as_str().unwrap())
            .or_default() += 1;
    }
    for (k, n) in &kinds {
        assert_eq!(
            count(&texts, &format!("{k} ({n})")),
            1,
            "legend {k} in {texts:?}"
        );
    }
    // Roams without an error finding are dots (one more per key management in the legend).
    let clean = roams
        .iter()
        .filter(|r| {
            !r["expected_findings"].as_array().unwrap().iter().any(|f| {
                [
                    "long-gap",
                    "eapol-m1-retry",
                    "addts-refused",
                    "cckm-ie-missing",
                ]
                .contains(&f.as_str().unwrap())
            })
        })
        .count();
    assert_eq!(tags["circle"], clean + kinds.len());

    // The AP-pair matrix: one cell per pair, with its median gap.
    let mut pairs: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for r in roams {
        pairs
            .entry((
                r["from_bssid"].as_str().unwrap(),
                r["to_bssid"].as_str().unwrap(),
            ))
            .or_default()
            .extend(truth_gap(r));
    }
    let fig = plot::ap_pair_matrix(&report, 150.0, ImageFormat::Svg).unwrap();
    assert_eq!(fig.marks, pairs.len());
    let (_, texts) = parse(&svg(&fig));
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("n=")).count(),
        pairs.len()
    );
    for g in pairs.values_mut() {
        g.sort_by(f64::total_cmp);
        let median = g[(g.len() as f64 * 0.5).ceil() as usize - 1];
        assert!(
            texts.contains(&format!("{median:.0} ms")),
            "median {median:.0} ms in {texts:?}"
        );
    }
}

#[test]
fn station_signal_marks_each_of_its_roams() {
    let name = "multi-phone.pcapng";
    let t = truth(name);
    let (report, traces) = analyzed(name);
    let station = "00:1b:d4:ab:b4:e8";
    let trace = traces
        .signal
        .iter()
        .find(|s| s.station.to_string() == station)
        .unwrap();
    assert!(!trace.points.is_empty());
    let fig = plot::station_signal(&report, trace, ImageFormat::Svg).unwrap();
    let (tags, texts) = parse(&svg(&fig));
    let bssids: std::collections::BTreeSet<_> = trace.points.iter().map(|p| p.bssid).collect();
    assert_eq!(tags["circle"], trace.points.len() + bssids.len());
    let mine: Vec<&Value> = t["roams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["station"] == station)
        .collect();
    assert_eq!(mine.len(), 3);
    for r in &mine {
        assert_eq!(count(&texts, &format!("roam {}", r["request_frame"])), 1);
    }
    // It used every AP of its roams.
    let used: std::collections::BTreeSet<String> = mine
        .iter()
        .flat_map(|r| {
            [
                r["from_bssid"].as_str().unwrap(),
                r["to_bssid"].as_str().unwrap(),
            ]
        })
        .map(String::from)
        .collect();
    for b in &used {
        assert_eq!(count(&texts, &format!("via {b}")), 1, "{texts:?}");
    }
    assert_eq!(bssids.len(), used.len());
    // The bins average the station's frames: signals the generator gives (−40 to −90 dBm).
    assert!(trace
        .points
        .iter()
        .all(|p| (-90.0..=-40.0).contains(&p.dbm)));
}

#[test]
fn the_report_stands_on_its_own_with_findings_first() {
    let name = "multi-phone.pcapng";
    let t = truth(name);
    let (report, traces) = analyzed(name);
    let dir = tempfile::tempdir().unwrap();
    let written = write_report(dir.path(), &report, &traces, HtmlOptions::default()).unwrap();
    let html = std::fs::read_to_string(&written.index).unwrap();

    // Nothing is fetched: no external script, style, image or font.
    for bad in [
        "<script src",
        "<link",
        "@import",
        "url(",
        "src=\"http",
        "href=\"http",
    ] {
        assert!(!html.contains(bad), "`{bad}` in the report");
    }
    // Every in-page link has its target.
    let mut start = 0;
    while let Some(i) = html[start..].find("href=\"#") {
        let id: String = html[start + i + 7..]
            .chars()
            .take_while(|&c| c != '"')
            .collect();
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
        start += i + 7;
    }
    let roams = t["roams"].as_array().unwrap();
    assert_eq!(html.matches("<tr class=\"roam\">").count(), roams.len());
    let findings: usize = roams
        .iter()
        .map(|r| r["expected_findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(html.matches("<tr class=\"finding\">").count(), findings);
    // Most severe first: no error after a warning.
    let sev: Vec<&str> = html
        .split("<tr class=\"finding\"><td><span class=\"sev ")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert!(
        sev.windows(2)
            .all(|w| !(w[0] != "error" && w[1] == "error")),
        "{sev:?}"
    );
    // Every roam (13 ≤ 100) has its detail and timeline; three capture plots; one signal plot
    // per station.
    assert_eq!(
        html.matches("<section class=\"roam-detail\"").count(),
        roams.len()
    );
    let stations: std::collections::BTreeSet<&str> = roams
        .iter()
        .map(|r| r["station"].as_str().unwrap())
        .collect();
    assert_eq!(written.plots, roams.len() + 3 + stations.len());
    assert_eq!(html.matches("<svg").count(), written.plots);
    for p in std::fs::read_dir(dir.path().join("plots")).unwrap() {
        let text = std::fs::read_to_string(p.unwrap().path()).unwrap();
        parse(&text);
    }
    // The exports beside it agree with the report.
    let json = read_json(&dir.path().join("report.json"));
    assert_eq!(json["roams"].as_array().unwrap().len(), roams.len());
    let csv = std::fs::read_to_string(dir.path().join("roams.csv")).unwrap();
    assert_eq!(csv.lines().count(), roams.len() + 1);
    let fcsv = std::fs::read_to_string(dir.path().join("findings.csv")).unwrap();
    assert_eq!(fcsv.lines().count(), findings + 1);
    let jsonl = std::fs::read_to_string(dir.path().join("roams.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), roams.len());
}

#[test]
fn png_reports_embed_their_plots() {
    let (report, traces) = analyzed("cckm-missing-ie.pcap");
    let dir = tempfile::tempdir().unwrap();
    let options = HtmlOptions {
        format: ImageFormat::Png,
        ..HtmlOptions::default()
    };
    let written = write_report(dir.path(), &report, &traces, options).unwrap();
    let html = std::fs::read_to_string(&written.index).unwrap();
    // Gap distribution, gap over time, AP pairs, the roam, the station.
    assert_eq!(written.plots, 5);
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 5);
    let pngs = std::fs::read_dir(dir.path().join("plots"))
        .unwrap()
        .filter(|p| p.as_ref().unwrap().path().extension().unwrap() == "png")
        .count();
    assert_eq!(pngs, 5);
}

#[test]
fn few_roam_details_when_asked_those_with_findings_first() {
    let (report, traces) = analyzed("multi-phone.pcapng");
    let dir = tempfile::tempdir().unwrap();
    let options = HtmlOptions {
        max_roam_plots: 3,
        max_station_plots: 0,
        ..HtmlOptions::default()
    };
    let written = write_report(dir.path(), &report, &traces, options).unwrap();
    assert_eq!(written.roams_without_detail, report.roams.len() - 3);
    let html = std::fs::read_to_string(&written.index).unwrap();
    let details: Vec<&str> = html
        .split("<section class=\"roam-detail\" id=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(details.len(), 3);
    for id in details {
        let frame: u64 = id.rsplit('-').next().unwrap().parse().unwrap();
        let r = report
            .roams
            .iter()
            .find(|r| r.request_frame == frame)
            .unwrap();
        assert!(!r.findings.is_empty(), "roam {frame} has no finding");
    }
}

#[test]
fn damaged_and_empty_captures_still_give_a_report() {
    let config = Config::default();
    for path in [
        common::data("corrupted/cckm-missing-ie-E0.02.pcap"),
        common::data("real/radiotap-heapoverflow.pcap"),
        common::data("real/status_code-0.pcap"),
    ] {
        let run = Pipeline::new(&config).run(std::slice::from_ref(&path));
        let Outcome::Separate(a) = run.outcome else {
            panic!("one capture")
        };
        let report = Report::new(a);
        let traces = traces::collect(&report, &run.captures, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let w = write_report(dir.path(), &report, &traces, HtmlOptions::default()).unwrap();
        assert!(w.index.exists());
        for f in [
            plot::gap_distribution(&report, 150.0, ImageFormat::Svg).unwrap(),
            plot::gap_over_time(&report, 150.0, ImageFormat::Png).unwrap(),
            plot::ap_pair_matrix(&report, 150.0, ImageFormat::Svg).unwrap(),
        ] {
            assert!(!f.bytes.is_empty());
        }
    }
}

#[test]
fn the_readme_plot_is_what_the_sample_draws() {
    // docs/roam-timeline.png is `roamgap report --png samples/cckm-missing-ie.pcap`'s timeline;
    // UPDATE_GOLDEN=1 draws it again after a deliberate change of the plot.
    let (report, traces) = analyzed("cckm-missing-ie.pcap");
    let fig = plot::roam_timeline(&report, 0, traces.roam(0).unwrap(), ImageFormat::Png).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/roam-timeline.png");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &fig.bytes).unwrap();
    }
    assert!(
        std::fs::read(&path).unwrap() == fig.bytes,
        "docs/roam-timeline.png is not what the sample draws now"
    );
}

#[test]
fn encrypted_voice_is_drawn_from_its_voice_frames() {
    let name = "multi-phone.pcapng";
    let t = truth(name);
    let (report, traces) = analyzed(name);
    let mut checked = 0;
    for (i, want) in t["roams"].as_array().unwrap().iter().enumerate() {
        if want["uplink"]["measured_from"] != "frames" {
            continue;
        }
        let trace = traces.roam(i).unwrap();
        assert_eq!(trace.encrypted, [true, true]);
        for (dir, marks) in [("uplink", &trace.uplink), ("downlink", &trace.downlink)] {
            let g = &want[dir];
            let before = marks
                .iter()
                .position(|m| m.frame == g["last_before_frame"].as_u64().unwrap())
                .unwrap_or_else(|| panic!("roam {i} {dir}: last voice frame before not drawn"));
            assert_eq!(
                marks[before + 1].frame,
                g["first_after_frame"].as_u64().unwrap(),
                "roam {i} {dir}: the first voice frame after the gap follows it"
            );
            assert!(marks.iter().all(|m| m.ssrc == 0));
        }
        let fig = plot::roam_timeline(&report, i, trace, ImageFormat::Svg).unwrap();
        let (tags, texts) = parse(&svg(&fig));
        assert_eq!(
            tags["circle"],
            trace.uplink.len() + trace.downlink.len() + 2
        );
        assert_eq!(count(&texts, "uplink voice frames (count)"), 1);
        assert_eq!(count(&texts, "uplink voice frame (encrypted)"), 1);
        let label = format!(
            "gap {:.1} ms, ~{} lost",
            want["uplink"]["gap_ms"].as_f64().unwrap(),
            want["uplink"]["lost"]
        );
        assert_eq!(count(&texts, &label), 1, "`{label}` in {texts:?}");
        checked += 1;
    }
    // The encrypted phone's one roam.
    assert_eq!(checked, 1);
}

#[test]
fn a_report_written_again_leaves_no_plots_of_the_last_one() {
    let dir = tempfile::tempdir().unwrap();
    let (report, traces) = analyzed("multi-phone.pcapng");
    write_report(dir.path(), &report, &traces, HtmlOptions::default()).unwrap();
    let notes = dir.path().join("plots/my-notes.txt");
    std::fs::write(&notes, "kept").unwrap();
    let (report, traces) = analyzed("cckm-missing-ie.pcap");
    let w = write_report(dir.path(), &report, &traces, HtmlOptions::default()).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(w.plots, 5);
    assert_eq!(
        files,
        [
            "ap-pairs.svg",
            "gap-distribution.svg",
            "gap-over-time.svg",
            "my-notes.txt",
            "roam-0-451.svg",
            "signal-0-001bd43fd717.svg"
        ]
    );
}

#[test]
fn hostile_names_cannot_inject_markup() {
    let (mut report, traces) = analyzed("cckm-missing-ie.pcap");
    let evil = "<script>alert(1)</script>\"'&";
    report.captures[0].file = format!("{evil}.pcap");
    report.captures[0].bss[0].ssid = Some(evil.to_string());
    let dir = tempfile::tempdir().unwrap();
    let w = write_report(dir.path(), &report, &traces, HtmlOptions::default()).unwrap();
    let html = std::fs::read_to_string(&w.index).unwrap();
    assert!(
        !html.contains("<script>alert"),
        "unescaped name in the report"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
    // The page's own script is the only one.
    assert_eq!(html.matches("<script>").count(), 1);
}

#[test]
fn capture_plots_of_many_roams_stay_a_size_a_browser_opens() {
    let (mut report, _) = analyzed("multi-phone.pcapng");
    let one = report.roams.clone();
    report.roams = (0..1_600)
        .flat_map(|i| {
            one.iter().cloned().map(move |mut r| {
                r.time += f64::from(i) * 0.25;
                r
            })
        })
        .collect();
    let n = report.roams.len();
    assert_eq!(n, 1_600 * 12);
    let k = n.div_ceil(plot::MAX_MARKS);
    let fig = plot::gap_distribution(&report, 150.0, ImageFormat::Svg).unwrap();
    // Every k-th roam, and the last.
    assert_eq!(fig.marks, n / k + usize::from(n % k != 0));
    assert!(fig.marks <= plot::MAX_MARKS);
    let (tags, texts) = parse(&svg(&fig));
    assert_eq!(tags["circle"], fig.marks + 1);
    assert_eq!(
        count(&texts, &format!("every {k}th roam (red: over budget)")),
        1
    );
    assert!(texts
        .iter()
        .any(|t| t.starts_with(&format!("Voice gap across {n} roams"))));
    assert!(fig.bytes.len() < 2_000_000, "{} bytes", fig.bytes.len());

    let fig = plot::gap_over_time(&report, 150.0, ImageFormat::Svg).unwrap();
    assert!(fig.marks <= plot::MAX_MARKS);
    let (_, texts) = parse(&svg(&fig));
    assert_eq!(
        count(
            &texts,
            &format!("Voice gap of roams over time ({n} roams, every {k}th shown)")
        ),
        1
    );
    // The legend counts every roam, not only those drawn.
    assert_eq!(
        count(&texts, &format!("cckm ({})", 6 * 1_600)),
        1,
        "{texts:?}"
    );
}
