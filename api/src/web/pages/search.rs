//! `/cerca`: the site's search, which the Designers Italia model for Comuni puts in every page's
//! header. It looks through the services one can apply for (their titles and descriptions, in both
//! languages), the pages of the visitor's menu and, for a signed-in visitor, the cases they may see:
//! a case code finds its case (a citizen's own, a clerk's office's), and words find a citizen's own
//! applications by their service's title. Every word must match; case and accents are ignored, so
//! "iscrizione nido" finds "Iscrizione al nido d'infanzia".

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use sportello_runtime::case::Actor;

use crate::app::search::{self, CaseFilter};
use crate::app::workflows;
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::visitor::Visitor;

/// The longest query read; the rest is ignored.
const MAX_QUERY_CHARS: usize = 100;
/// The most of a citizen's applications looked through by words.
const CASES_LOOKED_AT: u32 = 200;

/// `?q=…`.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// What the visitor typed.
    #[serde(default)]
    pub q: String,
}

/// `/cerca`: the results for `q`, grouped into cases, services and pages.
pub async fn search(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let typed: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let words = words_of(&typed);
    let mut groups = Vec::new();
    if !words.is_empty() {
        let user = session.user.as_ref();
        groups.push(group(&page, "search_cases", cases(&state, user, &typed, &words).await?));
        groups.push(group(&page, "search_services", services(&state, &page, user, &words).await?));
        groups.push(group(&page, "search_pages", pages(&page, &words)));
    }
    let found: usize = groups.iter().map(|g| g["items"].as_array().map_or(0, Vec::len)).sum();
    groups.retain(|g| g["items"].as_array().is_some_and(|items| !items.is_empty()));
    let data = json!({"q": typed, "searched": !words.is_empty(), "found": found, "groups": groups});
    Ok(page.render("search", &page.t("search_title"), Place::Nowhere, None, data))
}

fn group(page: &Page<'_>, key: &str, items: Vec<Json>) -> Json {
    json!({"label": page.t(key), "items": items})
}

/// The cases found: by code for anyone signed in, by words among a citizen's own applications.
async fn cases(state: &AppState, user: Option<&Actor>, typed: &str, words: &[String]) -> Result<Vec<Json>, PageError> {
    let Some(actor @ (Actor::Citizen { .. } | Actor::Staff { .. })) = user else { return Ok(Vec::new()) };
    let base = if matches!(actor, Actor::Citizen { .. }) { "/pratiche" } else { "/ufficio/pratiche" };
    let mut found = Vec::new();
    if looks_like_a_code(typed) {
        let filter = CaseFilter { code: Some(typed.to_uppercase()), limit: Some(1), ..CaseFilter::default() };
        for item in search::search(state, actor, filter).await?.items {
            let definition = workflows::definition(state, &item.workflow, Some(item.workflow_version)).await?;
            found.push(case_entry(base, &item.code, &definition.title, item.status.as_ref()));
        }
        return Ok(found);
    }
    if matches!(actor, Actor::Citizen { .. }) {
        let filter = CaseFilter { limit: Some(CASES_LOOKED_AT), ..CaseFilter::default() };
        for item in search::search(state, actor, filter).await?.items {
            let definition = workflows::definition(state, &item.workflow, Some(item.workflow_version)).await?;
            let title = &definition.title;
            if matches(words, &[title.it.as_str(), title.en.as_deref().unwrap_or_default(), item.code.as_str()]) {
                found.push(case_entry(base, &item.code, title, item.status.as_ref()));
            }
        }
    }
    Ok(found)
}

fn case_entry(
    base: &str,
    code: &str,
    title: &sportello_definition::model::Text,
    status: Option<&workflows::TextDto>,
) -> Json {
    json!({
        "href": format!("{base}/{code}"),
        "title": {"it": title.it, "en": title.en},
        "detail": code,
        "status": status,
    })
}

/// The services whose title or description has every word; where each leads depends on who looks.
async fn services(
    state: &AppState,
    page: &Page<'_>,
    user: Option<&Actor>,
    words: &[String],
) -> Result<Vec<Json>, PageError> {
    let mut found = Vec::new();
    for definition in workflows::latest_definitions(state).await? {
        let description = definition.description.as_ref();
        let haystack = [
            definition.title.it.as_str(),
            definition.title.en.as_deref().unwrap_or_default(),
            description.map_or("", |d| d.it.as_str()),
            description.and_then(|d| d.en.as_deref()).unwrap_or_default(),
        ];
        if !matches(words, &haystack) {
            continue;
        }
        let id = definition.id.as_str();
        let href = match user {
            Some(user @ Actor::Staff { offices, .. }) if user.has_role("analyst") || offices.is_empty() => {
                format!("/procedimenti/{id}")
            }
            Some(Actor::Staff { .. }) => format!("/ufficio?workflow={id}"),
            _ => format!("/pratiche/nuova/{id}"),
        };
        found.push(json!({
            "href": href,
            "title": {"it": definition.title.it, "en": definition.title.en},
            "description": description.map(|d| json!({"it": d.it, "en": d.en})),
            "detail": page.t("search_service"),
        }));
    }
    Ok(found)
}

/// The pages of the visitor's menu whose name has every word.
fn pages(page: &Page<'_>, words: &[String]) -> Vec<Json> {
    page.menu()
        .into_iter()
        .filter(|(_, label)| matches(words, &[label.as_str()]))
        .map(|(href, label)| json!({"href": href, "title": {"it": label}, "detail": page.t("search_page")}))
        .collect()
}

/// A case code as the engine makes them: letters, a dash, the year, a dash, digits.
fn looks_like_a_code(typed: &str) -> bool {
    let parts: Vec<&str> = typed.split('-').collect();
    parts.len() == 3
        && parts[0].chars().all(|c| c.is_ascii_alphabetic())
        && !parts[0].is_empty()
        && parts[1..].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// The words of a query, folded, one-letter words left out.
fn words_of(typed: &str) -> Vec<String> {
    fold(typed).split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() > 1).map(str::to_owned).collect()
}

/// Whether every word is in one of the texts.
fn matches(words: &[String], texts: &[&str]) -> bool {
    let haystack = fold(&texts.join(" "));
    words.iter().all(|w| haystack.contains(w.as_str()))
}

/// Lower case, Italian accents taken off.
fn fold(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' => 'a',
            'è' | 'é' | 'ê' => 'e',
            'ì' | 'í' | 'î' => 'i',
            'ò' | 'ó' | 'ô' => 'o',
            'ù' | 'ú' | 'û' => 'u',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_ignore_case_accents_and_short_words() {
        assert_eq!(words_of("Iscrizione all'ASILO è"), ["iscrizione", "all", "asilo"]);
        assert!(matches(&words_of("iscrizione asilo"), &["Iscrizione all'asilo nido"]));
        assert!(matches(&words_of("citta"), &["Città"]));
        assert!(!matches(&words_of("asilo permesso"), &["Iscrizione all'asilo nido"]));
    }

    #[test]
    fn case_codes_are_told_from_words() {
        assert!(looks_like_a_code("NE-2026-000001"));
        assert!(looks_like_a_code("ne-2026-1"));
        assert!(!looks_like_a_code("asilo nido"));
        assert!(!looks_like_a_code("-2026-000001"));
        assert!(!looks_like_a_code("NE-2026"));
    }
}
