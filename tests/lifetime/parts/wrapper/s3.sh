#!/bin/bash
# The etcd-s3 requests of "k3s made of upstream parts", sourced by snapshot.sh with the s3_*
# settings config.py prints. curl signs them (AWS SigV4, --aws-sigv4) but leaves the payload's
# hash to the caller, and S3 refuses a SigV4 request without x-amz-content-sha256 (400
# InvalidRequest; k3s' own client always sends it): every request carries its body's SHA-256.
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# s3_url [KEY]: the object KEY in the etcd-s3 folder (the folder itself without KEY).
s3_url() {
  local prefix=""
  [ -n "$s3_folder" ] && prefix="$s3_folder/"
  echo "$s3_scheme://$s3_endpoint/$s3_bucket/$prefix${1:-}"
}

# s3 [-T FILE] [curl options] URL: one request; -T uploads FILE. Fails loudly (curl's error).
s3() {
  local hash=$EMPTY_SHA256
  if [ "${1:-}" = -T ]; then hash=$(sha256sum "$2" | cut -d' ' -f1); fi
  curl -sSf --max-time 120 --aws-sigv4 "aws:amz:$s3_region:s3" --user "$s3_access_key:$s3_secret_key" \
    -H "x-amz-content-sha256: $hash" "$@"
}

# s3_list: the keys in the etcd-s3 folder, one per line.
s3_list() {
  s3 "$s3_scheme://$s3_endpoint/$s3_bucket?prefix=${s3_folder:+$s3_folder/}" | grep -o '<Key>[^<]*</Key>' | sed 's#<Key>\(.*\)</Key>#\1#'
}
