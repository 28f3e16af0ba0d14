#!/usr/bin/env bash
# Builds the images of the `docker` cluster driver from Debian packages, offline apart from
# the Debian mirror in /etc/apt/sources.list*:
#   magnum/debian-base:<hash>   debootstrap --variant=minbase bookworm, slimmed (~74 MB)
#   magnum/swarm-node:<hash>    base + docker.io iproute2 procps tini iptables + entrypoint,
#                               VOLUME /var/lib/docker (~360 MB): one Swarm node
#   magnum-workload:<hash>      busybox-static and its applet links (~2 MB), also :latest
# <hash> is a content hash of this recipe (this file, the mirror, the suite), so a build
# happens once and later runs only check that the images exist (well under a second).
# Concurrent runs serialise on a lock file. Progress goes to stderr; the result is printed
# on stdout as shell assignments, the last two lines:
#   NODE_IMAGE=magnum/swarm-node:<hash>
#   WORKLOAD_IMAGE=magnum-workload:<hash>
#
# Usage: build-node-image.sh [--cache-dir DIR] [--variant NAME] [--force]
#   --cache-dir DIR  work and lock directory (default ${MAGNUM_IMAGE_CACHE_DIR:-/var/cache/magnum-images})
#   --variant NAME   also derive magnum/swarm-node:NAME from the node image (a new image id
#                    with a version stamp; what an upgrade test moves nodes to)
#   --force          rebuild even when the images exist
# Uses the docker CLI against DOCKER_HOST (default: the local socket); needs root for
# debootstrap.
set -euo pipefail

suite=bookworm
node_repo="${MAGNUM_NODE_IMAGE_REPO:-magnum/swarm-node}"
base_repo="${MAGNUM_BASE_IMAGE_REPO:-magnum/debian-base}"
workload_repo="${MAGNUM_WORKLOAD_IMAGE:-magnum-workload}"
cache_dir="${MAGNUM_IMAGE_CACHE_DIR:-/var/cache/magnum-images}"
variant=""
force=0
node_pkgs="docker.io,iproute2,procps,tini,iptables"

while [ $# -gt 0 ]; do
  case "$1" in
    --cache-dir) cache_dir="$2"; shift 2 ;;
    --variant) variant="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "build-node-image: unknown argument $1" >&2; exit 2 ;;
  esac
done

say() { echo "build-node-image: $*" >&2; }
die() { say "error: $*"; exit 1; }
now() { date +%s; }

command -v docker >/dev/null || die "the docker CLI is not installed"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
  die "no Docker Engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}"

# The Debian mirror the host's apt uses (deb822 or one-line sources).
mirror() {
  local f uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk -v s="$suite" '
      /^deb[ \t]/ && $0 ~ (" " s "( |$)") && $2 !~ /security/ { print $2; exit }
      /^URIs:/ { u = $2 } /^Suites:/ && $0 ~ (" " s "( |$)") && u !~ /security/ { print u; exit }
      /^$/ { u = "" }' "$f" | sed 's/^\[[^]]*\] *//')
    if [ -n "$uri" ]; then echo "${uri%/}"; return; fi
  done
  echo "http://deb.debian.org/debian"
}
mirror_url="$(mirror)"

# The base depends only on what debootstrap gets; everything else on the whole recipe.
base_recipe="minbase-slim-v1 $mirror_url $suite"
base_hash=$(echo "$base_recipe" | sha256sum | cut -c1-12)
hash=$( { cat "$0"; echo "$mirror_url $suite $node_pkgs"; } | sha256sum | cut -c1-12)
node_image="$node_repo:$hash"
base_image="$base_repo:$base_hash"
workload_image="$workload_repo:$hash"

have() { docker image inspect "$1" >/dev/null 2>&1; }

result() {
  if [ -n "$variant" ]; then
    if ! have "$node_repo:$variant" || [ "$force" = 1 ]; then
      say "deriving $node_repo:$variant from $node_image"
      local cid
      cid=$(docker create --network none "$node_image")
      printf '%s\n' "$variant" >"$work/variant"
      docker cp "$work/variant" "$cid:/etc/magnum-node-variant" >/dev/null
      docker commit --change "LABEL magnum.node-image.variant=$variant" "$cid" \
        "$node_repo:$variant" >/dev/null
      docker rm -v "$cid" >/dev/null
    fi
  fi
  echo "NODE_IMAGE=$node_image"
  echo "WORKLOAD_IMAGE=$workload_image"
}

mkdir -p "$cache_dir"
exec 9>"$cache_dir/build.lock"
if ! flock -n 9; then
  say "another build holds $cache_dir/build.lock; waiting"
  flock 9
fi
work=$(mktemp -d "$cache_dir/work.XXXXXX")
cleanup() {
  [ -n "${cid_build:-}" ] && docker rm -f -v "$cid_build" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

if [ "$force" = 0 ] && have "$node_image" && have "$workload_image"; then
  result
  exit 0
fi

command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/install-deps.sh)"
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
say "building images for recipe $hash from $mirror_url ($suite); a cold build takes ~2-3 minutes"
t0=$(now)

# 1. Base image.
if [ "$force" = 1 ] || ! have "$base_image"; then
  say "[1/3] debootstrap --variant=minbase $suite (about 70 s)"
  debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror_url" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap of the base failed (log above)"; }
  rm -rf "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* \
    "$work/rootfs"/usr/share/info/* "$work/rootfs"/var/cache/apt/archives/*.deb \
    "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/log/*.log
  find "$work/rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C.*' -exec rm -rf {} + 2>/dev/null || true
  tar -C "$work/rootfs" --numeric-owner -c . |
    docker import --change 'CMD ["/bin/bash"]' \
      --change "LABEL magnum.recipe=$base_hash magnum.base-image=debian-$suite" - "$base_image" >/dev/null
  rm -rf "$work/rootfs"
  say "[1/3] $base_image done ($(( $(now) - t0 )) s)"
else
  say "[1/3] $base_image cached"
fi

# 2. Packages for the node layer and the workload (downloaded only, resolved by debootstrap).
t1=$(now)
say "[2/3] downloading $node_pkgs,busybox-static"
debootstrap --variant=minbase --download-only --include="$node_pkgs,busybox-static" \
  "$suite" "$work/dl" "$mirror_url" >"$work/download.log" 2>&1 ||
  { tail -n 30 "$work/download.log" >&2; die "downloading the node packages failed (log above)"; }
debs="$work/dl/var/cache/apt/archives"
docker run --rm --network none "$base_image" dpkg-query -W -f '${Package}\n' | sort -u >"$work/installed"
mkdir -p "$work/debs"
for deb in "$debs"/*.deb; do
  pkg=$(dpkg-deb -f "$deb" Package)
  [ "$pkg" = busybox-static ] && continue
  grep -qx "$pkg" "$work/installed" || cp "$deb" "$work/debs/"
done
say "[2/3] installing $(ls "$work/debs" | wc -l) packages offline (--network none)"

cat >"$work/magnum-node-entrypoint" <<'ENTRYPOINT'
#!/bin/sh
# Entrypoint of a magnum Swarm node (PID 1 is `tini -g`). See docs/docker-driver.md.
log() { echo "magnum-node: $*"; }
# 1. Containment: the node reaches its own subnet only (no default route).
ip route del default 2>/dev/null && log "default route removed"
ip -6 route del default 2>/dev/null
# 2. /sys and the cgroup hierarchies writable for the inner runtime (a plain remount,rw
#    says "mount point is busy"; a bind remount works).
mount -o remount,bind,rw /sys 2>/dev/null || log "warning: /sys stays read-only"
awk '$5 ~ "^/sys/fs/cgroup" { print $5 }' /proc/self/mountinfo | while read -r m; do
  mount -o remount,bind,rw "$m" 2>/dev/null
done
# 3. dockerd: DNS to 127.0.0.1 only; TLS on :2376 when the driver copied certificates in.
set -- --dns 127.0.0.1 --log-level "${MAGNUM_NODE_LOG_LEVEL:-warn}" -H unix:///var/run/docker.sock
tls=/etc/docker/tls
if [ -f "$tls/server-cert.pem" ]; then
  set -- "$@" -H tcp://0.0.0.0:2376 --tlsverify --tlscacert "$tls/ca.pem" \
    --tlscert "$tls/server-cert.pem" --tlskey "$tls/server-key.pem"
fi
export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
dockerd "$@" &
dockerd_pid=$!
i=0
until docker version >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 600 ] || ! kill -0 $dockerd_pid 2>/dev/null; then
    log "dockerd did not start"; exit 1
  fi
  sleep 0.1
done
# 4. Images preloaded by the driver (no registry is reachable).
for t in /images/*.tar; do
  [ -f "$t" ] || continue
  docker load -q -i "$t" && log "loaded $t"
done
# 5. Ready.
touch /run/magnum-node-ready
log "ready"
wait $dockerd_pid
ENTRYPOINT
chmod 755 "$work/magnum-node-entrypoint"
cat >"$work/install.sh" <<'INSTALL'
#!/bin/sh
set -e
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
dpkg -i /debs/*.deb >/tmp/dpkg.log 2>&1 || { tail -n 40 /tmp/dpkg.log; exit 1; }
rm -f /usr/sbin/policy-rc.d /tmp/dpkg.log
rm -rf /usr/share/doc/* /usr/share/man/* /var/log/*.log
mkdir -p /images /etc/docker/tls
INSTALL
chmod 755 "$work/install.sh"
cid_build=$(docker create --network none -v "$work/debs:/debs:ro" "$base_image" /install.sh)
docker cp "$work/install.sh" "$cid_build:/install.sh" >/dev/null
docker cp "$work/magnum-node-entrypoint" "$cid_build:/usr/local/bin/magnum-node-entrypoint" >/dev/null
docker start -a "$cid_build" >&2 || die "installing the node packages failed"
docker commit \
  --change 'ENTRYPOINT ["/usr/bin/tini", "-g", "--", "/usr/local/bin/magnum-node-entrypoint"]' \
  --change 'CMD []' \
  --change 'VOLUME /var/lib/docker' \
  --change 'ENV DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1' \
  --change 'EXPOSE 2376 2377 7946 4789' \
  --change "LABEL magnum.recipe=$hash magnum.node-image=swarm-node" \
  "$cid_build" "$node_image" >/dev/null
docker rm -v "$cid_build" >/dev/null
cid_build=""
say "[2/3] $node_image done ($(( $(now) - t1 )) s)"

# 3. Workload image: busybox-static and its applets.
t2=$(now)
bb=$(ls "$debs"/busybox-static_*.deb | head -n 1)
dpkg-deb -x "$bb" "$work/bb"
mkdir -p "$work/wl/bin" "$work/wl/tmp" "$work/wl/etc" "$work/wl/var/www"
cp "$work/bb/bin/busybox" "$work/wl/bin/busybox"
for applet in $("$work/wl/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$work/wl/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/wl/etc/passwd"
echo 'root:x:0:' >"$work/wl/etc/group"
tar -C "$work/wl" --numeric-owner -c . |
  docker import --change 'CMD ["sh"]' --change 'ENV PATH=/bin' \
    --change "LABEL magnum.recipe=$hash magnum.workload-image=1" - "$workload_image" >/dev/null
docker tag "$workload_image" "$workload_repo:latest"
say "[3/3] $workload_image done ($(( $(now) - t2 )) s)"
say "all images built in $(( $(now) - t0 )) s"
result
