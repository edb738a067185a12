#!/usr/bin/env bash
# Builds the classroom page into web/dist/, a folder any static host can serve:
#   web/build.sh                          # then: python3 -m http.server -d web/dist 8000
#
# Needs the Rust toolchain (with rustup, for the wasm32-unknown-unknown target), Node.js and npm.
# Installs what is missing: the wasm32 target (rustup), wasm-bindgen-cli at exactly the version of
# the wasm-bindgen crate in Cargo.lock (cargo install, from crates.io; a few minutes, once), and the
# npm packages of web/package-lock.json (npm ci). Then compiles web/wasm to WebAssembly, runs
# wasm-bindgen on it, and copies the page (web/page/) and uPlot (from npm) beside it.
set -euo pipefail
web="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$web")"
cd "$root"

fail() { echo "error: $*" >&2; exit 1; }
command -v cargo >/dev/null || fail "cargo not found; install Rust (https://rustup.rs)"
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm not found; install Node.js 20 or later"

# 1. The wasm32 target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    command -v rustup >/dev/null || fail "the wasm32-unknown-unknown target is missing and rustup is not installed to add it"
    rustup target add wasm32-unknown-unknown || fail "rustup target add wasm32-unknown-unknown failed"
fi

# 2. wasm-bindgen-cli, at exactly the wasm-bindgen version in Cargo.lock (the two must match).
want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
[ -n "$want" ] || fail "no wasm-bindgen in Cargo.lock"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$want" ]; then
    echo "installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes, once"
    if ! cargo install --locked wasm-bindgen-cli --version "$want"; then
        # Seen on a crates.io mirror that lacked a version wasm-bindgen-cli's own lock file names.
        echo "note: 'cargo install --locked' failed; retrying with fresh dependency resolution" >&2
        cargo install wasm-bindgen-cli --version "$want" || fail "cargo install wasm-bindgen-cli --version $want failed"
    fi
fi

# 3. npm packages (uPlot for the charts; playwright-core for web/test/e2e.mjs).
(cd "$web" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in web/ failed"

# 4. The model, compiled to WebAssembly (rayon off: default features of the root crate are off).
cargo build --locked -p commune-sim-web --target wasm32-unknown-unknown --profile web
target_dir="$(cargo metadata --format-version 1 --no-deps --locked | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
wasm="$target_dir/wasm32-unknown-unknown/web/commune_sim_web.wasm"

# 5. The page.
dist="$web/dist"
rm -rf "$dist"
mkdir -p "$dist/pkg" "$dist/vendor"
wasm-bindgen --target web --no-typescript --out-dir "$dist/pkg" "$wasm"
cp "$web"/page/* "$dist/"
cp "$web/node_modules/uplot/dist/uPlot.esm.js" "$web/node_modules/uplot/dist/uPlot.min.css" \
   "$web/node_modules/uplot/LICENSE" "$dist/vendor/"

# The whole page must stay light enough for a school network.
bytes="$(du -sb "$dist" | cut -f1)"
limit=$((3 * 1024 * 1024))
[ "$bytes" -lt "$limit" ] || fail "web/dist is $bytes bytes, over the 3 MiB budget"
echo "built web/dist ($((bytes / 1024)) KiB; the model $(( $(stat -c %s "$dist/pkg/commune_sim_web_bg.wasm") / 1024 )) KiB)"
echo "open it with: python3 -m http.server -d web/dist 8000   (then http://localhost:8000/)"
