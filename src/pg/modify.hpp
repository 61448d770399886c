/*
 * modify.hpp — what the write path's files share: INSERT, UPDATE and DELETE
 * become ORCA registrations.
 *
 *   modify_plan.cpp  planner callbacks and EXPLAIN; the table's resource and
 *                    registration options (this header)
 *   modify_exec.cpp  executor callbacks: each row's registration, built and
 *                    sent (immediate) or queued (on_commit)
 *   xact_queue.cpp   the backend's registration state: sending and its report,
 *                    the on_commit queue, the ledger, transaction callbacks
 *   row_image.cpp    slot ↔ row: Datums to the core's RowImage, ORCA's answer
 *                    to a RETURNING slot
 *
 *   patients    INSERT → patientmodv2 class=01, UPDATE → class=02, DELETE → class=03
 *   admissions  INSERT → hsptinfmodv2 01; UPDATE of discharge_date → 02 (or 07 to cancel)
 *   meals       INSERT → hsacctmodv2 4, rows merged per patient, admission and month
 *
 * Error wall: C++ objects (the rows' images, requests, results, the queue)
 * live on the C++ heap — per statement in modify_exec.cpp's ModifySession,
 * deleted by a reset callback of the query context, per backend in
 * xact_queue.cpp's BackendState — and are touched only inside RunGuarded /
 * TryCore.  The frames of these files hold plain data.  Functions marked
 * "C++ regime" must be called inside RunGuarded.
 */
#pragma once

#include "core/registration/registration.hpp"

#include "pg/pg.hpp"

namespace orca_fdw::pg {

/* fdw_private of a ModifyTable's foreign result relation, by index. */
enum FdwModifyPrivateIndex {
	FdwModifyPrivateKind,    /* Integer: core::ModifyOp */
	FdwModifyPrivateUpdated, /* List of Integer: attribute numbers an UPDATE sets */
};

/* Junk columns carrying the old row of an UPDATE/DELETE, at most. */
constexpr int kMaxOldColumns = 8;

/* The names and catalog columns of the old-row columns of `r`
 * (core::OldRowColumns), into names[]/columns[]; returns how many. */
int OldRowColumns(const core::ResourceDef *r, char (*names)[NAMEDATALEN], int *columns);
/* The junk column carrying the old row's `name`: "orca_old_<name>". */
char *OldRowJunkName(const char *name);

const core::ResourceDef *RelationResource(Relation rel);
/* registration_mode and batch_size: the table's, else the server's. */
void RegistrationOptions(Relation rel, int *mode, int *batch_size, Oid *serverid, const char **server_name);
const char *ModeName(int mode); /* "immediate", "on_commit" */

} // namespace orca_fdw::pg
