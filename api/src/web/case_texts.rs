//! How a case's internal names read on a page: the audit trail's entries (sealed in English, with
//! state and transition ids) told in the page's language with the workflow's own titles, and the
//! messages, notices and calls of the outbox by what a person recognises (a message by its subject, a
//! notice by its reason of payment), never by an id such as `documents_requested (app_io)`.

use serde_json::{Value as Json, json};
use sportello_definition::Definition;
use sportello_definition::model::Lang;

use crate::app::timeline::AuditEntryDto;

/// A text in Italian and English, picked by `lang`.
fn pick(lang: Lang, it: &str, en: &str) -> String {
    if lang == Lang::En { en } else { it }.to_owned()
}

/// The audit trail as rows of a table: `sequence`, `recorded_at`, `who`, `what`, `outcome`.
pub fn audit_rows(entries: &[AuditEntryDto], definition: &Definition, lang: Lang) -> Vec<Json> {
    entries
        .iter()
        .map(|entry| {
            let body = &entry.body;
            let field = |key: &str| body.get(key).and_then(Json::as_str).unwrap_or_default();
            json!({
                "sequence": entry.sequence,
                "recorded_at": entry.recorded_at,
                "who": who(field("actor"), lang),
                "what": what(body, definition, lang),
                "outcome": outcome(field("outcome"), lang),
            })
        })
        .collect()
}

/// `the applicant`, `the system`, `staff member mrossi` as the page's reader says them.
fn who(actor: &str, lang: Lang) -> String {
    match actor {
        "the applicant" => pick(lang, "Richiedente", "Applicant"),
        "the system" => pick(lang, "Sistema (automatico)", "System (automatic)"),
        other => match other.strip_prefix("staff member ") {
            Some(user) => format!("{} {user}", pick(lang, "Operatore", "Staff member")),
            None => other.to_owned(),
        },
    }
}

fn outcome(outcome: &str, lang: Lang) -> String {
    match outcome {
        "applied" => pick(lang, "eseguita", "done"),
        "refused" => pick(lang, "rifiutata", "refused"),
        "recorded" => pick(lang, "registrata", "recorded"),
        "incident" => pick(lang, "non riuscita", "failed"),
        other => other.to_owned(),
    }
}

/// What an entry did: the transition's title (or, for the engine's own steps, what moved it) and
/// the status the case reached.
fn what(body: &Json, definition: &Definition, lang: Lang) -> String {
    let field = |key: &str| body.get(key).and_then(Json::as_str);
    let status =
        |state: &str| definition.states.get(state).and_then(|s| s.status.as_ref()).map(|t| t.get(lang).to_owned());
    let reached = field("to").and_then(status);
    let step = match field("command").unwrap_or_default() {
        "open" => pick(lang, "Pratica aperta", "Case opened"),
        "save_draft" => pick(lang, "Bozza salvata", "Draft saved"),
        "assign" => {
            return match field("to") {
                Some(user) => format!("{} {user}", pick(lang, "Assegnata a", "Assigned to")),
                None => pick(lang, "Assegnazione tolta", "Unassigned"),
            };
        }
        "outbox" => {
            return pick(lang, "Invio non riuscito dopo più tentativi", "Delivery failed after several attempts");
        }
        "incident" => {
            return match field("action") {
                Some("retry") => pick(lang, "Invio ritentato dall'operatore", "Delivery retried by staff"),
                _ => pick(lang, "Invio abbandonato dall'operatore", "Delivery given up by staff"),
            };
        }
        "event" if field("transition").is_none() => return event(field("event"), lang),
        "event" => event(field("event"), lang),
        "timer" => pick(lang, "Termine scaduto", "Term expired"),
        _ => field("transition")
            .and_then(|t| definition.transitions.get(t))
            .and_then(|t| t.title.as_ref())
            .map_or_else(|| pick(lang, "Passaggio di stato", "Change of state"), |t| t.get(lang).to_owned()),
    };
    match reached {
        Some(status) if field("command") != Some("save_draft") => format!("{step} → {status}"),
        _ => step,
    }
}

fn event(name: Option<&str>, lang: Lang) -> String {
    match name {
        Some("payment.paid") => pick(lang, "Pagamento ricevuto da pagoPA", "Payment received from pagoPA"),
        Some("payment.expired") => pick(lang, "Avviso di pagamento scaduto", "Payment notice expired"),
        _ => pick(lang, "Comunicazione ricevuta da un altro sistema", "Message received from another system"),
    }
}

/// An effect of the outbox as a person recognises it: a message by its subject, a notice by its
/// reason of payment, a call by its kind.
pub fn effect_label(definition: &Definition, kind: &str, name: &str, code: &str, lang: Lang) -> String {
    match kind {
        "notify" => definition.notifications.get(name).map_or_else(
            || pick(lang, "Messaggio", "Message"),
            |n| format!("{}: {}", pick(lang, "Messaggio", "Message"), plain(&n.subject, code)),
        ),
        "payment" => definition.payments.get(name).map_or_else(
            || pick(lang, "Avviso di pagamento", "Payment notice"),
            |p| format!("{}: {}", pick(lang, "Avviso pagoPA", "pagoPA notice"), p.description),
        ),
        _ => pick(lang, "Comunicazione a un altro sistema dell'ente", "Call to another system of the office"),
    }
}

/// A template's text with the case code filled in and any other placeholder left out.
fn plain(template: &str, code: &str) -> String {
    let mut out = String::new();
    let mut rest = template.replace("{{case.code}}", code);
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("}}").map_or_else(String::new, |end| rest[start + end + 2..].to_owned());
    }
    out.push_str(&rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An effect's delivery status.
pub fn effect_status(status: &str, lang: Lang) -> String {
    match status {
        "pending" => pick(lang, "in invio", "being sent"),
        "delivered" => pick(lang, "inviato", "sent"),
        "incident" => pick(lang, "non riuscito", "failed"),
        "dismissed" => pick(lang, "abbandonato", "given up"),
        other => other.to_owned(),
    }
}

/// How a message went out.
pub fn channel_label(channel: &str, lang: Lang) -> String {
    match channel {
        "app_io" => "App IO".to_owned(),
        "email" => pick(lang, "e-mail", "e-mail"),
        "pagopa" => "pagoPA".to_owned(),
        "none" => pick(lang, "nessun canale disponibile", "no channel available"),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_left_out_of_a_subject() {
        assert_eq!(plain("Pratica {{case.code}} ricevuta", "NID-1"), "Pratica NID-1 ricevuta");
        assert_eq!(plain("Avviso {{#if x}}per te{{/if}} pronto", "X"), "Avviso per te pronto");
    }

    #[test]
    fn actors_read_as_people_say_them() {
        assert_eq!(who("the applicant", Lang::It), "Richiedente");
        assert_eq!(who("staff member mrossi", Lang::It), "Operatore mrossi");
        assert_eq!(outcome("applied", Lang::It), "eseguita");
    }
}
