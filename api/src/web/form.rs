//! HTML forms from a JSON Schema: the workflow's `data` schema or a transition's effective `input` schema
//! ([`TransitionDef::input`](sportello_definition::model::TransitionDef), whose properties the
//! engine completes from `data`). [`fields`] turns the schema, the current values and the engine's
//! errors into [`Field`]s a handlebars template renders with no logic of its own; [`parse`] turns the
//! submitted `application/x-www-form-urlencoded` pairs back into JSON typed by the same schema, and
//! [`echo`] does the same but keeps what does not convert as typed, so a refused form shows it again.
//!
//! One field per property, in the schema's order. Objects with `properties` are flattened: the field of
//! `site.street` is named `site.street`, labelled `Site: Street`, with the pointer `/site/street`.
//! Strings are `text`, `email` or `date` inputs (`textarea` past 200 characters); `integer` and `number`
//! are text inputs with `inputmode`, written and read the Italian way; `boolean` a checkbox; an `enum`
//! (or a `oneOf` of `const`s with `title`s) a select; an array of such choices a group of checkboxes; an
//! array of strings or numbers a textarea with one item per line. Anything else (objects without properties, nested arrays, `$ref`s, schema
//! combinations) is a textarea holding JSON, so no property is ever out of reach.
//!
//! Parsing only converts; the engine validates. A field left empty is omitted, so a draft with missing
//! required fields parses; an unticked checkbox is `false`; keys the schema does not declare (`_csrf`,
//! `_action`) are ignored. A number is written the Italian way (`18.500,50`): a dot only between
//! thousands, so that no number is ever read as another.

use serde::Serialize;
use serde_json::{Map, Number, Value};
use sportello_definition::field_texts;
use sportello_definition::model::{Lang, Text};

/// How a field is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `<input type="text">`.
    Text,
    /// `<input type="email">`.
    Email,
    /// `<input type="date">`.
    Date,
    /// `<input type="text">` with `inputmode` `numeric` or `decimal`: a browser's `type="number"`
    /// would drop the Italian decimal comma (`42,5` sent as `425`), so numbers are text the server
    /// parses.
    Number,
    /// One `<input type="checkbox" value="true">`.
    Checkbox,
    /// `<select>` with [`Field::options`].
    Select,
    /// A `<fieldset>` of checkboxes, one per option, all named [`Field::name`].
    Checkboxes,
    /// `<textarea>`: long text, one item per line, or JSON ([`Field::json`]).
    Textarea,
}

/// One choice of a select or of a group of checkboxes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// `id` of the option's checkbox (`f-<name>-<index>`), for its `<label for>`.
    pub id: String,
    /// The submitted value; `""` for the select's empty choice.
    pub value: String,
    /// What the person reads.
    pub label: String,
    /// Whether it is the current value (or one of them).
    pub selected: bool,
}

/// A form field, ready for a template: every key is always present (`null` when absent), so templates
/// in strict mode can test any of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// The form field name: the property name, dotted for nested objects (`site.street`).
    pub name: String,
    /// The element id, `f-<name>` with dots as dashes.
    pub id: String,
    /// The field's `label` in the page's language, else the schema's `title`, else the humanized
    /// property name (`child_birth_date` → `Child birth date`; the validator requires labels, so only
    /// schemas from elsewhere come to that).
    pub label: String,
    /// The field's `hint` in the page's language, plus how to fill in a list, an amount or JSON.
    pub hint: Option<String>,
    /// `id` of the hint, when there is one.
    pub hint_id: Option<String>,
    /// Listed under `required` (never for a checkbox: unticked is a value, `false`).
    pub required: bool,
    /// How it is rendered.
    pub kind: Kind,
    /// The `<input type>`, for input kinds.
    pub input_type: Option<&'static str>,
    /// The `inputmode` attribute (`numeric`, `decimal`).
    pub inputmode: Option<&'static str>,
    /// `maxlength` attribute.
    pub maxlength: Option<u64>,
    /// `minlength` attribute.
    pub minlength: Option<u64>,
    /// `min` attribute.
    pub min: Option<String>,
    /// `max` attribute.
    pub max: Option<String>,
    /// `step` attribute: `1` for integers, `any` for numbers.
    pub step: Option<&'static str>,
    /// `pattern` attribute, only when the schema's pattern means the same as an HTML pattern.
    pub pattern: Option<String>,
    /// `rows` of a textarea.
    pub rows: Option<u32>,
    /// The current value as the control shows it (`""` when none).
    pub value: String,
    /// Whether a checkbox is ticked.
    pub checked: bool,
    /// Choices of a select or of checkboxes.
    pub options: Vec<Choice>,
    /// The error messages for this field, joined with `; `.
    pub error: Option<String>,
    /// `id` of the error message, when there is one.
    pub error_id: Option<String>,
    /// The `aria-describedby` value: the hint's and the error's ids.
    pub described_by: Option<String>,
    /// A textarea holding JSON.
    pub json: bool,
    /// An amount in euros (held in cents).
    pub euros: bool,
}

/// The fields of `schema`, showing `values` (an object, or `null` for an empty form) and `errors`
/// (JSON pointer into the instance, message), as the engine reports them. An error below a field
/// (`/preferences/0`) goes to that field; a missing required property reported on its parent
/// (`"child_name" is a required property` at `""`) goes to the missing field. Errors that match no
/// field are not shown here: list them in the page's error summary.
pub fn fields(schema: &Value, values: &Value, errors: &[(String, String)], lang: Lang) -> Vec<Field> {
    leaves(schema, lang).into_iter().map(|leaf| field(&leaf, values, errors, lang)).collect()
}

/// The submitted `form` as a JSON object typed by `schema`, or every conversion error as (JSON pointer,
/// message). Missing required fields are not errors: the engine checks the complete schema.
pub fn parse(
    schema: &Value,
    form: &[(String, String)],
    lang: Lang,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for leaf in leaves(schema, lang) {
        let submitted = submitted(form, &leaf.name);
        match convert(&leaf.shape, &submitted) {
            Ok(Some(value)) => insert(&mut out, &leaf.path, value),
            Ok(None) => {}
            Err(unreadable) => errors.push((leaf.pointer.clone(), unreadable.message(lang).to_owned())),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Like [`parse`], but a value that does not convert is kept as the text submitted: pass it to
/// [`fields`] with [`parse`]'s errors to show a refused form again as the person filled it in.
pub fn echo(schema: &Value, form: &[(String, String)]) -> Value {
    let mut out = Map::new();
    for leaf in leaves(schema, Lang::It) {
        let submitted = submitted(form, &leaf.name);
        match convert(&leaf.shape, &submitted) {
            Ok(Some(value)) => insert(&mut out, &leaf.path, value),
            Ok(None) => {}
            Err(_) => insert(&mut out, &leaf.path, Value::String(submitted.join("\n"))),
        }
    }
    Value::Object(out)
}

/// What a property's schema is, for rendering and converting.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// A string, with its `format`.
    Text(Option<String>),
    Integer,
    Number,
    /// An amount in euro cents (`format: euro-cents`), written in euros with two decimals.
    Euros,
    Boolean,
    /// One of these (value, label).
    Choice(Vec<(Value, String)>),
    /// Any of these (value, label).
    Choices(Vec<(Value, String)>),
    /// A list of strings, integers or numbers, one per line.
    Lines(Box<Shape>),
    /// Anything else, as JSON.
    Json,
}

/// A property to render: a top-level one, or one inside a flattened object.
#[derive(Debug)]
struct Leaf<'a> {
    name: String,
    pointer: String,
    path: Vec<String>,
    label: String,
    required: bool,
    schema: &'a Value,
    shape: Shape,
}

fn leaves(schema: &Value, lang: Lang) -> Vec<Leaf<'_>> {
    let mut out = Vec::new();
    collect(schema, &[], None, true, lang, &mut out);
    out
}

fn collect<'a>(
    schema: &'a Value,
    path: &[String],
    parent: Option<&str>,
    required: bool,
    lang: Lang,
    out: &mut Vec<Leaf<'a>>,
) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return };
    let required_names: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    for (name, property) in properties {
        let mut here = path.to_vec();
        here.push(name.clone());
        let own = field_texts::label(property).map(|label| label.get(lang).to_owned());
        let own = own
            .or_else(|| property.get("title").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| humanize(name));
        let label = parent.map_or_else(|| own.clone(), |p| format!("{p}: {own}"));
        let required = required && required_names.contains(&name.as_str());
        if flattens(property) {
            collect(property, &here, Some(&label), required, lang, out);
            continue;
        }
        out.push(Leaf {
            name: here.join("."),
            pointer: here.iter().map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect(),
            path: here,
            label,
            required,
            schema: property,
            shape: shape(property, lang),
        });
    }
}

/// An object whose properties become fields of their own: declared properties, none with a dot in its
/// name (the dot separates levels in field names).
fn flattens(schema: &Value) -> bool {
    let typed_object = matches!(type_name(schema), Some("object") | None);
    let properties = schema.get("properties").and_then(Value::as_object);
    typed_object
        && properties.is_some_and(|p| !p.is_empty() && p.keys().all(|k| !k.contains('.') && !k.is_empty()))
        && !["oneOf", "anyOf", "allOf", "$ref", "enum", "const"].iter().any(|k| schema.get(*k).is_some())
}

/// The schema's `type`, ignoring `null` in a list of types.
fn type_name(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(name) => Some(name),
        Value::Array(names) => {
            let mut non_null = names.iter().filter_map(Value::as_str).filter(|n| *n != "null");
            match (non_null.next(), non_null.next()) {
                (Some(name), None) => Some(name),
                _ => Some("mixed"),
            }
        }
        _ => Some("mixed"),
    }
}

/// The choices of an `enum`, each labelled from `options` (in `lang`), or of a `oneOf`/`anyOf` whose
/// every branch is a `const`.
fn choices(schema: &Value, labels: &Value, lang: Lang) -> Option<Vec<(Value, String)>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let label = |v: &Value| {
            field_texts::option_label(labels, v).map_or_else(|| humanize(&option_text(v)), |t| t.get(lang).to_owned())
        };
        return Some(values.iter().filter(|v| !v.is_null()).map(|v| (v.clone(), label(v))).collect());
    }
    let branches = schema.get("oneOf").or_else(|| schema.get("anyOf"))?.as_array()?;
    branches
        .iter()
        .map(|branch| {
            let value = branch.get("const")?;
            let label = branch
                .get("title")
                .and_then(Value::as_str)
                .map_or_else(|| humanize(&option_text(value)), str::to_owned);
            Some((value.clone(), label))
        })
        .collect()
}

/// How `schema` is shown; `options` of the enclosing array label the choices of its items.
fn shape(schema: &Value, lang: Lang) -> Shape {
    shape_labelled(schema, schema, lang)
}

fn shape_labelled(schema: &Value, labels: &Value, lang: Lang) -> Shape {
    if let Some(choices) = choices(schema, labels, lang) {
        return Shape::Choice(choices);
    }
    if ["oneOf", "anyOf", "allOf", "$ref", "not", "if"].iter().any(|k| schema.get(*k).is_some()) {
        return Shape::Json;
    }
    match type_name(schema) {
        Some("string") => Shape::Text(schema.get("format").and_then(Value::as_str).map(str::to_owned)),
        Some("integer") if field_texts::is_euro_cents(schema) => Shape::Euros,
        Some("integer") => Shape::Integer,
        Some("number") => Shape::Number,
        Some("boolean") => Shape::Boolean,
        Some("array") => match schema.get("items").map(|items| (items, shape_labelled(items, schema, lang))) {
            Some((_, Shape::Choice(choices))) => Shape::Choices(choices),
            Some((_, item @ (Shape::Text(_) | Shape::Integer | Shape::Number))) => Shape::Lines(Box::new(item)),
            _ => Shape::Json,
        },
        _ => Shape::Json,
    }
}

/// `child_birth_date` → `Child birth date`.
fn humanize(name: &str) -> String {
    let words = name.replace(['_', '-'], " ");
    let mut words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(first) = words.chars().next() {
        let upper: String = first.to_uppercase().collect();
        words.replace_range(..first.len_utf8(), &upper);
    }
    words
}

/// A choice's value as the form submits it.
fn option_text(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// The field of `leaf`, showing its value in `values` (else the schema's `default`) and the `errors`
/// that concern it.
fn field(leaf: &Leaf<'_>, values: &Value, errors: &[(String, String)], lang: Lang) -> Field {
    let schema = leaf.schema;
    let value = values.pointer(&leaf.pointer).or_else(|| schema.get("default")).filter(|v| !v.is_null());
    let mut hint = field_texts::hint(schema).map(|hint| hint.get(lang).to_owned());
    let mut field = text_field(leaf, value);
    let note = |it: &str, en: &str| Text { it: it.to_owned(), en: Some(en.to_owned()) }.get(lang).to_owned();
    match &leaf.shape {
        Shape::Text(format) => as_text(&mut field, format.as_deref()),
        Shape::Integer => as_number(&mut field, value, true),
        Shape::Number => as_number(&mut field, value, false),
        Shape::Euros => {
            as_euros(&mut field, value);
            hint = Some(with_note(
                hint,
                &note(
                    "In euro, con i centesimi dopo la virgola (95,50).",
                    "In euros, with the cents after a comma (95,50).",
                ),
            ));
        }
        Shape::Boolean => as_checkbox(&mut field, value),
        Shape::Choice(choices) => as_select(&mut field, choices, value),
        Shape::Choices(choices) => as_checkboxes(&mut field, choices, value),
        Shape::Lines(_) => {
            as_lines(&mut field, value);
            hint = Some(with_note(hint, &note("Uno per riga.", "One per line.")));
        }
        Shape::Json => {
            as_json(&mut field, schema, value);
            hint = Some(with_note(hint, &note("In formato JSON.", "In JSON.")));
        }
    }
    drop_foreign_constraints(&mut field);
    describe(&mut field, hint, &messages_for(leaf, errors));
    field
}

/// The field of `leaf` as a plain text field showing `value`, with the length and pattern its schema
/// sets: the start that each shape's `as_…` function turns into its own kind of control.
fn text_field(leaf: &Leaf<'_>, value: Option<&Value>) -> Field {
    let schema = leaf.schema;
    Field {
        name: leaf.name.clone(),
        id: format!("f-{}", leaf.name.replace('.', "-")),
        label: leaf.label.clone(),
        hint: None,
        hint_id: None,
        required: leaf.required,
        kind: Kind::Text,
        input_type: None,
        inputmode: None,
        maxlength: schema.get("maxLength").and_then(Value::as_u64),
        minlength: schema.get("minLength").and_then(Value::as_u64),
        min: None,
        max: None,
        step: None,
        pattern: schema.get("pattern").and_then(Value::as_str).and_then(html_pattern),
        rows: None,
        value: value_text(value),
        checked: false,
        options: Vec::new(),
        error: None,
        error_id: None,
        described_by: None,
        json: false,
        euros: false,
    }
}

/// A value as a text control shows it: a choice's text, or `""` for none.
fn value_text(value: Option<&Value>) -> String {
    value.map(option_text).unwrap_or_default()
}

/// Makes a string's field a date or e-mail input by its `format`, a 16-character input for a
/// `codice-fiscale`, a textarea when it may hold more than 200 characters, and a text input otherwise.
fn as_text(field: &mut Field, format: Option<&str>) {
    match format {
        Some("date") => (field.kind, field.input_type) = (Kind::Date, Some("date")),
        Some("email") => (field.kind, field.input_type) = (Kind::Email, Some("email")),
        Some("codice-fiscale") => {
            (field.kind, field.input_type) = (Kind::Text, Some("text"));
            field.maxlength = Some(16);
            field.pattern = field.pattern.take().or_else(|| Some("[A-Za-z0-9]{16}".to_owned()));
        }
        _ if field.maxlength.is_some_and(|n| n > 200) => {
            field.kind = Kind::Textarea;
            field.rows = Some(5);
        }
        _ => (field.kind, field.input_type) = (Kind::Text, Some("text")),
    }
}

/// Makes the field a text input for a number (`inputmode` `numeric` for whole numbers, `decimal`
/// otherwise), showing a number held as the Italian way of writing it (`18.500,5`), which [`number`]
/// reads back as it was. Never `type="number"`: browsers drop the decimal comma there.
fn as_number(field: &mut Field, value: Option<&Value>, integer: bool) {
    field.kind = Kind::Number;
    field.input_type = Some("text");
    field.inputmode = Some(if integer { "numeric" } else { "decimal" });
    (field.step, field.min, field.max) = (None, None, None);
    if let Some(Value::Number(held)) = value {
        field.value = italian(held);
    }
}

/// Makes the field a text input for an amount held in cents, shown in euros with two decimals
/// (`1.234,50`) and read back by [`euros`].
fn as_euros(field: &mut Field, value: Option<&Value>) {
    as_number(field, None, false);
    field.euros = true;
    if let Some(cents) = value.and_then(Value::as_i64) {
        let whole = italian(&Number::from(cents.abs() / 100));
        let sign = if cents < 0 { "-" } else { "" };
        field.value = format!("{sign}{whole},{:02}", cents.abs() % 100);
    } else if let Some(Value::String(typed)) = value {
        field.value = typed.clone();
    }
}

/// `number` written the Italian way: dots between thousands, a comma before the decimals.
fn italian(number: &Number) -> String {
    let plain = number.to_string();
    if plain.contains(['e', 'E']) {
        return plain;
    }
    let (sign, unsigned) = plain.strip_prefix('-').map_or(("", plain.as_str()), |rest| ("-", rest));
    let (whole, decimals) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    if decimals.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped},{decimals}") }
}

/// Makes the field a checkbox submitting `true`, ticked when `value` is `true`. It is never required:
/// unticked is a value, `false`.
fn as_checkbox(field: &mut Field, value: Option<&Value>) {
    field.kind = Kind::Checkbox;
    field.input_type = Some("checkbox");
    field.required = false;
    field.checked = value == Some(&Value::Bool(true));
    field.value = "true".to_owned();
}

/// Makes the field a select of `choices`, led by an empty choice that is selected when `value` is
/// none of them.
fn as_select(field: &mut Field, choices: &[(Value, String)], value: Option<&Value>) {
    field.kind = Kind::Select;
    let id = &field.id;
    let current = value.map(option_text);
    field.options.push(Choice {
        id: format!("{id}-0"),
        value: String::new(),
        label: String::new(),
        selected: current.as_ref().is_none_or(|c| !choices.iter().any(|(v, _)| option_text(v) == *c)),
    });
    field.options.extend(choices.iter().enumerate().map(|(i, (v, label))| Choice {
        id: format!("{id}-{}", i + 1),
        value: option_text(v),
        label: label.clone(),
        selected: current.as_deref() == Some(option_text(v).as_str()),
    }));
}

/// Makes the field a group of checkboxes, one per choice, ticked for each choice in the array `value`.
fn as_checkboxes(field: &mut Field, choices: &[(Value, String)], value: Option<&Value>) {
    field.kind = Kind::Checkboxes;
    field.value = String::new();
    let id = &field.id;
    let current: Vec<String> = value.and_then(Value::as_array).into_iter().flatten().map(option_text).collect();
    field.options = choices
        .iter()
        .enumerate()
        .map(|(i, (v, label))| Choice {
            id: format!("{id}-{}", i + 1),
            value: option_text(v),
            label: label.clone(),
            selected: current.contains(&option_text(v)),
        })
        .collect();
}

/// Makes the field a textarea with one item of the array `value` per line, and no length or pattern
/// (those of the schema are the items' own).
fn as_lines(field: &mut Field, value: Option<&Value>) {
    field.kind = Kind::Textarea;
    field.rows = Some(4);
    field.maxlength = None;
    field.minlength = None;
    field.pattern = None;
    let line = |item: &Value| match item {
        Value::Number(number) => italian(number),
        other => option_text(other),
    };
    field.value = match value {
        Some(Value::Array(items)) => items.iter().map(line).collect::<Vec<_>>().join("\n"),
        other => value_text(other),
    };
}

/// Makes the field a textarea holding `value` as pretty-printed JSON, with no length or pattern.
fn as_json(field: &mut Field, schema: &Value, value: Option<&Value>) {
    field.kind = Kind::Textarea;
    field.json = true;
    field.rows = Some(6);
    (field.maxlength, field.minlength, field.pattern) = (None, None, None);
    field.value = match value {
        // Text [`echo`] kept because it was not JSON, where the schema allows no string at all.
        Some(Value::String(raw)) if !schema.to_string().contains("\"string\"") => raw.clone(),
        Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        None => String::new(),
    };
}

/// The `hint`, if any, followed by `note` on how to fill the field in.
fn with_note(hint: Option<String>, note: &str) -> String {
    hint.map_or_else(|| note.to_owned(), |h| format!("{h} {note}"))
}

/// Drops the constraints the field's kind does not take: lengths but on text inputs and plain
/// textareas, a pattern but on text inputs.
fn drop_foreign_constraints(field: &mut Field) {
    if !matches!(field.kind, Kind::Text | Kind::Email | Kind::Textarea) || field.json {
        (field.maxlength, field.minlength) = (None, None);
    }
    if !matches!(field.kind, Kind::Text | Kind::Email) {
        field.pattern = None;
    }
}

/// Sets the field's hint and its error (the `messages`, joined), each with the id that
/// `aria-describedby` lists.
fn describe(field: &mut Field, hint: Option<String>, messages: &[&str]) {
    let id = &field.id;
    if !messages.is_empty() {
        field.error = Some(messages.join("; "));
        field.error_id = Some(format!("{id}-error"));
    }
    if hint.is_some() {
        field.hint_id = Some(format!("{id}-hint"));
    }
    field.hint = hint;
    let described: Vec<&str> = [&field.hint_id, &field.error_id].into_iter().flatten().map(String::as_str).collect();
    field.described_by = (!described.is_empty()).then(|| described.join(" "));
}

fn messages_for<'e>(leaf: &Leaf<'_>, errors: &'e [(String, String)]) -> Vec<&'e str> {
    let (parent, last) = leaf.pointer.rsplit_once('/').unwrap_or(("", ""));
    let missing = format!("\"{}\" is a required property", leaf.path.last().map_or("", String::as_str));
    errors
        .iter()
        .filter(|(pointer, message)| {
            pointer == &leaf.pointer
                || pointer.strip_prefix(leaf.pointer.as_str()).is_some_and(|rest| rest.starts_with('/'))
                || (pointer == parent && !last.is_empty() && message.starts_with(&missing))
        })
        .map(|(_, message)| message.as_str())
        .collect()
}

/// The schema's `pattern` as an HTML `pattern`, when both mean the same: HTML anchors the whole value
/// and compiles with the `v` flag, JSON Schema searches anywhere; so only `^…$` patterns with no
/// top-level alternation and no character class the `v` flag reads differently are kept.
fn html_pattern(pattern: &str) -> Option<String> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let mut chars = inner.chars().peekable();
    let (mut depth, mut in_class, mut escaped) = (0usize, false, false);
    while let Some(c) = chars.next() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            _ if in_class => {
                if "()[{}/|".contains(c) {
                    return None;
                }
                if c == ']' {
                    in_class = false;
                } else if "&!#$%*+,.:;<=>?@^`~-".contains(c) && chars.peek() == Some(&c) {
                    return None;
                }
            }
            '[' => in_class = true,
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            '|' if depth == 0 => return None,
            _ => {}
        }
    }
    // A trailing backslash escaped the `$`: then the pattern was not anchored.
    (!escaped && !in_class && depth == 0).then(|| inner.to_owned())
}

fn submitted<'f>(form: &'f [(String, String)], name: &str) -> Vec<&'f str> {
    form.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect()
}

/// `submitted` converted for `shape`: `None` when empty, an error message when it does not convert.
fn convert(shape: &Shape, submitted: &[&str]) -> Result<Option<Value>, Unreadable> {
    let first = submitted.first().map_or("", |s| s.trim());
    match shape {
        Shape::Boolean => Ok(Some(Value::Bool(submitted.iter().any(|v| !v.trim().is_empty() && v.trim() != "false")))),
        Shape::Choices(choices) => {
            let picked = submitted
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| choice(choices, s))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((!picked.is_empty()).then_some(Value::Array(picked)))
        }
        Shape::Lines(item) => {
            let items = submitted
                .iter()
                .flat_map(|s| s.lines())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|line| scalar(item, line))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((!items.is_empty()).then_some(Value::Array(items)))
        }
        _ if first.is_empty() => Ok(None),
        Shape::Choice(choices) => choice(choices, first).map(Some),
        Shape::Json => serde_json::from_str(first).map(Some).map_err(|_| Unreadable::Json),
        other => scalar(other, first).map(Some),
    }
}

fn choice(choices: &[(Value, String)], submitted: &str) -> Result<Value, Unreadable> {
    choices.iter().find(|(v, _)| option_text(v) == submitted).map(|(v, _)| v.clone()).ok_or(Unreadable::Choice)
}

fn scalar(shape: &Shape, text: &str) -> Result<Value, Unreadable> {
    match shape {
        Shape::Integer => integer(text).map(Value::Number).ok_or(Unreadable::WholeNumber),
        Shape::Number => number(text).map(Value::Number).ok_or(Unreadable::Number),
        Shape::Euros => euros(text).map(Value::from).ok_or(Unreadable::Euros),
        _ => Ok(Value::String(text.to_owned())),
    }
}

/// Why a submitted text could not be read as its field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unreadable {
    Number,
    WholeNumber,
    Euros,
    Choice,
    Json,
}

impl Unreadable {
    /// What the field says, in `lang`.
    fn message(self, lang: Lang) -> &'static str {
        let (it, en) = match self {
            Unreadable::Number => (
                "Scrivi un numero, con la virgola prima degli eventuali decimali (18.500,50)",
                "Write a number, with a comma before any decimals (18.500,50)",
            ),
            Unreadable::WholeNumber => ("Scrivi un numero intero (18.500)", "Write a whole number (18.500)"),
            Unreadable::Euros => (
                "Scrivi un importo in euro, con al massimo due decimali dopo la virgola (95,50)",
                "Write an amount in euros, with at most two decimals after a comma (95,50)",
            ),
            Unreadable::Choice => ("Scegli una delle opzioni proposte", "Choose one of the options offered"),
            Unreadable::Json => ("Scrivi un JSON valido", "Write valid JSON"),
        };
        if lang == Lang::En { en } else { it }
    }
}

/// An amount in euros written the Italian way (`95,50`, `1.234`, `0,5`) as cents; more than two
/// decimals is refused rather than rounded.
fn euros(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('€').trim_start_matches('€').trim();
    let parsed = number(text)?;
    let decimals = text.split_once(',').map_or(0, |(_, d)| d.trim().len());
    if decimals > 2 {
        return None;
    }
    let cents = (parsed.as_f64()? * 100.0).round();
    (cents.abs() <= 9_007_199_254_740_992.0).then_some(cents as i64)
}

/// A number written the Italian way: a comma before the decimals, dots (or spaces, or apostrophes)
/// between groups of three digits (`18.500,50`, `18500,5`, `1.000`, `42`). A dot that does not
/// separate thousands (`18.5`, `0.25`, `1,234.5`) is refused rather than guessed at: `18.500` is
/// eighteen thousand five hundred, and `18.5` might be meant as eighteen and a half.
fn number(text: &str) -> Option<Number> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\'').collect();
    let (sign, unsigned) = match compact.strip_prefix(['-', '+']) {
        Some(rest) => (if compact.starts_with('-') { "-" } else { "" }, rest),
        None => ("", compact.as_str()),
    };
    let (whole, decimals) = match unsigned.split_once(',') {
        Some((whole, decimals)) => (whole, Some(decimals)),
        None => (unsigned, None),
    };
    let groups: Vec<&str> = whole.split('.').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let grouped = groups.len() == 1
        || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3) && groups.iter().all(|g| digits(g)));
    if !groups.iter().all(|g| digits(g)) || !grouped || decimals.is_some_and(|d| !digits(d)) {
        return None;
    }
    let whole = groups.concat();
    let canonical = match decimals {
        Some(decimals) => format!("{sign}{whole}.{decimals}"),
        None => format!("{sign}{whole}"),
    };
    if let Ok(integer) = canonical.parse::<i64>() {
        return Some(integer.into());
    }
    canonical.parse::<f64>().ok().and_then(Number::from_f64)
}

/// A whole number, written as [`number`] accepts (`1.000,0` included).
fn integer(text: &str) -> Option<Number> {
    let parsed = number(text)?;
    if parsed.is_i64() || parsed.is_u64() {
        return Some(parsed);
    }
    let float = parsed.as_f64()?;
    // Beyond ±2^53 a float no longer holds every whole number: refuse rather than round.
    (float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0).then(|| Number::from(float as i64))
}

fn insert(object: &mut Map<String, Value>, path: &[String], value: Value) {
    let [first, rest @ ..] = path else { return };
    if rest.is_empty() {
        object.insert(first.clone(), value);
        return;
    }
    let child = object.entry(first.clone()).or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    if let Value::Object(child) = child {
        insert(child, rest, value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn nursery() -> sportello_definition::Definition {
        let text = include_str!("../../../workflows/nursery-enrolment.yaml");
        let report = sportello_definition::load_str(text, Some("nursery-enrolment"));
        report.definition.unwrap_or_else(|| panic!("{:?}", report.diagnostics))
    }

    /// What a browser submits for `fields`: each input with a value, ticked boxes and selected options.
    fn submit(fields: &[Field]) -> Vec<(String, String)> {
        let mut form = pairs(&[("_csrf", "token"), ("_action", "save")]);
        for field in fields {
            match field.kind {
                Kind::Checkbox if field.checked => form.push((field.name.clone(), field.value.clone())),
                Kind::Checkbox => {}
                Kind::Select | Kind::Checkboxes => {
                    let chosen = field.options.iter().filter(|o| o.selected);
                    form.extend(chosen.map(|o| (field.name.clone(), o.value.clone())));
                }
                _ => form.push((field.name.clone(), field.value.clone())),
            }
        }
        form
    }

    #[test]
    fn the_nursery_data_round_trips_through_the_form() {
        let definition = nursery();
        let schema = definition.data.as_ref().unwrap().schema();
        let values = json!({
            "applicant_fiscal_code": "RSSMRA85T10A562S",
            "child_name": "Giulia Rossi",
            "child_birth_date": "2025-05-02",
            "resident_in_modena": true,
            "attendance": "part_time",
            "preferences": ["Nido Cipì", "Nido Sole"],
            "vaccinations_compliant": false,
            "isee_value": 18234.5,
            "ranking_position": 12,
        });

        let fields = fields(schema, &values, &[], Lang::En);
        let parsed = parse(schema, &submit(&fields), Lang::En).unwrap();

        assert_eq!(Value::Object(parsed), values);
        let by_name = |name: &str| fields.iter().find(|f| f.name == name).unwrap();
        let kinds: Vec<(&str, Kind)> = fields.iter().map(|f| (f.name.as_str(), f.kind)).collect();
        assert_eq!(kinds.len(), schema["properties"].as_object().unwrap().len());
        assert_eq!(by_name("child_birth_date").kind, Kind::Date);
        assert_eq!(by_name("child_birth_date").label, "Child's date of birth");
        let italian = super::fields(schema, &values, &[], Lang::It);
        let attendance = italian.iter().find(|f| f.name == "attendance").unwrap();
        assert!(attendance.options.iter().any(|o| o.selected && o.label == "Tempo parziale"), "{attendance:?}");
        assert!(italian.iter().all(|f| !f.label.contains('_')), "every label is the workflow's own");
        assert_eq!(by_name("resident_in_modena").kind, Kind::Checkbox);
        assert_eq!(by_name("attendance").kind, Kind::Select);
        assert_eq!(by_name("preferences").kind, Kind::Textarea);
        assert_eq!(by_name("exclusion_reason").kind, Kind::Textarea);
        assert_eq!(by_name("child_name").maxlength, Some(100));
        // A number is text to the browser, which would drop a decimal comma from a number input.
        let fee = by_name("monthly_fee_cents");
        assert_eq!((fee.input_type, fee.inputmode, fee.step), (Some("text"), Some("decimal"), None));
        assert!(fee.hint.as_deref().unwrap_or_default().contains("In euros"), "a fee is typed in euros, not cents");
        assert!(by_name("child_name").required && !by_name("child_fiscal_code").required);
        assert!(!by_name("resident_in_modena").required, "an unticked box is a value");
    }

    #[test]
    fn a_transitions_input_form_has_the_fields_it_requires() {
        let definition = nursery();
        let admit = definition.transitions["admit"].input.as_ref().unwrap().schema();
        let names: Vec<String> = fields(admit, &Value::Null, &[], Lang::En).into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["ranking_score", "ranking_position", "assigned_nursery"]);

        let form = pairs(&[("ranking_score", "87,5"), ("ranking_position", "3"), ("assigned_nursery", "Nido Sole")]);
        assert_eq!(
            Value::Object(parse(admit, &form, Lang::En).unwrap()),
            json!({"ranking_score": 87.5, "ranking_position": 3, "assigned_nursery": "Nido Sole"})
        );
    }

    #[test]
    fn a_draft_with_missing_required_fields_parses() {
        let definition = nursery();
        let schema = definition.data.as_ref().unwrap().schema();
        let form = pairs(&[("child_name", "Giulia"), ("applicant_fiscal_code", ""), ("attendance", "")]);
        assert_eq!(
            Value::Object(parse(schema, &form, Lang::En).unwrap()),
            json!({"child_name": "Giulia", "resident_in_modena": false, "vaccinations_compliant": false})
        );
    }

    #[test]
    fn numbers_are_read_the_italian_way_and_never_guessed() {
        for (text, expected) in [
            ("1234,5", json!(1234.5)),
            ("1.234,5", json!(1234.5)),
            ("18.500,50", json!(18500.5)),
            ("18.500", json!(18500)),
            ("1.000.000", json!(1000000)),
            (" 18 234,50 ", json!(18234.5)),
            ("1'234", json!(1234)),
            ("0,25", json!(0.25)),
            ("-3", json!(-3)),
            ("+3,5", json!(3.5)),
            ("12", json!(12)),
        ] {
            assert_eq!(scalar(&Shape::Number, text), Ok(expected), "{text}");
        }
        // A dot that does not separate thousands could be a decimal point: refused, not guessed.
        for text in [
            "18.5", "0.25", "1,234.5", "1.23.456", "12.3456", ".5", "5,", "abc", "1,2,3", "inf", "NaN", "1..2", "12€",
            "1e3", "--1",
        ] {
            assert!(scalar(&Shape::Number, text).is_err(), "{text}");
        }
        assert_eq!(scalar(&Shape::Integer, "1.000,0"), Ok(json!(1000)));
        assert!(scalar(&Shape::Integer, "2,5").is_err());
    }

    #[test]
    fn a_number_held_is_shown_as_it_is_read_back() {
        for held in [json!(18500.5), json!(1000000), json!(-1234.25), json!(0.5), json!(42), json!(0)] {
            let Value::Number(number) = &held else { unreachable!() };
            let shown = italian(number);
            assert_eq!(scalar(&Shape::Number, &shown), Ok(held.clone()), "{shown}");
        }
        assert_eq!(italian(&Number::from_f64(18500.5).unwrap()), "18.500,5");
        let schema = json!({"type": "object", "properties": {
            "isee": {"type": "number"}, "scores": {"type": "array", "items": {"type": "number"}}}});
        let shown = fields(&schema, &json!({"isee": 18500.5, "scores": [38.5, 1200]}), &[], Lang::En);
        assert_eq!((shown[0].input_type, shown[0].inputmode), (Some("text"), Some("decimal")));
        assert_eq!(shown[0].value, "18.500,5");
        assert_eq!(shown[1].value, "38,5\n1.200");
    }

    #[test]
    fn a_bad_number_is_reported_at_its_pointer_with_the_others() {
        let schema = json!({"type": "object", "properties": {
            "count": {"type": "integer"},
            "site": {"type": "object", "properties": {"square_metres": {"type": "number"}}},
            "mode": {"enum": ["a", "b"]},
        }});
        let form = pairs(&[("count", "tre"), ("site.square_metres", "12,x"), ("mode", "c")]);
        assert_eq!(
            parse(&schema, &form, Lang::En).unwrap_err(),
            vec![
                ("/count".to_owned(), Unreadable::WholeNumber.message(Lang::En).to_owned()),
                ("/site/square_metres".to_owned(), Unreadable::Number.message(Lang::En).to_owned()),
                ("/mode".to_owned(), Unreadable::Choice.message(Lang::En).to_owned()),
            ]
        );
        let echoed = echo(&schema, &form);
        assert_eq!(echoed, json!({"count": "tre", "site": {"square_metres": "12,x"}, "mode": "c"}));
        let errors = [("/count".to_owned(), Unreadable::WholeNumber.message(Lang::En).to_owned())];
        let count = &fields(&schema, &echoed, &errors, Lang::En)[0];
        assert_eq!(
            (count.value.as_str(), count.error.as_deref()),
            ("tre", Some(Unreadable::WholeNumber.message(Lang::En)))
        );
        assert_eq!(count.described_by.as_deref(), Some("f-count-error"));
    }

    #[test]
    fn amounts_in_cents_are_shown_and_read_in_euros() {
        let schema = json!({"type": "object", "properties": {"fee": {"type": "integer", "format": "euro-cents"}}});
        let shown = &fields(&schema, &json!({"fee": 123450}), &[], Lang::It)[0];
        assert_eq!((shown.value.as_str(), shown.inputmode), ("1.234,50", Some("decimal")));
        assert_eq!(
            Value::Object(parse(&schema, &submit(std::slice::from_ref(shown)), Lang::It).unwrap()),
            json!({"fee": 123450})
        );
        for (typed, cents) in [("95,5", 9550), ("95", 9500), ("1.000,00 €", 100000), ("0,05", 5)] {
            assert_eq!(parse(&schema, &pairs(&[("fee", typed)]), Lang::It).unwrap()["fee"], json!(cents), "{typed}");
        }
        for typed in ["95,555", "95.5", "novanta"] {
            let refused = parse(&schema, &pairs(&[("fee", typed)]), Lang::It).unwrap_err();
            assert_eq!(refused, [("/fee".to_owned(), Unreadable::Euros.message(Lang::It).to_owned())], "{typed}");
        }
    }

    #[test]
    fn booleans_are_true_when_ticked_and_false_when_absent() {
        let schema =
            json!({"properties": {"a": {"type": "boolean"}, "b": {"type": "boolean"}, "c": {"type": "boolean"}}});
        // `c` as a hidden `false` followed by its ticked box, as some forms do.
        let form = pairs(&[("a", "true"), ("c", "false"), ("c", "on")]);
        assert_eq!(Value::Object(parse(&schema, &form, Lang::En).unwrap()), json!({"a": true, "b": false, "c": true}));
        let fields = fields(&schema, &json!({"a": true}), &[], Lang::En);
        assert!(fields[0].checked && !fields[1].checked);
        assert_eq!(fields[0].value, "true");
    }

    #[test]
    fn arrays_come_from_repeated_keys_or_lines() {
        let schema = json!({"type": "object", "properties": {
            "modes": {"type": "array", "items": {"type": "string", "enum": ["examination", "digital_copy", "paper_copy"]}},
            "ids": {"type": "array", "items": {"type": "integer"}},
            "names": {"type": "array", "items": {"type": "string"}},
            "none": {"type": "array", "items": {"type": "string"}},
        }});
        let form = pairs(&[
            ("modes", "paper_copy"),
            ("modes", "examination"),
            ("ids", "3\r\n\r\n 5 "),
            ("names", "Nido Cipì\nNido Sole\n"),
            ("none", "\n  \n"),
        ]);
        assert_eq!(
            Value::Object(parse(&schema, &form, Lang::En).unwrap()),
            json!({"modes": ["paper_copy", "examination"], "ids": [3, 5], "names": ["Nido Cipì", "Nido Sole"]})
        );
        let modes = &fields(&schema, &json!({"modes": ["digital_copy"]}), &[], Lang::En)[0];
        assert_eq!(modes.kind, Kind::Checkboxes);
        let shown: Vec<(&str, &str, bool)> =
            modes.options.iter().map(|o| (o.value.as_str(), o.label.as_str(), o.selected)).collect();
        assert_eq!(
            shown,
            [
                ("examination", "Examination", false),
                ("digital_copy", "Digital copy", true),
                ("paper_copy", "Paper copy", false)
            ]
        );
        assert_eq!(parse(&schema, &pairs(&[("ids", "3\nx")]), Lang::En).unwrap_err()[0].0, "/ids");
    }

    #[test]
    fn unknown_keys_are_ignored_and_unknown_shapes_are_json() {
        let schema = json!({"type": "object", "properties": {
            "extra": {"type": "object"},
            "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        }});
        let form = pairs(&[("_csrf", "x"), ("_action", "submit"), ("other", "1"), ("extra", "{\"a\": [1, 2]}")]);
        assert_eq!(Value::Object(parse(&schema, &form, Lang::En).unwrap()), json!({"extra": {"a": [1, 2]}}));

        let fields = fields(&schema, &json!({"extra": {"a": 1}}), &[], Lang::En);
        assert!(fields.iter().all(|f| f.kind == Kind::Textarea && f.json));
        assert_eq!(fields[0].value, "{\n  \"a\": 1\n}");
        assert_eq!(
            parse(&schema, &pairs(&[("either", "{oops")]), Lang::En).unwrap_err(),
            [("/either".to_owned(), Unreadable::Json.message(Lang::En).to_owned())]
        );
    }

    #[test]
    fn labels_hints_and_errors_are_ready_to_render() {
        let schema = json!({"type": "object", "required": ["child_name", "site"], "properties": {
            "child_name": {"type": "string", "maxLength": 100, "description": "An analyst's note, never shown.",
                "label": {"it": "Nome del bambino", "en": "Child's name"},
                "hint": {"it": "Come sul documento d'identità.", "en": "As on the ID card."}},
            "email": {"type": "string", "format": "email"},
            "site": {"type": "object", "required": ["street"], "properties": {"street": {"type": "string"}}},
            "mode": {"oneOf": [{"const": "pec", "title": "PEC"}, {"const": "post", "title": "Posta"}]},
        }});
        let errors = [
            (String::new(), "\"child_name\" is a required property".to_owned()),
            ("/site".to_owned(), "\"street\" is a required property".to_owned()),
        ];
        let fields = fields(&schema, &json!({"mode": "post"}), &errors, Lang::En);
        let name = &fields[0];
        assert_eq!((name.label.as_str(), name.id.as_str()), ("Child's name", "f-child_name"));
        assert_eq!(name.hint.as_deref(), Some("As on the ID card."));
        let italian = &super::fields(&schema, &Value::Null, &[], Lang::It)[0];
        assert_eq!(
            (italian.label.as_str(), italian.hint.as_deref()),
            ("Nome del bambino", Some("Come sul documento d'identità."))
        );
        assert_eq!(name.error.as_deref(), Some("\"child_name\" is a required property"));
        assert_eq!(name.described_by.as_deref(), Some("f-child_name-hint f-child_name-error"));
        assert_eq!((fields[1].kind, fields[1].input_type), (Kind::Email, Some("email")));
        let street = &fields[2];
        assert_eq!(
            (street.name.as_str(), street.id.as_str(), street.label.as_str()),
            ("site.street", "f-site-street", "Site: Street")
        );
        assert!(street.required && street.error.is_some());
        let mode: Vec<(&str, bool)> = fields[3].options.iter().map(|o| (o.label.as_str(), o.selected)).collect();
        assert_eq!(mode, [("", false), ("PEC", false), ("Posta", true)]);
        let json = serde_json::to_value(&fields[1]).unwrap();
        assert_eq!(json["kind"], "email");
        assert!(json.get("error").is_some_and(Value::is_null), "absent keys are null, for strict templates");
    }

    #[test]
    fn only_patterns_html_reads_the_same_way_are_kept() {
        assert_eq!(html_pattern("^[A-Z]{2}[0-9]{5}$").as_deref(), Some("[A-Z]{2}[0-9]{5}"));
        assert_eq!(html_pattern("^(IT|SM)[0-9]+$").as_deref(), Some("(IT|SM)[0-9]+"));
        assert_eq!(html_pattern("[0-9]+"), None, "unanchored: JSON Schema searches, HTML matches all");
        assert_eq!(html_pattern("^a|b$"), None, "top-level alternation");
        assert_eq!(html_pattern("^[a-z(]$"), None, "a parenthesis in a class is an error with the v flag");
        assert_eq!(html_pattern("^[a--b]$"), None);
        assert_eq!(html_pattern("^abc\\$"), None);
        let schema = json!({"properties": {"plate": {"type": "string", "pattern": "^[A-Z0-9]+$"}, "cf": {"type": "string", "format": "codice-fiscale"}}});
        let fields = fields(&schema, &Value::Null, &[], Lang::En);
        assert_eq!(fields[0].pattern.as_deref(), Some("[A-Z0-9]+"));
        assert_eq!((fields[1].pattern.as_deref(), fields[1].maxlength), (Some("[A-Za-z0-9]{16}"), Some(16)));
    }
}
