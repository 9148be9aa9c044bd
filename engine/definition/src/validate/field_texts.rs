//! What people read beside the data: every field of `data` has an Italian `label`, every value of a
//! field with a fixed list (`enum`) an Italian label under `options`, `hint`s are texts, and a guarded
//! transition that a person takes says in `refusal` why it cannot be taken now. See
//! [`crate::field_texts`] for the annotations themselves.

use serde_json::Value;

use super::Ctx;
use crate::diagnostic::{Code, YamlPath};
use crate::field_texts::{self, HINT, LABEL, OPTIONS};
use crate::model::Text;
use crate::raw::RawTransition;

impl Ctx<'_> {
    /// Checks the texts of every field of `data`, nested objects included.
    pub(super) fn check_data_texts(&mut self, schema: &Value) {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (name, property) in properties {
            let path = crate::yaml_path!["data", "properties", name];
            self.check_nested_texts(&path, name, property);
        }
    }

    fn check_nested_texts(&mut self, path: &YamlPath, name: &str, property: &Value) {
        self.check_field_texts(path, name, property, true);
        if let Some(children) = property.get("properties").and_then(Value::as_object) {
            for (child, schema) in children {
                self.check_nested_texts(&path.key("properties").key(child), &format!("{name}.{child}"), schema);
            }
        }
    }

    /// Checks one field's `label`, `hint` and `options`; `declared` is true in `data`, where the label
    /// is required (an input property inherits the data field's texts).
    pub(super) fn check_field_texts(&mut self, path: &YamlPath, name: &str, property: &Value, declared: bool) {
        match property.get(LABEL) {
            Some(label) => self.field_text(&path.key(LABEL), label),
            None if declared => self.push(
                Code::MissingFieldLabel,
                path.clone(),
                format!("data field `{name}` has no label"),
                "add `label: { it: …, en: … }`: it is what citizens and clerks read beside the field",
            ),
            None => {}
        }
        if let Some(hint) = property.get(HINT) {
            self.field_text(&path.key(HINT), hint);
        }
        let values = property
            .get("enum")
            .or_else(|| property.get("items").and_then(|items| items.get("enum")))
            .and_then(Value::as_array);
        let options = property.get(OPTIONS);
        if let Some(options) = options {
            self.check_options(&path.key(OPTIONS), options, values.map(Vec::as_slice).unwrap_or_default());
        }
        let Some(values) = values else {
            return;
        };
        for value in values {
            let key = field_texts::key_of(value);
            if options.and_then(|o| o.get(&key)).is_none() {
                let place = if options.is_some() { path.key(OPTIONS) } else { path.clone() };
                self.push(
                    Code::MissingOptionLabel,
                    place,
                    format!("value `{key}` of field `{name}` has no label"),
                    format!(
                        "add `options: {{ {key}: {{ it: …, en: … }} }}`: people choose among the labels, not the values"
                    ),
                );
            }
        }
    }

    fn check_options(&mut self, path: &YamlPath, options: &Value, values: &[Value]) {
        let Some(options) = options.as_object() else {
            self.push(
                Code::InvalidValue,
                path.clone(),
                "`options` must map each value of the field to its label",
                "write `options: { full_time: { it: Tempo pieno, en: Full time } }`",
            );
            return;
        };
        for (key, text) in options {
            if values.iter().any(|v| field_texts::key_of(v) == *key) {
                self.field_text(&path.key(key), text);
            } else {
                self.push(
                    Code::InvalidValue,
                    path.key(key),
                    format!("`{key}` is not one of the field's values"),
                    "`options` labels the values listed under `enum`: remove it or add the value there",
                );
            }
        }
    }

    fn field_text(&mut self, path: &YamlPath, value: &Value) {
        let stray = value.as_object().and_then(|o| o.keys().find(|k| *k != "it" && *k != "en").cloned());
        if let Some(key) = stray {
            self.push(
                Code::InvalidValue,
                path.key(&key),
                format!("`{path}` has `{key}`, which is neither `it` nor `en`"),
                "a text has only `it` and `en`; quote a text that holds a comma or a colon",
            );
        }
        if !value.is_object() {
            self.push(
                Code::InvalidValue,
                path.clone(),
                format!("`{path}` must be a text with an Italian and an optional English side"),
                "write `{ it: …, en: … }`",
            );
        } else if field_texts::text(value).is_none() {
            self.push(
                Code::MissingItalianText,
                path.clone(),
                format!("`{path}` has no Italian text"),
                "add `it: …`: Italian is required wherever citizens read, English is optional",
            );
        }
    }

    /// The transition's refusal text, required when a person takes it under a condition.
    pub(super) fn refusal(&mut self, id: &str, transition: &RawTransition, system: bool) -> Option<Text> {
        let path = crate::yaml_path!["transitions", id];
        match &transition.refusal {
            Some(text) => Some(self.text(text, &path.key("refusal"))),
            None if transition.when.is_some() && !system => {
                self.push(
                    Code::MissingRefusal,
                    path.key("when"),
                    format!("transition `{id}` has a condition but does not say what a person reads when it is false"),
                    "add `refusal: { it: …, en: … }`: why the action cannot be taken now, and what would allow it",
                );
                None
            }
            None => None,
        }
    }
}
