/*
 * fdw.hpp — shared declarations of the FDW callbacks (src/pg/fdw_*.cpp).
 */
#pragma once

#include "core/registry.hpp"
#include "core/scan.hpp"
#include "pg/pg.hpp"

namespace orca_fdw::pg {

/* A WHERE clause the scan can hand to ORCA (palloc'd, plain data). */
struct OrcaQual {
	int column;        /* catalog column index */
	core::QualOp op;
	Expr *value;       /* the other side (Const, Param, outer Var expression); NULL for IS [NOT] NULL */
	bool array;        /* value is an array (= ANY) */
};

/* Planner state of one foreign relation (baserel->fdw_private). */
struct OrcaFdwRelationInfo {
	Oid relid;
	const core::ResourceDef *resource;
	int natts;
	int *attr_column;      /* [attno] → catalog column, -1 unmapped; index 0 unused */
	Bitmapset *attrs_used; /* offset by FirstLowInvalidHeapAttributeNumber */
	bool is_target;        /* the relation an UPDATE/DELETE modifies */
	double table_rows;     /* estimated size of the whole resource */
	double rows;           /* estimated rows after pushdown */
	double calls;          /* estimated ORCA calls */
	List *explain;         /* String lines describing the calls */
};

/* Planner cost of one ORCA round trip, in seq_page_cost units. */
constexpr double kCallCost = 500.0;

/* ScanPrivateQual.expr of the batched join's key IN (...): its values are
 * the batch's keys, handed over by OrcaScanSetBatchKeys (batch_join.cpp). */
constexpr int kBatchKeysExpr = -2;

/* A pushed-down WHERE clause as the plan keeps it. */
struct ScanPrivateQual {
	int column;       /* catalog column */
	core::QualOp op;
	int expr;         /* index into fdw_exprs of its value; -1 for IS [NOT] NULL; kBatchKeysExpr */
	bool known;       /* the value was a Const at plan time */
	bool array;       /* = ANY(array): the value is an array */
};

/* A needed attribute of the foreign table and its catalog column. */
struct ScanPrivateAttr {
	AttrNumber attno;
	int column;
};

/* What a ForeignScan carries from GetForeignPlan to the executor and EXPLAIN.
 * fdw_private holds it as Nodes (plans are copied and cached): only
 * EncodeScanPrivate writes that list and only DecodeScanPrivate reads it
 * (scan_private.cpp). */
struct ScanPrivate {
	const char *resource;   /* resource name */
	int nattrs;
	ScanPrivateAttr *attrs; /* the attributes the scan produces */
	int nquals;
	ScanPrivateQual *quals;
	List *explain;          /* String per ORCA call pattern, for EXPLAIN */
	double table_rows;      /* estimated size of the whole resource (whole rows) */
	bool mark_rows;         /* the scan of an UPDATE/DELETE target marks its rows' ctid */
};
List *EncodeScanPrivate(const ScanPrivate *sp);
void DecodeScanPrivate(List *fdw_private, ScanPrivate *out);

/* An UPDATE/DELETE target row's ctid (foreign rows have no tuple identity):
 * the scan marks whether its values are ORCA's own (kRowAsSent) or
 * trim_values cleaned some of them (kRowCleaned), so a registration reads
 * ORCA's record first only when it must.  Anything else: not known. */
constexpr BlockNumber kRowMarkBlock = 0x4F524341; /* "ORCA" */
constexpr OffsetNumber kRowAsSent = 1;
constexpr OffsetNumber kRowCleaned = 2;

const core::ResourceDef *LookupResource(const char *name, Oid relid);
/* Classify a clause; true and *out filled when it can be pushed. */
bool ExtractQual(PlannerInfo *root, RelOptInfo *baserel, OrcaFdwRelationInfo *fpinfo, Expr *clause, OrcaQual *out);
/* Text form of a Datum for the core: dates as YYYY-MM-DD, or "infinity" / "-infinity" for
 * infinite dates and dates outside the years 1-9999 (see DateBounds); never NULL. */
char *DatumToOrcaText(Datum value, Oid type);
/* Qual values in plain C form, for handing to the core. */
struct QualValues {
	int column;
	core::QualOp op;
	bool known;      /* value available (Const at plan time; always at execution) */
	bool null_value; /* compared with NULL: can never be true */
	int nvalues;
	char **values;
	int estimated_count;
};
/* Ask the core planner; explain lines come back palloc'd. */
void EstimatePlan(const core::ResourceDef *resource, const int *needed, int nneeded, const QualValues *quals,
                  int nquals, double table_rows, double *rows, double *calls, List **explain);
/* Build a core::ScanSpec (C++ regime; call inside RunGuarded). */
core::ScanSpec MakeScanSpec(const core::ResourceDef *resource, const int *needed, int nneeded,
                            const QualValues *quals, int nquals, double table_rows);

/* Batched joins (batch_join.cpp): the calls of one probe of `nkeys` values
 * of the join key `key_column` with the relation's own pushed quals; its
 * EXPLAIN lines in *explain when not NULL. */
double EstimateBatchProbe(PlannerInfo *root, RelOptInfo *baserel, int key_column, double nkeys, List **explain);
/* The keys (palloc'd, alive until the scan's next rescan) that the scan's
 * kBatchKeysExpr qual takes from its next (re)start on. */
void OrcaScanSetBatchKeys(ForeignScanState *node, char **keys, int nkeys);

void orcaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
void orcaGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
ForeignScan *orcaGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid, ForeignPath *best_path,
                                List *tlist, List *scan_clauses, Plan *outer_plan);
void orcaBeginForeignScan(ForeignScanState *node, int eflags);
TupleTableSlot *orcaIterateForeignScan(ForeignScanState *node);
void orcaReScanForeignScan(ForeignScanState *node);
void orcaEndForeignScan(ForeignScanState *node);
void orcaExplainForeignScan(ForeignScanState *node, ExplainState *es);
List *orcaImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

/* clinic.cpp: does a WHERE clause on the clinic column contradict the
 * server's clinic?  Then the relation is empty without a call. */
bool ClinicExcludes(PlannerInfo *root, RelOptInfo *baserel, const OrcaFdwRelationInfo *fpinfo);
/* Asynchronous execution under an Append (fdw_scan.cpp). */
bool orcaIsForeignPathAsyncCapable(ForeignPath *path);
void orcaForeignAsyncRequest(AsyncRequest *areq);
void orcaForeignAsyncConfigureWait(AsyncRequest *areq);
void orcaForeignAsyncNotify(AsyncRequest *areq);

} // namespace orca_fdw::pg
