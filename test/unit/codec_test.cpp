/*
 * codec_test.cpp — unit tests of the streaming response decoder
 * (src/core/codec*.cpp): realistic ORCA xml2 and JSON bodies, every way of
 * chunking them, truncation at every byte, malformed and hostile input,
 * limits, and sinks that throw.
 */
#include "core/codec.hpp"
#include "core/error.hpp"
#include "core/node.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CODEC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CODEC_TEST_ASAN 1
#endif
#endif
#ifdef CODEC_TEST_ASAN
/* from <sanitizer/allocator_interface.h>, which g++ does not ship */
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

namespace {

namespace core = orca_fdw::core;
using core::Decoder;
using core::DecoderLimits;
using core::ErrorKind;
using core::Node;
using core::WireFormat;

/* ------------------------------------------------------------------ helpers */

size_t
AllocatedBytes()
{
#ifdef CODEC_TEST_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/* Records every sink call, plus a log in call order for comparisons. */
class RecordingSink : public core::RowSink {
public:
	void OnField(const std::string &path, const std::string &value) override
	{
		fields.emplace_back(path, value);
		log += "F " + path + "=" + value + "\n";
	}
	void OnRow(Node &&row) override
	{
		log += "R " + core::NodeToJson(row) + "\n";
		rows.push_back(std::move(row));
	}

	/* first value reported at path, or nullptr */
	const std::string *Field(std::string_view path) const
	{
		for (const auto &f : fields)
			if (f.first == path)
				return &f.second;
		return nullptr;
	}
	std::vector<std::string> FieldsAt(std::string_view path) const
	{
		std::vector<std::string> out;
		for (const auto &f : fields)
			if (f.first == path)
				out.push_back(f.second);
		return out;
	}

	std::vector<std::pair<std::string, std::string>> fields;
	std::vector<Node> rows;
	std::string log;
};

struct Outcome {
	bool ok = false;
	std::string log;
	std::string record_name;
	ErrorKind kind = ErrorKind::Internal;
	std::string message;
	std::string detail;
	bool thrown_at_finish = false;
	size_t rows = 0;
};

/* Decodes body fed as the pieces between the cut offsets (ascending). */
Outcome
DecodeCuts(std::string_view body, WireFormat format, const std::string &row_element, const std::vector<size_t> &cuts,
           DecoderLimits limits = {})
{
	RecordingSink sink;
	Outcome out;
	auto decoder = Decoder::Create(format, row_element, sink, limits);
	bool feeding = true;
	try {
		size_t start = 0;
		for (size_t cut : cuts) {
			decoder->Feed(body.data() + start, cut - start);
			start = cut;
		}
		decoder->Feed(body.data() + start, body.size() - start);
		feeding = false;
		decoder->Finish();
		out.ok = true;
	} catch (const core::Error &e) {
		out.kind = e.kind;
		out.message = e.message;
		out.detail = e.detail;
		out.thrown_at_finish = !feeding;
	}
	out.log = sink.log;
	out.record_name = decoder->RecordName();
	out.rows = sink.rows.size();
	return out;
}

Outcome
Decode(std::string_view body, WireFormat format, const std::string &row_element = "", DecoderLimits limits = {})
{
	return DecodeCuts(body, format, row_element, {}, limits);
}

Outcome
DecodeBytewise(std::string_view body, WireFormat format, const std::string &row_element = "",
               DecoderLimits limits = {})
{
	std::vector<size_t> cuts;
	for (size_t i = 1; i < body.size(); ++i)
		cuts.push_back(i);
	return DecodeCuts(body, format, row_element, cuts, limits);
}

std::vector<size_t>
RandomCuts(size_t size, std::mt19937 &rng, size_t max_piece)
{
	std::vector<size_t> cuts;
	std::uniform_int_distribution<size_t> piece(1, max_piece);
	for (size_t at = piece(rng); at < size; at += piece(rng))
		cuts.push_back(at);
	return cuts;
}

/* Decodes and expects success; returns the sink for inspection. */
RecordingSink
DecodeOk(std::string_view body, WireFormat format, const std::string &row_element, std::string *record_name = nullptr)
{
	RecordingSink sink;
	auto decoder = Decoder::Create(format, row_element, sink);
	try {
		decoder->Feed(body.data(), body.size());
		decoder->Finish();
	} catch (const core::Error &e) {
		ADD_FAILURE() << "decode failed: " << e.message << " / " << e.detail;
	}
	if (record_name != nullptr)
		*record_name = decoder->RecordName();
	return sink;
}

void
ExpectProtocol(const Outcome &o, const std::string &message)
{
	EXPECT_FALSE(o.ok);
	EXPECT_EQ(o.kind, ErrorKind::Protocol);
	EXPECT_EQ(o.message, message) << "detail: " << o.detail;
}

/* PostgreSQL's style for primary messages and details. */
void
ExpectMessageStyle(const Outcome &o)
{
	ASSERT_FALSE(o.message.empty());
	EXPECT_TRUE(o.message[0] >= 'a' && o.message[0] <= 'z') << o.message;
	EXPECT_NE(o.message.back(), '.') << o.message;
	if (!o.detail.empty()) {
		EXPECT_TRUE(o.detail[0] >= 'A' && o.detail[0] <= 'Z') << o.detail;
		EXPECT_EQ(o.detail.back(), '.') << o.detail;
	}
}

bool
AllBlank(std::string_view s)
{
	for (char c : s)
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			return false;
	return true;
}

std::string
Repeat(std::string_view s, size_t n)
{
	std::string out;
	out.reserve(s.size() * n);
	for (size_t i = 0; i < n; ++i)
		out.append(s);
	return out;
}

std::string
ZeroPad(size_t value, int width)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%0*zu", width, value);
	return buf;
}

/* ------------------------------------------------------------------ sample bodies */

/* patientgetv2 (patients.md §3.1), with a padded money field and U+3000 names. */
const std::string kPatientGetXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<xmlio2>
 <patientinfores type="record">
  <Information_Date type="string">2025-02-03</Information_Date>
  <Information_Time type="string">09:15:00</Information_Time>
  <Api_Result type="string">00</Api_Result>
  <Api_Result_Message type="string">処理終了</Api_Result_Message>
  <Reskey type="string">Patient Info</Reskey>
  <Patient_Information type="record">
   <Patient_ID type="string">00042</Patient_ID>
   <WholeName type="string">架空　花子</WholeName>
   <WholeName_inKana type="string">カクウ　ハナコ</WholeName_inKana>
   <BirthDate type="string">1988-07-14</BirthDate>
   <Sex type="string">2</Sex>
   <Home_Address_Information type="record">
    <Address_ZipCode type="string">1000001</Address_ZipCode>
    <WholeAddress1 type="string">東京都架空区一丁目</WholeAddress1>
   </Home_Address_Information>
   <TestPatient_Flag type="string">0</TestPatient_Flag>
   <HealthInsurance_Information type="array">
    <HealthInsurance_Information_child type="record">
     <Insurance_Combination_Number type="string">0001</Insurance_Combination_Number>
     <InsuranceCombination_Rate_Outpatient type="string">0.30</InsuranceCombination_Rate_Outpatient>
     <InsuranceProvider_Class type="string">060</InsuranceProvider_Class>
     <InsuranceProvider_Number type="string">999999</InsuranceProvider_Number>
     <HealthInsuredPerson_Number type="string">１２３４</HealthInsuredPerson_Number>
     <RelationToInsuredPerson type="string">1</RelationToInsuredPerson>
     <Certificate_StartDate type="string">2024-04-01</Certificate_StartDate>
     <Certificate_ExpiredDate type="string">9999-12-31</Certificate_ExpiredDate>
     <PublicInsurance_Information type="array">
      <PublicInsurance_Information_child type="record">
       <PublicInsurance_Class type="string">019</PublicInsurance_Class>
       <Rate_Outpatient type="string">0.00</Rate_Outpatient>
       <Money_Outpatient type="string">     0</Money_Outpatient>
      </PublicInsurance_Information_child>
     </PublicInsurance_Information>
    </HealthInsurance_Information_child>
   </HealthInsurance_Information>
  </Patient_Information>
 </patientinfores>
</xmlio2>
)";

/* The same patient as JSON, the way an old server pads its arrays with {}. */
std::string
PatientGetJsonPadded()
{
	std::string body = R"({"patientinfores": {"Information_Date": "2025-02-03", "Information_Time": "09:15:00",
  "Api_Result": "00", "Api_Result_Message": "処理終了", "Reskey": "Patient Info",
  "Patient_Information": {"Patient_ID": "00042", "WholeName": "架空　花子", "WholeName_inKana": "カクウ　ハナコ",
    "BirthDate": "1988-07-14", "Sex": "2",
    "Home_Address_Information": {"Address_ZipCode": "1000001", "WholeAddress1": "東京都架空区一丁目"},
    "TestPatient_Flag": "0",
    "HealthInsurance_Information": [{"Insurance_Combination_Number": "0001",
       "InsuranceCombination_Rate_Outpatient": "0.30", "InsuranceProvider_Class": "060",
       "InsuranceProvider_Number": "999999", "HealthInsuredPerson_Number": "１２３４",
       "RelationToInsuredPerson": "1", "Certificate_StartDate": "2024-04-01",
       "Certificate_ExpiredDate": "9999-12-31",
       "PublicInsurance_Information": [{"PublicInsurance_Class": "019", "Rate_Outpatient": "0.00",
          "Money_Outpatient": "     0"}, {}, {}, {}]})";
	for (int i = 1; i < 30; ++i)
		body += ", {}";
	body += "]}}}\n";
	return body;
}

/* patientlst2v2 (§3.3): the second requested ID does not exist. */
const std::string kPatientLst2Xml = R"(<xmlio2><patientlst2res type="record">
 <Information_Date type="string">2025-02-03</Information_Date>
 <Information_Time type="string">10:00:00</Information_Time>
 <Api_Result type="string">00</Api_Result>
 <Api_Result_Message type="string">処理終了</Api_Result_Message>
 <Reskey type="string">Patient Info</Reskey>
 <Target_Patient_Count type="string">001</Target_Patient_Count>
 <No_Target_Patient_Count type="string">001</No_Target_Patient_Count>
 <Patient_Information type="array">
  <Patient_Information_child type="record">
   <Patient_ID type="string">00042</Patient_ID>
   <WholeName type="string">架空　花子</WholeName>
   <WholeName_inKana type="string">カクウ　ハナコ</WholeName_inKana>
   <BirthDate type="string">1988-07-14</BirthDate>
   <Sex type="string">2</Sex>
   <Home_Address_Information type="record"><Address_ZipCode type="string">1000001</Address_ZipCode></Home_Address_Information>
   <HealthInsurance_Information type="array">
    <HealthInsurance_Information_child type="record">
     <InsuranceProvider_Class type="string">060</InsuranceProvider_Class>
     <InsuranceProvider_WholeName type="string">国保</InsuranceProvider_WholeName>
     <InsuranceProvider_Number type="string">999999</InsuranceProvider_Number>
     <RelationToInsuredPerson type="string">1</RelationToInsuredPerson>
    </HealthInsurance_Information_child>
   </HealthInsurance_Information>
   <PublicInsurance_Information type="array">
    <PublicInsurance_Information_child type="record">
     <PublicInsurance_Class type="string">010</PublicInsurance_Class>
     <PublicInsurer_Number type="string">10999999</PublicInsurer_Number>
    </PublicInsurance_Information_child>
   </PublicInsurance_Information>
  </Patient_Information_child>
  <Patient_Information_child type="record">
   <Patient_ID type="string">99998</Patient_ID>
   <WholeName type="string">【患者番号がありません】</WholeName>
  </Patient_Information_child>
 </Patient_Information>
</patientlst2res></xmlio2>
)";

/* patientlst3v2 (§3.4) answers with the patientlst2res record. */
const std::string kPatientLst3Xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<xmlio2><patientlst2res type="record">
 <Information_Date type="string">2025-02-03</Information_Date>
 <Api_Result type="string">00</Api_Result>
 <Api_Result_Message type="string">処理終了</Api_Result_Message>
 <Target_Patient_Count type="string">001</Target_Patient_Count>
 <No_Target_Patient_Count type="string">000</No_Target_Patient_Count>
 <Patient_Information type="array">
  <Patient_Information_child type="record">
   <Patient_ID type="string">00042</Patient_ID>
   <WholeName type="string">架空　花子</WholeName>
   <WholeName_inKana type="string">カクウ　ハナコ</WholeName_inKana>
  </Patient_Information_child>
 </Patient_Information>
</patientlst2res></xmlio2>
)";

/* hsptinfv2 (inpatient-and-meals.md §3): Label/Data/Name triples, an array of
 * doctors, record root private_objects. */
const std::string kHsptinfXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<xmlio2><private_objects type="record">
  <Information_Date type="string">2025-04-10</Information_Date>
  <Information_Time type="string">10:00:00</Information_Time>
  <Api_Result type="string">00</Api_Result>
  <Api_Result_Message type="string">処理終了</Api_Result_Message>
  <Patient_Information type="record"><Patient_ID type="string">00345</Patient_ID><WholeName type="string">入院　太郎</WholeName></Patient_Information>
  <Hospital_Stay_Infomation type="array">
    <Hospital_Stay_Infomation_child type="record">
      <History_Number type="string">002</History_Number>
      <Creation_Type type="record"><Label type="string">入院歴作成区分</Label><Data type="string">0</Data><Name type="string">通常登録</Name></Creation_Type>
      <Admission_Date type="string">2025-04-01</Admission_Date>
      <Discharge_Date type="string">9999-12-31</Discharge_Date>
      <Ward_Number type="record"><Label type="string">病棟番号</Label><Data type="string">03</Data></Ward_Number>
      <Room_Number type="record"><Label type="string">病室番号</Label><Data type="string">305</Data></Room_Number>
      <Doctor type="array">
        <Doctor_child type="record"><Label type="string">担当医</Label><Data type="string">10002</Data><Name type="string">医師　一</Name></Doctor_child>
        <Doctor_child type="record"><Label type="string">担当医</Label><Data type="string">10003</Data><Name type="string">医師　二</Name></Doctor_child>
      </Doctor>
      <Room_Charge type="record"><Label type="string">室料差額</Label><Data type="string">   1000</Data><Name type="string">円</Name></Room_Charge>
      <Meal_Type type="record"><Label type="string">食事の種類</Label><Data type="string">C</Data><Name type="string">個別指示</Name></Meal_Type>
    </Hospital_Stay_Infomation_child>
    <Hospital_Stay_Infomation_child type="record">
      <History_Number type="string">001</History_Number>
      <Creation_Type type="record"><Label type="string">入院歴作成区分</Label><Data type="string">1</Data><Name type="string">自院歴</Name></Creation_Type>
      <Admission_Date type="string">2024-01-05</Admission_Date>
      <Discharge_Date type="string">2024-01-20</Discharge_Date>
    </Hospital_Stay_Infomation_child>
  </Hospital_Stay_Infomation>
</private_objects></xmlio2>
)";

/* hsptinfmodv2 (§4.6) error answer: an Api_Results array of two results,
 * then a Request_Number record and a single Hospital_Stay_Infomation record. */
const std::string kHsptinfmodXml = R"(<xmlio2><private_objects type="record">
  <Information_Date type="string">2025-04-01</Information_Date><Information_Time type="string">11:21:00</Information_Time>
  <Api_Results type="array">
    <Api_Results_child type="record"><Api_Result type="string">0018</Api_Result><Api_Result_Message type="string">病棟番号の入力に誤りがあります</Api_Result_Message></Api_Results_child>
    <Api_Results_child type="record"><Api_Result type="string">0020</Api_Result><Api_Result_Message type="string">病室番号の入力に誤りがあります</Api_Result_Message></Api_Results_child>
  </Api_Results>
  <Request_Number type="record"><Label type="string">リクエスト番号</Label><Data type="string">01</Data><Name type="string">入院登録</Name></Request_Number>
  <Hospital_Stay_Infomation type="record">
    <History_Number type="string">003</History_Number>
    <Admission_Date type="string">2025-04-01</Admission_Date>
    <Doctor type="array"><Doctor_child type="record"><Label type="string">担当医</Label><Data type="string">10002</Data></Doctor_child></Doctor>
  </Hospital_Stay_Infomation>
</private_objects></xmlio2>
)";

/* patientlst1v2 (§3.2) with n rows. */
std::string
PatientLst1Xml(size_t n)
{
	std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xmlio2><patientlst1res type=\"record\">\n"
	                   " <Information_Date type=\"string\">2025-02-01</Information_Date>\n"
	                   " <Information_Time type=\"string\">08:00:00</Information_Time>\n"
	                   " <Api_Result type=\"string\">00</Api_Result>\n"
	                   " <Api_Result_Message type=\"string\">処理終了</Api_Result_Message>\n"
	                   " <Reskey type=\"string\">Patient Info</Reskey>\n"
	                   " <Target_Patient_Count type=\"string\">" +
	                   ZeroPad(n, 4) + "</Target_Patient_Count>\n <Patient_Information type=\"array\">\n";
	for (size_t i = 1; i <= n; ++i) {
		body += "  <Patient_Information_child type=\"record\">\n"
		        "   <Patient_ID type=\"string\">" +
		        ZeroPad(i, 5) +
		        "</Patient_ID>\n"
		        "   <WholeName type=\"string\">見本　一郎" +
		        std::to_string(i) +
		        "</WholeName>\n"
		        "   <WholeName_inKana type=\"string\">ミホン　イチロウ</WholeName_inKana>\n"
		        "   <BirthDate type=\"string\">1970-03-03</BirthDate>\n"
		        "   <Sex type=\"string\">1</Sex>\n"
		        "   <CreateDate type=\"string\">2025-01-10</CreateDate>\n"
		        "   <UpdateDate type=\"string\">2025-01-20</UpdateDate>\n"
		        "   <UpdateTime type=\"string\">14:02:11</UpdateTime>\n"
		        "   <TestPatient_Flag type=\"string\">0</TestPatient_Flag>\n"
		        "  </Patient_Information_child>\n";
	}
	body += " </Patient_Information>\n</patientlst1res></xmlio2>\n";
	return body;
}

std::string
PatientLst1Json(size_t n)
{
	std::string body = "{\"patientlst1res\": {\"Information_Date\": \"2025-02-01\", \"Information_Time\": "
	                   "\"08:00:00\", \"Api_Result\": \"00\", \"Api_Result_Message\": \"処理終了\", "
	                   "\"Reskey\": \"Patient Info\", \"Target_Patient_Count\": \"" +
	                   ZeroPad(n, 4) + "\",\n \"Patient_Information\": [\n";
	for (size_t i = 1; i <= n; ++i) {
		if (i > 1)
			body += ",\n";
		body += "  {\"Patient_ID\": \"" + ZeroPad(i, 5) + "\", \"WholeName\": \"見本　一郎" + std::to_string(i) +
		        "\", \"WholeName_inKana\": \"ミホン　イチロウ\", \"BirthDate\": \"1970-03-03\", \"Sex\": \"1\", "
		        "\"CreateDate\": \"2025-01-10\", \"UpdateDate\": \"2025-01-20\", \"UpdateTime\": \"14:02:11\", "
		        "\"TestPatient_Flag\": \"0\"}";
	}
	body += "]}}\n";
	return body;
}

/* One small document in both formats that must decode to the same events. */
const std::string kSmallXml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<xmlio2><patientlst2res type=\"record\">"
                              "<Api_Result type=\"string\">00</Api_Result>"
                              "<Api_Result_Message type=\"string\">処理終了</Api_Result_Message>"
                              "<Patient_Information type=\"array\">"
                              "<Patient_Information_child type=\"record\">"
                              "<Patient_ID type=\"string\">00042</Patient_ID>"
                              "<WholeName type=\"string\">架空　花子 &amp; &lt;😀&gt;</WholeName>"
                              "<Money type=\"string\">     0</Money>"
                              "</Patient_Information_child>"
                              "<Patient_Information_child type=\"record\">"
                              "<Patient_ID type=\"string\">99998</Patient_ID>"
                              "<WholeName type=\"string\">【患者番号がありません】</WholeName>"
                              "</Patient_Information_child>"
                              "</Patient_Information>"
                              "<Reskey type=\"string\">Patient Info</Reskey>"
                              "</patientlst2res></xmlio2>\n";

const std::string kSmallJson = "{\"patientlst2res\": {\"Api_Result\": \"00\", "
                               "\"Api_Result_Message\": \"\\u51e6\\u7406\\u7d42\\u4e86\", "
                               "\"Patient_Information\": [{\"Patient_ID\": \"00042\", "
                               "\"WholeName\": \"架空\\u3000花子 & <\\ud83d\\ude00>\", \"Money\": \"     0\"}, {}, "
                               "{\"Patient_ID\": \"99998\", \"WholeName\": \"【患者番号がありません】\"}, {}], "
                               "\"Reskey\": \"Patient Info\"}}\n";

const std::string kSmallExpectedLog = "F Api_Result=00\n"
                                      "F Api_Result_Message=処理終了\n"
                                      "R {\"Patient_ID\":\"00042\",\"WholeName\":\"架空　花子 & <😀>\","
                                      "\"Money\":\"     0\"}\n"
                                      "R {\"Patient_ID\":\"99998\",\"WholeName\":\"【患者番号がありません】\"}\n"
                                      "F Reskey=Patient Info\n";

struct Sample {
	const char *name;
	std::string body;
	WireFormat format;
	std::string row_element;
};

std::vector<Sample>
AllSamples()
{
	return {
		{"patientgetv2.xml", kPatientGetXml, WireFormat::Xml, "Patient_Information"},
		{"patientgetv2.json", PatientGetJsonPadded(), WireFormat::Json, "Patient_Information"},
		{"patientlst2v2.xml", kPatientLst2Xml, WireFormat::Xml, "Patient_Information"},
		{"patientlst3v2.xml", kPatientLst3Xml, WireFormat::Xml, "Patient_Information"},
		{"hsptinfv2.xml", kHsptinfXml, WireFormat::Xml, "Hospital_Stay_Infomation"},
		{"hsptinfmodv2.xml", kHsptinfmodXml, WireFormat::Xml, "Hospital_Stay_Infomation"},
		{"small.xml", kSmallXml, WireFormat::Xml, "Patient_Information"},
		{"small.json", kSmallJson, WireFormat::Json, "Patient_Information"},
		{"patientlst1v2.xml", PatientLst1Xml(20), WireFormat::Xml, "Patient_Information"},
		{"patientlst1v2.json", PatientLst1Json(20), WireFormat::Json, "Patient_Information"},
	};
}

/* ------------------------------------------------------------------ realistic bodies */

TEST(CodecXml, PatientGetRowElementIsARecord)
{
	std::string record;
	RecordingSink sink = DecodeOk(kPatientGetXml, WireFormat::Xml, "Patient_Information", &record);
	EXPECT_EQ(record, "patientinfores");
	ASSERT_EQ(sink.rows.size(), 1u);
	const Node &row = sink.rows[0];
	EXPECT_EQ(row.type, Node::Type::Record);
	ASSERT_NE(row.StringAt("WholeName"), nullptr);
	EXPECT_EQ(*row.StringAt("WholeName"), "架空　花子");
	EXPECT_EQ(*row.StringAt("Home_Address_Information/WholeAddress1"), "東京都架空区一丁目");
	const Node *insurances = row.Find("HealthInsurance_Information");
	ASSERT_NE(insurances, nullptr);
	ASSERT_EQ(insurances->type, Node::Type::Array);
	ASSERT_EQ(insurances->children.size(), 1u);
	EXPECT_EQ(insurances->children[0].first, "");
	const Node &insurance = insurances->children[0].second;
	EXPECT_EQ(*insurance.StringAt("HealthInsuredPerson_Number"), "１２３４");
	const Node *publics = insurance.Find("PublicInsurance_Information");
	ASSERT_NE(publics, nullptr);
	ASSERT_EQ(publics->children.size(), 1u);
	EXPECT_EQ(*publics->children[0].second.StringAt("Money_Outpatient"), "     0");

	EXPECT_EQ(sink.log.substr(0, sink.log.find("R ")), "F Information_Date=2025-02-03\n"
	                                                    "F Information_Time=09:15:00\n"
	                                                    "F Api_Result=00\n"
	                                                    "F Api_Result_Message=処理終了\n"
	                                                    "F Reskey=Patient Info\n");
}

TEST(CodecXml, PatientGetWithoutRowElementReportsEveryLeaf)
{
	RecordingSink sink = DecodeOk(kPatientGetXml, WireFormat::Xml, "");
	EXPECT_TRUE(sink.rows.empty());
	ASSERT_NE(sink.Field("Patient_Information/Patient_ID"), nullptr);
	EXPECT_EQ(*sink.Field("Patient_Information/Patient_ID"), "00042");
	EXPECT_EQ(*sink.Field("Patient_Information/Home_Address_Information/Address_ZipCode"), "1000001");
	ASSERT_NE(sink.Field("Patient_Information/HealthInsurance_Information/PublicInsurance_Information/Money_Outpatient"),
	          nullptr);
	EXPECT_EQ(*sink.Field("Patient_Information/HealthInsurance_Information/PublicInsurance_Information/Money_Outpatient"),
	          "     0");
	EXPECT_EQ(sink.fields.size(), 5u + 6u + 2u + 8u + 3u);
}

TEST(CodecXml, PatientLst1ThousandRows)
{
	const size_t n = 1000;
	std::string body = PatientLst1Xml(n);
	RecordingSink sink = DecodeOk(body, WireFormat::Xml, "Patient_Information");
	ASSERT_EQ(sink.rows.size(), n);
	EXPECT_EQ(*sink.Field("Target_Patient_Count"), "1000");
	EXPECT_EQ(*sink.rows[0].StringAt("Patient_ID"), "00001");
	EXPECT_EQ(*sink.rows[n - 1].StringAt("Patient_ID"), "01000");
	EXPECT_EQ(*sink.rows[n - 1].StringAt("WholeName"), "見本　一郎1000");
	EXPECT_EQ(sink.rows[7].children.size(), 9u);
	EXPECT_EQ(sink.fields.size(), 6u);
}

TEST(CodecXml, PatientLst2MissingPatientRow)
{
	RecordingSink sink = DecodeOk(kPatientLst2Xml, WireFormat::Xml, "Patient_Information");
	ASSERT_EQ(sink.rows.size(), 2u);
	EXPECT_EQ(*sink.Field("No_Target_Patient_Count"), "001");
	EXPECT_EQ(*sink.rows[0].StringAt("Home_Address_Information/Address_ZipCode"), "1000001");
	EXPECT_EQ(*sink.rows[0].Find("PublicInsurance_Information")->children[0].second.StringAt("PublicInsurer_Number"),
	          "10999999");
	const Node &missing = sink.rows[1];
	EXPECT_EQ(*missing.StringAt("Patient_ID"), "99998");
	EXPECT_EQ(*missing.StringAt("WholeName"), "【患者番号がありません】");
	EXPECT_EQ(missing.StringAt("BirthDate"), nullptr);
	EXPECT_EQ(missing.children.size(), 2u);
}

TEST(CodecXml, PatientLst3AnswersWithPatientLst2Record)
{
	std::string record;
	RecordingSink sink = DecodeOk(kPatientLst3Xml, WireFormat::Xml, "Patient_Information", &record);
	EXPECT_EQ(record, "patientlst2res");
	ASSERT_EQ(sink.rows.size(), 1u);
	EXPECT_EQ(*sink.rows[0].StringAt("WholeName_inKana"), "カクウ　ハナコ");
}

TEST(CodecXml, HsptinfLabelDataNameTriples)
{
	std::string record;
	RecordingSink sink = DecodeOk(kHsptinfXml, WireFormat::Xml, "Hospital_Stay_Infomation", &record);
	EXPECT_EQ(record, "private_objects");
	ASSERT_EQ(sink.rows.size(), 2u);
	const Node &stay = sink.rows[0];
	EXPECT_EQ(*stay.StringAt("Creation_Type/Label"), "入院歴作成区分");
	EXPECT_EQ(*stay.StringAt("Creation_Type/Data"), "0");
	EXPECT_EQ(*stay.StringAt("Creation_Type/Name"), "通常登録");
	EXPECT_EQ(*stay.StringAt("Room_Charge/Data"), "   1000");
	EXPECT_EQ(stay.StringAt("Ward_Number/Name"), nullptr);
	const Node *doctors = stay.Find("Doctor");
	ASSERT_NE(doctors, nullptr);
	ASSERT_EQ(doctors->children.size(), 2u);
	EXPECT_EQ(*doctors->children[1].second.StringAt("Name"), "医師　二");
	EXPECT_EQ(core::NodeToJson(*stay.Find("Creation_Type")),
	          R"({"Label":"入院歴作成区分","Data":"0","Name":"通常登録"})");
	EXPECT_EQ(*sink.rows[1].StringAt("Creation_Type/Name"), "自院歴");
	EXPECT_EQ(*sink.Field("Patient_Information/WholeName"), "入院　太郎");
}

TEST(CodecXml, HsptinfmodApiResultsArrayAndRecordRow)
{
	RecordingSink sink = DecodeOk(kHsptinfmodXml, WireFormat::Xml, "Hospital_Stay_Infomation");
	EXPECT_EQ(sink.FieldsAt("Api_Results/Api_Result"), (std::vector<std::string>{"0018", "0020"}));
	EXPECT_EQ(sink.FieldsAt("Api_Results/Api_Result_Message"),
	          (std::vector<std::string>{"病棟番号の入力に誤りがあります", "病室番号の入力に誤りがあります"}));
	EXPECT_EQ(*sink.Field("Request_Number/Name"), "入院登録");
	ASSERT_EQ(sink.rows.size(), 1u);
	EXPECT_EQ(*sink.rows[0].StringAt("History_Number"), "003");
	/* document order: results, request number, then the row */
	EXPECT_EQ(sink.log,
	          "F Information_Date=2025-04-01\nF Information_Time=11:21:00\n"
	          "F Api_Results/Api_Result=0018\nF Api_Results/Api_Result_Message=病棟番号の入力に誤りがあります\n"
	          "F Api_Results/Api_Result=0020\nF Api_Results/Api_Result_Message=病室番号の入力に誤りがあります\n"
	          "F Request_Number/Label=リクエスト番号\nF Request_Number/Data=01\nF Request_Number/Name=入院登録\n"
	          "R {\"History_Number\":\"003\",\"Admission_Date\":\"2025-04-01\",\"Doctor\":[{\"Label\":\"担当医\","
	          "\"Data\":\"10002\"}]}\n");
}

TEST(CodecJson, PatientGetPaddedArraysAreDropped)
{
	std::string record;
	RecordingSink sink = DecodeOk(PatientGetJsonPadded(), WireFormat::Json, "Patient_Information", &record);
	EXPECT_EQ(record, "patientinfores");
	ASSERT_EQ(sink.rows.size(), 1u);
	const Node *insurances = sink.rows[0].Find("HealthInsurance_Information");
	ASSERT_NE(insurances, nullptr);
	ASSERT_EQ(insurances->children.size(), 1u); /* 29 {} dropped */
	const Node *publics = insurances->children[0].second.Find("PublicInsurance_Information");
	ASSERT_NE(publics, nullptr);
	EXPECT_EQ(publics->children.size(), 1u); /* 3 {} dropped */
	EXPECT_EQ(*publics->children[0].second.StringAt("Money_Outpatient"), "     0");
}

TEST(CodecJson, SameEventsAsXml)
{
	/* patientgetv2 in both formats */
	RecordingSink xml = DecodeOk(kPatientGetXml, WireFormat::Xml, "Patient_Information");
	RecordingSink json = DecodeOk(PatientGetJsonPadded(), WireFormat::Json, "Patient_Information");
	EXPECT_EQ(xml.log, json.log);
	/* patientlst1v2 */
	EXPECT_EQ(DecodeOk(PatientLst1Xml(50), WireFormat::Xml, "Patient_Information").log,
	          DecodeOk(PatientLst1Json(50), WireFormat::Json, "Patient_Information").log);
	/* a small body with escapes */
	EXPECT_EQ(DecodeOk(kSmallXml, WireFormat::Xml, "Patient_Information").log, kSmallExpectedLog);
	EXPECT_EQ(DecodeOk(kSmallJson, WireFormat::Json, "Patient_Information").log, kSmallExpectedLog);
}

TEST(CodecJson, PaddedRowsAreDropped)
{
	std::string body = R"({"patientlst1res": {"Api_Result": "00", "Patient_Information": [{}, {"Patient_ID": "1"}, {}, {"Patient_ID": "2"}, {}]}})";
	RecordingSink sink = DecodeOk(body, WireFormat::Json, "Patient_Information");
	ASSERT_EQ(sink.rows.size(), 2u);
	EXPECT_EQ(*sink.rows[1].StringAt("Patient_ID"), "2");
	/* an array of nothing but padding: no rows, no fields */
	sink = DecodeOk(R"({"r": {"Patient_Information": [{}, {}, {}]}})", WireFormat::Json, "Patient_Information");
	EXPECT_TRUE(sink.rows.empty());
	EXPECT_TRUE(sink.fields.empty());
}

TEST(CodecJson, LenientScalars)
{
	RecordingSink sink = DecodeOk(R"({"r": {"n": 12, "f": -0.5e3, "z": 0, "t": true, "fa": false, "nu": null,
	                                      "a": [1, null, "x"], "row": {"k": 7, "gone": null}}})",
	                              WireFormat::Json, "row");
	EXPECT_EQ(sink.log, "F n=12\nF f=-0.5e3\nF z=0\nF t=true\nF fa=false\nF a=1\nF a=x\nR {\"k\":\"7\"}\n");
}

TEST(CodecJson, Escapes)
{
	RecordingSink sink = DecodeOk(
		R"({"r": {"W\u0068oleName": "\u67b6\u7a7a\u3000\u82b1\u5b50", "e": "\ud83d\ude00", "c": "\"\\\/\b\f\n\r\t", "mix": "a\u00e9b\u20acc"}})",
		WireFormat::Json, "");
	EXPECT_EQ(*sink.Field("WholeName"), "架空　花子");
	EXPECT_EQ(*sink.Field("e"), "\xF0\x9F\x98\x80");
	EXPECT_EQ(*sink.Field("c"), "\"\\/\b\f\n\r\t");
	EXPECT_EQ(*sink.Field("mix"), "a\xC3\xA9" "b\xE2\x82\xAC" "c");
}

TEST(CodecJson, RejectsBadStringsAndTokens)
{
	const std::vector<std::string> bad = {
		R"({"r": {"a": "1",}})",
		R"({"r" {"a": "1"}})",
		R"({"r": {"a": "1"}} x)",
		R"({"r": {"a": "1"}}})",
		R"({"r": {"a": tru}})",
		R"({"r": {"a": nul}})",
		R"({"r": {"a": 01}})",
		R"({"r": {"a": 1.}})",
		R"({"r": {"a": -}})",
		R"({"r": {"a": 1e}})",
		"{\"r\": {\"a\": \"x\x01y\"}}",
		"{\"r\": {\"a\": \"x\ny\"}}",
		R"({"r": {"a": "\q"}})",
		R"({"r": {"a": "\u12G4"}})",
		R"({"r": {"a": "\ud800"}})",
		R"({"r": {"a": "\udc00"}})",
		R"({"r": {"a": "\ud800\u0041"}})",
		R"({"r": {"a": "\ud800x"}})",
		R"({"r": {"a": "\u0000"}})",
		"{\"r\": {\"a\": \"\xC0\x80\"}}",
		"{\"r\": {\"a\": \"\xED\xA0\x80\"}}",
		"{\"r\": {\"a\": \"\xF4\x90\x80\x80\"}}",
		"{\"r\": {\"a\": \"\xE3\x80\"}}",
		"{\"r\": {\"a\": \"\xFF\"}}",
		"{\"r\": {\"\xE3\": \"x\"}}",
		R"({"r": [})",
		R"({"r": {]})",
		R"({"r": {"a" "b"}})",
		R"({"r": {1: "b"}})",
		R"([{"r": {}}])",
		R"("r")",
		R"({"r": {"a": 'x'}})",
	};
	for (const std::string &body : bad) {
		SCOPED_TRACE(body);
		Outcome o = Decode(body, WireFormat::Json);
		EXPECT_FALSE(o.ok);
		EXPECT_EQ(o.kind, ErrorKind::Protocol);
		ExpectMessageStyle(o);
		Outcome b = DecodeBytewise(body, WireFormat::Json);
		EXPECT_FALSE(b.ok);
		EXPECT_EQ(b.message, o.message);
	}
}

TEST(CodecJson, ErrorPositionIsAByteOffset)
{
	const std::string body = R"({"r": {"a": tru}})";
	Outcome o = Decode(body, WireFormat::Json);
	ExpectProtocol(o, "malformed JSON in ORCA response");
	EXPECT_EQ(o.detail, "Invalid literal at byte offset 15.");
	EXPECT_EQ(DecodeBytewise(body, WireFormat::Json).detail, o.detail);
	/* limits report the position too */
	DecoderLimits limits;
	limits.max_value_bytes = 2;
	Outcome l = Decode(R"({"r": {"ab": "xyz"}})", WireFormat::Json, "", limits);
	ExpectProtocol(l, "value too long in ORCA response");
	EXPECT_NE(l.detail.find("byte offset"), std::string::npos) << l.detail;
	ExpectMessageStyle(l);
	Outcome x = Decode("<xmlio2>\n<r type=\"record\">\n<a type=\"string\">xyz</a></r></xmlio2>", WireFormat::Xml, "",
	                   limits);
	ExpectProtocol(x, "value too long in ORCA response");
	EXPECT_NE(x.detail.find("line 3"), std::string::npos) << x.detail;
	ExpectMessageStyle(x);
}

TEST(CodecJson, RecordMustBeAnObject)
{
	ExpectProtocol(Decode(R"({"r": "x"})", WireFormat::Json), "unexpected structure in ORCA response");
	ExpectProtocol(Decode(R"({"r": ["x"]})", WireFormat::Json), "unexpected structure in ORCA response");
	ExpectProtocol(Decode(R"({"r": {}, "s": {}})", WireFormat::Json), "more than one record in ORCA response");
}

/* ------------------------------------------------------------------ shapes */

TEST(CodecShapes, ArraysOfStrings)
{
	const std::string xml = R"(<xmlio2><private_objects type="record">
<Doctor_Code type="array"><Doctor_Code_child type="string">10002</Doctor_Code_child><Doctor_Code_child type="string"> 10003 </Doctor_Code_child><Doctor_Code_child type="string"/></Doctor_Code>
<Row type="record"><Codes type="array"><Codes_child type="string">a</Codes_child><Codes_child type="string">b</Codes_child></Codes></Row>
</private_objects></xmlio2>)";
	const std::string json =
		R"({"private_objects": {"Doctor_Code": ["10002", " 10003 ", ""], "Row": {"Codes": ["a", "b"]}}})";
	for (const auto &[body, format] : {std::pair{xml, WireFormat::Xml}, std::pair{json, WireFormat::Json}}) {
		RecordingSink sink = DecodeOk(body, format, "Row");
		EXPECT_EQ(sink.FieldsAt("Doctor_Code"), (std::vector<std::string>{"10002", " 10003 ", ""}));
		ASSERT_EQ(sink.rows.size(), 1u);
		EXPECT_EQ(core::NodeToJson(sink.rows[0]), R"({"Codes":["a","b"]})");

		/* a string array as the row element: one String row per item */
		sink = DecodeOk(body, format, "Doctor_Code");
		ASSERT_EQ(sink.rows.size(), 3u);
		EXPECT_EQ(sink.rows[0].type, Node::Type::String);
		EXPECT_EQ(sink.rows[0].value, "10002");
		EXPECT_EQ(sink.rows[1].value, " 10003 ");
		EXPECT_EQ(sink.rows[2].value, "");
		EXPECT_EQ(sink.FieldsAt("Row/Codes"), (std::vector<std::string>{"a", "b"}));
	}
}

TEST(CodecShapes, EmptyArrays)
{
	for (const std::string &body : {
			 std::string(R"(<xmlio2><r type="record"><Api_Result type="string">20</Api_Result><Patient_Information type="array"/><Other type="array"></Other></r></xmlio2>)"),
			 std::string(R"({"r": {"Api_Result": "20", "Patient_Information": [], "Other": []}})"),
		 }) {
		SCOPED_TRACE(body);
		RecordingSink sink = DecodeOk(body, body[0] == '<' ? WireFormat::Xml : WireFormat::Json, "Patient_Information");
		EXPECT_EQ(sink.log, "F Api_Result=20\n");
	}
	/* inside a row an empty array stays an empty array */
	RecordingSink sink = DecodeOk(R"(<xmlio2><r type="record"><P type="record"><A type="array"/><B type="record"/></P></r></xmlio2>)",
	                              WireFormat::Xml, "P");
	ASSERT_EQ(sink.rows.size(), 1u);
	EXPECT_EQ(core::NodeToJson(sink.rows[0]), R"({"A":[],"B":{}})");
}

TEST(CodecShapes, EmptyRecordItemsDroppedInXmlToo)
{
	RecordingSink sink = DecodeOk(R"(<xmlio2><r type="record"><P type="array"><P_child type="record"/><P_child type="record"><a type="string">1</a></P_child><P_child type="record">  </P_child></P></r></xmlio2>)",
	                              WireFormat::Xml, "P");
	EXPECT_EQ(sink.log, "R {\"a\":\"1\"}\n");
}

TEST(CodecShapes, EmptyStringLeaves)
{
	RecordingSink sink = DecodeOk(R"(<xmlio2><r type="record"><a type="string"/><b type="string"></b><c type="string">  </c><d/></r></xmlio2>)",
	                              WireFormat::Xml, "");
	EXPECT_EQ(sink.log, "F a=\nF b=\nF c=  \nF d=\n");
}

TEST(CodecShapes, TextIsKeptExactly)
{
	RecordingSink sink = DecodeOk("<xmlio2><r type=\"record\"><a type=\"string\">  架空　花子\t\n </a>"
	                              "<b type=\"string\">&#x3000;&#12354;&amp;&lt;&gt;&quot;&apos;</b>"
	                              "<c type=\"string\"><![CDATA[<not a tag> & ]]>x</c></r></xmlio2>",
	                              WireFormat::Xml, "");
	EXPECT_EQ(*sink.Field("a"), "  架空　花子\t\n ");
	EXPECT_EQ(*sink.Field("b"), "　あ&<>\"'");
	EXPECT_EQ(*sink.Field("c"), "<not a tag> & x");
}

TEST(CodecShapes, UntypedElementsAreInferred)
{
	const std::string typed = R"(<xmlio2><patientlst1res type="record"><Api_Result type="string">00</Api_Result><Info type="record"><A type="string">1</A></Info><Patient_Information type="array"><Patient_Information_child type="record"><Patient_ID type="string">1</Patient_ID><Codes type="array"><Codes_child type="string">x</Codes_child></Codes></Patient_Information_child></Patient_Information><Empty type="string"></Empty></patientlst1res></xmlio2>)";
	const std::string untyped = R"(<xmlio2><patientlst1res><Api_Result>00</Api_Result><Info>
  <A>1</A></Info><Patient_Information>
  <Patient_Information_child>
   <Patient_ID>1</Patient_ID><Codes><Codes_child>x</Codes_child></Codes></Patient_Information_child></Patient_Information><Empty/></patientlst1res></xmlio2>)";
	for (const std::string &row : {std::string("Patient_Information"), std::string("Info"), std::string()}) {
		SCOPED_TRACE(row);
		Outcome a = Decode(typed, WireFormat::Xml, row);
		Outcome b = Decode(untyped, WireFormat::Xml, row);
		ASSERT_TRUE(a.ok) << a.message << a.detail;
		ASSERT_TRUE(b.ok) << b.message << b.detail;
		EXPECT_EQ(a.log, b.log);
		EXPECT_EQ(b.log, DecodeBytewise(untyped, WireFormat::Xml, row).log);
	}
	/* an untyped row element without children is a string row */
	RecordingSink sink = DecodeOk("<xmlio2><r><P>abc</P></r></xmlio2>", WireFormat::Xml, "P");
	ASSERT_EQ(sink.rows.size(), 1u);
	EXPECT_EQ(sink.rows[0].type, Node::Type::String);
	EXPECT_EQ(sink.rows[0].value, "abc");
	/* an unknown type value is inferred too */
	sink = DecodeOk(R"(<xmlio2><r type="record"><A type="weird"><B type="string">1</B></A></r></xmlio2>)",
	                WireFormat::Xml, "");
	EXPECT_EQ(sink.log, "F A/B=1\n");
}

TEST(CodecShapes, ConflictingTypes)
{
	ExpectProtocol(Decode(R"(<xmlio2><r type="record"><a type="string">x<b type="string">y</b></a></r></xmlio2>)",
	                      WireFormat::Xml),
	               "unexpected structure in ORCA response");
	ExpectProtocol(Decode(R"(<xmlio2><r type="string">x</r></xmlio2>)", WireFormat::Xml),
	               "unexpected structure in ORCA response");
	ExpectProtocol(Decode(R"(<xmlio2><r type="record"/><s type="record"/></xmlio2>)", WireFormat::Xml),
	               "more than one record in ORCA response");
	ExpectProtocol(Decode(R"(<html><body>error</body></html>)", WireFormat::Xml),
	               "unexpected root element in ORCA response");
}

TEST(CodecShapes, RowElementOnlyDirectlyUnderRecord)
{
	RecordingSink sink = DecodeOk(R"(<xmlio2><r type="record"><X type="record"><P type="array"><P_child type="record"><a type="string">1</a></P_child></P></X></r></xmlio2>)",
	                              WireFormat::Xml, "P");
	EXPECT_EQ(sink.log, "F X/P/a=1\n");
}

TEST(CodecShapes, RowElementRepeated)
{
	RecordingSink sink = DecodeOk(R"({"r": {"P": {"a": "1"}, "x": "y", "P": {"a": "2"}, "P": null}})", WireFormat::Json, "P");
	EXPECT_EQ(sink.log, "R {\"a\":\"1\"}\nF x=y\nR {\"a\":\"2\"}\n");
}

TEST(CodecShapes, NoRecord)
{
	for (const auto &[body, format] : std::vector<std::pair<std::string, WireFormat>>{
			 {"<xmlio2/>", WireFormat::Xml},
			 {"<xmlio2>\n  </xmlio2>", WireFormat::Xml},
			 {"<?xml version=\"1.0\"?><xmlio2></xmlio2>", WireFormat::Xml},
			 {"{}", WireFormat::Json},
			 {"{\"r\": null}", WireFormat::Json},
			 {" { } ", WireFormat::Auto},
		 }) {
		SCOPED_TRACE(body);
		Outcome o = Decode(body, format);
		ExpectProtocol(o, "no record in ORCA response");
		EXPECT_TRUE(o.thrown_at_finish);
		ExpectMessageStyle(o);
	}
	/* an empty record is a record */
	Outcome o = Decode(R"(<xmlio2><patientlst1res type="record"/></xmlio2>)", WireFormat::Xml);
	EXPECT_TRUE(o.ok);
	EXPECT_EQ(o.record_name, "patientlst1res");
}

TEST(CodecShapes, RecordNameIsEmptyUntilSeen)
{
	RecordingSink sink;
	auto decoder = Decoder::Create(WireFormat::Xml, "", sink);
	EXPECT_EQ(decoder->RecordName(), "");
	std::string head = "<xmlio2><patientlst2res type=\"record\"><a type=\"string\">";
	decoder->Feed(head.data(), head.size());
	EXPECT_EQ(decoder->RecordName(), "patientlst2res");
}

/* ------------------------------------------------------------------ auto format */

TEST(CodecAuto, SniffsFirstSignificantByte)
{
	EXPECT_EQ(Decode(kSmallXml, WireFormat::Auto, "Patient_Information").log, kSmallExpectedLog);
	EXPECT_EQ(Decode(kSmallJson, WireFormat::Auto, "Patient_Information").log, kSmallExpectedLog);
	EXPECT_EQ(DecodeBytewise("\r\n  " + kSmallJson, WireFormat::Auto, "Patient_Information").log, kSmallExpectedLog);
	EXPECT_EQ(DecodeBytewise("\xEF\xBB\xBF" + kSmallXml, WireFormat::Auto, "Patient_Information").log,
	          kSmallExpectedLog);
	EXPECT_EQ(DecodeBytewise("\xEF\xBB\xBF\n" + kSmallJson, WireFormat::Auto, "Patient_Information").log,
	          kSmallExpectedLog);
	/* explicit formats take a BOM and leading blanks too */
	EXPECT_TRUE(Decode("\xEF\xBB\xBF" + kSmallXml, WireFormat::Xml, "Patient_Information").ok);
	EXPECT_TRUE(Decode("\n\n" + kSmallXml, WireFormat::Xml, "Patient_Information").ok);
	EXPECT_TRUE(Decode("\xEF\xBB\xBF " + kSmallJson, WireFormat::Json, "Patient_Information").ok);
}

TEST(CodecAuto, EmptyAndUnknownBodies)
{
	for (WireFormat format : {WireFormat::Auto, WireFormat::Xml, WireFormat::Json}) {
		for (const std::string &body : {std::string(), std::string(" \r\n\t"), std::string("\xEF\xBB\xBF")}) {
			Outcome o = Decode(body, format);
			ExpectProtocol(o, "empty response body from ORCA");
			EXPECT_TRUE(o.thrown_at_finish);
		}
	}
	Outcome o = Decode("HTTP/1.1 500 Internal Server Error", WireFormat::Auto);
	ExpectProtocol(o, "malformed ORCA response");
	EXPECT_FALSE(o.thrown_at_finish);
	ExpectMessageStyle(o);
	ExpectProtocol(Decode("\xEF\xBBx<xmlio2/>", WireFormat::Auto), "malformed ORCA response");
	ExpectProtocol(Decode("[]", WireFormat::Auto), "malformed JSON in ORCA response");
	ExpectProtocol(Decode(kSmallJson, WireFormat::Xml), "malformed XML in ORCA response");
	ExpectProtocol(Decode(kSmallXml, WireFormat::Json), "malformed JSON in ORCA response");
}

/* ------------------------------------------------------------------ chunking */

TEST(CodecChunking, ByteByByteEqualsWhole)
{
	for (const Sample &s : AllSamples()) {
		SCOPED_TRACE(s.name);
		Outcome whole = Decode(s.body, s.format, s.row_element);
		ASSERT_TRUE(whole.ok) << whole.message << ": " << whole.detail;
		Outcome bytes = DecodeBytewise(s.body, s.format, s.row_element);
		ASSERT_TRUE(bytes.ok) << bytes.message << ": " << bytes.detail;
		EXPECT_EQ(whole.log, bytes.log);
		EXPECT_EQ(whole.record_name, bytes.record_name);
		Outcome sniffed = DecodeBytewise(s.body, WireFormat::Auto, s.row_element);
		EXPECT_EQ(whole.log, sniffed.log);
	}
}

TEST(CodecChunking, AllTwoWaySplits)
{
	for (const Sample &s : AllSamples()) {
		if (s.body.size() > 8000)
			continue;
		SCOPED_TRACE(s.name);
		std::string expected = Decode(s.body, s.format, s.row_element).log;
		for (size_t k = 0; k <= s.body.size(); ++k) {
			Outcome o = DecodeCuts(s.body, s.format, s.row_element, {k});
			ASSERT_TRUE(o.ok) << "split at " << k << ": " << o.message << ": " << o.detail;
			ASSERT_EQ(o.log, expected) << "split at " << k;
		}
	}
}

TEST(CodecChunking, AllThreeWaySplitsOfASmallBody)
{
	for (const auto &[body, format] : {std::pair{kSmallXml, WireFormat::Xml}, std::pair{kSmallJson, WireFormat::Json}}) {
		std::string expected = Decode(body, format, "Patient_Information").log;
		/* every third cut point keeps the run time sane while still landing
		 * inside every kind of token */
		for (size_t i = 0; i <= body.size(); i += 3)
			for (size_t j = i; j <= body.size(); j += 2) {
				Outcome o = DecodeCuts(body, format, "Patient_Information", {i, j});
				ASSERT_TRUE(o.ok) << i << "," << j << ": " << o.message << ": " << o.detail;
				ASSERT_EQ(o.log, expected) << i << "," << j;
			}
	}
}

TEST(CodecChunking, RandomSplitsWithFixedSeed)
{
	std::mt19937 rng(20250203);
	std::vector<Sample> samples = AllSamples();
	samples.push_back({"patientlst1v2-1000.xml", PatientLst1Xml(1000), WireFormat::Xml, "Patient_Information"});
	samples.push_back({"patientlst1v2-1000.json", PatientLst1Json(1000), WireFormat::Json, "Patient_Information"});
	for (const Sample &s : samples) {
		SCOPED_TRACE(s.name);
		std::string expected = Decode(s.body, s.format, s.row_element).log;
		for (size_t max_piece : {2, 7, 64, 1000, 5000}) {
			for (int round = 0; round < 10; ++round) {
				Outcome o = DecodeCuts(s.body, s.format, s.row_element, RandomCuts(s.body.size(), rng, max_piece));
				ASSERT_TRUE(o.ok) << o.message << ": " << o.detail;
				ASSERT_EQ(o.log, expected) << "max piece " << max_piece;
			}
		}
	}
}

TEST(CodecChunking, LongMultibyteValuesSplitEverywhere)
{
	/* values longer than libxml2's internal text buffer, made of 3- and
	 * 4-byte sequences, fed in pieces that split them */
	std::string value = Repeat("架空　花子😀a", 400);
	std::string xml = "<xmlio2><r type=\"record\"><v type=\"string\">" + value + "</v></r></xmlio2>";
	std::string json = "{\"r\": {\"v\": \"" + value + "\"}}";
	std::mt19937 rng(7);
	for (const auto &[body, format] : {std::pair{xml, WireFormat::Xml}, std::pair{json, WireFormat::Json}}) {
		for (size_t piece : {1, 2, 3, 5, 301, 4096}) {
			std::vector<size_t> cuts;
			for (size_t at = piece; at < body.size(); at += piece)
				cuts.push_back(at);
			Outcome o = DecodeCuts(body, format, "", cuts);
			ASSERT_TRUE(o.ok) << o.message << ": " << o.detail;
			EXPECT_EQ(o.log, "F v=" + value + "\n");
		}
		Outcome o = DecodeCuts(body, format, "", RandomCuts(body.size(), rng, 11));
		EXPECT_EQ(o.log, "F v=" + value + "\n");
	}
}

TEST(CodecChunking, EmptyFeedsAreHarmless)
{
	for (const Sample &s : AllSamples()) {
		RecordingSink sink;
		auto decoder = Decoder::Create(s.format, s.row_element, sink);
		decoder->Feed(nullptr, 0);
		for (char c : s.body) {
			decoder->Feed(&c, 1);
			decoder->Feed(s.body.data(), 0);
		}
		decoder->Finish();
		EXPECT_EQ(sink.log, Decode(s.body, s.format, s.row_element).log) << s.name;
	}
}

/* ------------------------------------------------------------------ truncation */

TEST(CodecTruncation, EveryCutPointFails)
{
	for (const Sample &s : AllSamples()) {
		if (s.body.size() > 8000)
			continue;
		SCOPED_TRACE(s.name);
		for (size_t cut = 0; cut < s.body.size(); ++cut) {
			std::string_view head(s.body.data(), cut);
			Outcome o = Decode(head, s.format, s.row_element);
			if (AllBlank(std::string_view(s.body).substr(cut))) {
				EXPECT_TRUE(o.ok) << "cut at " << cut;
				continue;
			}
			ASSERT_FALSE(o.ok) << "cut at " << cut;
			ASSERT_EQ(o.kind, ErrorKind::Protocol) << "cut at " << cut;
			ASSERT_TRUE(o.thrown_at_finish) << "cut at " << cut << ": " << o.message;
			if (cut > 0 && !AllBlank(head)) {
				ASSERT_EQ(o.message, "truncated ORCA response") << "cut at " << cut << ": " << o.detail;
			}
			ExpectMessageStyle(o);
		}
	}
}

TEST(CodecTruncation, ByteByByteCutsFail)
{
	for (const auto &[body, format] : {std::pair{kSmallXml, WireFormat::Xml}, std::pair{kSmallJson, WireFormat::Json}}) {
		for (size_t cut = 1; cut + 1 < body.size(); cut += 3) {
			Outcome o = DecodeBytewise(std::string_view(body).substr(0, cut), format, "Patient_Information");
			ASSERT_FALSE(o.ok) << cut;
			ASSERT_EQ(o.message, "truncated ORCA response") << cut;
		}
	}
}

TEST(CodecTruncation, RowsBeforeTheCutAreDelivered)
{
	std::string body = PatientLst1Xml(10);
	size_t cut = body.find("<Patient_ID type=\"string\">00006");
	Outcome o = Decode(std::string_view(body).substr(0, cut), WireFormat::Xml, "Patient_Information");
	EXPECT_FALSE(o.ok);
	EXPECT_EQ(o.rows, 5u);
}

/* ------------------------------------------------------------------ malformed XML */

TEST(CodecXml, Malformed)
{
	const std::vector<std::string> bad = {
		R"(<xmlio2><r type="record"></xmlio2>)",
		R"(<xmlio2><r type="record"><a type="string">1</b></r></xmlio2>)",
		R"(<xmlio2><r type="record"/></xmlio2><extra/>)",
		R"(<xmlio2><r type="record"/></xmlio2>trailing)",
		R"(<xmlio2 <r/></xmlio2>)",
		R"(<xmlio2><r type="record"><a type="string">&undefined;</a></r></xmlio2>)",
		R"(<xmlio2><r type="record"><a type="string">&#0;</a></r></xmlio2>)",
		R"(<xmlio2><r type="record"><a type="string">a < b</a></r></xmlio2>)",
		R"(<xmlio2><r type="record"><a type='string' type='record'/></r></xmlio2>)",
		R"(<xmlio2><r type="record"><x:a type="string">1</x:a></r></xmlio2>)",
		std::string("<xmlio2><r type=\"record\"><a type=\"string\">\x82\xa0SECRET</a></r></xmlio2>"),
		std::string("<xmlio2><r type=\"record\"><a type=\"string\">x\x01y</a></r></xmlio2>"),
		std::string("<xmlio2><r type=\"record\"><a type=\"string\">x") + '\0' + "y</a></r></xmlio2>",
		"not xml at all",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><?xml version=\"1.0\"?><xmlio2/>",
	};
	for (const std::string &body : bad) {
		SCOPED_TRACE(body);
		Outcome o = Decode(body, WireFormat::Xml, "a");
		EXPECT_FALSE(o.ok);
		EXPECT_EQ(o.kind, ErrorKind::Protocol);
		ExpectMessageStyle(o);
		EXPECT_EQ(o.detail.find("SECRET"), std::string::npos) << o.detail;
		EXPECT_EQ(o.detail.find("0x82"), std::string::npos) << o.detail;
		Outcome b = DecodeBytewise(body, WireFormat::Xml, "a");
		EXPECT_FALSE(b.ok);
		EXPECT_EQ(b.kind, ErrorKind::Protocol);
	}
	Outcome o = Decode(R"(<xmlio2><r type="record"><a type="string">1</b></r></xmlio2>)", WireFormat::Xml);
	EXPECT_EQ(o.message, "malformed XML in ORCA response");
	EXPECT_NE(o.detail.find("line 1"), std::string::npos) << o.detail;
}

TEST(CodecXml, ErrorsDoNotLeakBodyContent)
{
	std::string body = "<xmlio2><r type=\"record\"><WholeName type=\"string\">架空　花子 SECRET</WholeName>"
	                   "<Bad type=\"string\">\xff\xfe</Bad></r></xmlio2>";
	Outcome o = Decode(body, WireFormat::Xml);
	ASSERT_FALSE(o.ok);
	EXPECT_EQ(o.detail.find("SECRET"), std::string::npos);
	EXPECT_EQ(o.detail.find("花子"), std::string::npos);
	EXPECT_EQ(o.detail.find("0xFF"), std::string::npos) << o.detail;
	ExpectMessageStyle(o);
	Outcome j = Decode("{\"r\": {\"WholeName\": \"SECRET\", \"x\": \"\xff\"}}", WireFormat::Json);
	ASSERT_FALSE(j.ok);
	EXPECT_EQ(j.detail.find("SECRET"), std::string::npos);
	ExpectMessageStyle(j);
}

TEST(CodecXml, BodiesAreUtf8WhateverTheyDeclare)
{
	/* the declaration is ignored: UTF-8 content labelled otherwise decodes */
	for (const char *encoding : {"Shift_JIS", "EUC-JP", "UTF-16", "ISO-8859-1", "bogus"}) {
		std::string body = std::string("<?xml version=\"1.0\" encoding=\"") + encoding +
		                   "\"?><xmlio2><r type=\"record\"><a type=\"string\">架空　花子</a></r></xmlio2>";
		Outcome o = Decode(body, WireFormat::Xml);
		EXPECT_TRUE(o.ok) << encoding << ": " << o.message << ": " << o.detail;
		EXPECT_EQ(o.log, "F a=架空　花子\n") << encoding;
	}
	/* bytes that are not UTF-8 are refused, never converted */
	const std::vector<std::string> bad = {
		"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><xmlio2><r type=\"record\"><a type=\"string\">\x89\xcb\x8b\xf3</a></r></xmlio2>",
		"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><xmlio2><r type=\"record\"><a type=\"string\">\xb2\xcd\xb6\xf5</a></r></xmlio2>",
		std::string("\xff\xfe<\0x\0m\0l\0i\0o\0\x32\0/\0>\0", 20),
		std::string("<\0x\0m\0l\0i\0o\0\x32\0/\0>\0", 18),
		std::string("\0\0\0<\0\0\0x", 8),
	};
	for (const std::string &body : bad) {
		Outcome o = Decode(body, WireFormat::Xml);
		EXPECT_FALSE(o.ok);
		EXPECT_EQ(o.kind, ErrorKind::Protocol);
		EXPECT_TRUE(o.log.empty());
		Outcome b = DecodeBytewise(body, WireFormat::Xml);
		EXPECT_FALSE(b.ok);
		EXPECT_TRUE(b.log.empty());
	}
}

/* libxml2 shares the backend with PostgreSQL: whatever the body, it must not
 * print (its global error handlers must never be reached). */
TEST(CodecXml, LibxmlPrintsNothing)
{
	const std::vector<std::string> bodies = {
		"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><xmlio2><r type=\"record\"><a type=\"string\">\xff\xff\xff</a></r></xmlio2>",
		"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><xmlio2>\x82\xa0</xmlio2>",
		"<?xml version=\"1.0\" encoding=\"UTF-16\"?><xmlio2/>",
		"<?xml version=\"1.0\" encoding=\"bogus\"?><xmlio2/>",
		std::string("\xff\xfe<\0x\0", 6) + std::string("\0\xd8\0\0", 4),
		std::string("<\0?\0x\0m\0l\0 \0v\0", 14) + std::string("\0\xd8\0\0", 4),
		std::string("\0\0\0<\0\0\0a", 8),
		"<?xml version=\"1.1\"?><xmlio2><r type=\"record\"/></xmlio2>",
		"<xmlio2 xmlns=\"not-absolute\"><r type=\"record\"/></xmlio2>",
		"<xmlio2><r type=\"record\"><a type=\"string\">1</b></r></xmlio2>",
		"<xmlio2><r type=\"record\"><a type=\"string\">\x82\xa0</a></r></xmlio2>",
		"<xmlio2><r type=\"record\"><a type=\"string\">&nope;</a></r></xmlio2>",
		"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xmlio2>&e;</xmlio2>",
		"<xmlio2><r type=\"record\"><x:a>1</x:a></r></xmlio2>",
		"<xmlio2><r type=\"record\"/>",
	};
	std::fflush(stderr);
	int saved = dup(2);
	ASSERT_GE(saved, 0);
	FILE *capture = std::tmpfile();
	ASSERT_NE(capture, nullptr);
	dup2(fileno(capture), 2);
	for (const std::string &body : bodies) {
		Decode(body, WireFormat::Xml, "a");
		DecodeBytewise(body, WireFormat::Xml, "a");
		Decode(body, WireFormat::Auto, "a");
	}
	std::fflush(stderr);
	dup2(saved, 2);
	close(saved);
	std::string printed;
	std::rewind(capture);
	char buf[256];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), capture)) > 0)
		printed.append(buf, n);
	std::fclose(capture);
	EXPECT_EQ(printed, "");
}

/* ------------------------------------------------------------------ hostile XML */

TEST(CodecXml, RefusesDoctypeAndEntities)
{
	const std::vector<std::string> hostile = {
		/* billion laughs */
		R"(<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xmlio2><r type="record"><a type="string">&lol9;</a></r></xmlio2>)",
		/* external entity (XXE) */
		R"(<?xml version="1.0"?><!DOCTYPE xmlio2 [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xmlio2><r type="record"><a type="string">&xxe;</a></r></xmlio2>)",
		/* external DTD */
		R"(<!DOCTYPE xmlio2 SYSTEM "http://127.0.0.1:1/evil.dtd"><xmlio2><r type="record"/></xmlio2>)",
		/* parameter entity */
		R"(<!DOCTYPE xmlio2 [<!ENTITY % pe SYSTEM "http://127.0.0.1:1/pe"> %pe;]><xmlio2><r type="record"/></xmlio2>)",
		/* a harmless-looking DOCTYPE is refused as well */
		R"(<!DOCTYPE xmlio2><xmlio2><r type="record"/></xmlio2>)",
		R"(<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xmlio2 PUBLIC "-//X//Y" "y.dtd" [ <!ATTLIST xmlio2 type CDATA "record"> ]><xmlio2/>)",
	};
	for (const std::string &body : hostile) {
		SCOPED_TRACE(body);
		Outcome o = Decode(body, WireFormat::Xml, "a");
		ExpectProtocol(o, "response from ORCA contains a DOCTYPE declaration");
		EXPECT_TRUE(o.log.empty());
		EXPECT_FALSE(o.thrown_at_finish);
		ExpectMessageStyle(o);
		Outcome b = DecodeBytewise(body, WireFormat::Xml, "a");
		ExpectProtocol(b, "response from ORCA contains a DOCTYPE declaration");
		Outcome a = Decode(body, WireFormat::Auto, "a");
		ExpectProtocol(a, "response from ORCA contains a DOCTYPE declaration");
	}
	/* a DOCTYPE after the root is simply not well-formed */
	ExpectProtocol(Decode(R"(<xmlio2><r type="record"/></xmlio2><!DOCTYPE x>)", WireFormat::Xml),
	               "malformed XML in ORCA response");
}

TEST(CodecXml, ErrorIsStickyAndNoMoreSinkCalls)
{
	RecordingSink sink;
	auto decoder = Decoder::Create(WireFormat::Xml, "", sink);
	std::string bad = R"(<!DOCTYPE x []><xmlio2><r type="record"><a type="string">1</a></r></xmlio2>)";
	EXPECT_THROW(decoder->Feed(bad.data(), bad.size()), core::Error);
	EXPECT_THROW(decoder->Feed("<a/>", 4), core::Error);
	EXPECT_THROW(decoder->Finish(), core::Error);
	EXPECT_TRUE(sink.log.empty());
}

/* ------------------------------------------------------------------ limits */

std::string
NestedXml(size_t levels)
{
	/* xmlio2 and the record are two levels; the rest nest below */
	std::string body = "<xmlio2><r type=\"record\">";
	for (size_t i = 2; i < levels; ++i)
		body += "<n type=\"record\">";
	body += "<leaf type=\"string\">x</leaf>";
	for (size_t i = 2; i < levels; ++i)
		body += "</n>";
	body += "</r></xmlio2>";
	return body;
}

std::string
NestedJson(size_t levels)
{
	std::string body = "{\"r\": ";
	for (size_t i = 2; i < levels; ++i)
		body += (i % 2 == 0) ? "{\"n\": " : "[";
	body += "{\"leaf\": \"x\"}";
	for (size_t i = levels; i-- > 2;)
		body += (i % 2 == 0) ? "}" : "]";
	body += "}";
	return body;
}

TEST(CodecLimits, Depth)
{
	DecoderLimits limits;
	limits.max_depth = 8;
	/* `levels` elements above the leaf, plus the leaf itself */
	for (const auto &make : {&NestedXml, &NestedJson}) {
		WireFormat format = make == &NestedXml ? WireFormat::Xml : WireFormat::Json;
		Outcome ok = Decode(make(7), format, "", limits);
		EXPECT_TRUE(ok.ok) << ok.message << ": " << ok.detail;
		Outcome deep = Decode(make(8), format, "", limits);
		ExpectProtocol(deep, "nesting too deep in ORCA response");
		ExpectMessageStyle(deep);
		EXPECT_NE(deep.detail.find("limit of 8"), std::string::npos) << deep.detail;
		ExpectProtocol(DecodeBytewise(make(8), format, "", limits), "nesting too deep in ORCA response");
		/* the default limit (64), far exceeded: no recursion, no crash */
		ExpectProtocol(Decode(make(100000), format), "nesting too deep in ORCA response");
		/* inside a row */
		ExpectProtocol(Decode(make(100), format, "n"), "nesting too deep in ORCA response");
	}
	ExpectProtocol(Decode("{\"r\": {\"a\": " + Repeat("[", 100000), WireFormat::Json),
	               "nesting too deep in ORCA response");
}

TEST(CodecLimits, ValueSize)
{
	DecoderLimits limits;
	limits.max_value_bytes = 16;
	std::string exact(16, 'v');
	std::string over(17, 'v');
	auto xml = [](const std::string &v) {
		return "<xmlio2><r type=\"record\"><a type=\"string\">" + v + "</a><P type=\"record\"><b type=\"string\">" +
		       v + "</b></P></r></xmlio2>";
	};
	auto json = [](const std::string &v) { return "{\"r\": {\"a\": \"" + v + "\", \"P\": {\"b\": \"" + v + "\"}}}"; };
	for (const std::string &row : {std::string(), std::string("P")}) {
		EXPECT_TRUE(Decode(xml(exact), WireFormat::Xml, row, limits).ok);
		EXPECT_TRUE(Decode(json(exact), WireFormat::Json, row, limits).ok);
		EXPECT_TRUE(DecodeBytewise(xml(exact), WireFormat::Xml, row, limits).ok);
		EXPECT_TRUE(DecodeBytewise(json(exact), WireFormat::Json, row, limits).ok);
		ExpectProtocol(Decode(xml(over), WireFormat::Xml, row, limits), "value too long in ORCA response");
		ExpectProtocol(Decode(json(over), WireFormat::Json, row, limits), "value too long in ORCA response");
		ExpectProtocol(DecodeBytewise(xml(over), WireFormat::Xml, row, limits), "value too long in ORCA response");
		ExpectProtocol(DecodeBytewise(json(over), WireFormat::Json, row, limits), "value too long in ORCA response");
	}
	/* limit counts bytes after unescaping; escapes and entities included */
	EXPECT_TRUE(Decode("{\"r\": {\"a\": \"" + Repeat("\\u3042", 5) + "\"}}", WireFormat::Json, "", limits).ok);
	ExpectProtocol(Decode("{\"r\": {\"a\": \"" + Repeat("\\u3042", 6) + "\"}}", WireFormat::Json, "", limits),
	               "value too long in ORCA response");
	ExpectProtocol(Decode("<xmlio2><r type=\"record\"><a type=\"string\">" + Repeat("&amp;", 17) + "</a></r></xmlio2>",
	                      WireFormat::Xml, "", limits),
	               "value too long in ORCA response");
	/* numbers and keys too */
	ExpectProtocol(Decode("{\"r\": {\"a\": " + std::string(17, '1') + "}}", WireFormat::Json, "", limits),
	               "value too long in ORCA response");
	ExpectProtocol(Decode("{\"r\": {\"" + std::string(17, 'k') + "\": \"x\"}}", WireFormat::Json, "", limits),
	               "value too long in ORCA response");
	/* text of an untyped element counts while its kind is still unknown */
	ExpectProtocol(Decode("<xmlio2><r><a>" + over + "<b>1</b></a></r></xmlio2>", WireFormat::Xml, "", limits),
	               "value too long in ORCA response");
	/* whitespace between elements does not count */
	EXPECT_TRUE(Decode("<xmlio2><r type=\"record\">" + std::string(100, ' ') + "<a type=\"string\">x</a></r></xmlio2>",
	                   WireFormat::Xml, "", limits)
	                .ok);
	/* the default limit (1 MiB) */
	std::string huge(size_t{1} << 21, 'x');
	ExpectProtocol(Decode("<xmlio2><r type=\"record\"><a type=\"string\">" + huge + "</a></r></xmlio2>", WireFormat::Xml),
	               "value too long in ORCA response");
	ExpectProtocol(Decode("{\"r\": {\"a\": \"" + huge + "\"}}", WireFormat::Json), "value too long in ORCA response");
}

/* Issue 8 item 15: a body of many small elements must not become many
 * times its size in memory. */
TEST(CodecLimits, ElementCount)
{
	DecoderLimits limits;
	limits.max_elements = 10;
	auto xml_row = [](int leaves) {
		std::string out = "<xmlio2><r type=\"record\"><Api_Result type=\"string\">00</Api_Result>"
		                  "<P type=\"record\">";
		for (int i = 0; i < leaves; i++)
			out += "<a type=\"string\"/>";
		return out + "</P></r></xmlio2>";
	};
	auto json_row = [](int numbers) {
		std::string out = "{\"r\": {\"Api_Result\": \"00\", \"P\": {\"a\": [";
		for (int i = 0; i < numbers; i++)
			out += i ? ",1" : "1";
		return out + "]}}}";
	};
	/* the field, the row and 8 values: 10 */
	EXPECT_TRUE(Decode(xml_row(8), WireFormat::Xml, "P", limits).ok);
	Outcome over = Decode(xml_row(9), WireFormat::Xml, "P", limits);
	ExpectProtocol(over, "too many elements in ORCA response");
	ExpectMessageStyle(over);
	EXPECT_NE(over.detail.find("more than 10 elements"), std::string::npos) << over.detail;
	ExpectProtocol(DecodeBytewise(xml_row(9), WireFormat::Xml, "P", limits), "too many elements in ORCA response");
	/* the field, the row, the array and 7 numbers: 10 */
	EXPECT_TRUE(Decode(json_row(7), WireFormat::Json, "P", limits).ok);
	ExpectProtocol(Decode(json_row(8), WireFormat::Json, "P", limits), "too many elements in ORCA response");
	/* fields outside rows count too */
	std::string fields = "<xmlio2><r type=\"record\">" + Repeat("<a type=\"string\">1</a>", 11) + "</r></xmlio2>";
	ExpectProtocol(Decode(fields, WireFormat::Xml, "P", limits), "too many elements in ORCA response");
	/* empty-object padding is dropped, so it does not count */
	std::string padded = "{\"r\": {\"P\": [{\"a\": \"1\"}" + Repeat(", {}", 1000) + "]}}";
	Outcome ok = Decode(padded, WireFormat::Json, "P", limits);
	EXPECT_TRUE(ok.ok) << ok.message;
	EXPECT_EQ(ok.rows, 1u);
	padded = "{\"r\": {\"P\": {\"L\": [\"1\"" + Repeat(", {}", 1000) + "]}}}";
	EXPECT_TRUE(Decode(padded, WireFormat::Json, "P", limits).ok);
}

TEST(CodecLimits, TextBytes)
{
	DecoderLimits limits;
	limits.max_text_bytes = 64;
	auto xml = [](const std::string &inner) { return "<xmlio2><r type=\"record\">" + inner + "</r></xmlio2>"; };
	EXPECT_TRUE(Decode(xml("<P type=\"record\"><a type=\"string\">" + std::string(63, 'v') + "</a></P>"),
	                   WireFormat::Xml, "P", limits)
	                .ok);
	Outcome over = Decode(xml("<P type=\"record\"><a type=\"string\">" + std::string(64, 'v') + "</a></P>"),
	                      WireFormat::Xml, "P", limits);
	ExpectProtocol(over, "too much text in ORCA response");
	ExpectMessageStyle(over);
	/* a field's path repeats its ancestors' names: long names deep down
	 * count once per field, not once per body */
	std::string deep = "<" + std::string(30, 'n') + " type=\"record\">" + Repeat("<b type=\"string\"/>", 2) + "</" +
	                   std::string(30, 'n') + ">";
	EXPECT_TRUE(Decode(xml(deep), WireFormat::Xml, "", limits).ok);
	deep = "<" + std::string(30, 'n') + " type=\"record\">" + Repeat("<b type=\"string\"/>", 3) + "</" +
	       std::string(30, 'n') + ">";
	ExpectProtocol(Decode(xml(deep), WireFormat::Xml, "", limits), "too much text in ORCA response");
}

/* hsconfwardv2's ward list at every array's declared maximum (50 wards, each
 * with 200 rooms and 30 add-ons): the largest answer ORCA can give, 38 650
 * elements, decodes within the default limits. */
TEST(CodecLimits, DefaultsAdmitTheLargestRealAnswer)
{
	auto triple = [](const char *name) {
		return std::string("<") + name + " type=\"record\"><Label type=\"string\">ラベル</Label><Data type=\"string\">" +
		       "190000000</Data><Name type=\"string\">名称名称名称名称</Name></" + name + ">";
	};
	std::string ward = "<Ward_Configuration_child type=\"record\"><Start_Date type=\"string\">2020-04-01</Start_Date>"
	                   "<End_Date type=\"string\">9999-12-31</End_Date>";
	for (const char *pair : {"Ward_Number", "Ward_Name", "Ward_Short_Name"})
		ward += std::string("<") + pair + " type=\"record\"><Label type=\"string\">病棟</Label><Data type=\"string\">"
		        "01</Data></" + pair + ">";
	for (const char *t : {"Ward_Type", "Department_Code", "Specific_Hospital_Charge", "Hospital_Charge",
	                      "Night_Shift_Overtime"})
		ward += triple(t);
	ward += "<Additional_Hospital_Charge type=\"array\">" + Repeat(triple("Additional_Hospital_Charge_child"), 20) +
	        "</Additional_Hospital_Charge>";
	ward += "<User_Additional_Hospital_Charge type=\"array\">" +
	        Repeat(triple("User_Additional_Hospital_Charge_child"), 10) + "</User_Additional_Hospital_Charge>";
	ward += "<Over180days_Hospital_Stay_Charges type=\"record\"><Label type=\"string\">選定入院料</Label>" +
	        triple("Calculation_Type") + triple("Consumption_Tax") + triple("Value_Per_Day") +
	        triple("Value_Per_Day_Late_Elderly") + "</Over180days_Hospital_Stay_Charges>";
	ward += "<Room_Number type=\"array\">" +
	        Repeat("<Room_Number_child type=\"record\"><Label type=\"string\">病室番号</Label>"
	               "<Data type=\"string\">301</Data></Room_Number_child>",
	               200) +
	        "</Room_Number></Ward_Configuration_child>";
	std::string body = "<xmlio2><private_objects type=\"record\"><Information_Date type=\"string\">2026-11-25"
	                   "</Information_Date><Api_Result type=\"string\">00</Api_Result><Ward_Configuration "
	                   "type=\"array\">" +
	                   Repeat(ward, 50) + "</Ward_Configuration></private_objects></xmlio2>";
	struct Count : core::RowSink {
		size_t elements = 0;
		void OnField(const std::string &, const std::string &) override { elements++; }
		void OnRow(Node &&row) override { Add(row); }
		void Add(const Node &n)
		{
			elements++;
			for (const auto &c : n.children)
				Add(c.second);
		}
	} sink;
	auto decoder = Decoder::Create(WireFormat::Xml, "Ward_Configuration", sink);
	decoder->Feed(body.data(), body.size());
	decoder->Finish();
	EXPECT_EQ(sink.elements, 2u + 50u * 773u);
	EXPECT_LT(sink.elements * 2, DecoderLimits().max_elements) << "a margin over the largest answer";
}

/* 8 MB of empty elements in one row, and 8 MB of JSON numbers: refused
 * early, with the decoded form far below 64 MB (before the limits: ~200 MB
 * and ~400 MB). */
TEST(CodecLimits, HostileBodiesStopEarly)
{
	std::string xml = "<xmlio2><r type=\"record\"><Api_Result type=\"string\">00</Api_Result><P type=\"record\">" +
	                  Repeat("<a type=\"string\"/>", (8 << 20) / 18) + "</P></r></xmlio2>";
	std::string json = "{\"r\": {\"Api_Result\": \"00\", \"P\": {\"a\": [1" + Repeat(",1", 4 << 20) + "]}}}";
	for (const std::string *body : {&xml, &json}) {
		WireFormat format = body == &xml ? WireFormat::Xml : WireFormat::Json;
		struct Keep : core::RowSink {
			std::vector<Node> rows;
			void OnField(const std::string &, const std::string &) override {}
			void OnRow(Node &&row) override { rows.push_back(std::move(row)); }
		} sink;
		size_t baseline = AllocatedBytes(), peak = baseline;
		auto decoder = Decoder::Create(format, "P", sink);
		std::string message;
		try {
			for (size_t at = 0; at < body->size(); at += 16384) {
				decoder->Feed(body->data() + at, std::min<size_t>(16384, body->size() - at));
				peak = std::max(peak, AllocatedBytes());
			}
			decoder->Finish();
		} catch (const core::Error &e) {
			message = e.message;
		}
		EXPECT_EQ(message, "too many elements in ORCA response");
		std::printf("[ memory   ] %s: peak heap growth %zu kB for a %zu kB body\n",
		            format == WireFormat::Xml ? "xml2" : "json", (peak - baseline) >> 10, body->size() >> 10);
		EXPECT_LT(peak - baseline, size_t{32} << 20);
	}
}

/* ------------------------------------------------------------------ throwing sinks */

class ThrowingSink : public core::RowSink {
public:
	enum class Mode { ErrorOnSecondRow, RuntimeOnSecondRow, ErrorOnField };
	explicit ThrowingSink(Mode mode) : mode_(mode) {}
	void OnField(const std::string &path, const std::string &) override
	{
		++fields;
		if (mode_ == Mode::ErrorOnField && path == "Reskey")
			throw core::Error(ErrorKind::ApiResult, "ORCA refused the request", "Api_Result was 10.");
	}
	void OnRow(Node &&) override
	{
		++rows;
		if (rows == 2 && mode_ == Mode::ErrorOnSecondRow)
			throw core::Error(ErrorKind::InvalidValue, "bad value in row");
		if (rows == 2 && mode_ == Mode::RuntimeOnSecondRow)
			throw std::runtime_error("sink failure");
	}
	int fields = 0;
	int rows = 0;

private:
	Mode mode_;
};

TEST(CodecSink, ErrorsFromTheSinkPropagate)
{
	std::string xml = PatientLst1Xml(5);
	std::string json = PatientLst1Json(5);
	for (const auto &[body, format] : {std::pair{xml, WireFormat::Xml}, std::pair{json, WireFormat::Json}}) {
		for (bool bytewise : {false, true}) {
			SCOPED_TRACE(std::string(format == WireFormat::Xml ? "xml" : "json") + (bytewise ? " bytewise" : ""));
			ThrowingSink sink(ThrowingSink::Mode::ErrorOnSecondRow);
			auto decoder = Decoder::Create(format, "Patient_Information", sink);
			bool caught = false;
			try {
				if (bytewise) {
					for (char c : body)
						decoder->Feed(&c, 1);
				} else {
					decoder->Feed(body.data(), body.size());
				}
			} catch (const core::Error &e) {
				caught = true;
				EXPECT_EQ(e.kind, ErrorKind::InvalidValue);
				EXPECT_EQ(e.message, "bad value in row");
			}
			EXPECT_TRUE(caught);
			EXPECT_EQ(sink.rows, 2);
			/* the decoder is dead: the same error again, no more sink calls */
			try {
				decoder->Feed(body.data(), body.size());
				ADD_FAILURE() << "no exception";
			} catch (const core::Error &e) {
				EXPECT_EQ(e.kind, ErrorKind::InvalidValue);
			}
			EXPECT_THROW(decoder->Finish(), core::Error);
			EXPECT_EQ(sink.rows, 2);
		}

		ThrowingSink runtime(ThrowingSink::Mode::RuntimeOnSecondRow);
		auto decoder = Decoder::Create(format, "Patient_Information", runtime);
		EXPECT_THROW(decoder->Feed(body.data(), body.size()), std::runtime_error);
		EXPECT_THROW(decoder->Finish(), std::runtime_error);

		ThrowingSink field(ThrowingSink::Mode::ErrorOnField);
		decoder = Decoder::Create(format, "Patient_Information", field);
		try {
			decoder->Feed(body.data(), body.size());
			ADD_FAILURE() << "no exception";
		} catch (const core::Error &e) {
			EXPECT_EQ(e.kind, ErrorKind::ApiResult);
			EXPECT_EQ(e.detail, "Api_Result was 10.");
		}
		EXPECT_EQ(field.rows, 0);
	}
}

TEST(CodecSink, SinkMayMoveFromTheRow)
{
	class MovingSink : public core::RowSink {
	public:
		void OnField(const std::string &, const std::string &) override {}
		void OnRow(Node &&row) override
		{
			Node taken = std::move(row);
			ids.push_back(*taken.StringAt("Patient_ID"));
		}
		std::vector<std::string> ids;
	} sink;
	std::string body = PatientLst1Xml(3);
	auto decoder = Decoder::Create(WireFormat::Xml, "Patient_Information", sink);
	decoder->Feed(body.data(), body.size());
	decoder->Finish();
	EXPECT_EQ(sink.ids, (std::vector<std::string>{"00001", "00002", "00003"}));
}

TEST(CodecApi, FeedAfterFinish)
{
	RecordingSink sink;
	auto decoder = Decoder::Create(WireFormat::Json, "", sink);
	decoder->Feed(kSmallJson.data(), kSmallJson.size());
	decoder->Finish();
	decoder->Finish(); /* harmless */
	try {
		decoder->Feed("{", 1);
		ADD_FAILURE() << "no exception";
	} catch (const core::Error &e) {
		EXPECT_EQ(e.kind, ErrorKind::Internal);
	}
	auto xml = Decoder::Create(WireFormat::Xml, "", sink);
	xml->Feed(kSmallXml.data(), kSmallXml.size());
	xml->Finish();
	EXPECT_THROW(xml->Feed("<", 1), core::Error);
}

/* ------------------------------------------------------------------ streaming */

class CountingSink : public core::RowSink {
public:
	void OnField(const std::string &, const std::string &) override {}
	void OnRow(Node &&row) override
	{
		++rows;
		bytes += row.children.size();
		size_t now = AllocatedBytes();
		if (now > peak)
			peak = now;
	}
	size_t rows = 0;
	size_t bytes = 0;
	size_t peak = 0;
};

TEST(CodecStreaming, RowsComeOutWhileFeeding)
{
	for (WireFormat format : {WireFormat::Xml, WireFormat::Json}) {
		std::string body = format == WireFormat::Xml ? PatientLst1Xml(2000) : PatientLst1Json(2000);
		CountingSink sink;
		auto decoder = Decoder::Create(format, "Patient_Information", sink);
		size_t half = body.size() / 2;
		for (size_t at = 0; at < half; at += 4096)
			decoder->Feed(body.data() + at, std::min<size_t>(4096, half - at));
		EXPECT_GT(sink.rows, 900u);
		EXPECT_LT(sink.rows, 1100u);
		decoder->Feed(body.data() + half, body.size() - half);
		decoder->Finish();
		EXPECT_EQ(sink.rows, 2000u);
	}
}

TEST(CodecStreaming, MemoryStaysFlat)
{
	for (WireFormat format : {WireFormat::Xml, WireFormat::Json}) {
		size_t growth[2] = {0, 0};
		size_t sizes[2] = {500, 10000};
		for (int i = 0; i < 2; ++i) {
			std::string body = format == WireFormat::Xml ? PatientLst1Xml(sizes[i]) : PatientLst1Json(sizes[i]);
			CountingSink sink;
			/* 10 000 rows are more than one ORCA answer holds (and than the
			 * per-response limits allow): lifted, to see the streaming alone */
			DecoderLimits unlimited;
			unlimited.max_elements = unlimited.max_text_bytes = SIZE_MAX;
			auto decoder = Decoder::Create(format, "Patient_Information", sink, unlimited);
			size_t baseline = AllocatedBytes();
			for (size_t at = 0; at < body.size(); at += 16384)
				decoder->Feed(body.data() + at, std::min<size_t>(16384, body.size() - at));
			decoder->Finish();
			ASSERT_EQ(sink.rows, sizes[i]);
			growth[i] = sink.peak > baseline ? sink.peak - baseline : 0;
			if (i == 1) {
				EXPECT_GT(body.size(), size_t{2} << 20);
			}
		}
		std::printf("[ memory   ] %s: peak heap growth %zu bytes for %zu rows, %zu bytes for %zu rows\n",
		            format == WireFormat::Xml ? "xml2" : "json", growth[0], sizes[0], growth[1], sizes[1]);
		/* 20 times the rows, (nearly) the same footprint: well under the body size */
		EXPECT_LT(growth[1], size_t{512} << 10) << "500 rows: " << growth[0] << " bytes, 10000 rows: " << growth[1];
		EXPECT_LT(growth[1], growth[0] + (size_t{256} << 10));
	}
}

/* ------------------------------------------------------------------ throughput */

TEST(CodecPerf, PatientLst1ThousandRows)
{
	for (WireFormat format : {WireFormat::Xml, WireFormat::Json}) {
		std::string body = format == WireFormat::Xml ? PatientLst1Xml(1000) : PatientLst1Json(1000);
		const int rounds = 20;
		double best = 1e9;
		double total = 0;
		for (int r = 0; r < rounds; ++r) {
			auto start = std::chrono::steady_clock::now();
			CountingSink sink;
			auto decoder = Decoder::Create(format, "Patient_Information", sink);
			for (size_t at = 0; at < body.size(); at += 16384)
				decoder->Feed(body.data() + at, std::min<size_t>(16384, body.size() - at));
			decoder->Finish();
			double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
			ASSERT_EQ(sink.rows, 1000u);
			best = std::min(best, seconds);
			total += seconds;
		}
		/* the best round: the machine may be shared */
		std::printf("[ perf     ] %s: %zu bytes, best %.2f ms (mean %.2f ms) per body, %.1f MB/s\n",
		            format == WireFormat::Xml ? "xml2" : "json", body.size(), best * 1000, total * 1000 / rounds,
		            static_cast<double>(body.size()) / best / 1e6);
		/* generous: sanitizer builds are much slower */
		EXPECT_LT(best, 2.0);
	}
}

} // namespace
