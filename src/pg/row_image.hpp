/*
 * row_image.hpp — a foreign table's row on its way to ORCA and back.
 *
 * PG regime: the slot's Datums become text per catalog column (RowPod, palloc'd:
 * dates YYYY-MM-DD, jsonb also flattened to its leaves), and ORCA's answer
 * becomes the RETURNING slot through the types' input functions.  C++
 * regime: MakeImage turns a RowPod into the core's RowImage.
 */
#pragma once

#include "core/registration/registration.hpp"

#include <vector>

#include "pg/pg.hpp"

namespace orca_fdw::pg {

/* How a foreign table's attributes map to its resource's catalog columns
 * (palloc'd, plain). */
struct RowLayout {
	Relation rel;
	const char *relname;
	int natts;
	int *attr_column;  /* [attno] → catalog column, -1 unmapped; [0] unused */
	Oid *atttype;      /* [attno] */
	int ncolumns;      /* catalog columns of the resource */
	int *column_attno; /* [catalog column] → attno, 0 when the table lacks it */
	const char *clinic; /* the server's clinic option (kClinicColumn attributes), NULL when unset */
};

/* attno → catalog column, as the planner maps them (field option, else name;
 * kClinicColumn for the clinic column); [0] unused. */
int *MapAttributes(Relation rel, const core::ResourceDef *r);
void InitRowLayout(RowLayout *layout, Relation rel, const core::ResourceDef *r);

/* A row in plain C form, indexed by catalog column, before the core sees it. */
struct RowPod {
	int ncolumns;
	bool *present;
	bool *isnull;
	char **text;
	int *njson;
	char ***json_path;
	char ***json_text;
};

/* The slot's row (the new row of an INSERT or UPDATE). */
RowPod *SlotRow(const RowLayout *layout, TupleTableSlot *slot);
/* The old row of an UPDATE/DELETE, from `n` junk columns of the plan's
 * slot: attribute numbers in the subplan's output, and catalog columns. */
RowPod *JunkRow(const RowLayout *layout, TupleTableSlot *planSlot, int n, const AttrNumber *junk_attno,
                const int *column);
/* A row with every column of the table present and NULL: which columns it
 * has, not their values. */
RowPod *ColumnsRow(const RowLayout *layout);

/* C++ regime: the row as the core's RowImage. */
core::RowImage MakeImage(const RowPod *pod);

/* RETURNING: the slot's row (or `fallback`, when the slot is empty) with the
 * columns ORCA's answer carries. */
void StoreAnswer(const RowLayout *layout, TupleTableSlot *slot, const std::vector<core::AnswerValue> *answer,
                 const RowPod *fallback);

} // namespace orca_fdw::pg
