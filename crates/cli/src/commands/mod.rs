//! One module per top-level subcommand.

pub mod account;
pub mod checklist;
pub mod child;
pub mod coordinator;
pub mod demo;
pub mod export;
pub mod index;
pub mod municipality;
pub mod phrases;
pub mod purchase;
pub mod respite;
pub mod search;
pub mod server;
pub mod sync;
pub mod visit;
