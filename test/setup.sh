#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine (idempotent, quick when already done).
# Each area adds its own step below; keep every step safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
# Sweeps (test/sweep/slurm.test.ts): a real single-node Slurm cluster from Debian's slurmctld/slurmd/slurm-client/munge.
# Installs the packages when sinfo is missing, then starts munged/slurmctld/slurmd unless the cluster already answers.
if [ "$(id -u)" = 0 ]; then bash test/slurm/cluster.sh install && bash test/slurm/cluster.sh start; elif ! command -v sinfo >/dev/null 2>&1; then echo "test/setup.sh: WARNING: not root and Slurm is not installed: the Slurm sweep tests will be SKIPPED" >&2; fi
# WebGPU (test/webgpu): Dawn needs libvulkan1 and a Vulkan driver it accepts; without a GPU, Mesa ≥ 24 lavapipe
# (on Debian 12 from bookworm-backports). Skipped quickly when already installed.
bash test/webgpu/install-vulkan.sh
# Extension (test/webview, test/e2e): Debian's chromium for playwright-core, and code-server 4.100.3 in its own
# folder test/e2e/host (needs libkrb5-dev and ripgrep to install offline). Both steps are skipped when done.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; else echo "test/setup.sh: WARNING: chromium is missing and we are not root" >&2; fi
fi
bash test/e2e/host/install.sh
