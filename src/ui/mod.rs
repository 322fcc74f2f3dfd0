//! The dashboard's views, in Leptos. Every view reads the listener through
//! the [`board::Board`], which redraws at most once per animation frame.

pub mod app;
pub mod batches;
pub mod board;
pub mod charts;
pub mod controls;
pub mod detail;
pub mod download;
pub mod errors;
pub mod event_time;
pub mod format;
pub mod header;
pub mod hooks;
pub mod keyed;
pub mod latency;
pub mod results;
pub mod stages;
pub mod statistics;
