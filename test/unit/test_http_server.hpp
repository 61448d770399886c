/*
 * test_http_server.hpp — a small in-process HTTP/1.1 server for unit tests.
 *
 * Owns: a listening socket on 127.0.0.1 (port 0), one accept thread and one
 * thread per TCP connection, keep-alive, and a per-test handler that decides
 * each response: status, headers, delays, bodies sent in parts, chunked
 * bodies, huge generated bodies, truncation, connection reset, closing without
 * an answer or hanging.  It counts connections, requests and requests in
 * flight (current and maximum) and logs every request with its arrival time.
 *
 * Every sleep is interruptible: Stop() (and the destructor) wake all threads,
 * shut the sockets down and join, so a test never waits for a 5 s delay.
 * Also: BlackholeListener, a port whose connect() hangs (full backlog), for
 * connect timeout tests.
 */
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace orca_fdw::test {

using TestClock = std::chrono::steady_clock;

struct TestRequest {
	std::string method;
	std::string target;  /* as on the request line: path?query */
	std::string path;
	std::string query;
	std::string version;
	std::vector<std::pair<std::string, std::string>> headers; /* names lowercased */
	std::string body;
	int connection = 0; /* 1-based id of the TCP connection it came on */
	int index = 0;      /* 1-based position among all requests of the server */
	TestClock::time_point received_at; /* when its head was complete */

	bool HasHeader(const std::string &lower_name) const;
	std::string Header(const std::string &lower_name) const; /* "" when absent */
};

struct TestResponse {
	enum class Action {
		Respond,       /* a normal response (see the fields below) */
		Truncate,      /* announce Content-Length of the whole body, send truncate_at bytes, close */
		Reset,         /* read the request, then close with RST */
		CloseSilently, /* read the request, then close (FIN) without a byte */
		Hang,          /* read the request, never answer (until the client leaves or Stop) */
	};
	Action action = Action::Respond;
	int status = 200;
	std::vector<std::pair<std::string, std::string>> headers;
	std::string body;
	size_t generated_body = 0; /* append this many 'x' bytes, generated while sending */
	long delay_ms = 0;         /* before the status line */
	/* Send body[0, split_at), sleep split_delay_ms, call before_rest, send the rest. */
	size_t split_at = std::string::npos;
	long split_delay_ms = 0;
	std::function<void()> before_rest;
	bool chunked = false;      /* Transfer-Encoding: chunked */
	size_t chunk_size = 0;     /* 0: one chunk */
	long chunk_delay_ms = 0;   /* between chunks */
	bool close_after = false;  /* "Connection: close" and close */
	size_t truncate_at = 0;    /* for Truncate */

	static TestResponse Ok(std::string body);
	static TestResponse Status(int status, std::string body = "error");
};

class TestHttpServer {
public:
	using Handler = std::function<TestResponse(const TestRequest &)>;

	explicit TestHttpServer(Handler handler);
	~TestHttpServer();
	TestHttpServer(const TestHttpServer &) = delete;
	TestHttpServer &operator=(const TestHttpServer &) = delete;

	int Port() const { return port_; }
	std::string Url() const; /* "http://127.0.0.1:<port>" */

	void Stop();

	int Connections() const { return connections_.load(); }
	int RequestCount() const { return request_count_.load(); }
	int InFlight() const { return in_flight_.load(); }
	int MaxInFlight() const { return max_in_flight_.load(); }
	std::vector<TestRequest> Requests() const;
	/* Stop logging requests (long soak runs: keeps the server's memory flat). */
	void DisableLog() { log_ = false; }

private:
	void AcceptLoop();
	void Serve(int fd, int connection);
	bool ReadRequest(int fd, std::string &buffer, TestRequest &request);
	/* Clears `counted` (and the in-flight count) just before the status line
	 * goes out: the client cannot have finished the request before that, so
	 * InFlight never counts a request the client already considers done. */
	bool Respond(int fd, const TestResponse &response, bool &close, bool &counted);
	bool SendAll(int fd, const char *data, size_t len);
	bool SendAll(int fd, const std::string &data) { return SendAll(fd, data.data(), data.size()); }
	/* Sleep up to ms; false when stopping or the peer went away. */
	bool Pause(int fd, long ms);
	bool Stopping() const { return stopping_.load(); }

	Handler handler_;
	int listen_fd_ = -1;
	int port_ = 0;
	std::atomic<bool> stopping_{false};
	std::atomic<bool> log_{true};
	std::thread accept_thread_;

	mutable std::mutex mutex_; /* guards everything below */
	std::vector<std::thread> threads_;
	std::vector<int> open_fds_;
	std::vector<TestRequest> requests_;
	std::condition_variable wake_;

	std::atomic<int> connections_{0};
	std::atomic<int> request_count_{0};
	std::atomic<int> in_flight_{0};
	std::atomic<int> max_in_flight_{0};
};

/* A listening socket whose accept queue is full and never drained: a
 * connect() to it hangs (SYNs are dropped), like a firewalled server. */
class BlackholeListener {
public:
	BlackholeListener();
	~BlackholeListener();
	BlackholeListener(const BlackholeListener &) = delete;
	BlackholeListener &operator=(const BlackholeListener &) = delete;
	int Port() const { return port_; }

private:
	int listen_fd_ = -1;
	int port_ = 0;
	std::vector<int> fillers_;
};

} // namespace orca_fdw::test
