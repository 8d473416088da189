#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine (idempotent, quick when already done).
# Each area adds its own step below; keep every step safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
# WebGPU (test/webgpu): Dawn needs libvulkan1 and a Vulkan driver it accepts; without a GPU, Mesa ≥ 24 lavapipe
# (on Debian 12 from bookworm-backports). Skipped quickly when already installed.
bash test/webgpu/install-vulkan.sh