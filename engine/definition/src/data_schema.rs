//! The case data schema: a JSON Schema checked when the workflow is validated, and the types and
//! length bounds that expressions and templates see through it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::expr::Ty;
use crate::codice_fiscale::CodiceFiscale;

/// A compiled JSON Schema for case data or a transition's input.
#[derive(Clone)]
pub struct DataSchema {
    schema: Value,
    validator: Arc<jsonschema::Validator>,
}

impl std::fmt::Debug for DataSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataSchema").field("schema", &self.schema).finish_non_exhaustive()
    }
}

impl PartialEq for DataSchema {
    fn eq(&self, other: &Self) -> bool {
        self.schema == other.schema
    }
}

/// A schema problem: where in the schema (a JSON pointer) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer inside the schema, `""` for its root.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl DataSchema {
    /// Checks `schema` against the JSON Schema meta-schema and compiles it, with the `codice-fiscale`
    /// format. Remote `$ref`s are not fetched.
    pub fn compile(schema: &Value) -> Result<Self, SchemaError> {
        if let Err(error) = jsonschema::meta::validate(schema) {
            return Err(SchemaError { pointer: error.instance_path().to_string(), message: error.to_string() });
        }
        if schema.get("type").and_then(Value::as_str).is_some_and(|t| t != "object") {
            return Err(SchemaError {
                pointer: "/type".to_owned(),
                message: "the schema must describe an object (`type: object`)".to_owned(),
            });
        }
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .with_format("codice-fiscale", |text: &str| CodiceFiscale::parse(text).is_ok())
            .build(schema)
            .map_err(|error| SchemaError { pointer: error.schema_path().to_string(), message: error.to_string() })?;
        Ok(Self { schema: schema.clone(), validator: Arc::new(validator) })
    }

    /// The schema as written.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Every problem of `instance` against the schema, as (JSON pointer, message).
    pub fn errors(&self, instance: &Value) -> Vec<(String, String)> {
        self.validator.iter_errors(instance).map(|e| (e.instance_path().to_string(), e.to_string())).collect()
    }

    /// Every problem of `instance` as a person reads it beside the field, in `lang`, as (JSON pointer of
    /// the field, message): see [`crate::field_errors`].
    pub fn explain(&self, instance: &Value, lang: crate::text::Lang) -> Vec<(String, String)> {
        self.validator.iter_errors(instance).map(|e| crate::field_errors::explain(&e, &self.schema, lang)).collect()
    }

    /// The declared top-level properties and their schemas.
    pub fn properties(&self) -> BTreeMap<&str, &Value> {
        properties(&self.schema)
    }
}

/// The `properties` of an object schema.
pub fn properties(schema: &Value) -> BTreeMap<&str, &Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

/// The expression type of values the schema describes. Objects with declared properties are closed:
/// an expression may only name fields the schema declares.
pub fn ty_of(schema: &Value) -> Ty {
    let type_name = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => {
            let non_null: Vec<&str> = types.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect();
            if non_null.len() == 1 {
                non_null[0]
            } else {
                return Ty::Dyn;
            }
        }
        _ if schema.get("properties").is_some() => "object",
        _ => return Ty::Dyn,
    };
    match type_name {
        "string" if schema.get("format").and_then(Value::as_str) == Some("date") => Ty::Date,
        "string" => Ty::String,
        "integer" => Ty::Int,
        "number" => Ty::Double,
        "boolean" => Ty::Bool,
        "null" => Ty::Null,
        "array" => Ty::List(Box::new(schema.get("items").map_or(Ty::Dyn, ty_of))),
        "object" => {
            let props = properties(schema);
            if props.is_empty() {
                Ty::Map(Box::new(Ty::Dyn))
            } else {
                Ty::Object(props.into_iter().map(|(k, v)| (k.to_owned(), ty_of(v))).collect(), false)
            }
        }
        _ => Ty::Dyn,
    }
}

/// The most characters a value the schema describes can print as, if it is bounded.
pub fn max_len(schema: &Value) -> Option<usize> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string().chars().count(), |s| s.chars().count()))
            .max();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("date") => Some(10),
            Some("codice-fiscale") => Some(16),
            Some("email") if schema.get("maxLength").is_none() => Some(254),
            _ => schema.get("maxLength").and_then(Value::as_u64).map(|n| n as usize),
        },
        Some("integer") => Some(20),
        Some("number") => Some(24),
        Some("boolean") => Some(5),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fiscal_codes_are_checked_by_format() {
        let schema = DataSchema::compile(
            &json!({"type": "object", "properties": {"cf": {"type": "string", "format": "codice-fiscale"}}}),
        )
        .unwrap();
        assert!(schema.errors(&json!({"cf": "RSSMRA85T10A562S"})).is_empty());
        assert_eq!(schema.errors(&json!({"cf": "RSSMRA85T10A562T"}))[0].0, "/cf");
    }

    #[test]
    fn an_invalid_schema_is_refused_with_its_place() {
        let error =
            DataSchema::compile(&json!({"type": "object", "properties": {"age": {"type": "integr"}}})).unwrap_err();
        assert!(error.pointer.contains("age"), "{error:?}");
    }

    #[test]
    fn types_follow_the_schema() {
        let schema = json!({"type": "object", "properties": {"d": {"type": "string", "format": "date"}, "n": {"type": "integer"}}});
        assert_eq!(ty_of(&schema), Ty::object([("d", Ty::Date), ("n", Ty::Int)]));
        assert_eq!(max_len(&json!({"type": "string", "enum": ["a", "abcd"]})), Some(4));
        assert_eq!(max_len(&json!({"type": "string"})), None);
    }
}
