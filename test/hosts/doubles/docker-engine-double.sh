#!/bin/sh
# TEST DOUBLE of a Docker engine, for status and deploy tests on the SSH test hosts (no Docker engine,
# no 3FS and no RDMA run on these machines). It keeps container "state" in files under state/ beside it
# and answers only what 3fs-cli asks: version, ps, inspect, run, rm, image inspect, pull, load, save,
# exec (fdbcli, clickhouse-client, admin_cli). Every call is appended to state/calls.log.
#   state/containers/NAME          "status|restarts|startedAt|exitCode" (absent file: no such container)
#   state/admin_cli/COMMAND.txt    what admin_cli prints for COMMAND (list-chains, list-targets and
#                                  list-chain-tables are derived from the CSV files deploy wrote when
#                                  there is no such file; list-clients is an empty table)
#   state/fdb-status.json          what `fdbcli --exec 'status json'` prints
#   state/fail-run-NAME            makes `run --name NAME` fail once (the file is removed)
#   state/hang-run-NAME            makes `run --name NAME` hang (as an engine stuck pulling does) until the
#                                  file is removed or the session dies; for a node lost mid-deploy
# It leaves unverified: real docker behaviour, real 3FS services, admin_cli talking to mgmtd.
here="$(cd "$(dirname "$0")" && pwd)"
state="$here/state"
workdir="$(dirname "$here")"
mkdir -p "$state/containers" "$state/images" "$state/admin_cli"
printf '%s\n' "$*" >> "$state/calls.log"
image_file() { printf '%s' "$1" | tr '/:' '__'; }

case "$1" in
  version)
    format=$3
    [ -n "$format" ] || format='{{.Server.Version}}'
    printf '%s\n' "$format" | sed 's/{{.Server.Version}}/27.0.0-double/' ;;
  ps)
    for f in "$state"/containers/*; do [ -f "$f" ] && grep -q '^running|' "$f" && basename "$f"; done; exit 0 ;;
  inspect)
    shift
    [ "$1" = --format ] && shift 2
    if [ -f "$state/containers/$1" ]; then cat "$state/containers/$1"; else echo "Error: No such object: $1" >&2; exit 1; fi ;;
  image)
    [ -f "$state/images/$(image_file "$3")" ] || { echo "Error: No such image: $3" >&2; exit 1; } ;;
  pull)
    for last in "$@"; do :; done
    touch "$state/images/$(image_file "$last")"; echo "sha256:double" ;;
  load)
    [ -f "$3" ] || { echo "open $3: no such file" >&2; exit 1; }
    echo "Loaded image(s) from $3" ;;
  save)
    out=$3; shift 3
    printf '%s\n' "$@" > "$out" ;;
  rm)
    for last in "$@"; do :; done
    rm -f "$state/containers/$last" ;;
  run)
    name=""; prev=""
    for arg in "$@"; do [ "$prev" = --name ] && name=$arg; prev=$arg; done
    if [ -z "$name" ]; then
      # docker run --rm ... admin_cli ... 'init-cluster ...'
      case "$*" in *init-cluster*) echo "Init filesystem, root directory layout: chain table ChainTableId(1)";; esac
      exit 0
    fi
    while [ -f "$state/hang-run-$name" ]; do sleep 0.2; done
    if [ -f "$state/fail-run-$name" ]; then rm -f "$state/fail-run-$name"; echo "docker: Error response from daemon: driver failed programming external connectivity on $name (injected)" >&2; exit 125; fi
    [ -f "$state/containers/$name" ] && { echo "docker: Error response from daemon: Conflict. The container name \"/$name\" is already in use" >&2; exit 125; }
    echo "running|0|$(date -u +%Y-%m-%dT%H:%M:%SZ)|0" > "$state/containers/$name"
    echo "c0ffee$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n' | head -c 20)" ;;
  exec)
    shift
    [ "$1" = -i ] && { stdin=1; shift; }
    container=$1; shift
    [ -f "$state/containers/$container" ] || { echo "Error response from daemon: No such container: $container" >&2; exit 1; }
    for last in "$@"; do :; done
    case "$container" in
      *fdb)
        case "$*" in
          *configure*) echo "Database created" ;;
          *json*) cat "$state/fdb-status.json" 2>/dev/null || echo '{"client":{"database_status":{"available":true,"healthy":true}}}' ;;
          *) echo "The database is available." ;;
        esac ;;
      *clickhouse)
        case "$*" in *--query*) echo 1 ;; *) cat > /dev/null; echo "Ok." ;; esac ;;
      *)
        if [ -n "$stdin" ]; then
          while IFS= read -r line; do [ -n "$line" ] && echo "Succeed: $line"; done
          exit 0
        fi
        command=$(printf '%s' "$last" | awk '{print $1}')
        case "$command" in
          user-add) printf 'Uid                0\nName               root\nToken              AAB3double0token0x7f0000000000(Expired at N/A)\nIsRootUser         true\n' ;;
          set-config|upload-chains|upload-chain-table) echo "Succeed" ;;
          list-chains)
            if [ -f "$state/admin_cli/list-chains.txt" ]; then cat "$state/admin_cli/list-chains.txt"
            elif [ -f "$workdir/mgmtd/config.d/chains.csv" ]; then
              awk -F, 'NR==1 {printf "ChainId  ReferencedBy  ChainVersion  Status  PreferredOrder"; for (i = 2; i <= NF; i++) printf "  Target"; print ""; next}
                       {printf "%s  1  1  SERVING  []", $1; for (i = 2; i <= NF; i++) printf "  %s(SERVING-UPTODATE)", $i; print ""}' "$workdir/mgmtd/config.d/chains.csv"
            else echo "ChainId  ReferencedBy  ChainVersion  Status  PreferredOrder  Target"; fi ;;
          list-targets)
            if [ -f "$state/admin_cli/list-targets.txt" ]; then cat "$state/admin_cli/list-targets.txt"
            elif [ -f "$workdir/mgmtd/config.d/chains.csv" ]; then
              # Node id and disk index come back out of 3FS's target id layout.
              awk -F, 'NR==1 {print "TargetId  ChainId  Role  PublicState  LocalState  NodeId  DiskIndex  UsedSize"; next}
                       {for (i = 2; i <= NF; i++) printf "%s  %s  %s  SERVING  UPTODATE  %d  %d  0\n", $i, $1, (i == 2 ? "HEAD" : (i == NF ? "TAIL" : "MIDDLE")), int($i / 100000) % 1000000, int($i / 100) % 1000 - 1}' "$workdir/mgmtd/config.d/chains.csv"
            else echo "TargetId  ChainId  Role  PublicState  LocalState  NodeId  DiskIndex  UsedSize"; fi ;;
          list-chain-tables)
            if [ -f "$state/admin_cli/list-chain-tables.txt" ]; then cat "$state/admin_cli/list-chain-tables.txt"
            elif [ -f "$workdir/mgmtd/config.d/chain-table.csv" ]; then
              printf 'ChainTableId  ChainTableVersion  ChainCount  ReplicaCount  Desc\n1  1  %s  1  double\n' "$(($(wc -l < "$workdir/mgmtd/config.d/chain-table.csv") - 1))"
            else echo "ChainTableId  ChainTableVersion  ChainCount  ReplicaCount  Desc"; fi ;;
          list-clients)
            if [ -f "$state/admin_cli/list-clients.txt" ]; then cat "$state/admin_cli/list-clients.txt"
            else echo "ClientId  ClientStart  SessionStart  LastExtend  ConfigVersion  Hostname  Description  Tags  ReleaseVersion"; fi ;;
          *) if [ -f "$state/admin_cli/$command.txt" ]; then cat "$state/admin_cli/$command.txt"; else echo "Encounter error: 1001(StatusCode::kNotImplemented)"; echo "double has no answer for $command"; fi ;;
        esac ;;
    esac ;;
  *)
    echo "docker engine double: unsupported command $1" >&2; exit 2 ;;
esac
