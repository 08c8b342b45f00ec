#!/bin/sh
# Writes the multicast test capture with `roamgap gen multicast-voice --passphrase` and records
# what tshark makes of it once it decrypts it with the same passphrase: the phone's RTP
# (unicast, under the PTKs) and the paging RTP the APs send to a group address (under the GTK
# that message 3 of each 4-way handshake delivers), apart:
#   NAME.pcap, NAME.truth.json (the generator's truth) and NAME.tshark.json.
# Needs tshark (Debian package `tshark`).
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
def run(filt, fields, *extra):
    cmd = ["tshark", "-n", "-r", cap, "-o", "rtp.heuristic_rtp:TRUE", *extra,
           "-Y", filt, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines()]
keys = ["-o", "wlan.enable_decryption:TRUE", "-o", f'uat:80211_keys:"wpa-pwd","{pw}:voice"']
plain = ["-o", "wlan.enable_decryption:FALSE"]
fields = ["frame.number", "wlan.fc.protected", "wlan.da", "rtp.ssrc", "rtp.seq"]
rows = run("rtp", fields, *keys)
group = lambda da: int(da.split(":")[0], 16) & 1 == 1
prot = lambda p: p in ("1", "True")
json.dump({
    "tshark": subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    "key": "wpa-pwd (the truth file's passphrase, SSID voice)",
    "protected_frames": len(run("wlan.fc.protected == 1", ["frame.number"], *plain)),
    "protected_group_frames": len(run("wlan.fc.type == 2 && wlan.fc.protected == 1 && wlan.da[0] & 1",
                                      ["frame.number"], *plain)),
    "rtp_without_key": len(run("rtp", fields, *plain)),
    "decrypted_rtp": [[int(f), s, int(q)] for f, p, da, s, q in rows if prot(p) and not group(da)],
    "decrypted_group_rtp": [[int(f), s, int(q), da] for f, p, da, s, q in rows
                            if prot(p) and group(da)],
}, sys.stdout, indent=1)
print()
PY
}
record multicast-voice multicast-voice --seed 1
