//! The demo citizen's cases, opened by `serve --dev` on an empty database so that a newcomer who signs
//! in as the citizen finds an application in each state worth seeing: a draft, one waiting for the
//! office, one where the office asked for documents, one with a pagoPA notice to pay and one
//! concluded. They are opened and moved through the application layer, by the citizen and the
//! office's demo clerk as the pages would (with the same user ids as the dev sign-in), so each has
//! its real audit chain, clocks and effects. A database with any case is left as it is, and a workflow
//! that is not deployed is skipped.

use jiff::ToSpan;
use serde_json::{Value as Json, json};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::civil_day;
use sportello_store::CaseQuery;

use crate::app::cases::{self, NewCase};
use crate::dev_token::DEMO_FISCAL_CODE;
use crate::state::AppState;

/// One case: its workflow, what the citizen sends (nothing: a draft with `data`), and what the office
/// does after.
struct Seed {
    workflow: &'static str,
    data: Json,
    send: Option<&'static str>,
    office: Vec<(&'static str, Json)>,
}

/// Opens the demo cases when the database has no case at all; how many it opened.
///
/// # Errors
///
/// The store fails, or refuses a step (a shipped workflow changed so that a step no longer fits).
pub async fn seed(state: &AppState) -> anyhow::Result<usize> {
    let any = state.store.search(&CaseQuery { limit: Some(1), ..CaseQuery::default() }).await?;
    if !any.items.is_empty() {
        return Ok(0);
    }
    let deployed = state.store.workflows().await?;
    let citizen = Actor::Citizen { fiscal_code: DEMO_FISCAL_CODE.to_owned() };
    let mut opened = 0;
    for seed in seeds(civil_day(state.store.now()).checked_add(30.days())?.to_string()) {
        if !deployed.iter().any(|w| w.workflow == seed.workflow) {
            continue;
        }
        let new = NewCase { workflow: seed.workflow.to_owned(), applicant: None, data: Some(seed.data.clone()) };
        let code = cases::open(state, &citizen, new, None).await?.code;
        let definition = state.store.definition(seed.workflow, None).await?;
        if let Some(transition) = seed.send {
            let input = with_samples(state, &citizen, &code, &definition, transition, seed.data).await?;
            cases::apply(state, &citizen, &code, transition, input, None, None).await?;
        }
        let clerk = clerk(state, seed.workflow).await?;
        for (transition, input) in seed.office {
            let input = with_samples(state, &clerk, &code, &definition, transition, input).await?;
            cases::apply(state, &clerk, &code, transition, input, None, None).await?;
        }
        opened += 1;
    }
    Ok(opened)
}

/// `input` with the documents `transition` requires, uploaded as `actor` (small generated PDFs).
async fn with_samples(
    state: &AppState,
    actor: &Actor,
    code: &str,
    definition: &sportello_definition::Definition,
    transition: &str,
    mut input: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    if let Some(documents) = crate::app::documents::upload_samples(state, actor, code, definition, transition).await? {
        if !input.is_object() {
            input = serde_json::json!({});
        }
        input["documents"] = documents;
    }
    Ok(input)
}

/// The cases, documents due on `due` when asked for.
fn seeds(due: String) -> Vec<Seed> {
    let certificate = |data: Json| Seed { workflow: "residence-certificate", data, send: None, office: vec![] };
    let permit = |address: &str, works: &str| {
        json!({
            "applicant_fiscal_code": DEMO_FISCAL_CODE,
            "designer_fiscal_code": "BNCLRA90A41F257R",
            "property_address": address,
            "cadastral_reference": "Foglio 142, mappale 318, sub. 4",
            "works_description": works,
            "constrained_area": false,
        })
    };
    vec![
        // A draft: saved half filled in, not sent.
        certificate(json!({"subject_fiscal_code": DEMO_FISCAL_CODE, "subject_full_name": "Mario Rossi"})),
        // Waiting for the office.
        Seed {
            workflow: "records-access",
            data: json!({
                "applicant_fiscal_code": DEMO_FISCAL_CODE,
                "requested_records": "Verbale della Commissione edilizia del 12 ottobre 2026, pratica 2026/118",
                "reason": "Confinante del fabbricato oggetto della pratica, per valutare un ricorso.",
                "access_mode": "digital_copy",
            }),
            send: Some("submit"),
            office: vec![],
        },
        // The office asked for documents.
        Seed {
            workflow: "building-permit",
            data: permit(
                "Via Giardini 455, Modena",
                "Ristrutturazione con demolizione e ricostruzione di un fabbricato.",
            ),
            send: Some("submit"),
            office: vec![
                ("start_review", json!({})),
                (
                    "ask_documents",
                    json!({
                        "documents_request": "Relazione geologica e calcolo del contributo di costruzione.",
                        "documents_due_by": due,
                    }),
                ),
            ],
        },
        // A pagoPA notice to pay.
        Seed {
            send: Some("submit"),
            ..certificate(json!({
                "subject_fiscal_code": DEMO_FISCAL_CODE,
                "subject_full_name": "Mario Rossi",
                "use": "generic",
            }))
        },
        // Concluded: the permit issued.
        Seed {
            workflow: "building-permit",
            data: permit(
                "Via Emilia Centro 120, Modena",
                "Nuova costruzione di un edificio residenziale di due piani.",
            ),
            send: Some("submit"),
            office: vec![("approve", json!({"permit_number": "PdC 2026/0042"}))],
        },
    ]
}

/// The demo clerk of `workflow`'s office, with every role its workflow gives that office, as the dev
/// sign-in makes them.
async fn clerk(state: &AppState, workflow: &str) -> anyhow::Result<Actor> {
    let definition = state.store.definition(workflow, None).await?;
    let office = definition.office.clone();
    let roles = definition.roles.iter().filter(|(_, role)| role.office == office).map(|(name, _)| name.clone());
    Ok(Actor::Staff { user: format!("dev-{office}"), roles: roles.collect(), offices: vec![office] })
}
