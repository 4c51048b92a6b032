#!/usr/bin/env bash
# PR preview of one environment: `npm run up -- <env> --preview-only`, its Markdown as the step
# output "markdown" (for the one PR comment). No backend secret in the environment: says so.
set -euo pipefail
env="$1"
out="$RUNNER_TEMP/preview-$env.md"
if [ -z "${PULUMI_ACCESS_TOKEN:-}" ] && [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  echo "### pulumi preview $env: skipped (no PULUMI_ACCESS_TOKEN or PULUMI_BACKEND_URL secret in this GitHub environment)" > "$out"
else
  if [ -n "${PULUMI_BACKEND_URL:-}" ]; then pulumi login "$PULUMI_BACKEND_URL"; else pulumi login; fi
  if ! npm run up -- "$env" --preview-only --preview-out "$out"; then
    [ -s "$out" ] || echo "### pulumi preview $env: failed; see the job log" > "$out"
    status=1
  fi
fi
cat "$out" >> "$GITHUB_STEP_SUMMARY"
eof="EOF_$(openssl rand -hex 12)"
{ echo "markdown<<$eof"; cat "$out"; echo "$eof"; } >> "$GITHUB_OUTPUT"
exit "${status:-0}"
