//! The bytes of a Wi-Fi sniffer trace, as typed zero-copy views.
//!
//! Data flows one way, one module per step: [`capture`] (pcap/pcapng records over a memory
//! map, compressed files and streams spooled first) → [`linklayer`] (radiotap, PPI, Prism,
//! AVS, remote-capture encapsulations, plain 802.11: the radio information and the 802.11
//! slice) → [`dot11`] (frames, elements, action frames, LLC/SNAP, EAPOL, IPv4/IPv6, UDP,
//! RTP). Nothing here knows of roams: that is the `roamgap` crate, above this one.
#![deny(unsafe_code)]

pub mod capture;
pub mod dot11;
pub mod linklayer;
