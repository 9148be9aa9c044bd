//! Minimal valid requests for the operations Sportello's clients call, as the documents define them,
//! and a client for the module's own tests.

use serde_json::{Value, json};

/// Any non-empty key meets the `Ocp-Apim-Subscription-Key` security schemes.
pub const SUBSCRIPTION_KEY: &str = "test-subscription-key";
/// A citizen's fiscal code (the documents' own example).
pub const FISCAL_CODE: &str = "SPNDNL80R13C555X";
/// An organization's fiscal code.
pub const ORGANIZATION: &str = "77777777777";

/// An App IO `NewMessage`: only `content` (subject 10–120 characters, markdown 80–10,000) is required
/// by the schema; `fiscal_code` is what `POST /messages` needs to reach anyone.
pub fn new_message() -> Value {
    json!({
        "fiscal_code": FISCAL_CODE,
        "content": {
            "subject": "Your permit was granted",
            "markdown": "The building permit you asked for on 3 March was granted. You can download it from the municipality's site.",
        },
    })
}

/// A GPD `PaymentPositionModel` with one payment option and one transfer to an IBAN.
pub fn payment_position(iupd: &str) -> Value {
    json!({
        "iupd": iupd,
        "type": "F",
        "fiscalCode": FISCAL_CODE,
        "fullName": "Daniele Spinelli",
        "companyName": "Comune di Prova",
        "switchToExpired": false,
        "paymentOption": [{
            "iuv": "01000000000000001",
            "amount": 5000,
            "description": "Diritti di segreteria",
            "isPartialPayment": false,
            "dueDate": "2030-12-31T23:59:59Z",
            "transfer": [{
                "idTransfer": "1",
                "amount": 5000,
                "remittanceInformation": "Diritti di segreteria",
                "category": "9/0101108TS/",
                "iban": "IT60X0542811101000000123456",
            }],
        }],
    })
}

/// A client that gives up after five seconds.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().expect("a client")
}
