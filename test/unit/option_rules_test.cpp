/*
 * option_rules_test.cpp — the value rules the validator applies.
 */
#include "core/error.hpp"
#include "core/option_rules.hpp"

#include <gtest/gtest.h>

namespace orca_fdw::core {
namespace {

TEST(OptionRules, Urls)
{
	EXPECT_NO_THROW(CheckUrl("http://127.0.0.1:8000"));
	EXPECT_NO_THROW(CheckUrl("https://orca.example:443/prefix"));
	for (const char *bad : {"ftp://h:1", "http://", "http:///x", "http://h:1?x=1", "http://h:1#f", "http://h 1",
	                        "127.0.0.1:8000", "file:///etc/passwd"})
		EXPECT_THROW(CheckUrl(bad), Error) << bad;
	try {
		CheckUrl("http://ormaster:secret@127.0.0.1:8000");
		FAIL();
	} catch (const Error &e) {
		EXPECT_EQ(e.kind, ErrorKind::InvalidValue);
		EXPECT_EQ(e.message.find("secret"), std::string::npos) << "credentials never echoed";
		EXPECT_NE(e.hint.find("user mapping"), std::string::npos);
	}
}

TEST(OptionRules, Proxies)
{
	for (const char *good : {"http://127.0.0.1:3128", "https://proxy.example:443/", "socks5h://127.0.0.1:1080",
	                         "SOCKS5://h:1"})
		EXPECT_NO_THROW(CheckProxyUrl(good)) << good;
	for (const char *bad : {"", "127.0.0.1:3128", "ftp://h:1", "http://", "http://:1", "http://h:1/path",
	                        "http://h:1?x", "http://h 1", "file:///etc/passwd"})
		EXPECT_THROW(CheckProxyUrl(bad), Error) << bad;
	try {
		CheckProxyUrl("http://user:secret@127.0.0.1:3128");
		FAIL();
	} catch (const Error &e) {
		EXPECT_EQ(e.message.find("secret"), std::string::npos) << "credentials never echoed";
	}
	try {
		CheckProxyUrl(std::string("http://h:1\n") + std::string(100000, 'x'));
		FAIL();
	} catch (const Error &e) {
		EXPECT_LT(e.message.size(), 300u) << "an unbounded value is never echoed";
	}
}

TEST(OptionRules, Booleans)
{
	for (const char *t : {"true", "TRUE", "t", "yes", "on", "1"})
		EXPECT_TRUE(ParseBool("weborca", t)) << t;
	for (const char *f : {"false", "f", "no", "off", "0"})
		EXPECT_FALSE(ParseBool("weborca", f)) << f;
	for (const char *bad : {"", "o", "maybe", "2"})
		EXPECT_THROW(ParseBool("weborca", bad), Error) << bad;
}

TEST(OptionRules, Numbers)
{
	EXPECT_DOUBLE_EQ(ParseSeconds("connect_timeout", "0.5"), 0.5);
	for (const char *bad : {"0", "-1", "soon", "", " 5", "1e9", "nan"})
		EXPECT_THROW(ParseSeconds("connect_timeout", bad), Error) << bad;
	EXPECT_EQ(ParseInteger("retries", "2", 0, 100), 2);
	for (const char *bad : {"two", "-1", "101", "1.5", ""})
		EXPECT_THROW(ParseInteger("retries", bad, 0, 100), Error) << bad;
	EXPECT_DOUBLE_EQ(ParseNonNegative("max_requests_per_second", "0"), 0);
	EXPECT_THROW(ParseNonNegative("max_requests_per_second", "-5"), Error);
}

TEST(OptionRules, Sizes)
{
	EXPECT_EQ(ParseBytes("max_response_size", "64MB"), int64_t(64) << 20);
	EXPECT_EQ(ParseBytes("max_response_size", "512kB"), int64_t(512) << 10);
	EXPECT_EQ(ParseBytes("max_response_size", "8"), int64_t(8) << 10) << "no unit: kB, as PostgreSQL";
	for (const char *bad : {"0", "100B", "5XB", "MB", "-1MB", "3TB"})
		EXPECT_THROW(ParseBytes("max_response_size", bad), Error) << bad;
}

TEST(OptionRules, Enumerations)
{
	EXPECT_TRUE(ParseFormatIsJson("json"));
	EXPECT_FALSE(ParseFormatIsJson("xml"));
	EXPECT_THROW(ParseFormatIsJson("yaml"), Error);
	EXPECT_EQ(ParseRegistrationMode("on_commit"), 1);
	EXPECT_THROW(ParseRegistrationMode("later"), Error);
	try {
		ParseFormatIsJson("csv");
	} catch (const Error &e) {
		EXPECT_EQ(e.message, "invalid value for option \"format\": \"csv\"");
		EXPECT_EQ(e.detail, "Use xml (ORCA's xml2) or json.");
	}
}

} // namespace
} // namespace orca_fdw::core
