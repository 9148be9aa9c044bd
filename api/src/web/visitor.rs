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
                Some(Session { user: None, id_token: None, sid: None, name: None, ..session })
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
        "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; form-action 'self'{form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    // A page's own policy stays: a document sent for download has `sandbox`.
    if let (Ok(policy), false) = (HeaderValue::from_str(&policy), headers.contains_key(header::CONTENT_SECURITY_POLICY))
    {
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
/// file) whose `_csrf` is the session's: its fields in order, repeated names kept, and each uploaded
/// file's bytes as sent. An uploaded file that is UTF-8 text is also a field, its content the value.
#[derive(Debug, Clone)]
pub struct Form {
    /// The fields.
    pub fields: Vec<(String, String)>,
    /// The uploaded files, by field name, as sent.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Form {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The bytes of the first file uploaded as `name`.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice())
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
        let (fields, files) = if multipart {
            multipart_fields(request, state).await?
        } else {
            let bytes = Bytes::from_request(request, state).await.map_err(|_| PageError::bad_request())?;
            (serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::bad_request())?, Vec::new())
        };
        let token = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        if !same_token(token, &session.csrf) {
            return Err(PageError::expired_form());
        }
        Ok(Form { fields, files })
    }
}

/// The fields and the uploaded files of a `multipart/form-data` body. A body over the server's limit
/// is refused as too large, not as an unreadable form.
async fn multipart_fields<S: Send + Sync>(request: Request, state: &S) -> Result<MultipartForm, PageError> {
    let unreadable = |error: axum::extract::multipart::MultipartError| match error.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => PageError::too_large(),
        _ => PageError::bad_request(),
    };
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| PageError::bad_request())?;
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.map_err(unreadable)?;
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => fields.push((name.clone(), text)),
            Err(_) if is_file => {}
            Err(_) => return Err(PageError::bad_request()),
        }
        if is_file {
            files.push((name, bytes.to_vec()));
        }
    }
    Ok((fields, files))
}

/// A multipart form's fields and its uploaded files.
type MultipartForm = (Vec<(String, String)>, Vec<(String, Vec<u8>)>);
