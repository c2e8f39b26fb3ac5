#!/usr/bin/env bash
# Measures, under Xvfb, the kiosk's cold start to its first frame (the
# window mapped by the X server) and its resident memory after start-up,
# in both orientations. Needs: xvfb xdotool. Run: make bench-ui
set -euo pipefail
cd "$(dirname "$0")/.."
for t in Xvfb xdotool; do command -v $t >/dev/null || { echo "bench-startup: $t missing (apt-get install -y xvfb xdotool)"; exit 2; }; done
runs=${RUNS:-5}
for orient in portrait landscape; do
  size=1080x1920; [ $orient = landscape ] && size=1920x1080
  export DISPLAY=:93
  Xvfb $DISPLAY -screen 0 ${size}x24 >/dev/null 2>&1 & xvfb=$!
  sleep 1
  total=0; rss=0
  for i in $(seq $runs); do
    start=$(date +%s%N)
    ./bin/kiosk --sim --fullscreen --orientation $orient --error-window=false >/dev/null 2>&1 & pid=$!
    xdotool search --sync --onlyvisible --name "政务服务自助终端" >/dev/null
    end=$(date +%s%N)
    sleep 3
    r=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
    kill $pid; wait $pid 2>/dev/null || true
    total=$((total + (end-start)/1000000)); rss=$((rss + r/1024))
  done
  kill $xvfb; wait $xvfb 2>/dev/null || true
  echo "$orient: first frame $((total/runs)) ms, RSS $((rss/runs)) MB (mean of $runs; --sim, simulators and platform in-process)"
done
echo "binary: $(du -m bin/kiosk | cut -f1) MB, of which the embedded CJK font is $(du -m assets/fonts/NotoSansCJKsc-Regular.otf | cut -f1) MB"
