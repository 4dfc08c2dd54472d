#!/bin/sh
# Builds the 3FS/FoundationDB/ClickHouse stand-in programs (one static binary) and lays out three rootfs
# trees for `tar -C OUTDIR/rootfs/<name> -c . | docker import ...`, listed in OUTDIR/images.txt.
# Usage: test/hosts/standin/build.sh OUTDIR
# Needs g++ (static libstdc++/glibc) and Debian's busybox-static (/bin/busybox); bindfs is copied into the
# 3fs rootfs with its libraries when /usr/bin/bindfs exists (apt-get install bindfs).
set -eu
out=${1:?usage: build.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
bin="$out/standin"
cd "$src"
# Compiled in two halves side by side (2 cores), then linked.
objs="$out/obj"
mkdir -p "$objs"
compile() {
  for f in "$@"; do g++ -std=c++17 -O1 -pthread -Wall -c -o "$objs/${f%.cc}.o" "$f" || return 1; done
}
compile main.cc util.cc net.cc toml.cc config.cc common.cc fdb_client.cc 2>"$out/build-a.log" &
a=$!
compile fdbserver.cc fdbcli.cc mgmtd.cc node.cc admin_cli.cc clickhouse.cc grafana.cc 2>"$out/build-b.log" || { wait $a; cat "$out/build-b.log" >&2; exit 1; }
wait $a || { cat "$out/build-a.log" >&2; exit 1; }
g++ -static -pthread -o "$bin.tmp" "$objs"/*.o 2>"$out/build.log" || { cat "$out/build.log" >&2; exit 1; }
mv "$bin.tmp" "$bin"

busybox=/bin/busybox
[ -x "$busybox" ] || { echo "build.sh: $busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

# A root with busybox and its applets in /bin.
base() {
  root=$1
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/usr/bin" "$root/var/log"
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
  printf 'root:x:0:\n' > "$root/etc/group"
  mkdir -p "$root/opt/standin"
  cp "$bin" "$root/opt/standin/standin"
}

# 3FS image: /opt/3fs/bin/<service> (src/cluster/services.ts IMAGE_BIN_DIR), /opt/3fs/etc empty.
r3="$out/rootfs/3fs"
base "$r3"
mkdir -p "$r3/opt/3fs/bin" "$r3/opt/3fs/etc" "$r3/var/log/3fs"
for p in mgmtd_main meta_main storage_main hf3fs_fuse_main monitor_collector_main admin_cli; do
  ln -s ../../standin/standin "$r3/opt/3fs/bin/$p"
done
if [ -x /usr/bin/bindfs ]; then
  cp /usr/bin/bindfs "$r3/usr/bin/bindfs"
  for lib in $(ldd /usr/bin/bindfs | awk '/=>/ {print $3} /^\t\/lib/ {print $1}'); do
    mkdir -p "$r3$(dirname "$lib")"
    cp -L "$lib" "$r3$lib"
  done
  [ -e /usr/bin/fusermount3 ] && cp /usr/bin/fusermount3 "$r3/usr/bin/" || true
  [ -e /bin/fusermount ] && cp /bin/fusermount "$r3/usr/bin/" || true
fi

# FoundationDB image: the entrypoint /var/fdb/scripts/fdb.bash (FoundationDB's packaging/docker/fdb.bash)
# starting fdbserver; fdbcli and fdbserver in /usr/bin.
rf="$out/rootfs/fdb"
base "$rf"
mkdir -p "$rf/var/fdb/scripts" "$rf/var/fdb/data" "$rf/var/fdb/logs" "$rf/etc/foundationdb"
ln -s ../../opt/standin/standin "$rf/usr/bin/fdbserver"
ln -s ../../opt/standin/standin "$rf/usr/bin/fdbcli"
cp "$src/fdb-entrypoint.sh" "$rf/var/fdb/scripts/fdb.bash"
chmod 755 "$rf/var/fdb/scripts/fdb.bash"

# ClickHouse image: /usr/bin/clickhouse-server and clickhouse-client, the entrypoint /entrypoint.sh.
rc="$out/rootfs/clickhouse"
base "$rc"
mkdir -p "$rc/etc/clickhouse-server/config.d" "$rc/var/lib/clickhouse" "$rc/var/log/clickhouse-server"
for p in clickhouse clickhouse-server clickhouse-client; do ln -s ../../opt/standin/standin "$rc/usr/bin/$p"; done
printf '#!/bin/sh\n# Stand-in for the clickhouse image entrypoint: the server in the foreground.\nexec /usr/bin/clickhouse-server "$@"\n' > "$rc/entrypoint.sh"
chmod 755 "$rc/entrypoint.sh"

# Grafana image (m3fs: open3fs/grafana:12.0.0, grafana/grafana with the ClickHouse plugin): the image's
# entrypoint /run.sh starting the server, which reads /etc/grafana/provisioning (grafana.cc).
rg="$out/rootfs/grafana"
base "$rg"
mkdir -p "$rg/usr/share/grafana/bin" "$rg/etc/grafana/provisioning/datasources" "$rg/etc/grafana/provisioning/dashboards" "$rg/var/lib/grafana"
ln -s ../../../../opt/standin/standin "$rg/usr/share/grafana/bin/grafana"
printf '#!/bin/sh\n# Stand-in for the grafana image entrypoint: the server in the foreground.\nexec /usr/share/grafana/bin/grafana server "$@"\n' > "$rg/run.sh"
chmod 755 "$rg/run.sh"

# image<TAB>rootfs<TAB>--change lines for docker import, separated by ';;'
{
  printf 'open3fs/3fs:20250410\t%s\tWORKDIR /opt/3fs;;ENV PATH=/opt/3fs/bin:/usr/bin:/bin\n' "$r3"
  printf 'open3fs/foundationdb:7.3.63\t%s\tWORKDIR /var/fdb;;ENV FDB_PORT=4500;;ENV FDB_CLUSTER_FILE=/var/fdb/fdb.cluster;;ENV FDB_NETWORKING_MODE=container;;ENV FDB_PROCESS_CLASS=unset;;ENV PATH=/usr/bin:/bin;;ENTRYPOINT ["/var/fdb/scripts/fdb.bash"]\n' "$rf"
  printf 'open3fs/clickhouse:25.1-jammy\t%s\tENV PATH=/usr/bin:/bin;;EXPOSE 9000 8123 9009;;ENTRYPOINT ["/entrypoint.sh"]\n' "$rc"
  printf 'open3fs/grafana:12.0.0\t%s\tENV PATH=/usr/share/grafana/bin:/usr/bin:/bin;;ENV GF_PATHS_PROVISIONING=/etc/grafana/provisioning;;EXPOSE 3000;;ENTRYPOINT ["/run.sh"]\n' "$rg"
} > "$out/images.txt"
echo "built $bin and $(wc -l < "$out/images.txt") rootfs trees (see $out/images.txt)"
