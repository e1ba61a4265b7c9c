//! End-to-end stories live in `stories.rs`; this library is empty.
