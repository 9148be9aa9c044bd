//! A visitor of the server's pages without a browser: a client that keeps the session cookie, signs in
//! as a dev-mode demo user, reads each page's CSRF token and submits forms as a browser would
//! (`application/x-www-form-urlencoded`, or `multipart/form-data` with files; redirects not followed
//! so tests can check them), and downloads files as they are sent.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A page as the server answered it.
#[derive(Debug)]
pub struct Page {
    /// The status.
    pub status: StatusCode,
    /// Where a redirect leads.
    pub location: Option<String>,
    /// The HTML.
    pub html: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        value_after(&self.html, "name=\"_csrf\" value=\"").expect("the page has a form with a CSRF token")
    }

    /// The value of the page's first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        value_after(&self.html, &format!("name=\"{name}\" value=\""))
    }

    /// Whether the page shows `text` (as HTML, escaped).
    pub fn shows(&self, text: &str) -> bool {
        self.html.contains(text)
    }
}

fn value_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// One part of a `multipart/form-data` form, in the order the browser sends them (the form's order).
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    /// A text field: name and value.
    Text(&'a str, &'a str),
    /// A file input's file: the input's name, the file's name (empty for an input left empty, as a
    /// browser sends it) and its bytes.
    File(&'a str, &'a str, &'a [u8]),
}

/// A body of `parts` with `boundary`, byte for byte as a browser writes it.
pub fn multipart_body(boundary: &str, parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        match part {
            Part::Text(name, value) => body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            ),
            Part::File(name, file_name, content) => {
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(content);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// A file as the server sent it.
#[derive(Debug)]
pub struct Download {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Download {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A visitor with a cookie jar of one cookie: the session.
pub struct Visitor {
    base: String,
    client: reqwest::Client,
    session: Option<String>,
}

impl Visitor {
    /// A new visitor of the server at `base` (`http://127.0.0.1:port`).
    pub fn new(base: &str) -> Visitor {
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client");
        Visitor { base: base.to_owned(), client, session: None }
    }

    /// Another visitor holding a copy of this one's session cookie, as a second device with the same
    /// cookie would (or someone who copied it).
    pub fn copy(&self) -> Visitor {
        let mut copy = Visitor::new(&self.base);
        copy.session = self.session.clone();
        copy
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            if let Some(rest) = value.strip_prefix("sportello_session=") {
                let cookie = rest.split(';').next().unwrap_or_default();
                self.session = (!cookie.is_empty()).then(|| cookie.to_owned());
            }
        }
    }

    async fn page(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.session {
            Some(cookie) => request.header(COOKIE, format!("sportello_session={cookie}")),
            None => request,
        };
        let response = request.send().await.expect("the server answers");
        self.keep(&response);
        let status = response.status();
        let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Page { status, location, html: response.text().await.unwrap_or_default() }
    }

    /// GET `path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.page(request).await
    }

    /// POST the form `fields` to `path`, with the CSRF token `csrf` added.
    pub async fn post(&mut self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
        let mut body: Vec<(&str, &str)> = vec![("_csrf", csrf)];
        body.extend_from_slice(fields);
        let request = self.client.post(format!("{}{path}", self.base)).form(&body);
        self.page(request).await
    }

    /// POST a `multipart/form-data` form to `path` uploading `content` as the file field `name`, with
    /// the CSRF token `csrf`, as a browser does for a form with a file input.
    pub async fn post_file(&mut self, path: &str, csrf: &str, name: &str, content: &str) -> Page {
        self.post_file_bytes(path, csrf, name, content.as_bytes()).await
    }

    /// Like [`Visitor::post_file`], with the file's bytes as they are (not necessarily UTF-8).
    pub async fn post_file_bytes(&mut self, path: &str, csrf: &str, name: &str, content: &[u8]) -> Page {
        let boundary = "----sportello-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\n\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"workflow.yaml\"\r\n\
             Content-Type: application/yaml\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        self.page(request).await
    }

    /// POST a `multipart/form-data` form of `parts` to `path`, as a browser sends a form with file
    /// inputs (the CSRF token is one of the parts, where the form has it).
    pub async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Page {
        let boundary = "----sportello-test-boundary-Ld8QcA2x9vPz";
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(multipart_body(boundary, parts));
        self.page(request).await
    }

    /// GET `path` with `headers` and keep the answer's bytes as they are.
    pub async fn download(&mut self, path: &str, headers: &[(&str, &str)]) -> Download {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(cookie) = &self.session {
            request = request.header(COOKIE, format!("sportello_session={cookie}"));
        }
        let response = request.send().await.expect("the server answers");
        self.keep(&response);
        let (status, headers) = (response.status(), response.headers().clone());
        Download { status, headers, bytes: response.bytes().await.map(|b| b.to_vec()).unwrap_or_default() }
    }

    /// Signs in as the dev-mode demo user `user` (`citizen`, `clerk-<office>`, `analyst`).
    pub async fn sign_in(&mut self, user: &str) {
        let page = self.get("/accedi").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let signed = self.post("/accedi/dev", &page.csrf(), &[("user", user), ("next", "/")]).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.html);
    }
}
