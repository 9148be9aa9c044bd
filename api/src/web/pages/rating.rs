//! The page-rating question at the foot of every page ("Quanto sono chiare le informazioni su questa
//! pagina?", one to five stars, as the Designers Italia model for Comuni asks it) and the analysts'
//! page that counts the answers per page. Answering shows a thank-you page with a link back to the
//! page rated (the browser's `Referer`, when it is a path on this site).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use reqwest::Url;
use serde_json::json;

use crate::app::{self, page_ratings};
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::return_path::same_site_path;
use crate::web::visitor::{Form, Visitor};

/// `POST /valuta`: one answer (`page`, `stars`), then thanks, or the question again when no star
/// was chosen.
pub async fn rate(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let rated = form.get("page").unwrap_or_default();
    let back = back_path(&headers);
    let title = page.t("rating_thanks_title");
    match page_ratings::rate(&state, rated, form.get("stars").unwrap_or_default()).await {
        Ok(()) => Ok(page.render("rated", &title, Place::Nowhere, None, json!({"back": back, "rated": true}))),
        // A page the site does not have: a forged form, not a visitor's slip.
        Err(app::Error::InvalidInput { fields, .. }) if fields.iter().any(|(field, _)| field == "/page") => {
            Err(PageError::bad_request())
        }
        // No stars chosen: the question again.
        Err(app::Error::InvalidInput { .. }) => {
            let data = json!({"back": back, "rated": false, "page_kind": rated});
            Ok(page.render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "rated",
                &page.t("rating_question"),
                Place::Nowhere,
                None,
                data,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// The page the answer came from, when the browser said so and it is on this site; else the home.
fn back_path(headers: &HeaderMap) -> String {
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|v| Url::parse(v).ok());
    let path = referer.map_or_else(
        || "/".to_owned(),
        |url| format!("{}{}", url.path(), url.query().map_or_else(String::new, |q| format!("?{q}"))),
    );
    same_site_path(&path).to_owned()
}

/// `/procedimenti/valutazioni`: the answers per page, for analysts.
pub async fn ratings(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let analyst = page.analyst("/procedimenti/valutazioni")?;
    let rows: Vec<_> = page_ratings::ratings(&state, analyst)
        .await?
        .into_iter()
        .map(|rating| {
            let total: u64 = rating.answers.iter().sum();
            let weighted: u64 = rating.answers.iter().zip(1..).map(|(n, stars)| n * stars).sum();
            let average = if total == 0 { 0.0 } else { weighted as f64 / total as f64 };
            json!({
                "page": page.t(&format!("page_kind_{}", rating.page)),
                "answers": rating.answers.iter().zip(1..).map(|(n, stars)| json!({"stars": stars, "count": n})).collect::<Vec<_>>(),
                "total": total,
                "average": format!("{average:.1}").replace('.', if page.lang() == "en" { "." } else { "," }),
            })
        })
        .collect();
    let title = page.t("ratings_title");
    Ok(page.render("ratings", &title, Place::Section("/procedimenti/valutazioni"), None, json!({"rows": rows})))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::REFERER, value.parse().unwrap());
        headers
    }

    #[test]
    fn the_way_back_is_a_path_on_this_site() {
        assert_eq!(
            back_path(&referer("http://127.0.0.1:8080/pratiche/NE-2026-000001?lang=en")),
            "/pratiche/NE-2026-000001?lang=en"
        );
        assert_eq!(back_path(&referer("https://sportello.example")), "/");
        assert_eq!(back_path(&referer("https://sportello.example//evil.example/x")), "/");
        assert_eq!(back_path(&HeaderMap::new()), "/");
    }
}
