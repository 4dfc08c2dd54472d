#!/bin/sh
# PLACEHOLDER mgmtd heartbeat receiver: one line "TYPE ID HOSTNAME" per connection.
read -r type id host
[ -n "$id" ] && echo "$type $id $host $(date -u '+%Y-%m-%d %H:%M:%S')" >> /var/log/3fs/.heartbeats
