/*
 * row_image.cpp — slot ↔ row (see row_image.hpp).
 */
#include "pg/row_image.hpp"

#include "pg/options.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

namespace orca_fdw::pg {

namespace {

char *
DateText(DateADT d)
{
	int y, m, day;
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
}

char *
JsonbScalarText(JsonbValue *v)
{
	switch (v->type) {
	case jbvString: return pnstrdup(v->val.string.val, v->val.string.len);
	case jbvNumeric: return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	case jbvBool: return pstrdup(v->val.boolean ? "true" : "false");
	default: return NULL;
	}
}

/* The leaves of a jsonb value as (path, text); array items are "[i]". */
void
FlattenJsonb(Jsonb *jb, RowPod *pod, int col)
{
	struct Frame {
		bool array;
		int index;
		char *key;
	} frames[32];
	int depth = 0;
	int cap = 8, n = 0;
	char **paths = (char **) palloc(sizeof(char *) * cap);
	char **texts = (char **) palloc(sizeof(char *) * cap);
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue v;
	JsonbIteratorToken tok;
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
		switch (tok) {
		case WJB_BEGIN_ARRAY:
		case WJB_BEGIN_OBJECT:
			if (depth >= 32)
				ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				                errmsg("jsonb value nested too deeply for an ORCA registration")));
			if (depth > 0 && frames[depth - 1].array)
				frames[depth - 1].index++;
			frames[depth].array = tok == WJB_BEGIN_ARRAY;
			frames[depth].index = -1;
			frames[depth].key = NULL;
			depth++;
			break;
		case WJB_END_ARRAY:
		case WJB_END_OBJECT: depth--; break;
		case WJB_KEY: frames[depth - 1].key = pnstrdup(v.val.string.val, v.val.string.len); break;
		case WJB_ELEM:
		case WJB_VALUE: {
			if (tok == WJB_ELEM)
				frames[depth - 1].index++;
			char *text = JsonbScalarText(&v);
			if (!text)
				break;
			StringInfoData path;
			initStringInfo(&path);
			for (int i = 0; i < depth; i++) {
				if (i > 0)
					appendStringInfoChar(&path, '/');
				if (frames[i].array)
					appendStringInfo(&path, "[%d]", frames[i].index);
				else
					appendStringInfoString(&path, frames[i].key ? frames[i].key : "");
			}
			if (n == cap) {
				cap *= 2;
				paths = (char **) repalloc(paths, sizeof(char *) * cap);
				texts = (char **) repalloc(texts, sizeof(char *) * cap);
			}
			paths[n] = path.data;
			texts[n] = text;
			n++;
			break;
		}
		default: break;
		}
	}
	pod->njson[col] = n;
	pod->json_path[col] = paths;
	pod->json_text[col] = texts;
}

void
SetPodValue(const RowLayout *layout, RowPod *pod, int col, Datum d, bool isnull, AttrNumber attno)
{
	pod->present[col] = true;
	pod->isnull[col] = isnull;
	if (isnull)
		return;
	switch (layout->atttype[attno]) {
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID: pod->text[col] = TextDatumGetCString(d); break;
	case DATEOID: {
		DateADT date = DatumGetDateADT(d);
		if (DATE_NOT_FINITE(date))
			ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			                errmsg("invalid value in column \"%s\" of foreign table \"%s\"",
			                       NameStr(TupleDescAttr(RelationGetDescr(layout->rel), attno - 1)->attname),
			                       layout->relname),
			                errdetail("ORCA dates are calendar dates; infinity cannot be sent.")));
		pod->text[col] = DateText(date);
		break;
	}
	case JSONBOID: {
		Jsonb *jb = DatumGetJsonbP(d);
		pod->text[col] = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
		FlattenJsonb(jb, pod, col);
		break;
	}
	default: {
		Oid out;
		bool varlena;
		getTypeOutputInfo(layout->atttype[attno], &out, &varlena);
		pod->text[col] = OidOutputFunctionCall(out, d);
	}
	}
}

RowPod *
NewPod(const RowLayout *layout)
{
	RowPod *pod = (RowPod *) palloc0(sizeof(RowPod));
	int n = Max(layout->ncolumns, 1);
	pod->ncolumns = layout->ncolumns;
	pod->present = (bool *) palloc0(sizeof(bool) * n);
	pod->isnull = (bool *) palloc0(sizeof(bool) * n);
	pod->text = (char **) palloc0(sizeof(char *) * n);
	pod->njson = (int *) palloc0(sizeof(int) * n);
	pod->json_path = (char ***) palloc0(sizeof(char **) * n);
	pod->json_text = (char ***) palloc0(sizeof(char **) * n);
	return pod;
}

} // namespace

int *
MapAttributes(Relation rel, const core::ResourceDef *r)
{
	TupleDesc desc = RelationGetDescr(rel);
	int natts = desc->natts;
	int *map = (int *) palloc(sizeof(int) * (natts + 1));
	const char **fields = (const char **) palloc0(sizeof(char *) * Max(natts, 1));
	const char **names = (const char **) palloc0(sizeof(char *) * Max(natts, 1));
	for (int i = 0; i < natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		if (att->attisdropped)
			continue;
		fields[i] = GetColumnField(RelationGetRelid(rel), att->attnum);
		names[i] = NameStr(att->attname);
	}
	map[0] = -1;
	RunGuarded([&] {
		for (int i = 0; i < natts; i++)
			map[i + 1] = !names[i] ? -1 : fields[i] ? r->FindField(fields[i]) : r->FindColumn(names[i]);
	});
	for (int i = 0; i < natts; i++)
		if (map[i + 1] < 0 && names[i] && IsClinicColumn(names[i], fields[i], false))
			map[i + 1] = kClinicColumn;
	return map;
}

void
InitRowLayout(RowLayout *layout, Relation rel, const core::ResourceDef *r)
{
	TupleDesc desc = RelationGetDescr(rel);
	layout->rel = rel;
	layout->relname = pstrdup(RelationGetRelationName(rel));
	layout->natts = desc->natts;
	layout->attr_column = MapAttributes(rel, r);
	layout->atttype = (Oid *) palloc0(sizeof(Oid) * (desc->natts + 1));
	for (int i = 0; i < desc->natts; i++)
		layout->atttype[i + 1] = TupleDescAttr(desc, i)->atttypid;
	int ncolumns = 0;
	RunGuarded([&] { ncolumns = static_cast<int>(r->columns.size()); });
	layout->ncolumns = ncolumns;
	layout->column_attno = (int *) palloc0(sizeof(int) * Max(ncolumns, 1));
	layout->clinic = GetServerClinic(GetForeignTable(RelationGetRelid(rel))->serverid);
	for (int attno = 1; attno <= layout->natts; attno++)
		if (layout->attr_column[attno] >= 0 && layout->column_attno[layout->attr_column[attno]] == 0)
			layout->column_attno[layout->attr_column[attno]] = attno;
}

/* A row's clinic column is the server's clinic option, not an ORCA field: a
 * value other than it (or NULL) would be read back as the server's, so it is
 * refused before any call.  The values are not echoed (free text). */
static void
CheckClinic(const RowLayout *layout, int attno, Datum value)
{
	Oid typoutput;
	bool varlena;
	getTypeOutputInfo(layout->atttype[attno], &typoutput, &varlena);
	char *text = OidOutputFunctionCall(typoutput, value);
	if (layout->clinic && strcmp(text, layout->clinic) == 0)
		return;
	ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
	                errmsg("column \"%s\" of foreign table \"%s\" is not the clinic of its server",
	                       NameStr(TupleDescAttr(RelationGetDescr(layout->rel), attno - 1)->attname), layout->relname),
	                errdetail(layout->clinic ? "The column reads the server's clinic option; the row would be registered "
	                                           "in that clinic's ORCA."
	                                         : "The column reads the server's clinic option, which is not set."),
	                errhint("Insert through the partitioned table, which routes the row to its clinic's server, or "
	                        "leave the column NULL.")));
}

RowPod *
SlotRow(const RowLayout *layout, TupleTableSlot *slot)
{
	RowPod *pod = NewPod(layout);
	slot_getallattrs(slot);
	for (int attno = 1; attno <= layout->natts; attno++) {
		int col = layout->attr_column[attno];
		if (col == kClinicColumn && !slot->tts_isnull[attno - 1])
			CheckClinic(layout, attno, slot->tts_values[attno - 1]);
		if (col < 0)
			continue;
		SetPodValue(layout, pod, col, slot->tts_values[attno - 1], slot->tts_isnull[attno - 1], attno);
	}
	return pod;
}

RowPod *
JunkRow(const RowLayout *layout, TupleTableSlot *planSlot, int n, const AttrNumber *junk_attno, const int *column)
{
	RowPod *pod = NewPod(layout);
	for (int i = 0; i < n; i++) {
		int col = column[i];
		bool isnull;
		Datum d = ExecGetJunkAttribute(planSlot, junk_attno[i], &isnull);
		SetPodValue(layout, pod, col, d, isnull, layout->column_attno[col]);
	}
	return pod;
}

RowPod *
ColumnsRow(const RowLayout *layout)
{
	RowPod *pod = NewPod(layout);
	for (int attno = 1; attno <= layout->natts; attno++) {
		int col = layout->attr_column[attno];
		if (col < 0)
			continue;
		pod->present[col] = true;
		pod->isnull[col] = true;
	}
	return pod;
}

core::RowImage
MakeImage(const RowPod *pod)
{
	core::RowImage img(pod->ncolumns);
	for (int c = 0; c < pod->ncolumns; c++) {
		core::ColumnValue &v = img[c];
		v.present = pod->present[c];
		v.isnull = pod->isnull[c];
		if (pod->text[c])
			v.text = pod->text[c];
		for (int j = 0; j < pod->njson[c]; j++)
			v.json.emplace_back(pod->json_path[c][j], pod->json_text[c][j]);
	}
	return img;
}

void
StoreAnswer(const RowLayout *layout, TupleTableSlot *slot, const std::vector<core::AnswerValue> *answer,
            const RowPod *fallback)
{
	TupleDesc desc = slot->tts_tupleDescriptor;
	Datum *values = (Datum *) palloc0(sizeof(Datum) * Max(desc->natts, 1));
	bool *nulls = (bool *) palloc(sizeof(bool) * Max(desc->natts, 1));
	bool have_slot = !TTS_EMPTY(slot);
	if (have_slot)
		slot_getallattrs(slot);
	for (int a = 0; a < desc->natts; a++) {
		values[a] = have_slot ? slot->tts_values[a] : (Datum) 0;
		nulls[a] = have_slot ? slot->tts_isnull[a] : true;
	}
	size_t nanswer = answer->size();
	for (int attno = 1; attno <= desc->natts; attno++) {
		int col = layout->attr_column[attno];
		if (col < 0)
			continue;
		Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
		const char *text = NULL;
		bool present = false, isnull = true;
		const core::AnswerValue *v = static_cast<size_t>(col) < nanswer ? &(*answer)[col] : nullptr;
		if (v && v->present) {
			present = true;
			isnull = v->isnull;
			text = v->text.c_str();
		} else if (!have_slot && fallback && fallback->present[col]) {
			present = true;
			isnull = fallback->isnull[col];
			text = fallback->text[col];
		}
		if (!present)
			continue;
		nulls[attno - 1] = isnull || text == NULL;
		if (nulls[attno - 1])
			continue;
		Oid infunc, ioparam;
		getTypeInputInfo(att->atttypid, &infunc, &ioparam);
		values[attno - 1] = OidInputFunctionCall(infunc, (char *) text, ioparam, att->atttypmod);
	}
	MemoryContext old = MemoryContextSwitchTo(slot->tts_mcxt);
	HeapTuple tuple = heap_form_tuple(desc, values, nulls);
	MemoryContextSwitchTo(old);
	ExecForceStoreHeapTuple(tuple, slot, true);
}

} // namespace orca_fdw::pg
