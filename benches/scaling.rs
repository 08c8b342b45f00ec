//! Throughput and memory against capture size: writes `roamgap gen big` captures from 10 MB to
//! 4 GB, times `roamgap analyze` and the bare record walk (`roamgap info`) on each (fastest of
//! three runs, file in the page cache), samples the peak anonymous memory (`RssAnon`, every
//! 2 ms), prints a table and writes `docs/scaling.csv` and `docs/throughput.svg`.
//!
//!     cargo bench --bench scaling                 # 10 MB .. 4 GB
//!     SIZES_MB=10,100 cargo bench --bench scaling # other sizes
//!
//! Captures go to `target/bench/` (DIR to change), about 5.5 GB for the default sizes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use plotters::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_roamgap");
/// Bytes per minute of a 50-phone `gen big` capture (measured: 823 MB for 10 minutes).
const BYTES_PER_MINUTE: f64 = 82.3e6;

struct Run {
    seconds: f64,
    peak_anon_kb: u64,
}

/// Runs a command, sampling its RssAnon; returns wall time and peak anonymous memory.
fn run(args: &[&str], threads: Option<usize>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t.to_string());
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("runs roamgap");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status) {
            if let Some(kb) = s
                .lines()
                .find(|l| l.starts_with("RssAnon:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            {
                peak = peak.max(kb);
            }
        }
        if child.try_wait().expect("waits").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Run {
        seconds: start.elapsed().as_secs_f64(),
        peak_anon_kb: peak,
    }
}

fn best(args: &[&str], threads: Option<usize>) -> Run {
    let runs: Vec<Run> = (0..3).map(|_| run(args, threads)).collect();
    let peak = runs.iter().map(|r| r.peak_anon_kb).max().unwrap_or(0);
    let seconds = runs.iter().map(|r| r.seconds).fold(f64::INFINITY, f64::min);
    Run {
        seconds,
        peak_anon_kb: peak,
    }
}

fn capture(dir: &Path, mb: u64) -> PathBuf {
    let path = dir.join(format!("scaling-{mb}MB.pcap"));
    if !path.exists() {
        let minutes = (mb as f64 * 1e6 / BYTES_PER_MINUTE).to_string();
        let ok = Command::new(BIN)
            .args([
                "gen",
                "big",
                "--phones",
                "50",
                "--minutes",
                &minutes,
                "--seed",
                "1",
                "-o",
            ])
            .arg(&path)
            .status()
            .expect("runs roamgap gen")
            .success();
        assert!(ok, "gen big failed");
    }
    // Into the page cache, so that every run reads from memory.
    let _ = std::io::copy(
        &mut std::fs::File::open(&path).expect("opens"),
        &mut std::io::sink(),
    );
    path
}

fn main() {
    let sizes: Vec<u64> = std::env::var("SIZES_MB")
        .unwrap_or_else(|_| "10,30,100,300,1000,4000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var("DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/bench"));
    std::fs::create_dir_all(&dir).expect("bench dir");

    let mut rows = Vec::new();
    println!("| size MB | frames | walk s | analyze 1 thread s | analyze s | analyze MB/s | ÷ walk | peak anon MB |");
    println!("|---|---|---|---|---|---|---|---|");
    for &mb in &sizes {
        let path = capture(&dir, mb);
        let p = path.to_str().expect("utf-8 path");
        let bytes = std::fs::metadata(&path).expect("size").len() as f64;
        let info = Command::new(BIN).args(["info", p]).output().expect("info");
        let frames: u64 = String::from_utf8_lossy(&info.stdout)
            .split(", ")
            .find_map(|part| part.strip_suffix(" records")?.parse().ok())
            .unwrap_or(0);
        let walk = best(&["info", p], None);
        let one = best(&["analyze", p], Some(1));
        let all = best(&["analyze", p], None);
        let mbps = bytes / 1e6 / all.seconds;
        println!(
            "| {:.0} | {frames} | {:.3} | {:.3} | {:.3} | {:.0} | {:.2} | {:.1} |",
            bytes / 1e6,
            walk.seconds,
            one.seconds,
            all.seconds,
            mbps,
            all.seconds / walk.seconds,
            all.peak_anon_kb as f64 / 1024.0
        );
        rows.push((
            bytes / 1e6,
            frames,
            walk.seconds,
            one.seconds,
            all.seconds,
            all.peak_anon_kb,
        ));
    }

    let mut csv = String::from("size_mb,frames,walk_s,analyze_1_thread_s,analyze_s,peak_anon_kb\n");
    for r in &rows {
        csv += &format!(
            "{:.1},{},{:.4},{:.4},{:.4},{}\n",
            r.0, r.1, r.2, r.3, r.4, r.5
        );
    }
    std::fs::write(root.join("docs/scaling.csv"), csv).expect("writes docs/scaling.csv");
    plot(&root.join("docs/throughput.svg"), &rows).expect("plots");
    println!("wrote docs/scaling.csv and docs/throughput.svg");
}

type Row = (f64, u64, f64, f64, f64, u64);

fn plot(path: &Path, rows: &[Row]) -> Result<(), Box<dyn std::error::Error>> {
    // Text is measured with the font roamgap bundles, as in its own plots.
    roamgap_report::plot::register_fonts();
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = rows.iter().map(|r| r.0 / r.2).fold(0.0, f64::max) * 1.15;
    let (lo, hi) = (
        rows.iter().map(|r| r.0).fold(f64::INFINITY, f64::min),
        rows.iter().map(|r| r.0).fold(0.0, f64::max),
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "roamgap throughput vs capture size (2 cores, page cache)",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((lo * 0.8..hi * 1.25).log_scale(), 0.0..max)?;
    chart
        .configure_mesh()
        .x_desc("capture size (MB, log scale)")
        .y_desc("MB/s")
        .draw()?;
    type Series = (&'static str, RGBColor, fn(&Row) -> f64);
    let series: [Series; 3] = [
        (
            "record walk only (roamgap info)",
            RGBColor(120, 120, 120),
            |r| r.0 / r.2,
        ),
        ("roamgap analyze, 2 threads", RGBColor(200, 40, 40), |r| {
            r.0 / r.4
        }),
        ("roamgap analyze, 1 thread", RGBColor(40, 90, 200), |r| {
            r.0 / r.3
        }),
    ];
    for (name, color, y) in series {
        chart
            .draw_series(LineSeries::new(
                rows.iter().map(|r| (r.0, y(r))),
                color.stroke_width(2),
            ))?
            .label(name)
            .legend(move |(x, yy)| {
                PathElement::new(vec![(x, yy), (x + 20, yy)], color.stroke_width(2))
            });
        chart.draw_series(
            rows.iter()
                .map(|r| Circle::new((r.0, y(r)), 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
