#!/usr/bin/env bash
# The release-tag rule (delivery/release/releaseTag.ts checks the same; tests run both on the same
# repositories): an annotated tag vX.Y.Z on a commit of main, and, when a SHA is given, still
# on that commit. Git only: it runs before any of the tag's code does.
# usage: release-tag.sh <tag> <main ref, e.g. origin/main> [<sha>]
set -euo pipefail
tag="$1" main="$2" sha="${3:-}"
rule="a release is an annotated tag vX.Y.Z (git tag -a vX.Y.Z -m '...') on a commit of main"
fail=0
problem() { echo "::error::$1"; fail=1; }
if ! [[ "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then problem "$tag is not vX.Y.Z: $rule"; exit 1; fi
if ! type=$(git cat-file -t "refs/tags/$tag" 2>/dev/null); then problem "$tag does not exist here (git fetch --tags)"; exit 1; fi
[ "$type" = tag ] || problem "$tag is a lightweight tag: $rule"
commit=$(git rev-parse "refs/tags/$tag^{commit}")
if [ -n "$sha" ] && [ "$commit" != "$sha" ]; then problem "$tag points at $commit, not at $sha (the commit that was tested and built)"; fi
if ! git rev-parse --verify --quiet "$main^{commit}" >/dev/null; then
  problem "$main does not exist here (git fetch origin main)"
elif ! git merge-base --is-ancestor "$commit" "$main"; then
  problem "$tag (${commit:0:12}) is not on $main: $rule"
fi
exit "$fail"
