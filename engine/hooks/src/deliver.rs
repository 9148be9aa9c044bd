//! Delivering the outbox: one round claims the effects that are due, runs each one through its port
//! and records the outcome (for a message sent, its subject and body as rendered, under `sent`, so the
//! citizen and the office can read it later as it went out). A notification goes to App IO when the citizen is there and allows the
//! service (and by e-mail too when they asked for it in their profile), and otherwise by e-mail to the
//! address of their profile or, failing that, of the case data; a payment is numbered once,
//! then created and published at pagoPA; a webhook is called with the case's state. A failure is
//! tried again after the policy's wait, or becomes an incident when the budget is spent or the
//! remote system refused the request.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::{Value as Json, json};
use tokio::task::JoinSet;

use super::backoff::RetryPolicy;
use super::render::{Rendered, render};
use super::{AppIo, DebtPosition, Email, HookError, Hooks, IoMessage, IoPayment, IoProfile};
use sportello_runtime::clock::end_of_day;
use sportello_runtime::error::Error;
use sportello_runtime::pagopa::NoticeNumber;
use sportello_store::{ClaimedEffect, OutboxKind, OutboxStatus, PaymentRecord, PaymentStage, PersonKind, Store};

/// The default lease: how long a claimed effect is kept from other workers, longer than any delivery
/// can take. An effect claimed by a process that died is claimed again when its lease ends.
pub const LEASE: Duration = Duration::from_secs(120);

/// How long a message waits for the payment notice it carries before looking again.
const PAYMENT_WAIT: Duration = Duration::from_secs(15);

/// What a delivery worker needs.
#[derive(Clone)]
pub struct Deliverer {
    /// The database.
    pub store: Store,
    /// The ports.
    pub hooks: Hooks,
    /// Retries and budget.
    pub policy: RetryPolicy,
    /// Added to a payment's id to make its notice number's base (see `hooks.pagopa.notice_offset`).
    pub notice_offset: u64,
    /// How long a claimed effect is kept from other workers (see [`LEASE`] and `outbox.lease_seconds`).
    pub lease: Duration,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Effects delivered.
    pub delivered: u32,
    /// Effects to be tried again.
    pub retried: u32,
    /// Effects that became incidents.
    pub incidents: u32,
    /// Effects waiting for something else first.
    pub postponed: u32,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq)]
enum Attempt {
    Delivered(Json),
    Postponed(Duration),
    Failed(HookError),
}

impl Deliverer {
    /// Claims up to `limit` due effects and delivers them, concurrently: payments first, so that the
    /// messages carrying their notices, claimed in the same round, find them created.
    pub async fn round(&self, limit: u64) -> Result<Round, Error> {
        let (payments, others): (Vec<_>, Vec<_>) =
            self.store.claim_effects(limit, self.lease).await?.into_iter().partition(|e| e.kind == OutboxKind::Payment);
        let mut round = Round::default();
        // Every delivery started is let finish, so that its outcome is recorded; the first failure
        // (the database, most likely) is reported once all are done.
        let mut failure = None;
        for batch in [payments, others] {
            let mut tasks = JoinSet::new();
            for effect in batch {
                let worker = self.clone();
                tasks.spawn(async move { worker.deliver_one(effect).await });
            }
            while let Some(done) = tasks.join_next().await {
                match done
                    .map_err(|e| Error::Storage(sportello_runtime::error::StorageError(Arc::new(e))))
                    .and_then(|f| f)
                {
                    Ok(EndOfRound::Delivered) => round.delivered += 1,
                    Ok(EndOfRound::Retried) => round.retried += 1,
                    Ok(EndOfRound::Incident) => round.incidents += 1,
                    Ok(EndOfRound::Postponed) => round.postponed += 1,
                    Err(error) => {
                        failure.get_or_insert(error);
                    }
                }
            }
        }
        failure.map_or(Ok(round), Err)
    }

    async fn deliver_one(&self, effect: ClaimedEffect) -> Result<EndOfRound, Error> {
        let outcome = match effect.kind {
            OutboxKind::Notify => self.notify(&effect).await?,
            OutboxKind::Payment => self.payment(&effect).await?,
            OutboxKind::Webhook => self.webhook(&effect).await?,
        };
        let now = self.store.now();
        match outcome {
            Attempt::Delivered(result) => {
                self.store.effect_delivered(&effect, result).await?;
                Ok(EndOfRound::Delivered)
            }
            Attempt::Postponed(wait) => {
                self.store.effect_postponed(&effect, now + signed(wait)).await?;
                Ok(EndOfRound::Postponed)
            }
            Attempt::Failed(error) => {
                let wait = match &error {
                    HookError::Throttled { retry_after } => {
                        Some(self.policy.throttled(effect.id, effect.attempt, *retry_after))
                    }
                    HookError::Unavailable(_) => Some(self.policy.wait(effect.id, effect.attempt)),
                    HookError::Rejected(_) | HookError::NotConfigured(_) => None,
                };
                let retry_at = wait.filter(|_| !self.policy.spent(effect.attempt)).map(|w| now + signed(w));
                let incident = self.store.effect_failed(&effect, &error.to_string(), retry_at).await?;
                Ok(if incident { EndOfRound::Incident } else { EndOfRound::Retried })
            }
        }
    }

    /// Delivers a notification: rendered for the case, by App IO when the citizen allows it, else by
    /// e-mail; a message carrying a payment notice waits until the payment is published.
    async fn notify(&self, effect: &ClaimedEffect) -> Result<Attempt, Error> {
        if self.hooks.app_io.is_none() && self.hooks.mailer.is_none() {
            return Ok(not_configured(
                "no notification channel is configured ([hooks.app_io] or [hooks.email])".to_owned(),
            ));
        }
        let case = self.store.case(effect.case_id).await?;
        let definition = self.store.definition(&case.case.workflow, Some(case.case.workflow_version)).await?;
        let Some(notification) = definition.notifications.get(&effect.name) else {
            return Ok(not_configured(format!("the workflow has no notification `{}`", effect.name)));
        };
        let payments = latest_payments(self.store.case_payments(effect.case_id).await?, effect.id);
        let payment = match &notification.payment {
            Some(name) => match payments.iter().find(|p| &p.name == name) {
                Some(p) if p.status == PaymentStage::Requested => return self.wait_for(p).await,
                found => found,
            },
            None => None,
        };
        let rendered = match render(&definition, notification, &case, &payments, &effect.payload) {
            Ok(rendered) => rendered,
            Err(problem) => return Ok(Attempt::Failed(HookError::Rejected(format!("the template failed: {problem}")))),
        };
        let profile = match self.io_profile(&case.case.applicant).await {
            Ok(profile) => profile,
            Err(error) => return Ok(Attempt::Failed(error)),
        };
        let preferences = self
            .store
            .person(PersonKind::Citizen, &case.case.applicant)
            .await?
            .map(|person| person.preferences)
            .unwrap_or_default();
        let address = preferences.email.clone().or_else(|| data_address(&case.case.data));
        if let (Some(IoProfile::Allowed), Some(app_io)) = (profile, &self.hooks.app_io) {
            let fiscal_code = case.case.applicant.clone();
            let copy = preferences.email_too.then(|| rendered.clone());
            let sent = self.send_by_app_io(app_io.as_ref(), effect, fiscal_code, rendered, payment).await;
            return Ok(match (sent, copy) {
                (Attempt::Delivered(result), Some(copy)) => self.copy_by_email(effect, result, address, copy).await,
                (sent, _) => sent,
            });
        }
        Ok(self.send_by_email(effect, address, rendered, profile).await)
    }

    /// After App IO took the message (`result`), sends it by e-mail too, as the citizen asked in their
    /// profile, under a key of its own. Should the e-mail fail, the whole delivery is tried again: App
    /// IO takes the message's same key as the one message it already has.
    async fn copy_by_email(
        &self,
        effect: &ClaimedEffect,
        mut result: Json,
        address: Option<String>,
        rendered: Rendered,
    ) -> Attempt {
        let copy = match (address, &self.hooks.mailer) {
            (Some(to), Some(mailer)) => {
                let email = Email { to, subject: rendered.subject, text: rendered.markdown };
                match mailer.send(&email, &format!("{}-email", effect.idempotency_key)).await {
                    Ok(id) => json!({"channel": "email", "message_id": id}),
                    Err(error) => return Attempt::Failed(error),
                }
            }
            (address, _) => {
                let missing = if address.is_none() { "no_email_address" } else { "email_not_configured" };
                json!({"channel": "none", "because": missing})
            }
        };
        result["copy"] = copy;
        Attempt::Delivered(result)
    }

    /// The citizen's App IO profile, or `None` when App IO is not configured.
    async fn io_profile(&self, fiscal_code: &str) -> Result<Option<IoProfile>, HookError> {
        match &self.hooks.app_io {
            Some(app_io) => app_io.profile(fiscal_code).await.map(Some),
            None => Ok(None),
        }
    }

    /// Sends the message through App IO, with the due day and the notice of the payment it speaks of,
    /// if any.
    async fn send_by_app_io(
        &self,
        app_io: &dyn AppIo,
        effect: &ClaimedEffect,
        fiscal_code: String,
        rendered: Rendered,
        payment: Option<&PaymentRecord>,
    ) -> Attempt {
        let sent = json!({"subject": rendered.subject, "body": rendered.markdown});
        let message = IoMessage {
            fiscal_code,
            subject: rendered.subject,
            markdown: rendered.markdown,
            // The last second of the due day in Rome, so the app shows that day, not the next.
            due_date: payment.map(|p| end_of_day(p.due_date) - SignedDuration::from_secs(1)),
            payment: payment.and_then(|p| self.io_payment(p)),
        };
        match app_io.send(&message, &effect.idempotency_key).await {
            Ok(id) => Attempt::Delivered(json!({"channel": "app_io", "message_id": id, "sent": sent})),
            Err(error) => Attempt::Failed(error),
        }
    }

    /// The pagoPA notice an App IO message carries for `payment`: none until the payment is numbered,
    /// or when no pagoPA provider is configured to name the payee.
    fn io_payment(&self, payment: &PaymentRecord) -> Option<IoPayment> {
        let gpd = self.hooks.debt_positions.as_ref()?;
        let notice_number = payment.notice_number.as_deref().and_then(|n| NoticeNumber::parse(n).ok())?;
        Some(IoPayment { notice_number, amount_cents: payment.amount_cents, payee: gpd.creditor().fiscal_code.clone() })
    }

    /// Sends the message by e-mail to `address` (the citizen's own from their profile, else the one in
    /// the case data), recording why App IO was not used (from the citizen's `profile`). With no
    /// address or no mailer nothing is sent, and the delivery records why.
    async fn send_by_email(
        &self,
        effect: &ClaimedEffect,
        address: Option<String>,
        rendered: Rendered,
        profile: Option<IoProfile>,
    ) -> Attempt {
        let why = match profile {
            Some(IoProfile::SenderNotAllowed) => "sender_not_allowed",
            Some(IoProfile::NotOnIo) => "not_on_io",
            _ => "app_io_not_configured",
        };
        let sent = json!({"subject": rendered.subject, "body": rendered.markdown});
        match (address, &self.hooks.mailer) {
            (Some(to), Some(mailer)) => {
                let email = Email { to, subject: rendered.subject, text: rendered.markdown };
                match mailer.send(&email, &effect.idempotency_key).await {
                    Ok(id) => {
                        Attempt::Delivered(json!({"channel": "email", "message_id": id, "because": why, "sent": sent}))
                    }
                    Err(error) => Attempt::Failed(error),
                }
            }
            (address, _) => {
                let missing = if address.is_none() { "no_email_address" } else { "email_not_configured" };
                Attempt::Delivered(json!({"channel": "none", "because": why, "and": missing}))
            }
        }
    }

    /// A message waits for its payment's notice while the payment may still be published (its
    /// delivery pending, or an incident a clerk may retry); once that delivery was dismissed the notice
    /// never comes, and the message becomes an incident instead of waiting for ever.
    async fn wait_for(&self, payment: &PaymentRecord) -> Result<Attempt, Error> {
        let effects = self.store.case_effects(payment.case_id).await?;
        if effects.iter().any(|e| e.id == payment.effect_id && e.status == OutboxStatus::Dismissed) {
            return Ok(Attempt::Failed(HookError::Rejected(format!(
                "the payment `{}` was dismissed, so there is no notice to send",
                payment.name
            ))));
        }
        Ok(Attempt::Postponed(PAYMENT_WAIT))
    }

    async fn payment(&self, effect: &ClaimedEffect) -> Result<Attempt, Error> {
        let Some(gpd) = &self.hooks.debt_positions else {
            return Ok(not_configured("no pagoPA provider is configured ([hooks.pagopa])".to_owned()));
        };
        let payment = self.store.payment_of_effect(effect.id).await?;
        let payment = self.store.number_payment(payment.id, gpd.creditor().segregation, self.notice_offset).await?;
        let (Some(notice), Some(iupd)) = (payment.notice_number.as_deref(), payment.iupd.clone()) else {
            return Ok(not_configured("the payment could not be numbered".to_owned()));
        };
        let Ok(notice) = NoticeNumber::parse(notice) else {
            return Ok(Attempt::Failed(HookError::Rejected(format!(
                "payment {} has a malformed notice number",
                payment.id
            ))));
        };
        let case = self.store.case(effect.case_id).await?;
        let data = &case.case.data;
        let debtor_name = ["applicant_name", "full_name", "name"]
            .iter()
            .find_map(|k| data[*k].as_str().filter(|s| !s.trim().is_empty()).map(str::to_owned))
            .unwrap_or_else(|| case.case.applicant.clone());
        let position = DebtPosition {
            iupd: iupd.clone(),
            notice_number: notice.clone(),
            debtor_fiscal_code: case.case.applicant.clone(),
            debtor_name,
            amount_cents: payment.amount_cents,
            description: payment.description.clone(),
            due_date: payment.due_date,
        };
        match gpd.create(&position).await {
            Ok(()) => {
                self.store.payment_opened(payment.id).await?;
                Ok(Attempt::Delivered(json!({"channel": "pagopa", "iupd": iupd, "notice_number": notice.as_str()})))
            }
            Err(error) => Ok(Attempt::Failed(error)),
        }
    }

    async fn webhook(&self, effect: &ClaimedEffect) -> Result<Attempt, Error> {
        let Some(webhooks) = &self.hooks.webhooks else {
            return Ok(not_configured("no webhook endpoints are configured ([hooks.webhooks])".to_owned()));
        };
        let case = self.store.case(effect.case_id).await?;
        let definition = self.store.definition(&case.case.workflow, Some(case.case.workflow_version)).await?;
        let Some(webhook) = definition.webhooks.get(&effect.name) else {
            return Ok(not_configured(format!("the workflow has no webhook `{}`", effect.name)));
        };
        let mut body = json!({
            "webhook": effect.name,
            "case": case.case.code,
            "workflow": case.case.workflow.to_string(),
            "workflow_version": case.case.workflow_version,
            "state": case.case.state.to_string(),
            "office": case.case.office,
            "opened_on": case.case.opened_on.to_string(),
            "idempotency_key": effect.idempotency_key,
        });
        if webhook.include_data {
            body["applicant"] = json!(case.case.applicant);
            body["data"] = case.case.data.clone();
        }
        Ok(match webhooks.call(&webhook.endpoint, &body, &effect.idempotency_key).await {
            Ok(()) => Attempt::Delivered(json!({"channel": "webhook", "endpoint": webhook.endpoint})),
            Err(error) => Attempt::Failed(error),
        })
    }
}

/// The address an application's data gives for messages (`applicant_email`, else `email`).
fn data_address(data: &Json) -> Option<String> {
    ["applicant_email", "email"].iter().find_map(|k| data[*k].as_str().map(str::to_owned))
}

/// How one effect ended this round.
enum EndOfRound {
    Delivered,
    Retried,
    Incident,
    Postponed,
}

/// The payments a message written by outbox row `effect_id` speaks of: for each name, the latest
/// one asked for before it, or else the first asked for after it (a state whose `on_enter` lists the
/// message before the payment).
fn latest_payments(all: Vec<PaymentRecord>, effect_id: i64) -> Vec<PaymentRecord> {
    let mut latest: Vec<PaymentRecord> = Vec::new();
    for payment in all {
        match latest.iter().position(|p| p.name == payment.name) {
            Some(at) if latest[at].effect_id < effect_id && payment.effect_id < effect_id => latest[at] = payment,
            Some(_) => {}
            None => latest.push(payment),
        }
    }
    latest
}

fn not_configured(message: String) -> Attempt {
    Attempt::Failed(HookError::NotConfigured(message))
}

fn signed(wait: Duration) -> SignedDuration {
    SignedDuration::try_from(wait).unwrap_or(SignedDuration::from_hours(24))
}
