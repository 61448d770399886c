/*
 * classify.cpp — the call of one registration and what its outcome means
 * (ok, warning, refused, not sent, unknown), and the error that reports a
 * failure (see call.hpp and registration.hpp).
 */
#include "core/registration/call.hpp"
#include "core/registration/internal.hpp"

#include "core/orca_api.hpp"

#include <algorithm>
#include <memory>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace registration_detail {

bool
IsPatientNumber(const std::string &id)
{
	return !id.empty() && id.size() <= kMaxPatientIdDigits &&
	       std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/* One patient, one key: ORCA pads numbers to the site's width ("42" and
 * "00042" are the same patient), so leading zeros of a number do not count. */
std::string
CanonicalPatientId(const std::string &id)
{
	if (!IsPatientNumber(id))
		return id;
	size_t first = id.find_first_not_of('0');
	return first == std::string::npos ? "0" : id.substr(first);
}

const std::string *
FieldValue(const std::vector<std::pair<std::string, std::string>> &fields, const std::string &path)
{
	for (const auto &f : fields)
		if (f.first == path)
			return &f.second;
	return nullptr;
}

} // namespace registration_detail

using namespace registration_detail;

namespace {

/* The Exchange of one registration: decodes the answer, keeps header fields
 * (in order) and rows; result codes are judged after the call. */
class RegExchange final : public Exchange, public RowSink {
public:
	RegExchange(WireFormat format, std::string row_element) : format_(format), row_element_(std::move(row_element))
	{
	}
	void Begin() override
	{
		fields_.clear();
		rows_.clear();
		decoder_ = Decoder::Create(WireFormat::Auto, row_element_, *this);
	}
	void OnBody(const char *data, size_t len) override { decoder_->Feed(data, len); }
	void Finish() override { decoder_->Finish(); }
	void OnField(const std::string &path, const std::string &value) override { fields_.emplace_back(path, value); }
	void OnRow(Node &&row) override { rows_.push_back(std::move(row)); }

	std::vector<std::pair<std::string, std::string>> fields_;
	std::vector<Node> rows_;

private:
	WireFormat format_;
	std::string row_element_;
	std::unique_ptr<Decoder> decoder_;
};

bool
IsWarningCode(const Endpoint &e, const std::string &code)
{
	return std::find(e.warnings.begin(), e.warnings.end(), code) != e.warnings.end();
}

/* Judge the answer's result codes. */
void
Evaluate(const Registration &reg, RegExchange &ex, RegResult &res)
{
	const RegKind kind = reg.kind;
	const Endpoint &e = EndpointOf(RegApi(kind));
	res.fields = std::move(ex.fields_);
	std::vector<std::pair<std::string, std::string>> codes; /* code, message */
	if (!e.results_array) {
		if (const std::string *c = FieldValue(res.fields, "Api_Result")) {
			const std::string *m = FieldValue(res.fields, "Api_Result_Message");
			codes.emplace_back(*c, m ? *m : std::string());
		}
	} else {
		for (const auto &f : res.fields) {
			if (f.first == "Api_Results/Api_Result")
				codes.emplace_back(f.second, std::string());
			else if (f.first == "Api_Results/Api_Result_Message" && !codes.empty())
				codes.back().second = f.second;
		}
		if (codes.empty())
			if (const std::string *c = FieldValue(res.fields, "Api_Result")) {
				const std::string *m = FieldValue(res.fields, "Api_Result_Message");
				codes.emplace_back(*c, m ? *m : std::string());
			}
	}
	if (codes.empty()) {
		res.outcome = RegOutcome::Unknown;
		res.error_kind = ErrorKind::Protocol;
		res.error_message = "ORCA response carries no Api_Result";
		res.error_detail = "The " + std::string(RegApiName(kind)) + " answer had no result code.";
		return;
	}
	if (!ex.rows_.empty()) {
		if (kind == RegKind::Meals || kind == RegKind::Outing)
			res.days = std::move(ex.rows_);
		else
			res.row = std::move(ex.rows_.front());
	}
	std::string answered;
	bool has_answered = false;
	if (IsPatientKind(kind)) {
		if (const std::string *id = res.row.StringAt("Patient_ID")) {
			answered = *id;
			has_answered = true;
		}
	} else if (const std::string *id = FieldValue(res.fields, "Patient_Information/Patient_ID")) {
		answered = *id;
		has_answered = true;
	}
	if (has_answered && IsPatientNumber(answered))
		res.answered_id = answered;

	std::string failed_code, failed_message;
	for (const auto &[code, message] : codes) {
		if (IsSuccessCode(code))
			continue;
		/* patientmodv2 puts its first warning (K0–K9) into Api_Result */
		if (IsWarningCode(e, code))
			continue;
		if (failed_code.empty()) {
			failed_code = code;
			failed_message = message;
		} else
			failed_message += "; Api_Result " + code + ": " + message;
	}
	res.code = codes.front().first;
	res.message = codes.front().second;
	if (!failed_code.empty()) {
		res.outcome = RegOutcome::Refused;
		res.code = failed_code;
		res.message = failed_message;
		return;
	}
	/* ORCA says it registered: the patient it names must be a patient number
	 * (and the one asked for), else we do not know whom it registered. */
	const std::string api = RegApiName(kind);
	std::string id_problem;
	if (has_answered && res.answered_id.empty())
		id_problem = "The " + api + " answer carries a Patient_ID that is not a patient number (" +
		             std::to_string(answered.size()) + " bytes; ORCA's patient numbers are 1 to " +
		             std::to_string(kMaxPatientIdDigits) + " digits).";
	else if (!has_answered && reg.patient_id == "*")
		id_problem = "The " + api + " answer carries no Patient_ID, so the number ORCA gave the patient is not known.";
	else if (!res.answered_id.empty() && reg.patient_id != "*" && IsPatientNumber(reg.patient_id) &&
	         CanonicalPatientId(res.answered_id) != CanonicalPatientId(reg.patient_id))
		id_problem = "The " + api + " answer names patient " + res.answered_id + ", but the registration was for patient " +
		             reg.patient_id + ".";
	if (!id_problem.empty()) {
		res.answered_id.clear();
		res.outcome = RegOutcome::Unknown;
		res.error_kind = ErrorKind::Protocol;
		res.error_message = "ORCA answered Api_Result " + res.code + " with an unusable Patient_ID";
		res.error_detail = id_problem;
		return;
	}
	res.outcome = RegOutcome::Ok;
	if (IsWarningCode(e, res.code)) {
		res.outcome = RegOutcome::Warning;
		for (int i = 1; i <= 5; i++)
			if (const std::string *w = FieldValue(res.fields, "Api_Warning_Message" + std::to_string(i)))
				if (!w->empty())
					res.warnings.push_back(res.code + ": " + *w);
		if (res.warnings.empty())
			res.warnings.push_back(res.code + ": " + res.message);
	}
}

/* HINTs for registration result codes we know the fix for. */
std::string
RegistrationHint(RegKind kind, const std::string &code)
{
	if (IsPatientKind(kind)) {
		if (code == "10")
			return "No patient with this patient_id exists in ORCA.";
		if (code == "11" || code == "18" || code == "40")
			return "ORCA cannot number this patient automatically; give patient_id explicitly.";
		if (code == "13" || code == "43")
			return "A patient with this patient_id exists already; leave patient_id NULL to let ORCA number "
			       "the new patient.";
		if (code == "14")
			return "Write whole_name in full-width (全角) characters.";
		if (code == "15")
			return "Write whole_name_in_kana in full-width katakana (全角カナ).";
		if (code == "16")
			return "Use sex '1' (male) or '2' (female).";
		if (code == "50")
			return "ORCA matches an update by patient_id, sex and birth_date (names may change), or by patient_id "
			       "and both names when sex or birth_date change; the patient changed in ORCA since it was read.";
		if (code == "81")
			return "ORCA deletes a patient only when patient_id, whole_name, sex and birth_date all match; the "
			       "patient changed in ORCA since it was read.";
		if (code == "82")
			return "ORCA deletes only patients without other data (visits, diseases, admissions); keep the "
			       "patient, or remove that data in ORCA first.";
		if (code == "P1")
			return "Check birth_date and the patient's basic data.";
	} else {
		if (code == "0004" || code == "0003")
			return "No patient with this patient_id exists in ORCA.";
		if (code == "0018")
			return "Use a ward_number listed in the wards table.";
		if (code == "0020")
			return "Use a room_number of that ward, as listed in the rooms table.";
		if (code == "0002")
			return "Use a department_code listed in the departments table.";
		if (code == "0025" || code == "0026")
			return "Use up to three doctor codes listed in the doctors table.";
		if (code == "0028")
			return "The patient is admitted already; discharge the current stay first (UPDATE ... SET "
			       "discharge_date).";
		if (code == "0039" || code == "0043" || code == "0029")
			return "The admission_date overlaps or touches the previous stay; check the previous discharge_date.";
		if (code == "8005" || code == "8010" || code == "0051")
			return "No admission of this patient matches admission_date; read the admissions table again.";
		if (code == "8006")
			return "ORCA changes only the latest admission of a patient.";
		if (code == "0052")
			return "The stay is discharged already.";
		if (code == "0053")
			return "discharge_date must not be before admission_date.";
		if (code == "0076")
			return "ORCA has no inpatient account for that month; it creates them automatically only from the "
			       "current month to three months ahead.";
		if (code == "0138")
			return "Every day must lie within the admission.";
		/* transfers (Request_Number 08) */
		if (code == "0097")
			return "transfer_date (orca_fdw.transfer_date) must not be before admission_date.";
		if (code == "0098")
			return "transfer_date (orca_fdw.transfer_date) must not be before the stay's previous transfer.";
		if (code == "0134")
			return "ORCA takes transfers dated from the month before last onward; register older ones in ORCA.";
		if (code == "0206")
			return "ORCA has no inpatient account for the month of transfer_date; create it in ORCA (入院会計作成).";
		/* outings (hsacctmodv2 Request_Number 2) */
		if (code == "8011")
			return "patient_status is not an outing code ORCA takes for that day (00–06, 08, 09, 13–17 from April "
			       "2018).";
		if (code == "0161")
			return "patient_status 09 (特定曜日入退院減算) is for Saturdays and Sundays only.";
	}
	return HintForApiResult(code);
}

} // namespace

RegResult
Execute(HttpClient &client, const Registration &reg, const CancelToken &cancel) noexcept
{
	RegResult res;
	bool submitted = false;
	Ticket ticket = 0;
	std::unique_ptr<RegExchange> ex;
	try {
		const Endpoint &e = EndpointOf(RegApi(reg.kind));
		/* JSON where ORCA documents it and the server speaks it; else xml2 */
		WireFormat format = e.formats == Formats::Xml2AndJson && client.Config().format == WireFormat::Json
		                        ? WireFormat::Json
		                        : WireFormat::Xml;
		ex = std::make_unique<RegExchange>(format, e.row_element);
		HttpRequest req;
		req.method = e.method;
		req.path = e.path;
		req.query = RegQuery(reg.kind);
		std::string label = req.method + " " + req.path + (req.query.empty() ? "" : "?" + req.query);
		if (format == WireFormat::Json)
			req.query += std::string(req.query.empty() ? "" : "&") + "format=json";
		req.body = EncodeRequest(format, reg.record_name, reg.record);
		req.content_type = format == WireFormat::Json ? "application/json; charset=UTF-8"
		                                              : "application/xml; charset=UTF-8";
		req.retry_safe = false; /* a registration is never sent twice */
		req.label = label;
		ticket = client.Submit(std::move(req), ex.get());
		submitted = true;
		client.Wait(ticket, cancel);
		Evaluate(reg, *ex, res);
	} catch (const Error &e) {
		if (submitted)
			client.Abandon(ticket);
		res.error_kind = e.kind;
		res.error_message = e.message;
		res.error_detail = e.detail;
		res.error_hint = e.hint;
		res.cancelled = e.kind == ErrorKind::Cancelled;
		/* "Not sent" only from facts (nothing submitted, or the transport's
		 * count of written request bytes / the unfinished TLS handshake),
		 * never from an error's wording: otherwise it may have been received. */
		if (!submitted || e.nothing_sent)
			res.outcome = RegOutcome::NotSent;
		else if (e.kind == ErrorKind::Auth || e.kind == ErrorKind::NotFound)
			res.outcome = RegOutcome::Refused; /* HTTP 401/404: ORCA did not process it */
		else
			res.outcome = RegOutcome::Unknown;
	} catch (const std::exception &e) {
		if (submitted)
			client.Abandon(ticket);
		res.error_kind = ErrorKind::Internal;
		res.error_message = "internal error in orca_fdw";
		res.error_detail = e.what();
		res.outcome = submitted ? RegOutcome::Unknown : RegOutcome::NotSent;
	} catch (...) {
		if (submitted)
			client.Abandon(ticket);
		res.error_kind = ErrorKind::Internal;
		res.error_message = "internal error in orca_fdw";
		res.outcome = submitted ? RegOutcome::Unknown : RegOutcome::NotSent;
	}
	return res;
}

Error
FailureError(const Registration &reg, const RegResult &res, const std::string &before, const std::string &not_sent)
{
	const std::string api = RegApiName(reg.kind);
	const std::string what = reg.Describe(res.answered_id);
	std::string detail, hint;
	ErrorKind kind = res.error_kind;
	std::string message;
	switch (res.outcome) {
	case RegOutcome::Refused:
		if (!res.code.empty()) {
			kind = ErrorKind::ApiResult;
			message = "ORCA " + api + " call failed";
			detail = "Api_Result " + res.code + ": " + res.message;
			hint = RegistrationHint(reg.kind, res.code);
		} else {
			message = res.error_message;
			detail = res.error_detail;
			hint = res.error_hint;
		}
		detail += "\nNot registered: " + what + ".";
		break;
	case RegOutcome::NotSent:
		if (res.cancelled) {
			message = "ORCA " + api + " call was canceled before it was sent";
			detail = "The wait was canceled (query cancel, statement_timeout or the COMMIT's deadline) before any "
			         "byte of the request was written.";
		} else {
			message = res.error_message;
			detail = res.error_detail;
			hint = res.error_hint;
		}
		detail += "\nNot sent: " + what + ".";
		break;
	default:
		message = "outcome of ORCA " + api + " call is unknown";
		if (res.cancelled)
			detail = "The wait for ORCA's answer was canceled (query cancel, statement_timeout or the COMMIT's "
			         "deadline).";
		else
			detail = res.error_message + (res.error_detail.empty() ? "" : ": " + res.error_detail);
		detail += "\nMay have been registered (it was not resent): " + what + ".";
		hint = "Check in ORCA whether it was registered before repeating it; orca_fdw_audit() records the attempt.";
		break;
	}
	if (!before.empty())
		detail += "\nRegistered earlier in this transaction, and kept by ORCA: " + before + ".";
	if (!not_sent.empty())
		detail += "\nNot sent: " + not_sent + ".";
	Error e(kind, message, detail, hint);
	if (kind == ErrorKind::ApiResult)
		e.api_result = res.code;
	return e;
}

} // namespace orca_fdw::core
