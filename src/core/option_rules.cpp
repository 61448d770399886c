/*
 * option_rules.cpp — value rules of the options (see option_rules.hpp).
 */
#include "core/option_rules.hpp"

#include "core/error.hpp"
#include "core/registry.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

[[noreturn]] void
Bad(const std::string &name, const std::string &value, const std::string &expected)
{
	throw Error(ErrorKind::InvalidValue, "invalid value for option \"" + name + "\": \"" + value + "\"", expected);
}

std::string
Lower(const std::string &s)
{
	std::string out;
	for (unsigned char c : s)
		out += static_cast<char>(std::tolower(c));
	return out;
}

bool
ParseNumber(const std::string &value, double *out)
{
	if (value.empty() || std::isspace(static_cast<unsigned char>(value[0])))
		return false;
	char *end = nullptr;
	errno = 0;
	double v = std::strtod(value.c_str(), &end);
	if (end == value.c_str() || *end != '\0' || errno != 0 || !std::isfinite(v))
		return false;
	*out = v;
	return true;
}

} // namespace

void
CheckUrl(const std::string &value)
{
	std::string rest;
	if (value.rfind("http://", 0) == 0)
		rest = value.substr(7);
	else if (value.rfind("https://", 0) == 0)
		rest = value.substr(8);
	else
		Bad("url", value, "The url must start with http:// or https://, e.g. http://127.0.0.1:8000.");
	if (rest.empty() || rest[0] == '/' || rest[0] == ':')
		Bad("url", value, "The url must name a host, e.g. http://127.0.0.1:8000.");
	if (value.find_first_of("?#") != std::string::npos)
		Bad("url", value, "The url must not contain a query or fragment.");
	size_t slash = rest.find('/');
	size_t at = rest.find('@');
	if (at != std::string::npos && (slash == std::string::npos || at < slash))
		throw Error(ErrorKind::InvalidValue, "invalid value for option \"url\": credentials are not allowed in the url",
		            "", "Put the ORCA user and password in a user mapping.");
	for (unsigned char c : value)
		if (c <= ' ' || c == 0x7f)
			Bad("url", value, "The url must not contain spaces or control characters.");
}

void
CheckProxyUrl(const std::string &value)
{
	const std::string expected = "Use http://host:port (or https://, socks5h://, socks5://, socks4a://, socks4://).";
	size_t sep = value.find("://");
	std::string scheme = sep == std::string::npos ? std::string() : Lower(value.substr(0, sep));
	bool known = false;
	for (const char *s : {"http", "https", "socks4", "socks4a", "socks5", "socks5h"})
		known = known || scheme == s;
	for (unsigned char c : value)
		if (c <= ' ' || c == 0x7f)
			Bad("proxy", "...", "The proxy must not contain spaces or control characters. " + expected);
	if (!known)
		Bad("proxy", value.size() > 200 ? value.substr(0, 200) + "..." : value, expected);
	std::string rest = value.substr(sep + 3);
	if (!rest.empty() && rest.back() == '/')
		rest.pop_back();
	if (rest.find('@') != std::string::npos)
		throw Error(ErrorKind::InvalidValue, "invalid value for option \"proxy\": credentials are not allowed in the proxy",
		            "Credentials do not belong in server options.", "Use a proxy that needs no credentials.");
	if (rest.empty() || rest[0] == ':' || rest.find_first_of("/?#") != std::string::npos)
		Bad("proxy", value.size() > 200 ? value.substr(0, 200) + "..." : value, expected);
}

bool
ParseBool(const std::string &name, const std::string &value)
{
	std::string v = Lower(value);
	if (!v.empty()) {
		for (const char *t : {"true", "yes", "on", "1"})
			if (std::string(t).rfind(v, 0) == 0 && !(v == "o"))
				return true;
		for (const char *f : {"false", "no", "off", "0"})
			if (std::string(f).rfind(v, 0) == 0 && !(v == "o"))
				return false;
	}
	Bad(name, value, "Use true or false.");
}

double
ParseSeconds(const std::string &name, const std::string &value)
{
	double v;
	if (!ParseNumber(value, &v) || v <= 0 || v > 1e6)
		Bad(name, value, "Use a positive number of seconds, e.g. 5 or 0.5.");
	return v;
}

double
ParseNonNegative(const std::string &name, const std::string &value)
{
	double v;
	if (!ParseNumber(value, &v) || v < 0 || v > 1e9)
		Bad(name, value, "Use a number, 0 or more.");
	return v;
}

long
ParseInteger(const std::string &name, const std::string &value, long min, long max)
{
	const std::string expected = "Use an integer between " + std::to_string(min) + " and " + std::to_string(max) + ".";
	if (value.empty())
		Bad(name, value, expected);
	size_t i = value[0] == '-' || value[0] == '+' ? 1 : 0;
	if (i == value.size())
		Bad(name, value, expected);
	for (size_t j = i; j < value.size(); j++)
		if (!std::isdigit(static_cast<unsigned char>(value[j])))
			Bad(name, value, expected);
	errno = 0;
	long v = std::strtol(value.c_str(), nullptr, 10);
	if (errno != 0 || v < min || v > max)
		Bad(name, value, expected);
	return v;
}

int64_t
ParseBytes(const std::string &name, const std::string &value)
{
	const std::string expected = "Use a size such as 64MB or 512kB (at least 1kB, at most 2TB).";
	size_t i = 0;
	while (i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])))
		i++;
	if (i == 0 || i > 15)
		Bad(name, value, expected);
	size_t j = i;
	while (j < value.size() && value[j] == ' ')
		j++;
	const std::string unit = value.substr(j);
	int64_t n = std::stoll(value.substr(0, i));
	int64_t mult;
	if (unit.empty())
		mult = 1024; /* like PostgreSQL's memory settings in kB */
	else if (unit == "B")
		mult = 1;
	else if (unit == "kB")
		mult = int64_t(1) << 10;
	else if (unit == "MB")
		mult = int64_t(1) << 20;
	else if (unit == "GB")
		mult = int64_t(1) << 30;
	else if (unit == "TB")
		mult = int64_t(1) << 40;
	else
		Bad(name, value, expected);
	if (n > (int64_t(2) << 40) / mult)
		Bad(name, value, expected);
	int64_t bytes = n * mult;
	if (bytes < 1024)
		Bad(name, value, expected);
	return bytes;
}

bool
ParseFormatIsJson(const std::string &value)
{
	if (value == "xml")
		return false;
	if (value == "json")
		return true;
	Bad("format", value, "Use xml (ORCA's xml2) or json.");
}

int
ParseRegistrationMode(const std::string &value)
{
	if (value == "immediate")
		return 0;
	if (value == "on_commit")
		return 1;
	Bad("registration_mode", value, "Use immediate or on_commit.");
}

namespace {

std::vector<OptionSpec>
BuildOptionSpecs()
{
	using K = OptionKind;
	const OptionObject server = OptionObject::Server, mapping = OptionObject::UserMapping,
	                   table = OptionObject::Table, column = OptionObject::Column;
	std::vector<OptionSpec> v = {
	    /* opt, name, object, kind, default, min, max, superuser only */
	    {Opt::Url, "url", server, K::Url, nullptr},
	    {Opt::Weborca, "weborca", server, K::Bool, "false"},
	    {Opt::Format, "format", server, K::Format, "xml"},
	    {Opt::ConnectTimeout, "connect_timeout", server, K::Seconds, "5"},
	    {Opt::RequestTimeout, "request_timeout", server, K::Seconds, "60"},
	    {Opt::MaxConcurrentRequests, "max_concurrent_requests", server, K::Integer, "4", 1, 1000},
	    {Opt::MaxRequestsPerSecond, "max_requests_per_second", server, K::NonNegative, "0"},
	    {Opt::Retries, "retries", server, K::Integer, "2", 0, 100},
	    {Opt::SslRootCert, "sslrootcert", server, K::Path, nullptr, 0, 0, true},
	    {Opt::SslCert, "sslcert", server, K::Path, nullptr, 0, 0, true},
	    {Opt::SslKey, "sslkey", server, K::Path, nullptr, 0, 0, true},
	    {Opt::Proxy, "proxy", server, K::Proxy, nullptr, 0, 0, true},
	    {Opt::MaxResponseSize, "max_response_size", server, K::Bytes, "64MB"},
	    {Opt::CircuitBreakerFailures, "circuit_breaker_failures", server, K::Integer, "5", 0, 100},
	    {Opt::CircuitBreakerCooldown, "circuit_breaker_cooldown", server, K::Seconds, "30"},
	    {Opt::RegistrationMode, "registration_mode", server, K::RegistrationMode, "immediate"},
	    {Opt::BatchSize, "batch_size", server, K::Integer, "1", 1, 1000},
	    /* the clinic the server's ORCA belongs to: what a table's clinic column reads (NULL when unset) */
	    {Opt::Clinic, "clinic", server, K::Text, nullptr},
	    /* scans of its tables may run asynchronously under an Append (PostgreSQL 14+) */
	    {Opt::AsyncCapable, "async_capable", server, K::Bool, "true"},
	    {Opt::User, "user", mapping, K::Text, nullptr},
	    {Opt::Password, "password", mapping, K::Text, nullptr},
	    {Opt::Resource, "resource", table, K::Resource, nullptr},
	    {Opt::EstimatedRows, "estimated_rows", table, K::NonNegative, "10000"},
	    {Opt::TableRegistrationMode, "registration_mode", table, K::RegistrationMode, nullptr},
	    {Opt::TableBatchSize, "batch_size", table, K::Integer, nullptr, 1, 1000},
	    {Opt::TrimValues, "trim_values", table, K::Bool, "true"},
	    {Opt::TableAsyncCapable, "async_capable", table, K::Bool, nullptr},
	    {Opt::Field, "field", column, K::Field, nullptr},
	};
	for (size_t i = 0; i < v.size(); i++)
		if (static_cast<size_t>(v[i].opt) != i)
			throw Error(ErrorKind::Internal, "option table is out of order", std::string("Row ") + v[i].name + ".");
	if (v.size() != static_cast<size_t>(kOptCount))
		throw Error(ErrorKind::Internal, "option table is incomplete");
	return v;
}

} // namespace

const std::vector<OptionSpec> &
OptionSpecs()
{
	static const std::vector<OptionSpec> specs = BuildOptionSpecs();
	return specs;
}

const OptionSpec &
OptionOf(Opt opt)
{
	const std::vector<OptionSpec> &all = OptionSpecs();
	size_t i = static_cast<size_t>(opt);
	if (i >= all.size())
		throw Error(ErrorKind::Internal, "unknown option");
	return all[i];
}

const OptionSpec *
FindOption(OptionObject object, std::string_view name)
{
	for (const OptionSpec &o : OptionSpecs())
		if (o.object == object && name == o.name)
			return &o;
	return nullptr;
}

std::string
OptionNames(OptionObject object)
{
	std::string out;
	for (const OptionSpec &o : OptionSpecs())
		if (o.object == object)
			out += std::string(out.empty() ? "" : ", ") + o.name;
	return out;
}

OptionValue
ParseOption(const OptionSpec &o, const std::string &value)
{
	OptionValue v;
	v.given = v.present = true;
	switch (o.kind) {
	case OptionKind::Url: CheckUrl(value); break;
	case OptionKind::Bool: v.boolean = ParseBool(o.name, value); break;
	case OptionKind::Format: v.boolean = ParseFormatIsJson(value); break;
	case OptionKind::Seconds: v.number = ParseSeconds(o.name, value); break;
	case OptionKind::Integer: v.integer = ParseInteger(o.name, value, o.min, o.max); break;
	case OptionKind::NonNegative: v.number = ParseNonNegative(o.name, value); break;
	case OptionKind::Bytes: v.bytes = ParseBytes(o.name, value); break;
	case OptionKind::RegistrationMode: v.integer = ParseRegistrationMode(value); break;
	case OptionKind::Proxy: CheckProxyUrl(value); break;
	case OptionKind::Path:
		if (value.empty())
			throw Error(ErrorKind::InvalidValue, std::string("invalid value for option \"") + o.name + "\": \"\"",
			            "Use the path of a PEM file readable by the PostgreSQL server.");
		break;
	case OptionKind::Field:
		if (value.empty())
			throw Error(ErrorKind::InvalidValue, std::string("invalid value for option \"") + o.name + "\": \"\"",
			            "Name an ORCA element, e.g. WholeName_inKana.");
		break;
	case OptionKind::Resource:
		if (!FindResource(value))
			throw Error(ErrorKind::InvalidValue, std::string("invalid value for option \"") + o.name + "\": \"" + value + "\"",
			            "", "Valid resources are: " + ResourceNames() + ".");
		break;
	case OptionKind::Text: break;
	}
	return v;
}

OptionValue
OptionDefault(const OptionSpec &o)
{
	if (!o.default_value)
		return OptionValue{};
	OptionValue v = ParseOption(o, o.default_value);
	v.given = false;
	return v;
}

} // namespace orca_fdw::core
