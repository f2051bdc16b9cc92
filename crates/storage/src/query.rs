//! A small builder for queries whose WHERE clause depends on input: filters, keyset pages and
//! the caller's visibility, all with numbered placeholders that both engines accept.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

pub use egov_domain::authz::{DocumentScope, TaskScope, Visibility};

use crate::Result;

#[derive(Debug)]
enum Bind {
    I64(i64),
    Text(String),
}

/// SQL text plus its bound values, numbered as they are added.
#[derive(Debug)]
pub(crate) struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), binds: Vec::new() }
    }

    /// Appends raw SQL (never user input).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub(crate) fn int(&mut self, v: i64) -> &mut Self {
        self.binds.push(Bind::I64(v));
        self.text.push_str(&format!("${}", self.binds.len()));
        self
    }

    /// Appends a placeholder bound to `v`.
    pub(crate) fn text(&mut self, v: impl Into<String>) -> &mut Self {
        self.binds.push(Bind::Text(v.into()));
        self.text.push_str(&format!("${}", self.binds.len()));
        self
    }

    /// Appends ` AND (…)` restricting `path_col`/`id_col` (an agency's path and id) to `vis`.
    pub(crate) fn visible(&mut self, path_col: &str, id_col: &str, vis: &Visibility) -> &mut Self {
        match vis {
            Visibility::All => self,
            Visibility::Nothing => self.push(" AND 1 = 0"),
            Visibility::Subtrees(prefixes) if prefixes.is_empty() => self.push(" AND 1 = 0"),
            Visibility::Agencies(ids) if ids.is_empty() => self.push(" AND 1 = 0"),
            Visibility::Subtrees(prefixes) => {
                self.push(" AND (");
                for (i, p) in prefixes.iter().enumerate() {
                    if i > 0 {
                        self.push(" OR ");
                    }
                    self.push(path_col).push(" LIKE ").text(format!("{p}%"));
                }
                self.push(")")
            }
            Visibility::Agencies(ids) => {
                self.push(" AND ").push(id_col).push(" IN (");
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.int(*id);
                }
                self.push(")")
            }
        }
    }

    /// Appends ` IN (…)` over `ids` (or a false condition when empty), after a column
    /// written by the caller: `q.push(" AND d.agency_id").in_ints(ids)`.
    pub(crate) fn in_ints(&mut self, ids: &[i64]) -> &mut Self {
        if ids.is_empty() {
            return self.push(" IN (NULL) AND 1 = 0");
        }
        self.push(" IN (");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.int(*id);
        }
        self.push(")")
    }

    /// Appends ` AND (…)` restricting the documents aliased `d` to those `scope` reaches:
    /// shared agency-wide in one of its agencies, or granted to its person explicitly.
    pub(crate) fn doc_visible(&mut self, scope: &DocumentScope) -> &mut Self {
        self.push(" AND (");
        if !scope.wide_agencies.is_empty() {
            self.push("(d.agency_wide = 1 AND d.agency_id").in_ints(&scope.wide_agencies).push(") OR ");
        }
        self.push("EXISTS (SELECT 1 FROM document_access x WHERE x.document_id = d.id AND x.user_id = ");
        self.int(scope.user_id).push("))")
    }

    /// Appends ` AND (…)` restricting the tasks aliased `t` to those `scope` reaches: every task
    /// of an agency the reader leads, and the tasks they take part in.
    pub(crate) fn task_visible(&mut self, scope: &TaskScope) -> &mut Self {
        self.push(" AND (");
        if !scope.leader_agencies.is_empty() {
            self.push("t.agency_id").in_ints(&scope.leader_agencies).push(" OR ");
        }
        self.push("EXISTS (SELECT 1 FROM task_people x WHERE x.task_id = t.id AND x.user_id = ");
        self.int(scope.user_id).push("))")
    }

    /// Appends another query's text and binds; `self` must not have binds of its own yet.
    pub(crate) fn append(&mut self, other: Sql) -> &mut Self {
        debug_assert!(self.binds.is_empty(), "append renumbers nothing: the outer query must have no binds");
        self.text.push_str(&other.text);
        self.binds.extend(other.binds);
        self
    }

    fn query_as<T>(&self) -> sqlx::query::QueryAs<'_, sqlx::Any, T, sqlx::any::AnyArguments<'_>>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_as::<_, T>(&self.text);
        for b in &self.binds {
            q = match b {
                Bind::I64(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.as_str()),
            };
        }
        q
    }

    pub(crate) async fn fetch_all<T>(&self, conn: &mut AnyConnection) -> Result<Vec<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        Ok(self.query_as::<T>().fetch_all(conn).await?)
    }

    /// Runs a statement; the number of rows it changed.
    pub(crate) async fn execute(&self, conn: &mut AnyConnection) -> Result<u64> {
        let mut q = sqlx::query(&self.text);
        for b in &self.binds {
            q = match b {
                Bind::I64(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.as_str()),
            };
        }
        Ok(q.execute(conn).await?.rows_affected())
    }

    pub(crate) async fn fetch_scalar_i64(&self, conn: &mut AnyConnection) -> Result<i64> {
        let mut q = sqlx::query_scalar::<_, i64>(&self.text);
        for b in &self.binds {
            q = match b {
                Bind::I64(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.as_str()),
            };
        }
        Ok(q.fetch_one(conn).await?)
    }

    pub(crate) async fn fetch_optional_text(&self, conn: &mut AnyConnection) -> Result<Option<String>> {
        let mut q = sqlx::query_scalar::<_, Option<String>>(&self.text);
        for b in &self.binds {
            q = match b {
                Bind::I64(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.as_str()),
            };
        }
        Ok(q.fetch_optional(conn).await?.flatten())
    }

    pub(crate) async fn fetch_optional<T>(&self, conn: &mut AnyConnection) -> Result<Option<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        Ok(self.query_as::<T>().fetch_optional(conn).await?)
    }
}
