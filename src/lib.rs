//! roamgap: measures, roam by roam, how long the voice went silent when a Wi-Fi phone moved
//! between access points, how many RTP packets were lost, and why.
//!
//! Data flows one way, one module per step:
//! [`capture`] (pcap/pcapng records over a memory map) → [`linklayer`] (radiotap, plain
//! 802.11) → [`dot11`] (typed views of 802.11 frames and elements) → [`events`] (what a frame
//! means to a roam) → [`analysis`] (per-station roams, voice gaps, findings) → [`report`]
//! (table, JSON, CSV, HTML with plots). [`crypto`] turns the keys a user gives and the
//! capture's handshakes into the keys that decrypt protected frames as [`events`] decodes
//! them. [`pipeline`] drives the steps over a file; [`gen`] writes synthetic captures.
#![deny(unsafe_code)]

pub mod analysis;
pub mod capture;
pub mod crypto;
pub mod dot11;
pub mod events;
pub mod gen;

pub mod linklayer;
pub mod pipeline;
pub mod report;
