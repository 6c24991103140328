#include "store/oplog_query.h"

#include <algorithm>
#include <memory>

namespace brs::store {
namespace {

const char* SelectList(OpColumns columns) {
  switch (columns) {
    case OpColumns::kIdAndBytes:
      return "o.id, o.operation";
    case OpColumns::kMetadata:
      return "o.id, o.modno, o.flow_id, o.original_id, o.original_flow_id, o.start_time_ms,"
             " o.status, g.original_instance_keyid, g.instance_id, g.repo_id, g.repo_guid,"
             " g.plan_id, o.snapshot_id";
    case OpColumns::kCount:
      return "COUNT(*)";
  }
  return "";
}

// Operations joined to their group, operations as the outer loop (CROSS
// JOIN fixes the order) so rows come in id order.
constexpr char kFromJoined[] = " FROM operations o CROSS JOIN op_groups g ON g.ogid = o.ogid";

void AddGroupClause(const std::vector<int64_t>& ogids, SqlWithArgs* out) {
  if (ogids.size() == 1) {
    out->Add(" AND o.ogid = ?", ogids[0]);
    return;
  }
  for (size_t i = 0; i < ogids.size(); ++i) out->Add(i ? ",?" : " AND +o.ogid IN (?", ogids[i]);
  out->sql += ")";
}

void AddColumnClauses(const OpQuery& q, SqlWithArgs* out) {
  auto add = [&](const char* col, const char* op, SqlArg arg) {
    out->Add(std::string(" AND ") + col + op, std::move(arg));
  };
  auto add_int = [&](const char* col, const std::optional<int64_t>& v, const char* op = " = ?") {
    if (v) add(col, op, *v);
  };
  if (q.original_instance_keyid && (q.original_id || q.original_flow_id)) {
    // Lets the planner use the synced-op indexes.
    add("o.original_instance_keyid", " = ?", *q.original_instance_keyid);
  }
  add_int("o.original_id", q.original_id);
  add_int("o.original_flow_id", q.original_flow_id);
  add_int("o.flow_id", q.flow_id);
  add_int("o.id", q.id_lt, " < ?");
  add_int("o.modno", q.modno_gte, " >= ?");
  if (q.status) add("o.status", " = ?", int64_t{*q.status});
  add_int("o.start_time_ms", q.start_time_ms_gte, " >= ?");
  add_int("o.start_time_ms", q.start_time_ms_lt, " < ?");
  if (q.snapshot_id) add("o.snapshot_id", " = ?", *q.snapshot_id);
}

void BindArgs(Statement& st, const std::vector<SqlArg>& args) {
  int i = 1;
  for (const SqlArg& a : args) {
    if (const int64_t* v = std::get_if<int64_t>(&a)) {
      st.Bind(i++, *v);
    } else {
      st.Bind(i++, std::get<std::string>(a));
    }
  }
}

// Runs `query` on db, calling row(st) per row until it returns false.
Status RunSql(SqliteDb& db, const SqlWithArgs& query,
              const std::function<bool(const Statement&)>& row) {
  BRS_ASSIGN_OR_RETURN(Statement st, db.Prepare(query.sql));
  BindArgs(st, query.args);
  Status s;
  while (st.Step(&s)) {
    if (!row(st)) break;
  }
  return s;
}

// A query over a few groups (e.g. one instance's plans) runs as one
// statement per group, each walking its group's index in ID order, merged
// here by ID: a page of one instance's ops then costs its own rows, where
// the one statement over all groups (the IN list cannot keep the ID order
// through the index) scanned the table from the newest op until it met
// them (1 000 instances: 500 000 rows for the 500th, 377 ms a page).
constexpr size_t kMaxMergedGroups = 64;

Status RunMerged(SqliteDb& db, OpColumns columns, const OpQuery& q,
                 const std::vector<int64_t>& ogids,
                 const std::function<bool(const Statement&)>& row) {
  OpQuery each = q;
  each.offset = 0;
  each.limit = q.limit > 0 ? q.limit + std::max<int64_t>(q.offset, 0) : 0;
  std::vector<std::unique_ptr<Statement>> open;  // each at its current row
  Status s;
  for (int64_t ogid : ogids) {
    const std::vector<int64_t> one = {ogid};
    SqlWithArgs sql = OpsSql(columns, each, &one);
    BRS_ASSIGN_OR_RETURN(Statement st, db.PrepareUncached(sql.sql));  // all open at once
    BindArgs(st, sql.args);
    if (st.Step(&s)) {
      open.push_back(std::make_unique<Statement>(std::move(st)));
    } else if (!s.ok()) {
      return s;
    }
  }
  int64_t skip = std::max<int64_t>(q.offset, 0);
  int64_t left = q.limit > 0 ? q.limit : -1;
  while (!open.empty() && left != 0) {
    size_t next = 0;
    for (size_t i = 1; i < open.size(); ++i) {
      const int64_t a = open[i]->ColumnInt(0), b = open[next]->ColumnInt(0);
      if (q.reversed ? a > b : a < b) next = i;
    }
    if (skip > 0) {
      --skip;
    } else {
      if (!row(*open[next])) return Status::Ok();
      if (left > 0) --left;
    }
    if (!open[next]->Step(&s)) {
      if (!s.ok()) return s;
      open.erase(open.begin() + static_cast<std::ptrdiff_t>(next));
    }
  }
  return Status::Ok();
}

}  // namespace

void SqlWithArgs::Add(std::string_view text, SqlArg arg) {
  sql += text;
  args.push_back(std::move(arg));
}

bool HasGroupFilter(const OpQuery& q) {
  return q.original_instance_keyid || q.instance_id || q.repo_id || q.repo_guid || q.plan_id;
}

SqlWithArgs GroupsSql(const OpQuery& q) {
  SqlWithArgs out{"SELECT ogid FROM op_groups WHERE 1=1", {}};
  auto add = [&](const char* col, const std::optional<std::string>& v) {
    if (v) out.Add(std::string(" AND ") + col + " = ?", *v);
  };
  add("original_instance_keyid", q.original_instance_keyid);
  add("instance_id", q.instance_id);
  add("repo_id", q.repo_id);
  add("repo_guid", q.repo_guid);
  add("plan_id", q.plan_id);
  out.sql += " ORDER BY ogid";
  return out;
}

SqlWithArgs OpsSql(OpColumns columns, const OpQuery& q, const std::vector<int64_t>* ogids) {
  SqlWithArgs out{std::string("SELECT ") + SelectList(columns) + kFromJoined + " WHERE 1=1", {}};
  if (ogids != nullptr) AddGroupClause(*ogids, &out);
  AddColumnClauses(q, &out);
  if (columns != OpColumns::kCount) {
    out.sql += q.reversed ? " ORDER BY o.id DESC" : " ORDER BY o.id ASC";
    out.Add(" LIMIT ?", q.limit > 0 ? q.limit : int64_t{-1});
    out.Add(" OFFSET ?", std::max<int64_t>(q.offset, 0));
  }
  return out;
}

OpMetadata ReadMetadata(const Statement& st) {
  OpMetadata m;
  m.id = st.ColumnInt(0);
  m.modno = st.ColumnInt(1);
  m.flow_id = st.ColumnInt(2);
  m.original_id = st.ColumnInt(3);
  m.original_flow_id = st.ColumnInt(4);
  m.start_time_ms = st.ColumnInt(5);
  m.status = static_cast<int32_t>(st.ColumnInt(6));
  m.original_instance_keyid = st.ColumnText(7);
  m.instance_id = st.ColumnText(8);
  m.repo_id = st.ColumnText(9);
  m.repo_guid = st.ColumnText(10);
  m.plan_id = st.ColumnText(11);
  m.snapshot_id = st.ColumnText(12);
  return m;
}

Status RunOpQuery(SqliteDb& db, OpColumns columns, const OpQuery& q,
                  const std::function<bool(const Statement&)>& row) {
  Transaction tx(db);
  BRS_RETURN_IF_ERROR(tx.BeginRead());
  if (!HasGroupFilter(q)) return RunSql(db, OpsSql(columns, q, nullptr), row);
  std::vector<int64_t> ogids;
  BRS_RETURN_IF_ERROR(RunSql(db, GroupsSql(q), [&](const Statement& st) {
    ogids.push_back(st.ColumnInt(0));
    return true;
  }));
  if (ogids.empty()) {
    if (columns != OpColumns::kCount) return Status::Ok();  // nothing can match
    ogids.push_back(0);                                     // ogid 0 never exists: COUNT gives 0
  }
  if (columns != OpColumns::kCount && ogids.size() > 1 && ogids.size() <= kMaxMergedGroups) {
    return RunMerged(db, columns, q, ogids, row);
  }
  return RunSql(db, OpsSql(columns, q, &ogids), row);
}

}  // namespace brs::store
