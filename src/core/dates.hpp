/*
 * dates.hpp — the little calendar arithmetic the planner needs
 * (YYYY-MM-DD strings ⇄ day numbers), independent of any time zone.
 */
#pragma once

#include <string>

namespace orca_fdw::core {

/* Days since 1970-01-01 of a proleptic Gregorian date; false if `s` is not YYYY-MM-DD. */
bool ParseDate(const std::string &s, long *days);
std::string FormatDate(long days);
/* "YYYY-MM" of a day number, and the first/last day of a month. */
std::string FormatMonth(long days);
long FirstDayOfMonth(long days);
long LastDayOfMonth(long days);

} // namespace orca_fdw::core
