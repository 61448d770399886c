/*
 * test_http_server.cpp — the in-process HTTP/1.1 test server (see the header).
 *
 * Deliberately simple: blocking sockets, a thread per connection, requests
 * parsed just enough for what libcurl sends (Content-Length bodies).  All
 * writes use MSG_NOSIGNAL so a client that hangs up never kills the test.
 */
#include "test_http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace orca_fdw::test {

namespace {

std::string Lower(std::string s)
{
	for (char &c : s)
		c = char(std::tolower(static_cast<unsigned char>(c)));
	return s;
}

std::string Trim(const std::string &s)
{
	size_t b = s.find_first_not_of(" \t");
	if (b == std::string::npos)
		return "";
	size_t e = s.find_last_not_of(" \t\r");
	return s.substr(b, e - b + 1);
}

const char *Reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

int ListenLoopback(int backlog, int &port)
{
	int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		throw std::runtime_error("socket failed");
	int one = 1;
	::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::listen(fd, backlog) != 0) {
		::close(fd);
		throw std::runtime_error("bind/listen failed");
	}
	socklen_t len = sizeof addr;
	::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
	port = ntohs(addr.sin_port);
	return fd;
}

} // namespace

bool TestRequest::HasHeader(const std::string &lower_name) const
{
	for (const auto &h : headers)
		if (h.first == lower_name)
			return true;
	return false;
}

std::string TestRequest::Header(const std::string &lower_name) const
{
	for (const auto &h : headers)
		if (h.first == lower_name)
			return h.second;
	return "";
}

TestResponse TestResponse::Ok(std::string body)
{
	TestResponse r;
	r.body = std::move(body);
	return r;
}

TestResponse TestResponse::Status(int status, std::string body)
{
	TestResponse r;
	r.status = status;
	r.body = std::move(body);
	return r;
}

TestHttpServer::TestHttpServer(Handler handler) : handler_(std::move(handler))
{
	listen_fd_ = ListenLoopback(64, port_);
	accept_thread_ = std::thread([this] { AcceptLoop(); });
}

TestHttpServer::~TestHttpServer()
{
	Stop();
}

std::string TestHttpServer::Url() const
{
	return "http://127.0.0.1:" + std::to_string(port_);
}

void TestHttpServer::Stop()
{
	if (stopping_.exchange(true))
		return;
	{
		std::lock_guard<std::mutex> lock(mutex_);
		for (int fd : open_fds_)
			::shutdown(fd, SHUT_RDWR); /* wakes blocking recv/send */
	}
	wake_.notify_all();
	if (accept_thread_.joinable())
		accept_thread_.join();
	std::vector<std::thread> threads;
	{
		std::lock_guard<std::mutex> lock(mutex_);
		threads.swap(threads_);
	}
	for (auto &t : threads)
		t.join();
	::close(listen_fd_);
	listen_fd_ = -1;
}

std::vector<TestRequest> TestHttpServer::Requests() const
{
	std::lock_guard<std::mutex> lock(mutex_);
	return requests_;
}

void TestHttpServer::AcceptLoop()
{
	while (!Stopping()) {
		pollfd p{listen_fd_, POLLIN, 0};
		if (::poll(&p, 1, 20) <= 0)
			continue;
		int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* Without this, Nagle + the client's delayed ACK add ~40 ms per call
		 * (the head and the body are separate writes). */
		int one = 1;
		::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		int connection = ++connections_;
		std::lock_guard<std::mutex> lock(mutex_);
		if (Stopping()) {
			::close(fd);
			break;
		}
		open_fds_.push_back(fd);
		threads_.emplace_back([this, fd, connection] { Serve(fd, connection); });
	}
}

void TestHttpServer::Serve(int fd, int connection)
{
	std::string buffer;
	bool linger_reset = false;
	for (;;) {
		TestRequest request;
		if (!ReadRequest(fd, buffer, request))
			break;
		request.connection = connection;
		request.index = ++request_count_;
		if (log_) {
			std::lock_guard<std::mutex> lock(mutex_);
			requests_.push_back(request);
		}
		int now_in_flight = ++in_flight_;
		int seen = max_in_flight_.load();
		while (now_in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, now_in_flight)) {
		}
		TestResponse response = handler_(request);
		bool close = false;
		bool ok = true;
		bool counted = true;
		switch (response.action) {
		case TestResponse::Action::Respond:
			ok = Respond(fd, response, close, counted);
			break;
		case TestResponse::Action::Truncate:
			ok = Respond(fd, response, close, counted);
			close = true;
			break;
		case TestResponse::Action::Reset:
			Pause(fd, response.delay_ms);
			linger_reset = true;
			close = true;
			break;
		case TestResponse::Action::CloseSilently:
			Pause(fd, response.delay_ms);
			close = true;
			break;
		case TestResponse::Action::Hang:
			while (Pause(fd, 1000)) {
			}
			close = true;
			break;
		}
		if (counted)
			--in_flight_;
		if (!ok || close)
			break;
	}
	{
		std::lock_guard<std::mutex> lock(mutex_);
		open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
	}
	if (linger_reset) {
		linger l{1, 0}; /* close() now sends RST instead of FIN */
		::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	}
	::close(fd);
}

bool TestHttpServer::ReadRequest(int fd, std::string &buffer, TestRequest &request)
{
	size_t head_end;
	while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
		char chunk[4096];
		ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
		if (n <= 0)
			return false;
		buffer.append(chunk, size_t(n));
		/* Not HTTP (e.g. a TLS ClientHello): answer like a plain HTTP server. */
		if (!std::isupper(static_cast<unsigned char>(buffer[0]))) {
			SendAll(fd, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
			return false;
		}
	}
	request.received_at = TestClock::now();
	std::string head = buffer.substr(0, head_end);
	buffer.erase(0, head_end + 4);

	size_t line_end = head.find("\r\n");
	std::string line = head.substr(0, line_end);
	size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
	if (sp1 == std::string::npos || sp2 == sp1)
		return false;
	request.method = line.substr(0, sp1);
	request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
	request.version = line.substr(sp2 + 1);
	size_t q = request.target.find('?');
	request.path = request.target.substr(0, q);
	if (q != std::string::npos)
		request.query = request.target.substr(q + 1);

	size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
	while (pos < head.size()) {
		size_t end = head.find("\r\n", pos);
		if (end == std::string::npos)
			end = head.size();
		std::string h = head.substr(pos, end - pos);
		size_t colon = h.find(':');
		if (colon != std::string::npos)
			request.headers.emplace_back(Lower(h.substr(0, colon)), Trim(h.substr(colon + 1)));
		pos = end + 2;
	}

	size_t length = 0;
	std::string cl = request.Header("content-length");
	if (!cl.empty())
		length = std::stoul(cl);
	while (buffer.size() < length) {
		char chunk[4096];
		ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
		if (n <= 0)
			return false;
		buffer.append(chunk, size_t(n));
	}
	request.body = buffer.substr(0, length);
	buffer.erase(0, length);
	return true;
}

bool TestHttpServer::Respond(int fd, const TestResponse &response, bool &close, bool &counted)
{
	if (!Pause(fd, response.delay_ms))
		return false;
	counted = false;
	--in_flight_;
	size_t total = response.body.size() + response.generated_body;
	std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
	for (const auto &h : response.headers)
		head += h.first + ": " + h.second + "\r\n";
	if (response.chunked)
		head += "Transfer-Encoding: chunked\r\n";
	else
		head += "Content-Length: " + std::to_string(total) + "\r\n";
	if (response.close_after) {
		head += "Connection: close\r\n";
		close = true;
	}
	head += "\r\n";
	if (!SendAll(fd, head))
		return false;

	/* The body as a sequence of pieces: literal body (maybe split), then the
	 * generated bytes. */
	size_t limit = response.action == TestResponse::Action::Truncate ? response.truncate_at : total;
	size_t sent = 0;
	auto send_piece = [&](const char *data, size_t len) -> bool {
		len = std::min(len, limit - sent);
		if (len == 0)
			return true;
		if (response.chunked) {
			size_t step = response.chunk_size == 0 ? len : response.chunk_size;
			for (size_t off = 0; off < len; off += step) {
				size_t n = std::min(step, len - off);
				char size_line[32];
				std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
				if (!SendAll(fd, size_line, std::strlen(size_line)) || !SendAll(fd, data + off, n) ||
				    !SendAll(fd, "\r\n", 2))
					return false;
				if (response.chunk_delay_ms > 0 && !Pause(fd, response.chunk_delay_ms))
					return false;
			}
		} else if (!SendAll(fd, data, len)) {
			return false;
		}
		sent += len;
		return true;
	};

	const std::string &body = response.body;
	size_t split = std::min(response.split_at, body.size());
	if (!send_piece(body.data(), split))
		return false;
	if (split < body.size() || response.split_at != std::string::npos) {
		if (!Pause(fd, response.split_delay_ms))
			return false;
		if (response.before_rest)
			response.before_rest();
		if (!send_piece(body.data() + split, body.size() - split))
			return false;
	}
	std::string filler(64 * 1024, 'x');
	for (size_t left = response.generated_body; left > 0 && sent < limit;) {
		size_t n = std::min(left, filler.size());
		if (!send_piece(filler.data(), n))
			return false;
		left -= n;
	}
	if (response.chunked && response.action != TestResponse::Action::Truncate && !SendAll(fd, "0\r\n\r\n", 5))
		return false;
	return true;
}

bool TestHttpServer::SendAll(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		data += n;
		len -= size_t(n);
	}
	return true;
}

bool TestHttpServer::Pause(int fd, long ms)
{
	auto until = TestClock::now() + std::chrono::milliseconds(ms);
	for (;;) {
		if (Stopping())
			return false;
		/* a client that hung up ends the pause (recv would see EOF) */
		pollfd p{fd, POLLRDHUP, 0};
		if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return false;
		auto now = TestClock::now();
		if (now >= until)
			return true;
		auto slice = std::min<TestClock::duration>(until - now, std::chrono::milliseconds(10));
		std::unique_lock<std::mutex> lock(mutex_);
		wake_.wait_for(lock, slice, [this] { return Stopping(); });
	}
}

BlackholeListener::BlackholeListener()
{
	listen_fd_ = ListenLoopback(0, port_);
	/* Fill the accept queue (backlog 0 admits one, plus SYN slack) with
	 * connections nobody accepts; further SYNs are dropped by the kernel. */
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons(uint16_t(port_));
	for (int i = 0; i < 3; i++) {
		int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		(void) ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
		fillers_.push_back(fd);
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

BlackholeListener::~BlackholeListener()
{
	for (int fd : fillers_)
		::close(fd);
	::close(listen_fd_);
}

} // namespace orca_fdw::test
