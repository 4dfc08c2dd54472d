#!/bin/sh
# Stand-in for FoundationDB's packaging/docker/fdb.bash (the entrypoint of the foundationdb image):
# writes FDB_CLUSTER_FILE_CONTENTS into the cluster file, picks the public address by
# FDB_NETWORKING_MODE (host: 127.0.0.1, container: this machine's address) and starts fdbserver on
# FDB_PORT. The real script listens on 0.0.0.0; test nodes share one network namespace, so this one
# listens on the node's own address (STANDIN_NODE_IP or the address its hostname has in /etc/hosts).
# STANDIN_FDB_DIR (tests only) replaces /var/fdb for the data and log directories.
set -e
FDB_CLUSTER_FILE=${FDB_CLUSTER_FILE:-/etc/foundationdb/fdb.cluster}
FDB_PORT=${FDB_PORT:-4500}
FDB_NETWORKING_MODE=${FDB_NETWORKING_MODE:-container}
mkdir -p "$(dirname "$FDB_CLUSTER_FILE")"
node_ip=${STANDIN_NODE_IP:-$(awk -v h="$(hostname)" '$1 !~ /:/ { for (i = 2; i <= NF; i++) if ($i == h) { print $1; exit } }' /etc/hosts)}
node_ip=${node_ip:-127.0.0.1}
if [ "$FDB_NETWORKING_MODE" = host ]; then
  public_ip=127.0.0.1
elif [ "$FDB_NETWORKING_MODE" = container ]; then
  public_ip=$node_ip
else
  echo "Unknown FDB Networking mode \"$FDB_NETWORKING_MODE\"" >&2
  exit 1
fi
if [ -z "$FDB_CLUSTER_FILE_CONTENTS" ] && [ ! -s "$FDB_CLUSTER_FILE" ]; then
  echo "Warning: No configuration available, falling back to self-coordinated." >&2
  FDB_CLUSTER_FILE_CONTENTS="docker:docker@$public_ip:$FDB_PORT"
fi
[ -n "$FDB_CLUSTER_FILE_CONTENTS" ] && echo "$FDB_CLUSTER_FILE_CONTENTS" > "$FDB_CLUSTER_FILE"
listen_ip=${LISTEN_IP:-$node_ip}
export FDB_CLUSTER_FILE
echo "Starting FDB server on $public_ip:$FDB_PORT, listening on $listen_ip:$FDB_PORT"
exec fdbserver --listen-address "$listen_ip:$FDB_PORT" --public-address "$public_ip:$FDB_PORT" \
  --datadir "${STANDIN_FDB_DIR:-/var/fdb}/data" --logdir "${STANDIN_FDB_DIR:-/var/fdb}/logs" \
  --locality-zoneid="$(hostname)" --locality-machineid="$(hostname)" --class "${FDB_PROCESS_CLASS:-unset}" "$@"
