#!/usr/bin/env bash
# Whole-program timing of `commune-sim run` (release build): wall time and peak memory from
# /usr/bin/time -v, for each scale and thread count, median (and min, max) of N runs, with the
# simulation's own split (world build, stepping) from the run folder's timing.toml, and the
# instruction set the team loops ran in (simd: avx2 or baseline; COMMUNE_SIM_SIMD=off forces
# the baseline). Each run writes everything a run writes: CSV tables, charts (PNG and SVG) and
# report.html.
#
# Usage: benches/run.sh [-n RUNS] [-s "SCALES"] [-t "THREADS"] [-c OTHER_BIN] [SCENARIO]
#   defaults: -n 5 -s "0.01 0.1 1.0" -t "1 2" scenarios/historical.toml
#   COMMUNE_SIM_BIN=path times that binary instead of building ./target/release/commune-sim.
#   -c OTHER_BIN also times OTHER_BIN, alternating run by run with the first binary (A, then
#   B, in each round), so that both see the same minutes of the machine; a row for each (bin
#   A and B) and the ratio of their median wall times (B ÷ A). To compare two versions, this
#   is the measure: on a shared machine, runs minutes apart differ more than most changes.
# The load average is printed with every row: timings taken while other work runs on the
# machine are slower than the machine can do.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
scales="0.01 0.1 1.0"
threads_list="1 2"
other=""
while getopts "n:s:t:c:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) scales=$OPTARG ;;
    t) threads_list=$OPTARG ;;
    c) other=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-s SCALES] [-t THREADS] [-c OTHER_BIN] [SCENARIO]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
scenario=${1:-scenarios/historical.toml}

if [ -n "${COMMUNE_SIM_BIN:-}" ]; then
  bin=$COMMUNE_SIM_BIN
else
  cargo build --release --quiet
  bin=./target/release/commune-sim
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Median, min and max of the numbers on stdin.
stats() { sort -g | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
  printf "%.3f %.3f %.3f\n", m, v[1], v[NR]}'; }

bins=("$bin")
[ -n "$other" ] && bins+=("$other")
for b in "${bins[@]}"; do
  [ -x "$b" ] && [ -f "$b" ] || { echo "error: $b is not an executable file (a commune-sim binary to time)" >&2; exit 2; }
done

echo "commune-sim run $scenario --scale S --threads T --out DIR --quiet; $runs runs each"
echo "$bin; $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
[ -n "$other" ] && echo "bin A: $bin; bin B: $other (alternating, A first in each round)"
[ -n "$other" ] && printf 'bin '
printf '%-6s %-3s %8s %8s %8s %8s %8s %8s %8s %11s %-8s  %s\n' scale thr wall_med wall_min \
  wall_max build_s sim_s teams peak_MB team_mo/s simd load
for scale in $scales; do
  for threads in $threads_list; do
    # One line per run and binary: load, wall, build, stepping, peak memory.
    for b in "${!bins[@]}"; do : > "$out/runs.$b"; done
    for _ in $(seq "$runs"); do
      for b in "${!bins[@]}"; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        /usr/bin/time -v -o "$out/time" "${bins[$b]}" run "$scenario" --scale "$scale" \
          --threads "$threads" --out "$out/run$b" --force --quiet > "$out/stdout"
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
          for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$out/time")
        peak=$(awk -F': ' '/Maximum resident set size/ {print $2 / 1024}' "$out/time")
        build=$(awk '/^build_seconds/ {print $3}' "$out/run$b/timing.toml")
        sim=$(awk '/^simulate_seconds/ {print $3}' "$out/run$b/timing.toml")
        echo "$load $wall $build $sim $peak" >> "$out/runs.$b"
      done
    done
    medians=()
    for b in "${!bins[@]}"; do
      read -r wmed wmin wmax < <(awk '{print $2}' "$out/runs.$b" | stats)
      read -r bmed _ _ < <(awk '{print $3}' "$out/runs.$b" | stats)
      read -r smed _ _ < <(awk '{print $4}' "$out/runs.$b" | stats)
      pmax=$(awk '{print $5}' "$out/runs.$b" | sort -g | tail -1)
      loads=$(awk '{print $1}' "$out/runs.$b" | paste -sd, -)
      teams=$(awk -F, 'NR == 2 {y = $3} NR > 1 && $3 == y {s += $8} END {print s}' \
        "$out/run$b/communes_yearly.csv")
      months=$(awk -F, 'NR > 1' "$out/run$b/national_monthly.csv" | wc -l)
      rate=$(awk -v t="$teams" -v m="$months" -v s="$smed" 'BEGIN {printf "%.3g", t * m / s}')
      simd=$(awk -F'"' '/^simd/ {print $2}' "$out/run$b/timing.toml")
      [ -n "$other" ] && printf '%-3s ' "$( [ "$b" = 0 ] && echo A || echo B)"
      printf '%-6s %-3s %8s %8s %8s %8s %8s %8.0f %8.0f %11s %-8s  %s\n' "$scale" "$threads" \
        "$wmed" "$wmin" "$wmax" "$bmed" "$smed" "$teams" "$pmax" "$rate" "${simd:-?}" "$loads"
      medians+=("$wmed")
    done
    if [ -n "$other" ]; then
      awk -v a="${medians[0]}" -v b="${medians[1]}" \
        'BEGIN {printf "    B / A, median wall: %.3f\n", (a > 0) ? b / a : 0}'
    fi
  done
done
