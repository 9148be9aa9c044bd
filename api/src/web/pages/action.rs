//! A transition applied from a page's form, for citizens and clerks alike: the form is read with the
//! transition's input schema, applied at the version the page was drawn at, and either done or
//! refused with what to show again (the values as typed, each field's error, and a message).

use serde_json::{Value as Json, json};
use sportello_definition::data_schema::DataSchema;
use sportello_definition::model::{Lang, Text};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;

use crate::app::{self, cases};
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
    /// The message on top.
    pub message: String,
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

/// Applies `transition` to the case `code` for `actor` with the submitted `fields`: `Ok(None)` when
/// done, `Ok(Some(refused))` when the form or the engine refused it, an error for anything else (a
/// transition the actor may not apply now is "not found").
pub async fn apply_form(
    state: &AppState,
    page: &Page<'_>,
    actor: &Actor,
    code: &str,
    transition: &str,
    fields: &[(String, String)],
) -> Result<Option<Refused>, PageError> {
    let case = cases::case_of(state, actor, code).await?;
    let available =
        case.available_transitions.iter().find(|t| t.name == transition).ok_or_else(PageError::not_found)?;
    let schema = available.input.clone().unwrap_or(json!({"type": "object"}));
    let condition = available.refusal.as_ref().map(|t| Text { it: t.it.clone(), en: t.en.clone() });
    let refused = |values, errors, message| Refused { transition: transition.to_owned(), values, errors, message };
    let input = match form::parse(&schema, fields, page.language()) {
        Ok(input) => input,
        Err(errors) => return Ok(Some(refused(form::echo(&schema, fields), errors, page.t("check_the_form")))),
    };
    let applied =
        cases::apply(state, actor, code, transition, Json::Object(input.clone()), form_version(fields), None).await;
    let input = Json::Object(input);
    match applied {
        Ok(_) => Ok(None),
        Err(error) => match explain_refusal(page, &error, &schema, &input, condition.as_ref()) {
            Some((errors, message)) => Ok(Some(refused(input, errors, message))),
            None => Err(error.into()),
        },
    }
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
