#!/bin/sh
# Records, for every `roamgap gen` scenario (seed 1, classic pcap, radiotap), how tshark
# dissects the frames that bound a roam's phases: probe requests, authentication, FT action,
# (re)association, EAP, EAPOL-Key M1-M4 and ADDTS frames, with their station and retry bit.
# tests/suite/tshark_phases.rs checks the analyzer's phase boundaries against these files.
#
#   apt-get install -y tshark && sh tests/data/tshark/phases/record.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
cd "$root"
cargo build --release -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for scenario in $(./target/release/roamgap gen --list | awk '{print $1}' | grep -v '^big$'); do
    ./target/release/roamgap gen "$scenario" -o "$tmp/$scenario.pcap" --seed 1 2>/dev/null
    tshark -r "$tmp/$scenario.pcap" \
        -Y 'wlan.fc.type_subtype <= 4 || wlan.fc.type_subtype == 11 || wlan.fc.type_subtype == 13 || eapol || eap' \
        -T fields -E separator=/t -e frame.number -e wlan.fc.type_subtype -e wlan.fc.retry \
        -e wlan.sa -e wlan.da -e wlan.bssid -e wlan_rsna_eapol.keydes.msgnr -e wlan.fixed.category_code \
        -e wlan.fixed.action_code -e eap.code 2>/dev/null >"$tmp/$scenario.tsv"
    python3 - "$scenario" "$tmp/$scenario.tsv" "$(tshark --version | head -1)" >"$here/$scenario.json" <<'PY'
import json, sys
scenario, path, version = sys.argv[1:4]
frames = []
for line in open(path):
    f = line.rstrip("\n").split("\t")
    num, ts, retry, sa, da, bssid, msgnr, cat, act, eap = (f + [""] * 10)[:10]
    ts = int(ts, 16)
    kind = None
    if msgnr:
        kind = "m" + msgnr
    elif eap:
        kind = "eap"
    elif ts == 0x00:
        kind = "assoc-req"
    elif ts == 0x01:
        kind = "assoc-resp"
    elif ts == 0x02:
        kind = "reassoc-req"
    elif ts == 0x03:
        kind = "reassoc-resp"
    elif ts == 0x04:
        kind = "probe-req"
    elif ts == 0x0b:
        kind = "auth"
    elif ts == 0x0d and cat == "17":
        kind = {"0x0000": "addts-req", "0x0001": "addts-resp"}.get(act)
    elif ts == 0x0d and cat == "6":
        kind = {"1": "ft-req", "2": "ft-resp"}.get(act)
    if kind is None:
        continue
    from_station = sa != bssid
    frames.append({"frame": int(num), "kind": kind, "from_station": from_station,
                   "retry": retry in ("1", "True"), "station": sa if from_station else da})
print(json.dumps({"scenario": scenario, "seed": 1, "format": "pcap", "link": "radiotap",
                  "dissector": version, "frames": frames}, indent=0))
PY
    echo "$scenario: $(grep -c '"frame"' "$here/$scenario.json") frames" >&2
done
