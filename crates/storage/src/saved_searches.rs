//! Saved searches: a person's named searches (the query string of the search page).

use sqlx::{AnyConnection, FromRow};

use crate::Result;

/// A saved search.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct SavedSearchRow {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub created_at: i64,
}

/// Saves a search for a user and returns its id (a name already used by the user is a conflict on `name`).
pub async fn insert_saved_search(
    c: &mut AnyConnection,
    user_id: i64,
    name: &str,
    query: &str,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO saved_searches (user_id, name, query, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(query)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

/// A user's saved searches, by name.
pub async fn saved_searches_of(c: &mut AnyConnection, user_id: i64) -> Result<Vec<SavedSearchRow>> {
    Ok(sqlx::query_as("SELECT id, name, query, created_at FROM saved_searches WHERE user_id = $1 ORDER BY name")
        .bind(user_id)
        .fetch_all(&mut *c)
        .await?)
}

/// Deletes one of a user's saved searches; false when there is no such search of that user.
pub async fn delete_saved_search(c: &mut AnyConnection, user_id: i64, id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM saved_searches WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() > 0)
}
