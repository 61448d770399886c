/*
 * audit.hpp — the registration audit log: $PGDATA/orca_fdw/audit.log.
 *
 * One JSON object per line (built by core::AuditLine), appended with
 * O_APPEND and fsync'ed before the function returns, so the record survives
 * the transaction's abort and a crash.  Every registration writes a "sent"
 * line before the request leaves and a "result" line after it; a "sent"
 * line without its "result" marks an attempt whose outcome is unknown.
 * Read it with SELECT * FROM orca_fdw_audit() (orca_fdw--0.1.0.sql).
 */
#pragma once

#include "pg/pg.hpp"

namespace orca_fdw::pg {

/* Appends `line` (ending in '\n') durably.  On failure: ereport(elevel, ...)
 * and, when elevel < ERROR, return false. */
bool AuditAppend(const char *line, int elevel);

} // namespace orca_fdw::pg
