/*
 * node_test.cpp — unit tests of the decoded value tree (src/core/node.cpp):
 * lookups by name and path, and the JSON text made for jsonb columns.
 */
#include "core/codec.hpp"
#include "core/node.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace {

namespace core = orca_fdw::core;
using core::Node;

Node
Record(std::initializer_list<std::pair<std::string, Node>> children)
{
	Node n = Node::MakeRecord();
	for (const auto &child : children)
		n.children.push_back(child);
	return n;
}

Node
Array(std::initializer_list<Node> items)
{
	Node n = Node::MakeArray();
	for (const auto &item : items)
		n.children.emplace_back(std::string(), item);
	return n;
}

Node
Str(std::string v)
{
	return Node::MakeString(std::move(v));
}

bool
SameTree(const Node &a, const Node &b)
{
	if (a.type != b.type || a.value != b.value || a.children.size() != b.children.size())
		return false;
	for (size_t i = 0; i < a.children.size(); ++i)
		if (a.children[i].first != b.children[i].first || !SameTree(a.children[i].second, b.children[i].second))
			return false;
	return true;
}

Node
Patient()
{
	return Record({
		{"Patient_ID", Str("00042")},
		{"WholeName", Str("架空　花子")},
		{"Home_Address_Information", Record({{"Address_ZipCode", Str("1000001")}, {"WholeAddress1", Str("東京都")}})},
		{"HealthInsurance_Information",
		 Array({Record({{"InsuranceProvider_Class", Str("060")}}), Record({{"InsuranceProvider_Class", Str("009")}})})},
		{"Sex", Str("2")},
		{"Sex", Str("duplicate")},
		{"Empty", Str("")},
	});
}

TEST(Node, Find)
{
	Node p = Patient();
	ASSERT_NE(p.Find("WholeName"), nullptr);
	EXPECT_EQ(p.Find("WholeName")->value, "架空　花子");
	EXPECT_EQ(p.Find("Sex")->value, "2"); /* the first of duplicates */
	EXPECT_EQ(p.Find("Missing"), nullptr);
	EXPECT_EQ(p.Find(""), nullptr);
	/* only records have named children */
	EXPECT_EQ(p.Find("HealthInsurance_Information")->Find(""), nullptr);
	EXPECT_EQ(p.Find("WholeName")->Find("WholeName"), nullptr);
}

TEST(Node, FindPath)
{
	Node p = Patient();
	EXPECT_EQ(p.FindPath(""), &p);
	ASSERT_NE(p.FindPath("Home_Address_Information/WholeAddress1"), nullptr);
	EXPECT_EQ(p.FindPath("Home_Address_Information/WholeAddress1")->value, "東京都");
	EXPECT_EQ(p.FindPath("Home_Address_Information")->type, Node::Type::Record);
	EXPECT_EQ(p.FindPath("Home_Address_Information/Missing"), nullptr);
	EXPECT_EQ(p.FindPath("Missing/WholeAddress1"), nullptr);
	EXPECT_EQ(p.FindPath("WholeName/x"), nullptr);     /* through a string */
	EXPECT_EQ(p.FindPath("HealthInsurance_Information/InsuranceProvider_Class"), nullptr); /* through an array */
	EXPECT_EQ(p.FindPath("Home_Address_Information//WholeAddress1"), nullptr);
	EXPECT_EQ(p.FindPath("Home_Address_Information/"), nullptr);
	EXPECT_EQ(p.FindPath("/Home_Address_Information"), nullptr);
}

TEST(Node, StringAt)
{
	Node p = Patient();
	ASSERT_NE(p.StringAt("Patient_ID"), nullptr);
	EXPECT_EQ(*p.StringAt("Patient_ID"), "00042");
	EXPECT_EQ(*p.StringAt("Home_Address_Information/Address_ZipCode"), "1000001");
	ASSERT_NE(p.StringAt("Empty"), nullptr);
	EXPECT_EQ(*p.StringAt("Empty"), "");
	EXPECT_EQ(p.StringAt("Home_Address_Information"), nullptr); /* a record */
	EXPECT_EQ(p.StringAt("HealthInsurance_Information"), nullptr); /* an array */
	EXPECT_EQ(p.StringAt("Nope"), nullptr);
	Node s = Str("x");
	ASSERT_NE(s.StringAt(""), nullptr);
	EXPECT_EQ(*s.StringAt(""), "x");
}

TEST(Node, Empty)
{
	EXPECT_TRUE(Node::MakeRecord().Empty());
	EXPECT_TRUE(Node::MakeArray().Empty());
	EXPECT_FALSE(Node::MakeString("").Empty());
	EXPECT_FALSE(Patient().Empty());
	EXPECT_FALSE(Array({Str("")}).Empty());
}

TEST(NodeToJson, Shapes)
{
	EXPECT_EQ(core::NodeToJson(Str("")), R"("")");
	EXPECT_EQ(core::NodeToJson(Node::MakeRecord()), "{}");
	EXPECT_EQ(core::NodeToJson(Node::MakeArray()), "[]");
	EXPECT_EQ(core::NodeToJson(Array({Str("10002"), Str("10003")})), R"(["10002","10003"])");
	EXPECT_EQ(core::NodeToJson(Patient()),
	          R"({"Patient_ID":"00042","WholeName":"架空　花子","Home_Address_Information":{"Address_ZipCode":"1000001",)"
	          R"("WholeAddress1":"東京都"},"HealthInsurance_Information":[{"InsuranceProvider_Class":"060"},)"
	          R"({"InsuranceProvider_Class":"009"}],"Sex":"2","Sex":"duplicate","Empty":""})");
	EXPECT_EQ(core::NodeToJson(Array({Array({}), Record({}), Array({Str("x")})})), R"([[],{},["x"]])");
}

TEST(NodeToJson, Escaping)
{
	EXPECT_EQ(core::NodeToJson(Str("a\"b\\c/d")), R"("a\"b\\c/d")");
	EXPECT_EQ(core::NodeToJson(Str("\b\f\n\r\t")), R"("\b\f\n\r\t")");
	std::string controls;
	for (int c = 0; c < 0x20; ++c)
		controls.push_back(static_cast<char>(c));
	EXPECT_EQ(core::NodeToJson(Str(controls)),
	          R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f)"
	          R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f")");
	/* UTF-8 and DEL pass through untouched */
	EXPECT_EQ(core::NodeToJson(Str("架空　花子😀\x7f")), "\"架空　花子😀\x7f\"");
	/* keys are escaped the same way */
	EXPECT_EQ(core::NodeToJson(Record({{"k\"\n", Str("v")}})), R"({"k\"\n":"v"})");
	/* a long plain run around an escape */
	std::string long_value(1000, 'a');
	EXPECT_EQ(core::NodeToJson(Str(long_value + "\"" + long_value)), "\"" + long_value + "\\\"" + long_value + "\"");
}

/* NodeToJson's output, read back by the JSON decoder, is the same tree. */
TEST(NodeToJson, RoundTripsThroughTheJsonDecoder)
{
	class Sink : public core::RowSink {
	public:
		void OnField(const std::string &, const std::string &) override {}
		void OnRow(Node &&row) override { rows.push_back(std::move(row)); }
		std::vector<Node> rows;
	};
	std::string controls;
	for (int c = 1; c < 0x20; ++c)
		controls.push_back(static_cast<char>(c));
	const Node trees[] = {
		Patient(),
		Record({{"text", Str(controls + "\"\\/ 架空　花子😀")}, {"list", Array({Str("a"), Str(""), Array({})})}}),
		Record({{"Creation_Type", Record({{"Label", Str("入院歴作成区分")}, {"Data", Str("0")}, {"Name", Str("通常登録")}})}}),
	};
	for (const Node &tree : trees) {
		std::string json = core::NodeToJson(tree);
		std::string body = "{\"res\": {\"row\": " + json + "}}";
		Sink sink;
		auto decoder = core::Decoder::Create(core::WireFormat::Json, "row", sink);
		decoder->Feed(body.data(), body.size());
		decoder->Finish();
		ASSERT_EQ(sink.rows.size(), 1u) << json;
		EXPECT_TRUE(SameTree(sink.rows[0], tree)) << json << "\n" << core::NodeToJson(sink.rows[0]);
	}
}

} // namespace
