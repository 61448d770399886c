// util.cpp — see util.hpp.
#include "util.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace orca_sim {

// ---------------------------------------------------------------------------
// Dates (algorithms after H. Hinnant, "chrono-compatible low-level date
// algorithms").
// ---------------------------------------------------------------------------

int
DaysFromCivil(int year, int month, int day)
{
	year -= month <= 2 ? 1 : 0;
	const int era = (year >= 0 ? year : year - 399) / 400;
	const unsigned yoe = static_cast<unsigned>(year - era * 400);
	const unsigned mp = static_cast<unsigned>(month > 2 ? month - 3 : month + 9);
	const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(day) - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + static_cast<int>(doe) - 719468;
}

void
CivilFromDays(int days, int& year, int& month, int& day)
{
	days += 719468;
	const int era = (days >= 0 ? days : days - 146096) / 146097;
	const unsigned doe = static_cast<unsigned>(days - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int y = static_cast<int>(yoe) + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
	month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
	year = y + (month <= 2 ? 1 : 0);
}

int
OpenEndDate()
{
	static const int open_end = DaysFromCivil(9999, 12, 31);
	return open_end;
}

int
DaysInMonth(int year, int month)
{
	static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month == 2) {
		const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
		return leap ? 29 : 28;
	}
	return kDays[month - 1];
}

static bool
ParseFixedInt(std::string_view text, int& value)
{
	if (text.empty() || !IsAllDigits(text))
		return false;
	value = 0;
	for (char c : text)
		value = value * 10 + (c - '0');
	return true;
}

std::optional<int>
ParseDate(std::string_view text)
{
	text = TrimAscii(text);
	int year = 0, month = 0, day = 0;
	if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
		if (!ParseFixedInt(text.substr(0, 4), year) || !ParseFixedInt(text.substr(5, 2), month) ||
		    !ParseFixedInt(text.substr(8, 2), day))
			return std::nullopt;
	} else if (text.size() == 8) {
		if (!ParseFixedInt(text.substr(0, 4), year) || !ParseFixedInt(text.substr(4, 2), month) ||
		    !ParseFixedInt(text.substr(6, 2), day))
			return std::nullopt;
	} else {
		return std::nullopt;
	}
	if (year < 1 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month))
		return std::nullopt;
	return DaysFromCivil(year, month, day);
}

std::string
FormatDate(int days)
{
	if (days == kNoDate)
		return std::string();
	int year, month, day;
	CivilFromDays(days, year, month, day);
	if (year < 0 || year > 9999)
		return std::string();
	char buffer[10] = {static_cast<char>('0' + year / 1000), static_cast<char>('0' + year / 100 % 10),
	                   static_cast<char>('0' + year / 10 % 10), static_cast<char>('0' + year % 10),
	                   '-', static_cast<char>('0' + month / 10), static_cast<char>('0' + month % 10),
	                   '-', static_cast<char>('0' + day / 10), static_cast<char>('0' + day % 10)};
	return std::string(buffer, sizeof(buffer));
}

std::optional<int>
ParseMonth(std::string_view text)
{
	text = TrimAscii(text);
	int year = 0, month = 0;
	if (text.size() == 7 && text[4] == '-') {
		if (!ParseFixedInt(text.substr(0, 4), year) || !ParseFixedInt(text.substr(5, 2), month))
			return std::nullopt;
	} else if (text.size() == 6) {
		if (!ParseFixedInt(text.substr(0, 4), year) || !ParseFixedInt(text.substr(4, 2), month))
			return std::nullopt;
	} else {
		return std::nullopt;
	}
	if (year < 1 || month < 1 || month > 12)
		return std::nullopt;
	return year * 12 + (month - 1);
}

std::string
FormatMonth(int month_index)
{
	char buffer[16];
	std::snprintf(buffer, sizeof(buffer), "%04d-%02d", month_index / 12, month_index % 12 + 1);
	return buffer;
}

int
MonthIndexOfDate(int days)
{
	int year, month, day;
	CivilFromDays(days, year, month, day);
	return year * 12 + (month - 1);
}

int
FirstDayOfMonth(int month_index)
{
	return DaysFromCivil(month_index / 12, month_index % 12 + 1, 1);
}

int
LastDayOfMonth(int month_index)
{
	const int year = month_index / 12;
	const int month = month_index % 12 + 1;
	return DaysFromCivil(year, month, DaysInMonth(year, month));
}

int
DayOfMonth(int days)
{
	int year, month, day;
	CivilFromDays(days, year, month, day);
	return day;
}

int
YearOfDate(int days)
{
	int year, month, day;
	CivilFromDays(days, year, month, day);
	return year;
}

int
AgeOn(int birth_day, int on_day)
{
	int by, bm, bd, y, m, d;
	CivilFromDays(birth_day, by, bm, bd);
	CivilFromDays(on_day, y, m, d);
	int age = y - by;
	if (m < bm || (m == bm && d < bd))
		age--;
	return age;
}

int
LocalToday()
{
	std::time_t now = std::time(nullptr);
	std::tm local{};
	localtime_r(&now, &local);
	return DaysFromCivil(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

int
LocalSecondsOfDay()
{
	std::time_t now = std::time(nullptr);
	std::tm local{};
	localtime_r(&now, &local);
	return local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec;
}

std::string
FormatHms(int seconds_of_day)
{
	char buffer[16];
	std::snprintf(buffer, sizeof(buffer), "%02d:%02d:%02d", seconds_of_day / 3600, seconds_of_day / 60 % 60,
	              seconds_of_day % 60);
	return buffer;
}

std::string
LocalTimeHms()
{
	return FormatHms(LocalSecondsOfDay());
}

// ---------------------------------------------------------------------------
// Text.
// ---------------------------------------------------------------------------

std::string_view
TrimAscii(std::string_view text)
{
	size_t begin = 0, end = text.size();
	while (begin < end && (text[begin] == ' ' || text[begin] == '\t' || text[begin] == '\r' || text[begin] == '\n'))
		begin++;
	while (end > begin &&
	       (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r' || text[end - 1] == '\n'))
		end--;
	return text.substr(begin, end - begin);
}

bool
IsAllDigits(std::string_view text)
{
	if (text.empty())
		return false;
	for (char c : text)
		if (c < '0' || c > '9')
			return false;
	return true;
}

std::string
ZeroPad(long long value, int width)
{
	std::string digits = std::to_string(value);
	if (static_cast<int>(digits.size()) < width)
		digits.insert(0, width - digits.size(), '0');
	return digits;
}

std::string
SpacePad(long long value, int width)
{
	std::string digits = std::to_string(value);
	if (static_cast<int>(digits.size()) < width)
		digits.insert(0, width - digits.size(), ' ');
	return digits;
}

std::string
ToLowerAscii(std::string_view text)
{
	std::string out(text);
	for (char& c : out)
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c - 'A' + 'a');
	return out;
}

bool
StartsWith(std::string_view text, std::string_view prefix)
{
	return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool
DecodeUtf8(std::string_view text, std::vector<char32_t>& out)
{
	out.clear();
	size_t i = 0;
	while (i < text.size()) {
		const unsigned char c = static_cast<unsigned char>(text[i]);
		char32_t cp;
		int extra;
		if (c < 0x80) {
			cp = c;
			extra = 0;
		} else if ((c & 0xE0) == 0xC0) {
			cp = c & 0x1F;
			extra = 1;
		} else if ((c & 0xF0) == 0xE0) {
			cp = c & 0x0F;
			extra = 2;
		} else if ((c & 0xF8) == 0xF0) {
			cp = c & 0x07;
			extra = 3;
		} else {
			return false;
		}
		if (i + static_cast<size_t>(extra) >= text.size())
			return false;
		for (int k = 1; k <= extra; k++) {
			const unsigned char cc = static_cast<unsigned char>(text[i + k]);
			if ((cc & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (cc & 0x3F);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		out.push_back(cp);
		i += extra + 1;
	}
	return true;
}

void
AppendUtf8(char32_t cp, std::string& out)
{
	if (cp < 0x80) {
		out += static_cast<char>(cp);
	} else if (cp < 0x800) {
		out += static_cast<char>(0xC0 | (cp >> 6));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out += static_cast<char>(0xE0 | (cp >> 12));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else {
		out += static_cast<char>(0xF0 | (cp >> 18));
		out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	}
}

// Half-width katakana U+FF61..U+FF9F -> full-width equivalents.
static const char32_t kHalfKana[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5,
    0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3,
    0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC,
    0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4,
    0x30E6, 0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C};

static bool
CanTakeDakuten(char32_t kana)
{
	return (kana >= 0x30AB && kana <= 0x30C8 && kana != 0x30C3) || (kana >= 0x30CF && kana <= 0x30DB) ||
	       kana == 0x30A6;
}

static bool
CanTakeHandakuten(char32_t kana)
{
	return kana >= 0x30CF && kana <= 0x30DB && (kana - 0x30CF) % 3 == 0;
}

static std::string
ConvertWidth(std::string_view text, bool ascii, bool kana, bool space)
{
	std::vector<char32_t> cps;
	if (!DecodeUtf8(text, cps))
		return std::string(text);
	std::string out;
	out.reserve(text.size() * 2);
	for (size_t i = 0; i < cps.size(); i++) {
		char32_t cp = cps[i];
		if (cp == 0x20 && space) {
			AppendUtf8(0x3000, out);
		} else if (cp > 0x20 && cp < 0x7F && ascii) {
			AppendUtf8(cp - 0x21 + 0xFF01, out);
		} else if (cp >= 0xFF61 && cp <= 0xFF9F && kana) {
			char32_t full = kHalfKana[cp - 0xFF61];
			if (i + 1 < cps.size() && cps[i + 1] == 0xFF9E && CanTakeDakuten(full)) {
				full = full == 0x30A6 ? 0x30F4 : full + 1;
				i++;
			} else if (i + 1 < cps.size() && cps[i + 1] == 0xFF9F && CanTakeHandakuten(full)) {
				full += 2;
				i++;
			}
			AppendUtf8(full, out);
		} else {
			AppendUtf8(cp, out);
		}
	}
	return out;
}

std::string
ToFullWidth(std::string_view text)
{
	return ConvertWidth(text, true, true, true);
}

std::string
SpaceToFullWidth(std::string_view text)
{
	return ConvertWidth(text, false, false, true);
}

std::string
HalfKanaToFullWidth(std::string_view text)
{
	return ConvertWidth(text, false, true, true);
}

std::string
DigitsToFullWidth(std::string_view digits)
{
	return ConvertWidth(digits, true, false, false);
}

bool
IsAllFullWidth(std::string_view text)
{
	std::vector<char32_t> cps;
	if (!DecodeUtf8(text, cps))
		return false;
	for (char32_t cp : cps)
		if (cp < 0x80 || (cp >= 0xFF61 && cp <= 0xFF9F))
			return false;
	return true;
}

bool
HasNonAscii(std::string_view text)
{
	for (char c : text)
		if (static_cast<unsigned char>(c) >= 0x80)
			return true;
	return false;
}

bool
HasNonStandardCharacter(std::string_view text)
{
	std::vector<char32_t> cps;
	if (!DecodeUtf8(text, cps))
		return true;
	for (char32_t cp : cps) {
		if (cp < 0x20 || cp == 0x7F || (cp >= 0xE000 && cp <= 0xF8FF) || cp > 0xFFFF || cp == 0xFFFD)
			return true;
	}
	return false;
}

static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

std::string
PercentDecode(std::string_view text, bool plus_as_space)
{
	std::string out;
	out.reserve(text.size());
	for (size_t i = 0; i < text.size(); i++) {
		const char c = text[i];
		if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
			out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
			i += 2;
		} else if (c == '+' && plus_as_space) {
			out += ' ';
		} else {
			out += c;
		}
	}
	return out;
}

void
AppendJsonEscaped(std::string& out, std::string_view text)
{
	size_t plain_from = 0;
	for (size_t i = 0; i < text.size(); i++) {
		const unsigned char c = static_cast<unsigned char>(text[i]);
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		out.append(text.data() + plain_from, i - plain_from);
		plain_from = i + 1;
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default: {
			char buffer[8];
			std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
			out += buffer;
		}
		}
	}
	out.append(text.data() + plain_from, text.size() - plain_from);
}

void
AppendXmlEscaped(std::string& out, std::string_view text)
{
	size_t plain_from = 0;
	for (size_t i = 0; i < text.size(); i++) {
		const char c = text[i];
		const char* entity;
		switch (c) {
		case '&':
			entity = "&amp;";
			break;
		case '<':
			entity = "&lt;";
			break;
		case '>':
			entity = "&gt;";
			break;
		case '"':
			entity = "&quot;";
			break;
		default:
			continue;
		}
		out.append(text.data() + plain_from, i - plain_from);
		out += entity;
		plain_from = i + 1;
	}
	out.append(text.data() + plain_from, text.size() - plain_from);
}

std::string
JsonEscape(std::string_view text)
{
	std::string out;
	out.reserve(text.size() + 8);
	AppendJsonEscaped(out, text);
	return out;
}

std::string
XmlEscape(std::string_view text)
{
	std::string out;
	out.reserve(text.size() + 8);
	AppendXmlEscaped(out, text);
	return out;
}

// ---------------------------------------------------------------------------
// Rng.
// ---------------------------------------------------------------------------

uint64_t
Rng::Next()
{
	uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint32_t
Rng::Below(uint32_t bound)
{
	if (bound <= 1)
		return 0;
	return static_cast<uint32_t>((Next() >> 11) % bound);
}

int
Rng::Between(int low, int high)
{
	if (high <= low)
		return low;
	return low + static_cast<int>(Below(static_cast<uint32_t>(high - low + 1)));
}

bool
Rng::PerMille(int per_mille)
{
	return static_cast<int>(Below(1000)) < per_mille;
}

uint64_t
MixHash(uint64_t a, uint64_t b)
{
	Rng rng(a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL));
	rng.Next();
	return rng.Next();
}

// ---------------------------------------------------------------------------
// Shutdown-aware sleeping.
// ---------------------------------------------------------------------------

namespace {
std::mutex g_sleep_mutex;
std::condition_variable g_sleep_cv;
std::atomic<bool> g_shutting_down{false};
} // namespace

bool
SleepInterruptible(int milliseconds)
{
	if (milliseconds <= 0)
		return !g_shutting_down.load();
	std::unique_lock<std::mutex> lock(g_sleep_mutex);
	return !g_sleep_cv.wait_for(lock, std::chrono::milliseconds(milliseconds),
	                            [] { return g_shutting_down.load(); });
}

void
BeginShutdown()
{
	{
		std::lock_guard<std::mutex> lock(g_sleep_mutex);
		g_shutting_down.store(true);
	}
	g_sleep_cv.notify_all();
}

bool
ShuttingDown()
{
	return g_shutting_down.load();
}

} // namespace orca_sim
