# orca_fdw — PGXS build (the canonical build, install and installcheck).
#
#   make                 build orca_fdw.so and build/orca-sim
#   make install         install the extension into the PostgreSQL found by pg_config
#   make installcheck    pg_regress against a running server (see test/run_regress.sh)
#   make test            everything: unit tests, simulator tests, pg_regress (test/run_all.sh)

EXTENSION = orca_fdw
EXTVERSION = 0.2.0
MODULE_big = orca_fdw

SRCS_CXX = $(sort $(wildcard src/pg/*.cpp) $(wildcard src/core/*.cpp) $(wildcard src/core/*/*.cpp))
OBJS = src/orca_fdw.o $(SRCS_CXX:.cpp=.o)
DATA = $(sort $(wildcard orca_fdw--*.sql))
PGFILEDESC = "orca_fdw - foreign data wrapper for the ORCA web API"

REGRESS = $(shell sed -n 's/^test: *//p' test/schedule 2>/dev/null)
REGRESS_OPTS = --load-extension=orca_fdw

PKG_CFLAGS := $(shell pkg-config --cflags libcurl libxml-2.0)
PKG_LIBS := $(shell pkg-config --libs libcurl libxml-2.0)

PG_CPPFLAGS = -Isrc $(PKG_CFLAGS)
PG_CXXFLAGS = -std=c++17 -fvisibility=hidden -Wno-register -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -MMD -MP
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

# header dependencies of the C++ objects
-include $(SRCS_CXX:.cpp=.d)

SIM_SRCS = $(sort $(wildcard sim/*.cpp))
all: build/orca-sim

build/orca-sim: $(SIM_SRCS) $(wildcard sim/*.hpp)
	@mkdir -p build
	$(CXX) -std=c++17 -O2 -Wall -Wextra -pthread -o $@ $(SIM_SRCS)

.PHONY: test unit-test
test: all
	test/run_all.sh

# The differential oracle with any seed and size (the extension must be installed):
#   make oracle SEED=7 N=2000
.PHONY: oracle
oracle: all
	test/oracle.sh $(if $(SEED),--seed $(SEED)) $(if $(N),-n $(N))
