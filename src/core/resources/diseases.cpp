/*
 * diseases.cpp — the diseases resource, one row per disease name (病名) of a
 * patient, from diseasegetv2: its declaration, then its planning and
 * execution hooks.
 *
 *   patient_id = / IN, or a join → diseasegetv2 per patient (Select_Mode All:
 *       every disease name, ended ones too)
 *   otherwise → an error naming patient_id
 * An unknown patient (10) or one without disease names (21) has no rows.
 * ORCA returns at most 200 names a patient (Information_Overflow True
 * beyond): such an answer is refused rather than returned in part.
 * UNCONFIRMED: that Select_Mode All without a Base_Date returns every name
 * whatever its month (disease.html: 2016-09-26 全ての患者病名情報の取得対応).
 */
#include "core/resources/resource.hpp"

#include "core/error.hpp"
#include "core/scan_internal.hpp"

#include <set>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace scan_detail {
void PlanDiseases(const ScanSpec &spec, ScanPlan &p);
std::unique_ptr<Executor> MakeDiseasesExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan,
                                               SessionStats &stats, std::vector<std::string> &warnings);
} // namespace scan_detail

namespace {

constexpr Source kDisease = Source::DiseaseGet;

enum DiseaseKey : int { kKeyPatient };

} // namespace

/* ---------------------------------------------------------------------- */
/* The declaration                                                          */
/* ---------------------------------------------------------------------- */

ResourceDef
resources::Diseases()
{
	ResourceDef r;
	r.name = "diseases";
	r.comment = "患者病名 / ORCA disease names of a patient, one row per name";
	auto d = [](const std::string &path) { return In({kDisease}, path); };
	r.columns = {
		Col("patient_id", ColumnType::Text, d("Patient_ID"), "患者番号 / patient number"),
		Col("department_code", ColumnType::Text, d("Department_Code"), "診療科コード / department"),
		Col("disease_code", ColumnType::Text, d("Disease_Code"), "一連病名コード / disease code"),
		Col("disease_name", ColumnType::Text, d("Disease_Name"), "病名 / disease name"),
		Col("disease_in_out", ColumnType::Text, d("Disease_InOut"), "入外区分 / O outpatient, I inpatient"),
		Col("disease_category", ColumnType::Text, d("Disease_Category"), "主病フラグ / PD: the main disease"),
		Col("suspected_flag", ColumnType::Text, d("Disease_SuspectedFlag"), "疑いフラグ / S: suspected"),
		Col("acute_flag", ColumnType::Text, d("Disease_AcuteFlag"), "急性フラグ / A: acute"),
		Col("start_date", ColumnType::Date, d("Disease_StartDate"), "開始日 / start date"),
		Col("end_date", ColumnType::Date, d("Disease_EndDate"), "転帰日 / outcome date; NULL while open"),
		Col("outcome", ColumnType::Text, d("Disease_OutCome"), "転帰区分 / F cured, D died, N unchanged, ..."),
		Col("supplement_name", ColumnType::Text, d("Disease_Supplement_Name"), "補足コメント / supplementary comment"),
		Col("insurance_combination_number", ColumnType::Text, d("Insurance_Combination_Number"),
		    "保険組合せ番号 / insurance combination"),
		Col("disease_class", ColumnType::Text, d("Disease_Class"), "疾患区分 / disease class"),
		Col("insurance_disease", ColumnType::Text, d("Insurance_Disease"), "保険病名 / 1: insurance disease"),
		Col("receipt_print", ColumnType::Text, d("Disease_Receipt_Print"), "レセプト表示 / 1: not printed on receipts"),
	};
	r.read.keys = {
	    {kKeyPatient, "patient_id", {QualOp::Eq, QualOp::In}, kDisease, "Patient_ID", "", true, true},
	};
	r.read.missing.message = "a query on resource \"diseases\" needs a patient_id condition";
	r.read.missing.detail = "ORCA returns disease names one patient at a time (" + std::string(ApiName(kDisease)) +
	                        "); without a patient every patient would have to be read.";
	r.read.missing.hint = "Add WHERE patient_id = '…', WHERE patient_id IN (…), or join on patient_id.";
	r.read.missing.explain = "no plan: a patient_id condition is required";
	r.read.plan = scan_detail::PlanDiseases;
	r.read.execute = scan_detail::MakeDiseasesExecutor;
	r.read.calls = ApiBit(kDisease);
	/* a batched join hands 100 patients to one scan: one diseasegetv2 call each,
	 * made together, never one scan per outer row */
	r.read.join_batch = 100;
	return r;
}

/* ---------------------------------------------------------------------- */
/* Planning                                                                 */
/* ---------------------------------------------------------------------- */

namespace scan_detail {

void
PlanDiseases(const ScanSpec &spec, ScanPlan &p)
{
	if (EmptyQual(spec))
		return PlanEmpty(p, "a condition can never be true");
	p.id_qual = KeyQual(spec, spec.resource->KeyOf(kKeyPatient));
	if (p.id_qual < 0)
		return PlanMissingKey(spec, p);
	const QualSpec &q = spec.quals[p.id_qual];
	double n = q.values_known ? static_cast<double>(q.values.size()) : std::max(1, q.estimated_count);
	p.strategy = Strategy::Own;
	p.explain.push_back(CallText(kDisease) + " — one call per patient (Select_Mode All)");
	p.estimated_calls = n;
	p.estimated_rows = n * 4;
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

struct DiseaseJob final : Job {
	std::string id;
};

class DiseasesExecutor final : public ExecutorFor<DiseaseJob> {
public:
	using ExecutorFor::ExecutorFor;

	void Start() override
	{
		if (plan_.strategy != Strategy::Own)
			return; /* Empty */
		/* one call per patient: "42" and "00042" are one patient, and a value
		 * ORCA cannot read as a Patient_ID (PossiblePatientId) is never sent */
		std::set<std::string> keys;
		for (const std::string &id : spec_.quals[plan_.id_qual].values) {
			std::string key = IdKey(id);
			if (!PossiblePatientId(id) || key.empty() || !keys.insert(key).second)
				continue;
			auto job = std::make_unique<DiseaseJob>();
			job->output = true;
			job->id = id;
			Node req = Node::MakeRecord();
			req.children.emplace_back("Patient_ID", Node::MakeString(id));
			req.children.emplace_back("Select_Mode", Node::MakeString("All"));
			AddCall(*job, kDisease, "", &req);
			Push(std::move(job));
		}
	}

private:
	void Complete(DiseaseJob &job) override
	{
		ApiCall &call = *job.calls[0];
		if (call.Field("Information_Overflow") == "True")
			throw Error(ErrorKind::Unsupported,
			            "ORCA returned only part of the disease names of patient " + job.id.substr(0, 20),
			            "The patient has more disease names than one " + std::string(ApiName(kDisease)) +
			                " answer holds (" + std::to_string(EndpointOf(kDisease).page_size) +
			                "); a part is never returned as the whole.",
			            "Read this patient's disease names in ORCA.");
		const std::string &id = call.Field("Disease_Infores/Patient_ID");
		for (Node &item : call.Rows()) {
			item.children.emplace_back("Patient_ID", Node::MakeString(id.empty() ? job.id : id));
			OutRow row;
			row.Set(kDisease, std::move(item));
			Emit(std::move(row));
		}
	}

	bool Advance() override { return false; }
};

} // namespace

std::unique_ptr<Executor>
MakeDiseasesExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                     std::vector<std::string> &warnings)
{
	return std::make_unique<DiseasesExecutor>(client, spec, plan, stats, warnings);
}

} // namespace scan_detail
} // namespace orca_fdw::core
