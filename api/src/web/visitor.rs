//! The visitor around every page request: their session read from the signed cookie (or a new one),
//! the language switched by `?lang=it|en`, the session cookie written back when it changed, error
//! pages rendered, and the pages' own security headers. Also the form extractor, which refuses a form
//! whose CSRF token is not the session's.

use axum::body::Bytes;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::{HeaderValue, header, request::Parts};
use axum::middleware::Next;
use axum::response::Response;

use super::Web;
use super::error::{ErrorPage, PageError};
use super::session::{SESSION_COOKIE, Session, cookie, same_token, set_cookie};

/// The visitor's session, as the request found it (or a new one).
#[derive(Debug, Clone)]
pub struct Visitor(pub Session);

/// A session the handler changed (signed in or out): written as the new cookie.
#[derive(Debug, Clone)]
pub struct NewSession(pub Option<Session>);

/// Seconds since the Unix epoch, by the wall clock (sessions live in real time, not in the cases' time).
pub fn now_seconds() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The middleware: session in, cookie and headers out.
pub async fn visitor(State(web): State<Arc<Web>>, mut request: Request, next: Next) -> Response {
    let now = now_seconds();
    let found = request
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| cookie(c, SESSION_COOKIE))
        .and_then(|v| web.signer.open::<Session>(v))
        .filter(|s| s.expires > now);
    // A signed-in session counts only while the store says it is live; should the store not answer,
    // the visitor is signed out for this request, and their cookie is left as it is.
    let mut keep_cookie = false;
    let found = match found {
        Some(session) if session.user.is_some() => match is_live(&web, &session, now).await {
            Ok(true) => Some(session),
            Ok(false) => None,
            Err(error) => {
                tracing::warn!(error.message = %error, "cannot check a page session; signed out for this request");
                keep_cookie = true;
                Some(Session { user: None, id_token: None, sid: None, ..session })
            }
        },
        other => other,
    };
    let (mut session, mut changed) = match found {
        Some(session) => (session, false),
        None => (Session::anonymous(now, web.settings.session_hours), true),
    };
    let asked_lang = request.uri().query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v)
            .filter(|v| v == "it" || v == "en")
    });
    if let Some(lang) = asked_lang
        && lang != session.lang
    {
        session.lang = lang;
        changed = true;
    }
    request.extensions_mut().insert(Visitor(session.clone()));
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<ErrorPage>() {
        let status = response.status();
        response = super::context::error_page(&web, &session, &error, status);
    }
    let written = match response.extensions_mut().remove::<NewSession>() {
        Some(NewSession(Some(new))) => Some((web.signer.seal(&new), new.expires - now)),
        Some(NewSession(None)) => Some((String::new(), 0)),
        None if changed && !keep_cookie => Some((web.signer.seal(&session), session.expires - now)),
        None => None,
    };
    let headers = response.headers_mut();
    if let Some((value, max_age)) = written
        && let Ok(value) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, &value, max_age, web.dev))
    {
        headers.append(header::SET_COOKIE, value);
    }
    let form_action = web.oidc.as_ref().map(|o| format!(" {}", o.origin())).unwrap_or_default();
    let policy = format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'{form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

/// Whether the signed-in `session` is still live in the store (a session without an id, from before
/// sessions were kept, is not).
async fn is_live(web: &Web, session: &Session, now: i64) -> Result<bool, sportello_runtime::error::Error> {
    match &session.sid {
        Some(sid) => web.sessions.web_session_is_live(sid, now).await,
        None => Ok(false),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Visitor>().cloned().ok_or_else(|| PageError::internal("no visitor"))
    }
}

/// A submitted form (`application/x-www-form-urlencoded`, or `multipart/form-data` when it uploads a
/// file, whose content becomes the field's value as text) whose `_csrf` is the session's; its fields
/// in order, repeated names kept.
#[derive(Debug, Clone)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Visitor(session) =
            request.extensions().get::<Visitor>().cloned().ok_or_else(|| PageError::internal("no visitor"))?;
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let fields = if multipart {
            multipart_fields(request, state).await?
        } else {
            let bytes = Bytes::from_request(request, state).await.map_err(|_| PageError::bad_request())?;
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::bad_request())?
        };
        let token = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        if !same_token(token, &session.csrf) {
            return Err(PageError::expired_form());
        }
        Ok(Form(fields))
    }
}

/// The fields of a `multipart/form-data` body; an uploaded file's content must be UTF-8 text.
async fn multipart_fields<S: Send + Sync>(request: Request, state: &S) -> Result<Vec<(String, String)>, PageError> {
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| PageError::bad_request())?;
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| PageError::bad_request())? {
        let name = field.name().unwrap_or_default().to_owned();
        let text = field.text().await.map_err(|_| PageError::bad_request())?;
        fields.push((name, text));
    }
    Ok(fields)
}
