//! machi: a municipality's DX推進計画 as working software.

pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod counter;
pub mod db;
pub mod error;
pub mod faq;
pub mod filetype;
pub mod fiscal;
pub mod identity;
pub mod imports;
pub mod input;
pub mod modules;
pub mod mynumber;
pub mod opendata;
pub mod plan;
pub mod procedures;
pub mod registers;
pub mod reporting;
pub mod standardization;
pub mod textfile;
pub mod towns;
pub mod web;
