// The per-thread connections of a Database back end (sqlite_database.*, mysql_database.*):
// each calling thread gets a connection of its own from a registry, opened on first use by
// the registry's opener and kept until the registry is destroyed.
//
// Thread-safe: ThisThread() may be called from any number of threads at once. The
// connection it returns belongs to the calling thread (the registry does not touch it again
// until it is destroyed), so a connection needs no locking of its own. Destroying the
// registry closes every connection and must not race with calls from other threads.
//
// What the back ends rely on:
//  * A thread's later calls get the same connection. A thread-local one-entry cache answers
//    them without the mutex; registries are numbered and numbers are never reused, so a
//    registry created where a destroyed one was never sees the destroyed one's connections.
//  * A thread that exits does not close its connection: it stays registered under the
//    thread's std::thread::id and goes to the next thread given that id, so the number of
//    connections is bounded by the threads alive at once (the C library reuses the ids of
//    threads that are gone).
//  * When opening fails, nothing is registered and the error comes back; the thread's next
//    call opens again. Opening runs under the registry's mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "magnum/common/error.h"

namespace magnum::db {

// The type-free part of ConnectionRegistry (connection_registry.cc): the mutex and the map
// from thread id to connection.
class ConnectionRegistryBase {
 public:
  ConnectionRegistryBase(const ConnectionRegistryBase&) = delete;
  ConnectionRegistryBase& operator=(const ConnectionRegistryBase&) = delete;

  // Connections currently registered (one per thread id that has used this registry).
  size_t ConnectionCount() const;

 protected:
  using Handle = std::unique_ptr<void, void (*)(void*)>;
  using Opener = std::function<Result<Handle>()>;

  explicit ConnectionRegistryBase(Opener open);
  ~ConnectionRegistryBase();  // closes every connection

  // The calling thread's connection, looked up under the mutex and opened when missing.
  Result<void*> FindOrOpen();

  const uint64_t id_;  // never reused by another registry of the process

 private:
  struct Slots;  // guarded by its own mutex
  const Opener open_;
  const std::unique_ptr<Slots> slots_;
};

// The registry of connections of type `Conn`. `Conn` may be incomplete where the registry
// is declared; it must be complete where the registry is constructed.
template <typename Conn>
class ConnectionRegistry final : public ConnectionRegistryBase {
 public:
  // `open` makes a new connection for the calling thread (never null on success); it runs
  // under the registry's mutex and must not call back into the registry.
  using Open = std::function<Result<std::unique_ptr<Conn>>()>;

  explicit ConnectionRegistry(Open open)
      : ConnectionRegistryBase([open = std::move(open)]() -> Result<Handle> {
          MAGNUM_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, open());
          return Handle(conn.release(), [](void* c) { delete static_cast<Conn*>(c); });
        }) {}

  // The calling thread's connection, opened on its first call; the opener's error if that
  // fails. Owned by the registry.
  Result<Conn*> ThisThread() {
    // One cache per connection type: a thread using one SQLite and one MariaDB database
    // keeps both cached.
    thread_local Cached cached;
    if (cached.registry_id == id_) return static_cast<Conn*>(cached.connection);
    MAGNUM_ASSIGN_OR_RETURN(void* conn, FindOrOpen());
    cached = {id_, conn};
    return static_cast<Conn*>(conn);
  }

 private:
  // The calling thread's most recently used (registry, connection) pair. Trivially
  // destructible, so thread exit is harmless; 0 is no registry's number.
  struct Cached {
    uint64_t registry_id = 0;
    void* connection = nullptr;
  };
};

}  // namespace magnum::db
