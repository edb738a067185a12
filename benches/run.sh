#!/usr/bin/env bash
# Whole-program timing of `commune-sim run` (release build) at several scales, with wall time
# and peak memory from /usr/bin/time. Usage: benches/run.sh [SCENARIO] [SCALES...]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/historical.toml}
shift || true
scales=${*:-0.01 0.1 1.0}
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-8s %-8s %10s %12s\n' scale threads wall_s peak_MB
for scale in $scales; do
  for threads in 1 2; do
    /usr/bin/time -f '%e %M' -o "$out/time" ./target/release/commune-sim run "$scenario" \
      --scale "$scale" --threads "$threads" --out "$out/run" --quiet
    read -r wall kb < "$out/time"
    printf '%-8s %-8s %10s %12.0f\n' "$scale" "$threads" "$wall" "$((kb / 1024))"
  done
done
