// api_patients.cpp — the patient read APIs: patientgetv2, patientlst1v2,
// patientlst2v2, patientlst3v2 (patients notes §3.1–§3.4).
#include <iconv.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <initializer_list>
#include <tuple>

#include "api.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

const char kNoSuchPatient[] = "【患者番号がありません】";

bool
IsAdmittedOn(const Patient& patient, int day)
{
	const Stay* stay = patient.OpenStay();
	return stay != nullptr && stay->admission <= day;
}

void
AddHomeAddress(Node& record, const Patient& patient)
{
	Node& home = record.AddRecord("Home_Address_Information");
	home.Add("Address_ZipCode", patient.zip);
	home.Add("WholeAddress1", patient.address1);
	home.Add("WholeAddress2", patient.address2);
	home.Add("PhoneNumber1", patient.phone1);
	home.Add("PhoneNumber2", patient.phone2);
}

void
AddPublicInsuranceWithRates(Node& array, const PublicInsurance& pub)
{
	Node& item = array.AppendRecord();
	item.Add("PublicInsurance_Class", pub.insurance_class);
	item.Add("PublicInsurance_Name", pub.name);
	item.Add("PublicInsurer_Number", pub.payer_number);
	item.Add("PublicInsuredPerson_Number", pub.recipient_number);
	item.Add("Rate_Admission", pub.rate_admission);
	item.Add("Money_Admission", SpacePad(pub.money_admission, 6));
	item.Add("Rate_Outpatient", pub.rate_outpatient);
	item.Add("Money_Outpatient", SpacePad(pub.money_outpatient, 6));
	item.Add("Certificate_IssuedDate", FormatDate(pub.issued));
	item.Add("Certificate_ExpiredDate", FormatDate(pub.expire));
}

// One row of patientlst2v2 / patientlst3v2 (§3.3): the patient's individual
// insurances (not combinations) and public expenses as siblings.
void
AddListRow(Node& row, const Patient& patient, int today)
{
	AddPatientBasics(row, patient);
	AddHomeAddress(row, patient);
	row.Add("Outpatient_Class", IsAdmittedOn(patient, today) ? "1" : "2");
	Node& health = row.AddArray("HealthInsurance_Information", 3);
	for (size_t i = 0; i < patient.health.size() && i < 3; i++) {
		const HealthInsurance& insurance = patient.health[i];
		Node& item = health.AppendRecord();
		item.Add("InsuranceProvider_Class", insurance.provider_class);
		item.Add("InsuranceProvider_WholeName", insurance.provider_name);
		item.Add("InsuranceProvider_Number", insurance.provider_number);
		item.Add("HealthInsuredPerson_Symbol", insurance.symbol);
		item.Add("HealthInsuredPerson_Number", insurance.number);
		item.Add("HealthInsuredPerson_Continuation", insurance.continuation);
		item.Add("HealthInsuredPerson_Assistance", insurance.assistance);
		item.Add("RelationToInsuredPerson", insurance.relation);
		item.Add("HealthInsuredPerson_WholeName", insurance.insured_name);
		item.Add("Certificate_StartDate", FormatDate(insurance.start));
		item.Add("Certificate_ExpiredDate", FormatDate(insurance.expire));
	}
	Node& publics = row.AddArray("PublicInsurance_Information", 4);
	for (size_t i = 0; i < patient.publics.size() && i < 4; i++) {
		const PublicInsurance& pub = patient.publics[i];
		Node& item = publics.AppendRecord();
		item.Add("PublicInsurance_Class", pub.insurance_class);
		item.Add("PublicInsurance_Name", pub.name);
		item.Add("PublicInsurer_Number", pub.payer_number);
		item.Add("PublicInsuredPerson_Number", pub.recipient_number);
		item.Add("Certificate_IssuedDate", FormatDate(pub.issued));
		item.Add("Certificate_ExpiredDate", FormatDate(pub.expire));
	}
}

// Care_Information (patientgetv2 6-47): care insurances and certifications.
void
AddCareInformation(Node& info, const Patient& p)
{
	if (p.care_insurances.empty() && p.care_certifications.empty())
		return;
	Node& care = info.AddRecord("Care_Information");
	Node& insurances = care.AddArray("Insurance", 10);
	for (const CareInsurance& insurance : p.care_insurances) {
		Node& item = insurances.AppendRecord();
		item.Add("InsuranceProvider_Number", insurance.provider_number);
		item.Add("HealthInsuredPerson_Number", insurance.insured_number);
		item.Add("Certificate_StartDate", FormatDate(insurance.start));
		item.Add("Certificate_ExpiredDate", FormatDate(insurance.expire));
	}
	Node& certifications = care.AddArray("Certification", 50);
	for (const CareCertification& certification : p.care_certifications) {
		Node& item = certifications.AppendRecord();
		item.Add("Need_Care_State_Code", certification.state_code);
		item.Add("Need_Care_State", certification.state_name);
		item.Add("Certification_Date", FormatDate(certification.certified));
		item.Add("Certificate_StartDate", FormatDate(certification.start));
		item.Add("Certificate_ExpiredDate", FormatDate(certification.expire));
	}
}

// The name search's character check (ORCSKANACHK, patientlst3v2 10
// 検索氏名に外字があります) after half-width input has been widened: every
// character must be in JIS X 0208, what an EUC-JP server holds. UNCONFIRMED:
// UTF-8 servers check against JIS X 0213 instead (ORCSKANACHK2); the
// simulator behaves like an EUC-JP server, so private-use (外字), non-BMP
// (𠮷), U+FFFD, JIS X 0212/0213-only (髙) and control characters answer 10.
bool
InNameSearchSet(const std::string& name)
{
	static iconv_t cd = iconv_open("EUC-JP", "UTF-8");
	static std::mutex mutex;
	if (cd == reinterpret_cast<iconv_t>(-1))
		return !HasNonStandardCharacter(name);
	std::lock_guard<std::mutex> guard(mutex);
	for (size_t i = 0; i < name.size();) {
		const unsigned char lead = static_cast<unsigned char>(name[i]);
		const size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
		if (length < 2 || i + length > name.size())
			return false;
		char out[8];
		char* in = const_cast<char*>(name.data() + i);
		char* outp = out;
		size_t in_left = length, out_left = sizeof(out);
		iconv(cd, nullptr, nullptr, nullptr, nullptr);
		if (iconv(cd, &in, &in_left, &outp, &out_left) == static_cast<size_t>(-1) || out_left != sizeof(out) - 2)
			return false;
		const unsigned char b0 = static_cast<unsigned char>(out[0]), b1 = static_cast<unsigned char>(out[1]);
		if (b0 < 0xA1 || b0 > 0xFE || b1 < 0xA1 || b1 > 0xFE)
			return false;
		i += length;
	}
	return true;
}

bool
ValidClass(const ApiContext& ctx, std::initializer_list<const char*> allowed)
{
	const std::string value = ctx.http.QueryParam("class");
	for (const char* candidate : allowed)
		if (value == candidate)
			return true;
	return false;
}

} // namespace

// ---------------------------------------------------------------------------
// patientgetv2 (GET /api01rv2/patientgetv2?id=N[&format=json])
// ---------------------------------------------------------------------------

void
HandlePatientGet(ApiContext& ctx)
{
	const std::string raw_id = ctx.http.QueryParam("id");
	if (TrimAscii(raw_id).empty()) {
		WriteResult(ctx, "01");
		return;
	}
	auto lock = ctx.store.ReadLock();
	const std::optional<int> number = ctx.store.ParsePatientNumber(raw_id);
	const Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		WriteResult(ctx, "10");
		return;
	}
	WriteResult(ctx, "00");
	const Patient& p = *patient;
	Node& info = ctx.response.AddRecord("Patient_Information");
	AddPatientBasics(info, p);
	info.Add("HouseHolder_WholeName", p.householder);
	info.Add("Relationship", p.relationship);
	AddHomeAddress(info, p);
	if (!p.workplace_name.empty()) {
		Node& work = info.AddRecord("WorkPlace_Information");
		work.Add("WholeName", p.workplace_name);
		work.Add("Address_ZipCode", p.workplace_zip);
		work.Add("WholeAddress1", p.workplace_address1);
		work.Add("WholeAddress2", p.workplace_address2);
		work.Add("PhoneNumber", p.workplace_phone);
	}
	if (!p.contact_name.empty()) {
		Node& contact = info.AddRecord("Contact_Information");
		contact.Add("WholeName", p.contact_name);
		contact.Add("Relationship", p.contact_relationship);
		contact.Add("Address_ZipCode", p.contact_zip);
		contact.Add("WholeAddress1", p.contact_address1);
		contact.Add("WholeAddress2", p.contact_address2);
		contact.Add("PhoneNumber1", p.contact_phone1);
		contact.Add("PhoneNumber2", p.contact_phone2);
	}
	// Some real answers carry an empty free-text field as a lone U+3000
	// (captured: "Contraindication1": "　"). UNCONFIRMED which fields and
	// when; the simulator does it for the empty ones of a share of patients.
	auto detail = [&](const char* name, const std::string& value) {
		info.Add(name, value.empty() && p.blank_details_as_space ? std::string("　") : value);
	};
	detail("Contraindication1", p.contraindication1);
	detail("Contraindication2", p.contraindication2);
	detail("Allergy1", p.allergy1);
	detail("Allergy2", p.allergy2);
	detail("Infection1", p.infection1);
	detail("Infection2", p.infection2);
	detail("Comment1", p.comment1);
	detail("Comment2", p.comment2);
	info.Add("TestPatient_Flag", p.test_flag);
	info.Add("Occupation", p.occupation);
	info.Add("CellularNumber", p.cellular);
	info.Add("FaxNumber", p.fax);
	info.Add("EmailAddress", p.email);
	info.Add("Reduction_Reason", "00");
	info.Add("Reduction_Reason_Name", "該当なし");
	info.Add("Discount", "00");
	info.Add("Discount_Name", "該当なし");
	info.Add("Condition1", "00");
	info.Add("Condition1_Name", "該当なし");
	info.Add("Condition2", "00");
	info.Add("Condition2_Name", "該当なし");
	info.Add("Condition3", "00");
	info.Add("Condition3_Name", "該当なし");
	info.Add("Ic_Code", "01");
	info.Add("Ic_Code_Name", "現金");
	info.Add("Community_Cid_Agree", "False");
	info.Add("FirstVisit_Date", FormatDate(p.first_visit));

	// An inpatient gets Outpatient_Class 1 and its admission date; the
	// discharge date only on the day of discharge; the last visit date is
	// omitted when admission/discharge dates are given (patientget.html).
	const Stay* open = p.OpenStay();
	const Stay* discharged_today = nullptr;
	for (const Stay& stay : p.stays)
		if (!stay.IsOpen() && stay.discharge == ctx.today)
			discharged_today = &stay;
	if (open != nullptr && open->admission <= ctx.today) {
		info.Add("Outpatient_Class", "1");
		info.Add("Admission_Date", FormatDate(open->admission));
	} else if (discharged_today != nullptr) {
		info.Add("Outpatient_Class", "1");
		info.Add("Admission_Date", FormatDate(discharged_today->admission));
		info.Add("Discharge_Date", FormatDate(discharged_today->discharge));
	} else {
		info.Add("LastVisit_Date", FormatDate(p.last_visit));
		info.Add("Outpatient_Class", "2");
	}

	Node& combinations = info.AddArray("HealthInsurance_Information", 30);
	for (const InsuranceCombination& combination : p.combinations) {
		Node& item = combinations.AppendRecord();
		item.Add("Insurance_Combination_Number", ZeroPad(combination.number, 4));
		item.Add("InsuranceCombination_Rate_Admission", combination.rate_admission);
		item.Add("InsuranceCombination_Rate_Outpatient", combination.rate_outpatient);
		item.Add("Insurance_Nondisplay", combination.nondisplay);
		if (combination.health_index >= 0) {
			const HealthInsurance& insurance = p.health[static_cast<size_t>(combination.health_index)];
			item.Add("InsuranceProvider_Class", insurance.provider_class);
			item.Add("InsuranceProvider_Number", insurance.provider_number);
			item.Add("InsuranceProvider_WholeName", insurance.provider_name);
			item.Add("HealthInsuredPerson_Symbol", insurance.symbol);
			item.Add("HealthInsuredPerson_Number", insurance.number);
			item.Add("HealthInsuredPerson_Continuation", insurance.continuation);
			item.Add("HealthInsuredPerson_Assistance", insurance.assistance);
			item.Add("HealthInsuredPerson_Assistance_Name", insurance.assistance_name);
			item.Add("RelationToInsuredPerson", insurance.relation);
			item.Add("HealthInsuredPerson_WholeName", insurance.insured_name);
		}
		item.Add("Certificate_StartDate", FormatDate(combination.start));
		item.Add("Certificate_ExpiredDate", FormatDate(combination.expire));
		if (combination.health_index >= 0)
			item.Add("Insurance_CheckDate",
			         FormatDate(p.health[static_cast<size_t>(combination.health_index)].check_date));
		Node& publics = item.AddArray("PublicInsurance_Information", 4);
		for (int index : combination.public_indexes)
			AddPublicInsuranceWithRates(publics, p.publics[static_cast<size_t>(index)]);
	}
	AddCareInformation(info, p);
}

// ---------------------------------------------------------------------------
// patientlst1v2 (POST /api01rv2/patientlst1v2?class=01|02)
// ---------------------------------------------------------------------------

void
HandlePatientList1(ApiContext& ctx)
{
	if (!ValidClass(ctx, {"01", "02"})) {
		WriteResult(ctx, "91");
		return;
	}
	const bool new_or_updated = ctx.http.QueryParam("class") == "01";
	const std::string start_text = ctx.request.Get("Base_StartDate");
	const std::string end_text = ctx.request.Get("Base_EndDate");
	const std::string test_flag = ctx.request.Get("Contain_TestPatient_Flag");

	// Blank start = today, blank end = open (the server uses 99999999).
	// UNCONFIRMED: the docs list no code for a malformed date; the simulator
	// answers 01 (the only date-related code of this API).
	int from = ctx.today;
	int to = INT_MAX;
	if (!start_text.empty()) {
		const std::optional<int> parsed = ParseDate(start_text);
		if (!parsed) {
			WriteResult(ctx, "01");
			return;
		}
		from = *parsed;
	}
	if (!end_text.empty()) {
		const std::optional<int> parsed = ParseDate(end_text);
		if (!parsed) {
			WriteResult(ctx, "01");
			return;
		}
		to = *parsed;
	}
	if (from > to) {
		WriteResult(ctx, "01");
		return;
	}
	// Quirk: Contain_TestPatient_Flag=1 EXCLUDES test patients.
	if (!test_flag.empty() && test_flag != "0" && test_flag != "1") {
		WriteResult(ctx, "02");
		return;
	}

	std::vector<const Patient*> hits;
	auto lock = ctx.store.ReadLock();
	ctx.store.CollectChanged(new_or_updated, from, to, test_flag == "1", 1001, hits);
	if (hits.empty()) {
		WriteResult(ctx, "20");
		return;
	}
	if (hits.size() > 1000) {
		// UNCONFIRMED: whether the real server also returns the first 1000
		// rows with code 10. The simulator answers the code without rows.
		WriteResult(ctx, "10");
		return;
	}
	if (new_or_updated) {
		std::sort(hits.begin(), hits.end(), [](const Patient* a, const Patient* b) {
			return std::tie(a->update_date, a->update_time, a->create_date, a->number) <
			       std::tie(b->update_date, b->update_time, b->create_date, b->number);
		});
	} else {
		std::sort(hits.begin(), hits.end(), [](const Patient* a, const Patient* b) {
			return std::tie(a->create_date, a->number) < std::tie(b->create_date, b->number);
		});
	}
	WriteResult(ctx, "00");
	ctx.response.Add("Target_Patient_Count", ZeroPad(static_cast<long long>(hits.size()), 4));
	Node& rows = ctx.response.AddArray("Patient_Information", 1000);
	for (const Patient* patient : hits) {
		Node& row = rows.AppendRecord();
		AddPatientBasics(row, *patient);
		row.Add("CreateDate", FormatDate(patient->create_date));
		row.Add("UpdateDate", FormatDate(patient->update_date));
		// UpdateTime was added on 2017-12-20: older servers answer without it.
		if (!ctx.config.omit_update_time)
			row.Add("UpdateTime", patient->update_date == kNoDate ? std::string() : FormatHms(patient->update_time));
		row.Add("TestPatient_Flag", patient->test_flag);
	}
}

// ---------------------------------------------------------------------------
// patientlst2v2 (POST /api01rv2/patientlst2v2?class=01)
// ---------------------------------------------------------------------------

void
HandlePatientList2(ApiContext& ctx)
{
	if (!ValidClass(ctx, {"01"})) {
		WriteResult(ctx, "91");
		return;
	}
	// The server reads the first 100 slots; blank slots are skipped.
	// UNCONFIRMED: behaviour for more than 100 items (extra items ignored here).
	std::vector<std::string> ids;
	if (const Node* list = ctx.request.Find("Patient_ID_Information")) {
		size_t slot = 0;
		auto take = [&](const Node& item) {
			if (slot++ >= 100)
				return;
			const std::string id = item.IsString() ? std::string(TrimAscii(item.Value())) : item.Get("Patient_ID");
			if (!id.empty())
				ids.push_back(id);
		};
		if (list->IsArray()) {
			for (const auto& item : list->Children())
				take(*item);
		} else {
			take(*list); // a single record sent without type="array"
		}
	}

	auto lock = ctx.store.ReadLock();
	int found = 0;
	int missing = 0;
	Node rows = Node::MakeArray(100);
	for (const std::string& raw : ids) {
		Node& row = rows.AppendRecord();
		const std::optional<int> number = ctx.store.ParsePatientNumber(raw);
		const Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
		if (patient != nullptr) {
			AddListRow(row, *patient, ctx.today);
			found++;
		} else {
			// The id as sent when it is not a valid number, padded when the
			// number is valid but no patient has it (ORAPI012R3V2).
			row.Add("Patient_ID", number ? ctx.store.FormatPatientId(*number) : raw);
			row.Add("WholeName", kNoSuchPatient);
			missing++;
		}
	}
	// UNCONFIRMED: Api_Result stays 00 when some or all ids are unknown.
	WriteResult(ctx, "00");
	ctx.response.Add("Target_Patient_Count", ZeroPad(found, 3));
	ctx.response.Add("No_Target_Patient_Count", ZeroPad(missing, 3));
	ctx.response.AddChild("Patient_Information", std::move(rows));
}

// ---------------------------------------------------------------------------
// patientlst3v2 (POST /api01rv2/patientlst3v2?class=01) — answers patientlst2res
// ---------------------------------------------------------------------------

void
HandlePatientList3(ApiContext& ctx)
{
	if (!ValidClass(ctx, {"01"})) {
		WriteResult(ctx, "91");
		return;
	}
	// The search string is normalised like the ORCA name search: half-width
	// characters (ASCII, space, katakana) become full-width.
	const std::string name = ToFullWidth(TrimAscii(ctx.request.GetRaw("WholeName")));
	if (name.empty()) {
		WriteResult(ctx, "17");
		return;
	}
	if (!InNameSearchSet(name)) {
		WriteResult(ctx, "10");
		return;
	}
	const std::string birth_start_text = ctx.request.Get("Birth_StartDate");
	const std::string birth_end_text = ctx.request.Get("Birth_EndDate");
	int birth_from = INT_MIN;
	int birth_to = INT_MAX;
	if (!birth_start_text.empty()) {
		const std::optional<int> parsed = ParseDate(birth_start_text);
		if (!parsed) {
			WriteResult(ctx, "11");
			return;
		}
		birth_from = birth_to = *parsed; // blank end = the start day
	}
	if (!birth_end_text.empty()) {
		const std::optional<int> parsed = ParseDate(birth_end_text);
		if (!parsed) {
			WriteResult(ctx, "12");
			return;
		}
		if (birth_start_text.empty()) {
			WriteResult(ctx, "13");
			return;
		}
		birth_to = *parsed;
		if (birth_from > birth_to) {
			WriteResult(ctx, "14");
			return;
		}
	}
	const std::string sex = ctx.request.Get("Sex");
	if (!sex.empty() && sex != "1" && sex != "2") {
		WriteResult(ctx, "15");
		return;
	}
	const std::string in_out = ctx.request.Get("InOut");
	if (!in_out.empty() && in_out != "1" && in_out != "2") {
		WriteResult(ctx, "16");
		return;
	}

	// "＊" separates family and given name: "山田＊花" = family starts with
	// 山田 and given name starts with 花; "＊花子" = given name search.
	const std::string star = "＊";
	std::string family = name;
	std::string given;
	bool given_only = false;
	const size_t star_at = name.find(star);
	if (star_at != std::string::npos) {
		family = name.substr(0, star_at);
		given = name.substr(star_at + star.size());
		for (size_t more; (more = given.find(star)) != std::string::npos;)
			given.erase(more, star.size());
		given_only = family.empty();
		if (family.empty() && given.empty()) {
			WriteResult(ctx, "17");
			return;
		}
	}

	const int today = ctx.today;
	auto filter = [&](const Patient& patient) {
		if (patient.birth < birth_from || patient.birth > birth_to)
			return false;
		if (!sex.empty() && patient.sex != sex)
			return false;
		if (in_out == "1" && !IsAdmittedOn(patient, today))
			return false;
		if (in_out == "2" && IsAdmittedOn(patient, today))
			return false;
		return true;
	};
	std::vector<const Patient*> hits;
	auto lock = ctx.store.ReadLock();
	ctx.store.CollectByName(family, given, given_only, 101, filter, hits);
	if (hits.empty()) {
		WriteResult(ctx, "20");
		return;
	}
	if (hits.size() > 100) {
		// UNCONFIRMED: whether the first 100 rows come with code 21. The
		// simulator answers the code without rows.
		WriteResult(ctx, "21");
		return;
	}
	// Rows in patient-number order (UNCONFIRMED: the server's order).
	WriteResult(ctx, "00");
	ctx.response.Add("Target_Patient_Count", ZeroPad(static_cast<long long>(hits.size()), 3));
	ctx.response.Add("No_Target_Patient_Count", "000");
	Node& rows = ctx.response.AddArray("Patient_Information", 100);
	for (const Patient* patient : hits)
		AddListRow(rows.AppendRecord(), *patient, today);
}

} // namespace orca_sim
