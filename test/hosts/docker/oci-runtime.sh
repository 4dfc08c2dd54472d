#!/bin/sh
# OCI runtime for the test hosts' dockerd (registered with --add-runtime / --default-runtime): before
# `runc create` or `runc exec --process`, oci-strip.mjs removes from the spec what this sandbox's kernel
# refuses (see there) and logs it to $OCI_STRIP_LOG; then runc runs with the same arguments.
# Usage by hosts.sh: a copy per node with NODE_BIN, OCI_STRIP_LOG and HERE filled in.
here=@HERE@
sub=""; bundle=""; procfile=""; id=""; prev=""
for arg in "$@"; do
  case "$prev" in
    --bundle|-b) bundle=$arg ;;
    --process|-p) procfile=$arg ;;
  esac
  case "$arg" in
    --bundle=*) bundle=${arg#--bundle=} ;;
    --process=*) procfile=${arg#--process=} ;;
    create|run|exec) [ -z "$sub" ] && sub=$arg ;;
  esac
  prev=$arg; id=$arg
done
spec=""
case "$sub" in
  create|run) [ -n "$bundle" ] && spec="$bundle/config.json" ;;
  exec) spec=$procfile ;;
esac
if [ -n "$spec" ] && [ -f "$spec" ]; then
  @NODE_BIN@ "$here/oci-strip.mjs" "$spec" @OCI_STRIP_LOG@ "$id" || exit 1
fi
exec runc "$@"
