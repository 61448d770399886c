// http_server.hpp — a small HTTP/1.1 server: one epoll reactor thread accepts
// connections and waits for readable sockets; a pool of worker threads reads,
// parses and answers requests. Connections are armed with EPOLLONESHOT, so a
// connection belongs to at most one worker at a time, and idle keep-alive
// connections cost no thread.
//
// Supported: keep-alive and pipelining, Content-Length and chunked request
// bodies, "Expect: 100-continue", HTTP/1.0 clients. Responses always carry a
// Content-Length. A handler may ask for a broken delivery (truncated body or
// a connection reset) to simulate faults.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orca_sim {

struct HttpRequest {
	std::string method;
	std::string target; // as sent: path + "?" + query
	std::string path;   // percent-decoded path
	std::string query;  // raw query string (without '?')
	std::string version;
	std::vector<std::pair<std::string, std::string>> headers; // names lower-cased
	std::string body;
	bool keep_alive = true;

	const std::string* Header(std::string_view lower_name) const;
	// First value of a query parameter (percent-decoded); "" when absent.
	std::string QueryParam(std::string_view name) const;
	bool HasQueryParam(std::string_view name) const;
};

struct HttpResponse {
	enum class Delivery {
		kNormal,
		kTruncate, // headers announce the full length, half the body is sent, then close
		kReset,    // no answer at all, the connection is reset
	};

	int status = 200;
	std::vector<std::pair<std::string, std::string>> headers;
	std::string body;
	Delivery delivery = Delivery::kNormal;
	bool close_connection = false;

	void SetHeader(std::string name, std::string value);
	void SetContentType(std::string value) { SetHeader("Content-Type", std::move(value)); }
};

using RequestHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

class HttpServer {
public:
	HttpServer() = default;
	~HttpServer();
	HttpServer(const HttpServer&) = delete;
	HttpServer& operator=(const HttpServer&) = delete;

	// Binds and listens. Port 0 picks a free port (see BoundPort()).
	bool Listen(const std::string& host, int port, std::string& error);
	int BoundPort() const { return bound_port_; }

	// Serves until RequestStop(); `on_ready` runs once the workers are up.
	void Run(RequestHandler handler, int worker_threads, const std::function<void()>& on_ready);

	// Async-signal-safe: wakes the reactor, which then shuts the server down.
	static void RequestStop();

private:
	int listen_fd_ = -1;
	int bound_port_ = 0;
};

const char* ReasonPhrase(int status);

} // namespace orca_sim
