//! The citizen's profile (`/profilo`): who they signed in as (name, fiscal code, the e-mail address
//! of their digital identity) and how they want to receive messages: an address for the messages
//! sent by e-mail (over the one written in each application) and whether the messages App IO
//! carries also come by e-mail. Saved with the session's CSRF token; an address that is not one
//! sends the form back with the error beside the field.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::Notice;
use crate::app::{self, people};
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::redirect::see_other;
use crate::web::visitor::{Form, Visitor};

const HERE: &str = "/profilo";

/// `/profilo`: the profile and the notification preferences.
pub async fn page(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.citizen(HERE)?;
    let profile = people::citizen_profile(&state, page.user(HERE)?).await?;
    // No address saved yet: the one of the sign-in is offered.
    let email = profile.preferences.email.clone().or(profile.sign_in_email.clone()).unwrap_or_default();
    Ok(render(&page, StatusCode::OK, &profile, &email, profile.preferences.email_too, None, notice.key()))
}

/// `POST /profilo`: saves the notification preferences.
pub async fn save(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    form: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.citizen(HERE)?;
    let user = page.user(HERE)?;
    let email = form.get("email").unwrap_or_default().to_owned();
    let email_too = form.get("email_too") == Some("true");
    match people::save_preferences(&state, user, &email, email_too).await {
        Ok(()) => Ok(see_other("/profilo?notice=profile_saved")),
        Err(app::Error::InvalidInput { .. }) => {
            let profile = people::citizen_profile(&state, user).await?;
            let error = page.t(if email.trim().is_empty() { "email_needed" } else { "email_invalid" });
            Ok(render(&page, StatusCode::UNPROCESSABLE_ENTITY, &profile, &email, email_too, Some(error), None))
        }
        Err(other) => Err(other.into()),
    }
}

fn render(
    page: &Page<'_>,
    status: StatusCode,
    profile: &people::CitizenProfile,
    email: &str,
    email_too: bool,
    error: Option<String>,
    notice: Option<&str>,
) -> Response {
    let data = json!({
        "name": profile.name,
        "fiscal_code": profile.fiscal_code,
        "sign_in_email": profile.sign_in_email,
        "email": email,
        "email_too": email_too,
        "error": error,
    });
    page.render_status(status, "profile", &page.t("my_profile"), Place::Section(HERE), notice, data)
}
