/*
 * shared_gate.cpp — the gates of the ORCA servers, shared by every backend
 * (see shared.hpp): the shared memory segment, ShmGate, FileGate, the
 * per-process registry and orca_fdw_limits().
 *
 * The gates implement core::StateGate: the policy (who may start now, the
 * breaker) is core's; here are only the storage, the lock and the slots.
 * Nothing here ereports while a lock is held or from a core::Gate method:
 * those are called from C++ frames (the HTTP client's drive loop).
 */
#include "pg/shared.hpp"

#include "pg/guard.hpp"
#include "pg/options.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace orca_fdw::pg {

namespace {

constexpr int kMaxSharedGates = 64;
constexpr int kGateKeyLen = 256;

/* ---- the shared memory segment ------------------------------------------ */

struct ShmGateEntry {
	slock_t mutex;
	bool used;
	char key[kGateKeyLen];
	core::GateState state;
};

struct OrcaShared {
	slock_t mutex; /* allocation of gate entries */
	ShmGateEntry gates[kMaxSharedGates];
	SharedStats stats;
};

OrcaShared *shared = nullptr;
shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

void
ShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(OrcaShared)));
}

/* Runs in the postmaster at start and after every crash restart: a crash
 * leaves no slot taken, because the segment starts over. */
void
ShmemStartup(void)
{
	bool found;
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = (OrcaShared *) ShmemInitStruct("orca_fdw", sizeof(OrcaShared), &found);
	if (!found) {
		memset(static_cast<void *>(shared), 0, sizeof(OrcaShared));
		SpinLockInit(&shared->mutex);
		for (ShmGateEntry &g : shared->gates)
			SpinLockInit(&g.mutex);
		SpinLockInit(&shared->stats.mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

bool
CopyKey(char *dst, const std::string &key)
{
	if (key.size() >= size_t(kGateKeyLen))
		return false;
	memcpy(dst, key.c_str(), key.size() + 1);
	return true;
}

/* The shared entry of a key; `create` claims a free one.  NULL when absent
 * (or the table is full, or the key too long to share). */
ShmGateEntry *
FindShmEntry(const std::string &key, bool create)
{
	if (!shared || key.size() >= size_t(kGateKeyLen))
		return nullptr;
	ShmGateEntry *found = nullptr;
	SpinLockAcquire(&shared->mutex);
	for (ShmGateEntry &g : shared->gates)
		if (g.used && strcmp(g.key, key.c_str()) == 0)
			found = &g;
	if (!found && create)
		for (ShmGateEntry &g : shared->gates)
			if (!g.used) {
				CopyKey(g.key, key);
				memset(&g.state, 0, sizeof(g.state));
				g.state.magic = core::kGateStateMagic;
				g.used = true;
				found = &g;
				break;
			}
	SpinLockRelease(&shared->mutex);
	return found;
}

/* ---- ShmGate --------------------------------------------------------------- */

class ShmGate final : public core::StateGate {
public:
	explicit ShmGate(ShmGateEntry *entry) : entry_(entry) {}

	void Finish(int) noexcept override
	{
		SpinLockAcquire(&entry_->mutex);
		if (entry_->state.in_use > 0)
			entry_->state.in_use--;
		SpinLockRelease(&entry_->mutex);
		if (held_ > 0)
			held_--;
	}
	const char *Mechanism() const noexcept override { return "shared memory"; }

	/* The process ends: its slots, places in line and trial go back. */
	void Leave() noexcept
	{
		SpinLockAcquire(&entry_->mutex);
		entry_->state.in_use = Max(0, entry_->state.in_use - held_);
		core::GateForgetProcess(entry_->state, MyProcPid);
		SpinLockRelease(&entry_->mutex);
		held_ = 0;
	}

protected:
	bool Lock(bool) noexcept override
	{
		SpinLockAcquire(&entry_->mutex);
		return true;
	}
	void Unlock() noexcept override { SpinLockRelease(&entry_->mutex); }
	core::GateState &State() noexcept override { return entry_->state; }
	int32_t Pid() const noexcept override { return MyProcPid; }
	int FreeSlots(int limit, int) noexcept override { return Max(0, limit - entry_->state.in_use); }
	bool TakeSlot(int limit, int *slot) noexcept override
	{
		if (entry_->state.in_use >= limit)
			return false;
		entry_->state.in_use++;
		held_++;
		*slot = 0;
		return true;
	}
	int InUse() noexcept override { return entry_->state.in_use; }

private:
	ShmGateEntry *entry_;
	int held_ = 0; /* slots this process holds */
};

/* ---- FileGate -------------------------------------------------------------- */

/* Lock bytes, far beyond the end of the file (locks need no data there). */
constexpr off_t kStateLockByte = off_t(1) << 30;
constexpr off_t kSlotLockBase = kStateLockByte + 16;
constexpr int kMaxSlots = 1000; /* max_concurrent_requests' upper bound */
constexpr uint32 kFileMagic = 0x4f524746; /* "ORGF" */

struct FileGateHeader {
	uint32 magic;
	uint32 layout; /* sizeof(FileGateHeader): a changed layout starts over */
	char key[kGateKeyLen];
	core::GateState state;
};

struct flock
OneByte(short type, off_t byte)
{
	struct flock fl;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	return fl;
}

/* One fcntl record lock on one byte, owned by the open file description. */
int
ByteLock(int fd, off_t byte, short type)
{
	struct flock fl = OneByte(type, byte);
	for (;;) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Does another open file description hold this byte? */
bool
ByteTaken(int fd, off_t byte)
{
	struct flock fl = OneByte(F_WRLCK, byte);
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
		return true; /* cannot tell: count it taken */
	return fl.l_type != F_UNLCK;
}

class FileGate final : public core::StateGate {
public:
	FileGate(int fd, FileGateHeader *header) : fd_(fd), header_(header) {}
	~FileGate() override
	{
		munmap(header_, sizeof(FileGateHeader));
		close(fd_); /* drops every lock this process holds on the file */
	}

	void Finish(int slot) noexcept override
	{
		if (slot < 0 || slot >= kMaxSlots || !held_[slot])
			return;
		(void) ByteLock(fd_, kSlotLockBase + slot, F_UNLCK);
		held_[slot] = false;
	}
	const char *Mechanism() const noexcept override { return "lock files"; }

protected:
	bool Lock(bool must) noexcept override
	{
		/* held by others for a few memory operations only: a bounded spin */
		for (int attempt = 0; attempt < (must ? 400 : 3); attempt++) {
			if (ByteLock(fd_, kStateLockByte, F_WRLCK) == 0)
				return true;
			if (errno != EAGAIN && errno != EACCES)
				return false;
			struct timespec ts = {0, 50 * 1000};
			nanosleep(&ts, nullptr);
		}
		return false;
	}
	void Unlock() noexcept override { (void) ByteLock(fd_, kStateLockByte, F_UNLCK); }
	core::GateState &State() noexcept override { return header_->state; }
	int32_t Pid() const noexcept override { return MyProcPid; }
	int FreeSlots(int limit, int enough) noexcept override
	{
		int free_slots = 0;
		for (int i = 0; i < Min(limit, kMaxSlots) && free_slots < enough; i++)
			if (!held_[i] && !ByteTaken(fd_, kSlotLockBase + i))
				free_slots++;
		return free_slots;
	}
	bool TakeSlot(int limit, int *slot) noexcept override
	{
		for (int i = 0; i < Min(limit, kMaxSlots); i++)
			if (!held_[i] && ByteLock(fd_, kSlotLockBase + i, F_WRLCK) == 0) {
				held_[i] = true;
				*slot = i;
				return true;
			}
		return false;
	}
	int InUse() noexcept override
	{
		int n = 0;
		int upto = Min(Max(header_->state.limit_seen, 1), kMaxSlots);
		for (int i = 0; i < upto; i++)
			if (held_[i] || ByteTaken(fd_, kSlotLockBase + i))
				n++;
		return n;
	}

private:
	int fd_;
	FileGateHeader *header_;
	bool held_[kMaxSlots] = {};
};

uint64
Fnv1a(const std::string &text)
{
	uint64 h = UINT64CONST(14695981039346656037);
	for (unsigned char c : text) {
		h ^= c;
		h *= UINT64CONST(1099511628211);
	}
	return h;
}

/* Open (or create) the lock file of a key.  On failure *why says what failed
 * (a static text) and *err the errno. */
FileGate *
OpenFileGate(const std::string &key, bool create, const char **why, int *err)
{
	char dir[MAXPGPATH], path[MAXPGPATH];
	*why = nullptr;
	*err = 0;
	if (key.size() >= size_t(kGateKeyLen)) {
		*why = "the server's url is too long to share its limits";
		return nullptr;
	}
	snprintf(dir, sizeof(dir), "%s/orca_fdw", DataDir);
	if (create && mkdir(dir, S_IRWXU) != 0 && errno != EEXIST) {
		*why = "could not create directory $PGDATA/orca_fdw";
		*err = errno;
		return nullptr;
	}
	strlcat(dir, "/limits", sizeof(dir));
	if (create && mkdir(dir, S_IRWXU) != 0 && errno != EEXIST) {
		*why = "could not create directory $PGDATA/orca_fdw/limits";
		*err = errno;
		return nullptr;
	}
	snprintf(path, sizeof(path), "%s/%016llx.gate", dir, (unsigned long long) Fnv1a(key));
	int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), S_IRUSR | S_IWUSR);
	if (fd < 0) {
		*why = "could not open a lock file in $PGDATA/orca_fdw/limits";
		*err = errno;
		return nullptr;
	}
	/* initialise under the state lock: concurrent creators take turns (held
	 * for a few memory operations: a bounded spin, never a blocking wait) */
	int locked = -1;
	for (int attempt = 0; attempt < 400 && locked != 0; attempt++) {
		locked = ByteLock(fd, kStateLockByte, F_WRLCK);
		if (locked != 0) {
			if (errno != EAGAIN && errno != EACCES)
				break;
			struct timespec ts = {0, 50 * 1000};
			nanosleep(&ts, nullptr);
		}
	}
	if (locked != 0) {
		*why = "could not lock a lock file in $PGDATA/orca_fdw/limits";
		*err = errno;
		close(fd);
		return nullptr;
	}
	struct stat st;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) == 0 && (st.st_size >= off_t(sizeof(FileGateHeader)) ||
	                            (create && ftruncate(fd, sizeof(FileGateHeader)) == 0)))
		map = mmap(nullptr, sizeof(FileGateHeader), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		*why = "could not map a lock file in $PGDATA/orca_fdw/limits";
		*err = errno;
		(void) ByteLock(fd, kStateLockByte, F_UNLCK);
		close(fd);
		return nullptr;
	}
	FileGateHeader *h = (FileGateHeader *) map;
	if (h->magic != kFileMagic || h->layout != sizeof(FileGateHeader) || h->state.magic != core::kGateStateMagic) {
		memset(h, 0, sizeof(FileGateHeader));
		CopyKey(h->key, key);
		h->state.magic = core::kGateStateMagic;
		h->layout = sizeof(FileGateHeader);
		h->magic = kFileMagic;
	}
	bool same = strncmp(h->key, key.c_str(), kGateKeyLen) == 0;
	(void) ByteLock(fd, kStateLockByte, F_UNLCK);
	if (!same) {
		*why = "two ORCA server urls share a lock file name";
		munmap(map, sizeof(FileGateHeader));
		close(fd);
		return nullptr;
	}
	FileGate *gate = nullptr;
	try {
		gate = new FileGate(fd, h);
	} catch (...) {
		munmap(map, sizeof(FileGateHeader));
		close(fd);
		*why = "out of memory";
	}
	return gate;
}

/* ---- the registry of this process ------------------------------------------- */

std::vector<GateHandle *> *registry;
std::vector<ShmGate *> *shm_gates; /* for the exit callback */
bool exit_callback_registered;

void
ShmExit(int code, Datum arg)
{
	if (!shm_gates)
		return;
	for (ShmGate *g : *shm_gates)
		g->Leave();
}

GateHandle *
Lookup(const std::string &key)
{
	if (!registry)
		return nullptr;
	for (GateHandle *h : *registry)
		if (h->key == key)
			return h;
	return nullptr;
}

GateHandle *
MakeGate(const char *url, bool create)
{
	std::string *key_holder = nullptr;
	RunGuarded([&] {
		if (!registry) {
			registry = new std::vector<GateHandle *>();
			shm_gates = new std::vector<ShmGate *>();
		}
		key_holder = new std::string(core::GateKey(url));
	});
	/* the key lives on the heap: this frame may ereport */
	GateHandle *found = Lookup(*key_holder);
	if (found) {
		delete key_holder;
		return found;
	}
	/* shared memory first; its table full (or not preloaded): a lock file */
	ShmGateEntry *entry = FindShmEntry(*key_holder, create);
	FileGate *file = nullptr;
	const char *why = nullptr;
	int err = 0;
	if (!entry)
		file = OpenFileGate(*key_holder, create, &why, &err);
	if (!entry && !file && !create) {
		delete key_holder;
		return nullptr; /* nobody has used this server yet */
	}
	if (entry && !exit_callback_registered) {
		before_shmem_exit(ShmExit, (Datum) 0);
		exit_callback_registered = true;
	}

	GateHandle *handle = nullptr;
	RunGuarded([&] {
		std::unique_ptr<FileGate> owned_file(file);
		registry->reserve(registry->size() + 1); /* nothing below throws once the gate is listed */
		shm_gates->reserve(shm_gates->size() + 1);
		auto h = std::make_unique<GateHandle>();
		h->key = *key_holder;
		if (entry) {
			auto g = std::make_shared<ShmGate>(entry);
			h->gate = g;
			shm_gates->push_back(g.get());
		} else if (owned_file) {
			h->gate = std::shared_ptr<core::Gate>(owned_file.release());
		} else {
			h->gate = core::LocalGate::Join(core::LocalGate::MakeShared());
		}
		registry->push_back(h.get());
		handle = h.release();
		delete key_holder;
		key_holder = nullptr;
	});
	if (!entry && !file)
		ereport(WARNING,
		        (errmsg("orca_fdw limits for an ORCA server are enforced in this session only"),
		         err ? errdetail("%s: %s.", why, strerror(err)) : errdetail("%s.", why),
		         errhint("max_concurrent_requests, max_requests_per_second and the circuit breaker then hold "
		                 "per session; add orca_fdw to shared_preload_libraries to share them.")));
	return handle;
}

} // namespace

void
InitShared(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
}

bool
SharedMemoryActive(void)
{
	return shared != nullptr;
}

SharedStats *
SharedStatsArea(void)
{
	return shared ? &shared->stats : nullptr;
}

GateHandle *
AcquireGate(const char *url)
{
	return MakeGate(url, true);
}

GateHandle *
PeekGate(const char *url)
{
	return MakeGate(url, false);
}

} // namespace orca_fdw::pg

/* orca_fdw_server_limits(server oid): the limits of one foreign server and
 * the state of the gate it shares (view orca_fdw_limits). */
extern "C" Datum
orcaServerLimits(PG_FUNCTION_ARGS)
{
	using namespace orca_fdw::pg;
	Oid serverid = PG_GETARG_OID(0);
	ForeignServer *server = GetForeignServerExtended(serverid, FSV_MISSING_OK);
	TupleDesc tupdesc;
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!server)
		PG_RETURN_NULL();
	OrcaServerOptions opts;
	GetServerOptions(server, NULL, &opts);
	GateHandle *handle = PeekGate(opts.url);
	orca_fdw::core::GateSnapshot snap;
	const char *mechanism;
	if (handle) {
		orca_fdw::core::Gate *gate = handle->gate.get();
		snap = gate->Snapshot();
		mechanism = gate->Mechanism();
	} else {
		mechanism = SharedMemoryActive() ? "shared memory" : "lock files";
	}
	static char key[1024];
	RunGuarded([&] { strlcpy(key, orca_fdw::core::GateKey(opts.url).c_str(), sizeof(key)); });

	Datum values[10];
	bool nulls[10] = {};
	values[0] = CStringGetTextDatum(key);
	values[1] = Int32GetDatum(opts.max_concurrent);
	values[2] = Float8GetDatum(opts.max_requests_per_second);
	values[3] = Int32GetDatum(snap.in_use);
	values[4] = Int32GetDatum(snap.backends_waiting);
	values[5] = Int32GetDatum(snap.lookups_waiting);
	const char *breaker = opts.breaker_failures <= 0 ? "off"
	                      : snap.open                 ? "open"
	                      : snap.half_open            ? (snap.trial ? "half-open, trial call in flight" : "half-open")
	                                                  : "closed";
	values[6] = CStringGetTextDatum(breaker);
	values[7] = Int32GetDatum(snap.failures);
	values[8] = Int64GetDatum((int64) snap.starts);
	values[9] = CStringGetTextDatum(mechanism);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
