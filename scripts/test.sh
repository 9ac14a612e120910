#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this kind or a warm one:
# installs what the tests need (idempotent), then runs every module's tests with Maven 3.9.11.
# Not quiet on purpose: surefire's "Tests run:" lines are what CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
exec scripts/mvn -B verify "$@"
