#!/usr/bin/env bash
# A Vulkan driver that Dawn (npm "webgpu") accepts, for test/webgpu on a machine without a GPU: Mesa ≥ 24 lavapipe.
# Debian 12's own Mesa 22.3 lavapipe is refused by Dawn (shaderUniform*ArrayDynamicIndexing), so on bookworm it comes
# from bookworm-backports (mesa-vulkan-drivers with the libdrm2 it needs). Idempotent; quick when already installed.
set -euo pipefail
mesa_ok() { # installed mesa-vulkan-drivers is version 24 or newer, and the Vulkan loader is there
  local v; v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 24 && dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q 'ok installed'
}
mesa_ok && exit 0
[ "$(id -u)" = 0 ] || { echo "test/webgpu/install-vulkan.sh: not root: cannot install Mesa ≥ 24 lavapipe; the WebGPU tests will FAIL without a Vulkan adapter" >&2; exit 0; }
export DEBIAN_FRONTEND=noninteractive
. /etc/os-release
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > /etc/apt/sources.list.d/bookworm-backports.sources
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers/bookworm-backports libdrm2/bookworm-backports libvulkan1 >/dev/null
else
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers libvulkan1 >/dev/null
fi
mesa_ok || echo "test/webgpu/install-vulkan.sh: WARNING: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null) is older than 24: Dawn may refuse it" >&2
