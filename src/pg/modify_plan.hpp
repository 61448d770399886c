/*
 * modify_plan.hpp — planning INSERT, UPDATE and DELETE on a foreign table
 * (modify_plan.cpp): which registration a statement makes, the refusals
 * ORCA's APIs imply, the old-row columns UPDATE/DELETE carry, and EXPLAIN.
 */
#pragma once

#include "pg/pg.hpp"

namespace orca_fdw::pg {

int orcaIsForeignRelUpdatable(Relation rel);
void orcaAddForeignUpdateTargets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte, Relation target_relation);
List *orcaPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation, int subplan_index);
/* orca_fdw.transfer_date: the date of the transfers an UPDATE of admissions
 * registers (hsptinfmodv2 08's Update_Date); empty = today.  Defined at load. */
extern char *orca_transfer_date;
void DefineModifyGucs(void);

void orcaExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private, int subplan_index,
                              ExplainState *es);

} // namespace orca_fdw::pg
