//! What the application layer and the API's handlers are handed: the store, the authenticator, the
//! metrics and the few settings they read. Cheap to clone. The pages' own state (templates, session
//! signing, sign-in) is not here: the server's router holds both (`startup.rs`).

use std::sync::Arc;

use sportello_documents::store::DocumentStore;
use sportello_hooks::Creditor;
use sportello_store::Store;

use crate::app::refusal_counter::RefusalCounter;
use crate::app::seen_people::SeenPeople;
use crate::auth::Authenticator;
use crate::integrations::Integrations;
use crate::metrics::Metrics;

/// The application's shared state.
#[derive(Clone)]
pub struct AppState {
    /// Cases, workflows, audit chains.
    pub store: Store,
    /// Turns bearer tokens into actors.
    pub auth: Arc<Authenticator>,
    /// The systems allowed to deliver events (pagoPA receipts, …), by their tokens.
    pub integrations: Arc<Integrations>,
    /// Counters and histograms for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The municipality as a pagoPA creditor (the payee printed on notices), when pagoPA is configured.
    pub creditor: Option<Arc<Creditor>>,
    /// Each caller's refusals this minute, which cap their rows in the security log.
    pub refusals: Arc<RefusalCounter>,
    /// The API callers recorded in the directory lately, so each call need not write.
    pub seen: Arc<SeenPeople>,
    /// Where documents' bytes are kept.
    pub documents: Arc<dyn DocumentStore>,
    /// How long an upload waits for the transition that attaches it.
    pub upload_ttl: std::time::Duration,
}
