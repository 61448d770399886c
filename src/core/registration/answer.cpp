/*
 * answer.cpp — the values of ORCA's answer to a registration, for RETURNING
 * (see call.hpp).
 */
#include "core/registration/call.hpp"
#include "core/registration/internal.hpp"

#include "core/scan.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

using namespace registration_detail;

std::vector<AnswerValue>
AnswerValues(const ResourceDef &r, const Registration &reg, const RegResult &res, const std::string &perform_date,
             bool trim_values)
{
	std::vector<AnswerValue> out(r.columns.size());
	Source source;
	const Node *row = &res.row;
	switch (reg.kind) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient: source = Source::PatientGet; break;
	case RegKind::Admit:
	case RegKind::Transfer: source = Source::InpatientInfo; break;
	case RegKind::Meals:
	case RegKind::Outing:
		source = Source::InpatientMeal;
		row = nullptr;
		for (const Node &day : res.days)
			if (const std::string *d = day.StringAt("Perform_Date"); d && *d == perform_date)
				row = &day;
		break;
	default: return out;
	}
	for (size_t c = 0; c < r.columns.size(); c++) {
		const ColumnDef &col = r.columns[c];
		AnswerValue &v = out[c];
		if (col.name == "patient_id") {
			if (!res.answered_id.empty()) {
				v.present = true;
				v.isnull = false;
				v.text = res.answered_id;
			}
			continue;
		}
		const std::string *path = col.PathIn(source);
		if (!path || !row)
			continue;
		/* class=02 leaves insurance alone; its echo lists fewer fields of the
		 * combinations than patientgetv2: the row keeps SELECT's value */
		if (reg.kind == RegKind::UpdatePatient && path->rfind("HealthInsurance_Information", 0) == 0)
			continue;
		const Node *node = row->FindPath(*path);
		if (!node && path->rfind("Patient_Information/", 0) == 0)
			if (const std::string *f = FieldValue(res.fields, *path)) {
				v.present = true;
				v.text = *f;
				v.isnull = !ColumnText(col.type, v.text, trim_values);
				if (v.isnull)
					v.text.clear();
				continue;
			}
		if (!node) {
			/* patientmodv2 echoes these elements; omitted = empty */
			if (source == Source::PatientGet) {
				std::string top = path->substr(0, path->find('/'));
				if (PatientEchoElement(top)) {
					v.present = true;
					v.isnull = true;
				}
			}
			continue;
		}
		v.present = true;
		if (col.type == ColumnType::Jsonb) {
			v.isnull = node->Empty();
			v.text = NodeToJson(*node);
			continue;
		}
		if (node->type != Node::Type::String)
			continue;
		std::string text = node->value;
		if (!ColumnText(col.type, text, trim_values))
			continue; /* NULL, as SELECT shows it */
		v.isnull = false;
		v.text = text;
	}
	return out;
}

} // namespace orca_fdw::core
