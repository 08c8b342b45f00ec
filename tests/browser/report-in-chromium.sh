#!/bin/sh
# Opens the HTML report of a bundled sample in a real headless browser (Debian's Chromium,
# installed here if missing), with every network name unresolvable and a network log, and
# checks that it rendered whole and fetched nothing. Leaves the screenshot, the rendered DOM
# and the network log in target/browser/.
#
#   tests/browser/report-in-chromium.sh [CAPTURE]      (default samples/multi-phone.pcapng)
set -eu
cd "$(dirname "$0")/../.."
capture=${1:-samples/multi-phone.pcapng}
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -q && apt-get install -y -q chromium
fi
cargo build --release -q
out=target/browser
rm -rf "$out"
mkdir -p "$out"
./target/release/roamgap report -q "$capture" -o "$out/report"
page="file://$PWD/$out/report/index.html"

browse() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$out/profile" \
        --virtual-time-budget=3000 "$@" "$page" 2>>"$out/chromium.log"
}
browse --window-size=1300,2600 --screenshot="$out/report.png" --log-net-log="$out/net-log.json"
browse --dump-dom >"$out/dom.html"
# The roam table sorted by its uplink gap, largest first, through the page's own script.
page="$page#sort=roams-7-desc"
browse --dump-dom >"$out/dom-sorted.html"

python3 - "$out" <<'PY'
import json, re, struct, sys
out = sys.argv[1]
png = open(f"{out}/report.png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
w, h = struct.unpack(">II", png[16:24])
dom = open(f"{out}/dom.html", encoding="utf-8").read()
src = open(f"{out}/report/index.html", encoding="utf-8").read()
svgs = dom.count("<svg")
assert svgs == src.count("<svg") and svgs > 0, f"{svgs} plots in the DOM"
# The script ran: it marks every heading of the sortable tables.
sortable = len(re.findall(r'<table class="sortable', src))
marked = dom.count('title="sort"')
assert sortable > 0 and marked > 0, f"sorting script did not run ({marked} headings)"
# The page requested nothing from the network. (Chromium's own background requests, at IDLE
# priority, are not the page's; a page's image, script or style loads are not IDLE.)
log = open(f"{out}/net-log.json", encoding="utf-8", errors="replace").read()
requests = re.findall(r'"priority":"([A-Z]+)","traffic_annotation":\d+,"url":"([^"]+)"', log)
fetched = sorted({u for p, u in requests if p != "IDLE"})
assert not fetched, f"the report fetched {fetched}"
# Sorted: the uplink gaps (the rows' fifth sort value) in descending order, as the script left them.
sorted_dom = open(f"{out}/dom-sorted.html", encoding="utf-8").read()
rows = re.findall(r'<tr class="roam">(.*?)</tr>', sorted_dom)
gaps = [float(re.findall(r'data-v="([^"]*)"', r)[4]) for r in rows]
assert len(gaps) > 1 and gaps == sorted(gaps, reverse=True), f"not sorted: {gaps}"
findings = dom.count('<tr class="finding">')
roams = dom.count('<tr class="roam">')
print(f"screenshot {w}x{h}; {svgs} plots, {roams} roams, {findings} findings, "
      f"{marked} sortable headings, roams sorted by uplink gap {gaps[0]:.1f} ms first, nothing fetched ({len(requests)} background requests of Chromium's own)")
PY
echo "ok: $out/report.png"
