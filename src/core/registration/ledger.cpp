/*
 * ledger.cpp — what a transaction registered (see ledger.hpp).
 */
#include "core/registration/ledger.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

size_t
Ledger::Unreported(int min_level) const
{
	size_t n = 0;
	for (const Entry &e : entries_)
		n += !e.reported && e.level >= min_level ? 1 : 0;
	return n;
}

std::string
Ledger::Text(bool only_unreported, int min_level)
{
	std::string out;
	for (Entry &e : entries_) {
		if (only_unreported && (e.reported || e.level < min_level))
			continue;
		out += (out.empty() ? "" : "; ") + e.text;
		e.reported = true;
	}
	return out;
}

void
Ledger::SubCommit(int level)
{
	for (Entry &e : entries_)
		if (e.level >= level)
			e.level = level - 1;
}

} // namespace orca_fdw::core
