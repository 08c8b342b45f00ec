//! Every link-layer header: the first byte picks the link type, the rest is the record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamgap_wire::capture::LinkType;
use roamgap_wire::linklayer::{self, LinkOptions};

const LINK_TYPES: [u32; 6] = [1, 105, 119, 127, 163, 192];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let lt = LinkType(LINK_TYPES[usize::from(pick) % LINK_TYPES.len()]);
    let fcs = pick / 64;
    let _ = linklayer::decode(lt, rest, fcs, &LinkOptions::default());
});
