// util.hpp — small shared helpers of orca-sim: calendar dates as day numbers,
// UTF-8 and full-width/half-width text handling, a deterministic PRNG and an
// interruptible sleep used for latency and "slow" faults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orca_sim {

// ---------------------------------------------------------------------------
// Dates. A date is an int: days since 1970-01-01 (proleptic Gregorian).
// ---------------------------------------------------------------------------

constexpr int kNoDate = INT32_MIN;

int DaysFromCivil(int year, int month, int day);
void CivilFromDays(int days, int& year, int& month, int& day);

// The ORCA "open end" date 9999-12-31.
int OpenEndDate();

// Strict YYYY-MM-DD (also accepts YYYYMMDD); validates the calendar.
std::optional<int> ParseDate(std::string_view text);
std::string FormatDate(int days);

// YYYY-MM (also YYYYMM). Returns year*12 + (month-1) ("month index").
std::optional<int> ParseMonth(std::string_view text);
std::string FormatMonth(int month_index);
int MonthIndexOfDate(int days);
int FirstDayOfMonth(int month_index);
int LastDayOfMonth(int month_index);
int DaysInMonth(int year, int month);
int DayOfMonth(int days);
int YearOfDate(int days);

// Age in whole years on `on_day`.
int AgeOn(int birth_day, int on_day);

// Local wall-clock date and time.
int LocalToday();
std::string LocalTimeHms();
int LocalSecondsOfDay();
std::string FormatHms(int seconds_of_day);

// ---------------------------------------------------------------------------
// Text.
// ---------------------------------------------------------------------------

std::string_view TrimAscii(std::string_view text);
bool IsAllDigits(std::string_view text);
std::string ZeroPad(long long value, int width);
std::string SpacePad(long long value, int width);
std::string ToLowerAscii(std::string_view text);
bool StartsWith(std::string_view text, std::string_view prefix);

bool DecodeUtf8(std::string_view text, std::vector<char32_t>& out);
void AppendUtf8(char32_t code_point, std::string& out);

// Half-width ASCII (incl. space) and half-width katakana to full-width; the
// katakana voiced marks are composed (ｶﾞ -> ガ). Invalid UTF-8 is kept as is.
std::string ToFullWidth(std::string_view text);
// Converts only the half-width space to U+3000 (ORCA's "SP" conversion).
std::string SpaceToFullWidth(std::string_view text);
// Converts half-width katakana and the space only (ASCII letters stay).
std::string HalfKanaToFullWidth(std::string_view text);
// Full-width digits/letters/space back to ASCII (for phone numbers etc.).
std::string DigitsToFullWidth(std::string_view digits);
// True when every character is outside ASCII and outside half-width katakana.
bool IsAllFullWidth(std::string_view text);
// True when the text contains any character outside ASCII.
bool HasNonAscii(std::string_view text);
// True when a character is outside the "standard" set ORCA accepts in a
// name search: controls, private use area (外字), beyond the BMP, U+FFFD.
bool HasNonStandardCharacter(std::string_view text);

// Query-string / percent decoding.
std::string PercentDecode(std::string_view text, bool plus_as_space);

std::string JsonEscape(std::string_view text);
std::string XmlEscape(std::string_view text);
void AppendJsonEscaped(std::string& out, std::string_view text);
void AppendXmlEscaped(std::string& out, std::string_view text);

// ---------------------------------------------------------------------------
// Deterministic pseudo random numbers (SplitMix64). The same seed always
// gives the same sequence on every platform.
// ---------------------------------------------------------------------------

class Rng {
public:
	explicit Rng(uint64_t seed) : state_(seed) {}
	uint64_t Next();
	// Uniform integer in [0, bound).
	uint32_t Below(uint32_t bound);
	// Uniform integer in [low, high].
	int Between(int low, int high);
	// True with the given probability in per mille.
	bool PerMille(int per_mille);

private:
	uint64_t state_;
};

uint64_t MixHash(uint64_t a, uint64_t b);

// ---------------------------------------------------------------------------
// Shutdown-aware sleeping.
// ---------------------------------------------------------------------------

// Sleeps up to `milliseconds`; returns early (false) when shutdown starts.
bool SleepInterruptible(int milliseconds);
void BeginShutdown();
bool ShuttingDown();

} // namespace orca_sim
