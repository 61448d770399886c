# orca_fdw — PGXS build (the canonical build, install and installcheck).
#
#   make                 build orca_fdw.so and build/orca-sim
#   make install         install the extension into the PostgreSQL found by pg_config
#   make installcheck    pg_regress against a running server (see test/run_regress.sh)
#   make test            everything: unit tests, simulator tests, pg_regress (test/run_all.sh)
#   make deb             the Debian packages, in build/deb/ (scripts/build-deb.sh)
#   make dist            the PGXN archive build/orca_fdw-<version>.zip (git archive of HEAD)
#   make WERROR=1        warnings are errors (CI builds this way)
#   make compile_commands.json   the compilation database of this build (needs bear)
#   make print-version   the version, read from orca_fdw.control

EXTENSION = orca_fdw
MODULE_big = orca_fdw

# The version lives in one place: orca_fdw.control's default_version.  The
# User-Agent (src/core/version.hpp), CMakeLists.txt, META.json and
# debian/changelog follow it (test/package_test.sh checks that they agree).
EXTVERSION := $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" orca_fdw.control)
ifeq ($(EXTVERSION),)
$(error orca_fdw.control has no default_version = '...' line)
endif

# Sources at any depth under src/pg and src/core: a new file is picked up by
# both builds without editing them (CMakeLists.txt globs the same way).
SRCS_CXX := $(sort $(shell find src/pg src/core -name '*.cpp'))
OBJS = src/orca_fdw.o $(SRCS_CXX:.cpp=.o)
# every version's full script and every upgrade script (orca_fdw--A.sql, orca_fdw--A--B.sql)
DATA = $(sort $(wildcard orca_fdw--*.sql))
PGFILEDESC = "orca_fdw - foreign data wrapper for the ORCA web API"

REGRESS = $(shell sed -n 's/^test: *//p' test/schedule 2>/dev/null)
REGRESS_OPTS = --load-extension=orca_fdw

PKG_CFLAGS := $(shell pkg-config --cflags libcurl libxml-2.0)
PKG_LIBS := $(shell pkg-config --libs libcurl libxml-2.0)

ifeq ($(WERROR),1)
WERROR_FLAGS = -Werror
endif

PG_CPPFLAGS = -Isrc -DORCA_FDW_VERSION='"$(EXTVERSION)"' $(PKG_CFLAGS)
PG_CFLAGS = $(WERROR_FLAGS)
PG_CXXFLAGS = -std=c++17 -fvisibility=hidden -Wno-register -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(WERROR_FLAGS) -MMD -MP
SHLIB_LINK = $(PKG_LIBS) -lstdc++
EXTRA_CLEAN = build $(OBJS:.o=.d)

# PGXS compiles C++ to LLVM bitcode without PG_CXXFLAGS (C++17 then fails);
# FDW callbacks gain nothing from JIT inlining.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

ifneq ($(MAJORVERSION),15)
$(error orca_fdw targets PostgreSQL 15, but pg_config reports $(MAJORVERSION))
endif

# header dependencies of the C++ objects; the version is a compiler flag, so
# a new version in orca_fdw.control rebuilds every object
-include $(SRCS_CXX:.cpp=.d)
$(OBJS): orca_fdw.control

# orca-sim: plain C++17, no PostgreSQL.  SIM_FLAGS and SIM_LDFLAGS add to the
# compiler and linker flags (debian/rules passes the distribution's
# hardening flags there).
SIM_SRCS = $(sort $(wildcard sim/*.cpp))
SIM_OBJS = $(SIM_SRCS:sim/%.cpp=build/sim/%.o)
SIM_CXXFLAGS = -std=c++17 -O2 -Wall -Wextra $(WERROR_FLAGS) -pthread -MMD -MP $(SIM_FLAGS)
# WITH_SIM=0: `make` builds the module only (debian/rules builds orca-sim on its own)
WITH_SIM ?= 1
ifeq ($(WITH_SIM),1)
all: build/orca-sim
endif

build/sim/%.o: sim/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(SIM_CXXFLAGS) -c -o $@ $<

build/orca-sim: $(SIM_OBJS)
	$(CXX) $(SIM_CXXFLAGS) $(SIM_LDFLAGS) -o $@ $(SIM_OBJS)

-include $(SIM_OBJS:.o=.d)

.PHONY: test
test: all
	test/run_all.sh

# The differential oracle with any seed and size (the extension must be installed):
#   make oracle SEED=7 N=2000
.PHONY: oracle
oracle: all
	test/oracle.sh $(if $(SEED),--seed $(SEED)) $(if $(N),-n $(N))

# postgresql-15-orca-fdw_<version>_amd64.deb and orca-sim_<version>_amd64.deb
# in build/deb/, built with pg_buildext from a copy of this tree.
.PHONY: deb
deb:
	scripts/build-deb.sh

# The PGXN archive of the committed tree: build/orca_fdw-<version>.zip
.PHONY: dist
dist:
	@mkdir -p build
	git archive --format zip --prefix=orca_fdw-$(EXTVERSION)/ -o build/orca_fdw-$(EXTVERSION).zip HEAD
	@echo build/orca_fdw-$(EXTVERSION).zip

.PHONY: print-version
print-version:
	@echo $(EXTVERSION)

# The compilation database of the PGXS build, made by rebuilding every object under bear
# (optional: apt-get install bear).  CMake writes its own (build-cmake/compile_commands.json).
.PHONY: compile_commands.json
compile_commands.json:
	@command -v bear >/dev/null || { echo "make compile_commands.json needs bear (apt-get install bear)" >&2; exit 1; }
	bear --output $@ -- $(MAKE) -B all
