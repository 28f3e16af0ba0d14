#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, only when missing.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
set -euo pipefail

build_pkgs=(cmake g++ make pkg-config ccache
  libboost1.81-dev nlohmann-json3-dev libexpected-dev libcli11-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev librabbitmq-dev libcurl4-openssl-dev libsqlite3-dev libmariadb-dev libpq-dev
  libssl-dev libgtest-dev libgmock-dev libbenchmark-dev)
# The default `docker` cluster driver: the host's Docker Engine and the node image build.
run_pkgs=(docker.io debootstrap curl)
test_pkgs=(python3 python3-magnumclient python3-openstackclient openssl ca-certificates wrk)
# make test-sanitize / make fuzz: clang with the sanitizer and libFuzzer runtimes, and
# llvm-symbolizer (package llvm) for symbolised reports.
test_pkgs+=(clang libclang-rt-14-dev llvm)
# The `keystone`-labelled tests: real OpenStack services from Debian's packages, started on
# 127.0.0.1 by scripts/openstack/start.sh (docs/openstack.md). Neutron needs MariaDB.
openstack_pkgs=(keystone glance-api nova-api neutron-server mariadb-server)
# The `heat` tests: a real Heat (API and engine, scripts/openstack/heat.sh) on that Keystone.
openstack_pkgs+=(heat-api heat-engine)
test_pkgs+=("${openstack_pkgs[@]}")
# The `multinode` tests: a private RabbitMQ node (scripts/rabbitmq/) and upstream's
# oslo.messaging, which proves our wire format; PyMySQL, the tests' SQL on MariaDB.
test_pkgs+=(rabbitmq-server python3-oslo.messaging python3-pymysql)
# test_db_takeover: Debian's Python Magnum 15 builds and fills the database we take over.
test_pkgs+=(python3-magnum)
# The `browser` tests: the dashboard in headless Chromium driven by Selenium.
test_pkgs+=(chromium chromium-driver python3-selenium)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# The OpenStack packages must neither configure a database, a broker or Keystone users
# (their debconf questions answered "no") nor start anything (a policy-rc.d that refuses,
# removed again afterwards if it was ours); scripts/openstack/ configures and starts them.
$SUDO debconf-set-selections <"$(dirname "$0")/openstack/preseed.txt"
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
