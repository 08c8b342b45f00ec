#!/bin/sh
# Writes the TKIP test capture with `roamgap gen --passphrase --cipher tkip` and records what
# tshark makes of it once it decrypts it with the same passphrase: every RTP packet, the
# protected data frames and those it decrypts (TKIP, IEEE 802.11-2020 12.5.2, after 4-way
# handshakes of key descriptor version 1), and each EAPOL-Key message's Key Information:
#   NAME.pcap, NAME.truth.json (the generator's truth) and NAME.tshark.json.
# Needs tshark (Debian package `tshark`).
set -eu
cd "$(dirname "$0")"
roamgap=${ROAMGAP:-../../../target/release/roamgap}
pass="roamgap voice 1"
record() {
    name=$1; shift
    "$roamgap" gen "$@" --passphrase "$pass" --cipher tkip -o "$name.pcap" --truth "$name.truth.json"
    python3 - "$name.pcap" "$pass" > "$name.tshark.json" <<'PY'
import json, subprocess, sys
cap, pw = sys.argv[1], sys.argv[2]
def run(filt, fields, *extra):
    cmd = ["tshark", "-n", "-r", cap, "-o", "rtp.heuristic_rtp:TRUE", *extra,
           "-Y", filt, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines()]
keys = ["-o", "wlan.enable_decryption:TRUE", "-o", f'uat:80211_keys:"wpa-pwd","{pw}:voice"']
plain = ["-o", "wlan.enable_decryption:FALSE"]
rtp = ["frame.number", "wlan.fc.protected", "rtp.ssrc", "rtp.seq"]
rows = run("rtp", rtp, *keys)
json.dump({
    "tshark": subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    "key": "wpa-pwd (the truth file's passphrase, SSID voice)",
    "protected_frames": len(run("wlan.fc.protected == 1", ["frame.number"], *plain)),
    "tkip_frames": len(run("wlan.tkip.extiv", ["frame.number"], *plain)),
    "decrypted_data_frames": len(run("wlan.fc.type == 2 && wlan.fc.protected == 1 && llc",
                                     ["frame.number"], *keys)),
    "rtp_without_key": len(run("rtp", rtp, *plain)),
    "rtp_with_key": len(rows),
    "decrypted_rtp": [[int(f), s, int(q)] for f, p, s, q in rows if p in ("1", "True")],
    "eapol_key_info": [[int(f), int(k, 16)] for f, k in
                       run("eapol", ["frame.number", "wlan_rsna_eapol.keydes.key_info"], *plain)],
}, sys.stdout, indent=1)
print()
PY
}
record psk-tkip psk-late-m1 --seed 8
