//! Placeholder.

/// Placeholder.
#[derive(Debug, Default)]
pub struct InMemorySwitch;
/// Placeholder.
#[derive(Debug)]
pub enum SwitchFault {}
