//! The document's schemas compiled with `jsonschema`: which draft each OpenAPI version speaks, the
//! reusable schemas placed beside every compiled schema so that local `$ref`s resolve, the in-memory
//! fixes that let the documents compile as they are (OpenAPI 3.0 `nullable`, Java's `\h` in patterns)
//! and the pagoPA string formats (`FiscalCode`, `OrganizationFiscalCode`, `UTCISODateFromString`).

use std::sync::Arc;

use anyhow::{Context, bail};
use jsonschema::{Draft, ValidationOptions, Validator};
use serde_json::{Map, Value, json};

/// The version of the document, which decides the JSON Schema dialect of its schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Swagger 2.0: draft-4 schemas under `definitions`.
    Swagger2,
    /// OpenAPI 3.0: draft-4-like schemas with `nullable`, under `components/schemas`.
    OpenApi30,
    /// OpenAPI 3.1: JSON Schema 2020-12 under `components/schemas`.
    OpenApi31,
}

impl Dialect {
    /// Reads the `swagger` or `openapi` field.
    pub fn of(document: &Value) -> anyhow::Result<Self> {
        if let Some(version) = document.get("swagger").and_then(Value::as_str) {
            if version == "2.0" {
                return Ok(Self::Swagger2);
            }
            bail!("unsupported Swagger version {version:?}");
        }
        match document.get("openapi").and_then(Value::as_str) {
            Some(version) if version.starts_with("3.0.") => Ok(Self::OpenApi30),
            Some(version) if version.starts_with("3.1.") => Ok(Self::OpenApi31),
            Some(version) => bail!("unsupported OpenAPI version {version:?}"),
            None => bail!("neither `swagger` nor `openapi` says what the document is"),
        }
    }

    fn draft(self) -> Draft {
        match self {
            Self::Swagger2 | Self::OpenApi30 => Draft::Draft4,
            Self::OpenApi31 => Draft::Draft202012,
        }
    }
}

/// A compiled schema.
#[derive(Clone)]
pub struct Schema {
    validator: Arc<Validator>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema").finish_non_exhaustive()
    }
}

impl Schema {
    /// Every problem of `instance`, as (JSON pointer into the instance, message).
    pub fn errors(&self, instance: &Value) -> Vec<(String, String)> {
        self.validator.iter_errors(instance).map(|e| (e.instance_path().to_string(), e.to_string())).collect()
    }
}

/// Compiles schemas taken from one (normalised) document.
pub struct Compiler {
    options: ValidationOptions<'static>,
    /// The document's top-level keys that hold reusable schemas, copied beside every compiled schema.
    shared: Map<String, Value>,
}

impl Compiler {
    /// A compiler for the schemas of `document`, already passed through [`normalise`].
    pub fn new(document: &Value, dialect: Dialect) -> Self {
        let shared = ["definitions", "parameters", "responses", "components"]
            .into_iter()
            .filter_map(|key| Some((key.to_owned(), document.get(key)?.clone())))
            .collect();
        let options = jsonschema::options()
            .with_draft(dialect.draft())
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .with_format("FiscalCode", is_fiscal_code)
            .with_format("OrganizationFiscalCode", |s: &str| s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()))
            .with_format("UTCISODateFromString", is_iso_date_time);
        Self { options, shared }
    }

    /// Compiles a schema found at `place` in the document.
    pub fn compile(&self, schema: &Value, place: &str) -> anyhow::Result<Schema> {
        let mut root = self.shared.clone();
        root.insert("allOf".to_owned(), json!([schema]));
        let validator = self
            .options
            .build(&Value::Object(root))
            .map_err(|error| anyhow::anyhow!("{error}"))
            .with_context(|| format!("the schema at {place} does not compile"))?;
        Ok(Schema { validator: Arc::new(validator) })
    }
}

/// Rewrites, in memory, what the documents say in ways `jsonschema` reads differently: in OpenAPI 3.0,
/// `nullable: true` becomes `null` among the `type`s; a `pattern` written in Java syntax (the
/// horizontal-space class `\h`, found in the GPD document, which springdoc copies from Bean Validation's
/// `@Pattern`) gets `\h` spelled out and is anchored, because `@Pattern` matches the whole value.
pub fn normalise(value: &mut Value, dialect: Dialect) {
    match value {
        Value::Object(map) => {
            if dialect == Dialect::OpenApi30 && map.get("nullable") == Some(&Value::Bool(true)) {
                allow_null(map);
            }
            if let Some(Value::String(pattern)) = map.get_mut("pattern")
                && let Some(translated) = java_pattern(pattern)
            {
                *pattern = translated;
            }
            map.values_mut().for_each(|child| normalise(child, dialect));
        }
        Value::Array(items) => items.iter_mut().for_each(|child| normalise(child, dialect)),
        _ => {}
    }
}

fn allow_null(map: &mut Map<String, Value>) {
    match map.get_mut("type") {
        Some(Value::String(single)) => {
            let single = std::mem::take(single);
            map.insert("type".to_owned(), json!([single, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => types.push(json!("null")),
        _ => {}
    }
    if let Some(Value::Array(allowed)) = map.get_mut("enum")
        && !allowed.contains(&Value::Null)
    {
        allowed.push(Value::Null);
    }
}

/// Java's `\h`: horizontal whitespace.
const HORIZONTAL_SPACE: &str = " \t\u{a0}\u{1680}\u{180e}\u{2000}-\u{200a}\u{202f}\u{205f}\u{3000}";

/// The pattern with Java's `\h` spelled out and anchored, if it uses `\h`.
fn java_pattern(pattern: &str) -> Option<String> {
    if !pattern.contains(r"\h") {
        return None;
    }
    let mut out = String::with_capacity(pattern.len() + 32);
    let (mut in_class, mut chars) = (false, pattern.chars());
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('h') if in_class => out.push_str(HORIZONTAL_SPACE),
                Some('h') => out.extend(['['].into_iter().chain(HORIZONTAL_SPACE.chars()).chain([']'])),
                Some(escaped) => out.extend(['\\', escaped]),
                None => out.push('\\'),
            },
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    Some(format!("^(?:{out})$"))
}

/// `FiscalCode` of `@pagopa/ts-commons`: the shape of a person's codice fiscale, omocodia included,
/// without the check character (what App IO accepts).
fn is_fiscal_code(text: &str) -> bool {
    const OMOCODIA: &[u8] = b"0123456789LMNPQRSTUV";
    let b = text.as_bytes();
    let letter = |i: usize| b[i].is_ascii_uppercase();
    let digit = |i: usize| OMOCODIA.contains(&b[i]);
    b.len() == 16
        && (0..6).all(letter)
        && (6..8).all(digit)
        && b"ABCDEHLMPRST".contains(&b[8])
        && (9..11).all(digit)
        && letter(11)
        && (12..15).all(digit)
        && letter(15)
}

/// `UTCISODateFromString` of `@pagopa/ts-commons`: `YYYY-MM-DDTHH:MM:SS[.fff]` then `Z`, an offset
/// `±HH:MM` or nothing, and a real instant.
fn is_iso_date_time(text: &str) -> bool {
    let Some((civil, rest)) = text.split_at_checked(19) else { return false };
    let zone = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let fraction_ok = rest.len() == zone.len() || (rest.len() > zone.len() + 1 && rest.starts_with('.'));
    let zone_ok = match zone.as_bytes() {
        b"" | b"Z" => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    fraction_ok && zone_ok && civil.as_bytes().get(10) == Some(&b'T') && civil.parse::<jiff::civil::DateTime>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(schema: Value, dialect: Dialect) -> Schema {
        let mut document = json!({ "definitions": { "S": schema } });
        normalise(&mut document, dialect);
        Compiler::new(&document, dialect).compile(&json!({ "$ref": "#/definitions/S" }), "test").unwrap()
    }

    #[test]
    fn java_horizontal_space_is_spelled_out_and_the_pattern_must_match_the_whole_value() {
        let schema = compile(json!({ "type": "string", "pattern": r"[\w*\h-]+" }), Dialect::OpenApi31);
        assert!(schema.errors(&json!("77777777777-IUPD 1*")).is_empty());
        assert_eq!(schema.errors(&json!("IUPD.1")).len(), 1);
    }

    #[test]
    fn nullable_allows_null_in_openapi_3_0_only() {
        let schema = json!({ "type": "string", "nullable": true });
        assert!(compile(schema.clone(), Dialect::OpenApi30).errors(&Value::Null).is_empty());
        assert_eq!(compile(schema, Dialect::Swagger2).errors(&Value::Null).len(), 1);
    }

    #[test]
    fn pagopa_formats_are_checked() {
        let fiscal_code = compile(json!({ "type": "string", "format": "FiscalCode" }), Dialect::Swagger2);
        assert!(fiscal_code.errors(&json!("SPNDNL80R13C555X")).is_empty());
        assert!(fiscal_code.errors(&json!("SPNDNL80R13C5Q5X")).is_empty(), "omocodia");
        assert_eq!(fiscal_code.errors(&json!("spndnl80r13c555x")).len(), 1);
        let instant = compile(json!({ "type": "string", "format": "UTCISODateFromString" }), Dialect::Swagger2);
        for good in ["2018-10-13T00:00:00.000Z", "2018-10-13T00:00:00Z", "2018-10-13T00:00:00+02:00"] {
            assert!(instant.errors(&json!(good)).is_empty(), "{good}");
        }
        for bad in ["2018-10-13", "2018-02-30T00:00:00Z", "2018-10-13T00:00:00.Z", "2018-10-13 00:00:00Z"] {
            assert_eq!(instant.errors(&json!(bad)).len(), 1, "{bad}");
        }
    }
}
