/*
 * orca_fdw.c — the only C file: every symbol PostgreSQL looks up by name.
 *
 * PG_MODULE_MAGIC, _PG_init, and the SQL-callable functions.  The work is
 * done in C++ (src/pg for the PostgreSQL side, src/core for the rest); the
 * functions called from here have C linkage and never let a C++ exception
 * escape (src/pg/guard.hpp).
 */
#include "postgres.h"

#include "fmgr.h"

#include "pg/entry.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(orca_fdw_handler);
PG_FUNCTION_INFO_V1(orca_fdw_validator);
PG_FUNCTION_INFO_V1(orca_fdw_server_limits);
PG_FUNCTION_INFO_V1(orca_fdw_stats);
PG_FUNCTION_INFO_V1(orca_fdw_stats_reset);

void _PG_init(void);

void
_PG_init(void)
{
	orcaInit();
}

Datum
orca_fdw_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(orcaMakeFdwRoutine());
}

Datum
orca_fdw_validator(PG_FUNCTION_ARGS)
{
	orcaValidateOptions(PG_GETARG_DATUM(0), PG_GETARG_OID(1));
	PG_RETURN_VOID();
}

/* The limits of one foreign server and the state of the gate it shares
 * with every backend (view orca_fdw_limits). */
Datum
orca_fdw_server_limits(PG_FUNCTION_ARGS)
{
	return orcaServerLimits(fcinfo);
}

/* Per-API call statistics (view orca_fdw_stats). */
Datum
orca_fdw_stats(PG_FUNCTION_ARGS)
{
	return orcaStats(fcinfo);
}

Datum
orca_fdw_stats_reset(PG_FUNCTION_ARGS)
{
	return orcaStatsReset(fcinfo);
}
