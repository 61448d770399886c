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
	r.comment = "rooms of every ward";
	auto w = [](const std::string &path) { return In({Source::RoomConfig}, path); };
	r.columns = {
		Col("ward_number", ColumnType::Text, w("Ward_Number/Data"), "ward number"),
		Col("ward_name", ColumnType::Text, w("Ward_Name/Data"), "ward name"),
		Col("room_number", ColumnType::Text, w("Room_Number/Data"), "room number"),
		Col("room_type", ColumnType::Text, w("Room_Type/Data"), "01 general, 02 ICU, ... (病室種別)"),
		Col("room_type_name", ColumnType::Text, w("Room_Type/Name"), "room type"),
		Col("bed_numbers", ColumnType::Integer, w("Bed_Numbers/Data"), "beds"),
		Col("room_charge", ColumnType::Integer, w("Room_Charge/Data"), "room charge difference in yen"),
		Col("sex", ColumnType::Text, w("Sex/Data"), "1 men, 2 women, 3 mixed"),
		Col("extension_number", ColumnType::Text, w("Extension_Number/Data"), "phone extension"),
		Col("start_date", ColumnType::Date, w("Start_Date"), "setting valid from"),
		Col("end_date", ColumnType::Date, w("End_Date"), "setting valid to; NULL when open"),
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
