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
#include <unistd.h>

namespace orca_fdw::pg {

namespace {

constexpr char kAuditDir[] = "orca_fdw";
constexpr char kAuditFile[] = "audit.log";

/* fsync a directory after creating an entry in it; failures are ignored
 * (some file systems refuse fsync on directories). */
void
SyncDirectory(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	(void) fsync(fd);
	close(fd);
}

} // namespace

bool
AuditAppend(const char *line, int elevel)
{
	char dir[MAXPGPATH];
	char path[MAXPGPATH];
	snprintf(dir, sizeof(dir), "%s/%s", DataDir, kAuditDir);
	snprintf(path, sizeof(path), "%s/%s", dir, kAuditFile);

	const char *failed_step = NULL;
	int saved_errno = 0;
	bool created = false;
	int fd = -1;

	if (mkdir(dir, S_IRWXU) == 0)
		SyncDirectory(DataDir);
	else if (errno != EEXIST) {
		failed_step = "create directory";
		saved_errno = errno;
	}
	if (!failed_step) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
		if (fd < 0) {
			failed_step = "open";
			saved_errno = errno;
		}
	}
	if (!failed_step) {
		struct stat st;
		size_t len = strlen(line);
		char *buf = (char *) palloc(len + 2);
		size_t n = 0;
		if (fstat(fd, &st) == 0 && st.st_size > 0) {
			char last = '\n';
			if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
				buf[n++] = '\n'; /* a record torn by a crash: start a new line */
		} else
			created = true;
		memcpy(buf + n, line, len);
		n += len;
		ssize_t written = write(fd, buf, n);
		if (written != (ssize_t) n) {
			failed_step = "write";
			saved_errno = written < 0 ? errno : ENOSPC;
		} else if (fsync(fd) != 0) {
			failed_step = "fsync";
			saved_errno = errno;
		}
		pfree(buf);
	}
	if (fd >= 0 && close(fd) != 0 && !failed_step) {
		failed_step = "close";
		saved_errno = errno;
	}
	if (!failed_step) {
		if (created)
			SyncDirectory(dir);
		return true;
	}
	errno = saved_errno;
	ereport(elevel, (errcode_for_file_access(),
	                 errmsg("could not write ORCA audit log \"%s\": %m", path),
	                 elevel >= ERROR ? errdetail("The %s step failed.  The registration was not sent: every "
	                                             "registration is recorded in the audit log before it is sent.",
	                                             failed_step)
	                                 : errdetail("The %s step failed.  The registration was sent; its outcome is "
	                                             "missing from the audit log.",
	                                             failed_step),
	                 errhint("Check the permissions and free space of the data directory's orca_fdw directory.")));
	return false;
}

} // namespace orca_fdw::pg
