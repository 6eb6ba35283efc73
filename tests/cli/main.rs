//! Integration tests: the real `aivenguard` binary (assert_cmd) on fixtures, temp trees and git
//! repositories built in the test. One binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod git;
mod hooks;
mod rules_cmd;
mod scan;
mod support;
