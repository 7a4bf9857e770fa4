#!/bin/sh
# Prints the version that make deb and make rpm give the binary (rekindle
# --version) and the package, from Git, in semver (nfpm turns it into
# dpkg's and rpm's spelling):
#   on the tag v1.2.0           1.2.0
#   3 commits past v1.2.0       1.2.0+3.g4bcd3b9       (sorts after 1.2.0)
#   before the first tag        0.0.0-git20261130.g4bcd3b9
#                               (deb and rpm: 0.0.0~git20261130.g4bcd3b9)
# with ".dirty" or "+dirty" added when tracked files have changes.
# Outside a Git checkout: 0.0.0.
set -eu
cd "$(dirname "$0")/.."
if ! git rev-parse --verify -q HEAD >/dev/null 2>&1; then
	echo 0.0.0
	exit
fi
hash=$(git rev-parse --short=7 HEAD)
meta=
if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then
	base=${tag#v}
	n=$(git rev-list --count "$tag"..HEAD)
	if [ "$n" -gt 0 ]; then
		meta=$n.g$hash
	fi
else
	day=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d)
	base=0.0.0-git$day.g$hash
fi
if ! git diff --quiet HEAD --; then
	meta=${meta:+$meta.}dirty
fi
echo "$base${meta:++$meta}"
