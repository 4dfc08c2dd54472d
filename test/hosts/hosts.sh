#!/usr/bin/env bash
# Test hosts: N real sshd "nodes" on this machine, each on its own loopback address, in private mount
# and UTS namespaces (own hostname, own /opt/3fs, /var/log/3fs and /home), all sharing one directory at
# /3fs as nodes share a 3FS mount. Nothing of the machine's own ssh setup is read or changed: per-run
# host keys, user keys, authorized_keys, known_hosts, and a private passwd/shadow/sudoers bound over
# /etc inside the nodes only. Needs root.
#
# With --docker each node also runs its own dockerd inside its namespaces, as a real node runs one:
# the plain `docker` in an SSH session reaches it at /var/run/docker.sock (a private tmpfs over /run),
# its bind mounts see the node's /opt/3fs, /var/log/3fs and /3fs, and / is a shared mount as on a
# systemd host (docker refuses bind-propagation=rshared otherwise). Socket, data root, exec root,
# pidfile, log and cgroup parent are the node's own, under DIR; the node gets a pid namespace too, so
# that stopping it ends dockerd, containerd, the shims and the containers, and nothing else. The OCI
# runtime is docker/oci-runtime.sh, which removes from each container spec only what this sandbox's
# kernel refuses (see docker/oci-strip.mjs) and logs it to DIR/nodes/NODE/oci-strip.log.
#
# With --bastion HIDDEN, a private network is added: a network namespace (held by one `sleep` process
# started with `unshare --net`) joined to this machine only by a veth pair with a /30 of 10.x addresses.
# Node "bastion" listens on the namespace's end of the veth (reachable from here); nodes hidden1..HIDDEN
# listen on 127.x addresses of the namespace's OWN loopback, which no other namespace can reach: 127/8
# is local to every network namespace, so from this machine that address is this machine's loopback,
# where nothing listens. They are reachable only through the bastion (ssh -J, or a direct-tcpip channel).
# The bastion's sshd logs at VERBOSE, so DIR/nodes/bastion/sshd.log has one "Connection from" line per
# TCP connection it accepted. Needs `ip` (iproute2) and veth support.
#
#   hosts.sh up DIR COUNT [--docker] [--bastion HIDDEN]
#                             start COUNT nodes, write DIR/hosts.env and DIR/nodes.tsv
#   hosts.sh down DIR         stop every process this run started (by pid) and undo its mounts
#   hosts.sh stop|freeze|thaw|start DIR NODE
#   hosts.sh docker DIR NODE ARGS...  the docker CLI against NODE's dockerd (from outside the node)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

SSH_USER_NOPW=tfs-nopw        # sudo without password
SSH_USER_PW=tfs-pw            # sudo with password (and password login)
USER_PASSWORD='login-pw-4711'
SUDO_PASSWORD="$USER_PASSWORD" # sudo asks for the user's own password
KEY_PASSPHRASE='key-pass-0815'

die() { echo "hosts.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (namespaces, bind mounts, sshd)"
command -v /usr/sbin/sshd >/dev/null || die "openssh-server is not installed (apt-get install openssh-server)"
command -v sudo >/dev/null || die "sudo is not installed (apt-get install sudo)"

descendants() { # pid -> pid and all its descendants
  local pid=$1
  echo "$pid"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do descendants "$child"; done
}

node_field() { # DIR NODE FIELD(2=ip 3=port)
  awk -v n="$2" -v f="$3" '$1==n {print $f}' "$1/nodes.tsv"
}

docker_boot() { # DIR NODEDIR: the lines of boot.sh that give a node its dockerd
  local dir=$1 nd=$2 cg; cg="3fs-cli-$(basename "$dir")-$(basename "$nd")"
  cat <<BOOT
# A systemd host makes / shared; docker refuses bind-propagation=rshared on a private mount.
mount --make-rshared /
# The node's own /run (sshd needs /run/sshd), so /var/run/docker.sock is this node's dockerd.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/sshd
# A restart after a hard stop is a reboot: runtime state does not survive it (stale pids would).
rm -rf $nd/docker-exec $nd/dockerd.pid
mkdir -p $nd/docker-data
dockerd -H unix:///run/docker.sock -H unix://$nd/docker.sock --data-root $nd/docker-data \\
  --exec-root $nd/docker-exec --pidfile $nd/dockerd.pid --cgroup-parent /$cg \\
  --iptables=false --ip6tables=false --ip-masq=false --bridge=none \\
  --add-runtime oci-strip=$nd/oci-runtime.sh --default-runtime oci-strip >>$nd/dockerd.log 2>&1 < /dev/null &
BOOT
}

in_netns() { # DIR CMD...: run CMD in the private network namespace of --bastion
  nsenter --net="/proc/$(cat "$1/netns.pid")/ns/net" "${@:2}"
}

start_node() { # DIR NAME IP PORT
  local dir=$1 name=$2 ip=$3 port=$4 nd="$1/nodes/$2"
  mkdir -p "$nd/opt3fs" "$nd/varlog3fs" "$nd/home"
  # Nodes of the private network (--bastion) start inside its network namespace.
  local netns=() sshd_extra=""
  [ ! -f "$nd/in-netns" ] || netns=(nsenter --net="/proc/$(cat "$dir/netns.pid")/ns/net")
  [ ! -f "$nd/sshd-extra" ] || sshd_extra=$(cat "$nd/sshd-extra")
  local docker=""
  if [ -f "$dir/docker-mode" ]; then
    sed -e "s|@HERE@|$HERE/docker|" -e "s|@NODE_BIN@|$(command -v node)|" -e "s|@OCI_STRIP_LOG@|$nd/oci-strip.log|" \
      "$HERE/docker/oci-runtime.sh" > "$nd/oci-runtime.sh"
    chmod 0755 "$nd/oci-runtime.sh"
    docker=$(docker_boot "$dir" "$nd")
  fi
  cat > "$nd/hosts" <<HOSTS
127.0.0.1 localhost
$ip $name
HOSTS
  # The inner script runs inside the node's namespaces: private mounts, own hostname, then sshd.
  cat > "$nd/boot.sh" <<BOOT
set -e
hostname $name
mount --bind $nd/opt3fs /opt/3fs
mount --bind $nd/varlog3fs /var/log/3fs
mount --bind $dir/shared3fs /3fs
mount --bind $dir/etc/passwd /etc/passwd
mount --bind $dir/etc/shadow /etc/shadow
mount --bind $dir/etc/group /etc/group
mount --bind $dir/etc/sudoers /etc/sudoers
mount -t tmpfs -o mode=0755 tmpfs /home
for u in $SSH_USER_NOPW $SSH_USER_PW; do mkdir -p /home/\$u; chown \$u:\$u /home/\$u; done
mount --bind $nd/hosts /etc/hosts
$docker
exec /usr/sbin/sshd -D -e -f $dir/sshd_config -o ListenAddress=$ip:$port -o HostKey=$nd/host_key -o PidFile=$nd/sshd.pid $sshd_extra
BOOT
  local pidns=()
  [ -z "$docker" ] || pidns=(--pid --fork --mount-proc --kill-child)
  setsid "${netns[@]}" unshare --mount --uts "${pidns[@]}" --propagation private sh "$nd/boot.sh" >"$nd/sshd.log" 2>&1 < /dev/null &
  echo $! > "$nd/pid"
}

node_docker() { # DIR NODE ARGS...: the docker CLI against that node's dockerd
  local nd="$1/nodes/$2"; shift 2
  docker -H "unix://$nd/docker.sock" "$@"
}

wait_docker() { # DIR NODE
  local nd="$1/nodes/$2"
  for _ in $(seq 1 300); do
    if node_docker "$1" "$2" version --format '{{.Server.Version}}' >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  tail -n 20 "$nd/dockerd.log" >&2 || true
  return 1
}

cleanup_docker() { # DIR NODE: after the node's processes are gone, its cgroups (and at down, its data root)
  local dir=$1 nd="$1/nodes/$2" cg; cg="3fs-cli-$(basename "$1")-$2"
  for controller in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
    [ -d "$controller" ] || continue
    # Killed tasks leave their cgroups a moment later; empty cgroup directories are removed with rmdir.
    for _ in $(seq 1 50); do
      find "$controller" -depth -type d -exec rmdir {} \; 2>/dev/null || true
      [ -d "$controller" ] || break
      sleep 0.1
    done
  done
}

wait_listening() { # IP PORT [DIR NODE]: with DIR NODE, from the namespace the node runs in
  local probe=(bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2")
  if [ -n "${4:-}" ] && [ -f "$3/nodes/$4/in-netns" ]; then probe=(in_netns "$3" "${probe[@]}"); fi
  # Up to 10 s: a dozen sshds starting at once on a loaded 2-core machine can take a few seconds.
  for _ in $(seq 1 200); do
    if "${probe[@]}" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

private_network() { # DIR HIDDEN NET PORT: the namespace, its veth, the bastion and the hidden nodes
  local dir=$1 hidden=$2 port=$4
  command -v ip >/dev/null || die "--bastion needs iproute2 (apt-get install iproute2)"
  setsid unshare --net sh -c 'ip link set lo up && exec sleep infinity' </dev/null >/dev/null 2>&1 &
  echo $! > "$dir/netns.pid"
  for _ in $(seq 1 100); do
    [ "$(readlink "/proc/$(cat "$dir/netns.pid")/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.02
  done
  # A /30 of 10.200-249.x.y for the veth: this machine's end .1, the namespace's end (the bastion) .2.
  local base="10.$((RANDOM % 50 + 200)).$((RANDOM % 250)).$(((RANDOM % 60) * 4))"
  local prefix=${base%.*} last=${base##*.}
  local outside="$prefix.$((last + 1))" inside="$prefix.$((last + 2))"
  local veth="tfs$((RANDOM % 100000))"
  echo "$veth" > "$dir/veth"
  echo "$outside" > "$dir/bastion-client-ip"
  ip link add "$veth" type veth peer name "${veth}b" netns "$(cat "$dir/netns.pid")"
  ip addr add "$outside/30" dev "$veth" && ip link set "$veth" up
  in_netns "$dir" ip addr add "$inside/30" dev "${veth}b"
  in_netns "$dir" ip link set "${veth}b" up
  add_node "$dir" bastion "$inside" "$port" netns "-o LogLevel=VERBOSE"
  # The hidden nodes' loopback /24 (127.230-255.x) differs from the visible nodes' (127.20-219.x), so no
  # address is ever shared; every octet stays <= 255 (127.258.x made the bastion test fail at random).
  local hidden_net="127.$((RANDOM % 26 + 230)).$((RANDOM % 250 + 1))"
  for i in $(seq 1 "$hidden"); do add_node "$dir" "hidden$i" "$hidden_net.$((10 + i))" "$port" netns ""; done
}

add_node() { # DIR NAME IP PORT [netns] [SSHD_OPTIONS]
  local dir=$1 name=$2 ip=$3 port=$4 nd="$1/nodes/$2"
  mkdir -p "$nd"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$nd/host_key"
  [ "${5:-}" != netns ] || touch "$nd/in-netns"
  [ -z "${6:-}" ] || echo "$6" > "$nd/sshd-extra"
  printf '%s\t%s\t%s\n' "$name" "$ip" "$port" >> "$dir/nodes.tsv"
  echo "[$ip]:$port $(cut -d' ' -f1,2 "$nd/host_key.pub")" >> "$dir/known_hosts"
  start_node "$dir" "$name" "$ip" "$port"
}

up() {
  local dir=$1 count=$2 mode="" hidden=0
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      --docker) mode=--docker ;;
      --bastion) hidden=${2:?--bastion needs a count}; shift ;;
      "") ;;
      *) die "unknown option $1" ;;
    esac
    shift
  done
  mkdir -p "$dir" && chmod 0755 "$dir"
  if [ "$mode" = --docker ]; then
    command -v dockerd >/dev/null || die "docker.io is not installed (apt-get install docker.io)"
    command -v runc >/dev/null || die "runc is not installed (it comes with docker.io)"
    command -v node >/dev/null || die "node is not on PATH (the OCI runtime wrapper runs oci-strip.mjs with it)"
    touch "$dir/docker-mode"
  fi
  mkdir -p "$dir/nodes" "$dir/etc" "$dir/shared3fs" /run/sshd
  chmod 1777 "$dir/shared3fs"
  for path in /3fs /opt/3fs /var/log/3fs; do
    if [ ! -d "$path" ]; then mkdir -p "$path"; echo "$path" >> "$dir/created-dirs"; fi
  done

  ssh-keygen -q -t ed25519 -N '' -C 3fs-cli-test -f "$dir/user_key"
  ssh-keygen -q -t ecdsa -N '' -C 3fs-cli-test-ecdsa -f "$dir/user_key_ecdsa"
  ssh-keygen -q -t rsa -b 2048 -N '' -C 3fs-cli-test-rsa -f "$dir/user_key_rsa"
  ssh-keygen -q -t ed25519 -N "$KEY_PASSPHRASE" -C 3fs-cli-test-enc -f "$dir/user_key_encrypted"
  ssh-keygen -q -t ed25519 -N '' -C not-authorized -f "$dir/stranger_key"
  cat "$dir"/user_key.pub "$dir"/user_key_ecdsa.pub "$dir"/user_key_rsa.pub "$dir"/user_key_encrypted.pub > "$dir/authorized_keys"
  chmod 0644 "$dir/authorized_keys"

  # Private account files: the machine's own, plus two test users; root may log in with a key.
  local hash; hash=$(openssl passwd -6 "$USER_PASSWORD")
  cp /etc/passwd "$dir/etc/passwd"; cp /etc/group "$dir/etc/group"; cp /etc/sudoers "$dir/etc/sudoers"
  sed 's/^root:![^:]*:/root:*:/' /etc/shadow > "$dir/etc/shadow"
  local uid=47001
  for u in $SSH_USER_NOPW $SSH_USER_PW; do
    echo "$u:x:$uid:$uid:3fs-cli test user:/home/$u:/bin/bash" >> "$dir/etc/passwd"
    echo "$u:x:$uid:" >> "$dir/etc/group"
    echo "$u:$hash:19000:0:99999:7:::" >> "$dir/etc/shadow"
    uid=$((uid + 1))
  done
  chmod 0640 "$dir/etc/shadow"; chown root:shadow "$dir/etc/shadow" 2>/dev/null || true
  printf '%s ALL=(ALL) NOPASSWD: ALL\n%s ALL=(ALL) ALL\n' "$SSH_USER_NOPW" "$SSH_USER_PW" >> "$dir/etc/sudoers"
  chmod 0440 "$dir/etc/sudoers"

  cat > "$dir/sshd_config" <<CONF
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin yes
UsePAM no
StrictModes no
LogLevel ERROR
MaxStartups 200:30:400
MaxSessions 32
Subsystem sftp internal-sftp
CONF

  # A random loopback /24 and port per run, so runs and the machine's own sshd never collide.
  local net="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
  local port=$((RANDOM % 20000 + 20000))
  : > "$dir/nodes.tsv"; : > "$dir/known_hosts"
  for i in $(seq 1 "$count"); do add_node "$dir" "node$i" "$net.$((10 + i))" "$port"; done
  [ "$hidden" = 0 ] || private_network "$dir" "$hidden" "$net" "$port"
  while read -r name ip p; do
    wait_listening "$ip" "$p" "$dir" "$name" || { cat "$dir/nodes/$name/sshd.log" >&2; die "$name did not start listening on $ip:$p"; }
    if [ -f "$dir/docker-mode" ]; then wait_docker "$dir" "$name" || die "the dockerd of $name did not answer"; fi
  done < "$dir/nodes.tsv"
  cat > "$dir/hosts.env" <<ENV
HOSTS_DIR=$dir
HOSTS_PORT=$port
USER_NOPW=$SSH_USER_NOPW
USER_PW=$SSH_USER_PW
USER_PASSWORD=$USER_PASSWORD
SUDO_PASSWORD=$SUDO_PASSWORD
KEY_PASSPHRASE=$KEY_PASSPHRASE
DOCKER=$([ -f "$dir/docker-mode" ] && echo 1 || echo 0)
ENV
}

signal_node() { # DIR NODE SIGNAL
  local pid; pid=$(cat "$1/nodes/$2/pid" 2>/dev/null) || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  for p in $(descendants "$pid"); do kill "-$3" "$p" 2>/dev/null || true; done
}

stop_node() { # DIR NODE: kill sshd and every session it started; its namespace and mounts go with them
  # (with --docker, also its dockerd and containers: their pid namespace ends with its first process)
  signal_node "$1" "$2" CONT
  signal_node "$1" "$2" KILL
  rm -f "$1/nodes/$2/pid"
  if [ -f "$1/docker-mode" ]; then cleanup_docker "$1" "$2"; fi
}

down() {
  local dir=$1
  [ -f "$dir/nodes.tsv" ] || return 0
  while read -r name _ _; do stop_node "$dir" "$name"; done < "$dir/nodes.tsv"
  # The private network: its namespace ends with its holder, taking the veth's inner end (and so the pair).
  if [ -f "$dir/netns.pid" ]; then kill "$(cat "$dir/netns.pid")" 2>/dev/null || true; fi
  if [ -f "$dir/veth" ]; then ip link del "$(cat "$dir/veth")" 2>/dev/null || true; fi
  # The mount points made at up (/3fs, /opt/3fs, /var/log/3fs) stay: removing a directory detaches the
  # mounts on it in EVERY mount namespace, so an rmdir here unmounted the node binds of any other run
  # still going on this machine (its nodes then wrote into the machine's own /opt/3fs, all alike).
  rm -rf "$dir"
}

cmd=${1:-}; shift || true
case "$cmd" in
  up) up "$@" ;;
  down) down "$1" ;;
  stop) stop_node "$1" "$2" ;;
  freeze) signal_node "$1" "$2" STOP ;;
  thaw) signal_node "$1" "$2" CONT ;;
  start)
    start_node "$1" "$2" "$(node_field "$1" "$2" 2)" "$(node_field "$1" "$2" 3)"
    wait_listening "$(node_field "$1" "$2" 2)" "$(node_field "$1" "$2" 3)" "$1" "$2" || die "$2 did not restart"
    if [ -f "$1/docker-mode" ]; then wait_docker "$1" "$2" || die "the dockerd of $2 did not restart"; fi
    ;;
  docker) node_docker "$@" ;;
  *) die "usage: hosts.sh up DIR COUNT [--docker] [--bastion HIDDEN] | down DIR | stop|freeze|thaw|start DIR NODE | docker DIR NODE ARGS..." ;;
esac
