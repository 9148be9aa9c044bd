//! The case data schema and each transition's input schema: valid JSON Schema, and inputs that only
//! bring fields the data declares.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::data_schema::{DataSchema, SchemaError, properties};
use crate::diagnostic::{Code, YamlPath};
use crate::field_texts;

impl Ctx<'_> {
    pub(super) fn data_schema(&mut self) -> Option<DataSchema> {
        let schema = self.raw.data.as_ref()?;
        self.check_data_texts(schema);
        match DataSchema::compile(schema) {
            Ok(compiled) => Some(compiled),
            Err(error) => {
                self.schema_error(crate::yaml_path!["data"], &error);
                None
            }
        }
    }

    fn schema_error(&mut self, base: YamlPath, error: &SchemaError) {
        let mut path = base;
        for segment in error.pointer.split('/').filter(|s| !s.is_empty()) {
            path = match segment.parse::<usize>() {
                Ok(index) if !segment.starts_with('0') || segment == "0" => path.index(index),
                _ => path.key(segment.replace("~1", "/").replace("~0", "~")),
            };
        }
        let message = error.message.lines().next().unwrap_or("invalid schema").to_owned();
        self.push(
            Code::InvalidDataSchema,
            path,
            format!("invalid JSON Schema: {message}"),
            "see https://json-schema.org/understanding-json-schema for what each keyword takes",
        );
    }

    /// The transition's effective input schema: its own properties, plus the data schema's for names
    /// it only lists in `required`; no other field is accepted.
    pub(super) fn input_schema(
        &mut self,
        transition: &str,
        input: Option<&Value>,
        data: Option<&DataSchema>,
    ) -> Option<DataSchema> {
        let input = input?;
        if self.raw.data.is_some() && data.is_none() {
            // The data schema is invalid and already reported; checking inputs against it would mislead.
            return None;
        }
        let path = crate::yaml_path!["transitions", transition, "input"];
        let Some(object) = input.as_object() else {
            self.push(
                Code::InvalidDataSchema,
                path,
                "`input` must be a JSON Schema object",
                "write `input: { required: [reason], properties: { … } }`",
            );
            return None;
        };
        let data_props = data.map(DataSchema::properties).unwrap_or_default();
        let mut props: Map<String, Value> =
            properties(input).into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        for (name, property) in &mut props {
            self.check_field_texts(&path.key("properties").key(name), name, property, false);
            if let (Some(own), Some(declared)) = (property.as_object_mut(), data_props.get(name.as_str())) {
                field_texts::inherit(own, declared);
            }
        }
        for name in props.keys() {
            if !data_props.contains_key(name.as_str()) && self.raw.data.is_some() {
                self.push(
                    Code::InputFieldNotInData,
                    path.key("properties").key(name),
                    format!("input field `{name}` is not declared in the workflow's `data`"),
                    format!("input is merged into the case data: declare `{name}` under `data.properties`"),
                );
            }
        }
        let required: Vec<String> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        for (i, name) in required.iter().enumerate() {
            if props.contains_key(name) {
                continue;
            }
            match data_props.get(name.as_str()) {
                Some(schema) => {
                    props.insert(name.clone(), (*schema).clone());
                }
                None => self.push(
                    Code::InputFieldNotInData,
                    path.key("required").index(i),
                    format!("required input `{name}` is declared neither under `input.properties` nor in `data`"),
                    format!("declare `{name}` under `data.properties` (with its type)"),
                ),
            }
        }
        let mut effective = object.clone();
        effective.insert("type".to_owned(), json!("object"));
        effective.insert("properties".to_owned(), Value::Object(props));
        effective.entry("additionalProperties").or_insert(json!(false));
        let effective = Value::Object(effective);
        // Transitions often take the same input (`required: [reason]`): compile each schema once.
        if let Some(compiled) = self.input_schemas.iter().find(|s| s.schema() == &effective) {
            return Some(compiled.clone());
        }
        match DataSchema::compile(&effective) {
            Ok(schema) => {
                self.input_schemas.push(schema.clone());
                Some(schema)
            }
            Err(error) => {
                self.schema_error(path, &error);
                None
            }
        }
    }
}
