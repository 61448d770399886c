// load_client.cpp — a tiny keep-alive HTTP load generator used to measure
// orca-sim throughput (no third-party tools on the build machine).
//
//   g++ -std=c++17 -O2 -pthread -o build/load-client test/sim/load_client.cpp
//   build/load-client --port P --path '/api01rv2/patientlst2v2?class=01'
//       --body-file body.xml --clients 4 --seconds 5
//
// Each client thread keeps one connection open and sends requests back to
// back; prints requests/s, mean latency and bytes received.
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
	std::string host = "127.0.0.1";
	int port = 8000;
	std::string path = "/api01rv2/patientgetv2?id=1";
	std::string body;
	std::string auth = "b3JtYXN0ZXI6b3JtYXN0ZXI="; // ormaster:ormaster
	int clients = 4;
	double seconds = 5;
};

int
Connect(const Options& options)
{
	const int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_port = htons(static_cast<uint16_t>(options.port));
	inet_pton(AF_INET, options.host.c_str(), &address.sin_addr);
	if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
		std::perror("connect");
		std::exit(1);
	}
	const int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

// Reads one response; returns its total size or -1.
long
ReadResponse(int fd, std::string& buffer)
{
	while (true) {
		const size_t head_end = buffer.find("\r\n\r\n");
		if (head_end != std::string::npos) {
			const size_t length_at = buffer.find("Content-Length: ");
			if (length_at == std::string::npos || length_at > head_end)
				return -1;
			const long length = std::atol(buffer.c_str() + length_at + 16);
			const size_t total = head_end + 4 + static_cast<size_t>(length);
			if (buffer.size() >= total) {
				if (buffer.compare(0, 12, "HTTP/1.1 200") != 0)
					return -1;
				buffer.erase(0, total);
				return static_cast<long>(total);
			}
		}
		char chunk[65536];
		const ssize_t received = recv(fd, chunk, sizeof(chunk), 0);
		if (received <= 0)
			return -1;
		buffer.append(chunk, static_cast<size_t>(received));
	}
}

} // namespace

int
main(int argc, char** argv)
{
	Options options;
	for (int i = 1; i + 1 < argc; i += 2) {
		const std::string key = argv[i];
		const std::string value = argv[i + 1];
		if (key == "--host")
			options.host = value;
		else if (key == "--port")
			options.port = std::atoi(value.c_str());
		else if (key == "--path")
			options.path = value;
		else if (key == "--clients")
			options.clients = std::atoi(value.c_str());
		else if (key == "--seconds")
			options.seconds = std::atof(value.c_str());
		else if (key == "--body-file") {
			std::ifstream in(value, std::ios::binary);
			std::stringstream content;
			content << in.rdbuf();
			options.body = content.str();
		}
	}
	std::string request = (options.body.empty() ? "GET " : "POST ") + options.path + " HTTP/1.1\r\nHost: " +
	                      options.host + "\r\nAuthorization: Basic " + options.auth + "\r\n";
	if (!options.body.empty())
		request += "Content-Type: application/xml\r\nContent-Length: " + std::to_string(options.body.size()) +
		           "\r\n";
	request += "\r\n" + options.body;

	std::atomic<long> requests{0}, bytes{0}, failures{0};
	std::atomic<long long> latency_us{0};
	std::atomic<bool> stop{false};
	std::vector<std::thread> threads;
	const auto begin = std::chrono::steady_clock::now();
	for (int c = 0; c < options.clients; c++) {
		threads.emplace_back([&] {
			const int fd = Connect(options);
			std::string buffer;
			while (!stop.load()) {
				const auto sent = std::chrono::steady_clock::now();
				if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
					failures++;
					break;
				}
				const long size = ReadResponse(fd, buffer);
				if (size < 0) {
					failures++;
					break;
				}
				latency_us += std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
				                                                                     sent)
				                  .count();
				requests++;
				bytes += size;
			}
			close(fd);
		});
	}
	std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
	stop = true;
	for (std::thread& thread : threads)
		thread.join();
	const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
	const long n = requests.load();
	std::printf("%ld requests in %.2f s: %.0f req/s, mean latency %.2f ms, %.1f MB/s, %ld failures\n", n, elapsed,
	            n / elapsed, n ? latency_us.load() / 1000.0 / n : 0.0, bytes.load() / elapsed / 1e6, failures.load());
	return failures.load() ? 1 : 0;
}
