/*
 * departments.cpp — the departments resource: the departments (診療科), from
 * one system01lstv2 call (Request_Number 01).
 */
#include "core/resources/resource.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::resources {

ResourceDef
Departments()
{
	ResourceDef r;
	r.name = "departments";
	r.comment = "診療科 / departments";
	auto d = [](const std::string &path) { return In({Source::DepartmentList}, path); };
	r.columns = {
		Col("department_code", ColumnType::Text, d("Code"), "診療科コード / department code"),
		Col("whole_name", ColumnType::Text, d("WholeName"), "診療科名 / name"),
		Col("name1", ColumnType::Text, d("Name1"), "略称1 / short name 1"),
		Col("name2", ColumnType::Text, d("Name2"), "略称2 / short name 2"),
		Col("name3", ColumnType::Text, d("Name3"), "略称3 / short name 3"),
		Col("receipt_code", ColumnType::Text, d("Receipt_Code"), "レセプト診療科コード / department code on receipts"),
	};
	r.read.list.api = Api::DepartmentList;
	return r;
}

} // namespace orca_fdw::core::resources
