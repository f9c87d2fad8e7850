//! The one integration-test binary: a module per feature.

mod support;

mod auth;
mod backup;
mod catalog;
mod cli;
mod counter;
mod counter_people;
mod crash;
mod departments;
mod exports;
mod faq;
mod faq_eval;
mod help;
mod identity;
mod imports;
mod kpi_examples;
mod kpi_record;
mod mynumber;
mod opendata;
mod pages;
mod plan_file;
mod plan_life;
mod procedures;
mod progress;
mod register_files;
mod register_pages;
mod registers;
mod reporting;
mod revisions;
mod security;
mod standardization;
mod storage;
mod towns;
mod validate_cases;
mod words;
