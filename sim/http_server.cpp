// http_server.cpp — see http_server.hpp.
#include "http_server.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <thread>
#include <unistd.h>
#include <unordered_set>

#include "util.hpp"

namespace orca_sim {

namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = 32 * 1024 * 1024;
constexpr int kSendTimeoutMs = 30000;

std::atomic<int> g_wake_write_fd{-1};
int g_wake_read_fd = -1;

char g_listen_tag;
char g_wake_tag;

struct Connection {
	// Held by the worker serving the connection. The EPOLLONESHOT hand-off
	// already guarantees exclusive use; the lock makes the ordering between
	// successive workers explicit (and visible to ThreadSanitizer).
	std::mutex owner;
	int fd = -1;
	std::string in;
	bool continue_sent = false;
	bool peer_closed = false;
};

enum class ParseResult { kIncomplete, kComplete, kError };

bool
EqualsIgnoreCase(std::string_view a, std::string_view b)
{
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = static_cast<char>(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = static_cast<char>(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

bool
ContainsTokenIgnoreCase(std::string_view list, std::string_view token)
{
	size_t start = 0;
	while (start <= list.size()) {
		size_t comma = list.find(',', start);
		if (comma == std::string_view::npos)
			comma = list.size();
		if (EqualsIgnoreCase(TrimAscii(list.substr(start, comma - start)), token))
			return true;
		start = comma + 1;
	}
	return false;
}

// Decodes a chunked body starting at `pos`. Returns kIncomplete until the
// terminating chunk (and trailers) are in the buffer.
ParseResult
DecodeChunked(const std::string& in, size_t pos, std::string& body, size_t& end, int& error_status)
{
	while (true) {
		const size_t line_end = in.find("\r\n", pos);
		if (line_end == std::string::npos)
			return in.size() - pos > 1024 ? (error_status = 400, ParseResult::kError) : ParseResult::kIncomplete;
		std::string_view size_text(in.data() + pos, line_end - pos);
		const size_t semicolon = size_text.find(';');
		if (semicolon != std::string_view::npos)
			size_text = size_text.substr(0, semicolon);
		size_text = TrimAscii(size_text);
		if (size_text.empty() || size_text.size() > 8) {
			error_status = 400;
			return ParseResult::kError;
		}
		size_t chunk = 0;
		for (char c : size_text) {
			int v;
			if (c >= '0' && c <= '9')
				v = c - '0';
			else if (c >= 'a' && c <= 'f')
				v = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v = c - 'A' + 10;
			else {
				error_status = 400;
				return ParseResult::kError;
			}
			chunk = chunk * 16 + static_cast<size_t>(v);
		}
		pos = line_end + 2;
		if (chunk == 0) {
			// Trailers end with an empty line.
			while (true) {
				const size_t trailer_end = in.find("\r\n", pos);
				if (trailer_end == std::string::npos)
					return ParseResult::kIncomplete;
				if (trailer_end == pos) {
					end = pos + 2;
					return ParseResult::kComplete;
				}
				pos = trailer_end + 2;
			}
		}
		if (body.size() + chunk > kMaxBodyBytes) {
			error_status = 413;
			return ParseResult::kError;
		}
		if (in.size() < pos + chunk + 2)
			return ParseResult::kIncomplete;
		body.append(in, pos, chunk);
		if (in.compare(pos + chunk, 2, "\r\n") != 0) {
			error_status = 400;
			return ParseResult::kError;
		}
		pos += chunk + 2;
	}
}

ParseResult
TryParseRequest(const std::string& in, HttpRequest& request, size_t& consumed, int& error_status,
                bool& wants_continue)
{
	size_t header_end = in.find("\r\n\r\n");
	size_t separator = 4;
	if (header_end == std::string::npos) {
		header_end = in.find("\n\n");
		separator = 2;
	}
	if (header_end == std::string::npos) {
		if (in.size() > kMaxHeaderBytes) {
			error_status = 431;
			return ParseResult::kError;
		}
		return ParseResult::kIncomplete;
	}
	if (header_end > kMaxHeaderBytes) {
		error_status = 431;
		return ParseResult::kError;
	}

	// Request line and header fields.
	std::string_view head(in.data(), header_end);
	size_t line_start = 0;
	bool first_line = true;
	long long content_length = -1;
	bool chunked = false;
	while (line_start <= head.size()) {
		size_t line_end = head.find('\n', line_start);
		if (line_end == std::string_view::npos)
			line_end = head.size();
		std::string_view line = head.substr(line_start, line_end - line_start);
		if (!line.empty() && line.back() == '\r')
			line.remove_suffix(1);
		line_start = line_end + 1;
		if (first_line) {
			if (line.empty())
				continue; // tolerate a stray CRLF between pipelined requests
			first_line = false;
			const size_t sp1 = line.find(' ');
			const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
			if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) {
				error_status = 400;
				return ParseResult::kError;
			}
			request.method = std::string(line.substr(0, sp1));
			request.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
			request.version = std::string(TrimAscii(line.substr(sp2 + 1)));
			if (!StartsWith(request.version, "HTTP/1.") || request.method.empty() || request.target.empty()) {
				error_status = 400;
				return ParseResult::kError;
			}
			continue;
		}
		if (line.empty())
			continue;
		const size_t colon = line.find(':');
		if (colon == std::string_view::npos || colon == 0) {
			error_status = 400;
			return ParseResult::kError;
		}
		std::string name = ToLowerAscii(TrimAscii(line.substr(0, colon)));
		std::string value(TrimAscii(line.substr(colon + 1)));
		if (name == "content-length") {
			if (!IsAllDigits(value) || value.size() > 12) {
				error_status = 400;
				return ParseResult::kError;
			}
			const long long length = std::stoll(value);
			if (content_length >= 0 && content_length != length) {
				error_status = 400;
				return ParseResult::kError;
			}
			content_length = length;
		} else if (name == "transfer-encoding") {
			if (!ContainsTokenIgnoreCase(value, "chunked")) {
				error_status = 501;
				return ParseResult::kError;
			}
			chunked = true;
		}
		request.headers.emplace_back(std::move(name), std::move(value));
	}
	if (first_line) {
		error_status = 400;
		return ParseResult::kError;
	}

	// Target: origin-form, or absolute-form from proxies.
	std::string_view target = request.target;
	if (StartsWith(target, "http://") || StartsWith(target, "https://")) {
		const size_t slash = target.find('/', target.find("//") + 2);
		target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
	}
	const size_t question = target.find('?');
	request.path = PercentDecode(target.substr(0, question), false);
	request.query = question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));

	const std::string* connection = request.Header("connection");
	if (request.version == "HTTP/1.0")
		request.keep_alive = connection != nullptr && ContainsTokenIgnoreCase(*connection, "keep-alive");
	else
		request.keep_alive = connection == nullptr || !ContainsTokenIgnoreCase(*connection, "close");

	const size_t body_start = header_end + separator;
	if (chunked) {
		size_t end = 0;
		request.body.clear();
		const ParseResult result = DecodeChunked(in, body_start, request.body, end, error_status);
		if (result == ParseResult::kComplete)
			consumed = end;
		if (result == ParseResult::kIncomplete) {
			const std::string* expect = request.Header("expect");
			wants_continue = expect != nullptr && EqualsIgnoreCase(*expect, "100-continue");
		}
		return result;
	}
	if (content_length < 0)
		content_length = 0;
	if (static_cast<size_t>(content_length) > kMaxBodyBytes) {
		error_status = 413;
		return ParseResult::kError;
	}
	if (in.size() - body_start < static_cast<size_t>(content_length)) {
		const std::string* expect = request.Header("expect");
		wants_continue = expect != nullptr && EqualsIgnoreCase(*expect, "100-continue");
		return ParseResult::kIncomplete;
	}
	request.body.assign(in, body_start, static_cast<size_t>(content_length));
	consumed = body_start + static_cast<size_t>(content_length);
	return ParseResult::kComplete;
}

// Sends all bytes of the given pieces; waits for writability when the
// socket buffer is full. Returns false on error or timeout.
bool
SendAll(int fd, std::string_view first, std::string_view second)
{
	size_t sent_first = 0, sent_second = 0;
	while (sent_first < first.size() || sent_second < second.size()) {
		iovec parts[2];
		int count = 0;
		if (sent_first < first.size()) {
			parts[count].iov_base = const_cast<char*>(first.data() + sent_first);
			parts[count].iov_len = first.size() - sent_first;
			count++;
		}
		if (sent_second < second.size()) {
			parts[count].iov_base = const_cast<char*>(second.data() + sent_second);
			parts[count].iov_len = second.size() - sent_second;
			count++;
		}
		msghdr message{};
		message.msg_iov = parts;
		message.msg_iovlen = static_cast<size_t>(count);
		const ssize_t written = sendmsg(fd, &message, MSG_NOSIGNAL);
		if (written < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				pollfd waiter{fd, POLLOUT, 0};
				const int ready = poll(&waiter, 1, kSendTimeoutMs);
				if (ready <= 0)
					return false;
				continue;
			}
			return false;
		}
		size_t remaining = static_cast<size_t>(written);
		const size_t from_first = std::min(remaining, first.size() - sent_first);
		sent_first += from_first;
		remaining -= from_first;
		sent_second += remaining;
	}
	return true;
}

std::string
BuildHead(const HttpResponse& response, size_t content_length, bool close)
{
	std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + ReasonPhrase(response.status) + "\r\n";
	for (const auto& header : response.headers) {
		head += header.first;
		head += ": ";
		head += header.second;
		head += "\r\n";
	}
	head += "Content-Length: " + std::to_string(content_length) + "\r\n";
	head += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
	head += "\r\n";
	return head;
}

// Lends the worker thread's response buffer to a response and takes it back
// afterwards, so large bodies do not cost a fresh allocation (and a heap
// consolidation on free) per request.
class ReusedBody {
public:
	explicit ReusedBody(HttpResponse& response) : response_(response)
	{
		response_.body.swap(Buffer());
		response_.body.clear();
	}
	~ReusedBody()
	{
		if (response_.body.capacity() <= kMaxKeptBuffer)
			Buffer().swap(response_.body);
	}
	ReusedBody(const ReusedBody&) = delete;
	ReusedBody& operator=(const ReusedBody&) = delete;

private:
	static constexpr size_t kMaxKeptBuffer = 8 * 1024 * 1024;
	static std::string& Buffer()
	{
		thread_local std::string buffer;
		return buffer;
	}
	HttpResponse& response_;
};

class ServerCore {
public:
	ServerCore(int listen_fd, RequestHandler handler) : listen_fd_(listen_fd), handler_(std::move(handler)) {}

	bool Start(int worker_threads)
	{
		epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
		if (epoll_fd_ < 0)
			return false;
		epoll_event listen_event{};
		listen_event.events = EPOLLIN;
		listen_event.data.ptr = &g_listen_tag;
		epoll_event wake_event{};
		wake_event.events = EPOLLIN;
		wake_event.data.ptr = &g_wake_tag;
		if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen_event) < 0 ||
		    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, g_wake_read_fd, &wake_event) < 0)
			return false;
		for (int i = 0; i < worker_threads; i++)
			workers_.emplace_back([this] { WorkerLoop(); });
		return true;
	}

	void ReactorLoop()
	{
		epoll_event events[64];
		bool running = true;
		while (running) {
			const int count = epoll_wait(epoll_fd_, events, 64, -1);
			if (count < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int i = 0; i < count; i++) {
				void* tag = events[i].data.ptr;
				if (tag == &g_listen_tag)
					AcceptAll();
				else if (tag == &g_wake_tag)
					running = false;
				else
					Enqueue(static_cast<Connection*>(tag));
			}
		}
	}

	void Shutdown()
	{
		BeginShutdown();
		{
			std::lock_guard<std::mutex> lock(queue_mutex_);
			stopping_ = true;
		}
		queue_cv_.notify_all();
		for (std::thread& worker : workers_)
			worker.join();
		workers_.clear();
		std::lock_guard<std::mutex> lock(connections_mutex_);
		for (Connection* connection : connections_) {
			close(connection->fd);
			delete connection;
		}
		connections_.clear();
		if (epoll_fd_ >= 0)
			close(epoll_fd_);
		epoll_fd_ = -1;
	}

private:
	void AcceptAll()
	{
		while (true) {
			const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EINTR || errno == ECONNABORTED)
					continue;
				return; // EAGAIN, or out of descriptors: try again on the next event
			}
			const int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			auto* connection = new Connection();
			connection->fd = fd;
			{
				std::lock_guard<std::mutex> lock(connections_mutex_);
				connections_.insert(connection);
			}
			epoll_event event{};
			event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
			event.data.ptr = connection;
			if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) < 0) {
				connection->owner.lock();
				CloseConnection(connection, false);
			}
		}
	}

	void Enqueue(Connection* connection)
	{
		{
			std::lock_guard<std::mutex> lock(queue_mutex_);
			queue_.push_back(connection);
		}
		queue_cv_.notify_one();
	}

	void WorkerLoop()
	{
		while (true) {
			Connection* connection = nullptr;
			{
				std::unique_lock<std::mutex> lock(queue_mutex_);
				queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
				if (stopping_)
					return;
				connection = queue_.front();
				queue_.pop_front();
			}
			Serve(connection);
		}
	}

	// Gives the connection back to the reactor; releases the owner lock.
	void Rearm(Connection* connection)
	{
		epoll_event event{};
		event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
		event.data.ptr = connection;
		if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection->fd, &event) < 0) {
			CloseConnection(connection, false);
			return;
		}
		connection->owner.unlock();
	}

	// Closes and frees a connection whose owner lock the caller holds.
	void CloseConnection(Connection* connection, bool reset)
	{
		{
			std::lock_guard<std::mutex> lock(connections_mutex_);
			connections_.erase(connection);
		}
		if (reset) {
			linger option{1, 0};
			setsockopt(connection->fd, SOL_SOCKET, SO_LINGER, &option, sizeof(option));
		} else {
			shutdown(connection->fd, SHUT_WR);
		}
		close(connection->fd);
		connection->owner.unlock();
		delete connection;
	}

	void SendError(Connection* connection, int status)
	{
		HttpResponse response;
		response.status = status;
		response.SetContentType("text/plain");
		response.body = std::string(ReasonPhrase(status)) + "\n";
		SendAll(connection->fd, BuildHead(response, response.body.size(), true), response.body);
	}

	// Reads what is available, answers every complete request, then either
	// re-arms the connection or closes it. Never touches `connection` after
	// re-arming it: another worker may own it by then.
	void Serve(Connection* connection)
	{
		connection->owner.lock(); // released by Rearm() or CloseConnection()
		char buffer[65536];
		while (true) {
			const ssize_t received = recv(connection->fd, buffer, sizeof(buffer), 0);
			if (received > 0) {
				connection->in.append(buffer, static_cast<size_t>(received));
				if (connection->in.size() > kMaxHeaderBytes + kMaxBodyBytes + 1024)
					break;
				continue;
			}
			if (received == 0) {
				connection->peer_closed = true;
				break;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			CloseConnection(connection, false);
			return;
		}

		while (true) {
			HttpRequest request;
			size_t consumed = 0;
			int error_status = 0;
			bool wants_continue = false;
			const ParseResult result =
			    TryParseRequest(connection->in, request, consumed, error_status, wants_continue);
			if (result == ParseResult::kError) {
				SendError(connection, error_status);
				CloseConnection(connection, false);
				return;
			}
			if (result == ParseResult::kIncomplete) {
				if (connection->peer_closed || ShuttingDown()) {
					CloseConnection(connection, false);
					return;
				}
				if (wants_continue && !connection->continue_sent) {
					connection->continue_sent = true;
					if (!SendAll(connection->fd, "HTTP/1.1 100 Continue\r\n\r\n", std::string_view())) {
						CloseConnection(connection, false);
						return;
					}
				}
				Rearm(connection);
				return;
			}
			connection->in.erase(0, consumed);
			connection->continue_sent = false;

			HttpResponse response;
			ReusedBody reused(response);
			handler_(request, response);

			if (response.delivery == HttpResponse::Delivery::kReset) {
				CloseConnection(connection, true);
				return;
			}
			if (response.delivery == HttpResponse::Delivery::kTruncate) {
				const std::string head = BuildHead(response, response.body.size(), true);
				SendAll(connection->fd, head, std::string_view(response.body).substr(0, response.body.size() / 2));
				CloseConnection(connection, false);
				return;
			}
			const bool close_after = !request.keep_alive || response.close_connection || ShuttingDown() ||
			                         (connection->peer_closed && connection->in.empty());
			if (!SendAll(connection->fd, BuildHead(response, response.body.size(), close_after), response.body) ||
			    close_after) {
				CloseConnection(connection, false);
				return;
			}
		}
	}

	int listen_fd_;
	int epoll_fd_ = -1;
	RequestHandler handler_;
	std::vector<std::thread> workers_;

	std::mutex queue_mutex_;
	std::condition_variable queue_cv_;
	std::deque<Connection*> queue_;
	bool stopping_ = false;

	std::mutex connections_mutex_;
	std::unordered_set<Connection*> connections_;
};

} // namespace

const std::string*
HttpRequest::Header(std::string_view lower_name) const
{
	for (const auto& header : headers)
		if (header.first == lower_name)
			return &header.second;
	return nullptr;
}

static bool
FindQueryParam(const std::string& query, std::string_view name, std::string* value)
{
	size_t start = 0;
	while (start <= query.size()) {
		size_t amp = query.find('&', start);
		if (amp == std::string::npos)
			amp = query.size();
		const std::string_view pair(query.data() + start, amp - start);
		const size_t equals = pair.find('=');
		const std::string key = PercentDecode(pair.substr(0, equals), true);
		if (key == name) {
			if (value != nullptr)
				*value = equals == std::string_view::npos ? std::string()
				                                          : PercentDecode(pair.substr(equals + 1), true);
			return true;
		}
		start = amp + 1;
	}
	return false;
}

std::string
HttpRequest::QueryParam(std::string_view name) const
{
	std::string value;
	FindQueryParam(query, name, &value);
	return value;
}

bool
HttpRequest::HasQueryParam(std::string_view name) const
{
	return FindQueryParam(query, name, nullptr);
}

void
HttpResponse::SetHeader(std::string name, std::string value)
{
	for (auto& header : headers) {
		if (EqualsIgnoreCase(header.first, name)) {
			header.second = std::move(value);
			return;
		}
	}
	headers.emplace_back(std::move(name), std::move(value));
}

const char*
ReasonPhrase(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

HttpServer::~HttpServer()
{
	if (listen_fd_ >= 0)
		close(listen_fd_);
}

bool
HttpServer::Listen(const std::string& host, int port, std::string& error)
{
	int pipe_fds[2];
	if (g_wake_read_fd < 0) {
		if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) {
			error = std::string("pipe: ") + std::strerror(errno);
			return false;
		}
		g_wake_read_fd = pipe_fds[0];
		g_wake_write_fd.store(pipe_fds[1]);
	}

	addrinfo hints{};
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	addrinfo* results = nullptr;
	const std::string port_text = std::to_string(port);
	const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port_text.c_str(), &hints, &results);
	if (rc != 0) {
		error = "cannot resolve " + host + ": " + gai_strerror(rc);
		return false;
	}
	error = "no usable address for " + host;
	// Prefer IPv4 ("localhost" often resolves to ::1 first, while clients
	// and the printed URL commonly mean 127.0.0.1).
	std::vector<addrinfo*> candidates;
	for (addrinfo* ai = results; ai != nullptr; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			candidates.push_back(ai);
	for (addrinfo* ai = results; ai != nullptr; ai = ai->ai_next)
		if (ai->ai_family != AF_INET)
			candidates.push_back(ai);
	for (addrinfo* ai : candidates) {
		const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		const int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
			error = "cannot listen on " + host + ":" + port_text + ": " + std::strerror(errno);
			close(fd);
			continue;
		}
		sockaddr_storage bound{};
		socklen_t length = sizeof(bound);
		getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
		if (bound.ss_family == AF_INET)
			bound_port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
		else
			bound_port_ = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
		listen_fd_ = fd;
		break;
	}
	freeaddrinfo(results);
	return listen_fd_ >= 0;
}

void
HttpServer::Run(RequestHandler handler, int worker_threads, const std::function<void()>& on_ready)
{
	ServerCore core(listen_fd_, std::move(handler));
	if (!core.Start(worker_threads < 1 ? 1 : worker_threads)) {
		core.Shutdown();
		return;
	}
	if (on_ready)
		on_ready();
	core.ReactorLoop();
	core.Shutdown();
}

void
HttpServer::RequestStop()
{
	const int fd = g_wake_write_fd.load();
	if (fd >= 0) {
		const char byte = 'x';
		ssize_t ignored = write(fd, &byte, 1);
		(void)ignored;
	}
}

} // namespace orca_sim
