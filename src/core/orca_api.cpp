/*
 * orca_api.cpp — request encoding and result-code rules (see orca_api.hpp).
 */
#include "core/orca_api.hpp"

#include <algorithm>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

void
AppendXmlEscaped(std::string &out, const std::string &text)
{
	for (char c : text) {
		switch (c) {
		case '&': out += "&amp;"; break;
		case '<': out += "&lt;"; break;
		case '>': out += "&gt;"; break;
		case '"': out += "&quot;"; break;
		default: out += c;
		}
	}
}

namespace {

void
WriteXml(std::string &out, const std::string &name, const Node &node)
{
	out += '<';
	out += name;
	switch (node.type) {
	case Node::Type::String:
		out += " type=\"string\">";
		AppendXmlEscaped(out, node.value);
		break;
	case Node::Type::Record:
		out += " type=\"record\">";
		for (const auto &[child_name, child] : node.children)
			WriteXml(out, child_name, child);
		break;
	case Node::Type::Array:
		out += " type=\"array\">";
		for (const auto &item : node.children)
			WriteXml(out, name + "_child", item.second);
		break;
	}
	out += "</";
	out += name;
	out += '>';
}

bool
Contains(const std::vector<std::string> &v, const std::string &s)
{
	return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

std::string
EncodeRequest(WireFormat format, const std::string &record_name, const Node &record)
{
	std::string out;
	if (format == WireFormat::Json) {
		out += '{';
		AppendJsonString(out, record_name);
		out += ':';
		out += NodeToJson(record);
		out += '}';
	} else {
		out += "<data>";
		WriteXml(out, record_name, record);
		out += "</data>";
	}
	return out;
}

bool
IsSuccessCode(const std::string &code)
{
	if (code.empty())
		return false;
	size_t i = code[0] == 'W' ? 1 : 0;
	if (i == code.size())
		return false;
	for (; i < code.size(); i++)
		if (code[i] != '0')
			return false;
	return true;
}

std::string
HintForApiResult(const std::string &code)
{
	if (code == "90" || code == "E90" || code == "9999" || code == "E9999")
		return "Another ORCA terminal is using this record; retry when it has been released.";
	if (code == "89" || code == "E89" || code.rfind("89", 0) == 0 || code == "0089" || code == "E0089")
		return "The ORCA server could not read its own settings; check the ORCA server's system management setup.";
	if (code == "91" || code == "E91")
		return "ORCA did not accept the request's processing class; the server may be an older ORCA version.";
	if (code == "97" || code == "98" || code == "E97" || code == "E98")
		return "ORCA could not read the request; check the server option format (xml or json).";
	return {};
}

namespace {

ResultRules
EndpointRules(const Endpoint &e)
{
	ResultRules rules;
	rules.empty_codes = e.no_rows;
	rules.too_many_codes = e.too_many;
	rules.warning_codes = e.warnings;
	rules.results_array = e.results_array;
	rules.refused_codes = e.refused;
	return rules;
}

} // namespace

ApiCall::ApiCall(Api api, WireFormat server_format)
	: api_(api),
	  format_(EndpointOf(api).formats == Formats::Xml2Only || server_format != WireFormat::Json ? WireFormat::Xml
	                                                                                          : WireFormat::Json),
	  row_element_(EndpointOf(api).row_element), rules_(EndpointRules(EndpointOf(api)))
{
}

ApiCall::ApiCall(Api api, WireFormat format, std::string row_element, ResultRules rules)
	: api_(api), format_(format), row_element_(std::move(row_element)), rules_(std::move(rules))
{
}

HttpRequest
ApiCall::Prepare(const std::string &query, const Node *record)
{
	const Endpoint &e = EndpointOf(api_);
	if (record)
		for (const CodeIfSent &c : e.no_rows_if_sent)
			if (record->FindPath(c.element))
				rules_.empty_codes.push_back(c.code);
	return MakeRequest(e.method, query.empty() ? e.query : query, e.request_record, record, !e.registration);
}

HttpRequest
ApiCall::MakeRequest(const std::string &method, const std::string &query, const std::string &record_name,
                     const Node *record, bool retry_safe) const
{
	HttpRequest req;
	req.method = method;
	req.path = ApiPath(api_);
	req.query = query;
	if (format_ == WireFormat::Json)
		req.query += std::string(req.query.empty() ? "" : "&") + "format=json";
	if (record) {
		req.body = EncodeRequest(format_, record_name, *record);
		req.content_type = format_ == WireFormat::Json ? "application/json; charset=UTF-8"
		                                               : "application/xml; charset=UTF-8";
	}
	req.retry_safe = retry_safe;
	req.label = method + " " + req.path;
	if (!query.empty())
		req.label += "?" + query;
	return req;
}

void
ApiCall::Begin()
{
	fields_.clear();
	rows_.clear();
	warnings_.clear();
	result_code_.clear();
	result_message_.clear();
	outcome_ = CallOutcome::Ok;
	/* the body decides: ORCA's Content-Type cannot be trusted (xml2 or JSON by the first byte) */
	decoder_ = Decoder::Create(WireFormat::Auto, row_element_, *this);
}

void
ApiCall::OnBody(const char *data, size_t len)
{
	decoder_->Feed(data, len);
}

void
ApiCall::OnField(const std::string &path, const std::string &value)
{
	fields_.emplace_back(path, value);
}

void
ApiCall::OnRow(Node &&row)
{
	rows_.push_back(std::move(row));
}

const std::string &
ApiCall::Field(const std::string &path) const
{
	static const std::string empty;
	for (const auto &f : fields_)
		if (f.first == path)
			return f.second;
	return empty;
}

std::vector<std::string>
ApiCall::Fields(const std::string &path) const
{
	std::vector<std::string> out;
	for (const auto &f : fields_)
		if (f.first == path)
			out.push_back(f.second);
	return out;
}

void
ApiCall::Finish()
{
	decoder_->Finish();
	CheckResult();
}

void
ApiCall::CheckResult()
{
	std::vector<std::string> codes, messages;
	if (rules_.results_array) {
		codes = Fields("Api_Results/Api_Result");
		messages = Fields("Api_Results/Api_Result_Message");
	}
	if (codes.empty()) {
		codes.push_back(Field("Api_Result"));
		messages.push_back(Field("Api_Result_Message"));
	}
	result_code_ = codes.front();
	result_message_ = messages.empty() ? std::string() : messages.front();
	const std::string label = std::string(ApiName(api_));

	if (result_code_.empty())
		throw Error(ErrorKind::Protocol, "ORCA response carries no Api_Result",
		            "The " + label + " response had no result code; it does not look like an ORCA answer.",
		            "Check that the server option url points at an ORCA or WebORCA API server.");

	/* Style B/C answers may carry several codes; every one must succeed. */
	std::string failed_code, failed_message;
	for (size_t i = 0; i < codes.size(); i++) {
		const std::string &code = codes[i];
		const std::string msg = i < messages.size() ? messages[i] : std::string();
		if (IsSuccessCode(code)) {
			if (code[0] == 'W')
				warnings_.push_back(code + ": " + msg);
			continue;
		}
		if (Contains(rules_.warning_codes, code)) {
			warnings_.push_back(code + ": " + msg);
			continue;
		}
		if (i == 0 && Contains(rules_.empty_codes, code)) {
			outcome_ = CallOutcome::Empty;
			rows_.clear();
			return;
		}
		if (i == 0 && Contains(rules_.too_many_codes, code)) {
			outcome_ = CallOutcome::TooMany;
			rows_.clear();
			return;
		}
		if (i == 0 && Contains(rules_.refused_codes, code)) {
			outcome_ = CallOutcome::Refused;
			rows_.clear();
			return;
		}
		if (failed_code.empty()) {
			failed_code = code;
			failed_message = msg;
		} else
			failed_message += "; " + code + ": " + msg;
	}
	if (!failed_code.empty()) {
		Error e(ErrorKind::ApiResult, "ORCA " + label + " call failed",
		        "Api_Result " + failed_code + ": " + failed_message, HintForApiResult(failed_code));
		e.api_result = failed_code;
		throw e;
	}
}

} // namespace orca_fdw::core
