//! pagoPA's events on a case: `payment.paid` (a receipt, from the callback or from polling) and
//! `payment.expired`. Each settles one of the case's payments, named in the payload by
//! `notice_number` (or `iuv`); with neither, the case's latest open payment, if it has one (if it has
//! none, the event just fires its transition, like any other event). A payment already settled
//! makes the event a no-op, so the callback and the poller can both report one receipt. When the
//! workflow maps the event in the current state its transition fires (with no input: the payload is
//! the engine's); otherwise the receipt is recorded in the audit chain and the state stays.

use jiff::Timestamp;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::db;
use super::entities::payment;
use super::message::Message;
use super::payments::{self, Settlement};
use super::rows;
use super::sql;
use crate::PaymentStage;
use crate::case_row::Loaded;
use crate::case_writes::chain_only;
use crate::types::{Applied, DeliverEvent};
use sportello_definition::Definition;
use sportello_runtime::audit_body::PaymentRecorded;
use sportello_runtime::error::Error;

/// The payment an event settles, and how.
#[derive(Debug, Clone)]
pub struct Settle {
    /// The payment's name in the workflow.
    pub name: String,
    /// Its notice number.
    pub notice: String,
    /// Paid (with the receipt) or expired.
    pub settlement: Settlement,
    /// Whether it was settled already.
    pub already: bool,
}

/// The payment a `payment.*` event settles; `None` for other events. A case whose workflow version
/// declares no payment has none to settle, and its payments are not looked up (every payment row
/// comes from a payment its workflow declares).
pub async fn resolve(
    conn: &impl ConnectionTrait,
    definition: &Definition,
    command: &DeliverEvent,
) -> Result<Option<Settle>, Error> {
    let payload = &command.payload;
    let settlement = match command.event.as_str() {
        "payment.paid" => Settlement::Paid {
            receipt_id: payload["receipt_id"].as_str().unwrap_or(&command.message_id).chars().take(200).collect(),
            paid_at: payload["paid_at"].as_str().and_then(|t| t.parse::<Timestamp>().ok()),
        },
        "payment.expired" => Settlement::Expired,
        _ => return Ok(None),
    };
    let named = match (payload["notice_number"].as_str(), payload["iuv"].as_str()) {
        (Some(notice), _) => Some(notice.to_owned()),
        (None, Some(iuv)) => Some(format!("3{iuv}")),
        (None, None) => None,
    };
    if definition.payments.is_empty() {
        return none_to_settle(named);
    }
    let mut query = payment::Entity::find().filter(payment::Column::CaseId.eq(command.case_id));
    query = match &named {
        Some(notice) => query.filter(payment::Column::NoticeNumber.eq(notice.as_str())),
        None => {
            query.filter(payment::Column::Status.eq(PaymentStage::Open.as_str())).order_by_desc(payment::Column::Id)
        }
    };
    let found = query.all(conn).await.map_err(db)?.into_iter().next();
    let Some(row) = found.filter(|row| row.notice_number.is_some()) else { return none_to_settle(named) };
    Ok(Some(Settle {
        name: row.name,
        notice: row.notice_number.unwrap_or_default(),
        settlement,
        already: row
            .status
            .parse::<PaymentStage>()
            .map_err(|error| sql::corrupt(format!("payment {}: {error}", row.id)))?
            .is_settled(),
    }))
}

/// When the case has no payment the event could settle: refused if it names one (by its notice
/// number), else nothing to settle, and the event only fires its transition, as any other event does.
fn none_to_settle(named: Option<String>) -> Result<Option<Settle>, Error> {
    match named {
        Some(notice) => Err(Error::InvalidInput(vec![(
            "/payload/notice_number".to_owned(),
            format!("the case has no payment with notice number {notice}"),
        )])),
        None => Ok(None),
    }
}

/// The case as it is, for an event that changes nothing.
pub fn unchanged(loaded: &Loaded) -> Applied {
    Applied {
        case_id: loaded.row.id,
        code: loaded.case.code.clone(),
        state: loaded.case.state.to_string(),
        version: loaded.case.version,
        replayed: true,
        after: None,
    }
}

/// Settles the payment without a transition, in the transaction that read `loaded` and found the
/// payment open: the receipt goes into the audit chain, and the message id is remembered. The
/// payment's update comes first and changes nothing if the payment was settled meanwhile (then the
/// case is as it was). After it, the audit entry's check against the head read cannot fail on SQLite,
/// where the case was read in this same transaction of the only writer; on PostgreSQL a failed check
/// fails the command's own transaction, payment update and all.
pub async fn record(
    conn: &impl ConnectionTrait,
    loaded: &Loaded,
    settle: &Settle,
    message: &Message,
    now: Timestamp,
) -> Result<Applied, Error> {
    let applied = Applied { replayed: false, ..unchanged(loaded) };
    if !payments::settle(conn, loaded.row.id, &settle.notice, &settle.settlement, now).await? {
        return Ok(Applied { replayed: true, ..applied });
    }
    let body = PaymentRecorded {
        event: &message.event,
        message_id: &message.id,
        payment: &settle.name,
        notice_number: &settle.notice,
        at: now,
    }
    .body();
    let entry = chain_only(&loaded.row, &loaded.case.code, body);
    rows::append(conn, &loaded.row, &entry, now, Some((message, &applied))).await?;
    Ok(applied)
}
