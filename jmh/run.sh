#!/usr/bin/env bash
# Builds the JMH suite and runs it through the Maven wrapper, from any directory.
#
#   jmh/run.sh                 full run (~8 min on 2 cores): JMH, then the idle footprint
#                              (IdleFootprint, in JVMs of its own); JSON to jmh/results/<date>.json,
#                              the footprint to jmh/results/<date>-footprint.txt, the Markdown tables
#                              printed and written to jmh/results/latest.md
#   jmh/run.sh --smoke         one short iteration of every benchmark and a small footprint (~2 min),
#                              for CI; non-zero exit if any fails to build, run or verify its bytes
#   jmh/run.sh ... REGEX       only the benchmarks matching REGEX (JMH's include syntax; the
#                              footprint is io.splice4j.bench.IdleFootprint.idle)
#   jmh/run.sh ... -Dsplice4j.sources=DIR   benchmark the library sources in DIR instead of
#                              src/main/java (e.g. a `git archive` of another commit)
#
# Maven may run on any JDK (17 is fine); maven-toolchains-plugin picks a JDK 22+ (under /usr/lib/jvm,
# JAVA<N>_HOME, or ~/.m2/toolchains.xml) and exec:exec@suite runs the suite and its forks on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=full
include=io.splice4j.bench.
maven_args=()
for arg in "$@"; do
    case "$arg" in
        --smoke) mode=smoke ;;
        --full) mode=full ;;
        -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
        -D*) maven_args+=("$arg") ;;
        -*) echo "unknown option $arg (try --help)" >&2; exit 2 ;;
        *) include="$arg" ;;
    esac
done

exec ./mvnw -f jmh/pom.xml -B -q package exec:exec@suite \
    -Dsuite.mode="$mode" -Dsuite.include="$include" ${maven_args[@]+"${maven_args[@]}"}
