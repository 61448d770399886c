/*
 * audit.hpp — the registration audit log: $PGDATA/orca_fdw/audit.log.
 *
 * One JSON object per line (built by core::AuditLine), appended with
 * O_APPEND and fsync'ed before Append returns, so the record survives the
 * transaction's abort and a crash.  Every registration writes a "sent" line
 * before the request leaves and a "result" line after it; a "sent" line
 * without its "result" marks an attempt whose outcome is unknown.  Read it
 * with SELECT * FROM orca_fdw_audit() (orca_fdw--0.2.0.sql).
 *
 * FileAuditSink is the core's AuditSink (core/registration/audit.hpp): the
 * core calls it inside a guarded call (core/registration/send.hpp), so it
 * is C++-regime code in a PG file — plain file I/O, no PostgreSQL call, no
 * allocation, no exception; a failure comes back as a value, and the PG side
 * reports it afterwards with ReportAuditFailure.
 */
#pragma once

#include "core/registration/audit.hpp"

#include <string>

#include "pg/pg.hpp"

namespace orca_fdw::pg {

class FileAuditSink final : public core::AuditSink {
public:
	/* `data_dir`: PostgreSQL's DataDir. */
	explicit FileAuditSink(const char *data_dir);
	bool Append(const std::string &line, core::AuditFailure *failure) noexcept override;

private:
	std::string data_dir_, dir_, path_;
};

/* PG regime: report a line that could not be written.  ERROR for a "sent"
 * line (the registration was not sent), WARNING for a "result" line. */
void ReportAuditFailure(const core::AuditFailure *failure, int elevel);

} // namespace orca_fdw::pg
