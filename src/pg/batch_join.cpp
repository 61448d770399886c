/*
 * batch_join.cpp — batched joins: a local relation joined with an ORCA
 * resource by its join key costs one probe per batch of distinct keys, not
 * a full enumeration and not one call per outer row.
 *
 * The shape: a CustomScan join node ("OrcaBatchedJoin"), offered by
 * set_join_pathlist_hook, with two children — the outer (local) plan and
 * the resource's own ForeignScan carrying the extra qual
 * `key IN (the keys of each batch)` (kBatchKeysExpr).  The node reads outer
 * rows until it holds `join_batch` new distinct keys (ReadSpec::join_batch,
 * the resource declaration's say), hands them to the ForeignScan
 * (OrcaScanSetBatchKeys) and rescans it: the resource's own IN lookup makes
 * the calls (patients: patientlst2v2, 100 ids a call), so nothing here
 * knows an API.  The inner rows are kept by key text for the rest of the
 * scan (up to work_mem), so a key seen again in a later batch costs no call.
 * Each outer row is then paired with the rows of its key, and every join
 * clause (the key equality included) is evaluated on the pair: the key text
 * only selects candidates, PostgreSQL's operators decide the match.
 *
 * Why a join node rather than a parameterized path that prefetches: a
 * ForeignScan under a nested loop sees one outer row at a time and cannot
 * read ahead of it; the join node owns the outer side and can.
 *
 * Join types: INNER, LEFT (local side outer: unmatched outer rows once,
 * with NULLs), SEMI, ANTI, and a uniquified outer (IN (SELECT ...)).
 * RIGHT and FULL, parameterized or lateral inputs, row locks and
 * UPDATE/DELETE are left to the normal paths.  The key clause must be a
 * text = text equality under a deterministic collation (where equal means
 * the same bytes).
 *
 * Everything here is PostgreSQL code; the core is reached only through
 * fdw_plan.cpp (EstimateBatchProbe → RunGuarded) and the ForeignScan.  No
 * C++ object lives on these frames.
 */
#include "pg/batch_join.hpp"

#include "pg/fdw.hpp"

extern "C" {
#include "common/hashfn.h"
#include "nodes/extensible.h"
#include "optimizer/placeholder.h"
#include "utils/hsearch.h"
#include "utils/ruleutils.h"
#include "utils/selfuncs.h"
}

#include <cmath>
#include <cstring>

namespace orca_fdw::pg {

namespace {

bool enable_batched_join = true;
set_join_pathlist_hook_type prev_join_pathlist_hook = NULL;

/* Outer rows one batch holds at most (a batch also ends at join_batch new keys). */
constexpr int kMaxBatchRows = 4096;

/* CustomPath.custom_private: */
enum PathPrivate { PathJoinType, PathRestrict, PathOuterKey, PathKeyColumn, PathKeys, PathBatches, PathCalls, PathCount };
/* CustomScan.custom_private (Nodes only: plans are copied): */
enum ScanPrivateIndex {
	SpJoinType,    /* Integer */
	SpOuterNatts,  /* Integer: scan tuple = outer child's columns, then the inner's */
	SpInnerKey,    /* Integer: the key's position in the inner child's output */
	SpBatch,       /* Integer: keys per batch */
	SpResource,    /* String */
	SpKeyName,     /* String: the key column */
	SpKeys,        /* String: planned distinct keys ("%.0f") */
	SpBatches,     /* String: planned batches */
	SpCalls,       /* String: planned calls */
	SpCount
};

extern const CustomPathMethods kPathMethods;
extern const CustomScanMethods kScanMethods;
extern const CustomExecMethods kExecMethods;

bool
IsOrcaRel(RelOptInfo *rel)
{
	return rel->reloptkind == RELOPT_BASEREL && rel->fdwroutine && rel->fdwroutine->GetForeignPaths == orcaGetForeignPaths &&
	       rel->fdw_private != NULL;
}

/* Every column of the join's output comes from one side (a placeholder
 * evaluated at this join would need a join node that computes it). */
bool
OutputFromSides(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel, RelOptInfo *innerrel)
{
	ListCell *lc;
	foreach (lc, joinrel->reltarget->exprs) {
		Node *e = (Node *) lfirst(lc);
		if (IsA(e, Var))
			continue;
		if (!IsA(e, PlaceHolderVar))
			return false;
		PlaceHolderInfo *phi = find_placeholder_info(root, (PlaceHolderVar *) e, false);
		if (!bms_is_subset(phi->ph_eval_at, outerrel->relids) && !bms_is_subset(phi->ph_eval_at, innerrel->relids))
			return false;
	}
	return true;
}

void
AddBatchJoinPath(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel, RelOptInfo *innerrel,
                 JoinType jointype, JoinPathExtraData *extra)
{
	OrcaFdwRelationInfo *fpinfo = (OrcaFdwRelationInfo *) innerrel->fdw_private;
	const core::ResourceDef *resource = fpinfo->resource;
	const core::KeyCondition *join_key = resource->JoinKey(); /* noexcept */
	const int batch = resource->read.join_batch;
	if (!join_key || batch <= 0 || fpinfo->is_target)
		return;
	if (root->parse->commandType != CMD_SELECT || root->parse->rowMarks != NIL || root->rowMarks != NIL)
		return;
	if (joinrel->reloptkind != RELOPT_JOINREL || !bms_is_empty(joinrel->lateral_relids) ||
	    !bms_is_empty(innerrel->lateral_relids) || !bms_is_empty(outerrel->lateral_relids))
		return;

	Path *outer_path = outerrel->cheapest_total_path;
	if (!outer_path || outer_path->param_info)
		return;
	switch (jointype) {
	case JOIN_INNER:
	case JOIN_LEFT:
	case JOIN_SEMI:
	case JOIN_ANTI:
		break;
	case JOIN_UNIQUE_OUTER:
		/* x IN (SELECT key FROM local): the local side made unique, then an inner join */
		outer_path = (Path *) create_unique_path(root, outerrel, outer_path, extra->sjinfo);
		if (!outer_path)
			return;
		jointype = JOIN_INNER;
		break;
	default:
		return;
	}
	if (!OutputFromSides(root, joinrel, outerrel, innerrel))
		return;

	/* The key clause: inner key = an expression of the outer side alone. */
	Expr *outer_key = NULL;
	ListCell *lc;
	foreach (lc, extra->restrictlist) {
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		if (ri->pseudoconstant)
			return; /* a gating qual this node would not apply */
		if (outer_key || (IS_OUTER_JOIN(jointype) && RINFO_IS_PUSHED_DOWN(ri, joinrel->relids)))
			continue;
		if (!IsA(ri->clause, OpExpr) || ((OpExpr *) ri->clause)->opno != TextEqualOperator)
			continue;
		OrcaQual q;
		if (!ExtractQual(root, innerrel, fpinfo, ri->clause, &q) || q.column != join_key->column_index ||
		    q.op != core::QualOp::Eq)
			continue;
		Relids varnos = pull_varnos(root, (Node *) q.value);
		if (bms_is_empty(varnos) || !bms_is_subset(varnos, outerrel->relids) || exprType((Node *) q.value) != TEXTOID)
			continue;
		outer_key = q.value;
	}
	if (!outer_key)
		return;

	/* Cost: the outer side, one probe per batch of distinct keys, the pairing. */
	double outer_rows = Max(outer_path->rows, 1.0);
	double nkeys = estimate_num_groups(root, list_make1(outer_key), outer_rows, NULL, NULL);
	nkeys = Max(1.0, Min(nkeys, outer_rows));
	double batches = std::ceil(nkeys / batch);
	double full = std::floor(nkeys / batch), rest = nkeys - full * batch;
	double per_batch = EstimateBatchProbe(root, innerrel, join_key->column_index, batch, NULL);
	double calls = full * per_batch + (rest >= 1 ? EstimateBatchProbe(root, innerrel, join_key->column_index, rest, NULL) : 0);
	double inner_rows = nkeys * Max(1.0, innerrel->rows / Max(fpinfo->table_rows, 1.0));

	/* the inner scan: the join key IN (one batch's keys); fdw_private says
	 * so to orcaGetForeignPlan, with the planned keys of a batch */
	int batch_keys = (int) Min(nkeys, (double) batch);
	ForeignPath *inner = create_foreignscan_path(
	    root, innerrel, NULL, Max(1.0, inner_rows / batches), kCallCost, per_batch * kCallCost, NIL, NULL, NULL,
	    list_make2(makeInteger(join_key->column_index), makeInteger(batch_keys)));

	CustomPath *cp = makeNode(CustomPath);
	cp->path.pathtype = T_CustomScan;
	cp->path.parent = joinrel;
	cp->path.pathtarget = joinrel->reltarget;
	cp->path.param_info = NULL;
	cp->path.parallel_aware = false;
	cp->path.parallel_safe = false;
	cp->path.parallel_workers = 0;
	cp->path.rows = joinrel->rows;
	cp->path.startup_cost = outer_path->startup_cost + Min(per_batch, calls) * kCallCost;
	cp->path.total_cost = outer_path->total_cost + calls * kCallCost +
	                      outer_rows * (2 * cpu_operator_cost + cpu_tuple_cost) + inner_rows * cpu_tuple_cost +
	                      joinrel->rows * cpu_tuple_cost;
	cp->path.pathkeys = NIL;
	cp->flags = 0;
	cp->custom_paths = list_make2(outer_path, inner);
	cp->custom_private = NIL;
	cp->custom_private = lappend(cp->custom_private, makeInteger(jointype));
	cp->custom_private = lappend(cp->custom_private, extra->restrictlist);
	cp->custom_private = lappend(cp->custom_private, outer_key);
	cp->custom_private = lappend(cp->custom_private, makeInteger(join_key->column_index));
	cp->custom_private = lappend(cp->custom_private, makeString(psprintf("%.0f", nkeys)));
	cp->custom_private = lappend(cp->custom_private, makeString(psprintf("%.0f", batches)));
	cp->custom_private = lappend(cp->custom_private, makeString(psprintf("%.0f", calls)));
	cp->methods = &kPathMethods;
	add_path(joinrel, &cp->path);
}

void
BatchJoinPathlist(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel, RelOptInfo *innerrel,
                  JoinType jointype, JoinPathExtraData *extra)
{
	if (prev_join_pathlist_hook)
		prev_join_pathlist_hook(root, joinrel, outerrel, innerrel, jointype, extra);
	if (enable_batched_join && IsOrcaRel(innerrel))
		AddBatchJoinPath(root, joinrel, outerrel, innerrel, jointype, extra);
}

Plan *
PlanBatchJoin(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist, List *clauses,
              List *custom_plans)
{
	List *priv = best_path->custom_private;
	JoinType jointype = (JoinType) intVal(list_nth(priv, PathJoinType));
	List *restrictlist = (List *) list_nth(priv, PathRestrict);
	Expr *outer_key = (Expr *) list_nth(priv, PathOuterKey);
	int key_column = intVal(list_nth(priv, PathKeyColumn));
	Plan *outer_plan = (Plan *) linitial(custom_plans);
	Plan *inner_plan = (Plan *) lsecond(custom_plans);
	Path *inner_path = (Path *) lsecond(best_path->custom_paths);
	RelOptInfo *innerrel = inner_path->parent;
	OrcaFdwRelationInfo *fpinfo = (OrcaFdwRelationInfo *) innerrel->fdw_private;

	/* As create_nestloop_plan: an outer join's own clauses decide the
	 * match, the others filter its result. */
	List *joinquals, *otherquals;
	if (IS_OUTER_JOIN(jointype))
		extract_actual_join_clauses(restrictlist, rel->relids, &joinquals, &otherquals);
	else {
		joinquals = extract_actual_clauses(restrictlist, false);
		otherquals = NIL;
	}

	/* The scan tuple: the outer child's output, then the inner child's. */
	List *scan_tlist = NIL;
	ListCell *lc;
	int resno = 1, inner_key = -1;
	foreach (lc, outer_plan->targetlist)
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObjectImpl(((TargetEntry *) lfirst(lc))->expr),
		                                                 resno++, NULL, false));
	int outer_natts = resno - 1;
	foreach (lc, inner_plan->targetlist) {
		Expr *e = ((TargetEntry *) lfirst(lc))->expr;
		if (inner_key < 0 && IsA(e, Var) && ((Var *) e)->varno == (int) innerrel->relid &&
		    ((Var *) e)->varattno > 0 && ((Var *) e)->varattno <= fpinfo->natts &&
		    fpinfo->attr_column[((Var *) e)->varattno] == key_column)
			inner_key = resno - 1 - outer_natts;
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObjectImpl(e), resno++, NULL, false));
	}
	if (inner_key < 0)
		elog(ERROR, "orca_fdw: the batched join's key is not among the columns of its foreign scan");

	CustomScan *cs = makeNode(CustomScan);
	cs->scan.plan.targetlist = tlist;
	cs->scan.plan.qual = otherquals;
	cs->scan.scanrelid = 0;
	cs->flags = best_path->flags;
	cs->custom_plans = custom_plans;
	cs->custom_exprs = lcons(outer_key, joinquals); /* [0] the outer key, then the join clauses */
	cs->custom_scan_tlist = scan_tlist;
	List *sp = NIL;
	sp = lappend(sp, makeInteger(jointype));
	sp = lappend(sp, makeInteger(outer_natts));
	sp = lappend(sp, makeInteger(inner_key));
	sp = lappend(sp, makeInteger(fpinfo->resource->read.join_batch));
	sp = lappend(sp, makeString(pstrdup(fpinfo->resource->name.c_str())));
	sp = lappend(sp, makeString(pstrdup(fpinfo->resource->columns[key_column].name.c_str())));
	sp = lappend(sp, list_nth(priv, PathKeys));
	sp = lappend(sp, list_nth(priv, PathBatches));
	sp = lappend(sp, list_nth(priv, PathCalls));
	cs->custom_private = sp;
	cs->methods = &kScanMethods;
	return &cs->scan.plan;
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

/* The inner rows of one key (HTAB entry; the key text is the hash key). */
struct KeyRows {
	char *key;            /* in cache_cxt */
	bool fetched;         /* probed: tuples are every inner row with this key */
	int ntuples, cap;
	MinimalTuple *tuples; /* in cache_cxt */
};

struct BatchJoinState {
	CustomScanState css;
	JoinType jointype;
	int outer_natts, inner_key, batch_size;
	Oid key_type;
	ExprState *outer_key;
	ExprState *joinqual;
	PlanState *outer, *inner;
	TupleTableSlot *outer_slot, *inner_slot; /* minimal-tuple slots of the children's shapes */

	MemoryContext batch_cxt; /* the batch's outer rows and keys */
	MemoryContext cache_cxt; /* the inner rows by key */
	HTAB *cache;

	/* the batch */
	MinimalTuple *rows;
	KeyRows **row_keys; /* NULL: the key is NULL */
	int nrows;
	char **new_keys;
	int nnew;
	bool outer_done;
	/* position */
	int cur, match;
	bool matched;

	/* for EXPLAIN ANALYZE */
	long batches, probes, keys_probed, keys_cached, cache_resets;
};

uint32
KeyHash(const void *key, Size)
{
	const char *s = *(const char *const *) key;
	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

int
KeyMatch(const void *a, const void *b, Size)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

void
NewCache(BatchJoinState *st)
{
	HASHCTL ctl;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(KeyRows);
	ctl.hash = KeyHash;
	ctl.match = KeyMatch;
	ctl.hcxt = st->cache_cxt;
	st->cache = hash_create("orca_fdw batched join keys", 256, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/* Drops the batch (its rows point into the cache), then the cache. */
void
ResetBatch(BatchJoinState *st)
{
	MemoryContextReset(st->batch_cxt);
	st->rows = NULL;
	st->row_keys = NULL;
	st->new_keys = NULL;
	st->nrows = st->nnew = st->cur = st->match = 0;
	st->matched = false;
}

void
ResetCache(BatchJoinState *st)
{
	ResetBatch(st);
	MemoryContextReset(st->cache_cxt);
	NewCache(st);
}

/* The scan tuple from an outer row and an inner row (NULL: NULLs). */
TupleTableSlot *
FillScanTuple(BatchJoinState *st, MinimalTuple outer, MinimalTuple inner)
{
	TupleTableSlot *out = st->css.ss.ss_ScanTupleSlot;
	ExecClearTuple(out);
	int natts = out->tts_tupleDescriptor->natts;
	ExecStoreMinimalTuple(outer, st->outer_slot, false);
	slot_getallattrs(st->outer_slot);
	memcpy(out->tts_values, st->outer_slot->tts_values, sizeof(Datum) * st->outer_natts);
	memcpy(out->tts_isnull, st->outer_slot->tts_isnull, sizeof(bool) * st->outer_natts);
	if (inner) {
		ExecStoreMinimalTuple(inner, st->inner_slot, false);
		slot_getallattrs(st->inner_slot);
		memcpy(out->tts_values + st->outer_natts, st->inner_slot->tts_values,
		       sizeof(Datum) * (natts - st->outer_natts));
		memcpy(out->tts_isnull + st->outer_natts, st->inner_slot->tts_isnull,
		       sizeof(bool) * (natts - st->outer_natts));
	} else {
		for (int i = st->outer_natts; i < natts; i++) {
			out->tts_values[i] = (Datum) 0;
			out->tts_isnull[i] = true;
		}
	}
	return ExecStoreVirtualTuple(out);
}

/* One probe of the inner scan: every row of the batch's new keys. */
void
Probe(BatchJoinState *st)
{
	ExprContext *econtext = st->css.ss.ps.ps_ExprContext;
	OrcaScanSetBatchKeys((ForeignScanState *) st->inner, st->new_keys, st->nnew);
	ExecReScan(st->inner);
	for (;;) {
		CHECK_FOR_INTERRUPTS();
		TupleTableSlot *slot = ExecProcNode(st->inner);
		if (TupIsNull(slot))
			break;
		bool isnull;
		Datum d = slot_getattr(slot, st->inner_key + 1, &isnull);
		if (isnull)
			continue;
		MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
		char *key = TextDatumGetCString(d);
		MemoryContextSwitchTo(old);
		KeyRows *kr = (KeyRows *) hash_search(st->cache, &key, HASH_FIND, NULL);
		ResetExprContext(econtext);
		/* a row of a key this probe did not ask for (another spelling of
		 * one): its key's rows are not all known, keep none */
		if (!kr || kr->fetched)
			continue;
		old = MemoryContextSwitchTo(st->cache_cxt);
		if (kr->ntuples == kr->cap) {
			kr->cap = kr->cap ? kr->cap * 2 : 1;
			kr->tuples = kr->tuples ? (MinimalTuple *) repalloc(kr->tuples, sizeof(MinimalTuple) * kr->cap)
			                        : (MinimalTuple *) palloc(sizeof(MinimalTuple) * kr->cap);
		}
		kr->tuples[kr->ntuples++] = ExecCopySlotMinimalTuple(slot);
		MemoryContextSwitchTo(old);
	}
	for (int i = 0; i < st->nnew; i++) {
		char *key = st->new_keys[i];
		KeyRows *kr = (KeyRows *) hash_search(st->cache, &key, HASH_FIND, NULL);
		if (kr)
			kr->fetched = true;
	}
	st->probes++;
	st->keys_probed += st->nnew;
}

/* Reads the next batch of outer rows and probes its new keys; false when
 * the outer side is done. */
bool
NextBatch(BatchJoinState *st)
{
	ExprContext *econtext = st->css.ss.ps.ps_ExprContext;
	ResetBatch(st);
	if (st->outer_done)
		return false;
	if (MemoryContextMemAllocated(st->cache_cxt, true) > (Size) work_mem * 1024) {
		ResetCache(st);
		st->cache_resets++;
	}
	MemoryContext old = MemoryContextSwitchTo(st->batch_cxt);
	st->rows = (MinimalTuple *) palloc(sizeof(MinimalTuple) * kMaxBatchRows);
	st->row_keys = (KeyRows **) palloc(sizeof(KeyRows *) * kMaxBatchRows);
	st->new_keys = (char **) palloc(sizeof(char *) * st->batch_size);
	MemoryContextSwitchTo(old);

	while (st->nrows < kMaxBatchRows && st->nnew < st->batch_size) {
		CHECK_FOR_INTERRUPTS();
		TupleTableSlot *slot = ExecProcNode(st->outer);
		if (TupIsNull(slot)) {
			st->outer_done = true;
			break;
		}
		old = MemoryContextSwitchTo(st->batch_cxt);
		MinimalTuple row = ExecCopySlotMinimalTuple(slot);
		MemoryContextSwitchTo(old);
		st->rows[st->nrows] = row;
		econtext->ecxt_scantuple = FillScanTuple(st, row, NULL);
		bool isnull;
		Datum d = ExecEvalExprSwitchContext(st->outer_key, econtext, &isnull);
		KeyRows *kr = NULL;
		if (!isnull) {
			old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
			char *key = TextDatumGetCString(d);
			MemoryContextSwitchTo(old);
			bool found;
			kr = (KeyRows *) hash_search(st->cache, &key, HASH_ENTER, &found);
			if (!found) {
				kr->key = MemoryContextStrdup(st->cache_cxt, key);
				kr->fetched = false;
				kr->ntuples = kr->cap = 0;
				kr->tuples = NULL;
				st->new_keys[st->nnew++] = kr->key;
			} else if (kr->fetched)
				st->keys_cached++;
		}
		ResetExprContext(econtext);
		st->row_keys[st->nrows++] = kr;
	}
	if (st->nrows == 0)
		return false;
	st->batches++;
	if (st->nnew > 0)
		Probe(st);
	return true;
}

TupleTableSlot *
BatchJoinNext(ScanState *ss)
{
	BatchJoinState *st = (BatchJoinState *) ss;
	ExprContext *econtext = ss->ps.ps_ExprContext;
	for (;;) {
		if (st->cur >= st->nrows) {
			if (!NextBatch(st))
				return ExecClearTuple(ss->ss_ScanTupleSlot);
			continue;
		}
		MinimalTuple row = st->rows[st->cur];
		KeyRows *kr = st->row_keys[st->cur];
		while (kr && st->match < kr->ntuples) {
			CHECK_FOR_INTERRUPTS();
			econtext->ecxt_scantuple = FillScanTuple(st, row, kr->tuples[st->match++]);
			if (!ExecQualAndReset(st->joinqual, econtext))
				continue;
			st->matched = true;
			if (st->jointype == JOIN_ANTI)
				break;
			if (st->jointype == JOIN_SEMI)
				st->match = kr->ntuples; /* one row per outer row */
			return ss->ss_ScanTupleSlot;
		}
		bool null_extend = !st->matched && (st->jointype == JOIN_LEFT || st->jointype == JOIN_ANTI);
		st->cur++;
		st->match = 0;
		st->matched = false;
		if (null_extend)
			return FillScanTuple(st, row, NULL);
	}
}

bool
BatchJoinRecheck(ScanState *, TupleTableSlot *)
{
	return true;
}

Node *
CreateBatchJoinState(CustomScan *cscan)
{
	BatchJoinState *st = (BatchJoinState *) palloc0(sizeof(BatchJoinState));
	NodeSetTag(st, T_CustomScanState);
	st->css.methods = &kExecMethods;
	return (Node *) st;
}

void
BeginBatchJoin(CustomScanState *node, EState *estate, int eflags)
{
	BatchJoinState *st = (BatchJoinState *) node;
	CustomScan *cs = (CustomScan *) node->ss.ps.plan;
	List *priv = cs->custom_private;
	st->jointype = (JoinType) intVal(list_nth(priv, SpJoinType));
	st->outer_natts = intVal(list_nth(priv, SpOuterNatts));
	st->inner_key = intVal(list_nth(priv, SpInnerKey));
	st->batch_size = intVal(list_nth(priv, SpBatch));

	/* no backward scan or mark: the planner materializes above when needed */
	int child_flags = eflags & ~(EXEC_FLAG_BACKWARD | EXEC_FLAG_MARK);
	st->outer = ExecInitNode((Plan *) linitial(cs->custom_plans), estate, child_flags);
	st->inner = ExecInitNode((Plan *) lsecond(cs->custom_plans), estate, child_flags);
	node->custom_ps = list_make2(st->outer, st->inner);
	if (!IsA(st->inner, ForeignScanState) ||
	    ((ForeignScanState *) st->inner)->fdwroutine->IterateForeignScan != orcaIterateForeignScan)
		elog(ERROR, "orca_fdw: the inner side of a batched join is not an ORCA foreign scan");
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	Expr *key = (Expr *) linitial(cs->custom_exprs);
	st->key_type = exprType((Node *) key);
	st->outer_key = ExecInitExpr(key, &node->ss.ps);
	st->joinqual = ExecInitQual(list_copy_tail(cs->custom_exprs, 1), &node->ss.ps);
	st->outer_slot = ExecInitExtraTupleSlot(estate, ExecGetResultType(st->outer), &TTSOpsMinimalTuple);
	st->inner_slot = ExecInitExtraTupleSlot(estate, ExecGetResultType(st->inner), &TTSOpsMinimalTuple);
	st->batch_cxt = AllocSetContextCreate(estate->es_query_cxt, "orca_fdw batched join batch", ALLOCSET_DEFAULT_SIZES);
	st->cache_cxt = AllocSetContextCreate(estate->es_query_cxt, "orca_fdw batched join rows", ALLOCSET_DEFAULT_SIZES);
	NewCache(st);
}

TupleTableSlot *
ExecBatchJoin(CustomScanState *node)
{
	return ExecScan(&node->ss, BatchJoinNext, BatchJoinRecheck);
}

void
EndBatchJoin(CustomScanState *node)
{
	BatchJoinState *st = (BatchJoinState *) node;
	ExecEndNode(st->outer);
	ExecEndNode(st->inner);
}

void
ReScanBatchJoin(CustomScanState *node)
{
	BatchJoinState *st = (BatchJoinState *) node;
	PlanState *ps = &node->ss.ps;
	if (!st->batch_cxt)
		return;
	/* Inner rows stay valid unless a parameter of the inner scan changed. */
	if (ps->chgParam && bms_overlap(ps->chgParam, st->inner->plan->allParam))
		ResetCache(st);
	else
		ResetBatch(st);
	if (ps->chgParam) {
		UpdateChangedParamSet(st->outer, ps->chgParam);
		UpdateChangedParamSet(st->inner, ps->chgParam);
	}
	if (st->outer->chgParam == NULL)
		ExecReScan(st->outer);
	st->outer_done = false;
}

const char *
JoinTypeName(JoinType t)
{
	switch (t) {
	case JOIN_INNER:
		return "Inner";
	case JOIN_LEFT:
		return "Left";
	case JOIN_SEMI:
		return "Semi";
	case JOIN_ANTI:
		return "Anti";
	default:
		return "?";
	}
}

void
ExplainBatchJoin(CustomScanState *node, List *ancestors, ExplainState *es)
{
	BatchJoinState *st = (BatchJoinState *) node;
	CustomScan *cs = (CustomScan *) node->ss.ps.plan;
	List *priv = cs->custom_private;
	JoinType jt = (JoinType) intVal(list_nth(priv, SpJoinType));
	const char *resource = strVal(list_nth(priv, SpResource));
	const char *keyname = strVal(list_nth(priv, SpKeyName));
	int batch = intVal(list_nth(priv, SpBatch));

	ExplainPropertyText("Join Type", JoinTypeName(jt), es);
	List *joinquals = list_copy_tail(cs->custom_exprs, 1);
	if (joinquals != NIL) {
		List *context = set_deparse_context_plan(es->deparse_cxt, node->ss.ps.plan, ancestors);
		bool useprefix = list_length(es->rtable) > 1 || es->verbose;
		ExplainPropertyText("Join Cond",
		                    deparse_expression((Node *) make_ands_explicit(joinquals), context, useprefix, false), es);
	}
	ExplainPropertyText("ORCA batched join",
	                    psprintf("%s.%s IN (up to %d distinct keys of the outer rows a batch)", resource, keyname, batch),
	                    es);
	ExplainPropertyText("ORCA batches",
	                    psprintf("%s planned for %s distinct keys (%s ORCA %s)", strVal(list_nth(priv, SpBatches)),
	                             strVal(list_nth(priv, SpKeys)), strVal(list_nth(priv, SpCalls)),
	                             strcmp(strVal(list_nth(priv, SpCalls)), "1") == 0 ? "call" : "calls"),
	                    es);
	if (es->analyze && st->batch_cxt)
		ExplainPropertyText("ORCA batches made",
		                    psprintf("%ld (%ld probes, %ld keys probed, %ld repeated keys answered from memory%s)",
		                             st->batches, st->probes, st->keys_probed, st->keys_cached,
		                             st->cache_resets ? psprintf(", memory emptied %ld times", st->cache_resets) : ""),
		                    es);
}

const CustomPathMethods kPathMethods = {
    "OrcaBatchedJoin",
    PlanBatchJoin,
    NULL,
};

const CustomScanMethods kScanMethods = {
    "OrcaBatchedJoin",
    CreateBatchJoinState,
};

const CustomExecMethods kExecMethods = {
    "OrcaBatchedJoin",
    BeginBatchJoin,
    ExecBatchJoin,
    EndBatchJoin,
    ReScanBatchJoin,
    NULL, /* MarkPos */
    NULL, /* RestrPos */
    NULL, /* EstimateDSM */
    NULL, /* InitializeDSM */
    NULL, /* ReInitializeDSM */
    NULL, /* InitializeWorker */
    NULL, /* Shutdown */
    ExplainBatchJoin,
};

} // namespace

void
InitBatchJoin()
{
	DefineCustomBoolVariable("orca_fdw.enable_batched_join",
	                         "Joins of a local relation with an ORCA resource probe ORCA in batches of keys.",
	                         "Off: such joins use a per-row parameterized scan or a full scan.", &enable_batched_join,
	                         true, PGC_USERSET, 0, NULL, NULL, NULL);
	RegisterCustomScanMethods(&kScanMethods);
	prev_join_pathlist_hook = set_join_pathlist_hook;
	set_join_pathlist_hook = BatchJoinPathlist;
}

} // namespace orca_fdw::pg
