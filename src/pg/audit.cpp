/*
 * audit.cpp — appending to the registration audit log (see audit.hpp).
 *
 * Plain open/write/fsync/close per record: nothing stays open between
 * records, so the file can be rotated by renaming it.  Concurrent backends
 * append whole lines with single O_APPEND writes.  A line left incomplete by
 * a crash is closed off by starting the next record on a new line.
 */
#include "pg/audit.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace orca_fdw::pg {

namespace {

constexpr char kAuditDir[] = "orca_fdw";
constexpr char kAuditFile[] = "audit.log";

/* fsync a directory after creating an entry in it; failures are ignored
 * (some file systems refuse fsync on directories). */
void
SyncDirectory(const char *path) noexcept
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	(void) fsync(fd);
	close(fd);
}

} // namespace

FileAuditSink::FileAuditSink(const char *data_dir)
	: data_dir_(data_dir), dir_(data_dir_ + "/" + kAuditDir), path_(dir_ + "/" + kAuditFile)
{
}

bool
FileAuditSink::Append(const std::string &line, core::AuditFailure *failure) noexcept
{
	const char *failed_step = nullptr;
	int saved_errno = 0;
	bool created = false;
	int fd = -1;

	if (mkdir(dir_.c_str(), S_IRWXU) == 0)
		SyncDirectory(data_dir_.c_str());
	else if (errno != EEXIST) {
		failed_step = "create directory";
		saved_errno = errno;
	}
	if (!failed_step) {
		fd = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
		if (fd < 0) {
			failed_step = "open";
			saved_errno = errno;
		}
	}
	if (!failed_step) {
		struct stat st;
		char newline[] = "\n";
		struct iovec iov[2];
		int n = 0;
		if (fstat(fd, &st) == 0 && st.st_size > 0) {
			char last = '\n';
			if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') {
				iov[n].iov_base = newline; /* a record torn by a crash: start a new line */
				iov[n++].iov_len = 1;
			}
		} else
			created = true;
		iov[n].iov_base = const_cast<char *>(line.data());
		iov[n++].iov_len = line.size();
		ssize_t total = (ssize_t) (iov[0].iov_len + (n > 1 ? iov[1].iov_len : 0));
		ssize_t written = writev(fd, iov, n); /* one write: concurrent appends stay whole lines */
		if (written != total) {
			failed_step = "write";
			saved_errno = written < 0 ? errno : ENOSPC;
		} else if (fsync(fd) != 0) {
			failed_step = "fsync";
			saved_errno = errno;
		}
	}
	if (fd >= 0 && close(fd) != 0 && !failed_step) {
		failed_step = "close";
		saved_errno = errno;
	}
	if (!failed_step) {
		if (created)
			SyncDirectory(dir_.c_str());
		return true;
	}
	failure->step = failed_step;
	failure->error = saved_errno;
	return false;
}

void
ReportAuditFailure(const core::AuditFailure *failure, int elevel)
{
	char path[MAXPGPATH];
	snprintf(path, sizeof(path), "%s/%s/%s", DataDir, kAuditDir, kAuditFile);
	errno = failure->error;
	ereport(elevel, (errcode_for_file_access(),
	                 errmsg("could not write ORCA audit log \"%s\": %m", path),
	                 elevel >= ERROR ? errdetail("The %s step failed.  The registration was not sent: every "
	                                             "registration is recorded in the audit log before it is sent.",
	                                             failure->step)
	                                 : errdetail("The %s step failed.  The registration was sent; its outcome is "
	                                             "missing from the audit log.",
	                                             failure->step),
	                 errhint("Check the permissions and free space of the data directory's orca_fdw directory.")));
}

} // namespace orca_fdw::pg
