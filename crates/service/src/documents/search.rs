//! Lookup: full-text search over subject, number and notation, sender, opinions and file text,
//! diacritic-folded (`quyet dinh` finds `Quyết định`), exact-accent matches ranked first, with
//! filters, and restricted inside the query to what the reader may see.

use egov_domain::text::{fold, normalize};
use egov_storage::documents::{self as db, SearchFilter, SearchHit};

use super::scope_of;
use crate::{AppResult, Caller, Services};

/// A search request.
#[derive(Clone, Debug, Default)]
pub struct SearchInput<'a> {
    pub q: &'a str,
    pub direction: Option<&'a str>,
    pub doc_type: Option<&'a str>,
    pub book_id: Option<i64>,
    pub urgency: Option<&'a str>,
    pub status: Option<&'a str>,
    pub sender: Option<&'a str>,
    pub unit_id: Option<i64>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub by_date: bool,
    pub page: u32,
    pub per_page: u32,
}

/// A page of results and how many the reader may see in all (capped).
#[derive(Clone, Debug)]
pub struct SearchResult {
    pub hits: Vec<SearchHit>,
    pub total: i64,
    /// `total` stopped at the cap; show it as "cap+".
    pub capped: bool,
}

/// How many documents a count goes up to.
pub const COUNT_CAP: u32 = 10_000;
/// How many best candidates are re-ranked for exact matches.
const RERANK_WINDOW: u32 = 200;

/// Splits a query into folded search terms: letters and digits only, at most 8.
pub fn terms_of(q: &str) -> Vec<String> {
    fold(&normalize(q))
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(8)
        .map(str::to_string)
        .collect()
}

impl Services {
    /// Searches the documents the caller may see.
    pub async fn search(&self, caller: &Caller, input: &SearchInput<'_>) -> AppResult<SearchResult> {
        let scope = scope_of(caller)?;
        let terms = terms_of(input.q);
        let filter = SearchFilter {
            terms: &terms,
            direction: input.direction,
            doc_type: input.doc_type,
            book_id: input.book_id,
            urgency: input.urgency,
            status: input.status,
            sender: input.sender,
            unit_id: input.unit_id,
            from_ms: input.from_ms,
            to_ms: input.to_ms,
            by_date: input.by_date,
        };
        let per_page = input.per_page.clamp(1, 100);
        let offset = input.page.saturating_mul(per_page);
        let engine = self.store.engine();
        let mut conn = self.store.read().await?;
        let relevance = !terms.is_empty() && !input.by_date;
        let hits = if relevance && offset + per_page <= RERANK_WINDOW {
            let mut window = db::search(&mut conn, engine, &filter, &scope, 0, RERANK_WINDOW).await?;
            let exact = normalize(input.q).to_lowercase();
            // Stable sort: exact-accent matches first, engine relevance kept within each group.
            window.sort_by_key(|h| !is_exact(h, &exact));
            window.into_iter().skip(offset as usize).take(per_page as usize).collect()
        } else {
            db::search(&mut conn, engine, &filter, &scope, offset, per_page).await?
        };
        let total = db::search_count(&mut conn, engine, &filter, &scope, COUNT_CAP).await?;
        Ok(SearchResult { hits, total, capped: total >= i64::from(COUNT_CAP) })
    }
}

fn is_exact(h: &SearchHit, exact: &str) -> bool {
    let d = &h.document;
    [Some(d.subject.as_str()), d.number_notation.as_deref(), d.sender_name.as_deref()]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(exact))
}
