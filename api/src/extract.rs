//! Request extractors that refuse with problem+json: the signed-in caller (a bearer token verified by
//! the [`Authenticator`](crate::auth::Authenticator)), JSON and YAML bodies, query strings, and the
//! `If-Match` and `Idempotency-Key` headers. Nothing here logs a token or a body.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header, request::Parts};
use serde::de::DeserializeOwned;
use sportello_runtime::case::Actor;

use crate::auth::AuthError;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// The signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl Caller {
    /// Whether the caller is staff holding `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.0.has_role(role)
    }

    /// Whether the caller is a member of staff.
    pub fn is_staff(&self) -> bool {
        matches!(self.0, Actor::Staff { .. })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| Problem::new("missing-token", "send `Authorization: Bearer <token>`"))?;
        let (actor, profile) =
            state.auth.authenticate_with_profile(token).await.map_err(|error| match &error {
                AuthError::KeysUnavailable(cause) => {
                    tracing::warn!(error.message = %cause, error.cause_chain = ?cause, "the issuer's signing keys are unavailable");
                    Problem::new(error.code(), error.to_string()).retry_after(5)
                }
                _ => Problem::new(error.code(), error.to_string()),
            })?;
        // Every caller is known to the directory: staff who called the API may be assigned cases.
        crate::app::people::note_caller(state, &actor, &profile).await;
        Ok(Caller(actor))
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// A JSON body, deserialized into `T`; an empty body is JSON `null`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type =
            content_type(request.headers()).is_some_and(|t| t == "application/json" || t.ends_with("+json"));
        let has_type = request.headers().contains_key(header::CONTENT_TYPE);
        let bytes = body_bytes(request, state).await?;
        if !bytes.is_empty() && !json_type {
            return Err(Problem::new("unsupported-media-type", "send the body as `Content-Type: application/json`"));
        }
        if bytes.is_empty() && has_type && !json_type {
            return Err(Problem::new("unsupported-media-type", "send the body as `Content-Type: application/json`"));
        }
        let text: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        let mut deserializer = serde_json::Deserializer::from_slice(text);
        let parsed = serde_path_to_error::deserialize(&mut deserializer);
        let trailing = deserializer.end();
        match (parsed, trailing) {
            (Ok(value), Ok(())) => Ok(JsonBody(value)),
            (Ok(_), Err(error)) => Err(Problem::new("malformed-json", format!("the body is not valid JSON: {error}"))),
            (Err(error), _) => {
                let inner = error.inner();
                // Reading into `T` stops at its first error, which says little about the whole text:
                // a value of the wrong type may come before the place where the text stops being JSON,
                // and valid JSON may end an array early for a struct read from one. So the text itself
                // decides whether it is JSON.
                let syntax = if inner.is_syntax() || inner.is_eof() {
                    serde_json::from_slice::<serde_json::Value>(text).err().map(|_| inner.to_string())
                } else {
                    serde_json::from_slice::<serde_json::Value>(text).err().map(|e| e.to_string())
                };
                if let Some(syntax) = syntax {
                    Err(Problem::new("malformed-json", format!("the body is not valid JSON: {syntax}")))
                } else {
                    let message = inner.to_string();
                    let mut field = pointer(error.path());
                    // A missing property is an error of the object around it (an unknown one is
                    // already in the path): name the property itself, as every other field is named.
                    if let Some(name) = quoted_name(&message, &["missing field `"]) {
                        field.push('/');
                        field.push_str(&name.replace('~', "~0").replace('/', "~1"));
                    }
                    Err(Problem::new("invalid-input", "the body does not have the expected shape")
                        .with_errors(vec![FieldError { field, message }]))
                }
            }
        }
    }
}

/// A JSON pointer for a serde path (`/data/name`, `/items/0`).
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(format!("/{index}")),
            Segment::Map { key } => Some(format!("/{}", key.replace('~', "~0").replace('/', "~1"))),
            Segment::Enum { variant } => Some(format!("/{variant}")),
            Segment::Unknown => None,
        })
        .collect()
}

/// The name serde quotes after one of `prefixes` in `message` (`missing field `x``), if it does.
fn quoted_name<'m>(message: &'m str, prefixes: &[&str]) -> Option<&'m str> {
    prefixes.iter().find_map(|prefix| message.strip_prefix(prefix)?.split('`').next())
}

/// A YAML document as text (a workflow file).
#[derive(Debug)]
pub struct YamlBody(pub String);

impl<S: Send + Sync> FromRequest<S> for YamlBody {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let accepted = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"];
        if !content_type(request.headers()).is_some_and(|t| accepted.contains(&t.as_str())) {
            return Err(Problem::new(
                "unsupported-media-type",
                "send the workflow as `Content-Type: application/yaml`",
            ));
        }
        let bytes = body_bytes(request, state).await?;
        String::from_utf8(bytes.to_vec())
            .map(YamlBody)
            .map_err(|_| Problem::new("invalid-input", "the workflow is not UTF-8 text"))
    }
}

async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, Problem> {
    Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new("payload-too-large", "the body is larger than this server accepts")
        } else {
            Problem::new("malformed-json", "the body could not be read")
        }
    })
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// A query string, deserialized into `T`; a refusal names the parameter at fault.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(pairs).map(QueryParams).map_err(|error| {
            let message = error.inner().to_string();
            let field = quoted_name(&message, &["unknown field `", "missing field `"])
                .map(str::to_owned)
                .unwrap_or_else(|| error.path().to_string());
            Problem::new("invalid-query", format!("the query parameter `{field}` is invalid: {message}"))
                .with_errors(vec![FieldError { field, message }])
        })
    }
}

/// The case version in `If-Match` (`"3"`, `W/"3"` or `3`), if sent.
pub fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse().map(Some).map_err(|_| {
        Problem::new("invalid-header", "If-Match must be the case version as an entity tag, like \"3\"")
            .with_errors(vec![FieldError { field: "If-Match".into(), message: "not a case version".into() }])
    })
}

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(Problem::new("invalid-header", "Idempotency-Key must be 1 to 255 visible ASCII characters")
            .with_errors(vec![FieldError { field: "Idempotency-Key".into(), message: "invalid".into() }])),
    }
}

/// The entity tag of a case version.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}
