//! A document sent for download, the same from the API (`GET /api/v1/cases/{code}/documents/{id}`)
//! and from the pages (`GET /pratiche/{code}/documenti/{id}`): its bytes as an attachment that the
//! browser saves and never renders (`Content-Disposition: attachment`, the type told from the bytes,
//! `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox`), its SHA-256 as `ETag`
//! (`If-None-Match` answers 304), `Cache-Control: private, no-cache`, and one byte range when asked
//! (206 with `Content-Range`). The use case that opens it is [`crate::app::documents::download`].

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::documents::Download;

/// The answer for `download`, as the request's `headers` ask for it (`If-None-Match`).
pub fn respond(download: Download, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", download.record.sha256);
    let not_changed = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if not_changed {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from_stream(download.body))
    };
    let record = &download.record;
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(header::ETAG, etag);
    set(header::CACHE_CONTROL, "private, no-cache".to_owned());
    set(header::ACCEPT_RANGES, "bytes".to_owned());
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned());
    set(header::CONTENT_SECURITY_POLICY, "sandbox".to_owned());
    set(header::CONTENT_DISPOSITION, content_disposition(&record.name));
    if not_changed {
        return response;
    }
    set(header::CONTENT_TYPE, record.media_type.clone());
    match &download.range {
        Some(range) => {
            set(header::CONTENT_RANGE, format!("bytes {}-{}/{}", range.start, range.end - 1, record.size));
            set(header::CONTENT_LENGTH, (range.end - range.start).to_string());
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        }
        None => set(header::CONTENT_LENGTH, record.size.to_string()),
    }
    response
}

/// `attachment`, with the name as plain ASCII for old clients and in full as RFC 5987 UTF-8.
fn content_disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn the_name_goes_as_ascii_and_as_utf_8() {
        assert_eq!(
            content_disposition("perizia è \"ok\".pdf"),
            "attachment; filename=\"perizia _ _ok_.pdf\"; filename*=UTF-8''perizia%20%C3%A8%20%22ok%22.pdf"
        );
    }
}
