// Mappers: every column of every object table survives row -> object -> row, so a column
// added to db/schema.cc without its member and mapper line fails here; typed reads and
// writes through a real SQLite database.
#include "magnum/objects/mappers.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "testing/temp_dir.h"

namespace magnum::objects {
namespace {

using Json = nlohmann::json;

std::string Canonical(const Json& j) { return j.dump(); }

// A stored value of the shape each JSON or enum column holds. A new JSON column needs an
// entry here (the test fails until it has one).
std::optional<std::string> SampleFor(const std::string& table, const std::string& column) {
  static const std::map<std::string, std::string> samples = {
      {"labels",
       Canonical({{"kube_tag", "v1.27.3"}, {"q\"uote", "a\\b\n"}, {"\xc3\xa9", "\xe2\x82\xac"}})},
      {"health_status_reason", Canonical({{"api", "ok"}, {"node-1.Ready", nullptr}, {"x", "\t"}})},
      {"properties", Canonical({{"dns-zone", "example.com."}, {"other", nullptr}})},
      {"node_addresses", Canonical(Json::array({"10.0.0.1", "10.0.0.2"}))},
      {"member_ids", Canonical(Json::array({"a-uuid", "b-uuid"}))},
      {"node_labels", Canonical({{"disk", "ssd"}, {"zone", "a"}})},
      {"node_taints", Canonical(Json::array(
                          {{{"key", "k1"}, {"value", "v"}, {"effect", "NoSchedule"}},
                           {{"key", "k2"}, {"effect", "NoExecute"}},
                           {{"key", "k3"}, {"value", nullptr}, {"effect", "PreferNoSchedule"}}}))},
      {"spec", Canonical({{"operation", "resize"}, {"node_count", 3}, {"rollback", false}})},
      {"cluster.status", "UPDATE_FAILED"},
      {"cluster.health_status", "UNHEALTHY"},
      {"nodegroup.status", "DELETE_IN_PROGRESS"},
      {"federation.status", "UPDATE_COMPLETE"},
      {"container.status", "Paused"},
      {"container.environment", Canonical({{"PATH", "/usr/bin:/bin"}, {"Q", "a=b \"c\""}})},
      {"autoscaler_state.state", Canonical({{"version", 1}, {"refusal_recorded", true}})},
  };
  auto it = samples.find(table + "." + column);
  if (it == samples.end()) it = samples.find(column);
  if (it == samples.end()) return std::nullopt;
  return it->second;
}

// Every column set, each to a value distinct from the other columns'.
db::Row FullRow(const db::TableSchema& t, bool flag) {
  db::Row row;
  int64_t n = 11;
  for (const auto& c : t.columns) {
    ++n;
    switch (c.type) {
      case db::ColumnType::kId: row.Set(c.name, int64_t{7}); break;
      case db::ColumnType::kInteger: row.Set(c.name, n * (flag ? 1 : -1)); break;
      case db::ColumnType::kBoolean: row.Set(c.name, (n % 2 == 0) == flag); break;
      case db::ColumnType::kTimestamp:
        row.Set(c.name, "2026-11-22T02:44:" + std::to_string(n % 60 + 100).substr(1) + ".123456");
        break;
      case db::ColumnType::kText:
      case db::ColumnType::kJson: {
        auto sample = SampleFor(t.name, c.name);
        if (c.type == db::ColumnType::kJson) {
          EXPECT_TRUE(sample) << "no sample JSON for " << t.name << "." << c.name;
        }
        row.Set(c.name, sample.value_or(c.name + "-value-\xc3\xa9-" + std::to_string(n)));
        break;
      }
    }
  }
  return row;
}

template <typename T>
void ExpectFullRoundTrip() {
  const db::TableSchema* t = db::FindTable(kTableOf<T>);
  ASSERT_NE(t, nullptr);
  for (bool flag : {true, false}) {
    const db::Row row = FullRow(*t, flag);
    auto obj = FromRow<T>(row);
    ASSERT_TRUE(obj) << obj.error().message();
    const db::Row back = ToRow(*obj);
    for (const auto& c : t->columns) {
      EXPECT_TRUE(back.Has(c.name)) << t->name << "." << c.name << " is not mapped";
      EXPECT_EQ(back.Get(c.name), row.Get(c.name)) << t->name << "." << c.name;
    }
    EXPECT_EQ(back, row) << t->name;
    // And object -> row -> object.
    auto again = FromRow<T>(back);
    ASSERT_TRUE(again);
    EXPECT_TRUE(*again == *obj) << t->name;
  }
}

// FullRow with every nullable column NULL.
db::Row NullRow(const db::TableSchema& t) {
  db::Row row = FullRow(t, true);
  for (const auto& c : t.columns) {
    if (c.nullable) row.SetNull(c.name);
  }
  return row;
}

// Every nullable column NULL (the others set): NULL stays NULL.
template <typename T>
void ExpectNullRoundTrip() {
  const db::TableSchema* t = db::FindTable(kTableOf<T>);
  ASSERT_NE(t, nullptr);
  const db::Row row = NullRow(*t);
  auto obj = FromRow<T>(row);
  ASSERT_TRUE(obj) << obj.error().message();
  EXPECT_EQ(ToRow(*obj), row) << t->name;
}

TEST(MappersTest, EveryColumnOfEveryTableRoundTrips) {
  ExpectFullRoundTrip<ClusterTemplate>();
  ExpectFullRoundTrip<Cluster>();
  ExpectFullRoundTrip<NodeGroup>();
  ExpectFullRoundTrip<X509KeyPair>();
  ExpectFullRoundTrip<Quota>();
  ExpectFullRoundTrip<Federation>();
  ExpectFullRoundTrip<Container>();
  ExpectFullRoundTrip<MagnumService>();
  ExpectFullRoundTrip<ClusterEvent>();
  ExpectFullRoundTrip<ClusterLock>();
  ExpectFullRoundTrip<AutoscalerState>();
}

TEST(MappersTest, NullColumnsRoundTrip) {
  ExpectNullRoundTrip<ClusterTemplate>();
  ExpectNullRoundTrip<Cluster>();
  ExpectNullRoundTrip<NodeGroup>();
  ExpectNullRoundTrip<X509KeyPair>();
  ExpectNullRoundTrip<Quota>();
  ExpectNullRoundTrip<Federation>();
  ExpectNullRoundTrip<Container>();
  ExpectNullRoundTrip<MagnumService>();
  ExpectNullRoundTrip<ClusterEvent>();
  ExpectNullRoundTrip<ClusterLock>();
  ExpectNullRoundTrip<AutoscalerState>();
}

TEST(MappersTest, EveryTableHasAnObject) {
  const std::set<std::string> mapped = {
      kTableOf<ClusterTemplate>, kTableOf<Cluster>,        kTableOf<NodeGroup>,
      kTableOf<X509KeyPair>,     kTableOf<Quota>,          kTableOf<Federation>,
      kTableOf<MagnumService>,   kTableOf<ClusterEvent>,   kTableOf<ClusterLock>,
      kTableOf<Container>,       kTableOf<AutoscalerState>};
  for (const auto& t : db::AllTables()) {
    // Bookkeeping kept by triggers (the response cache reads it as rows): no object.
    if (t.name == db::kResourceGenerationTable) continue;
    EXPECT_TRUE(mapped.count(t.name)) << t.name;
  }
}

TEST(MappersTest, ClusterLockMembersHoldTheStoredValues) {
  db::Row row;
  row.Set("id", int64_t{42});
  row.Set("cluster_uuid", std::string("c-uuid"));
  row.Set("conductor_id", std::string("host-a"));
  row.Set("operation", std::string("nodegroup_delete"));
  row.Set("lease_expires_at", std::string("2026-11-22T02:44:12.123456"));
  row.Set("spec", std::string("{\"operation\":\"resize\"}"));
  row.Set("progress", std::string(""));
  row.SetNull("deadline_at");
  auto l = FromRow<ClusterLock>(row);
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->id, 42);
  EXPECT_EQ(l->conductor_id, "host-a");
  EXPECT_EQ(l->operation, std::optional<std::string>("nodegroup_delete"));
  EXPECT_EQ(l->spec, std::optional<std::string>("{\"operation\":\"resize\"}"));
  EXPECT_EQ(l->progress, std::optional<std::string>(""));
  EXPECT_EQ(l->deadline_at, std::nullopt);
  EXPECT_EQ(l->created_at, std::nullopt) << "absent column: NULL";
}

TEST(MappersTest, SetColumnsNamesOnlyTheMembersSet) {
  ClusterLock patch;
  patch.progress = "";
  patch.lease_expires_at = "2026-11-22T02:44:12.123456";
  db::Row changes = SetColumns(patch);
  EXPECT_EQ(changes.values().size(), 2u);
  EXPECT_EQ(changes.Get("progress"), db::Value(std::string()));
  EXPECT_EQ(changes.Get("lease_expires_at"), db::Value(std::string("2026-11-22T02:44:12.123456")));
}

TEST(MappersTest, TypedMembersHoldTheDecodedValues) {
  db::Row row = FullRow(*db::FindTable(db::kNodeGroupTable), true);
  auto ng = FromRow<NodeGroup>(row);
  ASSERT_TRUE(ng);
  EXPECT_EQ(ng->status, ClusterStatus::kDeleteInProgress);
  ASSERT_TRUE(ng->node_addresses);
  EXPECT_EQ(*ng->node_addresses, (StringList{"10.0.0.1", "10.0.0.2"}));
  ASSERT_TRUE(ng->node_taints);
  ASSERT_EQ(ng->node_taints->size(), 3u);
  EXPECT_EQ((*ng->node_taints)[0].value, std::optional<std::optional<std::string>>("v"));
  EXPECT_FALSE((*ng->node_taints)[1].value.has_value());
  ASSERT_TRUE((*ng->node_taints)[2].value.has_value());
  EXPECT_FALSE((*ng->node_taints)[2].value->has_value());

  auto c = FromRow<Cluster>(FullRow(*db::FindTable(db::kClusterTable), true));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->health_status, HealthStatus::kUnhealthy);
  ASSERT_TRUE(c->health_status_reason);
  EXPECT_EQ(c->health_status_reason->at("api"), std::optional<std::string>("ok"));
  EXPECT_EQ(c->health_status_reason->at("node-1.Ready"), std::nullopt);
  ASSERT_TRUE(c->labels);
  EXPECT_EQ(c->labels->at("q\"uote"), "a\\b\n");
}

TEST(MappersTest, UnknownStoredStatusIsAnInternalError) {
  db::Row row = FullRow(*db::FindTable(db::kClusterTable), true);
  row.Set("status", std::string("MELTING"));
  auto c = FromRow<Cluster>(row);
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().Is(ErrorCode::kInternal));
  EXPECT_NE(c.error().message().find("MELTING"), std::string::npos);
}

TEST(MappersTest, ContainerStatusesUseUpstreamsSpelling) {
  db::Row row = FullRow(*db::FindTable(db::kContainerTable), true);
  for (auto st : kAllContainerStatuses) {
    row.Set("status", std::string(Name(st)));
    auto c = FromRow<Container>(row);
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_EQ(c->status, st);
    EXPECT_EQ(ToRow(*c).GetString("status"), Name(st));
  }
  EXPECT_EQ(Name(ContainerStatus::kRunning), "Running");
  row.Set("status", std::string("RUNNING"));  // exact spelling only
  auto bad = FromRow<Container>(row);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().Is(ErrorCode::kInternal));
}

TEST(MappersTest, IdIsLeftOutUntilStored) {
  Cluster c;
  c.uuid = "u";
  EXPECT_FALSE(ToRow(c).Has("id"));
  c.id = 3;
  EXPECT_EQ(ToRow(c).Get("id"), db::Value(int64_t{3}));
}

TEST(MappersTest, ChangedColumnsNamesOnlyTheDifferences) {
  NodeGroup a;
  a.id = 1;
  a.uuid = "u";
  a.name = "n";
  a.cluster_id = "c";
  a.min_node_count = 1;
  NodeGroup b = a;
  b.min_node_count = 2;
  b.node_labels = StringMap{{"k", "v"}};
  db::Row changes = ChangedColumns(a, b);
  EXPECT_EQ(changes.values().size(), 2u);
  EXPECT_EQ(changes.Get("min_node_count"), db::Value(int64_t{2}));
  EXPECT_EQ(changes.Get("node_labels"), db::Value(std::string("{\"k\":\"v\"}")));
}

TEST(MappersTest, UnchangedIsACompareAndSetCondition) {
  db::Row stored;
  stored.Set("member_ids", std::string("[]"));
  stored.SetNull("properties");
  db::Condition eq = Unchanged(stored, "member_ids");
  EXPECT_EQ(eq.op, db::Condition::Op::kEq);
  EXPECT_EQ(eq.values.at(0), db::Value(std::string("[]")));
  EXPECT_EQ(Unchanged(stored, "properties").op, db::Condition::Op::kIsNull);
}

// A migrated SQLite database in `dir` (nullptr on failure, reported).
std::unique_ptr<db::Database> OpenMigrated(testing_util::TempDir& dir) {
  auto db = db::OpenDatabase("sqlite:///" + dir.File("objects.sqlite"));
  EXPECT_TRUE(db) << db.error().message();
  if (!db || !(*db)->Upgrade()) return nullptr;
  return std::move(*db);
}

TEST(MappersTest, TypedInsertListAndGetOneThroughSqlite) {
  testing_util::TempDir dir;
  auto db = OpenMigrated(dir);
  ASSERT_NE(db, nullptr);

  Cluster c;
  c.uuid = "11111111-2222-3333-4444-555555555555";
  c.name = "k8s";
  c.status = ClusterStatus::kCreateInProgress;
  c.labels = StringMap{{"a", "1"}, {"\xe2\x82\xac", "x\"y"}};
  c.health_status_reason = NullableStringMap{{"n", std::nullopt}};
  c.floating_ip_enabled = false;
  c.create_timeout = 60;
  auto stored = Insert(*db, c);
  ASSERT_TRUE(stored) << stored.error().message();
  EXPECT_GT(stored->id, 0);
  Cluster expected = c;
  expected.id = stored->id;
  EXPECT_TRUE(*stored == expected);

  NodeGroup ng;
  ng.uuid = "ng-uuid";
  ng.name = "default-worker";
  ng.cluster_id = c.uuid;
  ng.node_taints = TaintList{{"k", std::optional<std::string>("v"), "NoSchedule"}};
  ng.node_addresses = StringList{};
  ASSERT_TRUE(Insert(*db, ng));

  db::ListQuery q;
  q.filter.Where(db::Condition::Eq("cluster_id", c.uuid));
  auto ngs = List<NodeGroup>(*db, q);
  ASSERT_TRUE(ngs);
  ASSERT_EQ(ngs->size(), 1u);
  EXPECT_EQ(ngs->front().node_taints, ng.node_taints);
  EXPECT_EQ(ngs->front().node_addresses, StringList{});

  auto one = GetOne<Cluster>(*db, db::Filter().Where(db::Condition::Eq("uuid", c.uuid)));
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->labels, c.labels);
  auto none = GetOne<Cluster>(*db, db::Filter().Where(db::Condition::Eq("uuid", "nope")));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(MappersTest, TypedUpdateWritesTheDifferencesAsACompareAndSet) {
  testing_util::TempDir dir;
  auto db = OpenMigrated(dir);
  ASSERT_NE(db, nullptr);
  ClusterLock lock;
  lock.cluster_uuid = "c";
  lock.conductor_id = "host-a";
  lock.operation = "create";
  auto stored = Insert(*db, lock);
  ASSERT_TRUE(stored) << stored.error().message();

  ClusterLock after = *stored;
  after.progress = "phase 2";
  const db::Filter mine = db::Filter()
                              .Where(db::Condition::Eq("id", stored->id))
                              .Where(db::Condition::Eq("conductor_id", std::string("host-a")));
  auto n = Update(*db, mine, *stored, after);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  auto n_same = Update(*db, mine, after, after);  // nothing differs: the rows matching
  ASSERT_TRUE(n_same);
  EXPECT_EQ(*n_same, 1);
  const db::Filter theirs = db::Filter()
                                .Where(db::Condition::Eq("id", stored->id))
                                .Where(db::Condition::Eq("conductor_id", std::string("host-b")));
  ClusterLock later = after;
  later.progress = "phase 3";
  auto n_theirs = Update(*db, theirs, after, later);
  ASSERT_TRUE(n_theirs);
  EXPECT_EQ(*n_theirs, 0);
  auto back = GetOne<ClusterLock>(*db, db::Filter().Where(db::Condition::Eq("id", stored->id)));
  ASSERT_TRUE(back && *back);
  EXPECT_TRUE(**back == after);
}

// ---- Objects from column views (Database::ListRows) ----------------------------------

// The views ListRows hands out for `row`: every column of `t`, in schema order.
std::vector<db::ColumnView> ViewsOf(const db::TableSchema& t, const db::Row& row) {
  std::vector<db::ColumnView> out;
  for (const auto& c : t.columns) {
    db::ColumnView v;
    const db::Value& value = row.Get(c.name);
    if (const auto* i = std::get_if<int64_t>(&value)) {
      v.kind = db::ColumnView::Kind::kInt;
      v.integer = *i;
    } else if (const auto* b = std::get_if<bool>(&value)) {
      v.kind = db::ColumnView::Kind::kBool;
      v.integer = *b ? 1 : 0;
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      v.kind = db::ColumnView::Kind::kText;
      v.text = *s;
    }
    out.push_back(v);
  }
  return out;
}

// FromColumns gives FromRow's object for rows of every column set, every nullable one NULL
// and other values, into a fresh object and into one object refilled row after row.
template <typename T>
void ExpectFromColumnsAsFromRow() {
  const db::TableSchema* t = db::FindTable(kTableOf<T>);
  ASSERT_NE(t, nullptr);
  const std::vector<db::Row> rows = {FullRow(*t, true), NullRow(*t), FullRow(*t, false),
                                     FullRow(*t, true)};
  T reused;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto want = FromRow<T>(rows[i]);
    ASSERT_TRUE(want) << want.error().message();
    const std::vector<db::ColumnView> views = ViewsOf(*t, rows[i]);
    T fresh;
    auto filled = FromColumns<T>(views, AllColumnPositions<T>(), fresh);
    ASSERT_TRUE(filled) << filled.error().message();
    EXPECT_TRUE(fresh == *want) << t->name << " row " << i;
    ASSERT_TRUE(FromColumns<T>(views, AllColumnPositions<T>(), reused));
    EXPECT_TRUE(reused == *want) << t->name << " row " << i << " (reused object)";
  }
}

TEST(MappersTest, FromColumnsReadsWhatFromRowReads) {
  ExpectFromColumnsAsFromRow<ClusterTemplate>();
  ExpectFromColumnsAsFromRow<Cluster>();
  ExpectFromColumnsAsFromRow<NodeGroup>();
  ExpectFromColumnsAsFromRow<X509KeyPair>();
  ExpectFromColumnsAsFromRow<Quota>();
  ExpectFromColumnsAsFromRow<Federation>();
  ExpectFromColumnsAsFromRow<Container>();
  ExpectFromColumnsAsFromRow<MagnumService>();
  ExpectFromColumnsAsFromRow<ClusterEvent>();
  ExpectFromColumnsAsFromRow<ClusterLock>();
}

TEST(MappersTest, FromColumnsOfAColumnSubsetSetsOnlyThoseMembers) {
  const ColumnPositions positions = ColumnPositionsFor<ClusterTemplate>({"labels", "uuid"});
  std::vector<db::ColumnView> row(2);
  row[0].kind = db::ColumnView::Kind::kText;
  row[0].text = R"({"a":"1"})";
  row[1].kind = db::ColumnView::Kind::kText;
  row[1].text = "u-1";
  ClusterTemplate t;
  t.name = "kept";
  ASSERT_TRUE(FromColumns<ClusterTemplate>(row, positions, t));
  EXPECT_EQ(t.uuid, "u-1");
  EXPECT_EQ(t.labels, (StringMap{{"a", "1"}}));
  EXPECT_EQ(t.name, "kept");  // not in the row: left alone
  EXPECT_EQ(t.id, 0);
  row[0] = db::ColumnView();  // NULL resets
  ASSERT_TRUE(FromColumns<ClusterTemplate>(row, positions, t));
  EXPECT_EQ(t.labels, std::nullopt);
}

TEST(MappersTest, FromColumnsRefusesAnUnknownStoredStatus) {
  const db::TableSchema* t = db::FindTable(db::kClusterTable);
  db::Row row = FullRow(*t, true);
  row.Set("status", std::string("NOT_A_STATUS"));
  Cluster c;
  auto r = FromColumns<Cluster>(ViewsOf(*t, row), AllColumnPositions<Cluster>(), c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_NE(r.error().message().find("(id 7)"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("NOT_A_STATUS"), std::string::npos);
  EXPECT_EQ(c.name, FullRow(*t, true).GetString("name"));  // the other members are set
}

// List and ForEach read through ListRows: the same objects as FromRow over List's rows, also
// when one object is refilled across rows whose labels differ in keys, count, escapes and
// shape (a nested value goes through the JSON library), or are NULL or not JSON at all.
TEST(MappersTest, ListAndForEachThroughSqliteReadWhatFromRowReads) {
  testing_util::TempDir dir;
  auto db = OpenMigrated(dir);
  ASSERT_NE(db, nullptr);
  const std::vector<std::optional<std::string>> labels = {
      R"({"a":"1","b":"2"})",
      R"({"a":"x","b":"y"})",
      R"({"a":"1"})",
      R"({"b":"2","a":"1","a":"3"})",
      std::nullopt,
      R"({"\u00fc\"":"\n","z":"\ud83d\ude00"})",
      R"({"n":{"k":[1,2]},"s":"t"})",
      "not json",
      R"({})",
      R"({"a":"1","b":"2","c":"3"})",
  };
  for (size_t i = 0; i < labels.size(); ++i) {
    db::Row r;
    r.Set("uuid", "u-" + std::to_string(i));
    r.Set("name", "t-\xc3\xa9-" + std::to_string(i));
    r.Set("public", i % 2 == 0);
    if (labels[i]) r.Set("labels", *labels[i]);
    if (i % 3 == 0) r.Set("apiserver_port", int64_t{6443});
    ASSERT_TRUE(db->Insert(db::kClusterTemplateTable, r));
  }
  auto rows = db->List(db::kClusterTemplateTable, db::ListQuery());
  ASSERT_TRUE(rows);
  auto want = FromRows<ClusterTemplate>(*rows);
  ASSERT_TRUE(want);
  ASSERT_EQ(want->size(), labels.size());
  EXPECT_EQ((*want)[3].labels, (StringMap{{"a", "3"}, {"b", "2"}}));
  EXPECT_EQ((*want)[6].labels, (StringMap{{"n", R"({"k":[1,2]})"}, {"s", "t"}}));
  EXPECT_EQ((*want)[7].labels, std::nullopt);

  auto listed = List<ClusterTemplate>(*db, db::ListQuery());
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_TRUE(*listed == *want);

  size_t i = 0;
  auto each = ForEach<ClusterTemplate>(*db, db::ListQuery(), [&](const ClusterTemplate& t) {
    EXPECT_TRUE(i < want->size() && t == (*want)[i]) << "row " << i;
    ++i;
    return Result<void>();
  });
  ASSERT_TRUE(each) << each.error().message();
  EXPECT_EQ(i, labels.size());

  // A column subset: the other members keep their defaults.
  db::ListQuery q;
  q.columns = {"uuid", "labels"};
  q.limit = 2;
  auto some = List<ClusterTemplate>(*db, q);
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[1].uuid, "u-1");
  EXPECT_EQ((*some)[1].labels, (*want)[1].labels);
  EXPECT_EQ((*some)[1].name, std::nullopt);
  EXPECT_EQ((*some)[1].id, 0);

  // An error from fn stops the listing and is returned.
  int calls = 0;
  auto stopped = ForEach<ClusterTemplate>(*db, db::ListQuery(), [&](const ClusterTemplate&) {
    ++calls;
    return Result<void>(Fail(Error::Internal("stop")));
  });
  ASSERT_FALSE(stopped);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace magnum::objects
