/*
 * baseline.cpp — the benchmark's reference client: the smallest sensible
 * standalone C++17 program that reads all patients of an ORCA server with the
 * same API calls orca_fdw makes for a full scan (src/core/scan.cpp):
 *
 *   1. patientlst1v2 class=02 (each patient once, by create date; the scan
 *      needs no date column) from 1900-01-01 with an open end; a window that
 *      answers 10 ("1000 or more") is split: an open window into
 *      [lo, today] + [today+1, open end], a closed one into as many parts as
 *      the density of the windows answered so far suggests (~600 rows a part,
 *      2 to 32); windows are processed first-in first-out;
 *   2. (--detail) patientlst2v2 for the listed ids, 100 a call, in listing order;
 *   3. patientlst2v2 probes for every id 1..max_id that patientlst1v2 did not
 *      list (patients without dates), 100 a call;
 *   4. patientlst2v2 tail probes max_id+1.. in blocks of 100 while a block
 *      still finds a patient.
 *   【患者番号がありません】 rows are dropped.
 *
 * One libcurl easy handle (keep-alive), requests strictly one after another,
 * each body parsed while it streams in with the libxml2 SAX2 push parser; every
 * row is materialised as (element, text) pairs before it is counted.
 *
 * Output (one line): rows=N name_chars=N address1=N calls=N list1=N list2=N ms=N.
 * name_chars = sum of character lengths of WholeName (= SELECT sum(length(whole_name)));
 * values are cleaned as the wrapper's default trim_values does: blank text (ASCII spaces and
 * U+3000 only) counts as NULL and trailing U+3000 are cut, so the counts are the wrapper's;
 * address1 = rows with a WholeAddress1 element (= count(whole_address1), --detail only).
 * --print writes "patient_id<TAB>whole_name" lines to stderr (for checking).
 *
 * Build: g++ -std=c++17 -O2 -o bench/out/orca-baseline bench/baseline.cpp \
 *        $(pkg-config --cflags --libs libcurl libxml-2.0)
 */
#include <curl/curl.h>
#include <libxml/parser.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

const char kNoSuchPatient[] = "【患者番号がありません】";

/* ---- dates as day numbers (proleptic Gregorian) ---- */

long
DaysFromCivil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const long era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = static_cast<unsigned>(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + static_cast<long>(doe) - 719468;
}

std::string
FormatDate(long z)
{
	z += 719468;
	const long era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = static_cast<unsigned>(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = static_cast<long>(yoe) + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	char buf[48];
	std::snprintf(buf, sizeof buf, "%04ld-%02u-%02u", y, m, d);
	return buf;
}

bool
ParseDate(const std::string &s, long *out)
{
	int y, m, d;
	if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3)
		return false;
	*out = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
	return true;
}

/* "00042" → "42" (ids are matched without leading zeros, as the wrapper does) */
std::string
IdKey(const std::string &id)
{
	size_t nz = id.find_first_not_of('0');
	return nz == std::string::npos ? "0" : id.substr(nz);
}

size_t
Utf8Chars(const std::string &s)
{
	size_t n = 0;
	for (unsigned char c : s)
		n += (c & 0xC0) != 0x80;
	return n;
}

/* ---- one response: SAX2 push parse into header fields and rows ---- */

using Row = std::vector<std::pair<std::string, std::string>>; /* leaf element → text, in order */

struct Response {
	std::string api_result, information_date;
	std::vector<Row> rows;

	/* parser state */
	int depth = 0;
	int row_depth = -1; /* depth of the open Patient_Information_child, -1 outside */
	std::vector<std::string> names;
	std::string text;
	Row current;
};

void
OnStart(void *ctx, const xmlChar *localname, const xmlChar *, const xmlChar *, int, const xmlChar **, int, int,
        const xmlChar **)
{
	auto *r = static_cast<Response *>(ctx);
	r->depth++;
	r->names.emplace_back(reinterpret_cast<const char *>(localname));
	r->text.clear();
	if (r->row_depth < 0 && r->names.back() == "Patient_Information_child") {
		r->row_depth = r->depth;
		r->current.clear();
	}
}

void
OnEnd(void *ctx, const xmlChar *, const xmlChar *, const xmlChar *)
{
	auto *r = static_cast<Response *>(ctx);
	const std::string &name = r->names.back();
	if (r->row_depth >= 0) {
		if (r->depth == r->row_depth) {
			r->rows.push_back(std::move(r->current));
			r->current = Row();
			r->row_depth = -1;
		} else {
			/* a leaf (text, or empty); records and arrays end holding only the
			 * indentation after their last child */
			bool blank = r->text.find_first_not_of(" \t\r\n") == std::string::npos;
			if (!blank || r->text.empty())
				r->current.emplace_back(name, r->text);
		}
	} else if (r->depth == 3) { /* xmlio2 / patientlstNres / field */
		if (name == "Api_Result")
			r->api_result = r->text;
		else if (name == "Information_Date")
			r->information_date = r->text;
	}
	r->text.clear();
	r->names.pop_back();
	r->depth--;
}

void
OnChars(void *ctx, const xmlChar *ch, int len)
{
	auto *r = static_cast<Response *>(ctx);
	r->text.append(reinterpret_cast<const char *>(ch), static_cast<size_t>(len));
}

struct Fetch {
	Response resp;
	xmlParserCtxtPtr parser = nullptr;
};

size_t
WriteBody(char *data, size_t size, size_t n, void *userp)
{
	auto *f = static_cast<Fetch *>(userp);
	if (xmlParseChunk(f->parser, data, static_cast<int>(size * n), 0) != 0)
		return 0; /* abort the transfer */
	return size * n;
}

/* ---- the client ---- */

struct Client {
	CURL *easy = nullptr;
	std::string base, userpwd;
	curl_slist *headers = nullptr;
	xmlSAXHandler sax{};
	long calls = 0, list1_calls = 0, list2_calls = 0;

	Client(std::string url, const std::string &user, const std::string &password) : base(std::move(url))
	{
		easy = curl_easy_init();
		userpwd = user + ":" + password;
		headers = curl_slist_append(headers, "Expect:");
		headers = curl_slist_append(headers, "Content-Type: application/xml; charset=UTF-8");
		std::memset(&sax, 0, sizeof sax);
		sax.initialized = XML_SAX2_MAGIC;
		sax.startElementNs = OnStart;
		sax.endElementNs = OnEnd;
		sax.characters = OnChars;
		sax.ignorableWhitespace = OnChars;
	}
	~Client()
	{
		curl_slist_free_all(headers);
		curl_easy_cleanup(easy);
	}

	Response Post(const char *path, const std::string &body)
	{
		Fetch f;
		f.parser = xmlCreatePushParserCtxt(&sax, &f.resp, nullptr, 0, nullptr);
		xmlCtxtUseOptions(f.parser, XML_PARSE_NONET);
		std::string url = base + path;
		curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
		curl_easy_setopt(easy, CURLOPT_USERPWD, userpwd.c_str());
		curl_easy_setopt(easy, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC));
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, long(body.size()));
		curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, WriteBody);
		curl_easy_setopt(easy, CURLOPT_WRITEDATA, &f);
		curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
		CURLcode rc = curl_easy_perform(easy);
		long status = 0;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		int perr = rc == CURLE_OK ? xmlParseChunk(f.parser, nullptr, 0, 1) : 0;
		xmlFreeParserCtxt(f.parser);
		calls++;
		if (rc != CURLE_OK)
			throw std::runtime_error(std::string(path) + ": " + curl_easy_strerror(rc));
		if (status != 200)
			throw std::runtime_error(std::string(path) + ": HTTP " + std::to_string(status));
		if (perr != 0)
			throw std::runtime_error(std::string(path) + ": malformed XML");
		return std::move(f.resp);
	}

	Response List1(long lo, long hi, bool open_end)
	{
		std::string body = "<data><patientlst1req type=\"record\"><Base_StartDate type=\"string\">" + FormatDate(lo) +
		                   "</Base_StartDate>";
		if (!open_end)
			body += "<Base_EndDate type=\"string\">" + FormatDate(hi) + "</Base_EndDate>";
		body += "</patientlst1req></data>";
		list1_calls++;
		return Post("/api01rv2/patientlst1v2?class=02", body);
	}

	Response List2(const std::vector<std::string> &ids)
	{
		std::string body = "<data><patientlst2req type=\"record\"><Patient_ID_Information type=\"array\">";
		for (const auto &id : ids)
			body += "<Patient_ID_Information_child type=\"record\"><Patient_ID type=\"string\">" + id +
			        "</Patient_ID></Patient_ID_Information_child>";
		body += "</Patient_ID_Information></patientlst2req></data>";
		list2_calls++;
		return Post("/api01rv2/patientlst2v2?class=01", body);
	}
};

const std::string *
Get(const Row &row, const char *name)
{
	for (const auto &kv : row)
		if (kv.first == name)
			return &kv.second;
	return nullptr;
}

/* The wrapper's default value cleaning (trim_values): trailing U+3000 cut; a value of ASCII
 * spaces and U+3000 only is NULL (false). */
bool
Clean(const std::string &in, std::string *out)
{
	static const std::string kIdeographicSpace = "\xe3\x80\x80";
	std::string v = in;
	while (v.size() >= 3 && v.compare(v.size() - 3, 3, kIdeographicSpace) == 0)
		v.resize(v.size() - 3);
	bool blank = true;
	for (size_t i = 0; i < v.size() && blank;) {
		if (v[i] == ' ')
			i++;
		else if (v.compare(i, 3, kIdeographicSpace) == 0)
			i += 3;
		else
			blank = false;
	}
	if (blank)
		return false;
	*out = std::move(v);
	return true;
}

struct Totals {
	long rows = 0, name_chars = 0, address1 = 0;
	bool print = false;
	void Add(const Row &basic, const Row *detail)
	{
		rows++;
		const std::string *id = Get(basic, "Patient_ID");
		const std::string *name = Get(basic, "WholeName");
		std::string cleaned;
		if (name && Clean(*name, &cleaned))
			name_chars += static_cast<long>(Utf8Chars(cleaned));
		const std::string *address = detail ? Get(*detail, "WholeAddress1") : nullptr;
		if (address && Clean(*address, &cleaned))
			address1++;
		if (print)
			std::fprintf(stderr, "%s\t%s\n", id ? id->c_str() : "", name ? name->c_str() : "");
	}
};

struct Job {
	enum Kind { Window, Enrich, Probe, Tail } kind;
	explicit Job(Kind k) : kind(k) {}
	long lo = 0, hi = 0;
	bool open_end = false;
	std::vector<std::string> ids;  /* Enrich: listed ids (padded); Probe/Tail: numbers */
	std::vector<Row> listed;       /* Enrich: the patientlst1v2 rows */
	long probe_to = 0;
};

} // namespace

int
main(int argc, char **argv)
{
	std::string url, user = "ormaster", password = "ormaster";
	bool detail = false;
	Totals totals;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--url" && i + 1 < argc)
			url = argv[++i];
		else if (a == "--user" && i + 1 < argc)
			user = argv[++i];
		else if (a == "--password" && i + 1 < argc)
			password = argv[++i];
		else if (a == "--detail")
			detail = true;
		else if (a == "--print")
			totals.print = true;
		else {
			std::fprintf(stderr, "usage: %s --url http://HOST:PORT [--user U --password P] [--detail] [--print]\n",
			             argv[0]);
			return 2;
		}
	}
	if (url.empty()) {
		std::fprintf(stderr, "--url is required\n");
		return 2;
	}
	while (!url.empty() && url.back() == '/')
		url.pop_back();

	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	auto t0 = std::chrono::steady_clock::now();
	try {
		Client client(url, user, password);
		std::deque<Job> jobs;
		std::unordered_set<std::string> seen;
		std::vector<std::string> pending_ids;
		std::vector<Row> pending_rows;
		long max_id = 0, today = 0;
		long density_rows = 0, density_days = 0; /* rows per day of the windows answered so far */
		bool today_known = false;

		auto note_id = [&](const std::string &key) {
			char *end = nullptr;
			long v = std::strtol(key.c_str(), &end, 10);
			if (end && *end == '\0')
				max_id = std::max(max_id, v);
		};
		auto flush = [&]() {
			if (pending_ids.empty())
				return;
			Job j(Job::Enrich);
			j.ids = std::move(pending_ids);
			j.listed = std::move(pending_rows);
			pending_ids.clear();
			pending_rows.clear();
			jobs.push_back(std::move(j));
		};
		auto add_window = [&](long lo, long hi, bool open_end) {
			Job j(Job::Window);
			j.lo = lo;
			j.hi = hi;
			j.open_end = open_end;
			jobs.push_back(std::move(j));
		};
		/* a patientlst2v2 row found by a probe: already has the detail columns */
		auto take_probe_rows = [&](Response &r) {
			bool found = false;
			for (Row &row : r.rows) {
				const std::string *name = Get(row, "WholeName");
				const std::string *id = Get(row, "Patient_ID");
				if (!id || (name && *name == kNoSuchPatient))
					continue;
				found = true;
				std::string key = IdKey(*id);
				if (!seen.insert(key).second)
					continue;
				note_id(key);
				totals.Add(row, detail ? &row : nullptr);
			}
			return found;
		};
		auto add_tail = [&](long from) {
			Job j(Job::Tail);
			for (long v = from; v < from + 100; v++)
				j.ids.push_back(std::to_string(v));
			j.probe_to = from + 99;
			jobs.push_back(std::move(j));
		};

		add_window(DaysFromCivil(1900, 1, 1), DaysFromCivil(1900, 1, 1), true);
		int phase = 0; /* 0 driver, 1 gaps, 2 tail, 3 done */
		while (phase < 3) {
			if (jobs.empty()) {
				if (!pending_ids.empty()) {
					flush();
					continue;
				}
				if (phase == 0) {
					phase = 1;
					std::vector<std::string> ids;
					for (long v = 1; v <= max_id; v++) {
						if (seen.count(std::to_string(v)))
							continue;
						ids.push_back(std::to_string(v));
						if (ids.size() == 100) {
							Job j(Job::Probe);
							j.ids = std::move(ids);
							jobs.push_back(std::move(j));
							ids.clear();
						}
					}
					if (!ids.empty()) {
						Job j(Job::Probe);
						j.ids = std::move(ids);
						jobs.push_back(std::move(j));
					}
				} else if (phase == 1) {
					phase = 2;
					add_tail(max_id + 1);
				} else
					phase = 3;
				continue;
			}
			Job job = std::move(jobs.front());
			jobs.pop_front();
			if (job.kind == Job::Window) {
				Response r = client.List1(job.lo, job.hi, job.open_end);
				if (!today_known && ParseDate(r.information_date, &today))
					today_known = true;
				if (r.api_result == "10") {
					if (job.open_end) {
						long t = std::max(today_known ? today : job.lo, job.lo);
						add_window(job.lo, t, false);
						add_window(t + 1, t + 1, true);
					} else if (job.lo < job.hi) {
						long days = job.hi - job.lo + 1, parts = 2;
						if (density_days > 0) {
							double expected = double(density_rows) / double(density_days) * double(days);
							parts = std::max(2L, std::min(32L, static_cast<long>(std::ceil(expected / 600.0))));
						}
						parts = std::min(parts, days);
						long start = job.lo;
						for (long i = 0; i < parts; i++) {
							long end = i + 1 == parts ? job.hi : job.lo + days * (i + 1) / parts - 1;
							add_window(start, end, false);
							start = end + 1;
						}
					} /* else: one overflowing day — the id probes cover it */
					continue;
				}
				if (r.api_result == "20")
					continue;
				if (r.api_result != "00")
					throw std::runtime_error("patientlst1v2 answered " + r.api_result);
				if (!job.open_end && !r.rows.empty()) {
					density_rows += static_cast<long>(r.rows.size());
					density_days += job.hi - job.lo + 1;
				}
				for (Row &row : r.rows) {
					const std::string *id = Get(row, "Patient_ID");
					if (!id)
						continue;
					std::string key = IdKey(*id);
					if (!seen.insert(key).second)
						continue;
					note_id(key);
					if (detail) {
						pending_ids.push_back(*id);
						pending_rows.push_back(std::move(row));
						if (pending_ids.size() >= 100)
							flush();
					} else
						totals.Add(row, nullptr);
				}
			} else if (job.kind == Job::Enrich) {
				Response r = client.List2(job.ids);
				if (!today_known && ParseDate(r.information_date, &today))
					today_known = true;
				for (size_t i = 0; i < job.listed.size(); i++) {
					/* ORCA answers in request order; match by id to be safe */
					const Row *detail_row = nullptr;
					std::string key = IdKey(job.ids[i]);
					if (i < r.rows.size()) {
						const std::string *id = Get(r.rows[i], "Patient_ID");
						if (id && IdKey(*id) == key)
							detail_row = &r.rows[i];
					}
					if (!detail_row)
						for (const Row &row : r.rows) {
							const std::string *id = Get(row, "Patient_ID");
							if (id && IdKey(*id) == key) {
								detail_row = &row;
								break;
							}
						}
					const std::string *name = detail_row ? Get(*detail_row, "WholeName") : nullptr;
					if (!detail_row || (name && *name == kNoSuchPatient))
						continue;
					totals.Add(job.listed[i], detail_row);
				}
			} else {
				Response r = client.List2(job.ids);
				bool found = take_probe_rows(r);
				if (job.kind == Job::Tail && found)
					add_tail(job.probe_to + 1);
			}
		}
		auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
		std::printf("rows=%ld name_chars=%ld address1=%ld calls=%ld list1=%ld list2=%ld ms=%.1f\n", totals.rows,
		            totals.name_chars, totals.address1, client.calls, client.list1_calls, client.list2_calls, ms);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "orca-baseline: %s\n", e.what());
		return 1;
	}
	xmlCleanupParser();
	curl_global_cleanup();
	return 0;
}
