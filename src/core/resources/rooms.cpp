/*
 * rooms.cpp — the rooms resource: the rooms of every ward, one hsconfwardv2
 * call (Request_Number 2) per ward that Request_Number 1 lists (Request_Number
 * 2 needs a ward or a room).
 */
#include "core/resources/resource.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::resources {

ResourceDef
Rooms()
{
	ResourceDef r;
	r.name = "rooms";
	r.comment = "病室 / rooms of every ward";
	auto w = [](const std::string &path) { return In({Source::RoomConfig}, path); };
	r.columns = {
		Col("ward_number", ColumnType::Text, w("Ward_Number/Data"), "病棟番号 / ward number"),
		Col("ward_name", ColumnType::Text, w("Ward_Name/Data"), "病棟名 / ward name"),
		Col("room_number", ColumnType::Text, w("Room_Number/Data"), "病室番号 / room number"),
		Col("room_type", ColumnType::Text, w("Room_Type/Data"), "病室種別 / 01 general, 02 ICU, ..."),
		Col("room_type_name", ColumnType::Text, w("Room_Type/Name"), "病室種別名 / room type"),
		Col("bed_numbers", ColumnType::Integer, w("Bed_Numbers/Data"), "病床数 / beds"),
		Col("room_charge", ColumnType::Integer, w("Room_Charge/Data"), "室料差額 / room charge difference in yen"),
		Col("sex", ColumnType::Text, w("Sex/Data"), "性別区分 / 1 men, 2 women, 3 mixed"),
		Col("extension_number", ColumnType::Text, w("Extension_Number/Data"), "内線番号 / phone extension"),
		Col("start_date", ColumnType::Date, w("Start_Date"), "有効開始日 / setting valid from"),
		Col("end_date", ColumnType::Date, w("End_Date"), "有効終了日 / setting valid to; NULL when open"),
	};
	r.read.list.api = Api::RoomConfig;
	r.read.list.explain = ", one call per ward";
	r.read.list.parent = Api::WardConfig;
	r.read.list.parent_explain = " (the wards)";
	r.read.list.parent_value = "Ward_Number/Data";
	r.read.list.parameter = "Ward_Number";
	r.read.list.estimated_calls = 5;
	return r;
}

} // namespace orca_fdw::core::resources
