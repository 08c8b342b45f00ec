//! roamgap: measures, roam by roam, how long the voice went silent when a Wi-Fi phone moved
//! between access points, how many RTP packets were lost, and why.
//!
//! This crate sits on the frame views of `roamgap_wire` (capture records, link-layer headers,
//! 802.11 frames) and under `roamgap_report` (table, JSON, CSV, HTML with plots). Data flows
//! one way: [`events`] (what a frame means to a roam) → [`analysis`] (per-station roams,
//! voice gaps, findings). [`crypto`] turns the keys a user gives and the capture's handshakes
//! into the keys that decrypt protected frames as [`events`] decodes them. [`pipeline`]
//! drives the steps over a file.
#![deny(unsafe_code)]

pub mod analysis;
pub mod crypto;
pub mod events;
pub mod pipeline;
