/*
 * doctors.cpp — the doctors resource: the doctors, from one system01lstv2 call (Request_Number 02).
 */
#include "core/resources/resource.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::resources {

ResourceDef
Doctors()
{
	ResourceDef r;
	r.name = "doctors";
	r.comment = "doctors";
	auto d = [](const std::string &path) { return In({Source::DoctorList}, path); };
	r.columns = {
		Col("doctor_code", ColumnType::Text, d("Code"), "doctor code (5 digits)"),
		Col("whole_name", ColumnType::Text, d("WholeName"), "name"),
		Col("whole_name_in_kana", ColumnType::Text, d("WholeName_inKana"), "name in kana"),
		Col("physician_permission_id", ColumnType::Text, d("Physician_Permission_Id"), "licence number"),
		Col("department_code1", ColumnType::Text, d("Department_Code1"), "first department"),
		Col("department_code2", ColumnType::Text, d("Department_Code2"), "second department"),
		Col("department_code3", ColumnType::Text, d("Department_Code3"), "third department"),
	};
	r.read.list.api = Api::DoctorList;
	return r;
}

} // namespace orca_fdw::core::resources
