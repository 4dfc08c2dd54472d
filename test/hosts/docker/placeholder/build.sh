#!/bin/sh
# PLACEHOLDER stand-in images, used only until test/hosts/standin/build.sh (faithful stand-ins of 3FS,
# FoundationDB and ClickHouse) exists; same interface: build.sh OUTDIR writes OUTDIR/rootfs/{3fs,fdb,
# clickhouse}/ and OUTDIR/images.txt (image name and rootfs dir, then `docker import --change` lines).
# busybox-static shell scripts that answer what the deploy and status ask, no more: heartbeats go to
# the mgmtd placeholder over TCP (nc) so list-nodes shows what really runs; chains are what was uploaded.
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox) || { echo "busybox-static is not installed" >&2; exit 1; }
rm -rf "$out/rootfs"
for image in 3fs fdb clickhouse; do
  root="$out/rootfs/$image"
  mkdir -p "$root/bin" "$root/usr/bin" "$root/tmp" "$root/etc" "$root/var/log" "$root/proc" "$root/sys" "$root/dev"
  cp "$busybox" "$root/bin/busybox"
  for applet in sh cat echo sleep sed grep awk head tail cut tr cp mkdir ls hostname nc date sort uniq wc printf basename kill ps rm mount test env; do
    ln -sf busybox "$root/bin/$applet"
  done
  chmod 1777 "$root/tmp"
done
mkdir -p "$out/rootfs/3fs/opt/3fs/bin"
cp "$here/service.sh" "$here/admin_cli.sh" "$here/hb.sh" "$out/rootfs/3fs/opt/3fs/bin/"
for main in mgmtd_main meta_main storage_main monitor_collector_main hf3fs_fuse_main; do ln -sf service.sh "$out/rootfs/3fs/opt/3fs/bin/$main"; done
ln -sf admin_cli.sh "$out/rootfs/3fs/opt/3fs/bin/admin_cli"
cp "$here/fdb.sh" "$out/rootfs/fdb/usr/bin/fdbcli"
cp "$here/clickhouse.sh" "$out/rootfs/clickhouse/usr/bin/clickhouse-client"
chmod 0755 "$out"/rootfs/*/opt/3fs/bin/*.sh "$out/rootfs/fdb/usr/bin/fdbcli" "$out/rootfs/clickhouse/usr/bin/clickhouse-client" 2>/dev/null || true
cat > "$out/images.txt" <<TXT
open3fs/3fs:20250410 rootfs/3fs
ENV PATH=/opt/3fs/bin:/usr/bin:/bin
CMD ["/bin/sh"]
open3fs/foundationdb:7.3.63 rootfs/fdb
ENV PATH=/usr/bin:/bin
CMD ["/bin/sh", "-c", "exec sleep 2147483647"]
open3fs/clickhouse:25.1-jammy rootfs/clickhouse
ENV PATH=/usr/bin:/bin
CMD ["/bin/sh", "-c", "exec sleep 2147483647"]
TXT
