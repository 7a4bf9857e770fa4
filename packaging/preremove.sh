#!/bin/sh
# Before removal, not before an upgrade (deb: remove; rpm: %preun with 0):
# stop the system service, so that no daemon runs on with its binary and
# unit gone. A running service is not restarted on upgrade either: that
# is "systemctl restart rekindle", when you choose.
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl stop rekindle.service || true
	fi
	;;
esac
