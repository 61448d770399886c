/*
 * audit.hpp — the registration audit: one JSON line before each call
 * ("sent") and one after it ("result"), ids and dates only (audit.cpp).
 *
 * The core builds the lines; an AuditSink writes them.  The PG side's sink
 * appends to $PGDATA/orca_fdw/audit.log (src/pg/audit.cpp) with plain file
 * I/O: it never throws and never calls PostgreSQL, and a failure comes back
 * as a value, so send.cpp can keep the rule "a registration is not sent
 * when its sent line cannot be written" inside one guarded call.
 */
#pragma once

#include "core/registration/registration.hpp"

#include <string>

namespace orca_fdw::core {

struct AuditContext {
	std::string attempt;  /* pairs the "sent" and "result" lines */
	std::string database, user, server, table, mode;
};
/* One JSON line (with the final '\n'): `result` nullptr → the "sent" line. */
std::string AuditLine(const AuditContext &ctx, const Registration &reg, const RegResult *result);

/* Why a line could not be written (no allocation: the sink fills it on
 * its failure path, where nothing may throw). */
struct AuditFailure {
	const char *step = ""; /* static text: "create directory", "open", "write", "fsync", "close" */
	int error = 0;         /* errno */
};

/* Where audit lines go. */
class AuditSink {
public:
	virtual ~AuditSink() = default;
	/* Appends `line` (ending in '\n') durably; false, with *failure filled,
	 * when it could not.  Never throws. */
	virtual bool Append(const std::string &line, AuditFailure *failure) noexcept = 0;
};

} // namespace orca_fdw::core
