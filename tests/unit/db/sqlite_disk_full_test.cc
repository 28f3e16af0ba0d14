// SqliteDatabase when the file system under the database is full or failing (issue 9): every
// write is kUnavailable (HTTP 503) with a message that says what to do, nothing of the failed
// call is applied, reads keep working, the file stays intact, and writes succeed again as
// soon as space returns, on the same handle.
//
// The failures come from a shim VFS registered as SQLite's default for the test: it forwards
// everything to the real VFS and fails xWrite with the result code the test asks for.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "db_test_util.h"
#include "magnum/db/schema.h"
#include "magnum/db/sqlite_database.h"

namespace magnum::db {
namespace {

using testing::TempDir;

// SQLITE_OK: writes go through; otherwise xWrite fails with this code and errno.
std::atomic<int> g_write_rc{SQLITE_OK};
std::atomic<int> g_write_errno{0};
sqlite3_vfs* g_real_vfs = nullptr;

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;  // the real VFS's file, allocated right after this struct
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }
const sqlite3_io_methods* M(sqlite3_file* f) { return Real(f)->pMethods; }

int ShimClose(sqlite3_file* f) { return M(f)->xClose(Real(f)); }
int ShimRead(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return M(f)->xRead(Real(f), p, n, off);
}
int ShimWrite(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (int rc = g_write_rc.load(); rc != SQLITE_OK) {
    return rc;
  }
  return M(f)->xWrite(Real(f), p, n, off);
}
int ShimTruncate(sqlite3_file* f, sqlite3_int64 size) { return M(f)->xTruncate(Real(f), size); }
int ShimSync(sqlite3_file* f, int flags) { return M(f)->xSync(Real(f), flags); }
int ShimFileSize(sqlite3_file* f, sqlite3_int64* size) { return M(f)->xFileSize(Real(f), size); }
int ShimLock(sqlite3_file* f, int l) { return M(f)->xLock(Real(f), l); }
int ShimUnlock(sqlite3_file* f, int l) { return M(f)->xUnlock(Real(f), l); }
int ShimCheckReservedLock(sqlite3_file* f, int* out) {
  return M(f)->xCheckReservedLock(Real(f), out);
}
int ShimFileControl(sqlite3_file* f, int op, void* arg) {
  return M(f)->xFileControl(Real(f), op, arg);
}
int ShimSectorSize(sqlite3_file* f) { return M(f)->xSectorSize(Real(f)); }
int ShimDeviceCharacteristics(sqlite3_file* f) { return M(f)->xDeviceCharacteristics(Real(f)); }
int ShimShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** p) {
  return M(f)->xShmMap(Real(f), page, size, extend, p);
}
int ShimShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return M(f)->xShmLock(Real(f), offset, n, flags);
}
void ShimShmBarrier(sqlite3_file* f) { M(f)->xShmBarrier(Real(f)); }
int ShimShmUnmap(sqlite3_file* f, int del) { return M(f)->xShmUnmap(Real(f), del); }
int ShimFetch(sqlite3_file* f, sqlite3_int64 off, int n, void** p) {
  return M(f)->xFetch(Real(f), off, n, p);
}
int ShimUnfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return M(f)->xUnfetch(Real(f), off, p);
}

const sqlite3_io_methods kShimIo = {
    3,         ShimClose,    ShimRead,     ShimWrite,           ShimTruncate,
    ShimSync,  ShimFileSize, ShimLock,     ShimUnlock,          ShimCheckReservedLock,
    ShimFileControl,         ShimSectorSize, ShimDeviceCharacteristics, ShimShmMap,
    ShimShmLock, ShimShmBarrier, ShimShmUnmap, ShimFetch,        ShimUnfetch,
};

int ShimOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  int rc = g_real_vfs->xOpen(g_real_vfs, name, shim->real, flags, out);
  shim->base.pMethods = shim->real->pMethods != nullptr ? &kShimIo : nullptr;
  return rc;
}

// The errno behind the last failure, as sqlite3_system_errno() reports it (the unix VFS
// returns the thread's errno, which later system calls may have overwritten).
int ShimGetLastError(sqlite3_vfs*, int, char*) { return g_write_errno.load(); }

sqlite3_vfs g_shim_vfs;

// Makes the shim SQLite's default VFS for one test; restores the real one afterwards.
class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_real_vfs = sqlite3_vfs_find(nullptr);
    ASSERT_NE(g_real_vfs, nullptr);
    g_shim_vfs = *g_real_vfs;
    g_shim_vfs.pNext = nullptr;
    g_shim_vfs.zName = "magnum-disk-full-shim";
    g_shim_vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real_vfs->szOsFile;
    g_shim_vfs.xOpen = ShimOpen;
    g_shim_vfs.xGetLastError = ShimGetLastError;
    ASSERT_EQ(sqlite3_vfs_register(&g_shim_vfs, /*makeDflt=*/1), SQLITE_OK);
    g_write_rc = SQLITE_OK;

    ASSERT_OK_AND_ASSIGN(db_, SqliteDatabase::Open(dir_.File("magnum.sqlite"), {}));
    ASSERT_OK(db_->Upgrade());
    ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("before")));
  }

  void TearDown() override {
    g_write_rc = SQLITE_OK;
    db_.reset();
    sqlite3_vfs_register(g_real_vfs, /*makeDflt=*/1);
    sqlite3_vfs_unregister(&g_shim_vfs);
  }

  static Row ClusterRow(const std::string& uuid) {
    Row r;
    r.Set("uuid", uuid);
    r.Set("name", std::string("c"));
    return r;
  }

  void FailWrites(int rc, int err) {
    g_write_errno = err;
    g_write_rc = rc;
  }

  // PRAGMA integrity_check on a separate connection through the real VFS.
  std::string IntegrityCheck() {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(dir_.File("magnum.sqlite").c_str(), &raw, SQLITE_OPEN_READONLY,
                             g_real_vfs->zName);
    std::string result = rc == SQLITE_OK ? "" : "cannot open";
    auto capture = [](void* out, int n, char** values, char**) {
      if (n > 0 && values[0] != nullptr) *static_cast<std::string*>(out) += values[0];
      return 0;
    };
    if (rc == SQLITE_OK) sqlite3_exec(raw, "PRAGMA integrity_check", capture, &result, nullptr);
    sqlite3_close_v2(raw);
    return result;
  }

  TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(DiskFullTest, WritesAreUnavailableWithAClearMessageReadsWorkAndSpaceReturning) {
  FailWrites(SQLITE_FULL, ENOSPC);
  auto inserted = db_->Insert(kClusterTable, ClusterRow("during"));
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code(), ErrorCode::kUnavailable);
  const std::string& msg = inserted.error().message();
  EXPECT_EQ(msg.rfind("The database is out of disk space. Free space on the file system "
                      "holding " + dir_.path() + " and retry",
                      0),
            0u)
      << msg;

  Row changes;
  changes.Set("name", std::string("renamed"));
  auto updated = db_->Update(kClusterTable, Filter().Where(Condition::Eq("uuid", Value(
                                                               std::string("before")))),
                             changes);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code(), ErrorCode::kUnavailable);

  auto tx = db_->Transaction([](Database& t) -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(t.Insert(kClusterTable, ClusterRow("tx-1")));
    MAGNUM_RETURN_IF_ERROR(t.Insert(kClusterTable, ClusterRow("tx-2")));
    return {};
  });
  ASSERT_FALSE(tx);
  EXPECT_EQ(tx.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(tx.error().message().find("out of disk space"), std::string::npos)
      << tx.error().message();

  // Reads keep working and show that nothing of the failed calls was applied.
  ASSERT_OK_AND_ASSIGN(auto rows, db_->List(kClusterTable, ListQuery{}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].GetString("uuid"), "before");
  EXPECT_EQ(rows[0].GetString("name"), "c");

  // Space returns: the same handle (same connections, same cached statements) writes again.
  FailWrites(SQLITE_OK, 0);
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("after")));
  ASSERT_OK(db_->Transaction([](Database& t) -> Result<void> {
    return t.Insert(kClusterTable, ClusterRow("tx-after")).map([](Row) {});
  }));
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 3);
  EXPECT_EQ(IntegrityCheck(), "ok");
}

TEST_F(DiskFullTest, OtherIoErrorsAreUnavailableNotInternal) {
  FailWrites(SQLITE_IOERR_WRITE, EIO);
  auto r = db_->Insert(kClusterTable, ClusterRow("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("The database could not be read or written"),
            std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("Check the file system holding " + dir_.path() +
                                     " (free space, errors) and retry"),
            std::string::npos)
      << r.error().message();
  FailWrites(SQLITE_OK, 0);
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("x")));
  EXPECT_EQ(IntegrityCheck(), "ok");
}

}  // namespace
}  // namespace magnum::db
