/*
 * rules.hpp — plan-time rules of the registrations (rules.cpp): which old-row
 * values UPDATE/DELETE need, the identity of a target row in ORCA, and which
 * columns an UPDATE may set.
 */
#pragma once

#include "core/registration/registration.hpp"

#include <string>
#include <vector>

namespace orca_fdw::core {

/* The catalog columns UPDATE/DELETE need from the old row (junk columns). */
std::vector<std::string> OldRowColumns(const ResourceDef &r);
/* The identity in ORCA of an UPDATE/DELETE target row, from those junk
 * columns: patients by patient number, admissions by patient number and
 * admission date (ORCA keeps one stay per patient and day).  Leading zeros of
 * a number do not count ("42" and "00042" are one patient).  "" when the old
 * row lacks them.  A join that produces one target row twice is registered
 * once: PostgreSQL skips a second update of the same row in one statement. */
std::string TargetKey(const ResourceDef &r, const RowImage &oldrow);
/* Why an UPDATE of `r` may not set catalog column `col`; "" when it may. */
std::string UpdateRefusal(const ResourceDef &r, int col);

} // namespace orca_fdw::core
