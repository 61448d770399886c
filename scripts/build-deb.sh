#!/bin/bash
# build-deb.sh — the Debian packages of this tree (`make deb`):
#   postgresql-15-orca-fdw_<version>_<arch>.deb   the extension (pg_buildext, debian/rules)
#   orca-sim_<version>_<arch>.deb                 the simulator
# in build/deb/ (DEB_OUT=dir to put them elsewhere), with the .changes, .buildinfo and the build
# log; then lintian's verdict on them, when lintian is installed.
#
# dpkg-buildpackage -b runs in a copy of the tree's files (tracked and untracked, not ignored)
# under /tmp, never in the checkout: the packaging's own `make install` goes to a staging
# directory there, and the build-time smoke test's cluster (the postgres user) can read it.
# Needs dpkg-dev, debhelper and postgresql-server-dev-all (scripts/install-deps.sh).
# DEB_BUILD_OPTIONS passes through (nocheck skips the build-time smoke test).
set -euo pipefail
umask 022 # the build-time smoke test's cluster runs as postgres and reads the staging directory
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${DEB_OUT:-$top/build/deb}
jobs=${JOBS:-2}

version=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" orca_fdw.control)
package_version=$(dpkg-parsechangelog -l debian/changelog -S Version)
if [ "$package_version" != "$version" ]; then
	echo "build-deb.sh: debian/changelog's version is $package_version, orca_fdw.control's is $version:" >&2
	echo "  add a debian/changelog entry for $version (CONTRIBUTING.md, \"Releasing\")" >&2
	exit 1
fi
for tool in dpkg-buildpackage dh pg_buildext; do
	command -v "$tool" >/dev/null || {
		echo "build-deb.sh: $tool is missing: scripts/install-deps.sh installs dpkg-dev, debhelper, postgresql-server-dev-all" >&2
		exit 1
	}
done

work=$(mktemp -d /tmp/orca_deb.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
src=$work/orca-fdw-$version
mkdir "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf - | tar -xf - -C "$src"
else
	tar --exclude=./build --exclude='./build-*' --exclude=./.pgiso -cf - . | tar -xf - -C "$src"
	(cd "$src" && make -s clean >/dev/null 2>&1 || true)
fi

echo "building the packages of orca_fdw $version (log: $out/build.log)"
status=0
(cd "$src" && dpkg-buildpackage -b -us -uc -j"$jobs") >"$work/build.log" 2>&1 || status=$?
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
cp "$work/build.log" "$out/build.log"
if [ "$status" -ne 0 ]; then
	tail -60 "$work/build.log"
	echo "build-deb.sh: dpkg-buildpackage failed (exit $status); the whole log is $out/build.log" >&2
	exit "$status"
fi
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
ls -1 "$out"/*.deb
if command -v lintian >/dev/null; then
	echo "lintian:"
	lintian --info --display-info "$out"/*.deb || true
fi
