/*
 * orca_api.hpp — one ORCA API call: request encoding and result checking.
 *
 * ApiCall is the Exchange the HTTP client feeds: it decodes the body as it
 * arrives (codec.hpp), keeps the rows of this one response and the header
 * fields, and at the end applies the API's result-code rules:
 *   - success is all zeros ("00", "0000", "00000"); a leading W is a warning;
 *   - codes that mean exactly "nothing found" for this API (declared per call)
 *     give zero rows; codes that mean "too many hits" (patientlst1v2 10,
 *     patientlst3v2 21) are reported to the planner, which narrows the call;
 *   - every other code is an Error(ApiResult) with Api_Result and
 *     Api_Result_Message in the detail.
 * Request bodies are written as xml2 (<data><REQ type="record">…) or JSON
 * ({"REQ": {…}}) from a Node tree.
 */
#pragma once

#include "core/codec.hpp"
#include "core/endpoints.hpp"
#include "core/http.hpp"
#include "core/node.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace orca_fdw::core {

/* Encode a request record as xml2 or JSON text. */
std::string EncodeRequest(WireFormat format, const std::string &record_name, const Node &record);
/* xml2 escaping of text content. */
void AppendXmlEscaped(std::string &out, const std::string &text);

/* Refused: ORCA cannot search for what was asked (patientlst3v2 10/11/12). */
enum class CallOutcome { Ok, Empty, TooMany, Refused };

struct ResultRules {
	std::vector<std::string> empty_codes;    /* codes meaning "no rows" */
	std::vector<std::string> too_many_codes; /* codes meaning "narrow the request" */
	std::vector<std::string> warning_codes;  /* non-zero codes that still mean success (e.g. K0) */
	bool results_array = false;              /* Api_Results array (hsptinfmodv2, hsacctmodv2) */
	std::vector<std::string> refused_codes;  /* codes meaning "cannot search for this" */
};

class ApiCall final : public Exchange, public RowSink {
public:
	/* A call of `api` as its endpoint row describes it (endpoints.hpp): its
	 * row element and result codes; JSON only where ORCA documents it (the
	 * server option `format` otherwise gives way to xml2). */
	ApiCall(Api api, WireFormat server_format);
	/* A call with its own row element and rules (registrations). */
	ApiCall(Api api, WireFormat format, std::string row_element, ResultRules rules);

	/* The HTTP request of a call made with the endpoint's row: its method,
	 * path, request record and retry rule; `query` holds the call's own API
	 * arguments ("" for the endpoint's, e.g. "class=01").  The codes that
	 * mean "no rows" for an element this record carries count from here on. */
	HttpRequest Prepare(const std::string &query, const Node *record);

	/* Build the HTTP request: method/path/query/body/label from a request
	 * record.  `query` holds API arguments (e.g. "class=01"); format=json is
	 * appended when the wire format is JSON. */
	HttpRequest MakeRequest(const std::string &method, const std::string &query, const std::string &record_name,
	                        const Node *record, bool retry_safe) const;

	void Begin() override;
	void OnBody(const char *data, size_t len) override;
	void Finish() override;
	uint64_t RowCount() const noexcept override { return rows_.size(); }

	void OnField(const std::string &path, const std::string &value) override;
	void OnRow(Node &&row) override;

	Api GetSource() const { return api_; }
	CallOutcome Outcome() const { return outcome_; }
	std::vector<Node> &Rows() { return rows_; }
	/* First value of a header field ("Api_Result", "Information_Date", ...), or "". */
	const std::string &Field(const std::string &path) const;
	/* All values of a repeated header field ("Api_Results/Api_Result"). */
	std::vector<std::string> Fields(const std::string &path) const;
	/* Warnings to surface (code + message), collected at Finish. */
	const std::vector<std::string> &Warnings() const { return warnings_; }
	/* The primary result code (Api_Result, or the first of Api_Results). */
	const std::string &ResultCode() const { return result_code_; }
	const std::string &ResultMessage() const { return result_message_; }

private:
	void CheckResult();

	Api api_;
	WireFormat format_;
	std::string row_element_;
	ResultRules rules_;
	std::unique_ptr<Decoder> decoder_;
	std::vector<std::pair<std::string, std::string>> fields_;
	std::vector<Node> rows_;
	std::vector<std::string> warnings_;
	std::string result_code_, result_message_;
	CallOutcome outcome_ = CallOutcome::Ok;
};

/* True when the code is all zeros (with an optional leading 'W'). */
bool IsSuccessCode(const std::string &code);
/* Map well-known codes to a HINT ("" when none). */
std::string HintForApiResult(const std::string &code);

} // namespace orca_fdw::core
