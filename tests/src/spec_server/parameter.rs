//! A non-body parameter: where it travels, the JSON type its text converts to, how an array of values
//! is written (Swagger's `collectionFormat`, OpenAPI 3's `style` and `explode`), and its schema, which
//! Swagger 2.0 writes on the parameter itself and OpenAPI 3 under `schema`.

use anyhow::bail;
use serde_json::{Map, Value};

use super::context::Context;
use super::schema::{Dialect, Schema};

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

/// The JSON type a parameter's text is converted to before its schema is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Integer,
    Number,
    Boolean,
}

/// How an array parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// Not an array.
    Single,
    /// One value, items joined by the character.
    Delimited(char),
    /// The name repeated once per item (`?a=1&a=2`).
    Repeated,
}

#[derive(Debug)]
pub(super) struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// The type of the value, or of its items for an array.
    pub kind: Kind,
    pub style: Style,
    pub schema: Option<Schema>,
}

/// Reads the non-body parameter `raw` (already resolved) called `name`, found in `location`.
pub(super) fn read(
    cx: &Context<'_>,
    raw: &Value,
    name: &str,
    location: &str,
    place: &str,
) -> anyhow::Result<Parameter> {
    let location = match location {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        "cookie" => Location::Cookie,
        other => bail!("{place}: unknown location `{other}`"),
    };
    let required = location == Location::Path || raw.get("required") == Some(&Value::Bool(true));
    // Swagger 2.0 writes the schema keywords on the parameter itself; OpenAPI 3 under `schema`.
    let schema = match cx.dialect {
        Dialect::Swagger2 => Some(Value::Object(swagger_parameter_schema(raw))),
        Dialect::OpenApi30 | Dialect::OpenApi31 => raw.get("schema").cloned(),
    };
    let resolved = match &schema {
        Some(schema) => cx.resolve(schema)?.clone(),
        None => Value::Null,
    };
    let is_array = type_of(&resolved) == Some("array");
    let kind = kind_of(if is_array { cx.resolve(&resolved["items"])? } else { &resolved });
    let style = match (is_array, cx.dialect) {
        (false, _) => Style::Single,
        (true, Dialect::Swagger2) => swagger_style(raw),
        (true, _) => openapi_style(raw, location),
    };
    let schema = schema.map(|schema| cx.compile(&schema, place)).transpose()?;
    Ok(Parameter { name: name.to_owned(), location, required, kind, style, schema })
}

/// The schema keywords Swagger 2.0 writes on a non-body parameter.
fn swagger_parameter_schema(raw: &Value) -> Map<String, Value> {
    const KEYWORDS: [&str; 15] = [
        "type",
        "format",
        "items",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "enum",
        "multipleOf",
    ];
    let object = raw.as_object().into_iter().flatten();
    object.filter(|(key, _)| KEYWORDS.contains(&key.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(single)) => Some(single),
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

fn kind_of(schema: &Value) -> Kind {
    match type_of(schema) {
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        _ => Kind::String,
    }
}

fn swagger_style(raw: &Value) -> Style {
    match raw.get("collectionFormat").and_then(Value::as_str) {
        Some("multi") => Style::Repeated,
        Some("ssv") => Style::Delimited(' '),
        Some("tsv") => Style::Delimited('\t'),
        Some("pipes") => Style::Delimited('|'),
        _ => Style::Delimited(','),
    }
}

fn openapi_style(raw: &Value, location: Location) -> Style {
    let style = raw.get("style").and_then(Value::as_str);
    let form = matches!((style, location), (Some("form"), _) | (None, Location::Query | Location::Cookie));
    let explode = raw.get("explode").and_then(Value::as_bool).unwrap_or(form);
    match style {
        Some("spaceDelimited") => Style::Delimited(' '),
        Some("pipeDelimited") => Style::Delimited('|'),
        _ if form && explode => Style::Repeated,
        _ => Style::Delimited(','),
    }
}
