//! One operation of the document, read into what the validator needs: its parameters (path-level ones
//! merged in, `$ref`s followed, each read by [`parameter`]), its request body (media types and the
//! JSON schema), its security alternatives and its documented responses. Swagger 2.0 and OpenAPI 3.x
//! spell all of these differently; past this file they look the same.

use anyhow::{Context as _, bail};
use axum::http::Method;
use serde_json::{Map, Value};

use super::context::Context;
use super::parameter::{self, Parameter};
use super::path::PathTemplate;
use super::schema::{Dialect, Schema};

/// An operation of the document: a method on a path template.
#[derive(Debug)]
pub struct Operation {
    id: String,
    method: Method,
    template: String,
    pub(super) path: PathTemplate,
    pub(super) parameters: Vec<Parameter>,
    pub(super) body: Option<RequestBody>,
    /// Alternatives, any one of which must be met in full; empty when the operation needs none.
    pub(super) security: Vec<Vec<Credential>>,
    pub(super) responses: Vec<Response>,
}

impl Operation {
    /// The `operationId` (or `METHOD /template` when the document gives none).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template below the base path, e.g. `/profiles/{fiscal_code}`.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// `METHOD /template`, as violations name the operation.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

#[derive(Debug)]
pub(super) struct RequestBody {
    pub required: bool,
    pub media_types: Vec<String>,
    /// The schema of the JSON media type, if the body is JSON.
    pub schema: Option<Schema>,
}

/// A credential a security scheme asks for, with the scheme's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Credential {
    Header { scheme: String, name: String },
    Query { scheme: String, name: String },
    Cookie { scheme: String, name: String },
    Authorization { scheme: String, kind: &'static str },
}

#[derive(Debug)]
pub(super) struct Response {
    /// `201`, `4XX` or `default`.
    pub status: String,
    /// Media types and, for JSON ones, the schema; empty when the response has no body.
    pub media: Vec<(String, Option<Schema>)>,
}

/// Whether a media type (parameters stripped) is JSON.
pub(super) fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

impl Context<'_> {
    /// Builds the operation `method` of the path item `item` at `template`.
    pub fn operation(&self, template: &str, method: &str, item: &Value, op: &Value) -> anyhow::Result<Operation> {
        let method_upper = method.to_ascii_uppercase();
        let label = format!("{method_upper} {template}");
        let id = op.get("operationId").and_then(Value::as_str).map_or_else(|| label.clone(), str::to_owned);
        let mut parameters = Vec::new();
        let mut body = None;
        let mut seen: Vec<(String, String)> = Vec::new();
        // Operation-level parameters first: they override path-level ones with the same name and place.
        let declared = [op, item].into_iter().flat_map(|holder| holder.get("parameters").and_then(Value::as_array));
        for raw in declared.flatten() {
            let raw = self.resolve(raw)?;
            let name = raw.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
            let location = raw.get("in").and_then(Value::as_str).unwrap_or_default().to_owned();
            if seen.contains(&(name.clone(), location.clone())) {
                continue;
            }
            seen.push((name.clone(), location.clone()));
            let place = format!("{label} parameter `{name}`");
            match location.as_str() {
                "body" => body = Some(self.swagger_body(op, raw, &place)?),
                "formData" => {
                    let media_types = self.swagger_media(op, "consumes");
                    body.get_or_insert(RequestBody { required: false, media_types, schema: None });
                }
                _ => parameters.push(parameter::read(self, raw, &name, &location, &place)?),
            }
        }
        if let Some(raw) = op.get("requestBody") {
            body = Some(self.openapi_body(self.resolve(raw)?, &label)?);
        }
        let responses = match op.get("responses").and_then(Value::as_object) {
            Some(responses) => self.responses(op, responses, &label)?,
            None => Vec::new(),
        };
        Ok(Operation {
            id,
            method: Method::from_bytes(method_upper.as_bytes())?,
            template: template.to_owned(),
            path: PathTemplate::parse(template),
            parameters,
            body,
            security: self.security(op).with_context(|| format!("{label}: security"))?,
            responses,
        })
    }

    fn swagger_media(&self, op: &Value, key: &str) -> Vec<String> {
        let listed = op.get(key).or_else(|| self.document.get(key)).and_then(Value::as_array);
        let media: Vec<String> = listed.into_iter().flatten().filter_map(Value::as_str).map(essence).collect();
        if media.is_empty() { vec!["application/json".to_owned()] } else { media }
    }

    fn swagger_body(&self, op: &Value, raw: &Value, place: &str) -> anyhow::Result<RequestBody> {
        let media_types = self.swagger_media(op, "consumes");
        let schema = match raw.get("schema") {
            Some(schema) if media_types.iter().any(|m| is_json(m)) => Some(self.compile(schema, place)?),
            _ => None,
        };
        Ok(RequestBody { required: raw.get("required") == Some(&Value::Bool(true)), media_types, schema })
    }

    fn openapi_body(&self, raw: &Value, label: &str) -> anyhow::Result<RequestBody> {
        let content = raw.get("content").and_then(Value::as_object);
        let media_types: Vec<String> = content.into_iter().flat_map(|c| c.keys()).map(|m| essence(m)).collect();
        let json = content.into_iter().flatten().find(|(media, _)| is_json(&essence(media)));
        let schema = match json.and_then(|(_, media)| media.get("schema")) {
            Some(schema) => Some(self.compile(schema, &format!("{label} request body"))?),
            None => None,
        };
        Ok(RequestBody { required: raw.get("required") == Some(&Value::Bool(true)), media_types, schema })
    }

    fn responses(&self, op: &Value, responses: &Map<String, Value>, label: &str) -> anyhow::Result<Vec<Response>> {
        let mut out = Vec::new();
        for (status, raw) in responses {
            if status.starts_with("x-") {
                continue;
            }
            let raw = self.resolve(raw)?;
            let place = format!("{label} response {status}");
            let media = match self.dialect {
                Dialect::Swagger2 => match raw.get("schema") {
                    Some(schema) => {
                        let schema = self.compile(schema, &place)?;
                        let produces = self.swagger_media(op, "produces");
                        produces.into_iter().map(|m| (m.clone(), is_json(&m).then(|| schema.clone()))).collect()
                    }
                    None => Vec::new(),
                },
                Dialect::OpenApi30 | Dialect::OpenApi31 => {
                    let content = raw.get("content").and_then(Value::as_object).into_iter().flatten();
                    let mut media = Vec::new();
                    for (media_type, entry) in content {
                        let media_type = essence(media_type);
                        let schema = match entry.get("schema") {
                            Some(schema) if is_json(&media_type) => Some(self.compile(schema, &place)?),
                            _ => None,
                        };
                        media.push((media_type, schema));
                    }
                    media
                }
            };
            out.push(Response { status: status.clone(), media });
        }
        Ok(out)
    }

    fn security(&self, op: &Value) -> anyhow::Result<Vec<Vec<Credential>>> {
        let requirements = op.get("security").or_else(|| self.document.get("security")).and_then(Value::as_array);
        let schemes = match self.dialect {
            Dialect::Swagger2 => self.document.get("securityDefinitions"),
            Dialect::OpenApi30 | Dialect::OpenApi31 => self.document.pointer("/components/securitySchemes"),
        };
        let mut alternatives = Vec::new();
        for requirement in requirements.into_iter().flatten().filter_map(Value::as_object) {
            let mut credentials = Vec::new();
            for scheme in requirement.keys() {
                let definition =
                    schemes.and_then(|s| s.get(scheme)).with_context(|| format!("`{scheme}` is undefined"))?;
                credentials.extend(credential(scheme, self.resolve(definition)?)?);
            }
            alternatives.push(credentials);
        }
        // A requirement `{}` among the alternatives makes the credentials optional.
        if alternatives.iter().any(Vec::is_empty) {
            alternatives.clear();
        }
        Ok(alternatives)
    }
}

/// What a security scheme asks the request to carry (nothing checkable for mutual TLS).
fn credential(scheme: &str, definition: &Value) -> anyhow::Result<Option<Credential>> {
    let field = |key: &str| definition.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let scheme = scheme.to_owned();
    Ok(Some(match field("type").as_str() {
        "apiKey" => match field("in").as_str() {
            "header" => Credential::Header { scheme, name: field("name") },
            "query" => Credential::Query { scheme, name: field("name") },
            "cookie" => Credential::Cookie { scheme, name: field("name") },
            other => bail!("apiKey in unknown place `{other}`"),
        },
        "basic" => Credential::Authorization { scheme, kind: "Basic" },
        "http" if field("scheme").eq_ignore_ascii_case("basic") => Credential::Authorization { scheme, kind: "Basic" },
        "http" | "oauth2" | "openIdConnect" => Credential::Authorization { scheme, kind: "Bearer" },
        "mutualTLS" => return Ok(None),
        other => bail!("unknown security scheme type `{other}`"),
    }))
}

/// A media type without its parameters, lowercase: `application/json; charset=utf-8` → `application/json`.
pub(super) fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}
