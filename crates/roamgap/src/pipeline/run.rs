//! The one entry point: [`Pipeline`], a builder of what an analysis uses (configuration,
//! keys, plan, merging, progress), and its terminal calls: [`Pipeline::run`] over files (the
//! command line), or one capture already open (its analysis, its events, its keys).

use std::path::PathBuf;

use rayon::prelude::*;

use super::keys::{key_frames, key_schedule};
use super::merge::{merge_events, AllEvents, Merged, MergedAnalysis, MergedCapture};
use super::pass::{run_pass, EventBuffer, Pass, PassConsumer};
use super::{CaptureAnalysis, CaptureSummary, PipelineError, Plan, Progress};
use crate::analysis::{Analysis, Analyzer, Config, ShardedEvents};
use crate::crypto::handshake::{KeyFrame, KeySchedule};
use crate::crypto::keys::KeyRing;
use crate::events::{Decoding, Event, EventSink};
use roamgap_wire::capture::CaptureFile;

/// What to analyze captures with. `Pipeline::new(&config)` analyzes without keys, every plan
/// giving the same result, each file on its own; `.keys(..)`, `.plan(..)`, `.merge(..)` and
/// `.progress(..)` change that; then `.run(&paths)`, or a narrower call on a capture already
/// open.
#[derive(Clone, Copy, Debug)]
pub struct Pipeline<'a> {
    config: Config,
    ring: Option<&'a KeyRing>,
    plan: Plan,
    merge: bool,
    progress: Option<&'a Progress>,
}

/// The result of [`Pipeline::run`]: the analyses of the files that could be read, why the
/// others could not, and the captures kept open (with the keys derived once) for a second
/// pass.
pub struct Run {
    /// The files analyzed, in the order given.
    pub files: Vec<PathBuf>,
    /// Why each other file could not be read or analyzed, in the order met.
    pub unreadable: Vec<PipelineError>,
    /// The analyses.
    pub outcome: Outcome,
    /// The captures analyzed, open for a second pass ([`Captures::pass`]).
    pub captures: Captures,
}

/// One analysis per file (its capture index its place in `files`), or one of all merged.
pub enum Outcome {
    /// One analysis per file analyzed, in the order of `Run::files` (empty: none could be).
    Separate(Vec<CaptureAnalysis>),
    /// The files merged into one analysis (`Pipeline::merge`).
    Merged(MergedAnalysis),
}

impl Outcome {
    /// Whether nothing could be analyzed.
    pub fn is_empty(&self) -> bool {
        matches!(self, Outcome::Separate(v) if v.is_empty())
    }
}

/// A capture kept open with the key schedule derived for it (none without keys).
pub(super) struct OpenCapture {
    pub(super) capture: CaptureFile,
    pub(super) keys: Option<KeySchedule>,
}

/// A capture's analysis, with the key schedule it was decrypted with (kept for a second pass).
struct Analyzed {
    analysis: CaptureAnalysis,
    keys: Option<KeySchedule>,
}

/// The captures of a [`Run`], open, each with the key schedule derived for it: what a second
/// pass reads (the same bytes, even of standard input, and the same keys).
pub struct Captures {
    config: Config,
    plan: Plan,
    merged: bool,
    open: Vec<OpenCapture>,
}

impl<'a> Pipeline<'a> {
    /// An analysis with `config`: no keys, the parallel plan, each file on its own.
    pub fn new(config: &Config) -> Pipeline<'a> {
        Pipeline {
            config: *config,
            ring: None,
            plan: Plan::parallel(),
            merge: false,
            progress: None,
        }
    }

    /// Decrypt with these keys (None, or an empty ring: no decryption). The key schedule of
    /// each capture is derived once, before its analysis.
    pub fn keys(self, ring: Option<&'a KeyRing>) -> Pipeline<'a> {
        Pipeline {
            ring: ring.filter(|r| !r.is_empty()),
            ..self
        }
    }

    /// How to use the cores and memory (every plan gives the same result).
    pub fn plan(self, plan: Plan) -> Pipeline<'a> {
        Pipeline { plan, ..self }
    }

    /// Analyze several files as sniffers of the same place and time, merged into one.
    pub fn merge(self, merge: bool) -> Pipeline<'a> {
        Pipeline { merge, ..self }
    }

    /// Tell `progress` how far the reading has got (the files join its total when opened).
    pub fn progress(self, progress: &'a Progress) -> Pipeline<'a> {
        Pipeline {
            progress: Some(progress),
            ..self
        }
    }

    /// Opens (maps, spools) every file, then analyzes those that could be read, in parallel:
    /// each on its own, or merged into one (with `.merge(true)` and more than one file).
    pub fn run(&self, paths: &[PathBuf]) -> Run {
        let opened: Vec<Result<CaptureFile, PipelineError>> = paths
            .par_iter()
            .map(|p| CaptureFile::open(p).map_err(Into::into))
            .collect();
        let mut unreadable = Vec::new();
        let mut files = Vec::new();
        let mut captures = Vec::new();
        for (c, path) in opened.into_iter().zip(paths) {
            match c {
                Ok(c) => {
                    if let Some(p) = self.progress {
                        p.opened(c.bytes().len());
                    }
                    captures.push(c);
                    files.push(path.clone());
                }
                Err(e) => unreadable.push(e),
            }
        }
        if self.merge && paths.len() > 1 {
            return self.run_merged(files, captures, unreadable);
        }
        let results: Vec<Result<Analyzed, PipelineError>> = captures
            .par_iter()
            .enumerate()
            .map(|(i, c)| {
                let keys = self.key_schedule(c)?;
                let analysis = self.analyze_with(i, c, keys.as_ref())?;
                Ok(Analyzed { analysis, keys })
            })
            .collect();
        let (mut analyses, mut kept, mut open) = (Vec::new(), Vec::new(), Vec::new());
        for ((r, c), path) in results.into_iter().zip(captures).zip(files) {
            match r {
                Ok(Analyzed {
                    analysis: mut a,
                    keys,
                }) => {
                    set_capture_index(&mut a, analyses.len());
                    analyses.push(a);
                    kept.push(path);
                    open.push(OpenCapture { capture: c, keys });
                }
                Err(e) => unreadable.push(e),
            }
        }
        Run {
            files: kept,
            unreadable,
            outcome: Outcome::Separate(analyses),
            captures: self.captures(false, open),
        }
    }

    fn run_merged(
        &self,
        files: Vec<PathBuf>,
        captures: Vec<CaptureFile>,
        mut unreadable: Vec<PipelineError>,
    ) -> Run {
        let keys: Result<Vec<Option<KeySchedule>>, PipelineError> =
            captures.par_iter().map(|c| self.key_schedule(c)).collect();
        let open: Vec<_> = match keys {
            Ok(keys) => captures
                .into_iter()
                .zip(keys)
                .map(|(capture, keys)| OpenCapture { capture, keys })
                .collect(),
            Err(e) => {
                unreadable.push(e);
                Vec::new()
            }
        };
        let mut captures = self.captures(true, open);
        let merged = match captures.open.is_empty() {
            true => None,
            false => captures
                .merged(self.progress)
                .map_err(|e| unreadable.push(e))
                .ok(),
        };
        let Some(merged) = merged else {
            captures.open.clear();
            return Run {
                files: Vec::new(),
                unreadable,
                outcome: Outcome::Separate(Vec::new()),
                captures,
            };
        };
        Run {
            files,
            unreadable,
            outcome: Outcome::Merged(merged),
            captures,
        }
    }

    fn captures(&self, merged: bool, open: Vec<OpenCapture>) -> Captures {
        Captures {
            config: self.config,
            plan: self.plan,
            merged,
            open,
        }
    }

    /// Reads and analyzes one capture already open (`index`: its place in a report),
    /// streaming: events are analyzed batch by batch and dropped.
    pub fn analyze(
        &self,
        index: usize,
        capture: &CaptureFile,
    ) -> Result<CaptureAnalysis, PipelineError> {
        if let Some(p) = self.progress {
            p.opened(capture.bytes().len());
        }
        let keys = self.key_schedule(capture)?;
        self.analyze_with(index, capture, keys.as_ref())
    }

    fn analyze_with(
        &self,
        index: usize,
        capture: &CaptureFile,
        keys: Option<&KeySchedule>,
    ) -> Result<CaptureAnalysis, PipelineError> {
        let dec = Decoding::keyed(&self.config.link, keys);
        let shards = match self.plan.parallel {
            true => rayon::current_num_threads(),
            false => 1,
        };
        let make = || AnalyzerPass {
            analyzer: Analyzer::new(index, self.config, shards),
            shards,
        };
        let Pass {
            summary,
            consumer: pass,
        } = run_pass(capture, &self.plan, &dec, self.progress, None, make)?;
        let summary = CaptureSummary {
            decryption: keys.map(|s| s.summary.clone()),
            ..summary
        };
        Ok(CaptureAnalysis {
            summary,
            analysis: pass.analyzer.finish(),
        })
    }

    /// Every event of a capture, in frame order (all kept: for tests and tools that want the
    /// events themselves), decrypted with the keys given.
    pub fn events(
        &self,
        capture: &CaptureFile,
    ) -> Result<(CaptureSummary, Vec<Event>), PipelineError> {
        let keys = self.key_schedule(capture)?;
        let dec = Decoding::keyed(&self.config.link, keys.as_ref());
        let Pass {
            summary,
            consumer: all,
        } = run_pass(
            capture,
            &self.plan,
            &dec,
            self.progress,
            None,
            AllEvents::default,
        )?;
        Ok((summary, all.0))
    }

    /// Hands every event of a capture to `visit`, in frame order, streaming (memory bounded by
    /// one round of decoding), decrypted with the keys given.
    pub fn visit(
        &self,
        capture: &CaptureFile,
        visit: impl FnMut(&Event),
    ) -> Result<CaptureSummary, PipelineError> {
        let keys = self.key_schedule(capture)?;
        let dec = Decoding::keyed(&self.config.link, keys.as_ref());
        // Read in order: a visit cannot start again should a segment boundary prove false.
        let plan = Plan {
            segment_bytes: 0,
            ..self.plan
        };
        let mut visit = Some(visit);
        let make = || Visit(visit.take());
        Ok(run_pass(capture, &plan, &dec, self.progress, None, make)?.summary)
    }

    /// The key schedule of a capture with the keys given (None without keys): its key
    /// frames (a first pass), the group keys of protected rekeys (a second, when a PTK is
    /// known), the keys given directly matched to links.
    pub fn key_schedule(
        &self,
        capture: &CaptureFile,
    ) -> Result<Option<KeySchedule>, PipelineError> {
        self.ring
            .map(|r| key_schedule(capture, &self.config.link, r, &self.plan))
            .transpose()
    }

    /// The key frames of a capture (EAPOL-Key messages, FT exchanges, (re)association
    /// requests, each BSS's and station's SSIDs once), in frame order: the key schedule's
    /// first pass.
    pub fn key_frames(&self, capture: &CaptureFile) -> Result<Vec<KeyFrame>, PipelineError> {
        key_frames(capture, &self.config.link, &self.plan)
    }
}

impl Captures {
    /// The merged analysis of the captures.
    fn merged(&self, progress: Option<&Progress>) -> Result<MergedAnalysis, PipelineError> {
        let shards = rayon::current_num_threads();
        let mut pass = AnalyzerPass {
            analyzer: Analyzer::new(0, self.config, shards),
            shards,
        };
        let summaries = self.merged_pass(&mut pass, progress)?;
        Ok(MergedAnalysis {
            summaries,
            analysis: pass.analyzer.finish(),
        })
    }

    /// Decodes and merges the captures and feeds the merged events to `consumer`.
    fn merged_pass<C: PassConsumer>(
        &self,
        consumer: &mut C,
        progress: Option<&Progress>,
    ) -> Result<Vec<MergedCapture>, PipelineError> {
        let Merged { captures, events } =
            merge_events(&self.open, &self.config.link, &self.plan, progress)?;
        let mut part = [consumer.part()];
        for chunk in events.chunks(self.plan.batch_records.max(1)) {
            chunk.iter().for_each(|e| part[0].event(*e));
            consumer.consume(&mut part);
        }
        Ok(captures)
    }

    /// A second pass over the captures, with the keys derived for the analysis: one
    /// consumer per capture (`make(index)`, the index its place in the run's `files`), or
    /// one over the merged events of all (`make(0)`), fed in frame order. `progress` learns
    /// how far the reading has got.
    pub fn pass<C: PassConsumer>(
        &self,
        progress: Option<&Progress>,
        mut make: impl FnMut(usize) -> C,
    ) -> Result<Vec<C>, PipelineError> {
        if let Some(p) = progress {
            self.open
                .iter()
                .for_each(|o| p.opened(o.capture.bytes().len()));
        }
        if self.merged {
            let mut c = make(0);
            self.merged_pass(&mut c, progress)?;
            return Ok(vec![c]);
        }
        let mut out = Vec::with_capacity(self.open.len());
        for (i, OpenCapture { capture, keys }) in self.open.iter().enumerate() {
            let dec = Decoding::keyed(&self.config.link, keys.as_ref());
            let mut c = Some(make(i));
            let pass = run_pass(capture, &self.plan, &dec, progress, None, || {
                c.take().unwrap_or_else(|| make(i))
            })?;
            out.push(pass.consumer);
        }
        Ok(out)
    }
}

/// Points a capture's roams, streams and missed roams at its place in the report.
fn set_capture_index(a: &mut CaptureAnalysis, index: usize) {
    let a: &mut Analysis = &mut a.analysis;
    a.roams.iter_mut().for_each(|r| r.capture = index);
    a.streams.iter_mut().for_each(|s| s.capture = index);
    a.missed_roams.iter_mut().for_each(|m| m.capture = index);
}

/// The analysis as a consumer: each part's events split by station into the analyzer's
/// shards.
struct AnalyzerPass {
    analyzer: Analyzer,
    shards: usize,
}

/// One decoding task's events, one list per analysis shard.
struct Sharded {
    events: ShardedEvents,
    shards: usize,
}

impl EventSink for Sharded {
    fn event(&mut self, e: Event) {
        self.events[Analyzer::shard_of(&e, self.shards)].push(e)
    }
}

impl PassConsumer for AnalyzerPass {
    type Part = Sharded;

    fn part(&self) -> Sharded {
        Sharded {
            events: (0..self.shards).map(|_| Vec::new()).collect(),
            shards: self.shards,
        }
    }

    fn place(part: &mut Sharded, base: u64, floor_ns: i64) {
        for e in part.events.iter_mut().flatten() {
            e.frame += base;
            e.ts_ns = e.ts_ns.max(floor_ns);
        }
    }

    fn consume(&mut self, parts: &mut [Sharded]) {
        let batch: Vec<ShardedEvents> = parts
            .iter_mut()
            .map(|p| std::mem::take(&mut p.events))
            .collect();
        self.analyzer.feed(&batch);
        for (p, mut events) in parts.iter_mut().zip(batch) {
            events.iter_mut().for_each(Vec::clear);
            p.events = events;
        }
    }
}

/// A closure over every event, as a consumer.
struct Visit<F>(Option<F>);

impl<F: FnMut(&Event)> PassConsumer for Visit<F> {
    type Part = EventBuffer;

    fn part(&self) -> EventBuffer {
        EventBuffer::default()
    }

    fn place(part: &mut EventBuffer, base: u64, floor_ns: i64) {
        part.place(base, floor_ns)
    }

    fn consume(&mut self, parts: &mut [EventBuffer]) {
        for p in parts {
            if let Some(f) = &mut self.0 {
                p.0.iter().for_each(&mut *f);
            }
            p.0.clear();
        }
    }
}
