//! The page-rating question of the Designers Italia model ("Quanto sono chiare le informazioni su
//! questa pagina?"): anyone may answer it on any page, with one to five stars, and analysts read the
//! count per page and stars. Only the kinds of page the site has are counted, so the table cannot be
//! filled with made-up names; nothing about who answered is kept.

use sportello_runtime::case::Actor;
use sportello_store::PageRating;

use super::Error;
use crate::state::AppState;

/// The kinds of page that carry the question (the pages' template names).
pub const RATED_PAGES: &[&str] = &[
    "application",
    "catalogue",
    "citizen_case",
    "clerk_case",
    "documents",
    "messages",
    "my_cases",
    "payments",
    "profile",
    "ratings",
    "scenarios",
    "search",
    "signin",
    "summary",
    "validate",
    "workflow",
    "workflows",
    "worklist",
];

/// Counts one answer of `stars` for the page kind `page`.
///
/// # Errors
///
/// `invalid-input` for a page kind the site does not have, or stars outside 1 to 5.
pub async fn rate(state: &AppState, page: &str, stars: &str) -> Result<(), Error> {
    if !RATED_PAGES.contains(&page) {
        return Err(Error::invalid_field("no such page", "/page", "one of the site's pages"));
    }
    let stars = stars.trim().parse::<u8>().ok().filter(|s| (1..=5).contains(s));
    let Some(stars) = stars else {
        return Err(Error::invalid_field("choose from 1 to 5 stars", "/stars", "1 to 5"));
    };
    Ok(state.store.rate_page(page, stars).await?)
}

/// Every page's answers, for an analyst.
///
/// # Errors
///
/// [`Error::Forbidden`] for anyone but an analyst.
pub async fn ratings(state: &AppState, actor: &Actor) -> Result<Vec<PageRating>, Error> {
    if !actor.has_role("analyst") {
        return Err(Error::forbidden("only analysts read the page ratings"));
    }
    Ok(state.store.page_ratings().await?)
}
