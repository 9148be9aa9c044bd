//! The `sportello` command: validate, draw, document and test workflows; migrate the database, deploy
//! workflows, verify the audit log, fire timers, and serve the HTTP API (`sportello serve`).
//!
//! `main.rs` is a shim; everything lives here so tests can drive the real command.

// `Problem`, the error of every handler and extractor, is built only on the way out of a refused
// request and returned once; boxing it would cost an allocation for nothing.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod audit;
pub mod audit_documents;
pub mod auth;
pub mod backup;
pub mod checkpoint;
pub mod cli;
pub mod config;
pub mod connection;
pub mod database;
pub mod demo;
pub mod deploy;
pub mod dev_cases;
pub mod dev_token;
pub mod document_response;
pub mod documents;
pub mod extract;
pub mod hooks;
pub mod integrations;
pub mod metrics;
pub mod middleware;
pub mod migrate;
pub mod outbox_worker;
pub mod problem;
pub mod problem_pages;
pub mod report;
pub mod routes;
pub mod sample_documents;
pub mod scenarios;
pub mod serve;
pub mod setup;
pub mod startup;
pub mod state;
pub mod statistics_task;
pub mod telemetry;
pub mod timer_worker;
pub mod web;
pub mod worker;
pub mod workflow_files;
