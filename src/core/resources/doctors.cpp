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
	r.comment = "ドクター / doctors";
	auto d = [](const std::string &path) { return In({Source::DoctorList}, path); };
	r.columns = {
		Col("doctor_code", ColumnType::Text, d("Code"), "ドクターコード / doctor code (5 digits)"),
		Col("whole_name", ColumnType::Text, d("WholeName"), "氏名 / name"),
		Col("whole_name_in_kana", ColumnType::Text, d("WholeName_inKana"), "カナ氏名 / name in kana"),
		Col("physician_permission_id", ColumnType::Text, d("Physician_Permission_Id"), "医籍登録番号 / licence number"),
		Col("department_code1", ColumnType::Text, d("Department_Code1"), "診療科1 / first department"),
		Col("department_code2", ColumnType::Text, d("Department_Code2"), "診療科2 / second department"),
		Col("department_code3", ColumnType::Text, d("Department_Code3"), "診療科3 / third department"),
	};
	r.read.list.api = Api::DoctorList;
	return r;
}

} // namespace orca_fdw::core::resources
