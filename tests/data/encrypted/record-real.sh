#!/bin/sh
# Records, with tshark as the oracle, which frames of the real captures with a documented key
# (../shared/captures/real/external/SOURCES.md, relative to the repository root) tshark
# decrypts: real.tshark.json. Those captures are GPL files kept outside the repository.
#
# A frame counts as decrypted when it is protected and its protocol stack (`frame.protocols`)
# with the key differs from the one without (without a key tshark stops at `data` or the
# management frame's encrypted body; with it, it dissects LLC, EAPOL, IP, ... or the fixed
# fields). Needs tshark (Debian package `tshark`).
set -eu
cd "$(dirname "$0")"
ext=${EXTERNAL:-../../../../shared/captures/real/external}
python3 - "$ext" > real.tshark.json <<'PY'
import json, subprocess, sys
ext = sys.argv[1]
# (capture, key type as in Wireshark's 80211_keys, key)
CAPTURES = [
    ("aircrack-ng/wpa-psk-linksys.cap", "wpa-pwd", "dictionary:linksys"),
    ("aircrack-ng/wpa.cap", "wpa-pwd", "biscotte:test"),
    ("aircrack-ng/wpa2-psk-linksys.cap", "wpa-pwd", "dictionary:linksys"),
    ("aircrack-ng/n-02.cap", "wpa-pwd", "bo$$password:Neheb"),
    ("aircrack-ng/wep_64_ptw.cap", "wep", "1f1f1f1f1f"),
    ("aircrack-ng/capture_wds-01.cap", "wpa-pwd", "12345678:test1"),
    ("aircrack-ng/MOM1.cap", "wpa-pwd", "MOM12345:MOM1"),
    ("aircrack-ng/wpa2.eapol.cap", "wpa-pwd", "12345678:Harkonen"),
    ("aircrack-ng/zn2i.pcap", "wpa-pwd", "12345678:dlink"),
    ("aircrack-ng/test1.pcap", "wpa-pwd", "15211521:ogogo"),
    ("aircrack-ng/test23.pcap", "wpa-pwd", "12345678:WLAN-2"),
    ("aircrack-ng/testm1m2m3.pcap", "wpa-pwd", "12345678:WLAN-2"),
    ("aircrack-ng/test-pmkid.pcap", "wpa-pwd", "SP-91862D361:WLAN-771698"),
    ("aircrack-ng/wpa3-psk.pcap", "wpa-pwd", "abcdefgh:WPA3-Network"),
    ("cowpatty/wpa2psk-linksys.dump", "wpa-pwd", "dictionary:linksys"),
    ("cowpatty/wpapsk-linksys.dump", "wpa-pwd", "dictionary:linksys"),
    ("pyrit/wpa2psk-2WIRE972.dump.gz", "wpa-pwd", "helium02:2WIRE972"),
    ("pyrit/wpa2psk-MOM1.dump.gz", "wpa-pwd", "MOM12345:MOM1"),
    ("pyrit/wpa2psk-Red_Apple.dump.gz", "wpa-pwd", "password:Red Apple"),
    ("pyrit/wpa2psk-linksys.dump.gz", "wpa-pwd", "dictionary:linksys"),
    ("pyrit/wpapsk-linksys.dump.gz", "wpa-pwd", "dictionary:linksys"),
    ("pyrit/wpapsk-virgin_broadband.dump.gz", "wpa-pwd", "preinstall:virgin broadband"),
]
def stacks(cap, *opts):
    cmd = ["tshark", "-n", "-r", cap, *opts, "-Y", "wlan.fc.protected==1",
           "-T", "fields", "-e", "frame.number", "-e", "frame.protocols"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return dict(l.split("\t", 1) for l in out.splitlines())
rows = []
for name, kind, key in CAPTURES:
    cap = f"{ext}/{name}"
    plain = stacks(cap, "-o", "wlan.enable_decryption:FALSE")
    keyed = stacks(cap, "-o", "wlan.enable_decryption:TRUE",
                   "-o", f'uat:80211_keys:"{kind}","{key.replace("%", "%25")}"')
    decrypted = sorted(int(f) for f, p in keyed.items() if plain.get(f) != p)
    rows.append({"capture": name, "key_type": kind, "key": key,
                 "protected": len(plain), "decrypted": len(decrypted),
                 "decrypted_frames": decrypted})
json.dump({
    "tshark": subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    "how": "protected frames whose frame.protocols differ with and without the key",
    "captures": rows,
}, sys.stdout, indent=1)
print()
PY
