/*
 * fdw_scan.cpp — execution: BeginForeignScan … EndForeignScan, and EXPLAIN.
 *
 * The C++ ScanSession lives on the C++ heap, owned by OrcaFdwScanState and
 * deleted by EndForeignScan or, when the query fails or is cancelled and
 * EndForeignScan never runs, by a reset callback on the scan's memory
 * context.  The session shares the ownership of its HTTP client, so the
 * client outlives it even when ALTER SERVER / USER MAPPING retired it and
 * the transaction aborts before the scan's memory is released (SPI).
 * EXPLAIN without ANALYZE creates no session and makes no call.
 */
#include "pg/fdw.hpp"

#include "pg/connection.hpp"
#include "pg/guard.hpp"
#include "pg/options.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace orca_fdw::pg {

namespace {

/* A needed attribute: where its value comes from and how it is converted. */
struct ScanAttr {
	AttrNumber attno;
	int value_index;              /* index into the session's values */
	FmgrInfo in_function;         /* type input function */
	Oid typioparam;
	int32 typmod;
};

struct OrcaFdwScanState {
	const core::ResourceDef *resource;
	core::HttpClient *client;     /* the cache's; valid for the transaction (connection.hpp) */
	core::ScanSession *session;   /* C++ heap; NULL until the first row is asked for */
	MemoryContextCallback cleanup; /* deletes the session on error/abort */
	MemoryContext row_cxt;        /* per-row conversions, reset every row */

	ScanPrivate plan;             /* the plan's fdw_private */
	ScanAttr *attrs;              /* [plan.nattrs] */
	int *needed;                  /* distinct catalog columns handed to the core */
	int nneeded;
	List *expr_states;            /* ExprState per fdw_expr */
	Oid *expr_types;
	bool trim_values;             /* table option trim_values */
	char **batch_keys;            /* the batched join's keys (kBatchKeysExpr) */
	int nbatch_keys;

	const char *relname;
	char *stats_text;             /* "3 (patientlst2v2 3)" for EXPLAIN ANALYZE */

	const char *clinic;           /* the server's clinic option (the clinic column), NULL when unset */
	/* Asynchronous execution under an Append: Iterate never waits for the
	 * network; ForeignAsyncConfigureWait hands PostgreSQL the wait
	 * descriptor (C++ heap, deleted with the session). */
	bool async;
	bool eof;
	core::WaitFd *waitfd;
};

void
DeleteSession(void *arg)
{
	OrcaFdwScanState *st = (OrcaFdwScanState *) arg;
	core::ScanSession *s = st->session;
	core::WaitFd *w = st->waitfd;
	st->session = nullptr;
	st->waitfd = nullptr;
	delete s; /* noexcept: abandons its in-flight calls */
	delete w; /* noexcept: closes its descriptors */
}

/* Evaluate the quals' values now (params and outer values are known). */
QualValues *
CurrentQualValues(ForeignScanState *node, OrcaFdwScanState *st)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	QualValues *qv = (QualValues *) palloc0(sizeof(QualValues) * Max(st->plan.nquals, 1));
	for (int i = 0; i < st->plan.nquals; i++) {
		const ScanPrivateQual &q = st->plan.quals[i];
		QualValues *v = &qv[i];
		v->column = q.column;
		v->op = q.op;
		v->known = true;
		v->estimated_count = 1;
		if (q.expr == kBatchKeysExpr) {
			v->values = st->batch_keys;
			v->nvalues = st->nbatch_keys;
			v->estimated_count = st->nbatch_keys;
			continue;
		}
		if (q.expr < 0)
			continue;
		ExprState *es = (ExprState *) list_nth(st->expr_states, q.expr);
		Oid type = st->expr_types[q.expr];
		bool isnull;
		Datum d = ExecEvalExpr(es, econtext, &isnull);
		if (isnull) {
			v->null_value = true;
			continue;
		}
		if (q.array) {
			ArrayType *arr = DatumGetArrayTypeP(d);
			Oid elemtype = ARR_ELEMTYPE(arr);
			int16 typlen;
			bool typbyval;
			char typalign;
			Datum *elems;
			bool *nulls;
			int n;
			get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
			v->values = (char **) palloc0(sizeof(char *) * Max(n, 1));
			for (int j = 0; j < n; j++)
				if (!nulls[j]) {
					char *t = DatumToOrcaText(elems[j], elemtype);
					if (t)
						v->values[v->nvalues++] = t;
				}
			v->estimated_count = v->nvalues;
		} else {
			char *t = DatumToOrcaText(d, type);
			if (!t) {
				v->known = false; /* no ORCA text for it: no bound from it */
				continue;
			}
			v->values = (char **) palloc(sizeof(char *));
			v->values[0] = t;
			v->nvalues = 1;
		}
	}
	return qv;
}

void
ReportWarnings(OrcaFdwScanState *st)
{
	static char buf[4096];
	buf[0] = '\0';
	core::ScanSession *s = st->session;
	CapturedError *err = GuardBuffer();
	if (!TryCore(
	        [&] {
		        std::string all;
		        for (const auto &w : s->TakeWarnings())
			        all += (all.empty() ? "" : "\n") + w;
		        strlcpy(buf, all.c_str(), sizeof(buf));
	        },
	        err))
		ReportCaptured(err);
	if (buf[0] == '\0')
		return;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		ereport(WARNING, (errcode(ERRCODE_WARNING), errmsg("ORCA answered with a warning"), errdetail("%s", line)));
}

void
StartSession(ForeignScanState *node, OrcaFdwScanState *st)
{
	QualValues *qv = CurrentQualValues(node, st);
	core::HttpClient *client = st->client;
	core::ScanSession *session = nullptr;
	bool trim = st->trim_values;
	RunGuarded([&] {
		core::ScanSpec spec =
		    MakeScanSpec(st->resource, st->needed, st->nneeded, qv, st->plan.nquals, st->plan.table_rows);
		spec.trim_values = trim;
		session = new core::ScanSession(ShareClient(client), std::move(spec));
	});
	st->session = session;
}

} // namespace

void
orcaBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState *estate = node->ss.ps.state;
	OrcaFdwScanState *st;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return; /* no I/O for plain EXPLAIN */

	st = (OrcaFdwScanState *) palloc0(sizeof(OrcaFdwScanState));
	node->fdw_state = st;

	RangeTblEntry *rte = exec_rt_fetch(fsplan->scan.scanrelid, estate);
	Oid userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	Relation rel = node->ss.ss_currentRelation;
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *mapping = GetUserMapping(userid, server->serverid);

	st->relname = pstrdup(RelationGetRelationName(rel));
	st->clinic = GetServerClinic(server->serverid);
	st->async = node->ss.ps.async_capable;
	DecodeScanPrivate(fsplan->fdw_private, &st->plan);
	st->resource = LookupResource(st->plan.resource, RelationGetRelid(rel));
	OrcaTableOptions topts;
	GetTableOptions(RelationGetRelid(rel), &topts);
	st->trim_values = topts.trim_values;
	st->client = GetClient(server, mapping);

	/* Needed attributes, their conversions, and the distinct catalog columns asked of the core. */
	TupleDesc desc = RelationGetDescr(rel);
	int nattrs = st->plan.nattrs;
	st->attrs = (ScanAttr *) palloc0(sizeof(ScanAttr) * Max(nattrs, 1));
	st->needed = (int *) palloc(sizeof(int) * Max(nattrs, 1));
	for (int i = 0; i < nattrs; i++) {
		const ScanPrivateAttr &pa = st->plan.attrs[i];
		ScanAttr *a = &st->attrs[i];
		Form_pg_attribute att = TupleDescAttr(desc, pa.attno - 1);
		Oid infunc;
		a->attno = pa.attno;
		getTypeInputInfo(att->atttypid, &infunc, &a->typioparam);
		fmgr_info(infunc, &a->in_function);
		a->typmod = att->atttypmod;
		if (pa.column == kClinicColumn) {
			a->value_index = -1; /* the server's clinic, not ORCA's */
			continue;
		}
		int idx = -1;
		for (int j = 0; j < st->nneeded; j++)
			if (st->needed[j] == pa.column)
				idx = j;
		if (idx < 0) {
			idx = st->nneeded;
			st->needed[st->nneeded++] = pa.column;
		}
		a->value_index = idx;
	}

	/* The expressions giving the quals' values. */
	ListCell *lc;
	int i = 0;
	st->expr_states = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
	st->expr_types = (Oid *) palloc(sizeof(Oid) * Max(list_length(fsplan->fdw_exprs), 1));
	foreach (lc, fsplan->fdw_exprs)
		st->expr_types[i++] = exprType((Node *) lfirst(lc));

	st->row_cxt = AllocSetContextCreate(estate->es_query_cxt, "orca_fdw row data", ALLOCSET_SMALL_SIZES);
	st->cleanup.func = DeleteSession;
	st->cleanup.arg = st;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, &st->cleanup);
}

TupleTableSlot *
orcaIterateForeignScan(ForeignScanState *node)
{
	OrcaFdwScanState *st = (OrcaFdwScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (!st->session)
		StartSession(node, st);

	core::ScanSession *session = st->session;
	core::ScanStep step = core::ScanStep::End;
	bool cleaned = false;
	bool block = !st->async;
	const core::RowValue *values = nullptr;
	RunGuarded([&] {
		step = session->Poll(CancelToken(), block);
		if (step == core::ScanStep::Row) {
			values = session->Values();
			cleaned = session->RowCleaned();
		}
	});
	ReportWarnings(st);

	ExecClearTuple(slot);
	if (step == core::ScanStep::End)
		st->eof = true;
	if (step != core::ScanStep::Row)
		return slot; /* the end, or (async) the row is not there yet */

	MemoryContextReset(st->row_cxt);
	MemoryContext old = MemoryContextSwitchTo(st->row_cxt);
	TupleDesc desc = slot->tts_tupleDescriptor;
	for (int a = 0; a < desc->natts; a++) {
		slot->tts_values[a] = (Datum) 0;
		slot->tts_isnull[a] = true;
	}
	/* A value ORCA sent that the column's type rejects: report the column,
	 * never the value (it may be a name or an address). */
	volatile int failed_attr = -1;
	PG_TRY();
	{
		for (int i = 0; i < st->plan.nattrs; i++) {
			ScanAttr *sa = &st->attrs[i];
			int a = sa->attno - 1;
			const char *text = sa->value_index < 0 ? st->clinic
			                   : values[sa->value_index].isnull ? NULL
			                                                     : values[sa->value_index].data;
			if (!text)
				continue;
			failed_attr = a;
			slot->tts_values[a] = InputFunctionCall(&sa->in_function, (char *) text, sa->typioparam, sa->typmod);
			slot->tts_isnull[a] = false;
		}
		failed_attr = -1;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		ErrorData *edata = CopyErrorData();
		if (failed_attr < 0 || edata->sqlerrcode == ERRCODE_QUERY_CANCELED || edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY)
			PG_RE_THROW();
		FlushErrorState();
		Form_pg_attribute att = TupleDescAttr(desc, failed_attr);
		ereport(ERROR, (errcode(edata->sqlerrcode),
		                errmsg("ORCA value does not fit column \"%s\" of foreign table \"%s\"", NameStr(att->attname),
		                       st->relname),
		                errdetail("The value is not valid input for type %s.", format_type_be(att->atttypid)),
		                errhint("Declare the column with a type that can hold it, such as text.")));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	ExecStoreVirtualTuple(slot);
	if (st->plan.mark_rows)
		ItemPointerSet(&slot->tts_tid, kRowMarkBlock, cleaned ? kRowCleaned : kRowAsSent);
	return slot;
}

void
orcaReScanForeignScan(ForeignScanState *node)
{
	OrcaFdwScanState *st = (OrcaFdwScanState *) node->fdw_state;
	if (!st || !st->session)
		return;
	st->eof = false;
	/* New parameter values: start over at the next Iterate. */
	QualValues *qv = CurrentQualValues(node, st);
	core::ScanSession *session = st->session;
	RunGuarded([&] {
		core::ScanSpec spec =
		    MakeScanSpec(st->resource, st->needed, st->nneeded, qv, st->plan.nquals, st->plan.table_rows);
		session->Restart(std::move(spec.quals));
	});
}

/*
 * Asynchronous execution (PostgreSQL 14+): an Append over several foreign
 * tables (the partitions of a group of clinics) asks each scan for a row
 * without waiting; a scan whose row waits for the network says so, and the
 * Append waits on every such scan's descriptor at once, so each server's
 * calls are in flight together, each within its own limits (the gate).
 * Everything runs in the backend's thread; the descriptor (core::WaitFd)
 * turns readable when a socket of the scan's HTTP client is ready or its
 * next timer is due, at the latest after WaitFd::kMaxWaitMs, so the Append's
 * CHECK_FOR_INTERRUPTS answers cancel and statement_timeout that fast.
 */
bool
orcaIsForeignPathAsyncCapable(ForeignPath *path)
{
	OrcaFdwRelationInfo *fpinfo = (OrcaFdwRelationInfo *) path->path.parent->fdw_private;
	return fpinfo && GetAsyncCapable(fpinfo->relid);
}

namespace {

/* A row for the Append, the end, or pending (postgres_fdw's pattern: the
 * node's own ExecProcNode runs Iterate and the local quals). */
void
ProduceAsync(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	OrcaFdwScanState *st = (OrcaFdwScanState *) node->fdw_state;
	TupleTableSlot *result = areq->requestee->ExecProcNodeReal(areq->requestee);
	if (!TupIsNull(result))
		ExecAsyncRequestDone(areq, result);
	else if (st->eof)
		ExecAsyncRequestDone(areq, NULL);
	else
		ExecAsyncRequestPending(areq);
}

} // namespace

void
orcaForeignAsyncRequest(AsyncRequest *areq)
{
	ProduceAsync(areq);
}

void
orcaForeignAsyncConfigureWait(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	OrcaFdwScanState *st = (OrcaFdwScanState *) node->fdw_state;
	AppendState *requestor = (AppendState *) areq->requestor;
	if (!st->waitfd) {
		core::WaitFd *w = nullptr;
		RunGuarded([&] { w = new core::WaitFd(); });
		st->waitfd = w;
	}
	if (st->session)
		st->session->ArmWait(*st->waitfd); /* noexcept */
	AddWaitEventToSet(requestor->as_eventset, WL_SOCKET_READABLE, st->waitfd->Fd(), NULL, areq);
}

void
orcaForeignAsyncNotify(AsyncRequest *areq)
{
	ProduceAsync(areq);
}

void
OrcaScanSetBatchKeys(ForeignScanState *node, char **keys, int nkeys)
{
	OrcaFdwScanState *st = (OrcaFdwScanState *) node->fdw_state;
	if (!st)
		return;
	st->batch_keys = keys;
	st->nbatch_keys = nkeys;
}

void
orcaEndForeignScan(ForeignScanState *node)
{
	OrcaFdwScanState *st = (OrcaFdwScanState *) node->fdw_state;
	if (!st)
		return;
	DeleteSession(st);
}

void
orcaExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	OrcaFdwScanState *st = (OrcaFdwScanState *) node->fdw_state;
	ScanPrivate plan;
	DecodeScanPrivate(fsplan->fdw_private, &plan);
	List *lines = plan.explain;
	ListCell *lc;

	ExplainPropertyText("ORCA resource", plan.resource, es);
	if (es->format == EXPLAIN_FORMAT_TEXT) {
		foreach (lc, lines)
			ExplainPropertyText("ORCA call", strVal(lfirst(lc)), es);
	} else {
		List *texts = NIL;
		foreach (lc, lines)
			texts = lappend(texts, strVal(lfirst(lc)));
		ExplainPropertyList("ORCA calls", texts, es);
	}
	if (es->analyze && st && st->session) {
		static char buf[512];
		core::ScanSession *s = st->session;
		RunGuarded([&] { strlcpy(buf, s->StatsText().c_str(), sizeof(buf)); });
		ExplainPropertyText("ORCA requests", buf, es);
	}
}

} // namespace orca_fdw::pg
