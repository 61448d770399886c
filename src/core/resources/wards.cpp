/*
 * wards.cpp — the wards resource: every ward, from one hsconfwardv2 call (Request_Number 1).
 */
#include "core/resources/resource.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::resources {

ResourceDef
Wards()
{
	ResourceDef r;
	r.name = "wards";
	r.comment = "wards";
	auto w = [](const std::string &path) { return In({Source::WardConfig}, path); };
	r.columns = {
		Col("ward_number", ColumnType::Text, w("Ward_Number/Data"), "ward number"),
		Col("ward_name", ColumnType::Text, w("Ward_Name/Data"), "ward name"),
		Col("ward_short_name", ColumnType::Text, w("Ward_Short_Name/Data"), "short name"),
		Col("ward_type", ColumnType::Text, w("Ward_Type/Data"), "01 general, 02 psychiatric, ... (病棟種別)"),
		Col("ward_type_name", ColumnType::Text, w("Ward_Type/Name"), "ward type"),
		Col("hospital_charge_code", ColumnType::Text, w("Hospital_Charge/Data"), "basic charge code"),
		Col("hospital_charge_name", ColumnType::Text, w("Hospital_Charge/Name"), "basic charge"),
		Col("start_date", ColumnType::Date, w("Start_Date"), "setting valid from"),
		Col("end_date", ColumnType::Date, w("End_Date"), "setting valid to; NULL when open"),
		Col("room_number", ColumnType::Jsonb, w("Room_Number"), "the ward's rooms: array of {Label, Data}"),
	};
	r.read.list.api = Api::WardConfig;
	r.read.list.explain = " (all wards)"; /* after "Request_Number 1" in EXPLAIN */
	return r;
}

} // namespace orca_fdw::core::resources
