#!/usr/bin/env bash
# Installs code-server 4.100.3 offline into test/e2e/host/node_modules (idempotent). See shared/e2e-recipe.md.
set -euo pipefail
cd "$(dirname "$0")"
installed() { [ -x node_modules/.bin/code-server ] && node -p "require('./node_modules/code-server/package.json').version" 2>/dev/null | grep -qx '4.100.3' && [ -e node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg ]; }
if installed; then exit 0; fi
if ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq libkrb5-dev ripgrep >/dev/null
fi
# @vscode/ripgrep's postinstall downloads rg from GitHub: seed its cache with Debian's rg (same 13.0.0).
export TMPDIR="${TMPDIR:-/tmp}/anchor-lab-e2e-tmp"
cache="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
if [ ! -f "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ]; then
  stage=$(mktemp -d); cp "$(command -v rg)" "$stage/rg"
  tar -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$stage" rg; rm -rf "$stage"
fi
export npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
installed || { echo "code-server 4.100.3 did not install" >&2; exit 1; }
echo "code-server $(node -p "require('./node_modules/code-server/package.json').version") installed in $(pwd)"
