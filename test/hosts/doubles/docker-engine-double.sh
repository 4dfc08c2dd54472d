#!/bin/sh
# TEST DOUBLE of a Docker engine, for status tests on the SSH test hosts (no Docker engine runs on these
# machines). It answers only what `3fs-cli status` asks: `version`, `inspect --format ... NAME` and
# `exec CONTAINER ...` (admin_cli tables and fdbcli status), from files under state/ beside it:
#   state/containers/NAME        one line "status|restarts|startedAt|exitCode" (absent file: no such container)
#   state/admin_cli/COMMAND.txt  what admin_cli prints for COMMAND
#   state/fdb-status.json        what `fdbcli --exec 'status json'` prints
# It leaves unverified: real docker output formats, container lifecycles, admin_cli talking to mgmtd.
state="$(dirname "$0")/state"
case "$1" in
  version)
    echo 'VERSION="27.0.0-double"' ;;
  inspect)
    shift
    [ "$1" = --format ] && shift 2
    if [ -f "$state/containers/$1" ]; then cat "$state/containers/$1"; else echo "Error: No such object: $1" >&2; exit 1; fi ;;
  exec)
    container=$2
    for last in "$@"; do :; done
    if [ ! -f "$state/containers/$container" ]; then echo "Error response from daemon: No such container: $container" >&2; exit 1; fi
    case "$container" in
      *fdb) cat "$state/fdb-status.json" ;;
      *) if [ -f "$state/admin_cli/$last.txt" ]; then cat "$state/admin_cli/$last.txt"; else echo "unknown admin_cli command $last"; exit 1; fi ;;
    esac ;;
  *)
    echo "docker engine double: unsupported command $1" >&2; exit 2 ;;
esac
