#!/bin/sh
# After removal or upgrade (deb: postrm; rpm: %postun): have systemd
# forget the unit files that are gone.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
