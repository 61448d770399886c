// api_system.cpp — system01lstv2 (POST /api01rv2/system01lstv2): system
// management lists. Request_Number 01 departments (departmentres), 02
// doctors (physicianres), 03 other staff, 04 clinic information
// (system1001res), 05–07 further lists; the function is chosen by the body's
// Request_Number or, for older clients, the class query argument.
#include "api.hpp"
#include "util.hpp"

namespace orca_sim {

void
HandleSystemList(ApiContext& ctx)
{
	std::string request_number = ctx.request.Get("Request_Number");
	if (request_number.empty())
		request_number = ctx.http.QueryParam("class");
	static const char* const kRoots[][2] = {
	    {"01", "departmentres"}, {"02", "physicianres"},  {"03", "physicianres"},   {"04", "system1001res"},
	    {"05", "incomeres"},     {"06", "medicalinfres"}, {"07", "ptconditionres"},
	};
	const char* root = nullptr;
	for (const auto& entry : kRoots)
		if (request_number == entry[0])
			root = entry[1];
	if (root == nullptr) {
		WriteResult(ctx, "91");
		return;
	}
	ctx.response_record = root;

	// Base_Date: blank = today. UNCONFIRMED: no error code is documented for
	// a malformed date; the simulator then uses today as well.
	int base_date = ctx.today;
	if (const std::optional<int> parsed = ParseDate(ctx.request.Get("Base_Date")))
		base_date = *parsed;

	auto lock = ctx.store.ReadLock();
	if (request_number == "01") {
		WriteResult(ctx, "00");
		ctx.response.Add("Base_Date", FormatDate(base_date));
		Node& list = ctx.response.AddArray("Department_Information", 100);
		for (const Department& department : ctx.store.Departments()) {
			Node& item = list.AppendRecord();
			item.Add("Code", department.code);
			item.Add("WholeName", department.whole_name);
			item.Add("Name1", department.name1);
			item.Add("Name2", department.name2);
			item.Add("Name3", department.name3);
			item.Add("Receipt_Code", department.receipt_code);
		}
		return;
	}
	if (request_number == "02") {
		WriteResult(ctx, "00");
		ctx.response.Add("Base_Date", FormatDate(base_date));
		Node& list = ctx.response.AddArray("Physician_Information", 300);
		for (const Doctor& doctor : ctx.store.Doctors()) {
			Node& item = list.AppendRecord();
			item.Add("Code", doctor.code);
			item.Add("WholeName", doctor.whole_name);
			item.Add("WholeName_inKana", doctor.kana);
			item.Add("Physician_Permission_Id", doctor.permission_id);
			for (size_t i = 0; i < doctor.department_codes.size() && i < 5; i++)
				item.Add("Department_Code" + std::to_string(i + 1), doctor.department_codes[i]);
		}
		return;
	}
	if (request_number == "04") {
		WriteResult(ctx, "00");
		ctx.response.Add("Base_Date", FormatDate(base_date));
		Node& info = ctx.response.AddRecord("Medical_Information");
		info.Add("Prefectures_Number", "13");
		info.Add("Point_list", "1");
		info.Add("Institution_Code", "1399999");
		info.Add("Institution_Speciation", "1");
		info.Add("Institution_Id", "JPN000000000000");
		info.Add("Institution_WholeName", "医療法人　架空会　さくら記念病院");
		info.Add("Short_Institution_WholeName", "さくら記念病院");
		info.Add("Establisher_WholeName", "架空　一郎");
		info.Add("Administrator_WholeName", "架空　一郎");
		info.Add("Hospital_bed_Capacity", "0120");
		info.Add("Hospital_bed_Capacity_General", "0096");
		Node& address = info.AddRecord("Address_Information");
		address.Add("WholeAddress", "東京都文京区本駒込９－９－９");
		address.Add("Address_ZipCode", "1130021");
		address.Add("PhoneNumber", "03-0000-0000");
		return;
	}
	// 03 (staff other than doctors) and 05–07: nothing registered.
	WriteResult(ctx, "11");
}

} // namespace orca_sim
