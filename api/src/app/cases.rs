//! Cases: open one (a citizen for themselves, staff of the owning office on a citizen's behalf), read
//! it as an actor sees it, apply a transition, save a draft, and assign it to a clerk. Each command is
//! checked for who may do it, run by the store as one transaction, and counted in the metrics.

use serde_json::{Map, Value as Json};
use sportello_definition::codice_fiscale::CodiceFiscale;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Applied, Apply, Assign, CaseSummary, OpenCase, SaveDraft, StoredCase, case_id_from_code};

use super::Error;
use super::access::{visible_case, visible_summary};
use super::case_view::{CaseDto, case_dto};
use super::effects_view;
use super::people;
use super::refusals::refused;
use crate::state::AppState;

/// A new application, as asked for.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The workflow (its latest version is used).
    pub workflow: String,
    /// The applicant's fiscal code: staff must give it; a citizen may omit it (it is their own).
    pub applicant: Option<String>,
    /// Initial data (a draft), merged into the case.
    pub data: Option<Json>,
}

/// Today in Italy (`YYYY-MM-DD`), by the store's clock: the day a service's window is checked on.
pub fn today(state: &AppState) -> String {
    sportello_runtime::clock::civil_day(state.store.now()).to_string()
}

/// Opens a case for `actor`. `key` makes a retry return the same case.
pub async fn open(state: &AppState, actor: &Actor, new: NewCase, key: Option<String>) -> Result<Applied, Error> {
    let applicant = match (actor, new.applicant) {
        (Actor::Citizen { fiscal_code }, None) => fiscal_code.clone(),
        (Actor::Citizen { fiscal_code }, Some(given)) if given.eq_ignore_ascii_case(fiscal_code) => fiscal_code.clone(),
        (Actor::Citizen { .. }, Some(_)) => {
            return Err(Error::forbidden("a citizen opens cases only for themselves"));
        }
        (_, Some(given)) => match CodiceFiscale::parse(&given) {
            Ok(code) => code.as_str().to_owned(),
            Err(error) => {
                return Err(Error::invalid_field(
                    "the applicant's fiscal code is not valid",
                    "/applicant",
                    error.to_string(),
                ));
            }
        },
        (_, None) => {
            return Err(Error::invalid_field(
                "staff must name the applicant",
                "/applicant",
                "required when staff open a case",
            ));
        }
    };
    if let Actor::Citizen { .. } = actor {
        let definition = state.store.definition(&new.workflow, None).await?;
        if let Some(window) = definition.window.as_ref().filter(|w| !w.is_open_on(&today(state))) {
            return Err(Error::Closed { from: window.from.clone(), until: window.until.clone() });
        }
    }
    let command = OpenCase {
        workflow: new.workflow.clone(),
        applicant,
        actor: actor.clone(),
        data: new.data.unwrap_or(Json::Object(Default::default())),
        idempotency_key: key,
    };
    let opened =
        state.store.open_case(command).await.inspect_err(|e| state.metrics.transition(&new.workflow, e.code()));
    let opened = opened?;
    state.metrics.transition(&new.workflow, "opened");
    Ok(opened)
}

/// The case a command left, as `actor` sees it, without its payments and effects: the answer to the
/// command. Built from the case the command carried back ([`Applied::after`]) and the case's timers;
/// the case itself is read again only for a replayed result, which carries none.
pub async fn after_command(state: &AppState, actor: &Actor, applied: Applied) -> Result<CaseDto, Error> {
    match applied.after {
        Some(after) => view(state, actor, state.store.case_after(applied.case_id, *after).await?).await,
        None => current(state, actor, applied.case_id).await,
    }
}

/// The case with id `case_id` as `actor` sees it now, without its payments and effects (one read).
pub async fn current(state: &AppState, actor: &Actor, case_id: i64) -> Result<CaseDto, Error> {
    view(state, actor, state.store.case(case_id).await?).await
}

/// `stored` as `actor` sees it, by its own workflow version.
async fn view(state: &AppState, actor: &Actor, stored: StoredCase) -> Result<CaseDto, Error> {
    let definition = state.store.definition(stored.case.workflow.as_str(), Some(stored.case.workflow_version)).await?;
    Ok(case_dto(&definition, &stored, actor))
}

/// The case `code` as `actor` sees it, with its payments and effects.
pub async fn case_of(state: &AppState, actor: &Actor, code: &str) -> Result<CaseDto, Error> {
    let (stored, definition) = visible_case(state, actor, code, "read").await?;
    let mut dto = case_dto(&definition, &stored, actor);
    let payments = state.store.case_payments(stored.id).await?;
    dto.payments = Some(effects_view::payments(&payments, state.creditor.as_deref()));
    let documents = super::documents::visible_documents(state, actor, &stored).await?;
    dto.documents = Some(documents.iter().map(|d| super::documents::DocumentDto::of(d, &definition)).collect());
    dto.effects = Some(effects_view::effects(&state.store.case_effects(stored.id).await?, actor));
    Ok(dto)
}

/// Applies `transition` with `input` to the case `code` for `actor`, at `expected_version` when given;
/// `key` makes a retry return the first result.
///
/// The case is read once, by the store's writer, which checks there that the actor may act on it (a
/// case they may not see is refused like a missing one). Only a refusal, or a replayed result, reads
/// the case's summary, for the metrics' workflow and, when the case exists but is hidden from the
/// actor, the refused attempt in its audit trail.
pub async fn apply(
    state: &AppState,
    actor: &Actor,
    code: &str,
    transition: &str,
    input: Json,
    expected_version: Option<u64>,
    key: Option<String>,
) -> Result<Applied, Error> {
    let case_id = case_id_from_code(code).ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    let mut input = input;
    let documents = super::documents::take_attachments(&mut input)?;
    let command = Apply {
        case_id,
        code: Some(code.to_owned()),
        command: ApplyTransition {
            documents,
            transition: transition.to_owned(),
            actor: actor.clone(),
            input,
            expected_version,
            term_day: None,
        },
        idempotency_key: key,
    };
    match state.store.apply(command).await {
        Ok(applied) => {
            match &applied.after {
                Some(after) => state.metrics.transition(&after.case.workflow, "applied"),
                None => count_for_summary(state, case_id, code, "applied").await,
            }
            Ok(applied)
        }
        Err(error) => {
            if matches!(error, EngineError::ActorNotAllowed { .. } | EngineError::CaseNotFound) {
                refused(state, actor, code, &format!("apply:{transition}"), error.code());
            }
            count_for_summary(state, case_id, code, error.code()).await;
            Err(error.into())
        }
    }
}

/// Counts a transition command with `outcome` under the workflow of case `code`, read for it.
async fn count_for_summary(state: &AppState, case_id: i64, code: &str, outcome: &str) {
    if let Some(summary) = summary_of(state, case_id, code).await {
        state.metrics.transition(&summary.workflow, outcome);
    }
}

/// The summary of the case `code` (row `case_id`), if it exists and that is its code.
async fn summary_of(state: &AppState, case_id: i64, code: &str) -> Option<CaseSummary> {
    let summary = state.store.case_summary(case_id).await.ok()?;
    summary.code.eq_ignore_ascii_case(code).then_some(summary)
}

/// Saves `changes` into the draft `code` for `actor` (a field set to `null` is removed), at
/// `expected_version` when given. The store refuses anyone but the applicant and staff of the owning
/// office, and a case that is no longer a draft.
pub async fn save_draft(
    state: &AppState,
    actor: &Actor,
    code: &str,
    changes: Map<String, Json>,
    expected_version: Option<u64>,
) -> Result<Applied, Error> {
    let case_id = case_id_from_code(code).ok_or(Error::NotFound(EngineError::CaseNotFound))?;
    let command = SaveDraft { case_id, data: changes, actor: actor.clone(), expected_version };
    Ok(state.store.save_draft(command).await?)
}

/// Assigns the case `code` to `assignee` (or unassigns it) for `actor`, staff of its office only. The
/// assignee must be `actor` themselves or a member of staff of the case's office in the directory of
/// people (as they last signed in or called the API): anyone else is refused as invalid input on
/// `/assignee`.
pub async fn assign(
    state: &AppState,
    actor: &Actor,
    code: &str,
    assignee: Option<String>,
    expected_version: Option<u64>,
) -> Result<Applied, Error> {
    let stored = visible_summary(state, actor, code, "assign").await?;
    if !matches!(actor, Actor::Staff { .. }) {
        refused(state, actor, code, "assign", "forbidden");
        return Err(Error::forbidden("only staff of the office assign cases"));
    }
    if let Some(assignee) = &assignee
        && (assignee.is_empty() || assignee.len() > 200)
    {
        return Err(Error::invalid_field("the assignee must be a user id", "/assignee", "1 to 200 characters"));
    }
    if let Some(assignee) = &assignee
        && !is_self(actor, assignee, &stored.office)
        && !people::is_staff_of(state, assignee, &stored.office).await?
    {
        return Err(Error::invalid_field(
            format!("`{assignee}` is not a member of staff of office `{}`", stored.office),
            "/assignee",
            "not a member of staff of this office",
        ));
    }
    Ok(state.store.assign(Assign { case_id: stored.id, assignee, actor: actor.clone(), expected_version }).await?)
}

/// Whether `assignee` is `actor` themselves, working for `office`: they take the case in charge, and
/// their own sign-in is proof enough that they are its staff.
fn is_self(actor: &Actor, assignee: &str, office: &str) -> bool {
    matches!(actor, Actor::Staff { user, offices, .. } if user == assignee && offices.iter().any(|o| o == office))
}
