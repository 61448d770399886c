/*
 * init.cpp — _PG_init work and the FdwRoutine.
 */
#include "pg/connection.hpp"
#include "pg/entry.h"
#include "pg/fdw.hpp"

extern "C" void
orcaInit(void)
{
	MarkGUCPrefixReserved("orca_fdw");
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
	return r;
}
