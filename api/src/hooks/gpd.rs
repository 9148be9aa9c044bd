//! [`GpdClient`]: the [`DebtPositions`] port on pagoPA GPD, debt positions v1 (`pagopa-gpd-api.json`),
//! for one creditor. `createPosition` (`POST /organizations/{fc}/debtpositions?toPublish=true`) sends a
//! `PaymentPositionModel` with one payment option and one transfer to the creditor's IBAN, and the IUPD
//! as its `Idempotency-Key`; 201 and 409 (a position with this IUPD or IUV exists) both count as
//! created. `getOrganizationDebtPositionByIUPD` reads the status back, so a 409 for an IUV taken by
//! another position shows there, as a 404.
//!
//! Dates: GPD reads `dueDate` and `retentionDate` as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` and compares them
//! with the current UTC time, so the due date is sent as the last millisecond of the due day in
//! Europe/Rome, in UTC. Positions are created with `switchToExpired: true`: GPD stops taking payments after
//! the due date, when Sportello turns an unpaid notice into `payment.expired` (and the case may move
//! on, a place lapse), so no payment can arrive for a notice the case has given up; App IO messages say
//! the same (`invalid_after_due_date: true`).
//!
//! Status: the payment option paid (`PO_PAID`, `PO_PARTIALLY_REPORTED`, `PO_REPORTED`) or the position
//! `PAID`/`REPORTED` is [`PaymentStatus::Paid`], with the option's `idReceipt` (its `nav` or `iuv` when GPD
//! has none) and `paymentDate` (GPD's local date-times are read as UTC); `EXPIRED`/`INVALID` is
//! `Expired`; `DRAFT`, `PUBLISHED`, `VALID` and `PARTIALLY_PAID` (impossible with our single,
//! non-partial option) are `Unpaid`. A 404 is `Expired` too: the position was deleted at GPD (or
//! archived after its retention date) without a payment.

use std::time::Duration;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use sportello_hooks::{Creditor, DebtPosition, DebtPositions, HookError, HookFuture, PaymentStatus};

use super::app_io::SUBSCRIPTION_KEY;
use super::http::{self, SetupError};
use super::secret::Secret;

/// The production GPD debt positions API, v1.
pub const DEFAULT_BASE_URL: &str = "https://api.platform.pagopa.it/gpd/debt-positions-service/v1";

/// The zone the due day is a day in.
const OFFICE_TIME_ZONE: &str = "Europe/Rome";

/// The most characters of a description, a remittance information or a company name.
pub const MAX_TEXT_CHARS: usize = 140;

/// How this system is named in error messages.
const SYSTEM: &str = "pagopa gpd";

/// What a [`GpdClient`] is built from.
#[derive(Debug, Clone)]
pub struct GpdConfig {
    /// The API's base URL, e.g. [`DEFAULT_BASE_URL`].
    pub base_url: String,
    /// The GPD subscription key.
    pub subscription_key: Secret,
    /// The municipality as a creditor.
    pub creditor: Creditor,
    /// The IBAN every payment is credited to.
    pub iban: String,
    /// The taxonomy code of the transfer (`category`, e.g. `9/0101108TS/`).
    pub category: String,
    /// How long after the due date GPD keeps the position payable (`retentionDate`), in days.
    pub retention_days: u16,
    /// How long to wait for an answer.
    pub timeout: Duration,
}

/// GPD, for one creditor.
#[derive(Debug, Clone)]
pub struct GpdClient {
    http: reqwest::Client,
    base: Url,
    subscription_key: Secret,
    creditor: Creditor,
    iban: String,
    category: String,
    retention_days: u16,
}

impl GpdClient {
    /// A client for `config`'s creditor.
    pub fn new(config: GpdConfig) -> Result<GpdClient, SetupError> {
        Ok(GpdClient {
            http: http::client(Some(config.timeout))?,
            base: http::base_url(&config.base_url)?,
            subscription_key: config.subscription_key,
            creditor: config.creditor,
            iban: config.iban,
            category: config.category,
            retention_days: config.retention_days,
        })
    }

    fn positions_url(&self, iupd: Option<&str>) -> Url {
        let organization = self.creditor.fiscal_code.as_str();
        match iupd {
            None => http::endpoint(&self.base, &["organizations", organization, "debtpositions"]),
            Some(iupd) => http::endpoint(&self.base, &["organizations", organization, "debtpositions", iupd]),
        }
    }

    async fn create_position(&self, position: &DebtPosition) -> Result<(), HookError> {
        let body = self.model(position)?;
        let mut url = self.positions_url(None);
        url.query_pairs_mut().append_pair("toPublish", "true");
        let request = self
            .http
            .post(url)
            .header(SUBSCRIPTION_KEY, self.subscription_key.expose())
            .header(http::IDEMPOTENCY_KEY, &position.iupd)
            .json(&body);
        let response = http::send(SYSTEM, request).await?;
        if response.status() == StatusCode::CONFLICT {
            return Ok(());
        }
        let sensitive = [position.debtor_fiscal_code.as_str(), position.debtor_name.as_str()];
        http::success(SYSTEM, response, &sensitive).await.map(drop)
    }

    async fn read_status(&self, iupd: &str) -> Result<PaymentStatus, HookError> {
        let request =
            self.http.get(self.positions_url(Some(iupd))).header(SUBSCRIPTION_KEY, self.subscription_key.expose());
        let response = http::send(SYSTEM, request).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(PaymentStatus::Expired);
        }
        let response = http::success(SYSTEM, response, &[]).await?;
        let position: PositionResponse = http::json(SYSTEM, response).await?;
        position.status(iupd)
    }

    fn model<'a>(&'a self, position: &'a DebtPosition) -> Result<PaymentPositionModel<'a>, HookError> {
        let description = position.description.trim();
        if description.is_empty() || description.chars().count() > MAX_TEXT_CHARS {
            return Err(HookError::Rejected(format!(
                "a debt position's description must be 1 to {MAX_TEXT_CHARS} characters"
            )));
        }
        if position.amount_cents < 1 {
            return Err(HookError::Rejected("a debt position's amount must be at least 1 cent".to_owned()));
        }
        if position.debtor_name.trim().is_empty() || position.debtor_fiscal_code.trim().is_empty() {
            return Err(HookError::Rejected("a debt position needs the debtor's name and fiscal code".to_owned()));
        }
        let due_date = end_of_day(position.due_date)?;
        let retention_day = position
            .due_date
            .checked_add(i64::from(self.retention_days).days())
            .map_err(|_| HookError::Rejected("the retention date is out of range".to_owned()))?;
        let retention_date = end_of_day(retention_day)?;
        Ok(PaymentPositionModel {
            iupd: &position.iupd,
            kind: subject_type(&position.debtor_fiscal_code),
            fiscal_code: &position.debtor_fiscal_code,
            full_name: &position.debtor_name,
            company_name: &self.creditor.name,
            switch_to_expired: true,
            payment_option: [PaymentOptionModel {
                iuv: position.notice_number.iuv(),
                amount: position.amount_cents,
                description,
                is_partial_payment: false,
                due_date,
                retention_date,
                transfer: [TransferModel {
                    id_transfer: "1",
                    amount: position.amount_cents,
                    remittance_information: description,
                    category: &self.category,
                    iban: &self.iban,
                }],
            }],
        })
    }
}

impl DebtPositions for GpdClient {
    fn creditor(&self) -> &Creditor {
        &self.creditor
    }

    fn create<'a>(&'a self, position: &'a DebtPosition) -> HookFuture<'a, ()> {
        Box::pin(self.create_position(position))
    }

    fn status<'a>(&'a self, iupd: &'a str) -> HookFuture<'a, PaymentStatus> {
        Box::pin(self.read_status(iupd))
    }
}

/// `F` (natural person) for a personal fiscal code, `G` (legal person) for an 11-digit one.
fn subject_type(fiscal_code: &str) -> &'static str {
    let fiscal_code = fiscal_code.trim();
    if fiscal_code.len() == 11 && fiscal_code.bytes().all(|b| b.is_ascii_digit()) { "G" } else { "F" }
}

/// The last millisecond of `date` in Europe/Rome, in UTC, as GPD reads date-times.
fn end_of_day(date: Date) -> Result<String, HookError> {
    let out_of_range = |_| HookError::Rejected("a debt position's date is out of range".to_owned());
    let zone = TimeZone::get(OFFICE_TIME_ZONE)
        .map_err(|_| HookError::NotConfigured(format!("the time zone {OFFICE_TIME_ZONE} is not available")))?;
    let next_day = date.tomorrow().map_err(out_of_range)?.to_zoned(zone).map_err(out_of_range)?;
    let last = next_day.timestamp().checked_sub(1.millisecond()).map_err(out_of_range)?;
    Ok(last.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// An instant as GPD writes it: with an offset, or a local date-time (read as UTC).
fn instant(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        text.parse::<DateTime>().ok().and_then(|local| local.to_zoned(TimeZone::UTC).ok()).map(|at| at.timestamp())
    })
}

/// `PaymentPositionModel`, the part we send.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentPositionModel<'a> {
    iupd: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    fiscal_code: &'a str,
    full_name: &'a str,
    company_name: &'a str,
    switch_to_expired: bool,
    payment_option: [PaymentOptionModel<'a>; 1],
}

/// `PaymentOptionModel`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentOptionModel<'a> {
    iuv: &'a str,
    amount: i64,
    description: &'a str,
    is_partial_payment: bool,
    due_date: String,
    retention_date: String,
    transfer: [TransferModel<'a>; 1],
}

/// `TransferModel`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TransferModel<'a> {
    id_transfer: &'static str,
    amount: i64,
    remittance_information: &'a str,
    category: &'a str,
    iban: &'a str,
}

/// `PaymentPositionModelBaseResponse`, the part we read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PositionResponse {
    status: Option<String>,
    payment_date: Option<String>,
    #[serde(default)]
    payment_option: Vec<OptionResponse>,
}

/// `PaymentOptionModelResponse`, the part we read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptionResponse {
    status: Option<String>,
    payment_date: Option<String>,
    id_receipt: Option<String>,
    nav: Option<String>,
    iuv: Option<String>,
}

impl PositionResponse {
    fn status(self, iupd: &str) -> Result<PaymentStatus, HookError> {
        let option = self.payment_option.into_iter().next();
        let option_paid = option
            .as_ref()
            .and_then(|option| option.status.as_deref())
            .is_some_and(|status| matches!(status, "PO_PAID" | "PO_PARTIALLY_REPORTED" | "PO_REPORTED"));
        let status = self.status.as_deref().unwrap_or("");
        if option_paid || matches!(status, "PAID" | "REPORTED") {
            let paid_at = option
                .as_ref()
                .and_then(|option| option.payment_date.as_deref())
                .or(self.payment_date.as_deref())
                .and_then(instant);
            let receipt_id = option
                .and_then(|option| {
                    [option.id_receipt, option.nav, option.iuv].into_iter().flatten().find(|id| !id.is_empty())
                })
                .unwrap_or_else(|| iupd.to_owned());
            return Ok(PaymentStatus::Paid { receipt_id, paid_at });
        }
        match status {
            "EXPIRED" | "INVALID" => Ok(PaymentStatus::Expired),
            "DRAFT" | "PUBLISHED" | "VALID" | "PARTIALLY_PAID" => Ok(PaymentStatus::Unpaid),
            _ => Err(HookError::Unavailable(format!("{SYSTEM} answered an unknown position status"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sportello_runtime::pagopa::SegregationCode;

    use super::*;
    use crate::hooks::test_server::{
        Reply, SHORT_TIMEOUT, TestServer, creditor_fiscal_code, notice_number, silent_server,
    };

    const DEBTOR: &str = "RSSMRA80A01H501U";

    fn client(url: &str) -> GpdClient {
        GpdClient::new(GpdConfig {
            base_url: format!("{url}/gpd/debt-positions-service/v1"),
            subscription_key: Secret::new("gpd-key"),
            creditor: Creditor {
                fiscal_code: creditor_fiscal_code(),
                name: "Comune di Esempio".to_owned(),
                segregation: SegregationCode::parse("01").map_err(|error| error.to_string()).unwrap(),
            },
            iban: "IT60X0542811101000000123456".to_owned(),
            category: "9/0101108TS/".to_owned(),
            retention_days: 365,
            timeout: SHORT_TIMEOUT,
        })
        .unwrap()
    }

    fn position() -> DebtPosition {
        DebtPosition {
            iupd: "80012345676-case-42".to_owned(),
            notice_number: notice_number(),
            debtor_fiscal_code: DEBTOR.to_owned(),
            debtor_name: "Mario Rossi".to_owned(),
            amount_cents: 12_050,
            description: "Occupazione suolo pubblico, pratica 42".to_owned(),
            due_date: jiff::civil::date(2026, 7, 31),
        }
    }

    #[tokio::test]
    async fn a_position_is_created_and_published_as_the_spec_says() {
        let server = TestServer::start(Reply::json(201, json!({"iupd": "80012345676-case-42"}))).await;

        let outcome = client(&server.url).create(&position()).await;

        assert_eq!(outcome, Ok(()));
        let request = server.only_request();
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.uri,
            "/gpd/debt-positions-service/v1/organizations/80012345676/debtpositions?toPublish=true"
        );
        assert_eq!(request.header("ocp-apim-subscription-key"), "gpd-key");
        assert_eq!(request.header("idempotency-key"), "80012345676-case-42");
        assert_eq!(
            request.json(),
            json!({
                "iupd": "80012345676-case-42",
                "type": "F",
                "fiscalCode": DEBTOR,
                "fullName": "Mario Rossi",
                "companyName": "Comune di Esempio",
                "switchToExpired": true,
                "paymentOption": [{
                    "iuv": "01000000000012373",
                    "amount": 12050,
                    "description": "Occupazione suolo pubblico, pratica 42",
                    "isPartialPayment": false,
                    // 31 July ends at 22:00 UTC in Rome's summer time.
                    "dueDate": "2026-07-31T21:59:59.999Z",
                    "retentionDate": "2027-07-31T21:59:59.999Z",
                    "transfer": [{
                        "idTransfer": "1",
                        "amount": 12050,
                        "remittanceInformation": "Occupazione suolo pubblico, pratica 42",
                        "category": "9/0101108TS/",
                        "iban": "IT60X0542811101000000123456"
                    }]
                }]
            })
        );
    }

    #[test]
    fn the_due_day_ends_at_midnight_in_rome_in_winter_too() {
        assert_eq!(end_of_day(jiff::civil::date(2026, 1, 15)).unwrap(), "2026-01-15T22:59:59.999Z");
        assert_eq!(subject_type("80012345676"), "G");
        assert_eq!(subject_type(DEBTOR), "F");
    }

    #[tokio::test]
    async fn a_position_that_already_exists_counts_as_created() {
        let server = TestServer::start(Reply::problem(409, "Conflict", "duplicate debt position")).await;
        assert_eq!(client(&server.url).create(&position()).await, Ok(()));
    }

    #[tokio::test]
    async fn a_position_with_a_bad_description_is_refused_without_a_request() {
        let server = TestServer::start(Reply::status(201)).await;
        let position = DebtPosition { description: "x".repeat(141), ..position() };
        assert!(matches!(client(&server.url).create(&position).await, Err(HookError::Rejected(_))));
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn throttling_failures_and_refusals_are_told_apart() {
        let server = TestServer::start(Reply::status(429).header("retry-after", "3")).await;
        assert_eq!(
            client(&server.url).create(&position()).await,
            Err(HookError::Throttled { retry_after: Some(Duration::from_secs(3)) })
        );

        let server = TestServer::start(Reply::problem(500, "Internal Server Error", "database down")).await;
        assert!(matches!(client(&server.url).status("iupd-1").await, Err(HookError::Unavailable(_))));

        let detail = "Dates congruence error: due_date must be >= current_date for Mario Rossi";
        let server = TestServer::start(Reply::problem(400, "Bad Request", detail)).await;
        assert_eq!(
            client(&server.url).create(&position()).await,
            Err(HookError::Rejected(
                "pagopa gpd answered 400: Bad Request: Dates congruence error: due_date must be >= current_date \
                 for [redacted]"
                    .to_owned()
            ))
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_unavailable_after_the_timeout() {
        let url = silent_server().await;
        let outcome = client(&url).create(&position()).await;
        assert!(matches!(outcome, Err(HookError::Unavailable(message)) if message.contains("did not answer in time")));
    }

    #[tokio::test]
    async fn the_status_is_read_by_iupd() {
        let paid = json!({
            "iupd": "80012345676-case-42",
            "status": "PAID",
            "paymentOption": [{
                "nav": "301000000000012373",
                "iuv": "01000000000012373",
                "status": "PO_PAID",
                "paymentDate": "2026-07-20T09:15:00",
                "idReceipt": "receipt-7"
            }]
        });
        let server = TestServer::start(Reply::json(200, paid)).await;

        let status = client(&server.url).status("80012345676-case-42").await;

        assert_eq!(
            status,
            Ok(PaymentStatus::Paid {
                receipt_id: "receipt-7".to_owned(),
                paid_at: Some("2026-07-20T09:15:00Z".parse().unwrap())
            })
        );
        let request = server.only_request();
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.uri,
            "/gpd/debt-positions-service/v1/organizations/80012345676/debtpositions/80012345676-case-42"
        );
        assert_eq!(request.header("ocp-apim-subscription-key"), "gpd-key");
    }

    #[tokio::test]
    async fn each_position_status_maps_to_a_payment_status() {
        let reported_without_receipt =
            json!({"status": "REPORTED", "paymentOption": [{"nav": "301000000000012373", "status": "PO_REPORTED"}]});
        let cases = [
            (json!({"status": "VALID", "paymentOption": [{"status": "PO_UNPAID"}]}), Ok(PaymentStatus::Unpaid)),
            (json!({"status": "PUBLISHED"}), Ok(PaymentStatus::Unpaid)),
            (json!({"status": "EXPIRED"}), Ok(PaymentStatus::Expired)),
            (json!({"status": "INVALID"}), Ok(PaymentStatus::Expired)),
            (
                reported_without_receipt,
                Ok(PaymentStatus::Paid { receipt_id: "301000000000012373".to_owned(), paid_at: None }),
            ),
        ];
        for (body, expected) in cases {
            let server = TestServer::start(Reply::json(200, body.clone())).await;
            assert_eq!(client(&server.url).status("iupd-1").await, expected, "{body}");
        }

        let server = TestServer::start(Reply::problem(404, "Not Found", "no debt position")).await;
        assert_eq!(client(&server.url).status("iupd-1").await, Ok(PaymentStatus::Expired));

        let server = TestServer::start(Reply::json(200, json!({"status": "SOMETHING_NEW"}))).await;
        assert!(matches!(client(&server.url).status("iupd-1").await, Err(HookError::Unavailable(_))));
    }
}
