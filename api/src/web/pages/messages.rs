//! `/messaggi`: the citizen's messages area. Every message the office sent them (App IO or e-mail),
//! newest first, each in full (subject and text as they went out) and linked to its case, so that
//! what the office asked or decided can be read again here and not only on the phone that got it.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value as Json, json};
use sportello_runtime::case::Actor;

use crate::app::messages::{MessageDto, messages};
use crate::app::search::{self, CaseFilter};
use crate::app::workflows;
use crate::state::AppState;
use crate::web::Web;
use crate::web::case_texts;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::visitor::Visitor;

/// The most cases whose messages are listed.
const CASES: u32 = 200;

/// `/messaggi`: every message sent to the signed-in citizen.
pub async fn inbox(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let actor = Actor::Citizen { fiscal_code: page.citizen("/messaggi")? };
    let found = search::search(&state, &actor, CaseFilter { limit: Some(CASES), ..CaseFilter::default() }).await?;
    let mut listed = Vec::new();
    for case in found.items {
        let definition = workflows::definition(&state, &case.workflow, Some(case.workflow_version)).await?;
        let title = json!({"it": definition.title.it, "en": definition.title.en});
        for message in messages(&state, &actor, &case.code).await? {
            let mut entry = shown(&page, &message);
            entry["code"] = json!(case.code);
            entry["procedure"] = title.clone();
            listed.push(entry);
        }
    }
    listed.sort_by(|a, b| b["sent_at"].as_str().cmp(&a["sent_at"].as_str()));
    Ok(page.render("messages", &page.t("nav_messages"), Place::Section("/messaggi"), None, json!({"messages": listed})))
}

/// A message as the page shows it: its subject, its text split into paragraphs, how and when it went.
pub fn shown(page: &Page<'_>, message: &MessageDto) -> Json {
    let paragraphs: Vec<String> = message
        .body
        .as_deref()
        .unwrap_or_default()
        .split("\n\n")
        .map(|p| p.trim().replace("**", "").replace("\n", " "))
        .filter(|p| !p.is_empty())
        .collect();
    json!({
        "subject": message.subject,
        "paragraphs": paragraphs,
        "channel": message.channel.as_deref().map(|c| case_texts::channel_label(c, page.language())),
        "sent_at": message.sent_at.clone().unwrap_or_else(|| message.created_at.clone()),
    })
}
