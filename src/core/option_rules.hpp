/*
 * option_rules.hpp — the wrapper's options: one table (name, the object it
 * is set on, kind, default, range, superuser-only) that feeds the validator,
 * the reader and the defaults (src/pg/options.cpp), and the value rules of
 * each kind as pure functions (unit-tested).  Each rule throws
 * Error(InvalidValue) with a message naming the option and a detail saying
 * what is accepted.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orca_fdw::core {

/* Every option, by object: a name set on two kinds of object (the table's
 * registration_mode and batch_size win over the server's) is a row each,
 * as their defaults differ. */
enum class Opt : unsigned char {
	/* server */
	Url, Weborca, Format, ConnectTimeout, RequestTimeout, MaxConcurrentRequests, MaxRequestsPerSecond, Retries,
	SslRootCert, SslCert, SslKey, Proxy, MaxResponseSize, CircuitBreakerFailures, CircuitBreakerCooldown,
	RegistrationMode, BatchSize, Clinic, AsyncCapable,
	/* user mapping */
	User, Password,
	/* foreign table */
	Resource, EstimatedRows, TableRegistrationMode, TableBatchSize, TrimValues, TableAsyncCapable,
	/* column */
	Field,
	Count_
};
constexpr int kOptCount = static_cast<int>(Opt::Count_);

/* The objects options are set on. */
enum class OptionObject : unsigned char { Server, UserMapping, Table, Column };

enum class OptionKind : unsigned char {
	Url,              /* CheckUrl */
	Bool,             /* ParseBool */
	Format,           /* xml or json */
	Seconds,          /* ParseSeconds */
	Integer,          /* ParseInteger within [min, max] */
	NonNegative,      /* ParseNonNegative */
	Bytes,            /* ParseBytes */
	RegistrationMode, /* immediate or on_commit */
	Proxy,            /* CheckProxyUrl */
	Path,             /* a file the server reads: not empty */
	Text,             /* anything */
	Resource,         /* a resource of the registry */
	Field,            /* an ORCA element: not empty */
};

struct OptionSpec {
	Opt opt;
	const char *name;
	OptionObject object;
	OptionKind kind;
	/* The value when the option is not set; nullptr: none (url is
	 * required; a table's registration_mode and batch_size are the
	 * server's; a table's resource is its name). */
	const char *default_value;
	long min = 0, max = 0; /* Integer */
	/* Only a superuser may set it: it names a file the backend reads (a
	 * non-superuser would use the server's own key as their TLS identity, or
	 * probe which files exist) or routes the backend's traffic (proxy). */
	bool superuser_only = false;
};

/* A parsed value (plain data: the PG side keeps it on frames that ereport). */
struct OptionValue {
	bool given = false;   /* set on the object (else the default, if any) */
	bool present = false; /* given or defaulted */
	bool boolean = false; /* Bool; Format: json */
	double number = 0;    /* Seconds, NonNegative */
	long integer = 0;     /* Integer; RegistrationMode: 0 immediate, 1 on_commit */
	int64_t bytes = 0;    /* Bytes */
};

/* The table, in Opt order. */
const std::vector<OptionSpec> &OptionSpecs();
const OptionSpec &OptionOf(Opt opt);
/* The option `name` on `object`, or nullptr. */
const OptionSpec *FindOption(OptionObject object, std::string_view name);
/* "url, weborca, ..." of the options of `object`, in table order. */
std::string OptionNames(OptionObject object);
/* Check `value` by the option's rule and parse it (given = present = true). */
OptionValue ParseOption(const OptionSpec &o, const std::string &value);
/* The option's default, parsed (present = false when it has none). */
OptionValue OptionDefault(const OptionSpec &o);

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
