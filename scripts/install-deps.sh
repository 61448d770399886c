#!/bin/bash
# install-deps.sh — install what orca_fdw needs from Debian 12's packages,
# only when something is missing.  Run as root (or with sudo).
set -euo pipefail
packages=(build-essential pkg-config cmake postgresql-15 postgresql-server-dev-15 postgresql-plpython3-15
	libcurl4-openssl-dev libxml2-dev libgtest-dev python3 clang-14 libclang-rt-14-dev openssl stunnel4
	# make deb and its test (test/package_test.sh): Debian's packaging tools and PostgreSQL's
	# (pg_buildext's debhelper integration is in postgresql-server-dev-all)
	dpkg-dev debhelper fakeroot postgresql-server-dev-all lintian
	# the client driver tests (test/clients/run.sh): psycopg2 and pyodbc for /usr/bin/python3,
	# psqlODBC under unixODBC, pgJDBC and a JDK to compile the Java test
	python3-psycopg2 python3-pyodbc odbc-postgresql unixodbc libpostgresql-jdbc-java default-jdk-headless)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		exec sudo "$0" "$@"
	fi
	echo "install-deps.sh: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a cluster on install; the tests and the demo use their own.
