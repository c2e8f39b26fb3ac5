#!/usr/bin/env bash
# Starts bin/kiosk --sim under Xvfb, walks a citizen's visit with xdotool
# (card, item, phone, consent, submit) and saves the real window as
# docs/screenshot.png (idle screen) and docs/screenshot-done.png (receipt).
# Needs: xvfb xdotool imagemagick (apt-get install -y xvfb xdotool imagemagick).
set -euo pipefail
cd "$(dirname "$0")/.."
for t in Xvfb xdotool import; do command -v $t >/dev/null || { echo "screenshot: $t missing (apt-get install -y xvfb xdotool imagemagick)"; exit 2; }; done
export DISPLAY=:97
Xvfb $DISPLAY -screen 0 1720x1760x24 >/dev/null 2>&1 & xvfb=$!
trap 'kill $kiosk $xvfb 2>/dev/null || true' EXIT
sleep 1
./bin/kiosk --sim --scale 0.9 >/tmp/kiosk-screenshot.log 2>&1 & kiosk=$!
# The first frame comes in about a second, much later on a loaded machine:
# wait for the kiosk to say it drew it, then for the panel beside it.
for _ in $(seq 120); do grep -q "first screen drawn" /tmp/kiosk-screenshot.log && break; sleep 0.5; done
sleep 3
import -window root docs/screenshot.png
# One window: the kiosk's 1080x1920 design and the 800-wide simulator
# panel to its right, scaled by 0.9 (1692x1728 pixels; the panel from x 972).
click() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-0.6}"; }
click 485 1160            # 开始办理
click 1154 142 1.5        # panel: 放置身份证
click 485 662 1.5         # first item of the platform's catalogue: 社会保障卡申领
click 720 1597 1.5        # 开始填写 (the form must be up before the keypad is tapped)
for k in "172 1214" "798 1214" "486 1402" "172 1214" "486 1214" "798 1214" "172 1310" "486 1310" "798 1310" "172 1402" "486 1402"; do
  click $k 0.25           # 13812345678 on the keypad
done
click 250 578             # 领卡方式: 网点领取
click 720 1597            # 下一步
click 486 958             # 我已阅读并同意
click 720 1597 3          # 确认提交
import -window root docs/screenshot-done.png
echo "screenshot: docs/screenshot.png docs/screenshot-done.png"
