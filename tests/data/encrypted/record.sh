#!/bin/sh
# Writes the encrypted test captures with `roamgap gen --passphrase` and records, with tshark
# as the oracle, every RTP packet tshark finds once it decrypts them with the same passphrase:
#   NAME.pcap, NAME.truth.json (the generator's truth) and NAME.tshark.json.
# Needs tshark (Debian package `tshark`). (ciphers.pcap, four frames under CCMP-128, CCMP-256,
# GCMP-128 and GCMP-256, was written with Python's `cryptography` and checked with
# `tshark -o wlan.enable_decryption:TRUE -o 'uat:80211_keys:"tk","HEX"'`; see crypto/ccmp.rs.)
set -eu
cd "$(dirname "$0")"
roamgap=${ROAMGAP:-../../../target/release/roamgap}
pass="roamgap voice 1"
record() {
    name=$1; shift
    "$roamgap" gen "$@" --passphrase "$pass" -o "$name.pcap" --truth "$name.truth.json"
    python3 - "$name.pcap" "$pass" > "$name.tshark.json" <<'PY'
import json, subprocess, sys
cap, pw = sys.argv[1], sys.argv[2]
def run(*extra):
    cmd = ["tshark", "-n", "-r", cap, "-o", "rtp.heuristic_rtp:TRUE", *extra,
           "-Y", "rtp", "-T", "fields", "-E", "separator=\t",
           "-e", "frame.number", "-e", "wlan.fc.protected", "-e", "rtp.ssrc", "-e", "rtp.seq"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines()]
keys = ["-o", "wlan.enable_decryption:TRUE", "-o", f'uat:80211_keys:"wpa-pwd","{pw}:voice"']
# SAE derives its PMKs from both sides' secrets: the generator's truth lists them.
truth = json.load(open(cap.rsplit(".", 1)[0] + ".truth.json"))
for pmk in truth["encryption"].get("sae_pmks", []):
    keys += ["-o", f'uat:80211_keys:"wpa-psk","{pmk}"']
rows = run(*keys)
plain = run("-o", "wlan.enable_decryption:FALSE")
json.dump({
    "tshark": subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    "key": "wpa-pwd (the truth file's passphrase, SSID voice) and wpa-psk (its SAE PMKs)",
    "rtp_without_key": len(plain),
    "rtp_with_key": len(rows),
    "decrypted_rtp": [[int(f), s, int(q)] for f, p, s, q in rows if p in ("1", "True")],
}, sys.stdout, indent=1)
print()
PY
}
record psk-late-m1 psk-late-m1 --seed 1
record psk-ok-ng psk-ok --seed 4 --format pcapng-ns
record multi-phone multi-phone --seed 2
record ft-ok ft-ok --seed 3
record ft-over-ds ft-over-ds --seed 5 --format pcapng
record sae-ok sae-ok --seed 6
