#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine, idempotently:
# a second run checks and returns in seconds. Needs root (the tests run as root anyway).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# Build: JDK 17, Maven (only to bootstrap scripts/mvn's 3.9.11), gcc + static libc for the C launcher.
# Tests and peers: busybox-static (minimal rootfs), uidmap (user namespaces), libseccomp (BPF built via JNA),
# bubblewrap + runc + util-linux unshare (benchmark peers), iptables (CRIU's network locking), procps.
packages=(
  openjdk-17-jdk-headless maven gcc libc6-dev make
  busybox-static uidmap libseccomp2 libseccomp-dev seccomp
  bubblewrap runc util-linux iptables procps iproute2 python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: apt packages present"
fi

# CRIU 4.1.1 (built from trixie's source through a private apt config) and trixie's static runsc.
"$here/install-criu.sh"
