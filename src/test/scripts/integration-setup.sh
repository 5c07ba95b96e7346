#!/usr/bin/env bash
# What the integration suites (src/test/java/io/splice4j/it) need from a Debian machine, for CI
# (.ci/run) and for people running them locally as root. Subcommands:
#
#   packages             installs what is missing of iproute2, iptables, ethtool, debootstrap, docker.io
#   dockerd-start        starts dockerd in the background unless a Docker engine already answers;
#                        prints the PID it started (nothing if it started none)
#   dockerd-stop PID     stops that dockerd by its PID (SIGTERM, then SIGKILL after 30 s)
#   base-image           makes sure the Docker suite's base image exists (see below), and removes
#                        the stopped containers and unused networks a crashed run of it left
#   check-reports DIR    fails unless both suites ran in DIR's failsafe reports with nothing
#                        skipped (silent when they did, so Maven's summary closes CI's log)
#
# The base image: no image registry is reachable on CI's machines, so the Docker suite's containers
# run a Debian bookworm minbase root file system (debootstrap) imported into Docker, with the host's
# JDK bind-mounted read-only at /opt/jdk. It is cached twice: in Docker's own image store (nothing
# to do when the image exists) and as a tarball in $SPLICE4J_CACHE_DIR (/var/cache/splice4j), which
# survives a wiped Docker store and only needs a `docker import` (~2 s) instead of a debootstrap
# (~80 s here). Where a registry is reachable, -Dsplice4j.it.image=dockerfile uses docker/Dockerfile.
set -euo pipefail

IMAGE=${SPLICE4J_IT_BASE_IMAGE:-splice4j-it-base:bookworm}
CACHE_DIR=${SPLICE4J_CACHE_DIR:-/var/cache/splice4j}
ROOTFS_TAR=$CACHE_DIR/debian-bookworm-minbase-rootfs.tar
MIRROR=${SPLICE4J_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKERD_LOG=${SPLICE4J_DOCKERD_LOG:-${TMPDIR:-/tmp}/splice4j-dockerd.log}
PACKAGES=(iproute2 iptables ethtool debootstrap docker.io)

# Debian's docker.io client, when installed, talks to Debian's dockerd whatever else is on PATH.
docker_cli() {
    if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else docker "$@"; fi
}

docker_answers() {
    docker_cli info >/dev/null 2>&1
}

# In CI (CI=true) a missing prerequisite fails the run; elsewhere the suites skip with a reason.
cannot() {
    echo "$1" >&2
    if [ "${CI:-}" = true ]; then exit 1; fi
    echo "(not CI: going on; the suites that need it will be skipped)" >&2
    exit 0
}

case "${1:-}" in
packages)
    missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "integration packages: all installed"
        exit 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        cannot "integration packages: missing ${missing[*]}, and installing them needs root"
    fi
    echo "integration packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    ;;

dockerd-start)
    if docker_answers; then
        echo "dockerd: a Docker engine already answers; using it" >&2
        exit 0
    fi
    command -v dockerd >/dev/null || cannot "dockerd: not installed (run: $0 packages)"
    [ "$(id -u)" -eq 0 ] || cannot "dockerd: starting it needs root"
    # setsid: its own session, so that it outlives nothing it shouldn't and is stopped by PID only.
    setsid dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 300); do
        if docker_answers; then
            echo "dockerd: started, PID $pid, log $DOCKERD_LOG" >&2
            echo "$pid"
            exit 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -20 "$DOCKERD_LOG" >&2
            cannot "dockerd: exited at start (log above)"
        fi
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    cannot "dockerd: not answering after 30 s; stopped PID $pid"
    ;;

dockerd-stop)
    pid=${2:?usage: $0 dockerd-stop PID}
    kill -TERM "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.1
    done
    echo "dockerd: PID $pid still running after 30 s; SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    ;;

base-image)
    docker_answers || cannot "base image: no Docker engine answers"
    # What a crashed run of the Docker suite left: its stopped containers and unused networks.
    docker_cli container prune -f --filter label=io.splice4j.it >/dev/null
    docker_cli network prune -f --filter label=io.splice4j.it >/dev/null
    if docker_cli image inspect "$IMAGE" >/dev/null 2>&1; then
        echo "base image $IMAGE: cached in Docker's image store"
        exit 0
    fi
    start=$(date +%s)
    if [ ! -s "$ROOTFS_TAR" ]; then
        command -v debootstrap >/dev/null || cannot "base image: needs debootstrap (run: $0 packages)"
        work=$(mktemp -d "${TMPDIR:-/tmp}/splice4j-rootfs.XXXXXX")
        trap 'rm -rf "$work"' EXIT
        echo "base image: debootstrap --variant=minbase bookworm from $MIRROR"
        if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
            tail -20 "$work/debootstrap.log" >&2
            cannot "base image: debootstrap failed (log above)"
        fi
        rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
        mkdir -p "$CACHE_DIR"
        tar -C "$work/rootfs" -cf "$ROOTFS_TAR.tmp" .
        mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    else
        echo "base image: importing the cached root file system $ROOTFS_TAR"
    fi
    docker_cli import -c 'CMD ["/bin/bash"]' -m "splice4j integration base: Debian bookworm minbase, no JDK" \
        "$ROOTFS_TAR" "$IMAGE" >/dev/null
    echo "base image $IMAGE: built in $(( $(date +%s) - start )) s"
    ;;

check-reports)
    dir=${2:?usage: $0 check-reports DIR}
    status=0
    for suite in NetnsForwarderIT DockerForwarderIT; do
        report=$dir/TEST-io.splice4j.it.$suite.xml
        if [ ! -f "$report" ]; then
            echo "integration suite $suite: did not run (no $report)" >&2
            status=1
            continue
        fi
        header=$(grep -m1 -o '<testsuite [^>]*>' "$report")
        tests=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$header")
        skipped=$(sed -n 's/.* skipped="\([0-9]*\)".*/\1/p' <<<"$header")
        if [ "${tests:-0}" -eq 0 ] || [ "${skipped:-0}" -ne 0 ]; then
            echo "integration suite $suite: $tests tests, $skipped skipped: it must run in full in CI" >&2
            status=1
        fi
    done
    exit $status
    ;;

*)
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
    exit 2
    ;;
esac
