#!/bin/bash
# package_test.sh — the release: one version everywhere, and Debian packages people can install.
#
#   version    orca_fdw.control's default_version is what the Makefile (make print-version),
#              CMake (cmake/orca_version.cmake), debian/changelog, META.json (version, provides,
#              its file) and CHANGELOG.md say, and the User-Agent compiled into orca_fdw.so;
#              debian/control is generated from debian/control.in (pg_buildext checkcontrol);
#              META.json has PGXN's required fields and the license debian/copyright states;
#              a released version's SQL scripts (tag vX.Y.Z) are unchanged in this tree.
#   packages   make deb (scripts/build-deb.sh: dpkg-buildpackage with pg_buildext, in a copy
#              of the tree under /tmp) builds postgresql-15-orca-fdw_<version>_<arch>.deb and
#              orca-sim_<version>_<arch>.deb; their file lists are exactly what they must ship
#              (the module, the control file, every version's SQL script, docs, the simulator
#              and its manual page); their dependencies are the PostgreSQL 15 server and runtime
#              libraries only, each satisfied by this Debian machine's packages; lintian reports
#              no error or warning (overrides in debian/*.lintian-overrides each carry a comment).
#   installed  the packages' files, unpacked into a scratch root (dpkg -x), resolve their
#              libraries (ldd) and work: debian/tests/installed runs the packaged orca-sim and a
#              scratch cluster that loads the extension from that root (extension_destdir):
#              CREATE EXTENSION, IMPORT FOREIGN SCHEMA, all the simulator's patients and one by
#              id, and the backend mapped the root's orca_fdw.so.  Nothing is installed into the
#              system.
#
# Needs dpkg-dev, debhelper, postgresql-server-dev-all and lintian (scripts/install-deps.sh) and
# the PGXS build (make: orca_fdw.so for the User-Agent check).  PACKAGE_KEEP=1 keeps the work
# directory.  Prints "N passed, N failed"; exits 1 on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# same WHAT WANT GOT
same() { if [ "$3" = "$2" ]; then pass "$1: $3"; else fail "$1: '$3', want '$2'"; fi; }

work=$(mktemp -d /tmp/orca_package.XXXXXX)
chmod 755 "$work"
cleanup() { if [ "${PACKAGE_KEEP:-0}" = 1 ]; then echo "kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

# ---------------------------------------------------------------------------
echo "=== version"
version=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" orca_fdw.control)
if [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	pass "orca_fdw.control: default_version $version (MAJOR.MINOR.PATCH)"
else
	fail "orca_fdw.control: default_version '$version' is not MAJOR.MINOR.PATCH"
fi
same "Makefile (make print-version)" "$version" "$(make -s --no-print-directory print-version 2>&1)"
same "CMake (cmake -P cmake/orca_version.cmake)" "$version" "$(cmake -P cmake/orca_version.cmake 2>&1)"
same "debian/changelog" "$version" "$(dpkg-parsechangelog -l debian/changelog -S Version 2>&1)"
if grep -qE "^## $version( |$)" CHANGELOG.md; then
	pass "CHANGELOG.md has a section '## $version'"
else
	fail "CHANGELOG.md has no section '## $version'"
fi
if [ -f orca_fdw.so ]; then
	same "User-Agent in orca_fdw.so" "orca_fdw/$version" "$(strings orca_fdw.so | grep -E '^orca_fdw/[0-9]' | sort -u | tr '\n' ' ' | sed 's/ $//')"
else
	fail "orca_fdw.so is not built (make): the User-Agent cannot be checked"
fi
meta=$(python3 - "$version" <<-'PY' 2>&1
	import json, os, re, sys
	version = sys.argv[1]
	problems = []
	try:
	    m = json.load(open("META.json", encoding="utf-8"))
	except Exception as e:
	    print("META.json is not JSON: %s" % e)
	    sys.exit(0)
	for key in ("name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"):
	    if key not in m:
	        problems.append("no %r" % key)
	if m.get("name") != "orca_fdw":
	    problems.append("name %r" % m.get("name"))
	if m.get("version") != version:
	    problems.append("version %r" % m.get("version"))
	p = m.get("provides", {}).get("orca_fdw", {})
	if p.get("version") != version:
	    problems.append("provides.orca_fdw.version %r" % p.get("version"))
	if p.get("file") != "orca_fdw--%s.sql" % version or not os.path.isfile(p.get("file", "")):
	    problems.append("provides.orca_fdw.file %r (want orca_fdw--%s.sql, which exists)" % (p.get("file"), version))
	if m.get("meta-spec", {}).get("version") != "1.0.0":
	    problems.append("meta-spec.version %r" % m.get("meta-spec", {}).get("version"))
	if m.get("release_status", "stable") not in ("stable", "testing", "unstable"):
	    problems.append("release_status %r" % m.get("release_status"))
	copyright = open("debian/copyright", encoding="utf-8").read()
	licenses = set(re.findall(r"^License: (\S+)", copyright, re.M))
	if {l.lower() for l in licenses} != {str(m.get("license")).lower()}:
	    problems.append("license %r, debian/copyright says %s" % (m.get("license"), sorted(licenses)))
	print("; ".join(problems) if problems else "ok")
	PY
)
if [ "$meta" = ok ]; then
	pass "META.json: PGXN meta-spec 1.0.0 fields, version $version, provides orca_fdw--$version.sql, the license of debian/copyright"
else
	fail "META.json: $meta"
fi
if out=$(pg_buildext checkcontrol 2>&1); then
	pass "debian/control is generated from debian/control.in and debian/pgversions"
else
	fail "debian/control: $out"
fi
tags=$(git tag -l 'v[0-9]*' 2>/dev/null)
if [ -z "$tags" ]; then
	echo "(no release tags v* yet: no released script to compare)"
fi
for tag in $tags; do
	v=${tag#v}
	changed=
	for f in $(git ls-tree --name-only "$tag" -- 2>/dev/null | grep -E "^orca_fdw--([^-]+--)?$v\.sql$"); do
		git diff --quiet "$tag" -- "$f" || changed+=" $f"
		[ -f "$f" ] || changed+=" $f(removed)"
	done
	if [ -z "$changed" ]; then
		pass "$tag: the released scripts of $v are unchanged"
	else
		fail "$tag: released scripts changed since the tag:$changed (a released script never changes: add an upgrade script)"
	fi
done

# ---------------------------------------------------------------------------
echo "=== packages (make deb)"
arch=$(dpkg --print-architecture)
ext_deb=$work/deb/postgresql-15-orca-fdw_${version}_${arch}.deb
sim_deb=$work/deb/orca-sim_${version}_${arch}.deb
if DEB_OUT=$work/deb scripts/build-deb.sh >"$work/build-deb.out" 2>&1; then
	pass "make deb (scripts/build-deb.sh) built the packages"
else
	tail -40 "$work/build-deb.out"
	fail "make deb failed"
fi
for deb in "$ext_deb" "$sim_deb"; do
	if [ -f "$deb" ]; then pass "built $(basename "$deb")"; else fail "no $(basename "$deb") (built: $(cd "$work/deb" 2>/dev/null && ls *.deb | tr '\n' ' '))"; fi
done

if [ -f "$ext_deb" ] && [ -f "$sim_deb" ]; then
	# file lists: the regular files each package ships
	files() { dpkg-deb -c "$1" | awk '$1 ~ /^-/ {print $6}' | sed 's|^\./|/|' | sort; }
	{
		echo /usr/lib/postgresql/15/lib/orca_fdw.so
		echo /usr/share/postgresql/15/extension/orca_fdw.control
		for f in orca_fdw--*.sql; do echo "/usr/share/postgresql/15/extension/$f"; done
		for f in CHANGELOG.md.gz README.md.gz changelog.gz copyright; do echo "/usr/share/doc/postgresql-15-orca-fdw/$f"; done
		echo /usr/share/lintian/overrides/postgresql-15-orca-fdw
	} | sort >"$work/ext.want"
	{
		echo /usr/bin/orca-sim
		echo /usr/share/man/man1/orca-sim.1.gz
		for f in CHANGELOG.md.gz README.md.gz changelog.gz copyright; do echo "/usr/share/doc/orca-sim/$f"; done
	} | sort >"$work/sim.want"
	files "$ext_deb" >"$work/ext.got"
	files "$sim_deb" >"$work/sim.got"
	for p in ext sim; do
		deb=$ext_deb
		[ $p = sim ] && deb=$sim_deb
		if diff -u --label want --label "$(basename "$deb")" "$work/$p.want" "$work/$p.got"; then
			pass "$(basename "$deb") ships exactly its $(wc -l <"$work/$p.want") files"
		else
			fail "$(basename "$deb"): the files differ from what it must ship (diff above)"
		fi
	done

	# dependencies: names required and allowed, each satisfied by this machine's packages
	depcheck() { # DEB REQUIRED ALLOWED
		local deb=$1 required=$2 allowed=$3 deps problems=() group name op ver have ok alt
		deps=$(dpkg-deb -f "$deb" Depends)
		IFS=',' read -ra groups <<<"$deps"
		local names=()
		for group in "${groups[@]}"; do
			ok=
			IFS='|' read -ra alts <<<"$group"
			for alt in "${alts[@]}"; do
				read -r name op ver <<<"$(sed -E 's/^ *([^ (]+) *(\(([<>=]+) *([^)]+)\))?.*/\1 \3 \4/' <<<"$alt")"
				names+=("$name")
				grep -qxF "$name" <<<"$(tr ' ' '\n' <<<"$allowed")" || problems+=("$name is not a runtime dependency it may have")
				have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null | sed -n 's/^install ok installed //p')
				if [ -n "$have" ] && { [ -z "$op" ] || dpkg --compare-versions "$have" "$op" "$ver"; }; then
					ok=1
				fi
			done
			[ -n "$ok" ] || problems+=("'$group' is not satisfied by this machine's packages")
		done
		for name in $required; do
			printf '%s\n' "${names[@]}" | grep -qxF "$name" || problems+=("no dependency on $name")
		done
		if [ ${#problems[@]} -eq 0 ]; then
			pass "$(basename "$deb") depends on: $deps"
		else
			fail "$(basename "$deb") depends on: $deps: $(IFS=';'; echo "${problems[*]}")"
		fi
	}
	runtime_libs="libc6 libgcc-s1 libstdc++6"
	depcheck "$ext_deb" "postgresql-15 libcurl4 libxml2" "postgresql-15 libcurl4 libxml2 $runtime_libs"
	depcheck "$sim_deb" "libc6" "$runtime_libs"
	same "$(basename "$ext_deb") Suggests" "orca-sim" "$(dpkg-deb -f "$ext_deb" Suggests)"

	# lintian: no error or warning; each override explained
	if lintian --fail-on error,warning --pedantic --show-overrides "$ext_deb" "$sim_deb" >"$work/lintian" 2>&1; then
		pass "lintian: no errors or warnings ($(grep -c '^O: ' "$work/lintian") overridden tags, in debian/*.lintian-overrides)"
	else
		grep -vE '^running with root' "$work/lintian" | head -30
		fail "lintian reported errors or warnings (above)"
	fi
	unexplained=$(awk 'FNR == 1 {c = 0} /^#/ {c = 1; next} /^[[:space:]]*$/ {c = 0; next} {if (!c) print FILENAME ": " $0}' debian/*.lintian-overrides 2>/dev/null)
	if [ -z "$unexplained" ]; then
		pass "every lintian override has a comment that explains it"
	else
		fail "lintian overrides without a comment: $unexplained"
	fi

	# ---------------------------------------------------------------------------
	echo "=== installed (dpkg -x into a scratch root)"
	root=$work/root
	mkdir -p "$root"
	dpkg -x "$ext_deb" "$root" && dpkg -x "$sim_deb" "$root"
	missing=$(ldd "$root/usr/lib/postgresql/15/lib/orca_fdw.so" "$root/usr/bin/orca-sim" 2>&1 | grep -E 'not found|not a dynamic')
	if [ -z "$missing" ]; then
		pass "ldd: every library of orca_fdw.so and orca-sim is found"
	else
		fail "ldd: $missing"
	fi
	same "User-Agent in the packaged orca_fdw.so" "orca_fdw/$version" \
		"$(strings "$root/usr/lib/postgresql/15/lib/orca_fdw.so" | grep -E '^orca_fdw/[0-9]' | sort -u | tr '\n' ' ' | sed 's/ $//')"
	if ORCA_TEST_ROOT=$root debian/tests/installed >"$work/installed.out" 2>&1; then
		grep '^ok: ' "$work/installed.out" | sed 's/^ok: /  /'
		pass "debian/tests/installed with the unpacked packages: CREATE EXTENSION, IMPORT FOREIGN SCHEMA and reads work"
	else
		tail -30 "$work/installed.out"
		fail "debian/tests/installed with the unpacked packages (above)"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
