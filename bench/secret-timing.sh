#!/usr/bin/env bash
# The time to refuse a wrong webhook secret by matching prefix (see SecretTiming.java). Needs target/classes
# (mvn -q package -DskipTests). A figure for docs/benchmarks.md, not a pass/fail check.
set -euo pipefail
cd "$(dirname "$0")/.."
exec java -cp target/classes bench/SecretTiming.java
