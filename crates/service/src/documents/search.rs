//! Lookup: full-text search over subject, number and notation, sender, opinions and file text,
//! diacritic-folded (`quyet dinh` finds `Quyết định`), exact-accent matches ranked first, with
//! filters, and restricted inside the query to what the reader may see.

use egov_domain::search::SearchParams;
use egov_domain::text::{check_text, fold, normalize, TextKind};
use egov_storage::documents::{self as db, SearchFilter, SearchHit};

use super::{require, scope_of};
use crate::audit::{record, Who, NONE};
use crate::{now_ms, AppError, AppResult, Caller, Check, Scope, Services};
use egov_domain::FieldError;

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
/// How many of the newest documents are searched first (the rest only if needed).
const SLICE: i64 = 100_000;
/// How many of the newest matching documents are ranked by relevance (exact-accent matches,
/// then whole-word matches in the subject, then the number and sender).
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
            id_above: None,
            id_at_most: None,
        };
        let per_page = input.per_page.clamp(1, 100);
        let offset = input.page.saturating_mul(per_page);
        let engine = self.store.engine();
        let mut conn = self.store.read().await?;
        let ranked_search = !terms.is_empty() && !input.by_date;
        let mut counted = None;
        let hits = if ranked_search && offset + per_page <= RERANK_WINDOW {
            // Relevance ranks the newest RERANK_WINDOW matching documents the reader may see:
            // exact-accent matches first, then whole words in the subject. The newest slice of
            // documents is searched first and older ones only if it does not fill the window, so
            // the cost follows the window, not the number of matches in the whole archive.
            let newest = db::max_document_id(&mut conn).await?;
            let boundary = newest - SLICE;
            let mut window = Vec::new();
            for (above, at_most) in [(Some(boundary), None), (None, Some(boundary))] {
                if window.len() >= RERANK_WINDOW as usize || (at_most.is_some() && boundary <= 0) {
                    break;
                }
                let slice = db::SearchFilter { id_above: above, id_at_most: at_most, ..filter.clone() };
                let want = RERANK_WINDOW - window.len() as u32;
                window.extend(db::search_candidates(&mut conn, engine, &slice, &scope, want).await?);
            }
            counted = Some(window.len() as i64);
            let exact = normalize(input.q).to_lowercase();
            let mut ranked: Vec<(bool, f64, &db::Candidate)> =
                window.iter().map(|c| (is_exact(c, &exact), relevance(c, &terms), c)).collect();
            // Stable: among equals the newest stays first.
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
            let scores: Vec<(i64, f64)> = ranked.iter().map(|(_, s, c)| (c.id, *s)).collect();
            let page: Vec<&db::Candidate> =
                ranked.into_iter().map(|(_, _, c)| c).skip(offset as usize).take(per_page as usize).collect();
            let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
            let rows = db::documents_by_ids(&mut conn, &ids, &scope).await?;
            rows.into_iter()
                .map(|document| {
                    let score = scores.iter().find(|(id, _)| *id == document.id).map_or(0.0, |(_, s)| *s);
                    SearchHit { document, score }
                })
                .collect()
        } else {
            db::search(&mut conn, engine, &filter, &scope, offset, per_page).await?
        };
        let (total, capped) = match counted {
            // A full window means "at least this many": the count stops there.
            Some(n) => (n, n >= i64::from(RERANK_WINDOW)),
            None => {
                let n = db::search_count(&mut conn, engine, &filter, &scope, COUNT_CAP).await?;
                (n, n >= i64::from(COUNT_CAP))
            }
        };
        Ok(SearchResult { hits, total, capped })
    }
}

/// How well a candidate's headline matches the folded terms: whole words in the subject count
/// 2, word prefixes 1, a match in the number and notation or the sender 3 more.
fn relevance(c: &db::Candidate, terms: &[String]) -> f64 {
    let subject = fold(&c.subject);
    let words: Vec<&str> = subject.split(|ch: char| !ch.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut score = 0.0;
    for t in terms {
        if words.iter().any(|w| w == t) {
            score += 2.0;
        } else if words.iter().any(|w| w.starts_with(t.as_str())) {
            score += 1.0;
        }
    }
    let side =
        fold(&format!("{} {}", c.number_notation.as_deref().unwrap_or(""), c.sender_name.as_deref().unwrap_or("")));
    if !terms.is_empty() && terms.iter().all(|t| side.contains(t.as_str())) {
        score += 3.0;
    }
    score
}

fn is_exact(c: &db::Candidate, exact: &str) -> bool {
    [Some(c.subject.as_str()), c.number_notation.as_deref(), c.sender_name.as_deref()]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(exact))
}

/// Keeps only known search parameters of a query string (`a=1&b=2`), in their order, without empty values.
pub fn clean_search_query(query: &str) -> String {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            SearchParams::KEYS.contains(&key) && !value.is_empty()
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Parses a query string (`q=…&doc_type=…`, percent-encoded) into validated search parameters;
/// parameters a search does not know are left out (see [`SearchParams::KEYS`]).
pub fn parse_search_query(query: &str) -> Result<SearchParams, Vec<FieldError>> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .filter(|(k, _)| SearchParams::KEYS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    SearchParams::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The canonical query string of validated parameters (what a saved search stores).
pub fn search_query_string(p: &SearchParams) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in p.pairs() {
        out.append_pair(k, &v);
    }
    out.finish()
}

impl Services {
    /// Saves the caller's search under a name (their own list; names are unique per person).
    pub async fn save_search(
        &self,
        caller: &Caller,
        name: &str,
        query: &str,
    ) -> AppResult<egov_storage::saved_searches::SavedSearchRow> {
        require(caller, Scope::DocumentsRead)?;
        let mut check = Check::new();
        check.take(check_text(name, "name", TextKind::SingleLine));
        let name = normalize(name);
        // The query is parsed as a search would parse it and stored in canonical form: a value
        // a search would refuse (`book_id=1 OR 1=1`) is refused here too, naming the parameter.
        let query = match parse_search_query(query) {
            Ok(p) => search_query_string(&p),
            Err(errors) => {
                for e in errors {
                    check.push(FieldError::new("query", e.code, e.message_vi, e.message_en));
                }
                String::from("invalid")
            }
        };
        if name.is_empty() || name.chars().count() > 100 {
            check.push(FieldError::new(
                "name",
                "name_length",
                "Tên tìm kiếm cần từ 1 đến 100 ký tự.",
                "The name needs 1 to 100 characters.",
            ));
        }
        if query.is_empty() || query.len() > 2000 {
            check.push(FieldError::new(
                "query",
                "query_empty",
                "Chưa có điều kiện tìm kiếm để lưu.",
                "There is no search to save.",
            ));
        }
        check.finish()?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let id = egov_storage::saved_searches::insert_saved_search(&mut tx, caller.actor.user_id, &name, &query, now)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => AppError::Conflict(FieldError::new(
                    "name",
                    "name_taken",
                    "Bạn đã có tìm kiếm mang tên này.",
                    "You already have a search with this name.",
                )),
                other => other,
            })?;
        let detail = serde_json::json!({ "name": name, "query": query });
        record(&mut tx, &Who::caller(caller), "search.save", "saved_search", Some(id.to_string()), NONE, Some(&detail))
            .await?;
        crate::commit(tx).await?;
        Ok(egov_storage::saved_searches::SavedSearchRow { id, name, query, created_at: now })
    }

    /// The caller's saved searches.
    pub async fn saved_searches(
        &self,
        caller: &Caller,
    ) -> AppResult<Vec<egov_storage::saved_searches::SavedSearchRow>> {
        require(caller, Scope::DocumentsRead)?;
        let mut c = self.store.read().await?;
        Ok(egov_storage::saved_searches::saved_searches_of(&mut c, caller.actor.user_id).await?)
    }

    /// Deletes one of the caller's saved searches.
    pub async fn delete_saved_search(&self, caller: &Caller, id: i64) -> AppResult<()> {
        require(caller, Scope::DocumentsRead)?;
        let mut tx = self.store.begin().await?;
        if !egov_storage::saved_searches::delete_saved_search(&mut tx, caller.actor.user_id, id).await? {
            return Err(AppError::NotFound);
        }
        record(&mut tx, &Who::caller(caller), "search.delete", "saved_search", Some(id.to_string()), NONE, None::<&()>)
            .await?;
        crate::commit(tx).await
    }
}
