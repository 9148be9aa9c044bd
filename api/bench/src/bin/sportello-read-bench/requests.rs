//! The mix of reads: a clerk's worklist, staff searches with each kind of filter, a citizen's own
//! cases, one case and its timeline; or, with `--pages`, the pages people read: the clerk's worklist
//! and case page, the citizen's applications and case page, a workflow's page with its diagram. A search may go on to later pages by its `next` cursor; those
//! pages are measured as their own kind. Each request is made as someone allowed to make it, so none
//! is refused (a refused read would write to the case's audit trail).

use sportello_api::demo::rng::Rng;

use crate::sample::Sample;

/// What a request is, as the result reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `GET /worklist` as a clerk.
    Worklist,
    /// `GET /cases?workflow=…&state=…` as a clerk.
    SearchWorkflowState,
    /// `GET /cases?overdue=true` as a clerk.
    SearchOverdue,
    /// `GET /cases?due_within_days=7` as a clerk.
    SearchDueWithin,
    /// `GET /cases?waiting_for=office` as a clerk.
    SearchWaitingFor,
    /// `GET /cases?code=…` as a clerk.
    SearchCode,
    /// `GET /cases?applicant=…` as a clerk.
    SearchApplicant,
    /// `GET /cases` as a citizen: their own cases.
    CitizenCases,
    /// A later page of a search, by its cursor.
    SearchNextPage,
    /// `GET /cases/{code}`.
    Case,
    /// `GET /cases/{code}/timeline`.
    Timeline,
    /// The page `/ufficio` as a clerk.
    PageWorklist,
    /// The page `/ufficio/pratiche/{code}` as a clerk.
    PageClerkCase,
    /// The page `/pratiche` as a citizen.
    PageMyCases,
    /// The page `/pratiche/{code}` as its applicant.
    PageCitizenCase,
    /// The page `/procedimenti/{id}` (diagram included) as an analyst.
    PageWorkflow,
}

impl Kind {
    /// The name in the result line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Worklist => "worklist",
            Kind::SearchWorkflowState => "search_workflow_state",
            Kind::SearchOverdue => "search_overdue",
            Kind::SearchDueWithin => "search_due_within_7_days",
            Kind::SearchWaitingFor => "search_waiting_for_office",
            Kind::SearchCode => "search_code",
            Kind::SearchApplicant => "search_applicant",
            Kind::CitizenCases => "citizen_cases",
            Kind::SearchNextPage => "search_next_page",
            Kind::Case => "case",
            Kind::Timeline => "timeline",
            Kind::PageWorklist => "page_worklist",
            Kind::PageClerkCase => "page_clerk_case",
            Kind::PageMyCases => "page_my_cases",
            Kind::PageCitizenCase => "page_citizen_case",
            Kind::PageWorkflow => "page_workflow",
        }
    }
}

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A clerk of this office.
    Clerk(String),
    /// The citizen with this fiscal code.
    Citizen(String),
    /// An analyst.
    Analyst,
}

/// One task: a first request (and, for some searches, up to `pages - 1` more by cursor).
#[derive(Debug, Clone)]
pub struct Task {
    /// What it measures.
    pub kind: Kind,
    /// Who asks.
    pub caller: Caller,
    /// The path under `/api/v1`, query included.
    pub path: String,
    /// Pages to read at most.
    pub pages: u32,
    /// A page (signed in with a session cookie, `path` from the site's root) rather than the API.
    pub page: bool,
}

/// The mix: each kind's weight.
const MIX: &[(Kind, f64)] = &[
    (Kind::Worklist, 14.0),
    (Kind::SearchWorkflowState, 14.0),
    (Kind::SearchOverdue, 8.0),
    (Kind::SearchDueWithin, 8.0),
    (Kind::SearchWaitingFor, 8.0),
    (Kind::SearchCode, 6.0),
    (Kind::SearchApplicant, 6.0),
    (Kind::CitizenCases, 10.0),
    (Kind::Case, 14.0),
    (Kind::Timeline, 12.0),
];

/// A task drawn from the mix.
pub fn draw(sample: &Sample, rng: &mut Rng) -> Task {
    let weights: Vec<f64> = MIX.iter().map(|(_, w)| *w).collect();
    let kind = MIX[rng.weighted(&weights)].0;
    let case = rng.pick(&sample.drawn).clone();
    let office = rng.pick(&sample.offices).clone();
    let pages = if rng.chance(0.5) { rng.between(2, 4) as u32 } else { 1 };
    let (caller, path, pages) = match kind {
        Kind::Worklist => (Caller::Clerk(office), "/worklist".to_owned(), 1),
        Kind::SearchWorkflowState => {
            (Caller::Clerk(case.office), format!("/cases?workflow={}&state={}", case.workflow, case.state), pages)
        }
        Kind::SearchOverdue => (Caller::Clerk(office), "/cases?overdue=true".to_owned(), pages),
        Kind::SearchDueWithin => (Caller::Clerk(office), "/cases?due_within_days=7".to_owned(), pages),
        Kind::SearchWaitingFor => (Caller::Clerk(office), "/cases?waiting_for=office".to_owned(), pages),
        Kind::SearchCode => (Caller::Clerk(case.office), format!("/cases?code={}", case.code), 1),
        Kind::SearchApplicant => (Caller::Clerk(case.office), format!("/cases?applicant={}", case.applicant), 1),
        Kind::CitizenCases => (Caller::Citizen(case.applicant), "/cases".to_owned(), 1),
        Kind::Case | Kind::Timeline => {
            let caller = if rng.chance(0.5) { Caller::Citizen(case.applicant) } else { Caller::Clerk(case.office) };
            let suffix = if kind == Kind::Timeline { "/timeline" } else { "" };
            (caller, format!("/cases/{}{suffix}", case.code), 1)
        }
        _ => unreachable!("not in the API's mix"),
    };
    Task { kind, caller, path, pages, page: false }
}

/// The pages' mix: each kind's weight.
const PAGE_MIX: &[(Kind, f64)] = &[
    (Kind::PageWorklist, 25.0),
    (Kind::PageClerkCase, 25.0),
    (Kind::PageMyCases, 20.0),
    (Kind::PageCitizenCase, 25.0),
    (Kind::PageWorkflow, 5.0),
];

/// A page drawn from the pages' mix.
pub fn draw_page(sample: &Sample, rng: &mut Rng) -> Task {
    let weights: Vec<f64> = PAGE_MIX.iter().map(|(_, w)| *w).collect();
    let kind = PAGE_MIX[rng.weighted(&weights)].0;
    let case = rng.pick(&sample.drawn).clone();
    let office = rng.pick(&sample.offices).clone();
    let (caller, path) = match kind {
        Kind::PageWorklist => (Caller::Clerk(office), "/ufficio".to_owned()),
        Kind::PageClerkCase => (Caller::Clerk(case.office), format!("/ufficio/pratiche/{}", case.code)),
        Kind::PageMyCases => (Caller::Citizen(case.applicant), "/pratiche".to_owned()),
        Kind::PageCitizenCase => (Caller::Citizen(case.applicant), format!("/pratiche/{}", case.code)),
        Kind::PageWorkflow => (Caller::Analyst, format!("/procedimenti/{}", case.workflow)),
        _ => unreachable!("not in the pages' mix"),
    };
    Task { kind, caller, path, pages: 1, page: true }
}
