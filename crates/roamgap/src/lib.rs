//! roamgap: measures, roam by roam, how long the voice went silent when a Wi-Fi phone moved
//! between access points, how many RTP packets were lost, and why.
//!
//! This crate sits on the frame views of `roamgap_wire` (capture records, link-layer headers,
//! 802.11 frames) and under `roamgap_report` (table, JSON, CSV, HTML with plots). Data flows
//! one way: [`events`] (what a frame means to a roam) → [`analysis`] (per-station roams,
//! voice gaps, findings). [`crypto`] turns the keys a user gives and the capture's handshakes
//! into the keys that decrypt protected frames as [`events`] decodes them. [`pipeline`]
//! drives the steps over a file.
//!
//! ```
//! use roamgap::analysis::Config;
//! use roamgap::pipeline::{Outcome, Pipeline};
//!
//! // A bundled trace: a phone's CCKM fast roam that fails (no CCKM element in the response).
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/cckm-missing-ie.pcap");
//! let run = Pipeline::new(&Config::default()).run(&[path.into()]);
//! let Outcome::Separate(analyses) = run.outcome else { unreachable!("not merged") };
//! let roam = &analyses[0].analysis.roams[0];
//! assert_eq!(roam.request_frame, 451);
//! let codes: Vec<&str> = roam.findings.iter().map(|f| f.code).collect();
//! assert_eq!(codes, ["cckm-ie-missing", "deauth-after-roam", "long-gap"]);
//! ```
#![deny(unsafe_code)]

pub mod analysis;
pub mod crypto;
pub mod events;
pub mod pipeline;
