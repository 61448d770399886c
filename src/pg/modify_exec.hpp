/*
 * modify_exec.hpp — executing INSERT, UPDATE and DELETE on a foreign table
 * (modify_exec.cpp): each row's registration, sent at once (registration_mode
 * 'immediate') or queued until COMMIT ('on_commit', xact_queue.hpp).
 */
#pragma once

#include "pg/pg.hpp"

namespace orca_fdw::pg {

void orcaBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private, int subplan_index,
                            int eflags);
TupleTableSlot *orcaExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                      TupleTableSlot *planSlot);
TupleTableSlot **orcaExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots,
                                            TupleTableSlot **planSlots, int *numSlots);
int orcaGetForeignModifyBatchSize(ResultRelInfo *rinfo);
TupleTableSlot *orcaExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                      TupleTableSlot *planSlot);
TupleTableSlot *orcaExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
                                      TupleTableSlot *planSlot);
void orcaEndForeignModify(EState *estate, ResultRelInfo *rinfo);
void orcaBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
void orcaEndForeignInsert(EState *estate, ResultRelInfo *rinfo);

} // namespace orca_fdw::pg
