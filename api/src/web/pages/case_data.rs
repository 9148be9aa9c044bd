//! A case's data as people read it, for the clerk's and the citizen's case pages: each field that has
//! a value, by its label in the page's language, with choices by their option labels, booleans as
//! "sì"/"no", numbers the Italian way and amounts in euros (the same rendering the forms use, so a
//! value reads the same where it is typed and where it is shown), and the days left to a term.

use serde_json::{Value as Json, json};
use sportello_definition::Definition;

use crate::web::context::Page;
use crate::web::form;
use crate::web::render::human_date;

/// The fields of `data` that hold a value, as `{label, value}`.
pub fn data_facts(page: &Page<'_>, definition: &Definition, data: &Json) -> Vec<Json> {
    let schema = definition.data.as_ref().map(|d| d.schema().clone()).unwrap_or(json!({"type": "object"}));
    form::fields(&schema, data, &[], page.language())
        .into_iter()
        .filter(|f| !f.value.is_empty() || f.checked || f.options.iter().any(|o| o.selected && !o.value.is_empty()))
        .map(|f| {
            let chosen: Vec<&str> =
                f.options.iter().filter(|o| o.selected && !o.value.is_empty()).map(|o| o.label.as_str()).collect();
            let value = if f.kind == form::Kind::Checkbox {
                page.t(if f.checked { "yes" } else { "no" })
            } else if !chosen.is_empty() {
                chosen.join(", ")
            } else if f.kind == form::Kind::Date {
                human_date(&f.value, page.lang())
            } else if f.euros {
                format!("{} €", f.value)
            } else {
                f.value.clone()
            };
            json!({"label": f.label, "value": value})
        })
        .collect()
}

/// Days to a due date as people read them: "oggi", "domani", "tra 12 giorni", "scaduta da 3 giorni".
pub fn days_left(page: &Page<'_>, days: i64) -> String {
    match days {
        0 => page.t("due_today"),
        1 => page.t("due_tomorrow"),
        d if d > 1 => page.t("due_in").replace("{n}", &d.to_string()),
        -1 => page.t("overdue_by_one"),
        d => page.t("overdue_by").replace("{n}", &(-d).to_string()),
    }
}
