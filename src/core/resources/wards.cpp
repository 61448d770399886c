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
	r.comment = "病棟 / wards";
	auto w = [](const std::string &path) { return In({Source::WardConfig}, path); };
	r.columns = {
		Col("ward_number", ColumnType::Text, w("Ward_Number/Data"), "病棟番号 / ward number"),
		Col("ward_name", ColumnType::Text, w("Ward_Name/Data"), "病棟名 / ward name"),
		Col("ward_short_name", ColumnType::Text, w("Ward_Short_Name/Data"), "病棟略称 / short name"),
		Col("ward_type", ColumnType::Text, w("Ward_Type/Data"), "病棟種別 / 01 general, 02 psychiatric, ..."),
		Col("ward_type_name", ColumnType::Text, w("Ward_Type/Name"), "病棟種別名 / ward type"),
		Col("hospital_charge_code", ColumnType::Text, w("Hospital_Charge/Data"), "入院基本料コード / basic charge code"),
		Col("hospital_charge_name", ColumnType::Text, w("Hospital_Charge/Name"), "入院基本料 / basic charge"),
		Col("start_date", ColumnType::Date, w("Start_Date"), "有効開始日 / setting valid from"),
		Col("end_date", ColumnType::Date, w("End_Date"), "有効終了日 / setting valid to; NULL when open"),
		Col("room_number", ColumnType::Jsonb, w("Room_Number"), "病室一覧 / the ward's rooms: array of {Label, Data}"),
	};
	r.read.list.api = Api::WardConfig;
	r.read.list.explain = " (all wards)"; /* after "Request_Number 1" in EXPLAIN */
	return r;
}

} // namespace orca_fdw::core::resources
