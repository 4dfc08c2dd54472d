#!/bin/sh
# PLACEHOLDER 3FS service: mgmtd collects heartbeats on its TCP port, meta and storage send one per second.
prog=$(basename "$0"); launcher=""; app=""
while [ $# -gt 0 ]; do
  case "$1" in --launcher_cfg) launcher=$2; shift ;; --app-cfg|--app_cfg) app=$2; shift ;; esac
  shift
done
id=$(sed -n 's/^node_id *= *//p' "$app" 2>/dev/null | head -n 1)
case "$prog" in
  mgmtd_main)
    # Its own address is the one admin_cli.toml beside its launcher names.
    port=$(grep -o '//[0-9.]*:[0-9]*' "$(dirname "$launcher")/admin_cli.toml" | head -n 1)
    exec nc -ll -p "${port##*:}" -e /opt/3fs/bin/hb.sh ;;
  meta_main) type=META ;;
  storage_main) type=STORAGE ;;
  *) exec sleep 2147483647 ;;
esac
mgmtd=$(grep -o '//[0-9.]*:[0-9]*' "$launcher" | head -n 1 | cut -c3-)
while :; do
  echo "$type $id $(hostname)" | nc -w 2 "${mgmtd%:*}" "${mgmtd#*:}" 2>/dev/null || true
  sleep 1
done
