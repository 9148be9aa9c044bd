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
use crate::app::page_ratings::RATED_PAGES;

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

    /// The name of the office `id` as people read it (`web.office_names`), or its id.
    pub fn office_name(&self, id: &str) -> String {
        self.web.settings.office_names.get(id).cloned().unwrap_or_else(|| id.to_owned())
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

    /// The page `template` titled `title`, at `place` in the site (the menu entry marked, the
    /// breadcrumb), with `notice` (a text key) shown on top and `page` as its data.
    pub fn render(&self, template: &str, title: &str, place: Place<'_>, notice: Option<&str>, page: Json) -> Response {
        self.render_status(StatusCode::OK, template, title, place, notice, page)
    }

    /// As [`Page::render`], with another status (422 for a form sent back with its errors).
    pub fn render_status(
        &self,
        status: StatusCode,
        template: &str,
        title: &str,
        place: Place<'_>,
        notice: Option<&str>,
        page: Json,
    ) -> Response {
        let web = self.web;
        let current = place.menu_entry();
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
            "breadcrumb": self.breadcrumb(place, title),
            "rating_page": rated_page(template, &page),
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

    /// The signed-in person as the header names them: by name when the directory knew it at sign-in,
    /// else a citizen by fiscal code and a member of staff by user id.
    fn user_label(&self, user: &Actor) -> String {
        if let Some(name) = &self.session.name {
            return name.clone();
        }
        match user {
            Actor::Citizen { fiscal_code } => format!("{} {fiscal_code}", self.t("citizen")),
            Actor::Staff { user, .. } => user.clone(),
            Actor::System => user.describe(),
        }
    }

    /// The way from the home page to this one: "Home", the section it lies within (if it is not the
    /// section's own page), and its title, which is the current page.
    fn breadcrumb(&self, place: Place<'_>, title: &str) -> Vec<Json> {
        let mut trail = vec![json!({"href": "/", "label": self.t("home")})];
        if let Place::Within(section) = place
            && let Some(key) = section_text(section)
        {
            trail.push(json!({"href": section, "label": self.t(key)}));
        }
        trail.push(json!({"label": title}));
        trail
    }

    /// The menu for the signed-in user's profile, marking `current`.
    fn nav(&self, current: &str) -> Vec<Json> {
        self.menu()
            .into_iter()
            .map(|(href, label)| json!({"current": href == current, "href": href, "label": label}))
            .collect()
    }

    /// The signed-in user's menu: each entry's path and text.
    pub fn menu(&self) -> Vec<(&'static str, String)> {
        let mut entries = Vec::new();
        match &self.session.user {
            Some(Actor::Citizen { .. }) => {
                entries.extend(["/pratiche", "/pratiche/nuova", "/pagamenti", "/documenti", "/messaggi", "/profilo"]);
            }
            Some(user @ Actor::Staff { offices, .. }) => {
                if !offices.is_empty() {
                    entries.push("/ufficio");
                }
                if user.has_role("analyst") {
                    entries.extend([
                        "/procedimenti",
                        "/procedimenti/valida",
                        "/procedimenti/scenari",
                        "/procedimenti/valutazioni",
                    ]);
                }
            }
            Some(Actor::System) | None => {}
        }
        entries.into_iter().filter_map(|href| section_text(href).map(|key| (href, self.t(key)))).collect()
    }
}

/// The kind of page the rating question at its foot is about: the page's own template when it is
/// one of the rated pages, or the page the visitor was rating when the answer came back without stars.
fn rated_page<'t>(template: &'t str, page: &'t Json) -> Option<&'t str> {
    if RATED_PAGES.contains(&template) {
        return Some(template);
    }
    page.get("page_kind").and_then(Json::as_str).filter(|kind| RATED_PAGES.contains(kind))
}

/// Where a page lies in the site: what the menu marks and the breadcrumb shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    /// The page of a menu entry (its path): "Home / title".
    Section(&'a str),
    /// A page within the section of a menu entry: "Home / section / title".
    Within(&'a str),
    /// A page outside the menu (sign-in, errors, search): "Home / title".
    Nowhere,
}

impl Place<'_> {
    /// The menu entry marked as current, or "" for none.
    fn menu_entry(self) -> &'static str {
        match self {
            Place::Section(path) | Place::Within(path) => {
                SECTIONS.iter().find(|(p, _)| *p == path).map_or("", |(p, _)| p)
            }
            Place::Nowhere => "",
        }
    }
}

/// The menu's entries: path and text key.
const SECTIONS: &[(&str, &str)] = &[
    ("/pratiche", "nav_my_cases"),
    ("/pratiche/nuova", "nav_new"),
    ("/pagamenti", "nav_payments"),
    ("/documenti", "nav_documents"),
    ("/messaggi", "nav_messages"),
    ("/profilo", "nav_profile"),
    ("/ufficio", "nav_worklist"),
    ("/procedimenti", "nav_workflows"),
    ("/procedimenti/valida", "nav_validate"),
    ("/procedimenti/scenari", "nav_scenarios"),
    ("/procedimenti/valutazioni", "nav_ratings"),
];

/// The text key of the menu entry at `path`.
fn section_text(path: &str) -> Option<&'static str> {
    SECTIONS.iter().find(|(p, _)| *p == path).map(|(_, key)| *key)
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
    page.render_status(status, "error", &page.t(error.title), Place::Nowhere, None, json!({"message": message}))
}
