/*
 * option_rules_test.cpp — the value rules the validator applies, the option
 * table that feeds the validator, the reader and the defaults, and the
 * README's option tables against it.
 */
#include "core/error.hpp"
#include "core/option_rules.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

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

TEST(OptionTable, OneRowPerOptionWithItsDefaultAndRange)
{
	ASSERT_EQ(OptionSpecs().size(), static_cast<size_t>(kOptCount));
	for (int i = 0; i < kOptCount; i++) {
		const OptionSpec &o = OptionOf(static_cast<Opt>(i));
		EXPECT_EQ(static_cast<int>(o.opt), i) << o.name;
		EXPECT_EQ(FindOption(o.object, o.name), &o) << o.name;
		if (o.default_value) {
			EXPECT_NO_THROW(OptionDefault(o)) << o.name << ": its default follows its own rule";
		}
		if (o.kind == OptionKind::Integer) {
			EXPECT_LT(o.min, o.max) << o.name;
		}
	}
	/* the defaults the reader gets */
	EXPECT_DOUBLE_EQ(OptionDefault(OptionOf(Opt::ConnectTimeout)).number, 5);
	EXPECT_DOUBLE_EQ(OptionDefault(OptionOf(Opt::RequestTimeout)).number, 60);
	EXPECT_EQ(OptionDefault(OptionOf(Opt::MaxConcurrentRequests)).integer, 4);
	EXPECT_EQ(OptionDefault(OptionOf(Opt::Retries)).integer, 2);
	EXPECT_EQ(OptionDefault(OptionOf(Opt::MaxResponseSize)).bytes, int64_t(64) << 20);
	EXPECT_TRUE(OptionDefault(OptionOf(Opt::TrimValues)).boolean);
	EXPECT_FALSE(OptionDefault(OptionOf(Opt::Format)).boolean) << "xml";
	EXPECT_FALSE(OptionDefault(OptionOf(Opt::TableBatchSize)).present) << "a table's batch_size is the server's";
	/* one name, two objects: each its own row */
	EXPECT_NE(FindOption(OptionObject::Server, "batch_size"), FindOption(OptionObject::Table, "batch_size"));
	EXPECT_EQ(FindOption(OptionObject::Table, "url"), nullptr);
	EXPECT_EQ(OptionNames(OptionObject::Table),
	          "resource, estimated_rows, registration_mode, batch_size, trim_values, async_capable");
	/* a group of clinics: clinic has no default (the clinic column is NULL), async on by default,
	 * a table's async_capable is the server's unless set */
	EXPECT_FALSE(OptionDefault(OptionOf(Opt::Clinic)).present);
	EXPECT_TRUE(OptionDefault(OptionOf(Opt::AsyncCapable)).boolean);
	EXPECT_FALSE(OptionDefault(OptionOf(Opt::TableAsyncCapable)).present);
	EXPECT_THROW(ParseOption(OptionOf(Opt::AsyncCapable), "maybe"), Error);
	EXPECT_EQ(OptionNames(OptionObject::UserMapping), "user, password");
	/* the range is the rule */
	EXPECT_EQ(ParseOption(OptionOf(Opt::BatchSize), "1000").integer, 1000);
	EXPECT_THROW(ParseOption(OptionOf(Opt::BatchSize), "1001"), Error);
	EXPECT_THROW(ParseOption(OptionOf(Opt::Retries), "101"), Error);
	EXPECT_THROW(ParseOption(OptionOf(Opt::Resource), "receptions"), Error);
	EXPECT_NO_THROW(ParseOption(OptionOf(Opt::Resource), "rooms"));
	EXPECT_THROW(ParseOption(OptionOf(Opt::SslKey), ""), Error);
	for (const OptionSpec &o : OptionSpecs())
		EXPECT_EQ(o.superuser_only, o.kind == OptionKind::Path || o.kind == OptionKind::Proxy) << o.name;
}

/* README.md's Options reference lists exactly the table's options per
 * object, with the server options' defaults. */
TEST(OptionTable, ReadmeOptionsMatchTheTable)
{
	std::ifstream in(std::string(ORCA_SOURCE_DIR) + "/README.md");
	std::stringstream all;
	all << in.rdbuf();
	const std::string readme = all.str();
	size_t begin = readme.find("\n## Options reference\n");
	ASSERT_NE(begin, std::string::npos);
	size_t end = readme.find("\n## ", begin + 5);
	std::stringstream section(readme.substr(begin, end - begin));
	const std::map<std::string, OptionObject> headings = {{"Server", OptionObject::Server},
	                                                      {"User mapping", OptionObject::UserMapping},
	                                                      {"Foreign table", OptionObject::Table},
	                                                      {"Column", OptionObject::Column}};
	std::map<OptionObject, std::set<std::string>> documented;
	const std::regex token("`([a-z0-9_]+)`");
	std::string line;
	OptionObject object = OptionObject::Server;
	bool in_table = false;
	while (std::getline(section, line)) {
		if (line.rfind("### ", 0) == 0) {
			std::string h = line.substr(4, line.find(" (") == std::string::npos ? std::string::npos : line.find(" (") - 4);
			ASSERT_TRUE(headings.count(h)) << h;
			object = headings.at(h);
			in_table = false;
			continue;
		}
		if (line.rfind("| option", 0) == 0 || line.rfind("|---", 0) == 0) {
			in_table = true;
			continue;
		}
		if (!in_table || line.rfind("| `", 0) != 0)
			continue;
		size_t second = line.find('|', 1);
		std::string names = line.substr(1, second - 1);
		size_t third = line.find('|', second + 1);
		std::string cell = line.substr(second + 1, third - second - 1);
		cell = cell.substr(cell.find_first_not_of(' '));
		cell = cell.substr(0, cell.find_last_not_of(' ') + 1);
		for (std::sregex_iterator m(names.begin(), names.end(), token), e; m != e; ++m) {
			const std::string name = (*m)[1];
			documented[object].insert(name);
			const OptionSpec *o = FindOption(object, name);
			ASSERT_NE(o, nullptr) << "README documents option " << name << " that the table does not have there";
			if (object != OptionObject::Server)
				continue;
			std::string readme_default = cell == "(required)" || cell == "—" ? "" : cell.substr(1, cell.size() - 2);
			EXPECT_EQ(readme_default, o->default_value ? o->default_value : "") << name;
		}
	}
	for (const OptionSpec &o : OptionSpecs())
		EXPECT_TRUE(documented[o.object].count(o.name)) << "README does not document option " << o.name;
}

} // namespace
} // namespace orca_fdw::core
