#!/usr/bin/env bash
# Installs CRIU 4.1.1 (built from Debian trixie's source tarball) and, optionally, trixie's static runsc.
#
# Why a build: bookworm's CRIU 3.17 cannot run on kernels >= 6.13 (vDSO layout) and trixie's .deb needs glibc 2.38.
# The source comes through a PRIVATE apt configuration (own sources.list, lists and cache), so the system's sources
# are never touched; the mirror is the one this machine's apt already uses. Idempotent: a run that finds a working
# criu 4.1.1 (and runsc, when asked) does nothing. Must run as root (apt, /opt, /usr/local).
#
# Environment:
#   NUCLEUS_PREFIX      install root (default /opt/nucleus); criu lands in $NUCLEUS_PREFIX/criu-4.1.1/sbin/criu
#   NUCLEUS_CACHE_DIR   private apt state, downloaded sources, build tree (default /var/cache/nucleus)
#   NUCLEUS_CRIU_LINK   symlink to the installed binary (default /usr/local/sbin/criu; empty = no link)
#   NUCLEUS_RUNSC       1 (default) also installs runsc under $NUCLEUS_PREFIX/runsc; 0 skips it
#   NUCLEUS_RUNSC_LINK  symlink to it where the node probe looks (default /usr/local/bin/runsc; empty = no link)
set -euo pipefail

readonly CRIU_VERSION=4.1.1
readonly CRIU_TARBALL="criu_${CRIU_VERSION}.orig.tar.xz"
readonly CRIU_SHA256=f80a66cb3726bb2116266d4759ce3bcbfab7abdb6b6d430bf20dd41911717afe
readonly SOURCE_SUITE=trixie
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

PREFIX="${NUCLEUS_PREFIX:-/opt/nucleus}"
CACHE="${NUCLEUS_CACHE_DIR:-/var/cache/nucleus}"
CRIU_LINK="${NUCLEUS_CRIU_LINK-/usr/local/sbin/criu}"
RUNSC_LINK="${NUCLEUS_RUNSC_LINK-/usr/local/bin/runsc}"
WANT_RUNSC="${NUCLEUS_RUNSC:-1}"
CRIU_HOME="$PREFIX/criu-$CRIU_VERSION"
CRIU_BIN="$CRIU_HOME/sbin/criu"
APT_DIR="$CACHE/apt"

# Build dependencies of criu, all from the system's own (bookworm) apt sources.
BUILD_DEPS=(build-essential pkgconf libbsd-dev libcap-dev libgnutls28-dev libnet1-dev libnftables-dev libnl-3-dev
  libprotobuf-c-dev libprotobuf-dev protobuf-c-compiler protobuf-compiler uuid-dev python3-protobuf iptables
  xz-utils ca-certificates)

log() { printf 'install-criu: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

criu_ok() { # $1 = binary; true when it runs and reports the pinned version
  [[ -x "$1" ]] && "$1" --version 2>/dev/null | grep -qx "Version: $CRIU_VERSION"
}

runsc_ok() {
  [[ -x "$PREFIX/runsc/usr/bin/runsc" ]] && "$PREFIX/runsc/usr/bin/runsc" --version >/dev/null 2>&1
}

# The Debian mirror base this machine's apt already uses for its own release (deb822 .sources or one-line .list).
# Security and third-party entries are skipped: only an entry carrying the release codename itself qualifies.
mirror_base() {
  local codename file uri=""
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [[ -n "$codename" ]] || die "cannot read VERSION_CODENAME from /etc/os-release"
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    uri="$(awk -v want="$codename" '
      function flush() { if (!done && deb && suite && u != "") { print u; done = 1; exit } deb = suite = 0; u = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      tolower($1) == "types:"  { for (i = 2; i <= NF; i++) if ($i == "deb" || $i == "deb-src") deb = 1 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == want) suite = 1 }
      tolower($1) == "uris:"   { u = $2 }
      END { flush() }' "$file")"
    [[ -n "$uri" ]] && break
  done
  if [[ -z "$uri" ]]; then
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f "$file" ]] || continue
      uri="$(sed -e 's/\[[^]]*\]//' "$file" | awk -v want="$codename" \
        '$1 ~ /^deb(-src)?$/ && $3 == want { print $2; exit }')"
      [[ -n "$uri" ]] && break
    done
  fi
  [[ -n "$uri" ]] || die "no apt source for '$codename' found in /etc/apt; cannot derive the Debian mirror"
  printf '%s\n' "${uri%/}"
}

# Private apt: own sources.list, empty parts dir, own lists and cache. System apt.conf (proxies) still applies.
private_apt_setup() {
  local base
  base="$(mirror_base)"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/parts"
  cat >"$APT_DIR/sources.list.new" <<EOF
deb-src [signed-by=$KEYRING] $base $SOURCE_SUITE main
deb [arch=$(dpkg --print-architecture) signed-by=$KEYRING] $base $SOURCE_SUITE main
EOF
  mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o "Dir::Etc::SourceParts=$APT_DIR/parts"
    -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache" -o "APT::Get::List-Cleanup=0"
    -o "APT::Sandbox::User=root") # downloads land in root-owned cache dirs; the pinned sha256 is the trust anchor
  # Refresh the private index at most once per run.
  if [[ -z "${PRIVATE_APT_FRESH:-}" ]]; then
    log "updating the private apt index ($SOURCE_SUITE)"
    apt-get "${APT_OPTS[@]}" -qq update
    PRIVATE_APT_FRESH=1
  fi
}

install_build_deps() {
  local missing=() pkg
  for pkg in "${BUILD_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing build dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -qq update
  apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
}

sha_ok() { [[ -f "$1" ]] && echo "$CRIU_SHA256  $1" | sha256sum --check --status; }

fetch_criu_source() {
  local src="$CACHE/src"
  mkdir -p "$src"
  if sha_ok "$src/$CRIU_TARBALL"; then return 0; fi
  rm -f "$src/$CRIU_TARBALL"
  private_apt_setup
  log "downloading criu/$SOURCE_SUITE source"
  # The archive has served 404 for the .debian.tar.xz part before; only the orig tarball matters, and its pinned
  # checksum below is the real check, so a partial download is accepted when the tarball itself arrived intact.
  (cd "$src" && apt-get "${APT_OPTS[@]}" -qq source --download-only "criu/$SOURCE_SUITE") ||
    log "apt-get source reported an error; checking whether $CRIU_TARBALL arrived"
  sha_ok "$src/$CRIU_TARBALL" || die "$CRIU_TARBALL missing or its sha256 is not $CRIU_SHA256"
}

build_criu() {
  local build="$CACHE/build"
  rm -rf "$build"
  mkdir -p "$build"
  tar -xJf "$CACHE/src/$CRIU_TARBALL" -C "$build"
  log "building criu $CRIU_VERSION (make -j2 criu)"
  make -C "$build/criu-$CRIU_VERSION" -j2 criu >"$build/make.log" 2>&1 ||
    { tail -n 40 "$build/make.log" >&2; die "criu build failed (full log: $build/make.log)"; }
  mkdir -p "$CRIU_HOME/sbin"
  install -m 0755 "$build/criu-$CRIU_VERSION/criu/criu" "$CRIU_BIN.new"
  mv -f "$CRIU_BIN.new" "$CRIU_BIN"
  criu_ok "$CRIU_BIN" || die "built $CRIU_BIN does not report version $CRIU_VERSION"
  rm -rf "$build"
}

link_binary() { # $1 = link (empty: none), $2 = target
  [[ -n "$1" ]] || return 0
  if [[ "$(readlink "$1" 2>/dev/null)" != "$2" ]]; then
    mkdir -p "$(dirname "$1")"
    ln -sfn "$2" "$1"
    log "linked $1 -> $2"
  fi
}

install_runsc() {
  local deb dir="$CACHE/runsc"
  private_apt_setup
  mkdir -p "$dir"
  rm -f "$dir"/runsc_*.deb
  log "downloading runsc/$SOURCE_SUITE"
  (cd "$dir" && apt-get "${APT_OPTS[@]}" -qq download "runsc/$SOURCE_SUITE")
  deb="$(ls "$dir"/runsc_*.deb)"
  rm -rf "$PREFIX/runsc.new"
  dpkg-deb -x "$deb" "$PREFIX/runsc.new"
  rm -rf "$PREFIX/runsc"
  mv "$PREFIX/runsc.new" "$PREFIX/runsc"
  rm -f "$deb"
  runsc_ok || die "extracted runsc does not run"
  log "installed $("$PREFIX/runsc/usr/bin/runsc" --version | head -n 1) at $PREFIX/runsc/usr/bin/runsc"
}

main() {
  [[ "$(id -u)" == 0 ]] || die "must run as root"
  mkdir -p "$CACHE" "$PREFIX"
  # One installer at a time: parallel CI steps or engineers share /opt and the cache.
  exec 9>"$CACHE/.lock"
  flock 9
  if criu_ok "$CRIU_BIN"; then
    log "criu $CRIU_VERSION already installed at $CRIU_BIN"
  else
    install_build_deps
    fetch_criu_source
    build_criu
    log "installed criu $CRIU_VERSION at $CRIU_BIN"
  fi
  link_binary "$CRIU_LINK" "$CRIU_BIN"
  if [[ "$WANT_RUNSC" == 1 ]]; then
    runsc_ok || install_runsc
    link_binary "$RUNSC_LINK" "$PREFIX/runsc/usr/bin/runsc"
  fi
}

main "$@"
