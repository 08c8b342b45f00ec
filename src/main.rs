//! The `roamgap` command: a thin layer over the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use roamgap::analysis::Config;
use roamgap::crypto::keys::KeyRing;
use roamgap::pipeline::{self, Outcome, Pipeline, Progress};
use roamgap_gen as gen;
use roamgap_report::html::HtmlOptions;
use roamgap_report::plot::ImageFormat;
use roamgap_report::progress::ProgressBar;
use roamgap_report::summary::render_summary;
use roamgap_report::{render_table_with, roams_csv, roams_jsonl, Report};

/// `eprintln!` for a person: the line may quote a file name or the capture, so it is made
/// printable (no control character reaches the terminal raw).
macro_rules! say {
    ($($arg:tt)*) => {
        std::eprintln!("{}", roamgap_report::text::printable(&format!($($arg)*)))
    };
}

/// `println!`, made printable as [`say!`] is.
macro_rules! print_line {
    ($($arg:tt)*) => {
        std::println!("{}", roamgap_report::text::printable(&format!($($arg)*)))
    };
}

/// Exit status: the analysis ran.
const EXIT_OK: u8 = 0;
/// Exit status: findings, with `--fail-on-findings`.
const EXIT_FINDINGS: u8 = 1;
/// Exit status: bad usage or unreadable input.
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "roamgap",
    version,
    about = "Voice gaps, RTP loss and their causes for every Wi-Fi roam in a sniffer trace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Largest temporary copy of a compressed capture (decompressed) or of standard input or a
    /// pipe, e.g. 16G, 500M (K, M, G, T: powers of 1024). The copy goes to TMPDIR.
    #[arg(long, global = true, value_name = "SIZE", default_value = "16G", value_parser = roamgap_wire::capture::parse_size)]
    max_spool: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze captures (pcap or pcapng, radiotap or plain 802.11) and report every roam.
    Analyze(AnalyzeArgs),
    /// Write a synthetic roaming capture (and its exact truth) for a scenario.
    Gen(GenArgs),
    /// Write an HTML report (self-contained index.html, plots, JSON, CSV) into a directory.
    Report(ReportArgs),
    /// Summarize captures without decoding frames: format, link types, records, time span.
    Info(InfoArgs),
    /// Overview of captures, like capinfos with the 802.11 view: link types, duration, frames
    /// by type, BSSIDs with SSID and channel, stations, RTP streams, roams.
    Summary(SummaryArgs),
}

#[derive(clap::Args)]
struct InfoArgs {
    /// Capture files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(clap::Args)]
struct GenArgs {
    /// Scenario name (see --list).
    #[arg(required_unless_present = "list")]
    scenario: Option<String>,
    /// Capture file to write.
    #[arg(short, long, required_unless_present = "list")]
    output: Option<PathBuf>,
    /// Write the truth (JSON) to this file.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Seed of the randomized timings, addresses and retransmissions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Container: pcap, pcap-ns, pcapng or pcapng-ns.
    #[arg(long, default_value = "pcap")]
    format: String,
    /// Link layer: radiotap (127), dot11 (105), ppi (192), prism (119), avs (163), peekremote
    /// or peekremote-ng (1: Ethernet/IPv4/UDP 5000 from an AP in sniffer mode).
    #[arg(long, default_value = "radiotap")]
    link: String,
    /// List the scenarios.
    #[arg(long)]
    list: bool,
    /// Also write one file per channel (`OUTPUT-chN.EXT`), as one sniffer per channel with its
    /// own clock would (offsets 0, +37.2, -12.9, +5.0 ms, ...), every 7th beacon also heard on
    /// the next channel; `roamgap analyze --merge` puts them back together.
    #[arg(long)]
    split_channels: bool,
    /// Encrypt the voice of the scenario's WPA2-PSK phones for real with this passphrase
    /// (SSID `voice`): real 4-way handshakes and CCMP, as `--psk PASSPHRASE:voice` decrypts.
    #[arg(long)]
    passphrase: Option<String>,
    /// With --passphrase: the WPA2-PSK phones' pairwise cipher. `tkip` writes TKIP voice
    /// (IEEE 802.11-2020 12.5.2) after 4-way handshakes of key descriptor version 1 (HMAC-MD5,
    /// RC4-encrypted key data with a TKIP GTK), beacons and requests naming TKIP; FT and SAE
    /// phones keep CCMP.
    #[arg(long, value_enum, default_value_t = GenCipher::Ccmp, requires = "passphrase")]
    cipher: GenCipher,
    /// Encrypt the scenario's WEP phones' voice, and the third frame of their Shared Key
    /// authentications, for real with this WEP key (10 or 26 hex digits, key ID 0), as
    /// `--wep KEY` decrypts.
    #[arg(long, conflicts_with = "passphrase")]
    wep_key: Option<String>,
    /// With the `big` scenario: phones in calls.
    #[arg(long, default_value_t = 50)]
    phones: usize,
    /// With the `big` scenario: capture length in minutes.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
}

/// `gen --cipher`: the pairwise cipher of the PSK phones' voice.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GenCipher {
    /// CCMP-128 (IEEE 802.11-2020 12.5.3).
    Ccmp,
    /// TKIP (IEEE 802.11-2020 12.5.2).
    Tkip,
}

/// `--fcs`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FcsArg {
    Auto,
    Check,
    Ignore,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// Aligned columns for a person (coloured on a terminal).
    Table,
    /// One JSON document (docs/JSON.md).
    Json,
    /// One JSON object per roam per line, for log pipelines (docs/EXPORTS.md).
    Jsonl,
    /// One row per roam under one header row (docs/EXPORTS.md).
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// Colour when standard output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// What every command that analyzes captures takes.
#[derive(clap::Args)]
struct AnalysisArgs {
    /// Capture files; each is analyzed on its own (unless --merge).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// A voice gap above this many milliseconds is a `long-gap` finding.
    #[arg(long, default_value_t = 150.0)]
    gap_budget_ms: f64,
    /// A deauthentication this many milliseconds after a roam's request belongs to the roam.
    #[arg(long, default_value_t = 5000.0)]
    deauth_window_ms: f64,
    /// A station heard below this signal (dBm) on its old AP when it roams is a sticky client.
    #[arg(long, default_value_t = -80, allow_negative_numbers = true)]
    sticky_dbm: i8,
    /// Budget (ms) of a CCKM, FT or open roam's key exchange (reassociation request → last key
    /// message); over it is a `roam-over-budget` finding.
    #[arg(long, default_value_t = 50.0)]
    budget_fast_ms: f64,
    /// Budget (ms) of a PSK, SAE or PMK-cached roam's key exchange (one 4-way handshake).
    #[arg(long, default_value_t = 150.0)]
    budget_psk_ms: f64,
    /// Budget (ms) of an 802.1X roam's key exchange (a full EAP authentication).
    #[arg(long, default_value_t = 300.0)]
    budget_dot1x_ms: f64,
    /// The files are sniffers of the same place and time (e.g. one per channel): align their
    /// clocks on shared beacons, drop frames captured twice, and analyze them as one.
    #[arg(long)]
    merge: bool,
    /// UDP port of remote-capture (peekremote) streams in Ethernet captures.
    #[arg(long, default_value_t = 5000)]
    peekremote_port: u16,
    /// Frames with a wrong FCS: `check` drops them; `ignore` analyzes them (as tshark does);
    /// `auto` checks, unless the FCS is wrong on (nearly) every frame at the start of a
    /// capture that carries one (a tool rewrote its addresses): then it says so and ignores it.
    #[arg(long, value_enum, default_value_t = FcsArg::Auto)]
    fcs: FcsArg,
    /// No progress bar (it is shown on a terminal for captures that take more than a moment).
    #[arg(short, long)]
    quiet: bool,
    /// Decrypt with a WPA passphrase for an SSID: `passphrase:SSID` (`:` or `%` inside either
    /// written %3a, %25), or a passphrase alone (tried with the SSIDs the capture names).
    /// Repeatable. Keys never appear in outputs, only their fingerprints.
    #[arg(long, value_name = "PASSPHRASE:SSID")]
    psk: Vec<String>,
    /// Decrypt with a PMK (or WPA PSK), 64 hex digits. Repeatable.
    #[arg(long, value_name = "HEX")]
    pmk: Vec<String>,
    /// Decrypt with a temporal key: 32 hex digits (CCMP-128, GCMP-128) or 64 (CCMP-256,
    /// GCMP-256). Repeatable.
    #[arg(long, value_name = "HEX")]
    tk: Vec<String>,
    /// Decrypt with a WEP key: 10 hex digits (WEP-40) or 26 (WEP-104), `:` between octets
    /// allowed. Repeatable.
    #[arg(long, value_name = "HEX")]
    wep: Vec<String>,
    /// Keys in Wireshark's `80211_keys` format ("wpa-pwd","pass:SSID" or "wpa-pwd","pass" /
    /// "wpa-psk","HEX" / "tk","HEX" / "wep","HEX" per line; a line roamgap cannot use is
    /// skipped with a warning). Repeatable.
    #[arg(long, value_name = "FILE")]
    keys: Vec<PathBuf>,
}

/// The keys given on the command line (None when none was).
fn key_ring(args: &AnalysisArgs) -> Result<Option<KeyRing>, ExitCode> {
    let mut ring = KeyRing::default();
    let fail = |e: String| {
        say!("roamgap: {e}");
        ExitCode::from(EXIT_BAD_INPUT)
    };
    for p in &args.psk {
        ring.add_passphrase(p).map_err(|e| fail(e.to_string()))?;
    }
    for p in &args.pmk {
        ring.add_pmk(p).map_err(|e| fail(e.to_string()))?;
    }
    for t in &args.tk {
        ring.add_tk(t).map_err(|e| fail(e.to_string()))?;
    }
    for w in &args.wep {
        ring.add_wep(w).map_err(|e| fail(e.to_string()))?;
    }
    for f in &args.keys {
        let text = pipeline::read_key_file(f).map_err(fail)?;
        for w in ring.add_wireshark_file(&f.display().to_string(), &text) {
            say!("roamgap: warning: {w}");
        }
    }
    Ok((!ring.is_empty()).then_some(ring))
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    #[command(flatten)]
    analysis: AnalysisArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    /// Colours in the table.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Exit with status 1 when any roam has a finding.
    #[arg(long)]
    fail_on_findings: bool,
}

#[derive(clap::Args)]
struct ReportArgs {
    #[command(flatten)]
    analysis: AnalysisArgs,
    /// Directory to write (created if missing): index.html, the plots, JSON, JSON lines, CSV.
    #[arg(short, long)]
    output: PathBuf,
    /// Plots as PNG rather than SVG.
    #[arg(long)]
    png: bool,
    /// Roams given a detail section with their timeline (those with findings first; capped, see
    /// docs/EXPORTS.md "Limits").
    #[arg(long, default_value_t = 100)]
    max_roam_plots: usize,
    /// Stations given a signal plot (capped likewise).
    #[arg(long, default_value_t = 50)]
    max_station_plots: usize,
}

#[derive(clap::Args)]
struct SummaryArgs {
    #[command(flatten)]
    analysis: AnalysisArgs,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // The error may quote an argument (a file name) as given.
            eprint!(
                "{}",
                roamgap_report::text::printable_lines(&e.render().to_string())
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        Err(e) => {
            // --help, --version.
            let _ = e.print();
            return ExitCode::from(EXIT_OK);
        }
    };
    roamgap_wire::capture::set_max_spool(cli.max_spool);
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Gen(args) => generate(args),
        Command::Info(args) => info(args),
        Command::Summary(args) => summary(args),
        Command::Report(args) => write_report(args),
    }
}

/// Walks the record headers only: the floor any analysis of the file stands on.
fn info(args: InfoArgs) -> ExitCode {
    let mut status = EXIT_OK;
    for path in &args.files {
        let summary = roamgap_wire::capture::CaptureFile::open(path).and_then(|c| {
            let damage = c
                .stream_damage()
                .map(|d| format!("{}: {d}", path.display()));
            c.summarize().map(|s| (s, damage))
        });
        match summary {
            Ok((s, damage)) => {
                // Each link type once, however many interfaces (pcapng) declare it.
                let mut seen = std::collections::HashSet::new();
                let links: Vec<String> = s
                    .linktypes
                    .iter()
                    .filter(|l| seen.insert(l.0))
                    .map(|l| l.to_string())
                    .collect();
                let span = s
                    .first_ns
                    .zip(s.last_ns)
                    .map(|(a, b)| (i128::from(b) - i128::from(a)) as f64 / 1e9)
                    .unwrap_or(0.0);
                print_line!(
                    "{}: {}, {}, {} records, {} bytes captured, {:.3} s",
                    path.display(),
                    s.format,
                    roamgap_report::join_listed(links.into_iter(), " + "),
                    s.records,
                    s.captured_bytes,
                    span
                );
                if let Some(e) = s.stopped {
                    print_line!("  {e}");
                }
                for w in damage.into_iter().chain(s.notes.warnings(path, s.records)) {
                    say!("roamgap: warning: {w}");
                }
            }
            Err(e) => {
                say!("roamgap: {e}");
                status = EXIT_BAD_INPUT;
            }
        }
    }
    ExitCode::from(status)
}

fn generate_big(options: &gen::Options, args: &GenArgs, output: &std::path::Path) -> ExitCode {
    if args.truth.is_some() {
        say!("roamgap gen: the big scenario writes no truth file");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if args.phones == 0
        || args.phones > 10_000
        || !(args.minutes > 0.0 && args.minutes <= 24.0 * 60.0)
    {
        say!("roamgap gen: big needs 1 to 10000 --phones and 0 to 1440 --minutes");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if args.cipher == GenCipher::Tkip {
        say!("roamgap gen: the big scenario writes CCMP only");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let written = std::fs::File::create(output).and_then(|f| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, f);
        let summary = match &args.passphrase {
            Some(pass) => {
                gen::generate_big_encrypted(options, args.phones, args.minutes, pass, &mut out)?
            }
            None => gen::generate_big(options, args.phones, args.minutes, &mut out)?,
        };
        std::io::Write::flush(&mut out)?;
        Ok(summary)
    });
    match written {
        Ok(s) => {
            say!(
                "roamgap gen: wrote {} ({} frames, {} phones, {} roams, {} bytes)",
                output.display(),
                s.frames,
                s.phones,
                s.roams,
                s.bytes
            );
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            say!("roamgap gen: cannot write {}: {e}", output.display());
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn generate(args: GenArgs) -> ExitCode {
    if args.list {
        for (name, what) in gen::SCENARIOS {
            print_line!("{name:<18} {what}");
        }
        print_line!(
            "{:<18} benchmark capture: --phones N (50) in calls for --minutes M (10), each roaming every ~20 s; streamed, no truth",
            "big"
        );
        return ExitCode::from(EXIT_OK);
    }
    let (Some(scenario), Some(output)) = (args.scenario.clone(), args.output.clone()) else {
        say!("roamgap gen: a scenario and --output are required");
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    let Some(format) = gen::FileFormat::from_name(&args.format) else {
        say!(
            "roamgap gen: unknown --format `{}`; use pcap, pcap-ns, pcapng or pcapng-ns",
            args.format
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    let Some(link) = gen::Link::from_name(&args.link) else {
        let names: Vec<&str> = gen::Link::ALL.iter().map(|l| l.name()).collect();
        say!(
            "roamgap gen: unknown --link `{}`; use {}",
            args.link,
            names.join(", ")
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    let options = gen::Options {
        seed: args.seed,
        format,
        link,
    };
    if scenario == "big" {
        return generate_big(&options, &args, &output);
    }
    let generated = match (&args.passphrase, &args.wep_key) {
        (Some(pass), _) if args.cipher == GenCipher::Tkip => {
            gen::generate_encrypted_tkip(&scenario, &options, pass)
        }
        (Some(pass), _) => gen::generate_encrypted(&scenario, &options, pass),
        (None, Some(hex)) => {
            let mut ring = KeyRing::default();
            ring.add_wep(hex)
                .map_err(|e| e.to_string().replacen("--wep:", "--wep-key:", 1))
                .and_then(|()| gen::generate_wep(&scenario, &options, &ring.wep[0]))
        }
        (None, None) => gen::generate(&scenario, &options),
    };
    let generated = match generated {
        Ok(g) => g,
        Err(e) => {
            say!("roamgap gen: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Err(e) = std::fs::write(&output, &generated.bytes) {
        say!("roamgap gen: cannot write {}: {e}", output.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if let Some(path) = args.truth {
        let json = serde_json::to_string_pretty(&generated.truth).unwrap_or_default();
        if let Err(e) = std::fs::write(&path, json + "\n") {
            say!("roamgap gen: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    }
    say!(
        "roamgap gen: wrote {} ({} frames, {} roams, {} bytes)",
        output.display(),
        generated.truth.frames,
        generated.truth.roams.len(),
        generated.bytes.len()
    );
    if args.split_channels {
        let offsets: Vec<i64> = (0..16)
            .map(|i: i64| [0, 37_200_123, -12_900_456, 5_000_017][(i % 4) as usize] + i / 4)
            .collect();
        let stem = output
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = output
            .extension()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "pcap".into());
        for f in gen::split_by_channel(&generated.bytes, format, link, &offsets, 7) {
            let path = output.with_file_name(format!("{stem}-ch{}.{ext}", f.channel));
            if let Err(e) = std::fs::write(&path, &f.bytes) {
                say!("roamgap gen: cannot write {}: {e}", path.display());
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            say!(
                "roamgap gen: wrote {} (channel {}, clock {:+.6} ms)",
                path.display(),
                f.channel,
                f.offset_ns as f64 / 1e6
            );
        }
    }
    ExitCode::from(EXIT_OK)
}

/// One report of the captures that could be read, the files it covers (in the order of its
/// `captures`), how many could not be read (each already named on standard error), and the
/// captures, open with their keys, for the report's second pass.
struct Analyzed {
    report: Report,
    files: Vec<PathBuf>,
    unreadable: usize,
    captures: pipeline::Captures,
}

impl Analyzed {
    /// Tells the report's warnings (what reading the files skipped or read doubtfully first).
    fn warn(&self) {
        warn(&self.report);
    }

    /// The exit status once the output is written: 2 when a file could not be read.
    fn status(&self, ok: u8) -> ExitCode {
        if self.unreadable > 0 {
            say!(
                "roamgap: {} of {} files could not be read (named above); the output covers the others",
                self.unreadable,
                self.unreadable + self.files.len()
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        ExitCode::from(ok)
    }
}

/// Analyzes the captures into one report: every readable file is analyzed, each unreadable
/// one named on standard error (a bad option, or no readable file at all: the exit status).
fn run_analysis(args: &AnalysisArgs) -> Result<Analyzed, ExitCode> {
    let valid = |v: f64| v.is_finite() && v >= 0.0;
    if ![
        args.gap_budget_ms,
        args.deauth_window_ms,
        args.budget_fast_ms,
        args.budget_psk_ms,
        args.budget_dot1x_ms,
    ]
    .into_iter()
    .all(valid)
    {
        say!(
            "roamgap: --gap-budget-ms, --deauth-window-ms and the --budget-*-ms options must be non-negative numbers"
        );
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    let config = config_of(args);
    let ring = key_ring(args)?;
    let progress = Arc::new(Progress::new());
    let _bar = ProgressBar::start(
        Arc::clone(&progress),
        !args.quiet && std::io::stderr().is_terminal(),
    );
    let run = Pipeline::new(&config)
        .keys(ring.as_ref())
        .merge(args.merge)
        .progress(&progress)
        .run(&args.files);
    for e in &run.unreadable {
        say!("roamgap: {e}");
    }
    if run.outcome.is_empty() {
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    let report = match run.outcome {
        Outcome::Separate(analyses) => Report::new(analyses),
        Outcome::Merged(m) => Report::merged(m),
    };
    Ok(Analyzed {
        report,
        unreadable: args.files.len() - run.files.len(),
        files: run.files,
        captures: run.captures,
    })
}

fn config_of(args: &AnalysisArgs) -> Config {
    Config {
        gap_budget_ms: args.gap_budget_ms,
        deauth_window_ms: args.deauth_window_ms,
        link: roamgap_wire::linklayer::LinkOptions {
            peekremote_port: args.peekremote_port,
            fcs: match args.fcs {
                FcsArg::Auto => roamgap_wire::linklayer::FcsPolicy::Auto,
                FcsArg::Check => roamgap_wire::linklayer::FcsPolicy::Check,
                FcsArg::Ignore => roamgap_wire::linklayer::FcsPolicy::Ignore,
            },
        },
        sticky_dbm: args.sticky_dbm,
        budget_fast_ms: args.budget_fast_ms,
        budget_psk_ms: args.budget_psk_ms,
        budget_dot1x_ms: args.budget_dot1x_ms,
        ..Config::default()
    }
}

fn warn(report: &Report) {
    for w in report.warnings() {
        say!("roamgap: warning: {w}");
    }
}

fn analyze(args: AnalyzeArgs) -> ExitCode {
    let analyzed = match run_analysis(&args.analysis) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let report = &analyzed.report;
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = match args.format {
        OutputFormat::Table => render_table_with(report, color),
        OutputFormat::Json => report.to_json() + "\n",
        OutputFormat::Jsonl => roams_jsonl(report),
        OutputFormat::Csv => roams_csv(report),
    };
    if let Err(code) = write_stdout(&text) {
        return code;
    }
    analyzed.warn();
    analyzed.status(if args.fail_on_findings && report.has_findings() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn summary(args: SummaryArgs) -> ExitCode {
    let analyzed = match run_analysis(&args.analysis) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(code) = write_stdout(&render_summary(&analyzed.report)) {
        return code;
    }
    analyzed.warn();
    analyzed.status(EXIT_OK)
}

fn write_report(args: ReportArgs) -> ExitCode {
    let analyzed = match run_analysis(&args.analysis) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let report = &analyzed.report;
    let a = &args.analysis;
    // The second reading, for the plots, has its own bar.
    let progress = Arc::new(Progress::new());
    let bar = ProgressBar::start(
        Arc::clone(&progress),
        !a.quiet && std::io::stderr().is_terminal(),
    );
    let collected = roamgap_report::traces::collect(report, &analyzed.captures, Some(&progress));
    drop(bar);
    let traces = match collected {
        Ok(t) => t,
        Err(e) => {
            say!("roamgap: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let options = HtmlOptions {
        format: if args.png {
            ImageFormat::Png
        } else {
            ImageFormat::Svg
        },
        gap_budget_ms: a.gap_budget_ms,
        max_roam_plots: args.max_roam_plots,
        max_station_plots: args.max_station_plots,
    };
    match roamgap_report::html::write_report(&args.output, report, &traces, options) {
        Ok(w) => {
            if !a.quiet {
                say!(
                    "roamgap report: wrote {} ({} roams, {} plots, {} files)",
                    w.index.display(),
                    report.roams.len(),
                    w.plots,
                    w.files.len() + 1
                );
            }
        }
        Err(e) => {
            say!(
                "roamgap report: cannot write into {}: {e}",
                args.output.display()
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    }
    analyzed.warn();
    analyzed.status(EXIT_OK)
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            say!("roamgap: cannot write the output: {e}");
            Err(ExitCode::from(EXIT_BAD_INPUT))
        }
    }
}
