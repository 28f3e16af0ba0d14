// Which writes of the MariaDB back end (mysql_database.h) take the fleet-wide writer lock
// ("magnum:<database>", GET_LOCK) when they run outside a transaction.
//
// The lock makes our writers take turns, as in SQLite, so that a transaction's reads and
// writes are never interleaved with another writer's. Every write takes it, except the
// inserts into tables that are append-only logs: rows that no transaction reads to decide
// what it writes, never updated, deleted only with their cluster. An append there cannot
// change what a transaction decided; InnoDB (SERIALIZABLE, row and gap locks) still orders
// it against a transaction deleting the same cluster's rows, so it lands before that delete
// or after its commit, as with the lock. A create appends 8 events, about as many as its
// other writes together (accept, certificates, reports, end); with 2 conductors making
// ~16 creates/s, 1.8 connections waited for the lock on average (bench/multinode_scale.py;
// docs/benchmarks.md, "Several conductors").
#pragma once

#include <string_view>

#include "magnum/db/schema.h"

namespace magnum::db {

// True when an Insert into `table` outside a transaction takes the writer lock.
inline bool InsertTakesWriterLock(std::string_view table) {
  return table != kClusterEventTable;
}

}  // namespace magnum::db
