/*
 * scan_inpatient.cpp — the calls admissions and meals share (see
 * scan_inpatient.hpp): hsfindv3 pages, and hsptinfv2's stays of a patient.
 */
#include "core/scan_inpatient.hpp"

#include "core/dates.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/cpp_only.hpp"

namespace orca_fdw::core::scan_detail {

long
Day(const char *text)
{
	long d = 0;
	ParseDate(text, &d);
	return d;
}

int
FindPageRows()
{
	return EndpointOf(Api::InpatientFind).page_size;
}

bool
NeedsBeyond(const ScanSpec &spec, Source driver)
{
	for (int c : spec.needed_columns)
		if (!(spec.resource->columns[c].Sources() & SourceBit(driver)))
			return true;
	return false;
}

double
IdCount(const ScanSpec &spec, int qual)
{
	const QualSpec &q = spec.quals[qual];
	return q.values_known ? static_cast<double>(q.values.size()) : std::max(1, q.estimated_count);
}

std::vector<std::string>
InpatientExecutor::UniqueIds() const
{
	std::vector<std::string> ids;
	std::set<std::string> keys;
	for (const std::string &id : spec_.quals[plan_.id_qual].values) {
		std::string key = IdKey(id);
		if (PossiblePatientId(id) && !key.empty() && keys.insert(key).second)
			ids.push_back(id);
	}
	return ids;
}

void
InpatientExecutor::AddRange(Node &criteria, const std::string &name, long first, long last)
{
	Node range = Node::MakeRecord();
	range.children.emplace_back("First", Node::MakeString(FormatDate(std::max(first, Day(kMinStayDate)))));
	range.children.emplace_back("Last", Node::MakeString(FormatDate(std::min(last, Day(kOpenEnd)))));
	criteria.children.emplace_back(name, std::move(range));
}

void
InpatientExecutor::AddFindPage(const Node &criteria, long first)
{
	auto job = std::make_unique<InpatientJob>();
	job->kind = InpatientJob::Kind::FindPage;
	job->first = first;
	job->criteria = criteria;
	Node req = Node::MakeRecord();
	req.children.emplace_back("Request_Number", Node::MakeString(EndpointOf(Api::InpatientFind).request_number));
	Node selection = Node::MakeRecord();
	selection.children.emplace_back("First", Node::MakeString(std::to_string(first)));
	selection.children.emplace_back("Last", Node::MakeString(std::to_string(first + FindPageRows() - 1)));
	req.children.emplace_back("Selection", std::move(selection));
	req.children.emplace_back("Patient_Information", criteria);
	/* Test patients' stays are stays too: never rely on the default of
	 * TestPatient_Class (b = include them). */
	req.children.back().second.children.emplace_back("TestPatient_Class", Node::MakeString("b"));
	/* E0106 (no hits), and the codes meaning "no such patient, department,
	 * ward" for a criterion we sent: endpoints.cpp */
	AddCall(*job, Api::InpatientFind, "", &req);
	Push(std::move(job));
}

void
InpatientExecutor::AddInfo(const std::string &id, const std::string &admission, std::vector<OutRow> rows)
{
	auto job = std::make_unique<InpatientJob>();
	job->kind = InpatientJob::Kind::Info;
	job->id = id;
	Node req = Node::MakeRecord();
	req.children.emplace_back("Patient_ID", Node::MakeString(id));
	/* 02: no such patient (or a malformed number) — no stays to show;
	 * 04 for an Admission_Date: no stay admitted that day (any more) */
	if (!admission.empty()) {
		req.children.emplace_back("Admission_Date", Node::MakeString(admission));
		job->one_stay = true;
		job->rows = std::move(rows);
	}
	AddCall(*job, Api::InpatientInfo, "", &req);
	Push(std::move(job));
}

bool
InpatientExecutor::Advance()
{
	if (deferred_pages_.empty())
		return false;
	auto [criteria, first] = std::move(deferred_pages_.front());
	deferred_pages_.erase(deferred_pages_.begin());
	AddFindPage(criteria, first);
	return true;
}

void
InpatientExecutor::CompleteOwn(InpatientJob &)
{
	throw Error(ErrorKind::Internal, "inpatient scan completed a job it does not know");
}

void
InpatientExecutor::Complete(InpatientJob &job)
{
	ApiCall &call = *job.calls[0];
	switch (job.kind) {
	case InpatientJob::Kind::FindPage:
		if (job.first == 1) {
			if (call.Outcome() == CallOutcome::Ok) {
				long count = std::atol(call.Field("Count").c_str());
				for (long first = 1 + FindPageRows(); first <= count; first += FindPageRows()) {
					if (Lazy())
						deferred_pages_.emplace_back(job.criteria, first);
					else
						AddFindPage(job.criteria, first);
				}
			}
			first_pages_pending_--;
		}
		FoundStays(call.Rows());
		return;
	case InpatientJob::Kind::Info: {
		/* the stays, each with the patient's id and basic fields */
		Node patient = Node::MakeRecord();
		for (const char *f : {"Patient_ID", "WholeName", "WholeName_inKana", "BirthDate", "Sex"}) {
			const std::string &v = call.Field(std::string("Patient_Information/") + f);
			if (!v.empty())
				patient.children.emplace_back(f, Node::MakeString(v));
		}
		const std::string *pid = patient.StringAt("Patient_ID");
		std::string id = pid ? *pid : job.id;
		std::vector<Node> &stays = call.Rows();
		for (Node &stay : stays) {
			stay.children.emplace_back("Patient_ID", Node::MakeString(id));
			stay.children.emplace_back("Patient_Information", patient);
		}
		StaysOf(job, id, stays);
		return;
	}
	default: CompleteOwn(job); return;
	}
}

} // namespace orca_fdw::core::scan_detail
