/*
 * ledger.hpp — what a transaction registered, for error messages and the
 * rollback warnings (ledger.cpp).  Entries carry the (sub)transaction
 * nesting level they were made at.
 */
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace orca_fdw::core {

class Ledger {
public:
	void Add(std::string text, int level) { entries_.push_back(Entry{std::move(text), level, false}); }
	bool Empty() const { return entries_.empty(); }
	/* Entries not yet named in an error or warning, made at min_level or deeper. */
	size_t Unreported(int min_level = 0) const;
	/* "a; b; c" of the entries (all, or the unreported ones at min_level or
	 * deeper); marks them reported. */
	std::string Text(bool only_unreported, int min_level = 0);
	/* A subtransaction at `level` committed: its entries move to its parent. */
	void SubCommit(int level);
	void Clear() noexcept { entries_.clear(); }

private:
	struct Entry {
		std::string text;
		int level;
		bool reported;
	};
	std::vector<Entry> entries_;
};

} // namespace orca_fdw::core
