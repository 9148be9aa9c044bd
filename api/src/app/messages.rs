//! The messages sent for a case, as they went out: the notification's name, the channel (App IO,
//! e-mail, or none when the citizen could not be reached), when it was asked for and sent, and its
//! subject and body as rendered at delivery (recorded with the delivery by the outbox). The citizen
//! reads the messages delivered on their own cases; staff of the case's office read every message,
//! pending and failed ones included.

use serde::Serialize;
use serde_json::Value as Json;
use sportello_runtime::case::Actor;
use sportello_store::{OutboxKind, OutboxStatus};
use utoipa::ToSchema;

use super::Error;
use super::access::visible_case;
use crate::state::AppState;

/// A message sent (or to be sent) to the applicant.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    /// The effect's id.
    pub id: i64,
    /// The notification's name in the workflow.
    pub name: String,
    /// `pending`, `delivered`, `incident` or `dismissed` (the citizen sees `delivered` ones only).
    pub status: String,
    /// How it went out: `app_io`, `email`, or `none` (the citizen could not be reached); absent until
    /// delivered.
    pub channel: Option<String>,
    /// The subject as sent; absent until sent.
    pub subject: Option<String>,
    /// The body (Markdown) as sent; absent until sent.
    pub body: Option<String>,
    /// When the transition asked for it (RFC 3339).
    pub created_at: String,
    /// When it was delivered (RFC 3339).
    pub sent_at: Option<String>,
}

/// The messages of the case `code` that `actor` may read, oldest first.
///
/// # Errors
///
/// `case-not-found` for a case the actor may not see; [`Error::Storage`].
pub async fn messages(state: &AppState, actor: &Actor, code: &str) -> Result<Vec<MessageDto>, Error> {
    let (stored, _) = visible_case(state, actor, code, "messages").await?;
    let staff = matches!(actor, Actor::Staff { .. });
    let effects = state.store.case_effects(stored.id).await?;
    Ok(effects
        .into_iter()
        .filter(|e| e.kind == OutboxKind::Notify && (staff || e.status == OutboxStatus::Delivered))
        .map(|e| {
            let result = e.result.as_ref();
            let text = |value: Option<&Json>| value.and_then(Json::as_str).map(str::to_owned);
            MessageDto {
                id: e.id,
                name: e.name,
                status: e.status.as_str().to_owned(),
                channel: text(result.and_then(|r| r.get("channel"))),
                subject: text(result.and_then(|r| r.pointer("/sent/subject"))),
                body: text(result.and_then(|r| r.pointer("/sent/body"))),
                created_at: e.created_at.to_string(),
                sent_at: e.delivered_at.map(|t| t.to_string()),
            }
        })
        .collect())
}
