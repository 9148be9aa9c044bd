//! `/pagamenti`: the citizen's payments across all their applications, the part of the personal area
//! that the Designers Italia model calls "Pagamenti". Those still to pay come first (soonest due
//! first), each with its amount, reason, notice number and a link to its case, where the notice's QR
//! code is; then those paid or expired.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value as Json, json};
use sportello_runtime::case::Actor;

use crate::app::{payments, workflows};
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::visitor::Visitor;

/// `/pagamenti`.
pub async fn payments(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    let fiscal_code = page.citizen("/pagamenti")?;
    let actor = Actor::Citizen { fiscal_code };
    let mut to_pay = Vec::new();
    let mut others = Vec::new();
    for item in payments::of_citizen(&state, &actor).await? {
        let definition = workflows::definition(&state, &item.workflow, None).await?;
        let status = item.payment.status.clone();
        let entry: Json = json!({
            "case": item.case,
            "service": {"it": definition.title.it, "en": definition.title.en},
            "description": item.payment.description,
            "amount": item.payment.amount,
            "due_date": item.payment.due_date,
            "notice_number": item.payment.notice_number,
            "status_label": page.t(&format!("payment_{status}")),
            "paid_at": item.payment.paid_at,
        });
        if matches!(status.as_str(), "open" | "requested") { to_pay.push(entry) } else { others.push(entry) }
    }
    to_pay.sort_by(|a, b| a["due_date"].as_str().cmp(&b["due_date"].as_str()));
    let data = json!({"to_pay": to_pay, "others": others});
    Ok(page.render("payments", &page.t("nav_payments"), Place::Section("/pagamenti"), None, data))
}
