//! The clerk's pages: the worklist of their offices (soonest legal due date first, overdue and near-due
//! rows marked, filters and counts per state, failed deliveries), and the case page with the
//! transitions they may apply as forms (with file inputs for the documents they take), the case file,
//! the data, the clocks, the payments, the deliveries with retry and dismiss for incidents, the
//! assignment and the audit trail.

use std::sync::Arc;

use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::civil_day;
use sportello_runtime::error::Error as EngineError;
use sportello_store::PersonKind;

use super::Notice;
use super::action::{Refused, apply_form, documents_taken, form_refusal, form_version};
use super::attachments;
use super::case_data::{data_facts, days_left};
use super::case_file;
use crate::app::incidents::{self, IncidentAction};
use crate::app::people::{self, StaffMember};
use crate::app::search::{self, CaseFilter};
use crate::app::worklist::{self, WorklistPage};
use crate::app::{self, cases, timeline, workflows};
use crate::state::AppState;
use crate::web::Web;
use crate::web::case_texts;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::form;
use crate::web::redirect::see_other;
use crate::web::visitor::{Form, Visitor};

/// Rows on one worklist page.
const ROWS: u32 = 50;
/// A case due within this many days is marked as near its due date.
const NEAR_DAYS: i64 = 3;

/// The worklist's filters.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    workflow: Option<String>,
    due: Option<String>,
    assignee: Option<String>,
    code: Option<String>,
    cursor: Option<String>,
}

fn some(text: &Option<String>) -> Option<String> {
    text.as_ref().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `/ufficio`: the cases waiting for the clerk's offices.
pub async fn worklist(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Query(filters): Query<Filters>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = page.clerk("/ufficio")?.clone();
    let overview =
        worklist::worklist(&state, &actor, WorklistPage { limit: Some(1), ..WorklistPage::default() }).await?;
    let filter = CaseFilter {
        workflow: some(&filters.workflow),
        waiting_for: Some("office".to_owned()),
        assignee: some(&filters.assignee),
        code: some(&filters.code),
        overdue: (filters.due.as_deref() == Some("overdue")).then_some(true),
        due_within_days: (filters.due.as_deref() == Some("7")).then_some(7),
        cursor: some(&filters.cursor),
        limit: Some(ROWS),
        ..CaseFilter::default()
    };
    let found = search::search(&state, &actor, filter).await?;
    let today = civil_day(state.store.now());
    let applicants: Vec<String> = found.items.iter().map(|i| i.applicant.clone()).collect();
    let applicant_names = people::names(&state, PersonKind::Citizen, &applicants).await?;
    let assignees: Vec<String> = found.items.iter().filter_map(|i| i.assignee.clone()).collect();
    let assignee_names = people::names(&state, PersonKind::Staff, &assignees).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for item in &found.items {
        let definition = workflows::definition(&state, &item.workflow, Some(item.workflow_version)).await?;
        let near = item
            .due
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .is_some_and(|due| !item.overdue && (due - today).get_days() <= NEAR_DAYS as i32);
        let mut row = serde_json::to_value(item).unwrap_or_default();
        row["title"] = json!({"it": definition.title.it, "en": definition.title.en});
        row["near_due"] = json!(near);
        let left =
            item.due.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok()).map(|due| (due - today).get_days());
        row["days_left"] = json!(left.map(|days| days_left(&page, i64::from(days))));
        row["applicant_name"] = json!(applicant_names.get(&item.applicant));
        row["assignee_name"] = json!(item.assignee.as_ref().and_then(|a| assignee_names.get(a)));
        items.push(row);
    }
    let choices: Vec<Json> = workflows::catalogue(&state)
        .await?
        .into_iter()
        .filter(|w| match &actor {
            Actor::Staff { offices, .. } => offices.contains(&w.office),
            _ => false,
        })
        .map(|w| json!({"id": w.id, "title": w.title, "selected": filters.workflow.as_deref() == Some(w.id.as_str())}))
        .collect();
    let next = found.next.as_ref().map(|cursor| {
        let kept: Vec<(String, String)> = raw
            .as_deref()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != "cursor")
            .chain([("cursor".to_owned(), cursor.clone())])
            .collect();
        format!("/ufficio?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    });
    let mut incidents = Vec::with_capacity(overview.incidents.len());
    for incident in &overview.incidents {
        let definition = workflows::definition(&state, &incident.workflow, Some(incident.workflow_version)).await?;
        let effect = &incident.effect;
        incidents.push(json!({
            "code": incident.code,
            "label": case_texts::effect_label(&definition, &effect.kind, &effect.name, &incident.code, page.language()),
            "last_error": effect.last_error,
        }));
    }
    let colleagues = colleagues(&state, &actor, filters.assignee.as_deref()).await?;
    let data = json!({
        "total": overview.total,
        "staff": colleagues,
        "waiting_label": page.t(if overview.total == 1 { "case_waiting" } else { "cases_waiting" }),
        "overdue": overview.overdue,
        "overdue_label": page.t(if overview.overdue == 1 { "overdue" } else { "overdue_many" }),
        "counts": overview.counts,
        "incidents": incidents,
        "items": items,
        "next": next,
        "workflows": choices,
        "filter": {"due": filters.due, "assignee": filters.assignee, "code": filters.code},
    });
    Ok(page.render("worklist", &page.t("worklist"), Place::Section("/ufficio"), None, data))
}

/// The staff of the clerk's offices, by name, as the options of the worklist's assignee filter, with
/// `chosen` selected.
async fn colleagues(state: &AppState, actor: &Actor, chosen: Option<&str>) -> Result<Vec<Json>, PageError> {
    let Actor::Staff { offices, .. } = actor else { return Ok(Vec::new()) };
    let mut staff: Vec<StaffMember> = Vec::new();
    for office in offices {
        for member in people::staff_of_office(state, actor, office).await? {
            if !staff.iter().any(|s| s.user == member.user) {
                staff.push(member);
            }
        }
    }
    staff.sort_by(|a, b| (&a.name, &a.user).cmp(&(&b.name, &b.user)));
    Ok(staff
        .into_iter()
        .map(|s| json!({"user": s.user, "name": s.name, "selected": Some(s.user.as_str()) == chosen}))
        .collect())
}

/// `/ufficio/pratiche/{code}`: the case as the clerk works on it.
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

async fn render_case(
    state: &AppState,
    page: &Page<'_>,
    code: &str,
    notice: Option<&str>,
    refused: Option<Refused>,
) -> Result<Response, PageError> {
    let actor = page.clerk(&format!("/ufficio/pratiche/{code}"))?.clone();
    let lang = page.language();
    let case = cases::case_of(state, &actor, code).await?;
    let audit = timeline::audit_trail(state, &actor, code).await?;
    let definition = workflows::definition(state, &case.workflow, Some(case.workflow_version)).await?;
    let actions: Vec<Json> = case
        .available_transitions
        .iter()
        .map(|t| {
            let schema = t.input.clone().unwrap_or(json!({"type": "object"}));
            // Empty unless refused: values of an earlier step would be taken for this one's.
            let (values, errors, files) = match &refused {
                Some(r) if r.transition == t.name => (r.values.clone(), r.errors.clone(), r.files.clone()),
                _ => (Json::Null, vec![], vec![]),
            };
            let takes = definition.transitions.get(t.name.as_str()).map(|d| d.documents.clone()).unwrap_or_default();
            let files = attachments::inputs(page, &definition, &t.name, &takes, &files);
            let to = definition.states.get(t.to.as_str()).and_then(|s| s.status.as_ref()).map(|s| s.get(lang));
            let fields = form::fields(&schema, &values, &errors, lang);
            // Folded, so the page lists what can be done; open when it is the only action or was
            // just refused.
            let open =
                case.available_transitions.len() == 1 || refused.as_ref().is_some_and(|r| r.transition == t.name);
            json!({"name": t.name, "title": t.title, "to": to, "open": open, "fields": fields, "files": files})
        })
        .collect();
    let data = data_facts(page, &definition, &case.data);
    let effects: Vec<Json> = case
        .effects
        .iter()
        .flatten()
        .map(|e| {
            json!({
                "id": e.id,
                "label": case_texts::effect_label(&definition, &e.kind, &e.name, code, lang),
                "status": e.status,
                "status_label": case_texts::effect_status(&e.status, lang),
                "attempts": e.attempts,
                "last_error": e.last_error,
            })
        })
        .collect();
    let applicant_name =
        people::names(state, PersonKind::Citizen, std::slice::from_ref(&case.applicant)).await?.remove(&case.applicant);
    let staff = assignable(state, &actor, &case.office, case.assignee.as_deref()).await?;
    let case_file = case_file::section(state, page, &actor, code, &format!("/ufficio/pratiche/{code}")).await?;
    let view = json!({
        "case": case,
        "applicant_name": applicant_name,
        "office_name": page.office_name(&case.office),
        "staff": staff,
        "title": {"it": definition.title.it, "en": definition.title.en},
        "actions": actions,
        "case_file": case_file,
        "data": data,
        "effects": effects,
        "me": match &actor { Actor::Staff { user, .. } => Some(user.clone()), _ => None },
        "audit": case_texts::audit_rows(&audit, &definition, lang),
        "error": refused.as_ref().map(|r| r.message.clone()),
    });
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(page.render_status(status, "clerk_case", code, Place::Within("/ufficio"), notice, view))
}

/// The staff of `office` a clerk may assign the case to, by name, as options of a `<select>` with the
/// current `assignee` selected (listed even when no longer of the office, so the form shows them).
async fn assignable(
    state: &AppState,
    actor: &Actor,
    office: &str,
    assignee: Option<&str>,
) -> Result<Vec<Json>, PageError> {
    let mut staff = people::staff_of_office(state, actor, office).await?;
    if let Some(assignee) = assignee.filter(|a| !staff.iter().any(|s| s.user == *a)) {
        let names = people::names(state, PersonKind::Staff, &[assignee.to_owned()]).await?;
        let name = names.get(assignee).cloned().unwrap_or_else(|| assignee.to_owned());
        staff.push(StaffMember { user: assignee.to_owned(), name });
    }
    Ok(staff
        .into_iter()
        .map(|s| json!({"user": s.user, "name": s.name, "selected": Some(s.user.as_str()) == assignee}))
        .collect())
}

/// `POST /ufficio/pratiche/{code}/azioni/{transition}`: the clerk applies a transition, with the files
/// its form uploads.
pub async fn act(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path((code, transition)): Path<(String, String)>,
    request: Request,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = page.clerk(&format!("/ufficio/pratiche/{code}"))?.clone();
    let takes = documents_taken(&state, &actor, &code, &transition).await?;
    let mut received = attachments::receive(&state, &page, &actor, &code, &takes, request).await?;
    attachments::check_counts(&page, &takes, &mut received);
    match apply_form(&state, &page, &actor, &code, &transition, &received).await? {
        None => Ok(see_other(&format!("/ufficio/pratiche/{code}?notice=action_done"))),
        Some(refused) => render_case(&state, &page, &code, None, Some(refused)).await,
    }
}

/// `POST /ufficio/pratiche/{code}/assegna`: assigns the case (an empty field unassigns it).
pub async fn assign(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(code): Path<String>,
    Form { fields, .. }: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = page.clerk(&format!("/ufficio/pratiche/{code}"))?.clone();
    let assignee =
        fields.iter().find(|(k, _)| k == "assignee").map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
    let error = match cases::assign(&state, &actor, &code, assignee, form_version(&fields)).await {
        Ok(_) => return Ok(see_other(&format!("/ufficio/pratiche/{code}?notice=action_done"))),
        Err(error) => error,
    };
    if form_refusal(&error).is_none() {
        return Err(error.into());
    }
    let message = match &error {
        app::Error::Refused(EngineError::StaleCaseVersion { .. }) => page.t("stale"),
        app::Error::InvalidInput { fields, .. } if fields.iter().any(|(field, _)| field == "/assignee") => {
            page.t("assignee_not_staff")
        }
        _ => error.to_string(),
    };
    let refused = Refused::with_message("", message);
    render_case(&state, &page, &code, None, Some(refused)).await
}

/// `POST /ufficio/pratiche/{code}/incidenti/{id}/{retry|dismiss}`.
pub async fn incident(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path((code, id, action)): Path<(String, String, String)>,
    _form: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = page.clerk(&format!("/ufficio/pratiche/{code}"))?.clone();
    let action = IncidentAction::parse(&action).ok_or_else(PageError::not_found)?;
    incidents::handle(&state, &actor, &code, &id, action).await?;
    Ok(see_other(&format!("/ufficio/pratiche/{code}?notice=action_done#incidents")))
}
