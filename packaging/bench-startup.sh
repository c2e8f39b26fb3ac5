#!/usr/bin/env bash
# Measures, under Xvfb, the kiosk's cold start to its first screen and its
# resident (RSS) and proportional (PSS, /proc/PID/smaps_rollup) memory
# once settled, in both orientations and two set-ups:
#   product: the kiosk as deployed, with a profile, its devices on serial
#            ports (device simulators in their own processes, on ptys) and
#            the platform simulator in its own process;
#   --sim:   kiosk --sim, with the device and platform simulators and the
#            simulator control panel (beside the kiosk in its window) inside the process.
# "first screen" is the kiosk's own log line "first screen drawn", taken
# from exec; "mapped" is when the X server shows the window (xdotool).
# Needs: xvfb xdotool. Run: make bench-ui
set -euo pipefail
cd "$(dirname "$0")/.."
for t in Xvfb xdotool; do command -v $t >/dev/null || { echo "bench-startup: $t missing (apt-get install -y xvfb xdotool)"; exit 2; }; done
runs=${RUNS:-5}
settle=${SETTLE:-8}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# The product set-up: simulators in their own processes.
./bin/platformsim --listen 127.0.0.1:18451 >"$work/platform.log" 2>&1 & pids+=($!)
./bin/platformsim --listen 127.0.0.1:18450 --province 50 >"$work/platform50.log" 2>&1 & pids+=($!)
port_of() { # device: starts its simulator, prints its pty
  local log="$work/$1.log"
  ./bin/kioskctl sim "$1" >"$log" 2>&1 & pids+=($!)
  for _ in $(seq 100); do
    p=$(sed -n 's/^simulator on //p' "$log")
    [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.05
  done
  echo "bench-startup: $1 simulator did not start" >&2; exit 1
}
idcard=$(port_of idcard); printer=$(port_of printer); scanner=$(port_of scanner)
cat >"$work/bench.yaml" <<EOF
kiosk_id: BENCH-0001
hall_name: 基准测试大厅
division_code: "510107"
data_dir: $work/data
platform:
  sichuan: {url: "http://127.0.0.1:18451"}
  chongqing: {url: "http://127.0.0.1:18450"}
devices:
  idcard: {driver: sam, port: $idcard, baud: 115200}
  scanner: {driver: serial, port: $scanner, baud: 9600}
  printer: {driver: escpos, port: $printer, baud: 115200}
EOF
./bin/kioskctl profile check "$work/bench.yaml" >/dev/null

measure() { # setup orient: prints mean first screen, mapped, settled RSS and PSS
  local setup=$1 orient=$2 total=0 mapped=0 rss=0 pss=0
  for i in $(seq $runs); do
    args=(--fullscreen --orientation "$orient" --error-window=false)
    if [ "$setup" = sim ]; then args+=(--sim); else args+=(--profile "$work/bench.yaml"); fi
    start=$(date +%s%N)
    ./bin/kiosk "${args[@]}" >/dev/null 2>"$work/kiosk.log" & pid=$!
    until xdotool search --onlyvisible --name "政务服务自助终端" >/dev/null 2>&1; do sleep 0.01; done
    end=$(date +%s%N)
    sleep "$settle"
    r=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
    # PSS: shared pages (libraries, the binary's file pages) divided among
    # the processes that map them, what the kiosk costs the machine.
    p=$(awk '/^Pss:/{print $2}' /proc/$pid/smaps_rollup)
    kill $pid; wait $pid 2>/dev/null || true
    first=$(sed -n 's/.*first screen drawn.*since_exec_ms=\([0-9]*\).*/\1/p' "$work/kiosk.log" | head -1)
    total=$((total + ${first:-0})); mapped=$((mapped + (end-start)/1000000)); rss=$((rss + r/1024)); pss=$((pss + p/1024))
  done
  echo "$orient, $setup: first screen $((total/runs)) ms (window mapped $((mapped/runs)) ms), RSS $((rss/runs)) MiB, PSS $((pss/runs)) MiB after ${settle} s (mean of $runs)"
}

for orient in portrait landscape; do
  size=1080x1920; [ $orient = landscape ] && size=1920x1080
  export DISPLAY=:93
  Xvfb $DISPLAY -screen 0 ${size}x24 >/dev/null 2>&1 & xvfb=$!
  sleep 1
  measure product $orient
  measure sim $orient
  kill $xvfb; wait $xvfb 2>/dev/null || true
done
echo "binary: $(du -m bin/kiosk | cut -f1) MB, of which the embedded CJK font is $(du -m assets/fonts/NotoSansCJKsc-Regular.otf | cut -f1) MB"
