/*
 * entry.h — C-linkage entry points implemented in src/pg (C++), called from
 * src/orca_fdw.c.  Plain C: included by the C file.
 */
#ifndef ORCA_FDW_ENTRY_H
#define ORCA_FDW_ENTRY_H

#ifdef __cplusplus
extern "C" {
#endif

struct FdwRoutine;

/* _PG_init: GUCs and callbacks. */
void orcaInit(void);
/* The FdwRoutine of the handler. */
struct FdwRoutine *orcaMakeFdwRoutine(void);
/* CREATE/ALTER option validation for every catalog object. */
void orcaValidateOptions(Datum options, Oid catalog);
/* SQL functions (src/pg/shared_gate.cpp, src/pg/shared_stats.cpp). */
Datum orcaServerLimits(FunctionCallInfo fcinfo);
Datum orcaStats(FunctionCallInfo fcinfo);
Datum orcaStatsReset(FunctionCallInfo fcinfo);

#ifdef __cplusplus
}
#endif

#endif
