#!/bin/sh
# After an install or upgrade (deb: configure; rpm: %post): create the
# system user rekindle.service runs as, and have systemd read the new unit
# files. The service is never enabled or started here: see
# /usr/share/doc/rekindle/README.md.
set -e
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers rekindle.conf
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
