#!/bin/sh
# PLACEHOLDER fdbcli.
case "$*" in
  *configure*) echo "Database created" ;;
  *json*) echo '{"client":{"database_status":{"available":true,"healthy":true}},"cluster":{}}' ;;
  *) echo "The database is available." ;;
esac
