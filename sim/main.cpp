// main.cpp — orca-sim, a spec-faithful simulator of the ORCA (日医標準レセプト
// ソフト) web API for the orca_fdw tests, benchmarks and demo.
//
//   orca-sim [--host 127.0.0.1] [--port 8000] [--patients N] [--seed S]
//            [--user ormaster --password ormaster] [--weborca] [--latency-ms N]
//            [--threads N] [--today YYYY-MM-DD] [--json-pad-arrays] [--omit-update-time] [--log]
//
// Prints exactly one line "orca-sim listening on http://HOST:PORT" on stdout
// once it accepts requests; exits cleanly on SIGTERM/SIGINT.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "control.hpp"
#include "data.hpp"
#include "http_server.hpp"
#include "router.hpp"
#include "util.hpp"

namespace {

struct Options {
	std::string host = "127.0.0.1";
	int port = 8000;
	int patients = 1000;
	unsigned long long seed = 1;
	int threads = 8;
	int today = 0;
	int burst_day = 0;
	int burst = 0;
	bool log_requests = false;
	orca_sim::SimConfig config;
};

void
PrintUsage(std::FILE* out)
{
	std::fprintf(out,
	             "usage: orca-sim [--host 127.0.0.1] [--port 8000] [--patients N] [--seed S]\n"
	             "                [--user ormaster --password ormaster] [--weborca] [--latency-ms N]\n"
	             "                [--threads N] [--today YYYY-MM-DD] [--json-pad-arrays] [--omit-update-time]\n"
	             "                [--log] [--burst-day YYYY-MM-DD --burst N]\n"
	             "\n"
	             "  --port 0           pick a free port (printed in the 'listening' line)\n"
	             "  --patients N       number of generated patients (default 1000)\n"
	             "  --seed S           data seed (default 1); data = f(patients, seed, today)\n"
	             "  --weborca          serve the API under the /api prefix only (WebORCA)\n"
	             "  --latency-ms N     delay every ORCA API answer by N ms\n"
	             "  --threads N        worker threads (default 8)\n"
	             "  --today DATE       the simulated system date (default: the local date)\n"
	             "  --json-pad-arrays  pad JSON arrays with {} to their maximum size (older servers)\n"
	             "  --omit-update-time patientlst1v2 without UpdateTime (servers before 2017-12)\n"
	             "  --log              log every request on stderr\n"
	             "  --burst-day DATE --burst N\n"
	             "                     N of the patients (contiguous numbers) registered on DATE\n"
	             "                     (a clinic's migration day); deterministic\n");
}

bool
ParseIntArgument(const char* text, long long low, long long high, long long& value)
{
	char* end = nullptr;
	errno = 0;
	const long long parsed = std::strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || parsed < low || parsed > high)
		return false;
	value = parsed;
	return true;
}

bool
ParseOptions(int argc, char** argv, Options& options)
{
	for (int i = 1; i < argc; i++) {
		const std::string arg = argv[i];
		auto next = [&](const char* name) -> const char* {
			if (i + 1 >= argc) {
				std::fprintf(stderr, "orca-sim: %s needs a value\n", name);
				return nullptr;
			}
			return argv[++i];
		};
		long long number = 0;
		if (arg == "--help" || arg == "-h") {
			PrintUsage(stdout);
			std::exit(0);
		} else if (arg == "--host") {
			const char* value = next("--host");
			if (value == nullptr)
				return false;
			options.host = value;
		} else if (arg == "--port") {
			const char* value = next("--port");
			if (value == nullptr || !ParseIntArgument(value, 0, 65535, number)) {
				std::fprintf(stderr, "orca-sim: --port must be 0..65535\n");
				return false;
			}
			options.port = static_cast<int>(number);
		} else if (arg == "--patients") {
			const char* value = next("--patients");
			if (value == nullptr || !ParseIntArgument(value, 0, 10000000, number)) {
				std::fprintf(stderr, "orca-sim: --patients must be 0..10000000\n");
				return false;
			}
			options.patients = static_cast<int>(number);
		} else if (arg == "--seed") {
			const char* value = next("--seed");
			char* end = nullptr;
			if (value == nullptr)
				return false;
			options.seed = std::strtoull(value, &end, 10);
			if (end == value || *end != '\0') {
				std::fprintf(stderr, "orca-sim: --seed must be a non-negative integer\n");
				return false;
			}
		} else if (arg == "--user") {
			const char* value = next("--user");
			if (value == nullptr)
				return false;
			options.config.user = value;
		} else if (arg == "--password") {
			const char* value = next("--password");
			if (value == nullptr)
				return false;
			options.config.password = value;
		} else if (arg == "--weborca") {
			options.config.weborca = true;
		} else if (arg == "--latency-ms") {
			const char* value = next("--latency-ms");
			if (value == nullptr || !ParseIntArgument(value, 0, 600000, number)) {
				std::fprintf(stderr, "orca-sim: --latency-ms must be 0..600000\n");
				return false;
			}
			options.config.latency_ms = static_cast<int>(number);
		} else if (arg == "--threads") {
			const char* value = next("--threads");
			if (value == nullptr || !ParseIntArgument(value, 1, 1024, number)) {
				std::fprintf(stderr, "orca-sim: --threads must be 1..1024\n");
				return false;
			}
			options.threads = static_cast<int>(number);
		} else if (arg == "--today") {
			const char* value = next("--today");
			if (value == nullptr)
				return false;
			const std::optional<int> day = orca_sim::ParseDate(value);
			if (!day || orca_sim::YearOfDate(*day) < 2013 || orca_sim::YearOfDate(*day) > 2100) {
				std::fprintf(stderr, "orca-sim: --today must be a date YYYY-MM-DD between 2013 and 2100\n");
				return false;
			}
			options.today = *day;
		} else if (arg == "--burst-day") {
			const char* value = next("--burst-day");
			const std::optional<int> day = value ? orca_sim::ParseDate(value) : std::nullopt;
			if (!day) {
				std::fprintf(stderr, "orca-sim: --burst-day must be a date YYYY-MM-DD\n");
				return false;
			}
			options.burst_day = *day;
		} else if (arg == "--burst") {
			const char* value = next("--burst");
			if (value == nullptr || !ParseIntArgument(value, 0, 10000000, number)) {
				std::fprintf(stderr, "orca-sim: --burst must be 0..10000000\n");
				return false;
			}
			options.burst = static_cast<int>(number);
		} else if (arg == "--json-pad-arrays") {
			options.config.pad_json_arrays = true;
		} else if (arg == "--omit-update-time") {
			options.config.omit_update_time = true;
		} else if (arg == "--log") {
			options.log_requests = true;
		} else {
			std::fprintf(stderr, "orca-sim: unknown option %s\n", arg.c_str());
			PrintUsage(stderr);
			return false;
		}
	}
	if (options.today == 0)
		options.today = orca_sim::LocalToday();
	return true;
}

void
OnSignal(int)
{
	orca_sim::HttpServer::RequestStop();
}

} // namespace

int
main(int argc, char** argv)
{
	Options options;
	if (!ParseOptions(argc, argv, options))
		return 2;
#ifdef __GLIBC__
	// Responses are built from thousands of small nodes; glibc's fastbins
	// then make every later large allocation consolidate the heap (20% of
	// the CPU under load). The thread caches serve small blocks just as well.
	mallopt(M_MXFAST, 0);
#endif

	struct sigaction action {};
	action.sa_handler = OnSignal;
	sigemptyset(&action.sa_mask);
	sigaction(SIGTERM, &action, nullptr);
	sigaction(SIGINT, &action, nullptr);
	std::signal(SIGPIPE, SIG_IGN);

	orca_sim::HttpServer server;
	std::string error;
	if (!server.Listen(options.host, options.port, error)) {
		std::fprintf(stderr, "orca-sim: %s\n", error.c_str());
		return 1;
	}

	const auto started = std::chrono::steady_clock::now();
	orca_sim::DataStore store;
	orca_sim::WorldParams params;
	params.patient_count = options.patients;
	params.seed = options.seed;
	params.today = options.today;
	params.burst_day = options.burst_day;
	params.burst_count = options.burst_day != 0 ? options.burst : 0;
	store.Generate(params);
	const auto generated = std::chrono::steady_clock::now();
	std::fprintf(stderr, "orca-sim: %d patients generated in %lld ms (seed %llu, today %s)\n", options.patients,
	             static_cast<long long>(
	                 std::chrono::duration_cast<std::chrono::milliseconds>(generated - started).count()),
	             options.seed, orca_sim::FormatDate(options.today).c_str());

	orca_sim::SimControl control(store);
	orca_sim::Router router(store, control, options.config, options.log_requests);
	server.Run([&router](const orca_sim::HttpRequest& request,
	                     orca_sim::HttpResponse& response) { router.Handle(request, response); },
	           options.threads, [&] {
		           const bool ipv6 = options.host.find(':') != std::string::npos;
		           std::printf("orca-sim listening on http://%s%s%s:%d\n", ipv6 ? "[" : "", options.host.c_str(),
		                       ipv6 ? "]" : "", server.BoundPort());
		           std::fflush(stdout);
	           });
	std::fprintf(stderr, "orca-sim: stopped\n");
	return 0;
}
