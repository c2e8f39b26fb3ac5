#!/usr/bin/env bash
# Measures how many simulated kiosks one broker process carries, on this
# machine, and how fast a kiosk that vanishes shows as offline:
#   embedded:  bin/hallserver with its embedded broker (mochi-mqtt);
#   mosquitto: a mosquitto process, bin/hallserver following it as a client.
# For each N: a fresh broker and hall server, N kiosks from `kioskctl
# fleet-sim` (real MQTT v5 connections, health every HEARTBEAT, split
# across processes of at most PER_PROC kiosks, connecting at RATE per
# second in all), then
#   connect   seconds from starting the fleet until the dashboard
#             (GET /api/kiosks) counts all N online;
#   RSS, CPU  of the broker process (and of the hall server when it is a
#             client of mosquitto) over STEADY seconds of steady state,
#             from /proc/PID/stat and /proc/PID/status;
#   staleness now - the oldest last_seen among online kiosks, sampled
#             during the steady window (max over the samples; it should
#             stay near one heartbeat);
#   API       /api/kiosks response time (median and max) and size.
# With the largest N still connected, offline detection: OFF_N more kiosks
# with keep-alive K in their own fleet-sim process, frozen with SIGSTOP
# (no DISCONNECT, no FIN: only the broker's keep-alive finds them), then
# for each the time to its offline state on the dashboard (its state_at)
# from the freeze and from its last message (its last_seen): the MQTT spec
# lets the broker wait 1.5 x K after the last message. And the fast path,
# SIGKILL (the kernel closes the sockets, the will goes out at once).
#
#   packaging/bench-fleet.sh                 # full run, about 15 minutes
#   QUICK=1 packaging/bench-fleet.sh         # smoke test, about 2 minutes
#   NS="1000 20000" BROKERS=mosquitto packaging/bench-fleet.sh
#
# Knobs: NS, BROKERS, HEARTBEAT, STEADY, RATE, PER_PROC, OFF_N,
# KEEPALIVES, KEEP=1 (keep the work directory with the logs).
# Needs: make build, curl, python3; mosquitto for the mosquitto runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${QUICK:-0}" = 1 ]; then
  NS=${NS:-"200 500"}; HEARTBEAT=${HEARTBEAT:-5s}; STEADY=${STEADY:-15}
  OFF_N=${OFF_N:-10}; KEEPALIVES=${KEEPALIVES:-"6"}
else
  NS=${NS:-"1000 5000 10000"}; HEARTBEAT=${HEARTBEAT:-30s}; STEADY=${STEADY:-60}
  OFF_N=${OFF_N:-50}; KEEPALIVES=${KEEPALIVES:-"60 10"}
fi
BROKERS=${BROKERS:-"embedded mosquitto"}
RATE=${RATE:-500}         # kiosk connections started per second, all fleet-sim processes together
PER_PROC=${PER_PROC:-5000} # kiosks per fleet-sim process
MOSQUITTO=${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
BIN=${BIN:-bin}           # where hallserver and kioskctl are

for t in curl python3; do command -v $t >/dev/null || { echo "bench-fleet: $t missing"; exit 2; }; done
for b in "$BIN/hallserver" "$BIN/kioskctl"; do [ -x "$b" ] || { echo "bench-fleet: $b missing: run make build"; exit 2; }; done
case " $BROKERS " in *" mosquitto "*) [ -x "$MOSQUITTO" ] || { echo "bench-fleet: mosquitto missing (apt-get install -y mosquitto)"; exit 2; } ;; esac
if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
  systemctl stop mosquitto || true # Debian's broker service would compete for the CPU
fi

maxn=0; for n in $NS; do [ "$n" -gt "$maxn" ] && maxn=$n; done
# Every process inherits this: the broker holds a descriptor per kiosk,
# a fleet-sim process one per kiosk it simulates.
need=$((maxn + 2 * OFF_N + 1024))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  echo "bench-fleet: open files limited to $(ulimit -n) (hard $(ulimit -Hn)), $need needed for N=$maxn" >&2
  exit 2
fi

work=$(mktemp -d /tmp/bench-fleet.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "bench-fleet: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The dashboard's JSON, read by one helper.
cat >"$work/an.py" <<'EOF'
import json, re, statistics, sys
from datetime import datetime

def ts(s):
    m = re.match(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$', s or '')
    if not m or s.startswith('0001-'):
        return None
    tz = '+00:00' if m.group(3) == 'Z' else m.group(3)
    return datetime.fromisoformat(m.group(1) + tz).timestamp() + float('0' + (m.group(2) or ''))

cmd, path = sys.argv[1], sys.argv[2]
try:
    d = json.load(open(path))
except Exception:
    d = {'kiosks': [], 'counts': {}, 'now': None}
ks = d.get('kiosks') or []
if cmd == 'summary':  # online offline stale staleness_s
    c = d.get('counts') or {}
    now = ts(d.get('now'))
    seen = [ts(k['last_seen']) for k in ks if k['status'] in ('online', 'stale') and ts(k['last_seen'])]
    stale = now - min(seen) if seen and now else float('nan')
    print(c.get('online', 0), c.get('offline', 0), c.get('stale', 0), '%.1f' % stale)
elif cmd == 'count':  # kiosks with this prefix in this status
    prefix, status = sys.argv[3], sys.argv[4]
    print(sum(1 for k in ks if k['kiosk'].startswith(prefix) and k['status'] == status))
elif cmd == 'detect':
    # detected total, then the seconds to the offline state_at from t0
    # (min median max) and from the kiosk's last message, its last_seen
    # (max): the broker's own delay, which the MQTT spec bounds by 1.5 x K.
    # last_seen is the last message only while no PINGREQ went out after
    # it, that is when t0 - last_seen < K.
    prefix, t0, k = sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    mine = [v for v in ks if v['kiosk'].startswith(prefix)]
    off = [v for v in mine if v['status'] == 'offline']
    dt = sorted(ts(v['state_at']) - t0 for v in off)
    dl = [ts(v['state_at']) - ts(v['last_seen']) for v in off if t0 - ts(v['last_seen']) < k]
    f = lambda x: '%.1f' % x
    if dt:
        print(len(dt), len(mine), f(dt[0]), f(statistics.median(dt)), f(dt[-1]), f(max(dl)) if dl else '-')
    else:
        print(0, len(mine), '-', '-', '-', '-')
EOF
an() { python3 "$work/an.py" "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_tcp() { # port seconds
  local i
  for i in $(seq $(($2 * 10))); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
ticks() { # pid: utime+stime in clock ticks (0 when gone)
  if [ -r "/proc/$1/stat" ]; then sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; else echo 0; fi
}
rss_mb() { # pid: resident set in MiB
  awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0
}
hwm_mb() { # pid: peak resident set in MiB
  awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0
}
sys_ticks() { awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; } # total idle
hz=$(getconf CLK_TCK)
now() { date +%s.%N; }
pct() { awk -v t="$1" -v hz="$hz" -v el="$el" 'BEGIN {printf "%.1f", 100 * t / hz / el}'; } # ticks over $el seconds
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
stop() { # pids: TERM, then KILL what is left after 20 s
  local p
  for p in "$@"; do kill -CONT "$p" 2>/dev/null || true; kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}

servers_alive() { kill -0 "$BROKER_PID" 2>/dev/null && kill -0 "$HALL_PID" 2>/dev/null; }
died() { # what a server that died left in its log
  echo "bench-fleet: a server died (another process may have signalled it); its logs end with:" >&2
  local f
  for f in $LOGS; do [ -f "$f" ] && { echo "-- $f" >&2; grep -v 'read connection: EOF\|use of closed' "$f" | tail -5 >&2; }; done
}

# The dashboard API needs a logged-in operator: each hall server gets its
# own data dir with an administrator made from a password file
# (hallserver admin init), and the bench logs in as it (login sets
# SESSION, the session cookie, which api sends).
HALL_PW="bench-fleet administrator $(date +%s%N)"
hall_init() { # data-dir
  printf '%s\n' "$HALL_PW" >"$work/admin.pw"
  "$BIN/hallserver" admin init --password-file "$work/admin.pw" --data-dir "$1" >/dev/null
}
login() {
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"name": "admin", "password": sys.argv[1]}))' "$HALL_PW")
  SESSION=$(curl -s -m 30 -D - -o /dev/null -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$HTTP_PORT" \
    --data "$body" "http://127.0.0.1:$HTTP_PORT/api/login" | grep -io '__Host-hall_session=[^;]*' | head -1)
  [ -n "$SESSION" ] || { echo "bench-fleet: cannot log in to the dashboard" >&2; exit 1; }
}

# api saves /api/kiosks in $work/k.json and prints "seconds bytes".
api() { curl -s -m 60 -H "Cookie: $SESSION" -o "$work/k.json" -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$HTTP_PORT/api/kiosks" || echo "nan 0"; }

# start_broker kind: sets BROKER_PID, HALL_PID (the same process when
# embedded), MQTT_PORT, HTTP_PORT.
start_broker() {
  MQTT_PORT=$(free_port); HTTP_PORT=$(free_port)
  local log="$work/$1-$MQTT_PORT"
  LOGS="$log.*.log"
  if [ "$1" = embedded ]; then
    hall_init "$log.data"
    "$BIN/hallserver" --mqtt 127.0.0.1:$MQTT_PORT --http 127.0.0.1:$HTTP_PORT --data-dir "$log.data" >"$log.hall.log" 2>&1 & HALL_PID=$!
    pids+=($HALL_PID); BROKER_PID=$HALL_PID
  else
    cat >"$log.conf" <<EOF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
max_connections -1
persistence false
log_dest stderr
log_type error
log_type warning
connection_messages false
EOF
    chmod 644 "$log.conf"
    "$MOSQUITTO" -c "$log.conf" >"$log.mosquitto.log" 2>&1 & BROKER_PID=$!
    pids+=($BROKER_PID)
    wait_tcp "$MQTT_PORT" 10 || { echo "bench-fleet: mosquitto did not start:"; cat "$log.mosquitto.log"; exit 1; }
    hall_init "$log.data"
    "$BIN/hallserver" --broker mqtt://127.0.0.1:$MQTT_PORT --http 127.0.0.1:$HTTP_PORT --data-dir "$log.data" >"$log.hall.log" 2>&1 & HALL_PID=$!
    pids+=($HALL_PID)
  fi
  wait_tcp "$HTTP_PORT" 10 || { echo "bench-fleet: hallserver did not start:"; cat "$log.hall.log"; exit 1; }
  login
}

# start_fleet n prefix keepalive ramp_s: sets FLEET (the fleet-sim pids).
start_fleet() {
  local n=$1 prefix=$2 ka=$3 ramp=$4 i=0 left=$1 part
  FLEET=()
  while [ "$left" -gt 0 ]; do
    i=$((i + 1)); part=$((left < PER_PROC ? left : PER_PROC)); left=$((left - part))
    "$BIN/kioskctl" fleet-sim --kiosks "$part" --broker "mqtt://127.0.0.1:$MQTT_PORT" --prefix "$prefix$i-" \
      --heartbeat "$HEARTBEAT" --keepalive "$ka" --ramp "${ramp}s" >"$work/fleet-$prefix$i-$MQTT_PORT.log" 2>&1 &
    FLEET+=($!); pids+=($!)
  done
}

# wait_online prefix want timeout_s: polls until want kiosks with prefix
# are online; prints the seconds it took from $t0 (or ">timeout").
wait_online() {
  local deadline=$(($(date +%s) + $3)) got
  while :; do
    api >/dev/null
    got=$(an count "$work/k.json" "$1" online)
    [ "$got" -ge "$2" ] && { secs "$t0" "$(now)"; return; }
    servers_alive || { echo "died"; return; }
    [ "$(date +%s)" -ge "$deadline" ] && { echo ">$3 ($got)"; return; }
    sleep 2
  done
}

results=()  # the load table
offline=()  # the offline detection table

# vanish kind K how: OFF_N kiosks with keep-alive K, frozen (stop) or
# killed (kill); appends a row to offline.
vanish() {
  local kind=$1 k=$2 how=$3 prefix p tv t0 deadline got row
  if [ "$how" = stop ]; then prefix="OFF$k-"; else prefix="KILL$k-"; fi
  servers_alive || return 0
  t0=$(now)
  start_fleet "$OFF_N" "$prefix" "${k}s" 1
  local fl=("${FLEET[@]}")
  wait_online "$prefix" "$OFF_N" 120 >/dev/null
  servers_alive || { died; stop "${fl[@]}"; return; }
  # At once: the kiosks' last message is then their first report, and
  # the time to offline is close to the broker's whole keep-alive delay.
  tv=$(now)
  for p in "${fl[@]}"; do
    if [ "$how" = stop ]; then kill -STOP "$p"; else kill -KILL "$p"; { wait "$p"; } 2>/dev/null || true; fi
  done
  deadline=$(($(date +%s) + 3 * k / 2 + 60))
  while :; do
    sleep 2
    api >/dev/null
    got=$(an count "$work/k.json" "$prefix" offline)
    [ "$got" -ge "$OFF_N" ] && break
    [ "$(date +%s)" -ge "$deadline" ] && break
  done
  servers_alive || { died; stop "${fl[@]}"; return; }
  read -r det tot mn md mx ml < <(an detect "$work/k.json" "$prefix" "$tv" "$k")
  local lim verdict
  lim=$(awk -v k="$k" 'BEGIN {printf "%.0f", 1.5 * k}')
  # The worst case is a kiosk that vanishes right after a message: the
  # delay from its last message, or from the freeze when that is unknown.
  # Both ends are the hall server's receive times: half a second of
  # slack covers its own handling of the two messages.
  verdict=$(awk -v m="$mx" -v w="$ml" -v l="$lim" -v d="$det" -v t="$tot" 'BEGIN {
    if (w == "-") w = m
    if (d < t || w == "-") print "MISSED " t - d
    else if (w <= l) print "ok"
    else if (w <= l + 0.5) printf "ok (+%.1fs: timestamps)\n", w - l
    else printf "over by %.1fs\n", w - l }')
  row=$(printf '%-9s %7s %5ss %-5s %5s %6s %6s %6s %8s %6s  %s' "$kind" "$N" "$k" "$how" "$det/$tot" "$mn" "$md" "$mx" "$ml" "$lim" "$verdict")
  offline+=("$row"); echo "  offline: $row"
  stop "${fl[@]}"
}

for kind in $BROKERS; do
  for N in $NS; do
    echo "== $kind, N=$N ($(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg))"
    start_broker "$kind"
    ramp=$(awk -v n="$N" -v r="$RATE" 'BEGIN {printf "%.1f", n / r}')
    t0=$(now)
    start_fleet "$N" "SIM" 60s "$ramp"
    main=("${FLEET[@]}")
    connect=$(wait_online "SIM" "$N" $((N / RATE + 180)))
    echo "  all online after ${connect}s (ramp ${ramp}s)"
    if ! servers_alive; then
      died; results+=("$(printf '%-9s %6s  the broker or hall server died while the kiosks connected' "$kind" "$N")")
      stop "${main[@]}"; stop "$HALL_PID" "$BROKER_PID"; continue
    fi
    # The steady window: CPU from tick counters, staleness and API from
    # samples; heap growth shows in RSS at both ends.
    rss0=$(rss_mb "$BROKER_PID")
    b0=$(ticks "$BROKER_PID"); h0=$(ticks "$HALL_PID"); f0=0; for p in "${main[@]}"; do f0=$((f0 + $(ticks "$p"))); done
    read -r s0 i0 < <(sys_ticks); w0=$(now)
    lat=(); stalemax=0; stalecnt=0; size=0; minon=$N
    samples=6
    for s in $(seq $samples); do
      sleep $((STEADY / samples))
      read -r t size < <(api)
      read -r on _ st staleness < <(an summary "$work/k.json")
      lat+=("$t")
      stalemax=$(awk -v a="$stalemax" -v b="$staleness" 'BEGIN {print (b > a) ? b : a}')
      [ "$st" -gt "$stalecnt" ] && stalecnt=$st
      [ "$on" -lt "$minon" ] && minon=$on
    done
    w1=$(now); read -r s1 i1 < <(sys_ticks)
    if ! servers_alive; then
      died; results+=("$(printf '%-9s %6s  the broker or hall server died in the steady window' "$kind" "$N")")
      stop "${main[@]}"; stop "$HALL_PID" "$BROKER_PID"; continue
    fi
    b1=$(ticks "$BROKER_PID"); h1=$(ticks "$HALL_PID"); f1=0; for p in "${main[@]}"; do f1=$((f1 + $(ticks "$p"))); done
    el=$(secs "$w0" "$w1")
    bcpu=$(pct $((b1 - b0))); fcpu=$(pct $((f1 - f0))); rss1=$(rss_mb "$BROKER_PID"); hwm=$(hwm_mb "$BROKER_PID")
    frss=0; for p in "${main[@]}"; do frss=$((frss + $(rss_mb "$p"))); done
    if [ "$HALL_PID" != "$BROKER_PID" ]; then hall="$(rss_mb "$HALL_PID")/$(pct $((h1 - h0)))"; else hall="-"; fi
    busy=$(awk -v t=$((s1 - s0)) -v i=$((i1 - i0)) 'BEGIN {printf "%.0f", 100 * (t - i) / t}')
    others=$(awk -v n="$(nproc)" -v b="$busy" -v x="$bcpu" -v f="$fcpu" -v h="${hall#*/}" 'BEGIN {o = b * n - x - f - (h == "-" ? 0 : h); printf "%.0f", o < 0 ? 0 : o}')
    read -r lmed lmax < <(printf '%s\n' "${lat[@]}" | sort -g | awk '{a[NR] = $1} END {printf "%.0f %.0f\n", 1000 * a[int((NR + 1) / 2)], 1000 * a[NR]}')
    row=$(printf '%-9s %6s %6s %8s %6s %14s %6s %9s %10s %6s %4s %5s/%-5s %6.1f %5s%% %5s%%' \
      "$kind" "$N" "${ramp}" "$connect" "$minon" "$rss0→$rss1/$hwm" "$bcpu" "$hall" "$frss/$fcpu" "$stalemax" "$stalecnt" \
      "$lmed" "$lmax" "$(awk -v s="$size" 'BEGIN {print s / 1048576}')" "$busy" "$others")
    results+=("$row"); echo "  $row"
    if [ "$N" = "$maxn" ]; then
      for K in $KEEPALIVES; do vanish "$kind" "$K" stop; done
      vanish "$kind" "$(echo $KEEPALIVES | awk '{print $1}')" kill
    fi
    stop "${main[@]}"
    stop "$HALL_PID" "$BROKER_PID"
  done
done

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "Fleet on one broker process: health every $HEARTBEAT, kiosk keep-alive 60s, $RATE connects/s, ≤$PER_PROC kiosks per fleet-sim process, steady window ${STEADY}s."
echo "RSS in MiB at the start→end of the steady window/peak; CPU in % of one core over it (the hall server's includes answering the 6 API samples);"
echo "hall = the hall server as mosquitto's client (RSS/CPU);"
echo "fleet = all fleet-sim processes (RSS/CPU); staleness = now - oldest last_seen of an online kiosk (max of 6 samples, s);"
echo "online = fewest online kiosks in a sample; API = GET /api/kiosks ms (median/max) and MiB; busy = whole machine; others = CPU% of processes not ours."
printf '%-9s %6s %6s %8s %6s %14s %6s %9s %10s %6s %4s %11s %6s %6s %6s\n' \
  broker N ramp_s connect_s online RSS_MB CPU% hall fleet stale_s n_st API_ms API_MB busy others
printf '%s\n' "${results[@]}"
if [ ${#offline[@]} -gt 0 ]; then
  echo
  echo "Offline detection: $OFF_N kiosks frozen (SIGSTOP: only the keep-alive notices) or killed (SIGKILL: sockets closed),"
  echo "seconds from then (min, median, max) and from each kiosk's last message (last msg: max) to the offline state_at"
  echo "on the dashboard, with N other kiosks connected; the MQTT spec lets the broker wait 1.5 x K after the last message."
  printf '%-9s %7s %6s %-5s %5s %6s %6s %6s %8s %6s  %s\n' broker N K how found min median max "last msg" 1.5K verdict
  printf '%s\n' "${offline[@]}"
fi
echo
echo "Host: $(nproc) cores ($cpu_model), $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr),"
echo "      open files $(ulimit -n), ephemeral ports $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range), somaxconn $(cat /proc/sys/net/core/somaxconn),"
echo "      $("$MOSQUITTO" -h 2>/dev/null | head -1 || true), $(go version 2>/dev/null | cut -d' ' -f3 || true), load now $(cut -d' ' -f1-3 /proc/loadavg)"
