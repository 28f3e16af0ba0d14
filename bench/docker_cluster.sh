#!/usr/bin/env bash
# Benchmark of the `docker` cluster driver through the API, with a real Docker Engine:
#   create   POST /v1/clusters (1 manager + 2 workers) → CREATE_COMPLETE
#   scale    PATCH node_count 2 → 3 → UPDATE_COMPLETE
#   delete   DELETE → the cluster is gone (and nothing is left by label)
# Images are built (or found cached) before timing starts. Status is polled every 20 ms.
#
# Usage: bench/docker_cluster.sh [ROUNDS]   (default 3)
# Env:   MAGNUM_BIN_DIR (default build/bin), DOCKER_SOCKET (default /var/run/docker.sock)
# Needs a running Docker Engine (scripts/dockerd-ensure.sh starts one) and root.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-3}"
bin_dir="${MAGNUM_BIN_DIR:-build/bin}"
[ -x "$bin_dir/magnumd" ] || { echo "no $bin_dir/magnumd: build first (make build)" >&2; exit 1; }

echo "== images (built once, cached by recipe hash)"
scripts/build-node-image.sh | sed 's/^/   /'

work=$(mktemp -d /tmp/magnum-bench-docker.XXXXXX)
cat >"$work/magnumd.conf" <<EOF
[DEFAULT]
state_path = $work
log_file = $work/magnumd.log
[api]
host = 127.0.0.1
port = 0
[database]
connection = sqlite:///$work/magnum.sqlite
[kubernetes]
health_polling_interval = 3600
EOF
: >"$work/stdout"
"$bin_dir/magnumd" --config-file "$work/magnumd.conf" >"$work/stdout" 2>&1 &
magnumd_pid=$!
cleanup() {
  kill "$magnumd_pid" 2>/dev/null || true
  wait "$magnumd_pid" 2>/dev/null || true
  # Anything a failed round left: every object of the clusters this run created.
  if [ -f "$work/uuids" ]; then
    while read -r u; do
      docker rm -f -v $(docker ps -aq --filter "label=magnum.cluster.uuid=$u") >/dev/null 2>&1 || true
      docker volume rm -f $(docker volume ls -q --filter "label=magnum.cluster.uuid=$u") >/dev/null 2>&1 || true
      docker network rm $(docker network ls -q --filter "label=magnum.cluster.uuid=$u") >/dev/null 2>&1 || true
    done <"$work/uuids"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q '^LISTENING ' "$work/stdout" && break
  sleep 0.1
done
port=$(sed -n 's/^LISTENING .*:\([0-9]*\)$/\1/p' "$work/stdout")
[ -n "$port" ] || { echo "magnumd did not start:" >&2; cat "$work/stdout" "$work/magnumd.log" >&2; exit 1; }

echo "== magnumd on 127.0.0.1:$port (pid $magnumd_pid); $rounds rounds; $(nproc) cores"
python3 - "$port" "$rounds" "$work/uuids" <<'PY'
import http.client, json, statistics, subprocess, sys, time

port, rounds, uuid_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
H = {"Content-Type": "application/json", "OpenStack-API-Version": "container-infra latest"}

def call(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=H)
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, (json.loads(raw) if raw else None)

def wait(ident, want, timeout=120):
    t_end = time.time() + timeout
    while time.time() < t_end:
        st, c = call("GET", "/v1/clusters/" + ident)
        if st == 404 and want == "GONE":
            return None
        if st == 200 and (c["status"] == want or c["status"].endswith("FAILED")):
            if c["status"] != want:
                raise SystemExit("%s: %s %s" % (ident, c["status"], c.get("status_reason")))
            return c
        time.sleep(0.02)
    raise SystemExit("%s: not %s after %d s" % (ident, want, timeout))

st, t = call("POST", "/v1/clustertemplates", {"name": "bench-swarm", "coe": "swarm-mode",
             "image_id": "swarm-node", "server_type": "container",
             "external_network_id": "public"})
assert st == 201, (st, t)
res = {"create": [], "scale": [], "delete": []}
for i in range(rounds):
    name = "bench%d" % i
    t0 = time.time()
    st, r = call("POST", "/v1/clusters", {"name": name, "cluster_template_id": t["uuid"],
                                          "master_count": 1, "node_count": 2})
    assert st == 202, (st, r)
    with open(uuid_file, "a") as f:
        f.write(r["uuid"] + "\n")
    wait(name, "CREATE_COMPLETE")
    res["create"].append(time.time() - t0)
    t0 = time.time()
    st, _ = call("PATCH", "/v1/clusters/" + name,
                 [{"op": "replace", "path": "/node_count", "value": 3}])
    assert st == 202, st
    wait(name, "UPDATE_COMPLETE")
    res["scale"].append(time.time() - t0)
    t0 = time.time()
    st, _ = call("DELETE", "/v1/clusters/" + name)
    assert st == 204, st
    wait(name, "GONE")
    res["delete"].append(time.time() - t0)
    left = subprocess.run(["docker", "ps", "-aq", "--filter",
                           "label=magnum.cluster.uuid=" + r["uuid"]],
                          capture_output=True, text=True).stdout.split()
    assert not left, left
    print("   round %d: create %.2f s, scale +1 %.2f s, delete %.2f s" %
          (i + 1, res["create"][-1], res["scale"][-1], res["delete"][-1]))
print("== results (seconds)")
print("   %-32s %6s %6s %6s" % ("", "min", "median", "max"))
for key, label in (("create", "POST → CREATE_COMPLETE (1m+2w)"),
                   ("scale", "scale +1 worker → UPDATE_COMPLETE"),
                   ("delete", "DELETE → gone")):
    v = res[key]
    print("   %-32s %6.2f %6.2f %6.2f" % (label, min(v), statistics.median(v), max(v)))
PY
