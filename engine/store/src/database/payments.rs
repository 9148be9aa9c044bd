//! pagoPA payments: the row a `payment` effect writes with its transition, its numbering (IUPD and
//! notice number, given once and never again), and the changes pagoPA reports (opened, paid,
//! expired). A payment's notice number has the row's id, plus the configured offset, as its 13-digit
//! base, so no two payments of one database share a number.

use jiff::Timestamp;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value as Json;

use super::entities::payment;
use super::sql::{by_key, corrupt, from_micros, micros};
use super::{Store, db};
use crate::{PaymentRecord, PaymentStage};
use sportello_runtime::error::Error;
use sportello_runtime::pagopa::{NoticeNumber, SegregationCode};

/// Writes the payment asked for by the outbox row `outbox_id` (with the transition).
pub async fn insert(
    conn: &impl ConnectionTrait,
    case_id: i64,
    outbox_id: i64,
    name: &str,
    payload: &Json,
    now: Timestamp,
) -> Result<(), Error> {
    let row = payment::ActiveModel {
        id: NotSet,
        case_id: Set(case_id),
        outbox_id: Set(outbox_id),
        name: Set(name.to_owned()),
        amount_cents: Set(payload["amount_cents"].as_i64().unwrap_or_default()),
        description: Set(payload["description"].as_str().unwrap_or_default().to_owned()),
        due_date: Set(payload["due"].as_str().unwrap_or_default().to_owned()),
        iupd: Set(None),
        notice_number: Set(None),
        status: Set(PaymentStage::Requested.as_str().to_owned()),
        receipt_id: Set(None),
        paid_at: Set(None),
        created_at: Set(micros(now)),
        updated_at: Set(micros(now)),
    };
    payment::Entity::insert(row).exec_without_returning(conn).await.map_err(db)?;
    Ok(())
}

/// Marks the payment with `notice` paid or expired, inside a command's transaction; `false` when it
/// already was (a receipt taken in twice).
pub async fn settle(
    conn: &impl ConnectionTrait,
    case_id: i64,
    notice: &str,
    settlement: &Settlement,
    now: Timestamp,
) -> Result<bool, Error> {
    let mut update = payment::Entity::update_many()
        .col_expr(payment::Column::UpdatedAt, Expr::value(micros(now)))
        .filter(payment::Column::CaseId.eq(case_id))
        .filter(payment::Column::NoticeNumber.eq(notice))
        .filter(payment::Column::Status.is_in([PaymentStage::Requested.as_str(), PaymentStage::Open.as_str()]));
    update = match settlement {
        Settlement::Paid { receipt_id, paid_at } => update
            .col_expr(payment::Column::Status, Expr::value(PaymentStage::Paid.as_str()))
            .col_expr(payment::Column::ReceiptId, Expr::value(receipt_id.clone()))
            .col_expr(payment::Column::PaidAt, Expr::value(micros(paid_at.unwrap_or(now)))),
        Settlement::Expired => update.col_expr(payment::Column::Status, Expr::value(PaymentStage::Expired.as_str())),
    };
    Ok(update.exec(conn).await.map_err(db)?.rows_affected == 1)
}

/// What pagoPA says became of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Paid, with the receipt.
    Paid {
        /// The receipt's id.
        receipt_id: String,
        /// When, if known.
        paid_at: Option<Timestamp>,
    },
    /// Expired unpaid.
    Expired,
}

impl Store {
    /// The payment an outbox row creates.
    pub async fn payment_of_effect(&self, effect_id: i64) -> Result<PaymentRecord, Error> {
        let select = payment::Entity::find().filter(payment::Column::OutboxId.eq(effect_id));
        let row = by_key(select, &self.inner.reader).await?.ok_or(Error::CaseNotFound)?;
        record(row)
    }

    /// Gives the payment its IUPD and notice number, unless it has them: the first attempt numbers
    /// it, every later one (after a crash, a retry) reuses the numbers.
    pub async fn number_payment(
        &self,
        payment_id: i64,
        segregation: SegregationCode,
        offset: u64,
    ) -> Result<PaymentRecord, Error> {
        let base = offset.checked_add(payment_id as u64).filter(|b| *b <= NoticeNumber::MAX_BASE).ok_or_else(|| {
            corrupt(format!(
                "payment {payment_id} plus the offset {offset} does not fit the 13 digits of a notice base"
            ))
        })?;
        let notice = NoticeNumber::generate(segregation, base).map_err(|e| corrupt(e.to_string()))?;
        let iupd = format!("SPORTELLO-{}", notice.iuv());
        let now = micros(self.now());
        let conn = self.inner.clone();
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    payment::Entity::update_many()
                        .col_expr(payment::Column::NoticeNumber, Expr::value(notice.as_str()))
                        .col_expr(payment::Column::Iupd, Expr::value(iupd))
                        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
                        .filter(payment::Column::Id.eq(payment_id))
                        .filter(payment::Column::NoticeNumber.is_null())
                        .exec(txn)
                        .await
                        .map_err(db)?;
                    Ok(())
                })
            })
            .await?;
        let row = by_key(payment::Entity::find_by_id(payment_id), &conn.reader).await?.ok_or(Error::CaseNotFound)?;
        record(row)
    }

    /// Marks a numbered payment as published at pagoPA.
    pub async fn payment_opened(&self, payment_id: i64) -> Result<(), Error> {
        let now = micros(self.now());
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    payment::Entity::update_many()
                        .col_expr(payment::Column::Status, Expr::value(PaymentStage::Open.as_str()))
                        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
                        .filter(payment::Column::Id.eq(payment_id))
                        .filter(payment::Column::Status.eq(PaymentStage::Requested.as_str()))
                        .exec(txn)
                        .await
                        .map_err(db)?;
                    Ok(())
                })
            })
            .await
    }

    /// The payments of one case, oldest first.
    pub async fn case_payments(&self, case_id: i64) -> Result<Vec<PaymentRecord>, Error> {
        let rows = payment::Entity::find()
            .filter(payment::Column::CaseId.eq(case_id))
            .order_by_asc(payment::Column::Id)
            .all(&self.inner.reader)
            .await
            .map_err(db)?;
        rows.into_iter().map(record).collect()
    }

    /// Up to `limit` published, unpaid payments with an id above `after`, in id order: what the
    /// poller asks pagoPA about.
    pub async fn open_payments(&self, after: i64, limit: u64) -> Result<Vec<PaymentRecord>, Error> {
        let rows = payment::Entity::find()
            .filter(payment::Column::Status.eq(PaymentStage::Open.as_str()))
            .filter(payment::Column::Id.gt(after))
            .order_by_asc(payment::Column::Id)
            .limit(limit)
            .all(&self.inner.reader)
            .await
            .map_err(db)?;
        rows.into_iter().map(record).collect()
    }
}

fn record(row: payment::Model) -> Result<PaymentRecord, Error> {
    let due_date = row
        .due_date
        .parse()
        .map_err(|_| corrupt(format!("payment {} has due date `{}`, not a date", row.id, row.due_date)))?;
    let status = row.status.parse().map_err(|error| corrupt(format!("payment {}: {error}", row.id)))?;
    Ok(PaymentRecord {
        id: row.id,
        case_id: row.case_id,
        effect_id: row.outbox_id,
        name: row.name,
        amount_cents: row.amount_cents,
        description: row.description,
        due_date,
        iupd: row.iupd,
        notice_number: row.notice_number,
        status,
        receipt_id: row.receipt_id,
        paid_at: row.paid_at.map(from_micros),
    })
}
