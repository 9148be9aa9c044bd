//! Rendering a workflow's notification for one case: the subject and markdown templates (strict
//! Handlebars, checked when the workflow was validated) filled from the case as the transition that
//! asked for the message left it (its state, data and clocks, kept with the outbox row), and from its
//! payments. Dates print as Italians write them (`01/06/2026`), amounts as `€ 1.234,50`. Nothing is
//! HTML-escaped: the text is markdown for App IO, or plain text for e-mail.

use handlebars::Handlebars;
use jiff::civil::Date;
use serde_json::{Map, Value as Json, json};

use sportello_definition::Definition;
use sportello_definition::model::NotificationDef;
use sportello_store::{PaymentRecord, StoredCase};

/// A notification ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject.
    pub subject: String,
    /// The body, markdown.
    pub markdown: String,
}

/// Renders `notification` for `case`, with its payments (the latest of each name counts). `snapshot`
/// is what the outbox row kept of the case when the message was asked for (`state`, `data`,
/// `clocks`); what it lacks is read from the case as it is now.
pub fn render(
    definition: &Definition,
    notification: &NotificationDef,
    case: &StoredCase,
    payments: &[PaymentRecord],
    snapshot: &Json,
) -> Result<Rendered, String> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_escape_fn(handlebars::no_escape);
    let mut context = context(definition, case, payments);
    if let Some(state) = snapshot["state"].as_str() {
        let status = definition.states.get(state).and_then(|s| s.status.as_ref()).map(|t| t.it.clone());
        context["state"] = json!({ "status": status.unwrap_or_default() });
    }
    if snapshot["data"].is_object() {
        context["data"] = snapshot["data"].clone();
    }
    if let Some(counts) = snapshot["documents"].as_object() {
        let counts = counts.iter().map(|(t, n)| (t.clone(), n.as_u64().unwrap_or_default() as u32)).collect();
        context["documents"] = sportello_runtime::documents::variable(definition, &counts);
    }
    if let Some(clocks) = snapshot["clocks"].as_object() {
        let mut kept = Map::new();
        for (name, clock) in clocks {
            let due = clock["due"].as_str().and_then(|d| d.parse::<Date>().ok()).map(italian_date);
            let remaining = clock["remaining_days"].as_i64().map(|d| d.to_string());
            kept.insert(
                name.clone(),
                json!({"due": due.unwrap_or_default(), "remaining_days": remaining.unwrap_or_default()}),
            );
        }
        context["clock"] = Json::Object(kept);
    }
    let subject = registry.render_template(&notification.subject, &context).map_err(|e| e.to_string())?;
    let markdown = registry.render_template(&notification.markdown, &context).map_err(|e| e.to_string())?;
    Ok(Rendered { subject: subject.trim().to_owned(), markdown: markdown.trim().to_owned() })
}

/// What a template sees: `workflow`, `case`, `state`, `data`, `clock`, `payment`, `documents` (how many
/// of each type the case file holds).
fn context(definition: &Definition, case: &StoredCase, payments: &[PaymentRecord]) -> Json {
    let status = definition.states.get(case.case.state.as_str()).and_then(|s| s.status.as_ref()).map(|t| t.it.clone());
    let mut clocks = Map::new();
    for (name, view) in &case.clocks {
        clocks.insert(
            name.clone(),
            json!({
                "due": view.status.due.map(italian_date).unwrap_or_default(),
                "remaining_days": view.status.remaining_days.map(|d| d.to_string()).unwrap_or_default(),
            }),
        );
    }
    let mut by_name = Map::new();
    for payment in payments {
        by_name.insert(
            payment.name.clone(),
            json!({
                "amount": euro(payment.amount_cents),
                "amount_cents": payment.amount_cents.to_string(),
                "notice_number": payment.notice_number.clone().unwrap_or_default(),
                "due_date": italian_date(payment.due_date),
            }),
        );
    }
    json!({
        "workflow": { "id": definition.id.to_string(), "title": definition.title.it },
        "case": { "code": case.case.code, "opened_at": italian_date(case.case.opened_on) },
        "state": { "status": status.unwrap_or_default() },
        "data": case.case.data,
        "clock": clocks,
        "payment": by_name,
        "documents": sportello_runtime::documents::variable(definition, &case.case.documents),
    })
}

/// `01/06/2026`.
pub fn italian_date(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), date.month(), date.year())
}

/// `€ 1.234,50`.
pub fn euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("{sign}€ {grouped},{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_dates_print_the_italian_way() {
        assert_eq!(euro(5), "€ 0,05");
        assert_eq!(euro(12_350), "€ 123,50");
        assert_eq!(euro(123_456_789), "€ 1.234.567,89");
        assert_eq!(italian_date(jiff::civil::date(2026, 6, 1)), "01/06/2026");
    }
}
