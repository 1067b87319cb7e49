#!/usr/bin/env bash
# Runs the tests whose dates matter with every test's clock pinned to each
# of several starting days (month and year ends, around a leap day, the day
# the suite once failed on), so a test that depends on the day it runs
# fails here rather than on that day.
#   tools/any-day.sh                 the date-sensitive test modules
#   tools/any-day.sh ''              the whole suite, on each day
# ORGPORTAL_TEST_DATABASE_URL runs them on PostgreSQL, as the suite does.
set -euo pipefail
cd "$(dirname "$0")/.."
filter=("${@-}")
if [ $# -eq 0 ]; then
  # billed_usage runs from each starting day by itself (helpers::START_DAYS).
  filter=(activity:: collaborators:: invitations:: sessions:: usage:: usage_page:: --skip billed_usage::)
fi
failed=0
for day in 2026-12-02 2027-01-01 2027-01-31 2027-04-30 2027-12-31 2028-02-28 2028-02-29 2028-03-01; do
  echo "=== clock pinned to $day, 12:00 UTC"
  if ! ORGPORTAL_TEST_CLOCK="$day" cargo test --locked --test api -- "${filter[@]}" >"${TMPDIR:-/tmp}/any-day.log" 2>&1; then
    failed=1
    grep -E 'panicked|FAILED' "${TMPDIR:-/tmp}/any-day.log" || true
  fi
  grep -E '^test result' "${TMPDIR:-/tmp}/any-day.log" || true
done
exit $failed
