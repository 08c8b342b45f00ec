#!/usr/bin/env bash
# Times `roamgap analyze` against tshark's RTP stream analysis and against a plain walk of the
# record headers, on the same large generated capture, and prints a table of wall time,
# throughput, peak RSS and peak anonymous memory, with the ratios.
#
#   benches/compare.sh                  # 50 phones, 10 minutes (~820 MB)
#   PHONES=50 MINUTES=10 RUNS=5 benches/compare.sh
#   BEFORE=target/bench/roamgap-before benches/compare.sh   # adds rows for another build
#
# Installs tshark (Debian package) when it is missing. Needs bash, awk and /proc.
set -euo pipefail
cd "$(dirname "$0")/.."

PHONES=${PHONES:-50}
MINUTES=${MINUTES:-10}
RUNS=${RUNS:-5}
DIR=${DIR:-target/bench}
mkdir -p "$DIR"
CAP="$DIR/big-${PHONES}x${MINUTES}.pcap"

cargo build --release --quiet
BIN=target/release/roamgap

if ! command -v tshark >/dev/null; then
    echo "installing tshark..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq tshark >/dev/null
fi

[ -f "$CAP" ] || "$BIN" gen big --phones "$PHONES" --minutes "$MINUTES" --seed 1 -o "$CAP"
BYTES=$(stat -c %s "$CAP")
FRAMES=$("$BIN" info "$CAP" | awk '{for (i = 1; i <= NF; i++) if ($(i+1) == "records,") print $i}')
cat "$CAP" >/dev/null # into the page cache: every tool reads it from memory

# run LABEL CMD...: wall seconds, peak RSS kB (VmHWM) and peak anonymous kB (RssAnon, sampled
# every 2 ms) of one run.
run() {
    local start end pid anon=0 hwm=0 a h
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        read -r a h < <(awk '/^RssAnon/ {a = $2} /^VmHWM/ {h = $2} END {print a + 0, h + 0}' "/proc/$pid/status" 2>/dev/null || echo "0 0")
        ((a > anon)) && anon=$a
        ((h > hwm)) && hwm=$h
        sleep 0.002
    done
    wait "$pid"
    end=$(date +%s.%N)
    echo "$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", e - s}') $hwm $anon"
}

# best LABEL RUNS CMD...: the fastest of RUNS runs (memory: the largest seen).
best() {
    local label=$1 runs=$2 t m a bt=999999 bm=0 ba=0
    shift 2
    for _ in $(seq "$runs"); do
        read -r t m a < <(run "$@")
        bt=$(awk -v x="$t" -v y="$bt" 'BEGIN {print (x < y) ? x : y}')
        ((m > bm)) && bm=$m
        ((a > ba)) && ba=$a
    done
    echo "$label $bt $bm $ba"
}

RESULTS=$(
    best "plain-read(dd)" "$RUNS" dd if="$CAP" of=/dev/null bs=1M
    best "record-walk(roamgap-info)" "$RUNS" "$BIN" info "$CAP"
    best "roamgap-analyze-1-thread" "$RUNS" env RAYON_NUM_THREADS=1 "$BIN" analyze "$CAP"
    best "roamgap-analyze-2-threads" "$RUNS" env RAYON_NUM_THREADS=2 "$BIN" analyze "$CAP"
    best "roamgap-analyze-all-cores" "$RUNS" "$BIN" analyze "$CAP"
    if [ -n "${BEFORE:-}" ]; then
        # Another build (e.g. a copy of the binary before a change), on the same file in the
        # same run: the ratio is the change's cost or gain.
        best "before-analyze-1-thread" "$RUNS" env RAYON_NUM_THREADS=1 "$BEFORE" analyze "$CAP"
        best "before-analyze-all-cores" "$RUNS" "$BEFORE" analyze "$CAP"
    fi
    best "tshark-rtp-streams" 1 tshark -q -o rtp.heuristic_rtp:TRUE -z rtp,streams -r "$CAP"
)

echo "capture: $CAP, $BYTES bytes, $FRAMES frames; $(nproc) cores; $(tshark -v | head -1)"
echo "$RESULTS" | awk -v bytes="$BYTES" -v frames="$FRAMES" '
    { name[NR] = $1; t[NR] = $2; rss[NR] = $3; anon[NR] = $4; if ($1 == "roamgap-analyze-all-cores") ours = $2 }
    END {
        printf "| %-27s | %8s | %9s | %12s | %9s | %10s | %12s |\n", "tool", "wall s", "MB/s", "frames/s", "peak RSS MB", "peak anon MB", "÷ roamgap"
        printf "|%s|%s|%s|%s|%s|%s|%s|\n", "-----------------------------", "----------", "-----------", "--------------", "-----------", "------------", "--------------"
        for (i = 1; i <= NR; i++)
            printf "| %-27s | %8.3f | %9.0f | %12.0f | %11.1f | %12.1f | %12.2f |\n", name[i], t[i], bytes / 1e6 / t[i], frames / t[i], rss[i] / 1024, anon[i] / 1024, t[i] / ours
    }'
