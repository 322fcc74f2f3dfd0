//! The dashboard's views, in Leptos: one component tree fed by one
//! snapshot signal that changes once per batch.

pub mod app;
pub mod charts;
pub mod controls;
pub mod format;
pub mod snapshot;
