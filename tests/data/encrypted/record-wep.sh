#!/bin/sh
# Writes the WEP test captures with `roamgap gen wep-shared-key --wep-key` and records what
# tshark makes of them once it decrypts them with the same key: every RTP packet, the data
# frames it decrypts, and the four frames of each Shared Key authentication (IEEE 802.11-2020
# 12.3.3.3), the third one WEP-encrypted:
#   NAME.pcap, NAME.truth.json (the generator's truth) and NAME.tshark.json.
# Needs tshark (Debian package `tshark`).
set -eu
cd "$(dirname "$0")"
roamgap=${ROAMGAP:-../../../target/release/roamgap}
record() {
    name=$1; key=$2; shift 2
    "$roamgap" gen "$@" --wep-key "$key" -o "$name.pcap" --truth "$name.truth.json"
    python3 - "$name.pcap" "$key" > "$name.tshark.json" <<'PY'
import json, subprocess, sys
cap, key = sys.argv[1], sys.argv[2]
def run(filt, fields, *extra):
    cmd = ["tshark", "-n", "-r", cap, "-o", "rtp.heuristic_rtp:TRUE", *extra,
           "-Y", filt, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines()]
keys = ["-o", "wlan.enable_decryption:TRUE", "-o", f'uat:80211_keys:"wep","{key}"']
plain = ["-o", "wlan.enable_decryption:FALSE"]
rtp = ["frame.number", "wlan.fc.protected", "rtp.ssrc", "rtp.seq"]
rows = run("rtp", rtp, *keys)
auth = ["frame.number", "wlan.fc.protected", "wlan.fc.retry", "wlan.fixed.auth.alg",
        "wlan.fixed.auth_seq", "wlan.fixed.status_code", "wlan.tag.challenge_text"]
def auth_frames(*extra):
    return [{"frame": int(f), "protected": p in ("1", "True"), "retry": r in ("1", "True"),
             "algorithm": int(a) if a else None, "sequence": int(s, 16) if s else None,
             "status": int(c, 16) if c else None, "challenge": ch or None}
            for f, p, r, a, s, c, ch in run("wlan.fc.type_subtype == 0x0b", auth, *extra)]
json.dump({
    "tshark": subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    "key": "wep (the truth file's wep_key)",
    "protected_frames": len(run("wlan.fc.protected == 1", ["frame.number"], *plain)),
    "decrypted_data_frames": len(run("wlan.fc.type == 2 && wlan.fc.protected == 1 && llc",
                                     ["frame.number"], *keys)),
    "rtp_without_key": len(run("rtp", rtp, *plain)),
    "rtp_with_key": len(rows),
    "decrypted_rtp": [[int(f), s, int(q)] for f, p, s, q in rows if p in ("1", "True")],
    "auth_with_key": auth_frames(*keys),
    "auth_without_key": auth_frames(*plain),
}, sys.stdout, indent=1)
print()
PY
}
record wep-shared-key 7265616c2077657020766f6963 wep-shared-key --seed 1
record wep-shared-key-40 1f2e3d4c5b wep-shared-key --seed 7 --format pcapng-ns
