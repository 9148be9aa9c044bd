//! Database migrations for SQLite and PostgreSQL (sea-orm-migration).
//!
//! Empty until the runtime arrives: Sportello stores nothing yet, it only validates and draws workflow
//! files. The runtime issue adds the tables (workflow versions, cases, audit entries, timers, outbox,
//! idempotency keys), one migration per file, run by `sportello migrate` and by the test harness.
