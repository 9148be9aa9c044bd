//! A transition applied from a page's form, for citizens and clerks alike: the form (its files already
//! uploaded as it arrived, `attachments.rs`) is read with the transition's input schema, applied at the
//! version the page was drawn at with the uploads under `documents`, and either done or refused with
//! what to show again (the values as typed, each field's and each file input's error, and a message);
//! a refused form's uploads are discarded.

use indexmap::IndexMap;
use serde_json::{Value as Json, json};
use sportello_definition::data_schema::DataSchema;
use sportello_definition::model::{DocumentInput, Lang, Text};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;

use super::attachments::{Received, count_problem};
use crate::app::{self, cases, workflows};
use crate::state::AppState;
use crate::web::context::Page;
use crate::web::error::PageError;
use crate::web::form;

/// What a refused action form shows again.
pub struct Refused {
    /// The transition.
    pub transition: String,
    /// The values as submitted.
    pub values: Json,
    /// Field errors (JSON pointer, message).
    pub errors: Vec<(String, String)>,
    /// File input errors (document type, message).
    pub files: Vec<(String, String)>,
    /// The message on top.
    pub message: String,
}

impl Refused {
    /// The form of `transition` refused with `message`, nothing else said.
    pub fn with_message(transition: &str, message: String) -> Refused {
        Refused { transition: transition.to_owned(), values: Json::Null, errors: vec![], files: vec![], message }
    }
}

/// The name a refusal of the citizen's draft deletion form goes by (`draft_deletion.rs`), so that the
/// case page shows it beside that form; no transition can have it (a transition's id starts with a
/// letter).
pub const DELETE_FORM: &str = "_delete_draft";

/// The case version a form was drawn at (`_version`), so a change made meanwhile is noticed.
pub fn form_version(fields: &[(String, String)]) -> Option<u64> {
    fields.iter().find(|(k, _)| k == "_version").and_then(|(_, v)| v.parse().ok())
}

/// The fields at fault when the application refused what a form sent as it stands (a stale version, a
/// transition or a condition the case does not allow now, invalid input): the form is shown again
/// with them, rather than an error page. `None` for any other error.
pub fn form_refusal(error: &app::Error) -> Option<Vec<(String, String)>> {
    match error {
        app::Error::InvalidInput { fields, .. } => Some(fields.clone()),
        app::Error::Refused(
            EngineError::StaleCaseVersion { .. }
            | EngineError::TransitionNotAllowed { .. }
            | EngineError::EventNotExpected { .. }
            | EngineError::GuardFailed { .. }
            | EngineError::Expression(_)
            | EngineError::InvalidWorkflow(_)
            | EngineError::IdempotencyKeyReused,
        ) => Some(Vec::new()),
        _ => None,
    }
}

/// The documents `transition` of case `code` takes, if `actor` may apply it now (else "not found").
///
/// # Errors
///
/// Not found for a transition the actor may not apply now; the application's error when the case
/// cannot be read.
pub async fn documents_taken(
    state: &AppState,
    actor: &Actor,
    code: &str,
    transition: &str,
) -> Result<IndexMap<String, DocumentInput>, PageError> {
    let case = cases::case_of(state, actor, code).await?;
    if !case.available_transitions.iter().any(|t| t.name == transition) {
        return Err(PageError::not_found());
    }
    let definition = workflows::definition(state, &case.workflow, Some(case.workflow_version)).await?;
    Ok(definition.transitions.get(transition).map(|t| t.documents.clone()).unwrap_or_default())
}

/// Applies `transition` to the case `code` for `actor` with the `received` form: `Ok(None)` when done
/// (its uploads attached), `Ok(Some(refused))` when the form, a file or the engine refused it, an error
/// for anything else (a transition the actor may not apply now is "not found"). Unless done, the
/// form's uploads are discarded.
pub async fn apply_form(
    state: &AppState,
    page: &Page<'_>,
    actor: &Actor,
    code: &str,
    transition: &str,
    received: &Received,
) -> Result<Option<Refused>, PageError> {
    let outcome = apply_received(state, page, actor, code, transition, received).await;
    if !matches!(outcome, Ok(None)) {
        received.discard(state, actor, code).await;
    }
    outcome
}

async fn apply_received(
    state: &AppState,
    page: &Page<'_>,
    actor: &Actor,
    code: &str,
    transition: &str,
    received: &Received,
) -> Result<Option<Refused>, PageError> {
    let case = cases::case_of(state, actor, code).await?;
    let available =
        case.available_transitions.iter().find(|t| t.name == transition).ok_or_else(PageError::not_found)?;
    let definition = workflows::definition(state, &case.workflow, Some(case.workflow_version)).await?;
    let takes = definition.transitions.get(transition).map(|t| t.documents.clone()).unwrap_or_default();
    let schema = available.input.clone().unwrap_or(json!({"type": "object"}));
    let condition = available.refusal.as_ref().map(|t| Text { it: t.it.clone(), en: t.en.clone() });
    let fields = &received.fields;
    let refused = |values, errors, files, message: String| Refused {
        transition: transition.to_owned(),
        values,
        errors,
        files,
        message: with_reload(page, received, message),
    };
    let input = match form::parse(&schema, fields, page.language()) {
        Ok(input) => input,
        Err(errors) => {
            let files = received.problems.clone();
            return Ok(Some(refused(form::echo(&schema, fields), errors, files, page.t("check_the_form"))));
        }
    };
    // A file refused: the fields' problems are told too, and nothing is applied.
    if !received.problems.is_empty() {
        let errors = field_problems(&schema, &Json::Object(input.clone()), page.language());
        let files = received.problems.clone();
        return Ok(Some(refused(Json::Object(input), errors, files, page.t("check_the_form"))));
    }
    let mut sent = input.clone();
    if !received.uploads.is_empty() {
        sent.insert("documents".to_owned(), received.documents());
    }
    let applied = cases::apply(state, actor, code, transition, Json::Object(sent), form_version(fields), None).await;
    let input = Json::Object(input);
    let error = match applied {
        Ok(_) => return Ok(None),
        Err(error) => error,
    };
    let (error, files) = document_problems(page, error, &takes, received);
    match explain_refusal(page, &error, &schema, &input, condition.as_ref()) {
        Some((errors, message)) => Ok(Some(refused(input, errors, files, message))),
        None => Err(error.into()),
    }
}

/// The engine's refusal of the documents (`/documents/<type>`), told beside the file inputs in the
/// page's language (from the counts sent, which is what the engine checks), and the error without
/// them.
pub fn document_problems(
    page: &Page<'_>,
    error: app::Error,
    takes: &IndexMap<String, DocumentInput>,
    received: &Received,
) -> (app::Error, Vec<(String, String)>) {
    let app::Error::InvalidInput { message, fields } = error else { return (error, Vec::new()) };
    let (documents, others): (Vec<_>, Vec<_>) = fields.into_iter().partition(|(f, _)| f.starts_with("/documents"));
    let mut files: Vec<(String, String)> = Vec::new();
    for (field, _) in documents {
        let doc_type = field.trim_start_matches("/documents").trim_start_matches('/').to_owned();
        if files.iter().any(|(t, _)| *t == doc_type) {
            continue;
        }
        let told = takes.get(&doc_type).and_then(|range| count_problem(page.lang(), received.count(&doc_type), *range));
        files.push((doc_type, told.unwrap_or_else(|| page.t("file_not_attached"))));
    }
    (app::Error::InvalidInput { message, fields: others }, files)
}

/// `message`, asking to choose the files again when the form sent some: a file input cannot be
/// filled in again by the page.
pub fn with_reload(page: &Page<'_>, received: &Received, message: String) -> String {
    if !received.chose_files {
        return message;
    }
    let stop = if message.ends_with(['.', '!', '?']) { "" } else { "." };
    format!("{message}{stop} {}", page.t("reload_files"))
}

/// Each field's problem with `input` against `schema`, worded for people in `lang` (JSON pointer,
/// message); none when the schema itself does not compile.
pub fn field_problems(schema: &Json, input: &Json, lang: Lang) -> Vec<(String, String)> {
    DataSchema::compile(schema).map(|s| s.explain(input, lang)).unwrap_or_default()
}

/// What a form refused by the application shows, in the page's language: each field's problem told
/// beside it (as [`DataSchema::explain`] words it for `schema` and the `input` sent), and above the
/// form why: the transition's `refusal` text for a condition not met (never the condition itself), a
/// case that changed meanwhile, or a step no longer possible. `None` when the form is not at fault.
pub fn explain_refusal(
    page: &Page<'_>,
    error: &app::Error,
    schema: &Json,
    input: &Json,
    refusal: Option<&Text>,
) -> Option<(Vec<(String, String)>, String)> {
    let fields = form_refusal(error)?;
    let lang = page.language();
    let (fields, message) = match error {
        app::Error::InvalidInput { .. } => {
            let explained = field_problems(schema, input, lang);
            (if explained.is_empty() { fields } else { explained }, page.t("check_the_form"))
        }
        app::Error::Refused(EngineError::StaleCaseVersion { .. }) => (fields, page.t("stale")),
        app::Error::Refused(EngineError::GuardFailed { .. }) => {
            (fields, refusal.map_or_else(|| page.t("condition_not_met"), |text| text.get(lang).to_owned()))
        }
        app::Error::Refused(EngineError::Expression(_)) => (fields, page.t("condition_not_met")),
        _ => (fields, page.t("not_possible_now")),
    };
    Some((fields, message))
}
