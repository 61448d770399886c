/*
 * batch_join.hpp — batched joins of a local relation with an ORCA resource
 * (a CustomScan offered by set_join_pathlist_hook; see batch_join.cpp).
 */
#pragma once

namespace orca_fdw::pg {

/* _PG_init: the GUC orca_fdw.enable_batched_join, the planner hook and the
 * CustomScan methods. */
void InitBatchJoin();

} // namespace orca_fdw::pg
