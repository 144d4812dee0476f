#!/usr/bin/env bash
# Lays out what the setgate image runs, from a built checkout: each runtime workspace's
# package.json and compiled JavaScript (no sources, no tests, no declarations), the shipped
# topologies and the CLI launcher, then production dependencies only (npm ci --omit=dev for
# the runtime workspaces: no tsx, no TypeScript, nothing of loadtest or integration).
# The Dockerfile's build stage runs it; launcher/test/dockerfile.test.ts runs it too.
# Usage: deploy/runtime-tree.sh SRC OUT   (SRC after `npm ci && npx tsc -b`; OUT must not exist)
set -euo pipefail
src=$(cd "$1" && pwd)
out=$2
[ ! -e "$out" ] || { echo "runtime-tree: $out exists" >&2; exit 1; }

workspaces=(config set-runtime gateway regional-proxy)
for p in "$src"/packages/*/; do workspaces+=("packages/$(basename "$p")"); done

for ws in "${workspaces[@]}"; do
  [ -d "$src/$ws/.tsbuild" ] || { echo "runtime-tree: $ws is not built (run npx tsc -b)" >&2; exit 1; }
  mkdir -p "$out/$ws"
  cp "$src/$ws/package.json" "$out/$ws/"
  (cd "$src/$ws" && find .tsbuild -name '*.js' -not -path '*/test/*' -print0 | xargs -0 cp --parents -t "$out/$ws")
done
cp "$src/package.json" "$src/package-lock.json" "$out/"
mkdir -p "$out/config/bin" "$out/deploy"
cp "$src/config/topology.yaml" "$out/config/"
cp "$src/config/bin/setgate.js" "$out/config/bin/"
cp "$src/deploy/topology.compose.yaml" "$out/deploy/"

cd "$out"
flags=()
for ws in config set-runtime gateway regional-proxy; do flags+=(--workspace "$ws"); done
npm ci --omit=dev --no-audit --no-fund --loglevel=error "${flags[@]}"
