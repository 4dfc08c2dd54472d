#!/bin/sh
# PLACEHOLDER admin_cli: answers from the heartbeats mgmtd received and from the chains uploaded.
state=/var/log/3fs
answer() {
  set -- $1
  case "$1" in
    init-cluster) echo "Init filesystem, root directory layout: chain table ChainTableId(1)" ;;
    user-add) printf 'Uid                0\nName               root\nToken              AAB3placeholder0token0x7f00000(Expired at N/A)\nIsRootUser         true\n' ;;
    set-config|create-target) echo "Succeed" ;;
    upload-chains) cp "$2" "$state/.chains.csv" && echo "Succeed" ;;
    upload-chain-table) echo "Succeed" ;;
    list-nodes)
      echo "Id     Type     Status               Hostname  Pid  Tags  LastHeartbeatTime    ConfigVersion  ReleaseVersion"
      echo "1      MGMTD    PRIMARY_MGMTD        $(hostname)     1   []    N/A                  1(UPTODATE)    250228-dev"
      [ -f "$state/.heartbeats" ] && sort -k2,2n -k4r "$state/.heartbeats" | awk '!seen[$2]++ {printf "%s  %s  HEARTBEAT_CONNECTED  %s  1  []  %s %s  1(UPTODATE)  250228-dev\n", $2, $1, $3, $4, $5}'
      ;;
    list-chains)
      if [ -f "$state/.chains.csv" ]; then
        awk -F, 'NR==1 {printf "ChainId  ReferencedBy  ChainVersion  Status  PreferredOrder"; for (i = 2; i <= NF; i++) printf "  Target"; print ""; next}
                 {printf "%s  1  1  SERVING  []", $1; for (i = 2; i <= NF; i++) printf "  %s(SERVING-UPTODATE)", $i; print ""}' "$state/.chains.csv"
      else echo "ChainId  ReferencedBy  ChainVersion  Status  PreferredOrder  Target"; fi ;;
    list-targets)
      echo "TargetId  ChainId  Role  PublicState  LocalState  NodeId  DiskIndex  UsedSize"
      [ -f "$state/.chains.csv" ] && awk -F, 'NR>1 {for (i = 2; i <= NF; i++) printf "%s  %s  %s  SERVING  UPTODATE  %d  %d  0\n", $i, $1, (i == 2 ? "HEAD" : (i == NF ? "TAIL" : "MIDDLE")), int($i / 100000) % 1000000, int($i / 100) % 1000 - 1}' "$state/.chains.csv"
      ;;
    list-chain-tables)
      echo "ChainTableId  ChainTableVersion  ChainCount  ReplicaCount  Desc"
      [ -f "$state/.chains.csv" ] && echo "1  1  $(($(wc -l < "$state/.chains.csv") - 1))  1  placeholder" ;;
    list-clients) echo "ClientId  ClientStart  SessionStart  LastExtend  ConfigVersion  Hostname  Description  Tags  ReleaseVersion" ;;
    *) echo "Encounter error: 1001(StatusCode::kNotImplemented)"; echo "placeholder has no answer for $1" ;;
  esac
}
while [ $# -gt 0 ]; do case "$1" in -cfg|--cfg) shift 2 ;; --) shift ;; *) break ;; esac; done
if [ $# -eq 0 ]; then
  while IFS= read -r line; do [ -n "$line" ] && answer "$line"; done
else
  answer "$*"
fi
