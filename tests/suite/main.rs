//! The integration tests, as one test binary: each module was written as a test file of its
//! own, and one binary links the workspace's crates once instead of once per file (a change
//! to the report crate rebuilds one test binary, not thirty). Run one module with
//! `cargo test --release --test suite golden::`.

mod common;

mod bounded_state;
mod build_features;
mod byte_order;
mod cli;
mod containers;
mod decryption;
mod decryption_real;
mod findings;
mod findings_doc;
mod generated;
mod golden;
mod hostile;
mod hostile_input;
mod hostile_output;
mod house_rules;
mod ieee80211_crosscheck;
mod link_types;
mod merge;
mod missed_frames;
mod parallel;
mod properties;
mod radiotap_crosscheck;
mod real;
mod report;
mod samples;
mod suspect_frames;
mod synthetic;
mod tshark_counts;
mod tshark_phases;
