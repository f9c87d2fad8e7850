//! The one integration-test binary: a module per feature.

mod support;

mod auth;
mod catalog;
mod cli;
mod exports;
mod imports;
mod kpi_examples;
mod opendata;
mod pages;
mod plan_file;
mod reporting;
mod revisions;
mod storage;
