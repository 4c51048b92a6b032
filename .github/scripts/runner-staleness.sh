#!/usr/bin/env bash
# Is the pinned actions/runner release (infra/ciRunnerRelease.ts) stale? Reads GitHub's release
# list (JSON of `gh api repos/actions/runner/releases`) on stdin; fails when a newer release has
# been out longer than the grace period (GitHub stops sending jobs to runners that don't follow
# new releases within about 30 days when auto-update is off, as on the runner VMs).
# usage: runner-staleness.sh <grace days> [<now, epoch seconds>] < releases.json
set -euo pipefail
grace_days="$1"
now="${2:-$(date +%s)}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
pinned=$(sed -nE 's/^ *version: "([0-9]+\.[0-9]+\.[0-9]+)",$/\1/p' "$root/infra/ciRunnerRelease.ts")
[ -n "$pinned" ] || { echo "::error::no version in infra/ciRunnerRelease.ts"; exit 2; }
# Newer releases (not drafts or pre-releases) and how many days they have been out.
newer=$(jq -r --arg pinned "$pinned" --argjson now "$now" '
  def v: ltrimstr("v") | split(".") | map(tonumber);
  [.[] | select((.draft | not) and (.prerelease | not)) | select((.tag_name | v) > ($pinned | v))
   | {tag: .tag_name, days: (($now - (.published_at | fromdateiso8601)) / 86400 | floor)}]
  | sort_by(.days) | reverse | .[] | "\(.tag) \(.days)"')
echo "Pinned actions/runner: $pinned"
if [ -z "$newer" ]; then echo "Up to date."; exit 0; fi
echo "Newer releases (tag, days out):"; echo "$newer"
# The first line without a pipe: under pipefail, `echo | head -n 1` fails at random (echo gets SIGPIPE).
oldest=${newer%%$'\n'*}
if [ "${oldest#* }" -gt "$grace_days" ]; then
  echo "::error::actions/runner ${oldest% *} has been out ${oldest#* } days (> $grace_days): bump infra/ciRunnerRelease.ts (version and sha256) and run up for each infra stack with a runner"
  exit 1
fi
echo "::warning::actions/runner ${oldest% *} is out (${oldest#* } days): bump infra/ciRunnerRelease.ts within $grace_days days"
