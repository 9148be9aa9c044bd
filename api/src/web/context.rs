//! What every page is rendered with: the visitor's language and texts, who is signed in, the menu for
//! their profile, the CSRF token for forms, the municipality's name, and the page's own data under
//! `page`. Handlers build a [`Page`] from the request and call [`Page::render`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};
use sportello_definition::model::Lang;
use sportello_runtime::case::Actor;

use super::Web;
use super::error::{ErrorPage, Message, PageError};
use super::session::Session;
use super::text::{text, texts};

/// A page being answered: the pages' state (templates, settings) and the visitor's session.
pub struct Page<'a> {
    /// The pages' state.
    pub web: &'a Web,
    /// The visitor's session.
    pub session: &'a Session,
}

impl<'a> Page<'a> {
    /// A page for `session`.
    pub fn new(web: &'a Web, session: &'a Session) -> Page<'a> {
        Page { web, session }
    }

    /// `it` or `en`.
    pub fn lang(&self) -> &str {
        &self.session.lang
    }

    /// The visitor's language, for texts of the workflow.
    pub fn language(&self) -> Lang {
        Lang::from_code(self.lang())
    }

    /// One text in the visitor's language.
    pub fn t(&self, key: &str) -> String {
        text(self.lang(), key)
    }

    /// The signed-in user, or a redirect to sign in that comes back to `here`.
    pub fn user(&self, here: &str) -> Result<&Actor, PageError> {
        self.session.user.as_ref().ok_or_else(|| PageError::sign_in(here))
    }

    /// The signed-in citizen's fiscal code; staff get 403, nobody a redirect to sign in.
    pub fn citizen(&self, here: &str) -> Result<String, PageError> {
        match self.user(here)? {
            Actor::Citizen { fiscal_code } => Ok(fiscal_code.clone()),
            Actor::Staff { .. } | Actor::System => Err(PageError::forbidden()),
        }
    }

    /// The signed-in member of staff with offices; others get 403.
    pub fn clerk(&self, here: &str) -> Result<&Actor, PageError> {
        match self.user(here)? {
            user @ Actor::Staff { offices, .. } if !offices.is_empty() => Ok(user),
            _ => Err(PageError::forbidden()),
        }
    }

    /// The signed-in analyst; others get 403.
    pub fn analyst(&self, here: &str) -> Result<&Actor, PageError> {
        match self.user(here)? {
            user if user.has_role("analyst") => Ok(user),
            _ => Err(PageError::forbidden()),
        }
    }

    /// The page `template` titled `title`, with the menu entry `current` marked, `notice` (a text key)
    /// shown on top, and `page` as its data.
    pub fn render(&self, template: &str, title: &str, current: &str, notice: Option<&str>, page: Json) -> Response {
        self.render_status(StatusCode::OK, template, title, current, notice, page)
    }

    /// As [`Page::render`], with another status (422 for a form sent back with its errors).
    pub fn render_status(
        &self,
        status: StatusCode,
        template: &str,
        title: &str,
        current: &str,
        notice: Option<&str>,
        page: Json,
    ) -> Response {
        let web = self.web;
        let context = json!({
            "lang": self.lang(),
            "t": texts(self.lang()),
            "title": title,
            "municipality": web.settings.municipality,
            "footer": {
                "contacts": web.settings.contacts,
                "privacy_url": web.settings.privacy_url,
                "accessibility_url": web.settings.accessibility_url,
                "legal_notes_url": web.settings.legal_notes_url,
            },
            "csrf": self.session.csrf,
            "user": self.session.user.as_ref().map(|u| json!({"label": self.user_label(u)})),
            "nav": self.nav(current),
            "notice": notice.map(|key| self.t(key)),
            "page": page,
        });
        match web.pages.render(template, &context) {
            Ok(html) => html_response(status, html),
            Err(error) => {
                tracing::error!(error.message = %error, template, "a page template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }

    fn user_label(&self, user: &Actor) -> String {
        match user {
            Actor::Citizen { fiscal_code } => format!("{} {fiscal_code}", self.t("citizen")),
            Actor::Staff { user, .. } => user.clone(),
            Actor::System => user.describe(),
        }
    }

    /// The menu for the signed-in user's profile.
    fn nav(&self, current: &str) -> Vec<Json> {
        let mut entries = Vec::new();
        match &self.session.user {
            Some(Actor::Citizen { .. }) => {
                entries.push(("/pratiche", "nav_my_cases"));
                entries.push(("/pratiche/nuova", "nav_new"));
                entries.push(("/messaggi", "nav_messages"));
            }
            Some(user @ Actor::Staff { offices, .. }) => {
                if !offices.is_empty() {
                    entries.push(("/ufficio", "nav_worklist"));
                }
                if user.has_role("analyst") {
                    entries.push(("/procedimenti", "nav_workflows"));
                    entries.push(("/procedimenti/valida", "nav_validate"));
                    entries.push(("/procedimenti/scenari", "nav_scenarios"));
                }
            }
            Some(Actor::System) | None => {}
        }
        entries
            .into_iter()
            .map(|(href, key)| json!({"href": href, "label": self.t(key), "current": href == current}))
            .collect()
    }
}

/// An HTML answer.
pub fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

/// The error page for `error`, in the visitor's language.
pub fn error_page(web: &Web, session: &Session, error: &ErrorPage, status: StatusCode) -> Response {
    let page = Page::new(web, session);
    let message = match &error.message {
        Message::Key(key) => page.t(key),
        Message::Given(words) => words.clone(),
    };
    page.render_status(status, "error", &page.t(error.title), "", None, json!({"message": message}))
}
