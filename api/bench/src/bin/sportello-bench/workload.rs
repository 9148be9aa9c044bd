//! The workload, "school enrolment (v1)", as pure functions of the case number `i` (1..=N): the steps
//! each case takes, who takes them, the case data (`payload(i)`, byte for byte as the workload defines
//! it), and the digest that proves two runs used the same data. No I/O: both engines and the schedule
//! read the workload from here.

use sha2::{Digest, Sha256};

/// One event of the procedure, in the words the workload (and the benchmark workflow) uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Creates the case in `submitted`.
    Submit,
    /// `submitted` → `under_review`.
    TakeIntoReview,
    /// `under_review` → `needs_integration`.
    RequestIntegration,
    /// `needs_integration` → `under_review`.
    Resubmit,
    /// `under_review` → `approved`.
    Approve,
    /// `approved` → `fee_paid`, reported by pagoPA.
    PayFee,
    /// `fee_paid` → `closed`.
    Close,
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// The applicant, `citizen-%06d` (the case number).
    Citizen,
    /// A clerk, `clerk-%02d` (the case number mod 20).
    Clerk,
    /// The payment system, `pagopa`.
    Pagopa,
}

impl Step {
    /// The event's name (the transition's name in the workflow).
    pub fn event(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::TakeIntoReview => "take_into_review",
            Step::RequestIntegration => "request_integration",
            Step::Resubmit => "resubmit",
            Step::Approve => "approve",
            Step::PayFee => "pay_fee",
            Step::Close => "close",
        }
    }

    /// Who takes it.
    pub fn actor(self) -> ActorKind {
        match self {
            Step::Submit | Step::Resubmit => ActorKind::Citizen,
            Step::PayFee => ActorKind::Pagopa,
            Step::TakeIntoReview | Step::RequestIntegration | Step::Approve | Step::Close => ActorKind::Clerk,
        }
    }

    /// The state the case is in once the step is applied (what an engine must report back).
    pub fn to(self) -> &'static str {
        match self {
            Step::Submit => "submitted",
            Step::TakeIntoReview | Step::Resubmit => "under_review",
            Step::RequestIntegration => "needs_integration",
            Step::Approve => "approved",
            Step::PayFee => "fee_paid",
            Step::Close => "closed",
        }
    }
}

/// The final state of every case.
pub const FINAL_STATE: &str = "closed";

const STRAIGHT: [Step; 5] = [Step::Submit, Step::TakeIntoReview, Step::Approve, Step::PayFee, Step::Close];
const WITH_LOOP: [Step; 7] = [
    Step::Submit,
    Step::TakeIntoReview,
    Step::RequestIntegration,
    Step::Resubmit,
    Step::Approve,
    Step::PayFee,
    Step::Close,
];

/// The most steps a case takes: the number of rounds.
pub const ROUNDS: usize = WITH_LOOP.len();

/// The steps of case `i`, in order; step 0 creates it. Every 10th case goes once through the loop.
pub fn steps(i: u64) -> &'static [Step] {
    if i.is_multiple_of(10) { &WITH_LOOP } else { &STRAIGHT }
}

/// W(N): the transitions of a run, creations included.
pub fn transitions(cases: u64) -> u64 {
    (1..=cases).map(|i| steps(i).len() as u64).sum()
}

/// The actor of `kind` for case `i`, as the workload names it.
pub fn actor_name(kind: ActorKind, i: u64) -> String {
    match kind {
        ActorKind::Citizen => format!("citizen-{i:06}"),
        ActorKind::Clerk => format!("clerk-{:02}", i % 20),
        ActorKind::Pagopa => "pagopa".to_owned(),
    }
}

const GIVEN: [&str; 8] = ["Giulia", "Francesco", "Sofia", "Alessandro", "Aurora", "Leonardo", "Ginevra", "Lorenzo"];
const FAMILY: [&str; 8] = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"];
const SCHOOLS: [&str; 6] = ["IC Manzoni", "IC Leopardi", "IC Montale", "IC Pascoli", "IC Carducci", "IC Deledda"];
const MONTH_LETTERS: &[u8; 12] = b"ABCDEHLMPRST";

/// The data of case `i`: compact JSON of about 320 bytes, exactly as the workload spells it out.
pub fn payload(i: u64) -> String {
    let at = |n: u64, len: usize| (n % len as u64) as usize;
    let given = GIVEN[at(i, 8)];
    let family = FAMILY[at(i / 8, 8)];
    let month = 1 + i % 12;
    let day = 1 + i % 28;
    let fiscal_code = format!(
        "{}{}19{}{day:02}H501{}",
        family[..3].to_uppercase(),
        given[..3].to_uppercase(),
        char::from(MONTH_LETTERS[(month - 1) as usize]),
        char::from(b'A' + (i % 26) as u8),
    );
    let guardian = GIVEN[at(i + 3, 8)];
    let phone = (i * 7919) % 1_000_000_000;
    let (s0, s1, s2) = (SCHOOLS[at(i, 6)], SCHOOLS[at(i + 1, 6)], SCHOOLS[at(i + 2, 6)]);
    format!(
        concat!(
            r#"{{"case_ref":"ENR-2026-{i:06}","#,
            r#""child":{{"given_name":"{given}","family_name":"{family}","#,
            r#""birth_date":"2019-{month:02}-{day:02}","fiscal_code":"{fiscal_code}"}},"#,
            r#""guardian":{{"name":"{guardian} {family}","email":"guardian{i:06}@example.org","#,
            r#""phone":"+39 3{phone:09}"}},"#,
            r#""school_choice":["{s0}","{s1}","{s2}"],"school_year":"2026/27"}}"#,
        ),
        // A format string made by `concat!` cannot capture variables: each is named.
        i = i,
        given = given,
        family = family,
        month = month,
        day = day,
        fiscal_code = fiscal_code,
        guardian = guardian,
        phone = phone,
        s0 = s0,
        s1 = s1,
        s2 = s2,
    )
}

/// The first 12 hex digits of SHA-256 over `payload(1) + "\n" + … + payload(N) + "\n"`.
pub fn payload_digest(cases: u64) -> String {
    let mut hasher = Sha256::new();
    for i in 1..=cases {
        hasher.update(payload(i).as_bytes());
        hasher.update(b"\n");
    }
    let mut hex = format!("{:x}", hasher.finalize());
    hex.truncate(12);
    hex
}

/// SHA-256 of `text`, in lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_digest_for_2000_cases_is_the_published_one() {
        assert_eq!(payload_digest(2000), "9b40d2b12303");
    }

    #[test]
    fn a_run_of_2000_cases_is_10400_transitions_and_of_20000_is_104000() {
        assert_eq!(transitions(2000), 10_400);
        assert_eq!(transitions(20_000), 104_000);
        assert_eq!(transitions(50), 260);
    }

    #[test]
    fn the_first_payload_reads_as_the_workload_spells_it() {
        let expected = r#"{"case_ref":"ENR-2026-000001","child":{"given_name":"Francesco","family_name":"Rossi","birth_date":"2019-02-02","fiscal_code":"ROSFRA19B02H501B"},"guardian":{"name":"Aurora Rossi","email":"guardian000001@example.org","phone":"+39 3000007919"},"school_choice":["IC Leopardi","IC Montale","IC Pascoli"],"school_year":"2026/27"}"#;
        assert_eq!(payload(1), expected);
        let parsed: serde_json::Value = serde_json::from_str(&payload(1997)).expect("payloads are JSON");
        assert_eq!(parsed.to_string(), payload(1997), "compact, keys in order");
    }

    #[test]
    fn every_tenth_case_goes_through_the_loop_and_each_step_has_its_actor() {
        assert_eq!(steps(9).len(), 5);
        assert_eq!(steps(10)[2..4], [Step::RequestIntegration, Step::Resubmit]);
        assert!(steps(7).iter().all(|s| steps(10).contains(s)));
        assert_eq!(actor_name(Step::Submit.actor(), 42), "citizen-000042");
        assert_eq!(actor_name(Step::Close.actor(), 42), "clerk-02");
        assert_eq!(actor_name(Step::PayFee.actor(), 42), "pagopa");
        assert_eq!(steps(10).last().map(|s| s.to()), Some(FINAL_STATE));
    }
}
