//! The citizen's area ("Le mie pratiche"): their applications grouped into drafts, waiting for them,
//! in progress and concluded; a new application, whose form comes from the workflow's sending
//! transition and can be saved as a draft and resumed; and the case page with its status, milestones,
//! the legal due date, what is expected of them (each a form), payments with their pagoPA notice and
//! QR code, and the messages sent; a draft's page also offers to delete it (`draft_deletion.rs`).

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value as Json, json};
use sportello_definition::Definition;
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error as EngineError;

use super::Notice;
use super::action::{
    DELETE_FORM, Refused, apply_form, document_problems, documents_taken, explain_refusal, field_problems,
    form_version, with_reload,
};
use super::attachments::{self, Received};
use super::case_data::{data_facts, days_left};
use super::case_file;
use super::messages::shown;
use crate::app::cases::{self, NewCase};
use crate::app::messages::messages;
use crate::app::search::{self, CaseFilter};
use crate::app::timeline::timeline_with_definition;
use crate::app::{self, workflows};
use crate::state::AppState;
use crate::web::Web;
use crate::web::case_texts;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::form;
use crate::web::redirect::see_other;
use crate::web::visitor::{Form, Visitor};

/// The most applications listed on one page.
const LISTED: u32 = 200;

/// `/pratiche`: the citizen's applications, grouped.
pub async fn my_cases(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let fiscal_code = page.citizen("/pratiche")?;
    let actor = Actor::Citizen { fiscal_code };
    let found = search::search(&state, &actor, CaseFilter { limit: Some(LISTED), ..CaseFilter::default() }).await?;
    let mut groups: Vec<(&str, Vec<Json>)> =
        vec![("drafts", vec![]), ("waiting_for_me", vec![]), ("in_progress", vec![]), ("concluded", vec![])];
    for item in found.items {
        let definition = workflows::definition(&state, &item.workflow, Some(item.workflow_version)).await?;
        let is_final = definition.states.get(item.state.as_str()).is_some_and(|s| s.is_final);
        let group = if item.state == definition.initial.as_str() {
            0
        } else if is_final {
            3
        } else if matches!(item.waiting_for.as_deref(), Some("citizen" | "payment")) {
            1
        } else {
            2
        };
        let mut entry = serde_json::to_value(&item).unwrap_or_default();
        entry["title"] = json!({"it": definition.title.it, "en": definition.title.en});
        groups[group].1.push(entry);
    }
    let groups: Vec<Json> = groups
        .into_iter()
        .map(|(key, items)| json!({"key": key, "label": page.t(&format!("group_{key}")), "count": items.len(), "items": items}))
        .collect();
    Ok(page.render(
        "my_cases",
        &page.t("my_cases"),
        Place::Section("/pratiche"),
        notice.key(),
        json!({"groups": groups}),
    ))
}

/// `/pratiche/nuova`: the services one can apply for.
pub async fn catalogue(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.citizen("/pratiche/nuova")?;
    let mut workflows = Vec::new();
    let today = cases::today(&state);
    for summary in workflows::catalogue(&state).await? {
        let definition = workflows::definition(&state, &summary.id, None).await?;
        if sending_transition(&definition).is_none() {
            continue;
        }
        let window = definition.window.as_ref();
        workflows.push(json!({
            "id": summary.id,
            "title": summary.title,
            "description": definition.description.as_ref().map(|d| json!({"it": d.it, "en": d.en})),
            "window": window.map(|w| json!({"from": w.from, "until": w.until})),
            "closed": window.is_some_and(|w| !w.is_open_on(&today)),
        }));
    }
    Ok(page.render(
        "catalogue",
        &page.t("new_application"),
        Place::Section("/pratiche/nuova"),
        None,
        json!({"workflows": workflows}),
    ))
}

/// The transition by which the citizen sends a draft: the first one of theirs that leaves the initial
/// state for a state that is not final.
fn sending_transition(definition: &Definition) -> Option<(&str, &sportello_definition::model::TransitionDef)> {
    definition.transitions.iter().find_map(|(name, t)| {
        let by_citizen = t.by.contains(&sportello_definition::model::Actor::Citizen);
        let onward = definition.states.get(t.to.as_str()).is_some_and(|s| !s.is_final);
        (by_citizen && onward && t.from.contains(&definition.initial)).then_some((name.as_str(), t))
    })
}

/// The schema of the application form: the sending transition's input.
pub(super) fn application_schema(definition: &Definition) -> Option<(String, Json, Json)> {
    let (name, transition) = sending_transition(definition)?;
    let schema = transition.input.as_ref().map(|s| s.schema().clone()).unwrap_or_else(|| json!({"type": "object"}));
    let title = transition.title.as_ref().map(|t| json!({"it": t.it, "en": t.en})).unwrap_or(json!({"it": "Invia"}));
    Some((name.to_owned(), schema, title))
}

/// What the application form needs to be drawn.
struct ApplicationForm<'a> {
    definition: &'a Definition,
    action: String,
    code: Option<String>,
    version: Option<u64>,
    values: Json,
    errors: Vec<(String, String)>,
    error: Option<String>,
    /// Outside the service's window: the page says so, with the dates, and shows no form.
    closed: bool,
}

impl<'a> ApplicationForm<'a> {
    /// The form of a new application, posted to `action`.
    fn new(definition: &'a Definition, action: String, values: Json) -> ApplicationForm<'a> {
        ApplicationForm {
            definition,
            action,
            code: None,
            version: None,
            values,
            errors: vec![],
            error: None,
            closed: false,
        }
    }

    /// The form of the draft `code`, drawn at `version`.
    fn draft(definition: &'a Definition, code: &str, version: Option<u64>, values: Json) -> ApplicationForm<'a> {
        ApplicationForm {
            action: format!("/pratiche/{code}/modifica"),
            code: Some(code.to_owned()),
            version,
            ..ApplicationForm::new(definition, String::new(), values)
        }
    }

    /// The form shown again after a refusal: each field's error, and a message above the form.
    fn refused(self, errors: Vec<(String, String)>, error: Option<String>) -> ApplicationForm<'a> {
        ApplicationForm { errors, error, ..self }
    }

    /// The page of a service outside its window, when `today` is outside it.
    fn closed_on(self, today: &str) -> ApplicationForm<'a> {
        let closed = self.definition.window.as_ref().is_some_and(|w| !w.is_open_on(today));
        ApplicationForm { closed, ..self }
    }
}

fn render_application(page: &Page<'_>, status: StatusCode, form: ApplicationForm<'_>) -> Result<Response, PageError> {
    let (sending, schema, submit_title) = application_schema(form.definition).ok_or_else(PageError::not_found)?;
    let fields = form::fields(&schema, &form.values, &form.errors, page.language());
    // The files are attached on the review, with the sending itself: told here so none comes as a
    // surprise.
    let takes = form.definition.transitions.get(sending.as_str()).map(|t| t.documents.clone()).unwrap_or_default();
    let documents = attachments::inputs(page, form.definition, &sending, &takes, &[]);
    let data = json!({
        "title": {"it": form.definition.title.it, "en": form.definition.title.en},
        "description": form.definition.description.as_ref().map(|d| json!({"it": d.it, "en": d.en})),
        "action": form.action,
        "code": form.code,
        "version": form.version,
        "fields": fields,
        "documents": documents,
        "submit_title": submit_title,
        "error": form.error,
        "window": form.definition.window.as_ref().map(|w| json!({"from": w.from, "until": w.until})),
        "closed": form.closed,
    });
    let title = form.definition.title.get(page.language()).to_owned();
    Ok(page.render_status(status, "application", &title, Place::Within("/pratiche/nuova"), None, data))
}

/// `/pratiche/nuova/{workflow}`: an empty application, the applicant's fiscal code filled in.
pub async fn new_form(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(workflow): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let here = format!("/pratiche/nuova/{workflow}");
    let fiscal_code = page.citizen(&here)?;
    let definition = workflows::definition(&state, &workflow, None).await?;
    let values = prefilled(&definition, &fiscal_code, Json::Object(Map::new()));
    let today = cases::today(&state);
    render_application(&page, StatusCode::OK, ApplicationForm::new(&definition, here, values).closed_on(&today))
}

/// Fills the applicant's own fiscal code into the data field that asks for it, when empty.
fn prefilled(definition: &Definition, fiscal_code: &str, mut values: Json) -> Json {
    let fields = definition.data.as_ref().map(|d| d.properties()).unwrap_or_default();
    let own = ["applicant_fiscal_code", "appellant_fiscal_code", "subject_fiscal_code"];
    if let (Some(name), Json::Object(map)) = (own.iter().find(|n| fields.contains_key(**n)), &mut values) {
        map.entry(*name).or_insert_with(|| json!(fiscal_code));
    }
    values
}

/// `POST /pratiche/nuova/{workflow}`: opens the case as a draft with what was filled in; then, unless
/// only saving, sends it. A refused sending leaves the draft saved and shows the form with the errors.
pub async fn new_submit(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(workflow): Path<String>,
    Form { fields, .. }: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let here = format!("/pratiche/nuova/{workflow}");
    let fiscal_code = page.citizen(&here)?;
    let actor = Actor::Citizen { fiscal_code };
    let definition = workflows::definition(&state, &workflow, None).await?;
    let (_, schema, _) = application_schema(&definition).ok_or_else(PageError::not_found)?;
    let data = match form::parse(&schema, &fields, page.language()) {
        Ok(data) => data,
        Err(errors) => {
            let values = form::echo(&schema, &fields);
            return render_application(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                ApplicationForm::new(&definition, here, values).refused(errors, None),
            );
        }
    };
    let saving = fields.iter().any(|(k, v)| k == "_action" && v == "save");
    // Sent as it stands: a form the sending step would refuse creates nothing, not a silent draft.
    if !saving {
        let errors = field_problems(&schema, &Json::Object(data.clone()), page.language());
        if !errors.is_empty() {
            let form = ApplicationForm::new(&definition, here, Json::Object(data));
            let message = Some(page.t("not_sent_check_the_form"));
            return render_application(&page, StatusCode::UNPROCESSABLE_ENTITY, form.refused(errors, message));
        }
    }
    let new = NewCase { workflow: workflow.clone(), applicant: None, data: Some(Json::Object(data.clone())) };
    let opened = match cases::open(&state, &actor, new, None).await {
        Ok(opened) => opened,
        Err(app::Error::Closed { .. }) => {
            let form = ApplicationForm::new(&definition, here, Json::Null).closed_on(&cases::today(&state));
            return render_application(&page, StatusCode::CONFLICT, form);
        }
        Err(error) => return Err(error.into()),
    };
    let code = opened.code.clone();
    if saving {
        return Ok(see_other("/pratiche?notice=draft_saved#group-drafts"));
    }
    Ok(see_other(&format!("/pratiche/{code}/riepilogo")))
}

/// Applies the sending transition to the draft `code`, attaching the files `received`: the case page,
/// or, on a refusal of the fields, the uploads discarded and the edit form with the fields' errors; a
/// refusal of the files is given back, for the review to show beside its inputs (`Err`, each document
/// type and why), the uploads not yet discarded.
#[allow(clippy::too_many_arguments)]
pub(super) async fn send(
    state: &AppState,
    page: &Page<'_>,
    actor: &Actor,
    definition: &Definition,
    code: &str,
    data: Map<String, Json>,
    version: Option<u64>,
    received: &Received,
) -> Result<Result<Response, Vec<(String, String)>>, PageError> {
    let (transition, schema, _) = application_schema(definition).ok_or_else(PageError::not_found)?;
    let mut sent = data.clone();
    if !received.uploads.is_empty() {
        sent.insert("documents".to_owned(), received.documents());
    }
    let error = match cases::apply(state, actor, code, &transition, Json::Object(sent), None, None).await {
        Ok(_) => return Ok(Ok(see_other(&format!("/pratiche/{code}?notice=application_sent")))),
        Err(error) => error,
    };
    let takes = definition.transitions.get(transition.as_str()).map(|t| t.documents.clone()).unwrap_or_default();
    let (error, files) = document_problems(page, error, &takes, received);
    if !files.is_empty() {
        return Ok(Err(files));
    }
    received.discard(state, actor, code).await;
    let refusal = definition.transitions.get(transition.as_str()).and_then(|t| t.refusal.as_ref());
    let input = Json::Object(data.clone());
    let Some((errors, message)) = explain_refusal(page, &error, &schema, &input, refusal) else {
        return Err(error.into());
    };
    let message = with_reload(page, received, format!("{message} {}", page.t("kept_as_draft")));
    render_application(
        page,
        StatusCode::UNPROCESSABLE_ENTITY,
        ApplicationForm::draft(definition, code, version, Json::Object(data)).refused(errors, Some(message)),
    )
    .map(Ok)
}

/// `/pratiche/{code}/modifica`: the draft's form, filled in with what was saved.
pub async fn draft_form(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let here = format!("/pratiche/{code}/modifica");
    let fiscal_code = page.citizen(&here)?;
    let actor = Actor::Citizen { fiscal_code: fiscal_code.clone() };
    let case = cases::case_of(&state, &actor, &code).await?;
    let definition = workflows::definition(&state, &case.workflow, Some(case.workflow_version)).await?;
    if case.state != definition.initial.as_str() {
        return Ok(see_other(&format!("/pratiche/{}", case.code)));
    }
    let values = prefilled(&definition, &fiscal_code, case.data.clone());
    render_application(
        &page,
        StatusCode::OK,
        ApplicationForm::draft(&definition, &case.code, Some(case.version), values),
    )
}

/// `POST /pratiche/{code}/modifica`: saves the draft (emptied fields are removed), then, unless only
/// saving, sends it.
pub async fn draft_submit(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
    Form { fields, .. }: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let here = format!("/pratiche/{code}/modifica");
    let fiscal_code = page.citizen(&here)?;
    let actor = Actor::Citizen { fiscal_code };
    let case = cases::case_of(&state, &actor, &code).await?;
    let definition = workflows::definition(&state, &case.workflow, Some(case.workflow_version)).await?;
    let (_, schema, _) = application_schema(&definition).ok_or_else(PageError::not_found)?;
    let version = form_version(&fields);
    let data = match form::parse(&schema, &fields, page.language()) {
        Ok(data) => data,
        Err(errors) => {
            let values = form::echo(&schema, &fields);
            return render_application(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                ApplicationForm::draft(&definition, &case.code, version, values).refused(errors, None),
            );
        }
    };
    let mut changes = data.clone();
    for name in schema
        .get("properties")
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        changes.entry(name).or_insert(Json::Null);
    }
    let saved = match cases::save_draft(&state, &actor, &case.code, changes, version).await {
        Ok(saved) => saved,
        Err(app::Error::Refused(EngineError::StaleCaseVersion { .. })) => {
            return render_application(
                &page,
                StatusCode::CONFLICT,
                ApplicationForm::draft(&definition, &case.code, Some(case.version), Json::Object(data))
                    .refused(vec![], Some(page.t("stale"))),
            );
        }
        Err(error) => return Err(error.into()),
    };
    if fields.iter().any(|(k, v)| k == "_action" && v == "save") {
        return Ok(see_other("/pratiche?notice=draft_saved#group-drafts"));
    }
    // Saved; shown for review before sending, unless the sending step would refuse it as it stands.
    let errors = field_problems(&schema, &Json::Object(data.clone()), page.language());
    if !errors.is_empty() {
        let message = format!("{} {}", page.t("check_the_form"), page.t("kept_as_draft"));
        let form = ApplicationForm::draft(&definition, &case.code, Some(saved.version), Json::Object(data));
        return render_application(&page, StatusCode::UNPROCESSABLE_ENTITY, form.refused(errors, Some(message)));
    }
    Ok(see_other(&format!("/pratiche/{}/riepilogo", case.code)))
}

/// `/pratiche/{code}`: the case as the citizen follows it.
pub async fn case_page(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    render_case(&state, &page, &code, notice.key(), None).await
}

/// The citizen's page of case `code`, with `notice` on top, and, when a form of it was refused, that
/// form shown again with why (a transition's, or the draft's deletion: [`DELETE_FORM`]).
pub(super) async fn render_case(
    state: &AppState,
    page: &Page<'_>,
    code: &str,
    notice: Option<&str>,
    refused: Option<Refused>,
) -> Result<Response, PageError> {
    let fiscal_code = page.citizen(&format!("/pratiche/{code}"))?;
    let actor = Actor::Citizen { fiscal_code };
    let (timeline, definition, is_draft) = timeline_with_definition(state, &actor, code).await?;
    let case = cases::case_of(state, &actor, code).await?;
    // What the citizen must do has a term when their state has a deadline: by when, and days left.
    let act_by = case.timers.iter().filter(|t| t.kind == "deadline" && t.name == case.state).map(|t| &t.due_at).min();
    let act_by = act_by.and_then(|at| at.parse::<jiff::Timestamp>().ok().map(|ts| (at, ts))).map(|(at, ts)| {
        let today = sportello_runtime::clock::civil_day(state.store.now());
        let days = (sportello_runtime::clock::civil_day(ts) - today).get_days();
        json!({"at": at, "days": days_left(page, i64::from(days))})
    });
    let case_data = case.data;
    let sending = application_schema(&definition).map(|(name, ..)| name);
    let actions: Vec<Json> = timeline
        .expected_from_citizen
        .iter()
        .filter(|t| !(is_draft && Some(&t.name) == sending.as_ref()))
        .map(|t| {
            let schema = t.input.clone().unwrap_or(json!({"type": "object"}));
            let (values, errors, files) = match &refused {
                Some(r) if r.transition == t.name => (r.values.clone(), r.errors.clone(), r.files.clone()),
                _ => (Json::Null, vec![], vec![]),
            };
            // A transition that closes the case asks for a ticked confirmation, and is not the
            // page's main button.
            let confirm = ends_the_case(&definition, &t.to);
            let takes = definition.transitions.get(t.name.as_str()).map(|d| d.documents.clone()).unwrap_or_default();
            json!({
                "name": t.name,
                "title": t.title,
                "confirm": confirm,
                "fields": form::fields(&schema, &values, &errors, page.language()),
                "files": attachments::inputs(page, &definition, &t.name, &takes, &files),
            })
        })
        .collect();
    let mut view = serde_json::to_value(&timeline).unwrap_or_default();
    let sent: Vec<Json> = messages(state, &actor, code)
        .await?
        .iter()
        .map(|m| {
            let mut shown = shown(page, m);
            shown["label"] = json!(case_texts::effect_label(&definition, "notify", &m.name, code, page.language()));
            shown
        })
        .collect();
    if let Some(payments) = view.get_mut("payments").and_then(Json::as_array_mut) {
        for payment in payments {
            let label = payment.get("status").and_then(Json::as_str).map(|s| page.t(&format!("payment_{s}")));
            payment["status_label"] = json!(label);
            let open = payment.get("status").and_then(Json::as_str) == Some("open");
            if let (true, Some(payload)) = (open, payment.get("qr_payload").and_then(Json::as_str)) {
                payment["qr_svg"] = json!(crate::web::qr::svg(payload).ok());
            }
        }
    }
    let case_file = case_file::section(state, page, &actor, code, &format!("/pratiche/{code}")).await?;
    let data = json!({
        "case": view,
        "case_file": case_file,
        "data": data_facts(page, &definition, &case_data),
        "messages": sent,
        "act_by": act_by,
        "simulated_payments": page.web.simulated_payments,
        "is_draft": is_draft,
        "actions": actions,
        "error": refused.as_ref().filter(|r| r.transition != DELETE_FORM).map(|r| r.message.clone()),
        "delete_error": refused.as_ref().filter(|r| r.transition == DELETE_FORM).map(|r| r.message.clone()),
    });
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(page.render_status(status, "citizen_case", &timeline.code, Place::Within("/pratiche"), notice, data))
}

/// `POST /pratiche/{code}/azioni/{transition}`: the citizen applies one of their transitions, with
/// the files its form uploads.
pub async fn act(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path((code, transition)): Path<(String, String)>,
    request: Request,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let fiscal_code = page.citizen(&format!("/pratiche/{code}"))?;
    let actor = Actor::Citizen { fiscal_code };
    let takes = documents_taken(&state, &actor, &code, &transition).await?;
    let mut received = attachments::receive(&state, &page, &actor, &code, &takes, request).await?;
    attachments::check_counts(&page, &takes, &mut received);
    if !confirmed(&received.fields) {
        let (timeline, definition, _) = timeline_with_definition(&state, &actor, &code).await?;
        let chosen = timeline.expected_from_citizen.iter().find(|t| t.name == transition);
        if let Some(chosen) = chosen.filter(|t| ends_the_case(&definition, &t.to)) {
            received.discard(&state, &actor, &code).await;
            let refused = unconfirmed(&page, chosen.input.as_ref(), &transition, &received);
            return render_case(&state, &page, &code, None, Some(refused)).await;
        }
    }
    match apply_form(&state, &page, &actor, &code, &transition, &received).await? {
        None => Ok(see_other(&format!("/pratiche/{code}?notice=action_done"))),
        Some(refused) => render_case(&state, &page, &code, None, Some(refused)).await,
    }
}

/// A form that closes the case sent without its ticked confirmation: shown again as it was filled in.
fn unconfirmed(page: &Page<'_>, input: Option<&Json>, transition: &str, received: &Received) -> Refused {
    let schema = input.cloned().unwrap_or(json!({"type": "object"}));
    Refused {
        transition: transition.to_owned(),
        values: form::echo(&schema, &received.fields),
        errors: Vec::new(),
        files: received.problems.clone(),
        message: with_reload(page, received, page.t("confirm_needed")),
    }
}

/// Whether a transition to `state` closes the case (the state is final).
fn ends_the_case(definition: &Definition, state: &str) -> bool {
    definition.states.get(state).is_some_and(|s| s.is_final)
}

/// Whether the form carries the ticked confirmation (`_confirm=true`) that closing a case, or deleting
/// a draft, asks for.
pub(super) fn confirmed(fields: &[(String, String)]) -> bool {
    fields.iter().any(|(name, value)| name == "_confirm" && value == "true")
}
