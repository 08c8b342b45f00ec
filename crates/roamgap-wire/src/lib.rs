//! The bytes of a Wi-Fi sniffer trace, as typed zero-copy views.
//!
//! Data flows one way, one module per step: [`capture`] (pcap/pcapng records over a memory
//! map, compressed files and streams spooled first) → [`linklayer`] (radiotap, PPI, Prism,
//! AVS, remote-capture encapsulations, plain 802.11: the radio information and the 802.11
//! slice) → [`dot11`] (frames, elements, action frames, LLC/SNAP, EAPOL, IPv4/IPv6, UDP,
//! RTP). Nothing here knows of roams: that is the `roamgap` crate, above this one.
//!
//! ```
//! use roamgap_wire::dot11::{Frame, MacAddr};
//!
//! // A deauthentication (management subtype 12) from AP 00:11:22:33:44:55 to station
//! // 02:00:00:00:00:01, sequence number 1, reason 2 (previous authentication no longer valid).
//! let bytes = [
//!     0xc0, 0x00, 0x3a, 0x01, // frame control, duration
//!     0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // address 1: receiver
//!     0x00, 0x11, 0x22, 0x33, 0x44, 0x55, // address 2: transmitter
//!     0x00, 0x11, 0x22, 0x33, 0x44, 0x55, // address 3: BSSID
//!     0x10, 0x00, // sequence control
//!     0x02, 0x00, // reason code
//! ];
//! let frame = Frame::new_checked(&bytes[..], false).unwrap();
//! assert_eq!(frame.frame_control().subtype(), 12);
//! assert_eq!(frame.addr1(), MacAddr([0x02, 0, 0, 0, 0, 0x01]));
//! assert_eq!(frame.addr2(), Some(MacAddr([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])));
//! // Cut short, the same bytes are an error, not a panic.
//! assert!(Frame::new_checked(&bytes[..9], false).is_err());
//! ```
#![deny(unsafe_code)]

pub mod capture;
pub mod dot11;
pub mod linklayer;
