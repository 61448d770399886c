/*
 * send_test.cpp — core::Sender (core/registration/send.hpp): one
 * registration is the audit's "sent" line, the call, the "result" line and
 * the ledger, in that order, in one call; nothing is sent when the "sent"
 * line cannot be written.  Against the loopback TestHttpServer and a sink
 * that records (or refuses) lines.
 */
#include "core/catalog.hpp"
#include "core/registry.hpp"
#include "core/registration/builders.hpp"
#include "core/registration/send.hpp"
#include "core/registry.hpp"

#include "test_http_server.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

namespace orca_fdw::core {
namespace {

using test::TestHttpServer;
using test::TestRequest;
using test::TestResponse;

class NeverCancel final : public CancelToken {
public:
	bool Cancelled() const noexcept override { return false; }
};

/* Records each line with the number of requests the server had seen when
 * it was written; refuses the lines numbered in `refuse` (1-based). */
class RecordingSink final : public AuditSink {
public:
	explicit RecordingSink(const TestHttpServer &server, std::vector<int> refuse = {})
		: server_(server), refuse_(std::move(refuse))
	{
	}
	bool Append(const std::string &line, AuditFailure *failure) noexcept override
	{
		int n = ++appends;
		for (int r : refuse_)
			if (r == n) {
				failure->step = "write";
				failure->error = ENOSPC;
				return false;
			}
		lines.push_back(line);
		requests_seen.push_back(server_.RequestCount());
		return true;
	}

	int appends = 0;
	std::vector<std::string> lines;
	std::vector<int> requests_seen;

private:
	const TestHttpServer &server_;
	std::vector<int> refuse_;
};

const ResourceDef &
Patients()
{
	const ResourceDef *r = FindResource("patients");
	EXPECT_NE(r, nullptr);
	return *r;
}

Registration
NewPatient()
{
	const ResourceDef &r = Patients();
	RowImage row(r.columns.size());
	for (ColumnValue &v : row)
		v.present = true;
	for (auto [column, text] : std::vector<std::pair<const char *, const char *>>{
	         {"whole_name", "試験　太郎"}, {"whole_name_in_kana", "シケン　タロウ"}, {"birth_date", "1980-01-02"}, {"sex", "1"}}) {
		row[r.FindColumn(column)].isnull = false;
		row[r.FindColumn(column)].text = text;
	}
	return BuildPatientInsert(r, row, "2026-11-25", "patients");
}

std::string
Answer(const std::string &code, const std::string &id, const std::string &extra = "")
{
	return "<xmlio2><patientmodres type=\"record\"><Api_Result type=\"string\">" + code +
	       "</Api_Result><Api_Result_Message type=\"string\">登録終了</Api_Result_Message>" + extra +
	       "<Patient_Information type=\"record\"><Patient_ID type=\"string\">" + id +
	       "</Patient_ID></Patient_Information></patientmodres></xmlio2>";
}

struct Fixture {
	explicit Fixture(TestHttpServer::Handler handler) : server(std::move(handler))
	{
		ServerConfig cfg;
		cfg.base_url = server.Url();
		cfg.breaker_failures = 0;
		cfg.request_timeout_ms = 5000;
		client = std::make_shared<HttpClient>(cfg);
		target.client = client.get();
		target.cancel = &cancel;
		target.audit = AuditContext{"", "db", "alice", "orca", "patients", "immediate"};
		target.level = 1;
	}
	TestHttpServer server;
	std::shared_ptr<HttpClient> client;
	NeverCancel cancel;
	SendTarget target;
};

TEST(Send, SentLineBeforeTheCallResultLineAfterThenTheLedger)
{
	Fixture f([](const TestRequest &) { return TestResponse::Ok(Answer("00", "20001")); });
	RecordingSink sink(f.server);
	Sender sender(sink, "4242");
	SendReport report = sender.Send(f.target, NewPatient());

	EXPECT_TRUE(report.sent);
	EXPECT_TRUE(report.Registered());
	EXPECT_FALSE(report.result_unrecorded);
	EXPECT_FALSE(report.failure.has_value());
	ASSERT_EQ(sink.lines.size(), 2u);
	EXPECT_NE(sink.lines[0].find("\"event\":\"sent\""), std::string::npos) << sink.lines[0];
	EXPECT_EQ(sink.requests_seen[0], 0) << "the sent line is written before the request leaves";
	EXPECT_NE(sink.lines[1].find("\"event\":\"result\""), std::string::npos) << sink.lines[1];
	EXPECT_NE(sink.lines[1].find("\"outcome\":\"ok\""), std::string::npos) << sink.lines[1];
	EXPECT_EQ(sink.requests_seen[1], 1);
	/* one attempt, one id on both lines; the next attempt has the next */
	EXPECT_NE(sink.lines[0].find("\"attempt\":\"4242-1\""), std::string::npos) << sink.lines[0];
	EXPECT_NE(sink.lines[1].find("\"attempt\":\"4242-1\""), std::string::npos) << sink.lines[1];
	EXPECT_EQ(report.what, "patientmodv2 class=01 for patient 20001");
	EXPECT_EQ(sender.GetLedger().Text(false), "patientmodv2 class=01 for patient 20001");

	sender.Send(f.target, NewPatient());
	ASSERT_EQ(sink.lines.size(), 4u);
	EXPECT_NE(sink.lines[2].find("\"attempt\":\"4242-2\""), std::string::npos) << sink.lines[2];
	EXPECT_EQ(f.server.RequestCount(), 2);
}

TEST(Send, NothingIsSentWhenTheSentLineCannotBeWritten)
{
	Fixture f([](const TestRequest &) { return TestResponse::Ok(Answer("00", "20001")); });
	RecordingSink sink(f.server, {1});
	Sender sender(sink, "1");
	int asked = 0;
	SendReport report = sender.Send(f.target, NewPatient(), [&] {
		asked++;
		return std::string("x");
	});

	EXPECT_FALSE(report.sent);
	EXPECT_FALSE(report.Registered());
	EXPECT_STREQ(report.audit_failure.step, "write");
	EXPECT_EQ(report.audit_failure.error, ENOSPC);
	EXPECT_EQ(f.server.RequestCount(), 0) << "a registration is not sent when its sent line cannot be written";
	EXPECT_EQ(sink.appends, 1) << "and no result line follows";
	EXPECT_TRUE(sender.GetLedger().Empty());
	EXPECT_EQ(asked, 0);
}

TEST(Send, AMissingResultLineIsReportedAndTheRegistrationStands)
{
	Fixture f([](const TestRequest &) { return TestResponse::Ok(Answer("00", "20001")); });
	RecordingSink sink(f.server, {2});
	Sender sender(sink, "1");
	SendReport report = sender.Send(f.target, NewPatient());

	EXPECT_TRUE(report.sent);
	EXPECT_TRUE(report.Registered());
	EXPECT_TRUE(report.result_unrecorded);
	EXPECT_STREQ(report.audit_failure.step, "write");
	EXPECT_TRUE(report.unrecorded_reason.empty());
	EXPECT_EQ(f.server.RequestCount(), 1);
	EXPECT_EQ(sender.GetLedger().Unreported(), 1u);
}

TEST(Send, WarningsNameTheRegistration)
{
	Fixture f([](const TestRequest &) {
		return TestResponse::Ok(Answer("K0", "20001",
		                               "<Api_Warning_Message1 type=\"string\">警告！同一患者の登録があります"
		                               "</Api_Warning_Message1>"));
	});
	RecordingSink sink(f.server);
	Sender sender(sink, "1");
	SendReport report = sender.Send(f.target, NewPatient());
	EXPECT_TRUE(report.Registered());
	ASSERT_EQ(report.warnings.size(), 1u);
	EXPECT_EQ(report.warnings[0], "K0: 警告！同一患者の登録があります (patientmodv2 class=01 for patient 20001).");
	EXPECT_NE(sink.lines[1].find("\"outcome\":\"warning\""), std::string::npos) << sink.lines[1];
}

TEST(Send, AFailureNamesWhatWasRegisteredBeforeAndWhatIsNotSent)
{
	int n = 0;
	Fixture f([&](const TestRequest &) { return TestResponse::Ok(++n == 1 ? Answer("00", "20001") : Answer("14", "")); });
	RecordingSink sink(f.server);
	Sender sender(sink, "1");
	int asked = 0;
	auto not_sent = [&] {
		asked++;
		return std::string("patientmodv2 class=01 for patient *");
	};
	ASSERT_TRUE(sender.Send(f.target, NewPatient(), not_sent).Registered());
	EXPECT_EQ(asked, 0) << "asked only when the registration fails";

	SendReport report = sender.Send(f.target, NewPatient(), not_sent);
	EXPECT_TRUE(report.sent);
	EXPECT_FALSE(report.Registered());
	EXPECT_EQ(report.result.outcome, RegOutcome::Refused);
	ASSERT_TRUE(report.failure.has_value());
	EXPECT_EQ(report.failure->kind, ErrorKind::ApiResult);
	EXPECT_EQ(report.failure->message, "ORCA patientmodv2 call failed");
	EXPECT_NE(report.failure->detail.find("Registered earlier in this transaction, and kept by ORCA: patientmodv2 "
	                                      "class=01 for patient 20001."),
	          std::string::npos)
	    << report.failure->detail;
	EXPECT_NE(report.failure->detail.find("Not sent: patientmodv2 class=01 for patient *."), std::string::npos)
	    << report.failure->detail;
	EXPECT_EQ(asked, 1);
	EXPECT_EQ(sender.GetLedger().Unreported(), 0u) << "the error named the ledger's entries";
	EXPECT_NE(sink.lines[3].find("\"outcome\":\"error\""), std::string::npos) << sink.lines[3];
	EXPECT_EQ(f.server.RequestCount(), 2);
}

} // namespace
} // namespace orca_fdw::core
