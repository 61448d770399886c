/*
 * option_rules.hpp — the value rules of the wrapper's options, as pure
 * functions (unit-tested; used by the validator in src/pg/options.cpp).
 * Each Parse* throws Error(InvalidValue) with a message naming the option
 * and a detail saying what is accepted.
 */
#pragma once

#include <cstdint>
#include <string>

namespace orca_fdw::core {

/* http:// or https://, a host, optional port and path prefix; no
 * credentials, query, fragment, spaces or control characters. */
void CheckUrl(const std::string &value);
/* The proxy option: http://, https://, socks4://, socks4a://, socks5:// or
 * socks5h://, a host and port, nothing else (no credentials, no path). */
void CheckProxyUrl(const std::string &value);
/* true/false/on/off/yes/no/1/0 (case-insensitive, unique prefixes), as PostgreSQL. */
bool ParseBool(const std::string &name, const std::string &value);
/* A positive number of seconds (fractions allowed), at most 1e6. */
double ParseSeconds(const std::string &name, const std::string &value);
/* A number >= 0. */
double ParseNonNegative(const std::string &name, const std::string &value);
/* An integer in [min, max]. */
long ParseInteger(const std::string &name, const std::string &value, long min, long max);
/* A size: digits with an optional unit B, kB, MB, GB, TB (PostgreSQL's memory units); at least 1kB. */
int64_t ParseBytes(const std::string &name, const std::string &value);
/* "xml" or "json". */
bool ParseFormatIsJson(const std::string &value);
/* "immediate" (0) or "on_commit" (1). */
int ParseRegistrationMode(const std::string &value);

} // namespace orca_fdw::core
