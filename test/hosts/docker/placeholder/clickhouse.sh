#!/bin/sh
# PLACEHOLDER clickhouse-client.
case "$*" in *--query*) echo 1 ;; *) cat > /dev/null ;; esac
