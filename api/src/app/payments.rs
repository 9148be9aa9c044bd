//! A citizen's payments across all their cases: every pagoPA payment asked on a case they applied
//! for, with the case it belongs to, in the search's order of cases (soonest due first). Only the citizen
//! reads their own; staff read payments on each case of their offices.

use serde::Serialize;
use sportello_runtime::case::Actor;
use sportello_store::{CaseQuery, MAX_LIMIT};
use utoipa::ToSchema;

use super::Error;
use super::effects_view::{self, PaymentDto};
use crate::state::AppState;

/// A payment with the case it was asked on.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePaymentDto {
    /// The case's code.
    pub case: String,
    /// The case's workflow.
    pub workflow: String,
    /// The payment.
    #[serde(flatten)]
    pub payment: PaymentDto,
}

/// Every payment asked of `actor`, a citizen, on any of their cases.
///
/// # Errors
///
/// [`Error::Forbidden`] for anyone but a citizen; [`Error::Storage`].
pub async fn of_citizen(state: &AppState, actor: &Actor) -> Result<Vec<CasePaymentDto>, Error> {
    let Actor::Citizen { fiscal_code } = actor else {
        return Err(Error::forbidden("a citizen's payments are for the citizen: staff read them on each case"));
    };
    let mut query = CaseQuery { applicant: Some(fiscal_code.clone()), limit: Some(MAX_LIMIT), ..CaseQuery::default() };
    let mut out = Vec::new();
    loop {
        let page = state.store.search(&query).await?;
        for case in page.items {
            let payments = state.store.case_payments(case.id).await?;
            out.extend(
                effects_view::payments(&payments, state.creditor.as_deref()).into_iter().map(|payment| {
                    CasePaymentDto { case: case.code.clone(), workflow: case.workflow.clone(), payment }
                }),
            );
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(out),
        }
    }
}
