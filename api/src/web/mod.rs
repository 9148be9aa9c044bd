//! The server's own pages, for citizens (their applications), clerks (the worklist and the case) and
//! analysts (the workflows, their diagrams, validation and scenario tests). Rendered on the server from
//! embedded handlebars templates with one stylesheet of our own; every form is plain HTML and works
//! without JavaScript. Sign-in is OpenID Connect (authorization code with PKCE) or, in dev mode, a list
//! of demo users; the session lives in a signed cookie and every form carries its CSRF token.
//!
//! The pages are the second adapter over the application layer ([`crate::app`]): they call the same
//! use cases as the API's routes, so what a page shows and allows is what the API shows and allows to
//! the same person, and they turn its errors into their own error pages. They never call the routes.
//! Their own state, [`Web`], is handed to them beside the application's through `FromRef`, so the
//! routes never see it.

pub mod diagram;
pub mod form;
pub mod oidc;
pub mod qr;

mod case_texts;
mod context;
mod crest;
mod error;
mod pages;
mod provider;
mod redirect;
mod render;
mod return_path;
mod session;
mod text;
mod visitor;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::header;
use axum::routing::{get, post};
use serde::Deserialize;

pub use context::Page;
pub use error::PageError;
pub use provider::Provider;
pub use render::Pages;
pub use session::{CookieSigner, Session};
pub use visitor::{Form, Visitor};

use sportello_store::Store;

use crate::state::AppState;

/// What an operator configures for the pages (`[web]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// The municipality's name, shown in every page's header.
    pub municipality: String,
    /// The office's contacts for the footer, one per line (address, phone, PEC).
    pub contacts: Vec<String>,
    /// The municipality's privacy notice (GDPR art. 13), linked from every page's footer.
    pub privacy_url: Option<String>,
    /// The accessibility statement (L. 4/2004, published through AgID), linked from the footer.
    pub accessibility_url: Option<String>,
    /// The legal notes of the site, linked from the footer.
    pub legal_notes_url: Option<String>,
    /// The municipality's crest (an SVG or PNG file), shown beside its name in every page's header;
    /// none: a neutral civic shield.
    pub crest: Option<PathBuf>,
    /// The offices' names as people read them, by the id workflows give them
    /// (`scuola = "Servizi educativi"`); an office without one is shown by its id.
    pub office_names: std::collections::BTreeMap<String, String>,
    /// The file holding the 32-byte key session cookies are signed with; created (mode 0600) when
    /// missing. Every process serving pages for one database must read the same file.
    pub session_key_file: PathBuf,
    /// How long a session lasts, in hours.
    pub session_hours: u32,
    /// Sign-in through the OpenID Connect provider named by `[auth] issuer` (`[web.oidc]`).
    pub oidc: Option<oidc::OidcClientSettings>,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            municipality: "Comune".to_owned(),
            contacts: Vec::new(),
            privacy_url: None,
            accessibility_url: None,
            legal_notes_url: None,
            crest: None,
            office_names: std::collections::BTreeMap::new(),
            session_key_file: PathBuf::from("sportello-session.key"),
            session_hours: 8,
            oidc: None,
        }
    }
}

/// The pages' shared state.
#[derive(Debug)]
pub struct Web {
    /// The templates.
    pub pages: Pages,
    /// Signs session cookies.
    pub signer: CookieSigner,
    /// The settings.
    pub settings: WebSettings,
    /// The municipality's crest, read at start.
    pub crest: crest::Crest,
    /// Dev mode: demo sign-in, cookies without `Secure`.
    pub dev: bool,
    /// The OpenID Connect provider, when configured.
    pub oidc: Option<Provider>,
    /// The folder of workflow files whose scenarios the analysts' page runs.
    pub workflows: PathBuf,
    /// Where signed-in sessions are kept (the application's store).
    pub sessions: Store,
    /// Dev mode with the fake pagoPA provider: the citizen's case page offers to simulate the payment
    /// of each notice to pay (`POST /pratiche/{code}/pagamenti/{notice}/simula`).
    pub simulated_payments: bool,
}

impl Web {
    /// The pages' state: templates compiled, the session key read (or created).
    pub fn new(
        settings: WebSettings,
        dev: bool,
        workflows: PathBuf,
        oidc: Option<Provider>,
        sessions: Store,
    ) -> anyhow::Result<Web> {
        let pages = Pages::new().context("a page template does not compile")?;
        let key = crate::auth::dev::load_or_create_key(&settings.session_key_file)
            .with_context(|| format!("cannot read the session key {}", settings.session_key_file.display()))?;
        let crest = crest::Crest::load(settings.crest.as_deref())?;
        Ok(Web {
            pages,
            signer: CookieSigner::new(key),
            crest,
            settings,
            dev,
            oidc,
            workflows,
            sessions,
            simulated_payments: false,
        })
    }
}

/// The pages' routes, with the visitor's session around them, for a router whose state `S` hands out
/// the application's state and the pages' own.
pub fn router<S>(web: Arc<Web>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AppState: FromRef<S>,
    Arc<Web>: FromRef<S>,
{
    Router::new()
        .route("/", get(pages::home))
        .route("/accedi", get(pages::signin::page))
        .route("/accedi/dev", post(pages::signin::dev))
        .route("/accedi/oidc", get(pages::signin::oidc_start))
        .route("/accedi/callback", get(pages::signin::oidc_callback))
        .route("/esci", post(pages::signin::sign_out))
        .route("/esci/ovunque", post(pages::signin::sign_out_everywhere))
        .route("/pratiche", get(pages::citizen::my_cases))
        .route("/messaggi", get(pages::messages::inbox))
        .route("/pagamenti", get(pages::payments::payments))
        .route("/documenti", get(pages::documents::list))
        .route("/profilo", get(pages::profile::page).post(pages::profile::save))
        .route("/pratiche/nuova", get(pages::citizen::catalogue))
        .route("/pratiche/nuova/{workflow}", get(pages::citizen::new_form).post(pages::citizen::new_submit))
        .route("/pratiche/{code}", get(pages::citizen::case_page))
        .route("/pratiche/{code}/modifica", get(pages::citizen::draft_form).post(pages::citizen::draft_submit))
        .route("/pratiche/{code}/riepilogo", get(pages::summary::summary))
        // The forms that upload files are not held to the server's body limit: each file is held to
        // its document type's while it streams to the case file.
        .route("/pratiche/{code}/invia", post(pages::summary::confirm).layer(DefaultBodyLimit::disable()))
        .route("/pratiche/{code}/elimina", post(pages::draft_deletion::delete))
        .route("/pratiche/{code}/azioni/{transition}", post(pages::citizen::act).layer(DefaultBodyLimit::disable()))
        .route("/pratiche/{code}/documenti/{id}", get(pages::documents::citizen_download))
        .route("/pratiche/{code}/pagamenti/{notice}/simula", post(pages::dev_payment::pay))
        .route("/ufficio", get(pages::clerk::worklist))
        .route("/ufficio/pratiche/{code}", get(pages::clerk::case_page))
        .route(
            "/ufficio/pratiche/{code}/azioni/{transition}",
            post(pages::clerk::act).layer(DefaultBodyLimit::disable()),
        )
        .route("/ufficio/pratiche/{code}/documenti/{id}", get(pages::documents::clerk_download))
        .route("/ufficio/pratiche/{code}/assegna", post(pages::clerk::assign))
        .route("/ufficio/pratiche/{code}/incidenti/{id}/{action}", post(pages::clerk::incident))
        .route("/cerca", get(pages::search::search))
        .route("/valuta", post(pages::rating::rate))
        .route("/procedimenti", get(pages::analyst::catalogue))
        .route("/procedimenti/valutazioni", get(pages::rating::ratings))
        .route("/procedimenti/valida", get(pages::analyst::validate_form).post(pages::analyst::validate))
        .route("/procedimenti/scenari", get(pages::analyst::scenarios))
        .route("/procedimenti/{id}", get(pages::analyst::workflow))
        // Any other path outside the API: the "page not found" page, in the layout and the visitor's
        // language, not the API's JSON (the API answers its own unknown paths).
        .fallback(page_not_found)
        // A page's path with a method it does not take: a page too (405, with `Allow`), not the API's
        // `method-not-allowed`, which the API's routes keep.
        .method_not_allowed_fallback(page_method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(web, visitor::visitor))
        .route("/static/sportello.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
        .route("/static/fonts/{file}", get(font))
        .route("/favicon.ico", get(favicon))
        .route("/static/stemma", get(crest::serve))
}

/// Titillium Web, the typeface of the Designers Italia model (SIL Open Font License, `OFL.txt`
/// beside the files), in the weights the stylesheet uses, Latin subset: served from the binary, so
/// no page asks a font CDN for anything.
const FONTS: [(&str, &[u8]); 3] = [
    (
        "titillium-web-latin-400-normal.woff2",
        include_bytes!("../../web/static/fonts/titillium-web-latin-400-normal.woff2"),
    ),
    (
        "titillium-web-latin-600-normal.woff2",
        include_bytes!("../../web/static/fonts/titillium-web-latin-600-normal.woff2"),
    ),
    (
        "titillium-web-latin-700-normal.woff2",
        include_bytes!("../../web/static/fonts/titillium-web-latin-700-normal.woff2"),
    ),
];

async fn font(axum::extract::Path(file): axum::extract::Path<String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match FONTS.iter().find(|(name, _)| *name == file) {
        Some((_, bytes)) => {
            ([(header::CONTENT_TYPE, "font/woff2"), (header::CACHE_CONTROL, "public, max-age=604800")], *bytes)
                .into_response()
        }
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// The site's icon: a civic crest outline in the stylesheet's primary blue (SVG, so one file serves
/// every size; browsers asking for `/favicon.ico` get it too).
async fn favicon() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../../web/static/favicon.svg"),
    )
}

async fn page_not_found() -> PageError {
    PageError::not_found()
}

async fn page_method_not_allowed() -> PageError {
    PageError::method_not_allowed()
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../web/static/sportello.css"),
    )
}
