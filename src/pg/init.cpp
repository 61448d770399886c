/*
 * init.cpp — _PG_init work and the FdwRoutine.
 */
#include "pg/batch_join.hpp"
#include "pg/connection.hpp"
#include "pg/entry.h"
#include "pg/fdw.hpp"
#include "pg/modify_exec.hpp"
#include "pg/modify_plan.hpp"
#include "pg/shared.hpp"

/* orca_fdw.legacy_window_sizing (hidden): the patientlst1v2 window sizing
 * before issue 11, kept selectable for bench/windows.sh's baseline. */
bool orca_fdw_legacy_window_sizing = false;

extern "C" void
orcaInit(void)
{
	orca_fdw::pg::DefineModifyGucs();
	/* orca_fdw.enable_batched_join and the join planner hook */
	orca_fdw::pg::InitBatchJoin();
	DefineCustomBoolVariable("orca_fdw.legacy_window_sizing",
	                         "Size the date windows of patient listings by halving, as before issue 11 (benchmarks only).", nullptr,
	                         &orca_fdw_legacy_window_sizing, false, PGC_USERSET,
	                         GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE, nullptr, nullptr, nullptr);
	MarkGUCPrefixReserved("orca_fdw");
	/* shared memory for the limits and statistics, when preloaded */
	orca_fdw::pg::InitShared();
}

extern "C" FdwRoutine *
orcaMakeFdwRoutine(void)
{
	orca_fdw::pg::InitConnections();
	FdwRoutine *r = makeNode(FdwRoutine);
	r->GetForeignRelSize = orca_fdw::pg::orcaGetForeignRelSize;
	r->GetForeignPaths = orca_fdw::pg::orcaGetForeignPaths;
	r->GetForeignPlan = orca_fdw::pg::orcaGetForeignPlan;
	r->BeginForeignScan = orca_fdw::pg::orcaBeginForeignScan;
	r->IterateForeignScan = orca_fdw::pg::orcaIterateForeignScan;
	r->ReScanForeignScan = orca_fdw::pg::orcaReScanForeignScan;
	r->EndForeignScan = orca_fdw::pg::orcaEndForeignScan;
	r->ExplainForeignScan = orca_fdw::pg::orcaExplainForeignScan;
	r->ImportForeignSchema = orca_fdw::pg::orcaImportForeignSchema;
	/* asynchronous execution under an Append (a group of clinics) */
	r->IsForeignPathAsyncCapable = orca_fdw::pg::orcaIsForeignPathAsyncCapable;
	r->ForeignAsyncRequest = orca_fdw::pg::orcaForeignAsyncRequest;
	r->ForeignAsyncConfigureWait = orca_fdw::pg::orcaForeignAsyncConfigureWait;
	r->ForeignAsyncNotify = orca_fdw::pg::orcaForeignAsyncNotify;
	/* registrations */
	r->IsForeignRelUpdatable = orca_fdw::pg::orcaIsForeignRelUpdatable;
	r->AddForeignUpdateTargets = orca_fdw::pg::orcaAddForeignUpdateTargets;
	r->PlanForeignModify = orca_fdw::pg::orcaPlanForeignModify;
	r->BeginForeignModify = orca_fdw::pg::orcaBeginForeignModify;
	r->ExecForeignInsert = orca_fdw::pg::orcaExecForeignInsert;
	r->ExecForeignBatchInsert = orca_fdw::pg::orcaExecForeignBatchInsert;
	r->GetForeignModifyBatchSize = orca_fdw::pg::orcaGetForeignModifyBatchSize;
	r->ExecForeignUpdate = orca_fdw::pg::orcaExecForeignUpdate;
	r->ExecForeignDelete = orca_fdw::pg::orcaExecForeignDelete;
	r->EndForeignModify = orca_fdw::pg::orcaEndForeignModify;
	r->BeginForeignInsert = orca_fdw::pg::orcaBeginForeignInsert;
	r->EndForeignInsert = orca_fdw::pg::orcaEndForeignInsert;
	r->ExplainForeignModify = orca_fdw::pg::orcaExplainForeignModify;
	return r;
}
