/*
 * dates.cpp — civil-date conversions (Howard Hinnant's algorithms).
 */
#include "core/dates.hpp"

#include <cstdio>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

long
DaysFromCivil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const long era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = static_cast<unsigned>(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + static_cast<long>(doe) - 719468;
}

void
CivilFromDays(long z, long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const long era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = static_cast<unsigned>(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = static_cast<long>(yoe) + era * 400 + (*m <= 2);
}

unsigned
DaysInMonth(long y, unsigned m)
{
	static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

} // namespace

bool
ParseDate(const std::string &s, long *days)
{
	if (s.size() != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
		if (s[i] < '0' || s[i] > '9')
			return false;
	long y = std::stol(s.substr(0, 4));
	unsigned m = static_cast<unsigned>(std::stoul(s.substr(5, 2)));
	unsigned d = static_cast<unsigned>(std::stoul(s.substr(8, 2)));
	if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m))
		return false;
	*days = DaysFromCivil(y, m, d);
	return true;
}

std::string
FormatDate(long days)
{
	long y;
	unsigned m, d;
	CivilFromDays(days, &y, &m, &d);
	char buf[16];
	std::snprintf(buf, sizeof(buf), "%04ld-%02u-%02u", y, m, d);
	return buf;
}

std::string
FormatMonth(long days)
{
	return FormatDate(days).substr(0, 7);
}

long
FirstDayOfMonth(long days)
{
	long y;
	unsigned m, d;
	CivilFromDays(days, &y, &m, &d);
	return DaysFromCivil(y, m, 1);
}

long
LastDayOfMonth(long days)
{
	long y;
	unsigned m, d;
	CivilFromDays(days, &y, &m, &d);
	return DaysFromCivil(y, m, DaysInMonth(y, m));
}

} // namespace orca_fdw::core
