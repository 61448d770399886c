/*
 * scan_list.cpp — the generic planner and executor of list resources
 * (ReadSpec::list): the rows of one list call, or of one call per row of a
 * parent list (the rooms of each ward).  The call's Request_Number is its
 * endpoint's (endpoints.cpp); WHERE clauses narrow nothing, PostgreSQL
 * filters the list.
 */
#include "core/scan_internal.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::scan_detail {

namespace {

/* "POST /api01rv2/hsconfwardv2 — Request_Number 1 (all wards)" */
std::string
ListCallText(Api api, const std::string &explain)
{
	const std::string &number = EndpointOf(api).request_number;
	return CallText(api) + " — " + (number.empty() ? "" : "Request_Number " + number) + explain;
}

struct ListJob final : Job {
	bool parent = false; /* the parent list: each of its rows makes a call */
};

class ListExecutor final : public ExecutorFor<ListJob> {
public:
	using ExecutorFor::ExecutorFor;

	void Start() override
	{
		const ListSpec &list = spec_.resource->read.list;
		if (list.parent != Api::Count_)
			AddList(list.parent, true, nullptr);
		else
			AddList(list.api, false, nullptr);
	}

private:
	void AddList(Api api, bool parent, const std::string *value)
	{
		auto job = std::make_unique<ListJob>();
		job->parent = parent;
		Node req = Node::MakeRecord();
		const std::string &number = EndpointOf(api).request_number;
		if (!number.empty())
			req.children.emplace_back("Request_Number", Node::MakeString(number));
		if (value)
			req.children.emplace_back(spec_.resource->read.list.parameter, Node::MakeString(*value));
		AddCall(*job, api, "", &req);
		Push(std::move(job));
	}

	void Complete(ListJob &job) override
	{
		ApiCall &call = *job.calls[0];
		const ListSpec &list = spec_.resource->read.list;
		if (job.parent) {
			for (Node &row : call.Rows())
				if (const std::string *value = row.StringAt(list.parent_value))
					AddList(list.api, false, value);
			return;
		}
		for (Node &item : call.Rows()) {
			OutRow row;
			row.Set(list.api, std::move(item));
			Emit(std::move(row));
		}
	}

	bool Advance() override { return false; }
};

} // namespace

void
PlanList(const ScanSpec &spec, ScanPlan &p)
{
	const ListSpec &list = spec.resource->read.list;
	p.strategy = Strategy::Reference;
	if (list.parent != Api::Count_)
		p.explain.push_back(ListCallText(list.parent, list.parent_explain));
	p.explain.push_back(ListCallText(list.api, list.explain));
	p.estimated_calls = list.estimated_calls;
	p.estimated_rows = list.estimated_rows;
}

std::unique_ptr<Executor>
MakeListExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                 std::vector<std::string> &warnings)
{
	return std::make_unique<ListExecutor>(client, spec, plan, stats, warnings);
}

} // namespace orca_fdw::core::scan_detail
