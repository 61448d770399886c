/*
 * meals.cpp — meal registrations (hsacctmodv2 Request_Number 4) and outings
 * (外泊等登録, Request_Number 2, from the row's patient_status): each row is
 * a patient-day; the admission it belongs to is looked up (hsptinfv2), and
 * the rows are merged per patient, admission and month into calls whose
 * Meal_Dates list the days per meal time and type, and one outing call per
 * run of consecutive days with one status (Perform_Date..End_Date; End_Date
 * must lie in Perform_Date's month, 8014) (see builders.hpp).
 */
#include "core/registration/builders.hpp"
#include "core/registration/internal.hpp"

#include "core/dates.hpp"
#include "core/orca_api.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

using namespace registration_detail;

namespace {

constexpr char kOpenEnd[] = "9999-12-31";

const char *const kMealWritable[] = {"patient_id",  "perform_date", "morning_meal",
                                     "lunch_meal", "evening_meal", "patient_status"};
/* Patient_Status (外泊等区分) codes hsacctmodv2 2 takes (notes §12.1): 00 back
 * on the ward, 01–03 outings and overnight stays, 04–17 reductions.  Which
 * ones ORCA takes depends on the day (8011); ORCA checks that.  99 (取消) is
 * request-only: orca_fdw sends 00 to end an outing, which reads back as the
 * day's status. */
const char *const kStatusCodes[] = {"00", "01", "02", "03", "04", "05", "06", "07", "08",
                                    "09", "13", "14", "15", "16", "17"};
const char *const kMealColumns[3] = {"morning_meal", "lunch_meal", "evening_meal"};

std::string
DaysText(const std::vector<int> &days_in)
{
	std::vector<int> days = days_in;
	std::sort(days.begin(), days.end());
	days.erase(std::unique(days.begin(), days.end()), days.end());
	std::string out = "*/";
	for (size_t i = 0; i < days.size();) {
		size_t j = i;
		while (j + 1 < days.size() && days[j + 1] == days[j] + 1)
			j++;
		if (i > 0)
			out += ',';
		out += std::to_string(days[i]);
		if (j > i)
			out += "-" + std::to_string(days[j]);
		i = j + 1;
	}
	return out;
}

} // namespace

MealRow
CheckMealRow(const ResourceDef &r, const RowImage &image, const std::string &table)
{
	Row row(r, image, table);
	const std::string why = "ORCA registers meals (" + RegCallName(RegKind::Meals) + ") and outings (" +
	                        RegSelector(RegKind::Outing) + ") per patient and day.";
	MealRow m;
	m.patient_id = Trim(row.Required("patient_id", why));
	RefuseUnsendable(m.patient_id, "patient_id", table);
	m.perform_date = row.Required("perform_date", why);
	row.RefuseReadOnly([](const std::string &c) { return In(kMealWritable, c); }, RegApiName(RegKind::Meals),
	                   "INSERT");
	bool any = false;
	for (int i = 0; i < 3; i++) {
		const std::string *v = row.Text(kMealColumns[i]);
		if (!v)
			continue;
		std::string code = Trim(*v);
		if (code.size() == 2 && code[0] == '0')
			code = code.substr(1);
		if (code.size() != 1 || code[0] < '0' || code[0] > '3')
			throw BadValue(kMealColumns[i], table,
			               "Meal codes are 00 (no meal), 01 (meal), 02 (special diet) and 03 (liquid diet).",
			               "Use '00', '01', '02' or '03'; NULL leaves that meal unchanged.");
		m.code[i] = code;
		any = true;
	}
	if (const std::string *v = row.Text("patient_status")) {
		std::string code = Trim(*v);
		if (code.size() == 1)
			code = "0" + code;
		if (!In(kStatusCodes, code))
			throw BadValue("patient_status", table,
			               "patient_status is ORCA's 外泊等区分: 00 on the ward, 01 overnight stay (外泊), 02 "
			               "overnight stay for treatment, 03 overnight stay during a selected admission, 04–06, 08, "
			               "09 and 13–17 reductions.",
			               "Use a two-digit code such as '01'; '00' ends an outing.");
		m.status = code;
		any = true;
	}
	if (!any)
		throw Error(ErrorKind::InvalidValue,
		            "morning_meal, lunch_meal, evening_meal and patient_status of foreign table " + Quote(table) +
		                " are all null",
		            "A meals row registers at least one meal of the day, or the day's outing status.",
		            "Give morning_meal, lunch_meal or evening_meal a code ('00'–'03'), or patient_status one "
		            "('01' overnight stay, '00' back on the ward).");
	long d;
	if (!ParseDate(m.perform_date, &d))
		throw BadValue("perform_date", table, "perform_date is not a calendar date.", "");
	return m;
}

std::string
AdmissionLookup::Find(const std::string &patient_id, const std::string &day, const CancelToken &cancel)
{
	auto it = stays_.find(patient_id);
	if (it == stays_.end()) {
		ApiCall call(Api::InpatientInfo, client_.Config().format); /* 02, no such patient: no stays */
		Node req = Node::MakeRecord();
		req.children.emplace_back("Patient_ID", Node::MakeString(patient_id));
		HttpRequest http = call.Prepare("", &req);
		calls_++;
		Ticket t = client_.Submit(std::move(http), &call);
		try {
			client_.Wait(t, cancel);
		} catch (...) {
			client_.Abandon(t);
			throw;
		}
		std::vector<Stay> stays;
		for (const Node &stay : call.Rows()) {
			const std::string *adm = stay.StringAt("Admission_Date");
			const std::string *dis = stay.StringAt("Discharge_Date");
			long from, to;
			if (!adm || !ParseDate(*adm, &from))
				continue;
			if (!dis || dis->empty() || *dis == kOpenEnd || !ParseDate(*dis, &to))
				to = 1L << 40;
			stays.push_back(Stay{from, to, *adm});
		}
		it = stays_.emplace(patient_id, std::move(stays)).first;
	}
	long d;
	ParseDate(day, &d);
	const Stay *best = nullptr;
	for (const Stay &s : it->second)
		if (s.from <= d && d <= s.to && (!best || s.from > best->from))
			best = &s;
	if (!best)
		throw Error(ErrorKind::InvalidValue,
		            "no admission of patient " + patient_id + " covers perform_date " + day,
		            "ORCA registers meals only for days of an admission; " + std::string(ApiName(Api::InpatientInfo)) +
		                " lists no stay of patient " +
		                patient_id + " that includes " + day + ".",
		            "Register the admission first, or check patient_id and perform_date.");
	return best->admission;
}

std::vector<Registration>
BuildMealCalls(const std::vector<MealRow> &rows)
{
	struct Group {
		std::string patient_id, admission, month;
		std::map<int, std::array<std::string, 3>> days; /* day of month → codes (last row wins) */
		std::map<int, std::string> status;              /* day of month → Patient_Status (last row wins) */
		std::vector<int> rows;
	};
	/* one call of a group (patient, admission, month): outings and meals alike */
	auto GroupRegistration = [](RegKind kind, const Group &g) {
		Registration reg;
		reg.kind = kind;
		reg.record_name = RecordName(kind);
		reg.patient_id = g.patient_id;
		reg.admission_date = g.admission;
		reg.other_date = g.month;
		reg.rows = g.rows;
		return reg;
	};
	std::vector<Group> groups;
	for (size_t i = 0; i < rows.size(); i++) {
		const MealRow &m = rows[i];
		long d;
		if (!ParseDate(m.perform_date, &d))
			throw Error(ErrorKind::Internal, "meal row without a valid perform_date");
		std::string month = FormatMonth(d);
		int dom = static_cast<int>(d - FirstDayOfMonth(d)) + 1;
		Group *g = nullptr;
		for (Group &x : groups)
			if (x.patient_id == m.patient_id && x.admission == m.admission_date && x.month == month)
				g = &x;
		if (!g) {
			groups.push_back(Group{m.patient_id, m.admission_date, month, {}, {}, {}});
			g = &groups.back();
		}
		g->rows.push_back(static_cast<int>(i));
		for (int slot = 0; slot < 3; slot++)
			if (!m.code[slot].empty())
				g->days[dom][slot] = m.code[slot];
		if (!m.status.empty())
			g->status[dom] = m.status;
	}
	std::vector<Registration> calls;
	for (const Group &g : groups) {
		/* Outings first (so the last answer, RETURNING's, shows the day after
		 * both): one call per run of consecutive days with one status, always
		 * with End_Date.  Without End_Date the outing codes would overwrite
		 * every day from Perform_Date onward (hospgaihaku.html); how far is
		 * UNCONFIRMED, so orca_fdw never sends one without it. */
		for (auto it = g.status.begin(); it != g.status.end();) {
			auto last = it;
			auto next = std::next(it);
			while (next != g.status.end() && next->first == last->first + 1 && next->second == it->second) {
				last = next;
				++next;
			}
			Registration reg = GroupRegistration(RegKind::Outing, g);
			reg.status = it->second;
			std::vector<int> run;
			for (int d = it->first; d <= last->first; d++)
				run.push_back(d);
			reg.meal_dates = DaysText(run);
			char from[16], to[16];
			std::snprintf(from, sizeof(from), "%s-%02d", g.month.c_str(), it->first);
			std::snprintf(to, sizeof(to), "%s-%02d", g.month.c_str(), last->first);
			SetString(reg.record, "Request_Number", RegNumber(reg.kind)); /* one character: "2" */
			SetString(reg.record, "Patient_ID", g.patient_id);
			SetString(reg.record, "Admission_Date", g.admission);
			SetString(reg.record, "Perform_Date", from);
			SetString(reg.record, "End_Date", to);
			SetString(reg.record, "Patient_Status", reg.status);
			calls.push_back(std::move(reg));
			it = next;
		}
		/* per meal time: Meal_Type → days */
		std::map<std::string, std::vector<int>> by_type[3];
		for (const auto &[dom, codes] : g.days)
			for (int slot = 0; slot < 3; slot++)
				if (!codes[slot].empty())
					by_type[slot][codes[slot]].push_back(dom);
		size_t ncalls = 0;
		for (auto &t : by_type)
			ncalls = std::max(ncalls, t.size());
		std::vector<std::map<std::string, std::vector<int>>::const_iterator> next;
		for (auto &t : by_type)
			next.push_back(t.begin());
		for (size_t k = 0; k < ncalls; k++) {
			Registration reg = GroupRegistration(RegKind::Meals, g);
			Node items = Node::MakeArray();
			std::vector<int> all_days;
			for (int slot = 0; slot < 3; slot++) {
				if (next[slot] == by_type[slot].end())
					continue;
				const auto &[type, days] = *next[slot];
				++next[slot];
				std::string dates = DaysText(days);
				if (dates.size() > 100)
					throw Error(ErrorKind::Internal, "Meal_Dates longer than 100 characters");
				Node item = Node::MakeRecord();
				item.children.emplace_back("Meal_Time", Node::MakeString("0" + std::to_string(slot + 1)));
				item.children.emplace_back("Meal_Type", Node::MakeString(type));
				item.children.emplace_back("Meal_Dates", Node::MakeString(dates));
				items.children.emplace_back("", std::move(item));
				all_days.insert(all_days.end(), days.begin(), days.end());
			}
			int first = *std::min_element(all_days.begin(), all_days.end());
			char perform[16];
			std::snprintf(perform, sizeof(perform), "%s-%02d", g.month.c_str(), first);
			reg.meal_dates = DaysText(all_days);
			SetString(reg.record, "Request_Number", RegNumber(reg.kind)); /* one character: "4" */
			SetString(reg.record, "Patient_ID", g.patient_id);
			SetString(reg.record, "Admission_Date", g.admission);
			SetString(reg.record, "Perform_Date", perform);
			SetPath(reg.record, "Meal_Information", std::move(items));
			calls.push_back(std::move(reg));
		}
	}
	return calls;
}

} // namespace orca_fdw::core
