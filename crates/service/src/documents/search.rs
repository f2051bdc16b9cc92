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
pub const COUNT_CAP: u32 = 1_000;
/// How many of the newest matching documents are ranked by relevance.
const RERANK_WINDOW: u32 = 500;

/// Splits a query into folded search terms: letters and digits only, at most 8.
pub fn terms_of(q: &str) -> Vec<String> {
    fold(&normalize(q))
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty() && !t.starts_with(egov_storage::documents::ACL_PREFIX))
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
            // Relevance ranks the newest RERANK_WINDOW matching documents the reader may see:
            // exact-accent matches first, then the engine's score (bm25 / ts_rank). Only the
            // page's rows are then loaded in full.
            let mut window = db::search_candidates(&mut conn, engine, &filter, &scope, RERANK_WINDOW).await?;
            let exact = normalize(input.q).to_lowercase();
            window.sort_by(|a, b| is_exact(b, &exact).cmp(&is_exact(a, &exact)).then(b.score.total_cmp(&a.score)));
            let page: Vec<&db::Candidate> = window.iter().skip(offset as usize).take(per_page as usize).collect();
            let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
            let rows = db::documents_by_ids(&mut conn, &ids, &scope).await?;
            rows.into_iter()
                .map(|document| {
                    let score = page.iter().find(|c| c.id == document.id).map_or(0.0, |c| c.score);
                    SearchHit { document, score }
                })
                .collect()
        } else {
            db::search(&mut conn, engine, &filter, &scope, offset, per_page).await?
        };
        let total = db::search_count(&mut conn, engine, &filter, &scope, COUNT_CAP).await?;
        Ok(SearchResult { hits, total, capped: total >= i64::from(COUNT_CAP) })
    }
}

fn is_exact(c: &db::Candidate, exact: &str) -> bool {
    [Some(c.subject.as_str()), c.number_notation.as_deref(), c.sender_name.as_deref()]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(exact))
}
