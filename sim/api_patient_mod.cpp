// api_patient_mod.cpp — patientmodv2 (POST /orca12/patientmodv2?class=01|02|03):
// register, update and delete patients (patients notes §3.5). Root
// patientmodreq / patientmodres, Reskey "Acceptance_Info"; success texts
// 登録終了 / 更新終了 / 削除終了; warnings put the first warning code (K0 …) in
// Api_Result and the texts in Api_Warning_Message1..5.
#include <algorithm>

#include "api.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

struct ModError {
	std::string code;
	std::string message; // "" = the table message
};

std::string
ProviderName(const std::string& provider_class)
{
	static const char* const kNames[][2] = {
	    {"060", "国保"}, {"009", "協会"},       {"006", "組合"}, {"031", "共済"}, {"032", "共済"},
	    {"033", "共済"}, {"034", "共済"},       {"039", "後期高齢者"}, {"067", "退職"}, {"980", "自費"},
	};
	for (const auto& entry : kNames)
		if (provider_class == entry[0])
			return entry[1];
	return std::string();
}

// Insurance kind from the insurer number when InsuranceProvider_Class is blank.
std::string
ProviderClassFromNumber(const std::string& number)
{
	if (number.size() == 6)
		return "060";
	if (number.size() == 8) {
		const std::string law = number.substr(0, 2);
		if (law == "39")
			return "039";
		if (law == "01")
			return "009";
		if (law == "06")
			return "006";
		if (law == "31" || law == "32" || law == "33" || law == "34")
			return "0" + law;
		if (law == "67")
			return "067";
	}
	return std::string();
}

bool
IsHalfWidthNumberText(const std::string& text)
{
	return !HasNonAscii(text);
}

// The fields of the request that classes 01 and 02 store, after ORCA's
// conversions (SP: half-width space → full-width; H2F: half → full width).
struct PatientFields {
	std::string whole_name, kana, sex, householder, relationship, occupation;
	std::string cellular, fax, email;
	std::string zip, address1, address2, phone1, phone2;
	std::string workplace_name, workplace_zip, workplace_address1, workplace_address2, workplace_phone;
	std::string contraindication1, contraindication2, allergy1, allergy2, infection1, infection2, comment1,
	    comment2;
	int birth = 0;
};

// Validates the common fields; returns false and sets `error` on the first
// problem. `need_kana` is false for deletes.
bool
ReadPatientFields(const Node& request, int today, bool need_kana, PatientFields& out, ModError& error)
{
	out.whole_name = SpaceToFullWidth(TrimAscii(request.GetRaw("WholeName")));
	out.kana = HalfKanaToFullWidth(TrimAscii(request.GetRaw("WholeName_inKana")));
	const std::string birth = request.Get("BirthDate");
	out.sex = request.Get("Sex");
	if (out.whole_name.empty()) {
		error = {"02", ""};
		return false;
	}
	if (need_kana && out.kana.empty()) {
		error = {"03", ""};
		return false;
	}
	if (birth.empty()) {
		error = {"04", ""};
		return false;
	}
	if (out.sex.empty()) {
		error = {"05", ""};
		return false;
	}
	if (!IsAllFullWidth(out.whole_name)) {
		error = {"14", ""};
		return false;
	}
	// UNCONFIRMED: which characters the kana check rejects. Half-width
	// katakana and spaces are converted; anything else half-width is a 15.
	if (need_kana && !IsAllFullWidth(out.kana)) {
		error = {"15", ""};
		return false;
	}
	if (out.sex != "1" && out.sex != "2") {
		error = {"16", ""};
		return false;
	}
	const std::optional<int> birth_day = ParseDate(birth);
	if (!birth_day) {
		error = {"17", ""};
		return false;
	}
	if (*birth_day > today) {
		error = {"P1", "生年月日に未来日が入力されました"};
		return false;
	}
	out.birth = *birth_day;

	out.householder = SpaceToFullWidth(TrimAscii(request.GetRaw("HouseHolder_WholeName")));
	out.relationship = SpaceToFullWidth(TrimAscii(request.GetRaw("Relationship")));
	out.occupation = SpaceToFullWidth(TrimAscii(request.GetRaw("Occupation")));
	out.cellular = request.Get("CellularNumber");
	out.fax = request.Get("FaxNumber");
	out.email = request.Get("EmailAddress");
	if (const Node* home = request.Find("Home_Address_Information")) {
		out.zip = home->Get("Address_ZipCode");
		out.address1 = ToFullWidth(TrimAscii(home->GetRaw("WholeAddress1")));
		out.address2 = ToFullWidth(TrimAscii(home->GetRaw("WholeAddress2")));
		out.phone1 = home->Get("PhoneNumber1");
		out.phone2 = home->Get("PhoneNumber2");
	}
	// WorkPlace_Information: WholeName, WholeAddress1/2 converted to full
	// width (H2F), Address_ZipCode 7 digits (21), PhoneNumber half-width
	// (24; the spec marks it H2F but lists 勤務先電話番号エラー — UNCONFIRMED
	// which; refusing is the stricter choice).
	if (const Node* work = request.Find("WorkPlace_Information")) {
		out.workplace_name = ToFullWidth(TrimAscii(work->GetRaw("WholeName")));
		out.workplace_zip = work->Get("Address_ZipCode");
		out.workplace_address1 = ToFullWidth(TrimAscii(work->GetRaw("WholeAddress1")));
		out.workplace_address2 = ToFullWidth(TrimAscii(work->GetRaw("WholeAddress2")));
		out.workplace_phone = work->Get("PhoneNumber");
	}
	out.contraindication1 = ToFullWidth(TrimAscii(request.GetRaw("Contraindication1")));
	out.contraindication2 = ToFullWidth(TrimAscii(request.GetRaw("Contraindication2")));
	out.allergy1 = ToFullWidth(TrimAscii(request.GetRaw("Allergy1")));
	out.allergy2 = ToFullWidth(TrimAscii(request.GetRaw("Allergy2")));
	out.infection1 = ToFullWidth(TrimAscii(request.GetRaw("Infection1")));
	out.infection2 = ToFullWidth(TrimAscii(request.GetRaw("Infection2")));
	out.comment1 = ToFullWidth(TrimAscii(request.GetRaw("Comment1")));
	out.comment2 = ToFullWidth(TrimAscii(request.GetRaw("Comment2")));

	if (!out.zip.empty() && (out.zip.size() != 7 || !IsAllDigits(out.zip))) {
		error = {"20", ""};
		return false;
	}
	if (!out.workplace_zip.empty() && (out.workplace_zip.size() != 7 || !IsAllDigits(out.workplace_zip))) {
		error = {"21", ""};
		return false;
	}
	if (!IsHalfWidthNumberText(out.phone1)) {
		error = {"22", ""};
		return false;
	}
	if (!IsHalfWidthNumberText(out.phone2)) {
		error = {"23", ""};
		return false;
	}
	if (!IsHalfWidthNumberText(out.workplace_phone)) {
		error = {"24", ""};
		return false;
	}
	if (!IsHalfWidthNumberText(out.cellular)) {
		error = {"25", ""};
		return false;
	}
	if (!IsHalfWidthNumberText(out.fax)) {
		error = {"26", ""};
		return false;
	}
	if (!IsHalfWidthNumberText(out.email)) {
		error = {"27", ""};
		return false;
	}
	if (!out.occupation.empty() && !IsAllFullWidth(out.occupation)) {
		error = {"28", ""};
		return false;
	}
	return true;
}

void
ApplyPatientFields(Patient& patient, const PatientFields& fields)
{
	patient.birth = fields.birth;
	patient.sex = fields.sex;
	patient.householder = fields.householder;
	patient.relationship = fields.relationship;
	patient.occupation = fields.occupation;
	patient.cellular = fields.cellular;
	patient.fax = fields.fax;
	patient.email = fields.email;
	patient.zip = fields.zip;
	patient.address1 = fields.address1;
	patient.address2 = fields.address2;
	patient.phone1 = fields.phone1;
	patient.phone2 = fields.phone2;
	patient.workplace_name = fields.workplace_name;
	patient.workplace_zip = fields.workplace_zip;
	patient.workplace_address1 = fields.workplace_address1;
	patient.workplace_address2 = fields.workplace_address2;
	patient.workplace_phone = fields.workplace_phone;
	patient.contraindication1 = fields.contraindication1;
	patient.contraindication2 = fields.contraindication2;
	patient.allergy1 = fields.allergy1;
	patient.allergy2 = fields.allergy2;
	patient.infection1 = fields.infection1;
	patient.infection2 = fields.infection2;
	patient.comment1 = fields.comment1;
	patient.comment2 = fields.comment2;
}

// The insurance (one record) and up to 4 public expenses of a class 01
// request; combinations are built as ORCA does automatically.
void
ReadInsurances(const Node& request, Patient& patient, int today)
{
	const std::string rate = BurdenRateForAge(AgeOn(patient.birth, today));
	const Node* record = request.Find("HealthInsurance_Information");
	if (record == nullptr || record->IsBlank())
		return;
	const std::string provider_number = record->Get("InsuranceProvider_Number");
	std::string provider_class = record->Get("InsuranceProvider_Class");
	if (provider_class.empty())
		provider_class = ProviderClassFromNumber(provider_number);
	if (!provider_class.empty() || !provider_number.empty()) {
		HealthInsurance insurance;
		insurance.provider_class = provider_class;
		insurance.provider_number = provider_number;
		insurance.provider_name = record->Get("InsuranceProvider_WholeName");
		if (insurance.provider_name.empty())
			insurance.provider_name = ProviderName(provider_class);
		insurance.symbol = ToFullWidth(TrimAscii(record->GetRaw("HealthInsuredPerson_Symbol")));
		insurance.number = ToFullWidth(TrimAscii(record->GetRaw("HealthInsuredPerson_Number")));
		insurance.continuation = record->Get("HealthInsuredPerson_Continuation");
		insurance.relation = record->Get("RelationToInsuredPerson");
		if (insurance.relation.empty())
			insurance.relation = "1";
		insurance.insured_name = SpaceToFullWidth(TrimAscii(record->GetRaw("HealthInsuredPerson_WholeName")));
		if (insurance.insured_name.empty())
			insurance.insured_name = insurance.relation == "1" ? patient.whole_name : patient.householder;
		const std::optional<int> start = ParseDate(record->Get("Certificate_StartDate"));
		const std::optional<int> expire = ParseDate(record->Get("Certificate_ExpiredDate"));
		insurance.start = start ? *start : today;
		insurance.expire = expire ? *expire : OpenEndDate();
		insurance.check_date = today;
		AssistanceForRate(provider_class == "980" ? std::string("1.00") : rate, insurance.assistance,
		                  insurance.assistance_name);
		patient.health.push_back(insurance);
	}
	if (const Node* publics = record->Find("PublicInsurance_Information")) {
		for (const auto& item : publics->Children()) {
			if (item->IsBlank() || patient.publics.size() >= 4)
				continue;
			PublicInsurance pub;
			pub.insurance_class = item->Get("PublicInsurance_Class");
			pub.payer_number = item->Get("PublicInsurer_Number");
			if (pub.insurance_class.empty() && pub.payer_number.size() >= 2)
				pub.insurance_class = "0" + pub.payer_number.substr(0, 2);
			pub.name = item->Get("PublicInsurance_Name");
			pub.recipient_number = item->Get("PublicInsuredPerson_Number");
			pub.rate_admission = "0.00";
			pub.rate_outpatient = "0.00";
			const std::optional<int> issued = ParseDate(item->Get("Certificate_IssuedDate"));
			const std::optional<int> expire = ParseDate(item->Get("Certificate_ExpiredDate"));
			pub.issued = issued ? *issued : today;
			pub.expire = expire ? *expire : OpenEndDate();
			patient.publics.push_back(pub);
		}
	}
	int next = 1;
	auto add_combination = [&](int health_index, int public_index) {
		InsuranceCombination combination;
		combination.number = next++;
		combination.health_index = health_index;
		if (public_index >= 0)
			combination.public_indexes.push_back(public_index);
		const bool self_pay = health_index >= 0 && patient.health[0].provider_class == "980";
		combination.rate_admission = public_index >= 0 ? "0.00" : self_pay ? "1.00" : rate;
		combination.rate_outpatient = combination.rate_admission;
		combination.start = health_index >= 0 ? patient.health[0].start : patient.publics[0].issued;
		combination.expire = health_index >= 0 ? patient.health[0].expire : OpenEndDate();
		patient.combinations.push_back(combination);
	};
	if (!patient.health.empty())
		add_combination(0, -1);
	for (size_t i = 0; i < patient.publics.size(); i++)
		add_combination(patient.health.empty() ? -1 : 0, static_cast<int>(i));
}

void
AddPatientEcho(Node& response, const Patient& patient)
{
	Node& info = response.AddRecord("Patient_Information");
	AddPatientBasics(info, patient);
	info.Add("HouseHolder_WholeName", patient.householder);
	info.Add("Relationship", patient.relationship);
	info.Add("Occupation", patient.occupation);
	info.Add("CellularNumber", patient.cellular);
	info.Add("FaxNumber", patient.fax);
	info.Add("EmailAddress", patient.email);
	Node& home = info.AddRecord("Home_Address_Information");
	home.Add("Address_ZipCode", patient.zip);
	home.Add("WholeAddress1", patient.address1);
	home.Add("WholeAddress2", patient.address2);
	home.Add("PhoneNumber1", patient.phone1);
	home.Add("PhoneNumber2", patient.phone2);
	Node& work = info.AddRecord("WorkPlace_Information");
	work.Add("WholeName", patient.workplace_name);
	work.Add("Address_ZipCode", patient.workplace_zip);
	work.Add("WholeAddress1", patient.workplace_address1);
	work.Add("WholeAddress2", patient.workplace_address2);
	work.Add("PhoneNumber", patient.workplace_phone);
	info.Add("Contraindication1", patient.contraindication1);
	info.Add("Contraindication2", patient.contraindication2);
	info.Add("Allergy1", patient.allergy1);
	info.Add("Allergy2", patient.allergy2);
	info.Add("Infection1", patient.infection1);
	info.Add("Infection2", patient.infection2);
	info.Add("Comment1", patient.comment1);
	info.Add("Comment2", patient.comment2);
	// The combinations (max 20), nested in Patient_Information as in the
	// documented response skeleton.
	Node& combinations = info.AddArray("HealthInsurance_Information", 20);
	for (const InsuranceCombination& combination : patient.combinations) {
		Node& item = combinations.AppendRecord();
		item.Add("Insurance_Combination_Number", ZeroPad(combination.number, 4));
		if (combination.health_index >= 0) {
			const HealthInsurance& health = patient.health[static_cast<size_t>(combination.health_index)];
			item.Add("InsuranceProvider_Class", health.provider_class);
			item.Add("InsuranceProvider_Number", health.provider_number);
			item.Add("InsuranceProvider_WholeName", health.provider_name);
			item.Add("HealthInsuredPerson_Symbol", health.symbol);
			item.Add("HealthInsuredPerson_Number", health.number);
			item.Add("HealthInsuredPerson_Continuation", health.continuation);
			item.Add("HealthInsuredPerson_Assistance", health.assistance);
			item.Add("RelationToInsuredPerson", health.relation);
			item.Add("HealthInsuredPerson_WholeName", health.insured_name);
			item.Add("Certificate_StartDate", FormatDate(health.start));
			item.Add("Certificate_ExpiredDate", FormatDate(health.expire));
		}
		Node& publics = item.AddArray("PublicInsurance_Information", 4);
		for (int index : combination.public_indexes) {
			const PublicInsurance& pub = patient.publics[static_cast<size_t>(index)];
			Node& entry = publics.AppendRecord();
			entry.Add("PublicInsurance_Class", pub.insurance_class);
			entry.Add("PublicInsurance_Name", pub.name);
			entry.Add("PublicInsurer_Number", pub.payer_number);
			entry.Add("PublicInsuredPerson_Number", pub.recipient_number);
			entry.Add("Rate_Admission", pub.rate_admission);
			entry.Add("Money_Admission", SpacePad(pub.money_admission, 6));
			entry.Add("Rate_Outpatient", pub.rate_outpatient);
			entry.Add("Money_Outpatient", SpacePad(pub.money_outpatient, 6));
			entry.Add("Certificate_IssuedDate", FormatDate(pub.issued));
			entry.Add("Certificate_ExpiredDate", FormatDate(pub.expire));
		}
	}
}

void
WriteModError(ApiContext& ctx, const ModError& error)
{
	WriteHeader(ctx, error.code, error.message.empty() ? ApiMessage(ctx.route, error.code) : error.message);
}

bool
IsAutoNumber(const std::string& id)
{
	return id == "*" || id == "＊";
}

void
Register(ApiContext& ctx, const std::string& raw_id, const PatientFields& fields)
{
	auto lock = ctx.store.WriteLock();
	DataStore& store = ctx.store;
	int number;
	if (IsAutoNumber(raw_id)) {
		number = store.NextFreePatientNumber();
		if (static_cast<int>(std::to_string(number).size()) > store.IdWidth()) {
			WriteModError(ctx, {"18", ""});
			return;
		}
	} else {
		const std::optional<int> parsed = store.ParsePatientNumber(raw_id);
		if (!parsed) {
			WriteModError(ctx, {"12", ""});
			return;
		}
		number = *parsed;
		if (store.FindPatient(number) != nullptr) {
			WriteModError(ctx, {"13", ""});
			return;
		}
	}
	// Same name, sex and birth date already registered: a warning only.
	bool same_patient_exists = false;
	for (const auto& other : store.AllPatients())
		if (other && other->whole_name == fields.whole_name && other->sex == fields.sex &&
		    other->birth == fields.birth)
			same_patient_exists = true;

	auto patient = std::make_unique<Patient>();
	patient->number = number;
	patient->whole_name = fields.whole_name;
	patient->kana = fields.kana;
	ApplyPatientFields(*patient, fields);
	if (patient->householder.empty())
		patient->householder = patient->whole_name;
	patient->create_date = ctx.today;
	patient->update_date = ctx.today;
	patient->update_time = LocalSecondsOfDay();
	ReadInsurances(ctx.request, *patient, ctx.today);
	Patient& stored = store.InsertPatient(std::move(patient));

	std::vector<std::string> warnings;
	if (same_patient_exists)
		warnings.push_back("警告！同一患者の登録があります");
	WriteHeader(ctx, same_patient_exists ? "K0" : "00", "登録終了", warnings);
	AddPatientEcho(ctx.response, stored);
}

void
Update(ApiContext& ctx, const std::string& raw_id, const PatientFields& fields)
{
	const std::string mod_key = ctx.request.Get("Mod_Key");
	if (!mod_key.empty() && mod_key != "1" && mod_key != "2") {
		WriteModError(ctx, {"53", ""});
		return;
	}
	auto lock = ctx.store.WriteLock();
	const std::optional<int> number = ctx.store.ParsePatientNumber(raw_id);
	Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		WriteModError(ctx, {"10", ""});
		return;
	}
	// Mod_Key 1/blank: the target is ID + sex + birth date (names may change);
	// Mod_Key 2: ID + kanji name + kana name (sex and birth date may change).
	const bool by_names = mod_key == "2";
	if (by_names ? (patient->whole_name != fields.whole_name || patient->kana != fields.kana)
	             : (patient->sex != fields.sex || patient->birth != fields.birth)) {
		WriteModError(ctx, {"50", ""});
		return;
	}
	ctx.store.RenamePatient(*patient, fields.whole_name, fields.kana);
	ApplyPatientFields(*patient, fields);
	ctx.store.TouchPatient(*patient, ctx.today, LocalSecondsOfDay());
	WriteHeader(ctx, "00", "更新終了");
	AddPatientEcho(ctx.response, *patient);
}

void
Delete(ApiContext& ctx, const std::string& raw_id, const PatientFields& fields)
{
	auto lock = ctx.store.WriteLock();
	const std::optional<int> number = ctx.store.ParsePatientNumber(raw_id);
	Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		WriteModError(ctx, {"10", ""});
		return;
	}
	if (patient->whole_name != fields.whole_name || patient->sex != fields.sex || patient->birth != fields.birth) {
		WriteModError(ctx, {"81", ""});
		return;
	}
	// Only patients without data besides the patient record can be deleted:
	// the spec names visit history, disease names and admissions (all `82`).
	// Whether a reception alone (acceptlstv2) blocks it is UNCONFIRMED; the
	// simulator refuses, the safe side (sim/STATUS.md).
	if (!patient->stays.empty() || !patient->visits.empty() || !patient->diseases.empty()) {
		WriteModError(ctx, {"82", ""});
		return;
	}
	WriteHeader(ctx, "00", "削除終了");
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), *patient);
	ctx.store.DeletePatient(*number);
}

} // namespace

void
BreakPatientId(std::string& body, bool json)
{
	// The "bad_patient_id" fault: the registration is done, but every
	// Patient_ID of the answer gets an "X" in front (not a patient number), as
	// a broken server or proxy might answer. Lets clients check they do not
	// take such an id for the patient that was registered.
	const std::string key = json ? "\"Patient_ID\":\"" : "<Patient_ID type=\"string\">";
	for (size_t at = body.find(key); at != std::string::npos; at = body.find(key, at + key.size() + 1))
		body.insert(at + key.size(), "X");
}

void
HandlePatientMod(ApiContext& ctx)
{
	// class 04 (insurance addition) is not simulated and answers 91.
	const std::string patient_class = ctx.http.QueryParam("class");
	if (patient_class != "01" && patient_class != "02" && patient_class != "03") {
		WriteResult(ctx, "91");
		return;
	}
	const std::string raw_id = ctx.request.Get("Patient_ID");
	if (raw_id.empty()) {
		WriteResult(ctx, "01");
		return;
	}
	PatientFields fields;
	ModError error;
	if (!ReadPatientFields(ctx.request, ctx.today, patient_class != "03", fields, error)) {
		WriteModError(ctx, error);
		return;
	}
	if (patient_class == "01")
		Register(ctx, raw_id, fields);
	else if (patient_class == "02")
		Update(ctx, raw_id, fields);
	else
		Delete(ctx, raw_id, fields);
}

} // namespace orca_sim
