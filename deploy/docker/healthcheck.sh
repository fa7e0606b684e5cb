#!/bin/bash
# Docker HEALTHCHECK for the gateway: HTTP GET /healthz (liveness) on the
# HTTP listener, spoken through bash's /dev/tcp so the image needs no curl
# (curl would add libcurl and a dozen more libraries to an image that is
# otherwise only the gateway's own dependencies). bash, the only tool used,
# is part of debian:12-slim. Exit 0 = healthy, 1 = unhealthy.
#
# Environment: ACROSS_HEALTHCHECK_PORT (default 8787, change it if you pass
# --http_port), ACROSS_HEALTHCHECK_HOST (default 127.0.0.1).
# Argument: the path to check (default /healthz; /readyz is 503 while draining).
# Kubernetes ignores HEALTHCHECK; it uses the probes in the manifests.
set -u
host="${ACROSS_HEALTHCHECK_HOST:-127.0.0.1}"
port="${ACROSS_HEALTHCHECK_PORT:-8787}"
path="${1:-/healthz}"

{ exec 3<>"/dev/tcp/${host}/${port}"; } 2>/dev/null || {
  echo "unhealthy: cannot connect to ${host}:${port}" >&2
  exit 1
}
printf 'GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: across-healthcheck\r\nConnection: close\r\n\r\n' \
  "$path" "$host" "$port" >&3
status=""
IFS= read -r -t 5 status <&3 || true
exec 3<&-
status="${status%$'\r'}"
case "$status" in
  "HTTP/1."[01]" 200"*) exit 0 ;;
esac
echo "unhealthy: GET ${path} -> ${status:-no response}" >&2
exit 1
