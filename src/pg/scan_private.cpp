/*
 * scan_private.cpp — a ForeignScan's fdw_private: the one place that writes
 * and reads it (see ScanPrivate in fdw.hpp).
 *
 * fdw_private holds Nodes only, read through FdwScanPrivateIndex: plans are
 * copied (copyObject) and may be written out and read back, so no pointer
 * and no C++ object goes in.
 */
#include "pg/fdw.hpp"

#include <cstring>

namespace orca_fdw::pg {

namespace {

enum FdwScanPrivateIndex {
	FdwScanPrivateResource,  /* String: resource name */
	FdwScanPrivateAttrs,     /* IntList: attno, catalog column, per needed attribute */
	FdwScanPrivateQuals,     /* IntList: column, op, expr index (-1), known (0/1), array (0/1), like (0/1), per qual */
	FdwScanPrivateExplain,   /* List of String */
	FdwScanPrivateTableRows, /* Integer: estimated resource size */
	FdwScanPrivateMarkRows,  /* Integer 0/1 */
	FdwScanPrivateRowHint,   /* Integer: rows the query most likely takes, 0 all; negative: exactly at most */
	FdwScanPrivateCount
};
constexpr int kAttrInts = 2;
constexpr int kQualInts = 6;

} // namespace

List *
EncodeScanPrivate(const ScanPrivate *sp)
{
	List *attrs = NIL, *quals = NIL;
	for (int i = 0; i < sp->nattrs; i++) {
		attrs = lappend_int(attrs, sp->attrs[i].attno);
		attrs = lappend_int(attrs, sp->attrs[i].column);
	}
	for (int i = 0; i < sp->nquals; i++) {
		const ScanPrivateQual &q = sp->quals[i];
		quals = lappend_int(quals, q.column);
		quals = lappend_int(quals, (int) q.op);
		quals = lappend_int(quals, q.expr);
		quals = lappend_int(quals, q.known ? 1 : 0);
		quals = lappend_int(quals, q.array ? 1 : 0);
		quals = lappend_int(quals, q.like ? 1 : 0);
	}
	/* an empty IntList is NIL, which reads back as no entries */
	List *out = list_make5(makeString(pstrdup(sp->resource)), attrs, quals, sp->explain,
	                       makeInteger((int) Min(sp->table_rows, (double) INT_MAX)));
	out = lappend(out, makeInteger(sp->mark_rows ? 1 : 0));
	int hint = (int) Min(sp->row_hint, (double) INT_MAX);
	return lappend(out, makeInteger(sp->hint_exact ? -hint : hint));
}

void
DecodeScanPrivate(List *fdw_private, ScanPrivate *out)
{
	if (list_length(fdw_private) != FdwScanPrivateCount)
		elog(ERROR, "orca_fdw: foreign scan plan has %d private entries, expected %d", list_length(fdw_private),
		     FdwScanPrivateCount);
	memset(out, 0, sizeof(*out));
	out->resource = strVal(list_nth(fdw_private, FdwScanPrivateResource));
	List *attrs = (List *) list_nth(fdw_private, FdwScanPrivateAttrs);
	List *quals = (List *) list_nth(fdw_private, FdwScanPrivateQuals);
	out->nattrs = list_length(attrs) / kAttrInts;
	out->attrs = (ScanPrivateAttr *) palloc0(sizeof(ScanPrivateAttr) * Max(out->nattrs, 1));
	for (int i = 0; i < out->nattrs; i++) {
		out->attrs[i].attno = (AttrNumber) list_nth_int(attrs, i * kAttrInts);
		out->attrs[i].column = list_nth_int(attrs, i * kAttrInts + 1);
	}
	out->nquals = list_length(quals) / kQualInts;
	out->quals = (ScanPrivateQual *) palloc0(sizeof(ScanPrivateQual) * Max(out->nquals, 1));
	for (int i = 0; i < out->nquals; i++) {
		ScanPrivateQual &q = out->quals[i];
		q.column = list_nth_int(quals, i * kQualInts);
		q.op = (core::QualOp) list_nth_int(quals, i * kQualInts + 1);
		q.expr = list_nth_int(quals, i * kQualInts + 2);
		q.known = list_nth_int(quals, i * kQualInts + 3) != 0;
		q.array = list_nth_int(quals, i * kQualInts + 4) != 0;
		q.like = list_nth_int(quals, i * kQualInts + 5) != 0;
	}
	out->explain = (List *) list_nth(fdw_private, FdwScanPrivateExplain);
	out->table_rows = intVal(list_nth(fdw_private, FdwScanPrivateTableRows));
	out->mark_rows = intVal(list_nth(fdw_private, FdwScanPrivateMarkRows)) != 0;
	int hint = intVal(list_nth(fdw_private, FdwScanPrivateRowHint));
	out->row_hint = hint < 0 ? -hint : hint;
	out->hint_exact = hint < 0;
}

} // namespace orca_fdw::pg
